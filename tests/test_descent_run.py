"""One run of a descent grid reads without sentinels: events that never happened are None."""

import numpy as np
import pytest

import ghostsym
from ghostsym.errors import InvalidInputError


def test_a_run_names_its_events_and_none_for_those_that_never_happened():
    result = ghostsym.gradient_descent(np.array([1e-10, 1e-9]), 100.0, steps=3000)
    slow, fast = result.run(0), result.run(1)
    assert slow.outcome == "learned" and slow.collapse_step is None
    assert slow.first_crossing_step == int(result.first_crossing_step[0]) > 0
    assert fast.outcome == "stuck"
    assert 0 < fast.first_crossing_step < fast.collapse_step == int(result.collapse_step[1])
    assert "step -1" not in str(slow) and "never entered" in str(slow)
    assert slow.to_json()["collapse_step"] is None
    early = ghostsym.gradient_descent(1e-10, 100.0, steps=10).run()
    assert early.first_crossing_step is None and "never crossed r*" in str(early)


def test_a_run_index_must_address_one_run():
    result = ghostsym.gradient_descent(
        np.array([[1e-10], [1e-9]]), np.array([30.0, 100.0]), steps=5
    )
    assert result.run((1, 0)).delay == 30.0 and result.run((-1, -1)).learning_rate == 1e-9
    for index in (2, (0,), (0, 2), None):
        with pytest.raises(InvalidInputError, match="index"):
            result.run(index)

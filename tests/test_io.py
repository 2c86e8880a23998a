"""ghostsym._io: one JSON convention for non-finite floats, atomic writes, npz, versions."""

import json
import math

import numpy as np
import pytest

from ghostsym._io import (
    NON_FINITE,
    from_json_ready,
    json_ready,
    json_text,
    package_versions,
    read_json,
    write_json,
    write_npz,
)


def test_non_finite_floats_round_trip_through_strict_json(tmp_path):
    data = {
        "plain": [1.5, -2, True, None, "text"],
        "inf": math.inf,
        "minus": np.float32(-np.inf),
        "nan": np.array([np.nan, 0.25]),
        "nested": {"deeper": (np.int64(7), math.inf)},
    }
    text = json_text(data)
    assert "Infinity" not in text and "NaN" not in text
    json.loads(text, parse_constant=lambda token: pytest.fail(f"non-JSON token {token}"))
    loaded = read_json(write_json(tmp_path / "a.json", data))
    assert loaded["inf"] == math.inf and loaded["minus"] == -math.inf
    assert math.isnan(loaded["nan"][0]) and loaded["nan"][1] == 0.25
    assert loaded["nested"] == {"deeper": [7, math.inf]}
    assert loaded["plain"] == [1.5, -2, True, None, "text"]


def test_the_convention_is_the_three_strings():
    assert json_ready([math.inf, -math.inf, math.nan]) == ["inf", "-inf", "nan"]
    assert set(NON_FINITE) == {"inf", "-inf", "nan"}
    # other strings, and the earlier tagged form of stored outcomes, read back as before
    assert from_json_ready(["Inf", "infinity", {"__float__": "-inf"}]) == [
        "Inf",
        "infinity",
        -math.inf,
    ]


def test_objects_with_to_json_and_paths(tmp_path):
    class Result:
        def to_json(self):
            return {"value": math.nan}

    assert json_ready({"result": Result(), "path": tmp_path}) == {
        "result": {"value": "nan"},
        "path": str(tmp_path),
    }


def test_npz_and_atomic_write_leave_no_temporary_file(tmp_path):
    path = write_npz(tmp_path / "sub" / "a.npz", {"x": np.arange(4.0)}, compressed=True)
    with np.load(path) as stored:
        assert stored["x"].tolist() == [0.0, 1.0, 2.0, 3.0]
    write_json(path.with_suffix(".json"), {"a": 1})
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.json", "a.npz"]


def test_package_versions_name_python_and_the_dependencies():
    versions = package_versions()
    assert list(versions) == sorted(versions)
    assert {"python", "ghostsym", "numpy", "jax", "sympy"} <= set(versions)
    assert package_versions(platform_name=True).keys() - versions.keys() == {"platform"}

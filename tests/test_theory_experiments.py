"""The canonical-ghost experiments: registered, their claims hold at quick scale, figures draw."""

import importlib

import numpy as np
import pytest

from ghostsym import numeric_critical_learning_rate
from ghostsym.experiments import ExperimentOutcome, all_experiments, get_experiment
from ghostsym.experiments.theory import EXPERIMENTS

NAMES = [experiment.name for experiment in EXPERIMENTS]
CHEAP = [
    "canonical-passage-times",
    "fig2-loss-landscape",
    "fig2-descent",
    "fig2-learning-rate-scan",
]


def _figure_function(experiment):
    module_name, _, function_name = experiment.figure.partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def test_experiments_are_registered_with_resolvable_figures():
    registered = {experiment.name for experiment in all_experiments()}
    assert set(NAMES) <= registered
    assert len(set(NAMES)) == len(NAMES) == 6
    for experiment in EXPERIMENTS:
        assert get_experiment(experiment.name) is experiment
        assert callable(_figure_function(experiment))


def _check_outcome(outcome, name, tmp_path):
    assert isinstance(outcome, ExperimentOutcome) and outcome.name == name
    failing = [claim.claim for claim in outcome.claims if claim.verdict != "reproduced"]
    assert not failing
    assert outcome.wall_time > 0
    paths = _figure_function(get_experiment(name))(outcome, tmp_path)
    assert paths and all(path.exists() and path.stat().st_size > 0 for path in paths)


@pytest.mark.parametrize("name", CHEAP)
def test_cheap_experiments_reproduce_every_claim_and_draw(name, tmp_path):
    _check_outcome(get_experiment(name).run("quick", 0), name, tmp_path)


def test_finite_confidence_experiment(tmp_path):
    outcome = get_experiment("fig8a-finite-confidence").run("quick", 0)
    _check_outcome(outcome, "fig8a-finite-confidence", tmp_path)
    # the fitted peak of the relative zone gradient (deterministic quadrature), near a = 0.1
    assert outcome.numbers["peak_gain"] == pytest.approx(0.13422077063413482, rel=1e-6)
    assert outcome.claims[2].verdict == "reproduced" and outcome.claims[2].kind == "beyond"


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["quick", "full"])
def test_critical_learning_rate_law_experiment(scale, tmp_path):
    outcome = get_experiment("critical-learning-rate-law").run(scale, 0)
    _check_outcome(outcome, "critical-learning-rate-law", tmp_path)


def test_law_figure_draws_from_a_small_real_estimate(tmp_path):
    from ghostsym.plotting.theory import plot_critical_learning_rate_law

    delays = np.array([10.0, 100.0])
    estimate = numeric_critical_learning_rate(delays, starts=4, steps=400)
    outcome = ExperimentOutcome(
        name="law",
        title="law",
        claims=(),
        arrays={
            "T": delays,
            "numeric_R=T": estimate.estimate,
            "closed_form_R=T": estimate.closed_form,
        },
    )
    paths = plot_critical_learning_rate_law(outcome, tmp_path)
    assert paths and all(path.exists() and path.stat().st_size > 0 for path in paths)


def test_same_seed_same_numbers():
    first = get_experiment("fig2-learning-rate-scan").run("quick", 5)
    second = get_experiment("fig2-learning-rate-scan").run("quick", 5)
    np.testing.assert_array_equal(first.arrays["mean_loss"], second.arrays["mean_loss"])
    assert first.numbers == second.numbers


def test_unknown_scale_is_rejected():
    from ghostsym.errors import InvalidInputError

    for experiment in EXPERIMENTS:
        with pytest.raises(InvalidInputError):
            experiment.run("medium", 0)

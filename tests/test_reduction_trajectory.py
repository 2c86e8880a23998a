"""Ghosts along a trajectory: seeds from the speed minima, visits in order, dwell beside the
prediction of the normal form, and no visit invented where the trajectory only passes by."""

import math

import pytest

from ghostsym.reduction._folds import find_folds
from ghostsym.reduction._trajectory import ghosts_along_trajectory, window_time

TOGGLE = ["a/(1+v**2) - u", "b/(1+u**2) - v"]


def test_window_time_is_the_derived_integral():
    expression = window_time()
    assert float(expression(0.04, 10.0)) == pytest.approx(2 / 0.2 * math.atan(3.0), rel=1e-14)


def test_toggle_switch_past_its_fold_is_slowed_by_the_ghost_once():
    """b = 2.5, a = 2.38 just below the fold at a0 = 2.38669...: the trajectory from (3, 0)
    passes the ghost of the vanished node-saddle pair, then settles on the other stable state
    (its resting jitter must not count as visits). r = ab (a - a0) from the fold reduction
    must match the ghost's r to first order, and the measured dwell its prediction within 5%
    (higher-order terms of the normal form; fixed before measuring)."""
    result = ghosts_along_trajectory(
        TOGGLE, ["u", "v"], {"u": 3, "v": 0}, 400.0, {"a": 2.38, "b": 2.5}
    )
    [visit] = result.visits
    point = visit.slow_point
    assert point.kind == "ghost"
    assert visit.measured_dwell == pytest.approx(visit.predicted_dwell, rel=0.05)
    [fold] = [
        fold
        for fold in find_folds(TOGGLE, ["u", "v"], "a", {"b": 2.5}).folds
        if 2.3 < fold.parameter_value < 2.5
    ]
    r_fold = fold.ab * (2.38 - fold.parameter_value)
    assert point.r == pytest.approx(r_fold, rel=0.05)


def test_a_trajectory_that_only_passes_by_a_ghost_does_not_visit_it():
    """x' = 0.01 + x^2 + 3y, y' = x^2 - y from (-3, 0): y lags far behind x^2, so the speed
    never drops near the ghost's: no passage, no visit (a speed minimum that is a passage
    but misses the ghost's window would be listed in failed_seeds)."""
    result = ghosts_along_trajectory(
        ["0.01 + x**2 + 3*y", "x**2 - y"], ["x", "y"], {"x": -3, "y": 0}, 100.0
    )
    assert result.visits == () and result.end < 100.0
    assert all("without entering its window" in reason for _, reason in result.failed_seeds)


def test_non_normal_ghost_on_a_fast_attracting_slow_manifold():
    """x' = 0.01 + x^2 + 3y, y' = 10 (x^2 - y) from (-1, 1): on y = x^2 the slow flow is
    0.01 + 4x^2, r = 0.04 (the left eigenvector p = (1, 0.3) carries the 3y term)."""
    result = ghosts_along_trajectory(
        ["0.01 + x**2 + 3*y", "10*(x**2 - y)"], ["x", "y"], {"x": -1, "y": 1}, 100.0
    )
    [visit] = result.visits
    assert visit.slow_point.r == pytest.approx(0.04, rel=1e-12)
    assert visit.measured_dwell == pytest.approx(visit.predicted_dwell, rel=0.02)

"""Gradient descent on the canonical ghost: the paper's Fig. 2 runs, the vectorised grid, and the
numeric critical learning rate (bisection on simulated descent) against the closed form."""

import math

import numpy as np
import pytest

from ghostsym import (
    DegenerateError,
    InvalidInputError,
    critical_learning_rate,
    gradient_descent,
    numeric_critical_learning_rate,
    paper_noisy_starts,
)

DELAYS = np.array([10.0, 30.0, 100.0, 300.0, 1000.0])


def test_paper_fig2_learning_rate_1e_10_learns_and_oscillates_near_the_optimum():
    result = gradient_descent(1e-10, 100.0, start_factor=10.0, steps=3000, record_every=1)
    optimum, trajectory = float(result.optimum), result.trajectory
    assert result.outcome_names().item() == "learned"
    assert abs(float(result.final) / optimum - 1) < 0.1
    assert float(result.final_loss) / 100 < 0.05
    after = trajectory[int(result.first_crossing_step) :]
    crossings = np.count_nonzero(np.diff(np.sign(after - optimum)))
    assert crossings > 100  # it keeps stepping across the kink: gradient never vanishes
    assert np.all(after > float(result.no_learning_boundary))


def test_paper_fig2_learning_rate_1e_9_reaches_low_loss_then_collapses_for_good():
    result = gradient_descent(1e-9, 100.0, start_factor=10.0, steps=3000, record_every=1)
    assert result.outcome_names().item() == "stuck"
    assert float(result.minimum_loss) / 100 < 0.05  # it did learn first
    crossing, collapse = int(result.first_crossing_step), int(result.collapse_step)
    assert 0 < crossing < collapse
    trajectory = result.trajectory
    assert np.all(trajectory[collapse:] == trajectory[collapse])  # zero gradient: stays
    assert float(result.final) <= float(result.no_learning_boundary)
    assert float(result.final_loss) == 100.0


def test_grid_is_one_computation_equal_to_individual_runs():
    rates = np.array([2e-10, 2e-9])
    delays = np.array([50.0, 100.0])
    starts = np.array([10.0, 0.5])
    grid = gradient_descent(
        rates[:, None, None], delays[None, :, None], start_factor=starts, steps=1000
    )
    assert grid.shape == (2, 2, 2)
    for index in np.ndindex(grid.shape):
        single = gradient_descent(
            rates[index[0]], delays[index[1]], start_factor=starts[index[2]], steps=1000
        )
        assert float(single.final) == grid.final[index]
        assert int(single.collapse_step) == grid.collapse_step[index]
        assert int(single.first_crossing_step) == grid.first_crossing_step[index]


@pytest.mark.parametrize("normalised", [False, True])
@pytest.mark.parametrize("ratio", [0.25, 1.0, 4.0])
def test_no_run_ever_collapses_below_the_critical_learning_rate(ratio, normalised):
    T = np.array([20.0, 200.0])[:, None]
    R = ratio * T
    generator = np.random.default_rng(7)
    optimum, boundary = math.pi**2 / (4 * T**2), math.pi**2 / (4 * (T + R) ** 2)
    starts = boundary + (20 * optimum - boundary) * generator.random((2, 200))
    rate = 0.995 * critical_learning_rate(T, R, normalised=normalised)
    result = gradient_descent(rate, T, R=R, start=starts, steps=2000, normalised=normalised)
    assert result.fraction("stuck") == 0.0
    above = gradient_descent(1.2 * rate, T, R=R, start=starts, steps=2000, normalised=normalised)
    assert above.fraction("stuck") > 0.0


@pytest.mark.parametrize("normalised", [False, True])
def test_numeric_critical_learning_rate_matches_closed_form_and_exponent(normalised):
    estimate = numeric_critical_learning_rate(
        DELAYS, normalised=normalised, starts=16, steps=2000, points_per_round=7
    )
    assert np.all(np.abs(estimate.relative_error) < 0.03)
    assert np.all(estimate.estimate >= estimate.safe)
    assert np.all(estimate.safe >= 0.99 * estimate.closed_form)  # theorem: nothing fails below
    derived = -4.0 if normalised else -5.0
    assert estimate.fitted_exponent() == pytest.approx(derived, abs=0.02)


def test_paper_single_start_bisection_is_within_three_percent_for_r_equal_t():
    estimate = numeric_critical_learning_rate(DELAYS, starts=[10.0], steps=3000)
    assert np.all(np.abs(estimate.relative_error) < 0.03)
    assert estimate.fitted_exponent() == pytest.approx(-5.0, abs=0.02)


@pytest.mark.parametrize(
    ("label", "window"),
    [("R = T/2", lambda T: 0.5 * T), ("R = 2T", lambda T: 2 * T), ("R = 50", lambda T: 50.0)],
)
def test_numeric_critical_learning_rate_for_other_windows(label, window):
    delays = np.array([10.0, 100.0, 1000.0])
    estimate = numeric_critical_learning_rate(
        delays, window(delays), starts=16, steps=2000, points_per_round=7
    )
    assert np.all(np.abs(estimate.relative_error) < 0.04), label
    closed_slope = np.polyfit(np.log(delays), np.log(estimate.closed_form), 1)[0]
    assert estimate.fitted_exponent() == pytest.approx(closed_slope, abs=0.02), label


def test_single_start_is_not_sharp_for_a_short_window():
    # Attracting periodic orbits of the descent map avoid the collapse window for R = T/4
    # (see the module docstring of ghostsym.theory._learning): one start overestimates
    # alpha_c a lot, an ensemble of starts does not.
    delays = np.array([10.0, 100.0])
    single = numeric_critical_learning_rate(delays, 0.25 * delays, starts=[10.0], steps=3000)
    ensemble = numeric_critical_learning_rate(delays, 0.25 * delays, starts=32, steps=3000)
    assert np.all(single.relative_error > 0.3)
    assert np.all(np.abs(ensemble.relative_error) < 0.03)
    # the factor is T-independent: the scaled map depends on R/T only
    assert single.relative_error[0] == pytest.approx(single.relative_error[1], abs=2e-3)


@pytest.mark.slow
@pytest.mark.parametrize("normalised", [False, True])
@pytest.mark.parametrize("ratio", [0.25, 0.5, 2.0, 4.0])
def test_numeric_critical_learning_rate_for_fixed_ratios_full(ratio, normalised):
    estimate = numeric_critical_learning_rate(
        DELAYS, ratio * DELAYS, normalised=normalised, starts=32, steps=3000
    )
    assert np.all(np.abs(estimate.relative_error) < 0.03)
    assert estimate.fitted_exponent() == pytest.approx(-4.0 if normalised else -5.0, abs=0.02)


def test_same_seed_same_numbers():
    first = numeric_critical_learning_rate([20.0, 40.0], starts=6, seed=3, steps=500)
    second = numeric_critical_learning_rate([20.0, 40.0], starts=6, seed=3, steps=500)
    np.testing.assert_array_equal(first.estimate, second.estimate)
    np.testing.assert_array_equal(paper_noisy_starts(5, 2), paper_noisy_starts(5, 2))


def test_runs_started_in_the_no_learning_zone_never_move():
    result = gradient_descent(1e-6, 100.0, start=np.array([-1e-3, 0.0, 1e-5]), steps=50)
    np.testing.assert_array_equal(result.final, [-1e-3, 0.0, 1e-5])
    np.testing.assert_array_equal(result.collapse_step, 0)
    assert result.fraction("stuck") == 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: gradient_descent(0.0, 100.0),
        lambda: gradient_descent(1e-10, -5.0),
        lambda: gradient_descent(1e-10, 100.0, R=float("nan")),
        lambda: gradient_descent(1e-10, 100.0, steps=-1),
        lambda: gradient_descent(1e-10, 100.0, start=float("inf")),
        lambda: numeric_critical_learning_rate([10.0, 0.0]),
        lambda: numeric_critical_learning_rate([10.0], bracket=(2.0, 1.0)),
        lambda: numeric_critical_learning_rate([10.0], collapse_fraction=1.0),
        lambda: gradient_descent(1e-10, 100.0).fraction("lost"),
    ],
)
def test_bad_input_raises_a_clear_error(call):
    with pytest.raises(InvalidInputError):
        call()


def test_a_bracket_that_misses_the_threshold_is_reported():
    with pytest.raises(DegenerateError, match="bracket"):
        numeric_critical_learning_rate([10.0], bracket=(10.0, 100.0), starts=2, steps=200)


def test_network_critical_learning_rate_is_the_first_order_rate_a_step_on_theta_gives_rho():
    """eta_c = alpha_c / rho'(theta)^2, derived by SymPy, against brute force at 50 digits: one
    gradient step on theta, for concrete rho(theta) and L(rho), moves rho as a step on rho with
    learning rate eta rho'(theta)^2, up to a relative error that falls like eta (first order)."""
    import mpmath
    import sympy

    from ghostsym.theory import network_critical_learning_rate

    derived = network_critical_learning_rate()
    critical, theta = derived.arguments
    assert derived.expression.has(sympy.Derivative)
    mpmath.mp.dps = 50
    try:

        def rho(value):
            return value**3 + mpmath.sin(value)

        def loss(value):
            return (value - 2) ** 4 + value

        theta0 = mpmath.mpf("0.7")
        slope = mpmath.diff(rho, theta0)
        loss_slope = mpmath.diff(loss, rho(theta0))
        errors = []
        for eta in (mpmath.mpf("1e-4"), mpmath.mpf("1e-5"), mpmath.mpf("1e-6")):
            step = -eta * mpmath.diff(lambda value: loss(rho(value)), theta0)
            change = rho(theta0 + step) - rho(theta0)
            effective_rate = -change / loss_slope
            errors.append(abs(effective_rate / (eta * slope**2) - 1))
        # the derived eta_c makes the effective rate alpha_c
        value = derived.expression.subs(sympy.Derivative(sympy.Function("rho")(theta), theta), 1.7)
        assert float(value.subs(critical, 2.0)) == pytest.approx(2.0 / 1.7**2, rel=1e-15)
    finally:
        mpmath.mp.dps = 15
    assert errors[-1] < 1e-5
    exponent = math.log(errors[0] / errors[-1]) / math.log(100)
    assert exponent == pytest.approx(1.0, abs=0.05)  # a first-order statement, error O(eta)

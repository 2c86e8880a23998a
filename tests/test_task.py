"""The delayed-activation task: derived loss, gradient and critical learning rate, checked
against finite differences, the ODE's switch time, and brute-force one-step descent."""

import math

import mpmath
import numpy as np
import pytest
import sympy

from ghostsym import (
    InvalidInputError,
    blow_up_time,
    critical_learning_rate,
    delayed_activation_theory,
    descent_steps_estimate,
    gradient_descent,
    notation,
    task_gradient,
    task_loss,
)

GENERAL = delayed_activation_theory(R=notation.R)
GENERAL_NORMALISED = delayed_activation_theory(R=notation.R, normalised=True)
WINDOWS = [(100.0, 100.0), (40.0, 20.0), (25.0, 75.0)]


def optimum(T):
    return math.pi**2 / (4 * T**2)


def boundary(T, R):
    return math.pi**2 / (4 * (T + R) ** 2)


@pytest.mark.parametrize(("T", "R"), WINDOWS)
def test_optimum_and_boundary_switch_at_T_and_T_plus_R(T, R):
    numbers = delayed_activation_theory(T=T, R=R).numbers()
    assert blow_up_time(numbers.optimum) == pytest.approx(T, rel=1e-14)
    assert blow_up_time(numbers.no_learning_boundary) == pytest.approx(T + R, rel=1e-14)


@pytest.mark.parametrize("normalised", [False, True])
@pytest.mark.parametrize(("T", "R"), WINDOWS)
def test_gradient_matches_finite_differences_on_every_branch(T, R, normalised):
    theory = GENERAL_NORMALISED if normalised else GENERAL
    loss = theory.loss.lambdify("mpmath")
    gradient = theory.gradient.lambdify("mpmath")
    r_opt, r_nl = optimum(T), boundary(T, R)
    points = {
        "early (r > r*)": [1.3 * r_opt, 10 * r_opt],
        "late (r_NL < r < r*)": [0.5 * (r_opt + r_nl), r_nl * 1.01],
        "no-learning (0 < r < r_NL)": [0.5 * r_nl],
        "no-learning (r <= 0)": [-r_opt, 0.0],
    }
    with mpmath.workdps(40):
        for branch, values in points.items():
            for value in values:
                r = mpmath.mpf(value)
                step = mpmath.mpf("1e-15") * max(abs(r), mpmath.mpf("1e-6"))
                central = (loss(r + step, T, R) - loss(r - step, T, R)) / (2 * step)
                derived = gradient(r, T, R)
                assert abs(central - derived) <= 1e-12 * (1 + abs(derived)), branch


@pytest.mark.parametrize(("T", "R"), WINDOWS)
def test_loss_shape_flat_zone_continuity_and_minimum(T, R):
    r_opt, r_nl = optimum(T), boundary(T, R)
    grid = np.linspace(-r_opt, 4 * r_opt, 200001)
    values = task_loss(grid, T, R)
    assert not np.isnan(values).any()
    assert grid[np.argmin(values)] == pytest.approx(r_opt, abs=grid[1] - grid[0])
    assert np.all(values[grid <= r_nl] == R)  # flat, fold r = 0 included
    assert np.all(task_gradient(grid[grid <= r_nl], T, R) == 0)
    just_above = task_loss(r_nl * (1 + 1e-12), T, R)
    assert just_above == pytest.approx(R, rel=1e-9)  # continuous at r_NL
    assert float(task_loss(r_opt, T, R)) == pytest.approx(0.0, abs=1e-9 * T)


@pytest.mark.parametrize("T", [10.0, 100.0, 1000.0])
def test_gradient_size_at_the_optimum_is_the_kink_from_both_sides(T):
    theory = delayed_activation_theory(T=T)
    size = float(theory.gradient_at_optimum.evaluate({}))
    assert (
        sympy.simplify(GENERAL.gradient_at_optimum.expression - 2 * notation.T**3 / sympy.pi**2)
        == 0
    )
    r_opt = optimum(T)
    h = 1e-7 * r_opt
    right = (task_loss(r_opt + h, T) - task_loss(r_opt, T)) / h
    left = (task_loss(r_opt, T) - task_loss(r_opt - h, T)) / h
    assert right == pytest.approx(size, rel=1e-5)
    assert left == pytest.approx(-size, rel=1e-5)


@pytest.mark.parametrize("normalised", [False, True])
@pytest.mark.parametrize(("T", "R"), WINDOWS)
def test_critical_learning_rate_is_the_one_step_threshold(T, R, normalised):
    alpha = critical_learning_rate(T, R, normalised=normalised)
    r_opt, r_nl = optimum(T), boundary(T, R)
    # brute force over starts above r*: the lowest landing point is the step from r* itself
    starts = r_opt * (1 + np.geomspace(1e-12, 9, 4001))
    for factor, lands_safely in ((0.999, True), (1.001, False)):
        landing = starts - factor * alpha * task_gradient(starts, T, R, normalised=normalised)
        assert np.argmin(landing) == 0
        assert bool(np.all(landing > r_nl)) is lands_safely


def test_critical_learning_rate_closed_forms_and_exponents():
    T, R = notation.T, notation.R
    plain = delayed_activation_theory()
    normalised = delayed_activation_theory(normalised=True)
    assert (
        sympy.simplify(plain.critical_learning_rate.expression - 3 * sympy.pi**4 / (32 * T**5)) == 0
    )
    assert (
        sympy.simplify(normalised.critical_learning_rate.expression - 3 * sympy.pi**4 / (32 * T**4))
        == 0
    )
    assert plain.critical_exponent.expression == -5
    assert normalised.critical_exponent.expression == -4
    assert GENERAL.critical_exponent.expression == -5  # any fixed ratio R/T
    assert GENERAL.asymptotic_exponent.expression == -6
    assert GENERAL_NORMALISED.asymptotic_exponent.expression == -5
    assert not GENERAL.fixed_window_exponent.expression.has(sympy.pi)
    assert set(GENERAL.fixed_window_exponent.arguments) == {T, R}
    assert delayed_activation_theory(T=100).numbers().critical_learning_rate == pytest.approx(
        3 * math.pi**4 / (32 * 100**5), rel=1e-14
    )


@pytest.mark.parametrize("normalised", [False, True])
def test_exponents_match_numeric_log_derivatives(normalised):
    theory = GENERAL_NORMALISED if normalised else GENERAL
    exponent = theory.fixed_window_exponent

    def log_alpha(T, R):
        return math.log(critical_learning_rate(T, R, normalised=normalised))

    for T, R in ((30.0, 30.0), (100.0, 7.0), (10.0, 300.0)):
        h = 1e-5
        numeric = (log_alpha(T * math.exp(h), R) - log_alpha(T * math.exp(-h), R)) / (2 * h)
        assert float(exponent(T, R)) == pytest.approx(numeric, abs=1e-8)
        # at a fixed ratio R/T the exponent is exact
        ratio = R / T
        fixed_ratio = (
            log_alpha(T * math.exp(h), ratio * T * math.exp(h))
            - log_alpha(T * math.exp(-h), ratio * T * math.exp(-h))
        ) / (2 * h)
        assert fixed_ratio == pytest.approx(float(theory.critical_exponent.expression), abs=1e-8)
    # a fixed window: the local exponent tends to the derived asymptotic exponent
    far = (log_alpha(1e7 * math.exp(1e-4), 1.0) - log_alpha(1e7 * math.exp(-1e-4), 1.0)) / 2e-4
    assert far == pytest.approx(float(theory.asymptotic_exponent.expression), abs=1e-5)


@pytest.mark.parametrize("normalised", [False, True])
def test_descent_steps_estimate_matches_simulated_descent(normalised):
    T = 50.0
    alpha = critical_learning_rate(T, normalised=normalised)
    rates = alpha * np.array([0.01, 0.05, 0.2])
    result = gradient_descent(rates, T, start_factor=10.0, steps=17500, normalised=normalised)
    estimates = [
        descent_steps_estimate(10 * optimum(T), rate, T, normalised=normalised) for rate in rates
    ]
    # continuous estimate vs the discrete first crossing: error of order one step
    np.testing.assert_allclose(result.first_crossing_step, estimates, rtol=0.02, atol=2)
    # in units of alpha_c / eta the estimate is T-independent: (8/15)(10^{5/2} - 1) ~ 168
    assert estimates[0] * rates[0] / alpha == pytest.approx(8 / 15 * (10**2.5 - 1), rel=1e-12)


def test_descent_steps_from_below_and_from_the_zone():
    T = 100.0
    rate = critical_learning_rate(T) / 50
    start = 0.5 * optimum(T)
    estimate = descent_steps_estimate(start, rate, T)
    result = gradient_descent(rate, T, start=start, steps=200)
    assert float(result.first_crossing_step) == pytest.approx(estimate, rel=0.02, abs=2)
    assert descent_steps_estimate(0.2 * optimum(T), rate, T) == math.inf


def test_jax_lambdified_gradient_matches_numpy():
    import jax.numpy as jnp

    gradient = GENERAL.gradient
    r = np.array([-1e-3, 0.0, 1e-5, 1.5e-4, 3e-4, 1e-2])
    expected = task_gradient(r, 100.0, 100.0)
    got = np.asarray(gradient.lambdify("jax")(jnp.asarray(r), 100.0, 100.0))
    np.testing.assert_allclose(got[r > 0], expected[r > 0], rtol=1e-14)
    np.testing.assert_array_equal(got[r <= 0], 0.0)


def test_numbers_json_payload_and_latex():
    payload = delayed_activation_theory(T=100).numbers().to_json()
    assert set(payload) == {
        "T",
        "R",
        "normalised",
        "r_opt",
        "r_nl",
        "grad_at_opt",
        "critical_lr",
        "critical_exponent",
        "latex",
    }
    assert set(payload["latex"]) == {
        "r_opt",
        "r_nl",
        "grad_at_opt",
        "critical_lr",
        "critical_exponent",
    }
    assert payload["r_nl"] == pytest.approx(payload["r_opt"] / 4, rel=1e-14)
    assert payload["grad_at_opt"] == pytest.approx(2e6 / math.pi**2, rel=1e-14)
    assert "\\pi" in payload["latex"]["critical_lr"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: delayed_activation_theory(T=0),
        lambda: delayed_activation_theory(T=-3),
        lambda: delayed_activation_theory(T=float("nan")),
        lambda: delayed_activation_theory(T=math.inf),
        lambda: delayed_activation_theory(T=10, R=0),
        lambda: delayed_activation_theory(T=10, R=float("nan")),
        lambda: critical_learning_rate([10.0, -1.0]),
        lambda: critical_learning_rate(10.0, R=math.inf),
        lambda: task_loss(1e-3, 0.0),
        lambda: task_gradient(1e-3, float("nan")),
        lambda: delayed_activation_theory().numbers(),
        lambda: descent_steps_estimate(1e-3, 0.0, 100.0),
        lambda: descent_steps_estimate(float("nan"), 1e-10, 100.0),
    ],
)
def test_bad_input_raises_a_clear_error(call):
    with pytest.raises(InvalidInputError):
        call()


def test_loss_and_gradient_never_return_nan_on_any_branch():
    r = np.concatenate([-np.geomspace(1, 1e-12, 50), [0.0], np.geomspace(1e-12, 1, 200)])
    for normalised in (False, True):
        assert not np.isnan(task_loss(r, 100.0, 30.0, normalised=normalised)).any()
        assert not np.isnan(task_gradient(r, 100.0, 30.0, normalised=normalised)).any()


@pytest.mark.parametrize("normalised", [False, True])
def test_scaled_descent_map_is_t_free_and_reproduces_the_simulation(normalised):
    from ghostsym import scaled_descent_map

    scaled = scaled_descent_map(normalised)
    assert not scaled.expression.has(notation.T)
    assert scaled.expression == scaled_descent_map(not normalised).expression
    for T, ratio, kappa in ((10.0, 1.0, 0.7), (300.0, 0.5, 1.3), (1000.0, 3.0, 0.2)):
        rate = kappa * critical_learning_rate(T, ratio * T, normalised=normalised)
        result = gradient_descent(
            rate,
            T,
            R=ratio * T,
            start_factor=10.0,
            steps=60,
            normalised=normalised,
            record_every=1,
        )
        u = 10.0
        for n in range(1, 61):
            u = float(scaled(u, kappa, ratio))
            assert result.trajectory[n] / optimum(T) == pytest.approx(u, rel=1e-9, abs=1e-12)


def test_substitute_refuses_text_instead_of_evaluating_it(tmp_path):
    marker = tmp_path / "evaluated"
    payload = f"__import__('os').system('touch {marker}')"
    theory = delayed_activation_theory()
    with pytest.raises(InvalidInputError, match="SymPy expression or a number"):
        theory.substitute({notation.T: payload})
    assert not marker.exists()

"""Finite-confidence loss by quadrature, against the paper's Euler simulation, mpmath, finite
differences and its infinite-gain limit."""

import math

import numpy as np
import pytest
import sympy

from ghostsym import InvalidInputError, canonical_trajectory, notation, task_loss
from ghostsym.theory import (
    confidence_integrands,
    confidence_loss,
    euler_confidence_loss,
    infinite_gain_loss,
)

T = 100.0
OPTIMUM = math.pi**2 / (4 * T**2)
# r* and around it, inside the no-learning zone (r_NL = r*/4), the fold, the series regime
# (|r| t^2 < 1e-3), and the node branch
R_VALUES = np.array([2, 1, 0.5, 1 / 8, 0, 1e-6, -1e-6, -1]) * OPTIMUM


def _euler_convergence(gain, steps):
    exact = confidence_loss(R_VALUES, T, gain=gain).loss
    errors = np.array(
        [np.abs(euler_confidence_loss(R_VALUES, T, gain=gain, dt=dt) - exact) for dt in steps]
    )
    worst = errors.max(axis=1)
    assert np.all(np.diff(worst) < 0)  # shrinks with the step
    slope = np.polyfit(np.log(steps), np.log(worst), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.1)  # Euler + rectangle rule: first order
    assert worst[-1] < 0.2


def test_euler_simulation_converges_to_quadrature_at_first_order():
    _euler_convergence(1.0, np.array([0.1, 0.05, 0.025]))


@pytest.mark.slow
@pytest.mark.parametrize("gain", [0.01, 0.1, 2.0])
def test_euler_simulation_converges_to_quadrature_at_first_order_full(gain):
    _euler_convergence(gain, np.array([0.1, 0.05, 0.025, 0.0125, 0.00625]))


@pytest.mark.parametrize("gain", [0.01, 2.0])
def test_scipy_and_mpmath_quadrature_agree(gain):
    r = R_VALUES[[2, 3, 5]]
    fast = confidence_loss(r, T, gain=gain)
    precise = confidence_loss(r, T, gain=gain, method="mpmath", precision=20)
    np.testing.assert_allclose(fast.loss, precise.loss, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast.gradient, precise.gradient, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("gain", [0.1, 1.0])
def test_gradient_matches_finite_differences_of_the_quadrature_loss(gain):
    for r in R_VALUES:
        h = 1e-4 * OPTIMUM
        values = confidence_loss([r - h, r + h], T, gain=gain).loss
        central = (values[1] - values[0]) / (2 * h)
        derived = float(confidence_loss(r, T, gain=gain).gradient)
        assert derived == pytest.approx(central, rel=1e-5, abs=1e-4), r / OPTIMUM


def test_gradient_matches_finite_differences_of_the_euler_simulation():
    # independent of the closed form altogether: the paper's simulation at a fine step
    r = np.array([1.5, 0.5, 1 / 8]) * OPTIMUM
    h = 1e-3 * OPTIMUM
    shifted = euler_confidence_loss(np.stack([r + h, r - h]), T, gain=0.5, dt=0.01)
    simulated = (shifted[0] - shifted[1]) / (2 * h)
    derived = confidence_loss(r, T, gain=0.5).gradient
    np.testing.assert_allclose(derived, simulated, rtol=0.05)


def test_loss_approaches_the_infinite_gain_limit_as_the_gain_grows():
    gains = np.array([4.0, 8.0, 16.0, 32.0])
    for factor in (2.0, 1.0, 0.5):
        r = factor * OPTIMUM
        limit = infinite_gain_loss(r, T)
        gaps = np.abs([float(confidence_loss(r, T, gain=a).loss) - limit for a in gains])
        assert np.all(np.diff(gaps) < 0)
        slope = np.polyfit(np.log(gains), np.log(gaps), 1)[0]
        assert -1.3 < slope < -0.8  # the sigmoid's edge has width ~ 1/a
    # inside the no-learning zone the limit is reached up to exponentially small terms
    assert float(confidence_loss(OPTIMUM / 8, T, gain=8.0).loss) == pytest.approx(T, abs=1e-12)


def test_infinite_gain_limit_tends_to_the_idealised_loss_as_the_threshold_grows():
    thresholds = np.array([10.0, 100.0, 1000.0])
    for factor in (3.0, 2.0, 0.5, 0.2, -1.0):
        r = factor * OPTIMUM
        ideal = float(task_loss(r, T))
        gaps = np.array([abs(infinite_gain_loss(r, T, threshold=X) - ideal) for X in thresholds])
        if factor <= 0.25:  # no-learning zone: identical
            assert np.all(gaps == 0)
            continue
        np.testing.assert_allclose(gaps, 1 / thresholds, rtol=1e-3)  # t* - t_X = 1/X + ...


def test_lower_confidence_lifts_the_gradient_inside_the_no_learning_zone():
    gains = [2.0, 1.0, 0.5, 0.1, 0.01]
    grid = np.linspace(-OPTIMUM, 2 * OPTIMUM, 31)
    inside = OPTIMUM / 8
    relative = {}
    for gain in gains:
        curve = np.abs(confidence_loss(grid, T, gain=gain).gradient)
        value = abs(float(confidence_loss(inside, T, gain=gain).gradient))
        assert value > 0
        relative[gain] = value / curve.max()  # the paper's Fig. 8A normalises by the maximum
    # lower gain, larger gradient in the zone, from a = 2 down to a = 0.1 ...
    assert relative[2.0] < relative[1.0] < relative[0.5] < relative[0.1]
    assert relative[2.0] < 1e-9 and relative[0.5] > 1e-5
    # ... but not monotone below: at a = 0.01 the whole loss flattens (measured, see report)
    assert relative[0.01] < relative[0.1]
    assert float(task_loss(inside, T)) == T  # the idealised loss is flat there


def test_integrands_are_the_canonical_trajectory_and_the_sigmoid():
    forms = confidence_integrands()
    times = np.linspace(0, 40, 9)
    for r, start in ((0.01, 0.5), (-0.04, 0.1), (1e-9, 0.3)):
        functions = (
            (forms.series_s, forms.series_s_derivative)
            if r == 1e-9
            else ((forms.ghost_s, forms.ghost_s_derivative) if r > 0 else (forms.node_s, None))
        )
        s_values = functions[0](r, times)
        state = forms.state(s_values, r, start)
        expected = canonical_trajectory(r, times, start)
        finite = np.isfinite(expected)
        np.testing.assert_allclose(state[finite], expected[finite], rtol=1e-9)
    z = sympy.Symbol("z", real=True)
    sigma = forms.output.expression.subs(
        {notation.gain: 1, notation.X: 0, notation.x0: 0, notation.r: 1}
    ).subs(sympy.Symbol("S", real=True), z)
    assert sympy.simplify((sigma - 1 / (1 + sympy.exp(-z))).rewrite(sympy.exp)) == 0


def test_loss_and_gradient_are_finite_everywhere():
    r = np.concatenate([-np.geomspace(1e-2, 1e-12, 6), [0.0], np.geomspace(1e-12, 1e-2, 8)])
    for gain in (0.01, 2.0, 500.0):
        values = confidence_loss(r, T, R=40.0, gain=gain, start=1.0)
        assert np.all(np.isfinite(values.loss)) and np.all(np.isfinite(values.gradient))
        assert np.all(values.loss >= 0) and np.all(values.loss <= T + 40.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: confidence_loss(1e-4, T, gain=0.0),
        lambda: confidence_loss(1e-4, -T, gain=1.0),
        lambda: confidence_loss(1e-4, T, R=float("nan"), gain=1.0),
        lambda: confidence_loss(float("nan"), T, gain=1.0),
        lambda: confidence_loss(1e-4, T, gain=1.0, start=10.0),
        lambda: confidence_loss(1e-4, T, gain=1.0, method="trapezoid"),
        lambda: confidence_loss(1e-4, T, gain=1.0, method="mpmath", precision=5),
        lambda: euler_confidence_loss(1e-4, T, gain=1.0, dt=0.0),
        lambda: euler_confidence_loss([np.inf], T, gain=1.0),
        lambda: infinite_gain_loss(1e-4, T, start=20.0),
    ],
)
def test_bad_input_raises_a_clear_error(call):
    with pytest.raises(InvalidInputError):
        call()

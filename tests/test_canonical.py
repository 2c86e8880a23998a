"""The canonical form x' = r + x^2 against independent oracles (ODE solver, mpmath quadrature)."""

import math

import mpmath
import numpy as np
import pytest
import sympy
from scipy.integrate import solve_ivp

from ghostsym import (
    DerivedExpression,
    InvalidInputError,
    blow_up_time,
    bottleneck_time,
    canonical_form,
    canonical_trajectory,
    escape_time,
    notation,
    passage_time,
)
from ghostsym.experiments import blow_up_time_by_ode

FORM = canonical_form()


R_VALUES = np.geomspace(1e-6, 1.0, 7)


@pytest.mark.parametrize("r", R_VALUES)
def test_blow_up_time_matches_ode_solver(r):
    assert blow_up_time(r) == pytest.approx(blow_up_time_by_ode(r), rel=1e-6)


def test_blow_up_time_exponent_from_ode_is_minus_one_half():
    times = [blow_up_time_by_ode(r) for r in R_VALUES]
    slope = np.polyfit(np.log(R_VALUES), np.log(times), 1)[0]
    derived = sympy.diff(sympy.log(FORM.blow_up_time.expression), notation.r) * notation.r
    assert float(derived) == -0.5
    assert slope == pytest.approx(-0.5, abs=1e-7)


@pytest.mark.parametrize("r", ["1e-6", "0.013", "1", "250"])
def test_bottleneck_time_matches_mpmath_quadrature_at_30_digits(r):
    with mpmath.workdps(30):
        value = mpmath.mpf(r)
        oracle = mpmath.quad(lambda x: 1 / (value + x**2), [-mpmath.inf, 0, mpmath.inf])
        closed = FORM.bottleneck_time.lambdify("mpmath")(value)
        assert abs(closed - oracle) <= mpmath.mpf("1e-28") * oracle
    assert bottleneck_time(float(r)) == pytest.approx(float(oracle), rel=1e-14)
    assert passage_time(float(r), -math.inf, math.inf) == pytest.approx(float(oracle), rel=1e-14)


@pytest.mark.parametrize(
    ("r", "start", "end"),
    [
        (0.3, -2.0, 5.0),  # ghost, through the bottleneck
        (1e-4, 0.0, 10.0),  # the paper's start and threshold
        (-0.25, 0.6, 40.0),  # node branch, above the saddle 0.5
        (-0.25, -50.0, -0.7),  # node branch, below the node -0.5
        (0.0, 0.5, 3.0),  # fold, above the half-stable point
        (0.0, -4.0, -1.0),  # fold, below it
    ],
)
def test_passage_time_matches_mpmath_quadrature(r, start, end):
    with mpmath.workdps(30):
        oracle = mpmath.quad(lambda x: 1 / (mpmath.mpf(r) + x**2), [start, end])
    assert passage_time(r, start, end) == pytest.approx(float(oracle), rel=1e-12)


@pytest.mark.parametrize(
    ("r", "start"), [(0.7, -3.0), (0.7, 2.0), (-0.25, 0.75), (0.0, 0.2), (-1.0, 5.0)]
)
def test_escape_time_matches_ode_and_infinite_passage(r, start):
    def beyond(_, state):
        return state[0] - 1e7

    beyond.terminal = True
    solution = solve_ivp(
        lambda _, x: r + x**2, (0, 1e6), [start], events=beyond, rtol=1e-12, atol=1e-12
    )
    # The remaining time from 1e7 to infinity is at most 1/1e7 (flow >= x^2 / 2 there).
    assert escape_time(r, start) == pytest.approx(solution.t_events[0][0], abs=3e-7)
    assert escape_time(r, start) == pytest.approx(passage_time(r, start, math.inf), rel=1e-13)


@pytest.mark.parametrize(
    ("expression", "r_value"),
    [
        ("trajectory", sympy.Rational(37, 100)),
        ("node_trajectory", -sympy.Rational(37, 100)),
        ("fold_trajectory", 0),
    ],
)
def test_trajectories_solve_the_ode_symbolically(expression, r_value):
    derived = getattr(FORM, expression).expression
    r, x0, t = notation.r, notation.x0, notation.t
    if expression == "fold_trajectory":
        residual = sympy.diff(derived, t) - derived**2
    else:
        residual = sympy.diff(derived, t) - (r + derived**2)
    residual = residual.subs(r, r_value)
    assert sympy.simplify(residual) == 0
    assert sympy.simplify(derived.subs(t, 0).subs(r, r_value) - x0) == 0


@pytest.mark.parametrize(("r", "start"), [(0.04, -1.0), (-0.09, 0.2), (-0.09, -2.0), (0.0, -1.0)])
def test_trajectory_matches_ode_solver(r, start):
    times = np.linspace(0, 6.0, 13)
    solution = solve_ivp(
        lambda _, x: r + x**2, (0, 6.0), [start], t_eval=times, rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(canonical_trajectory(r, times, start), solution.y[0], rtol=1e-8)


def test_trajectory_is_infinite_after_escape_and_never_nan():
    times = np.linspace(0, 10, 101)
    for r in (-1.0, -1e-9, 0.0, 1e-9, 0.5):
        for start in (-2.0, 0.0, 0.5, 3.0):
            values = canonical_trajectory(r, times, start)
            assert not np.isnan(values).any()
            escape = escape_time(r, start)
            assert np.all(np.isinf(values[times >= escape]))
            assert np.all(np.isfinite(values[times < escape]))


def test_blocked_passages_are_documented_infinities():
    assert passage_time(-0.01, 0.0, 10.0) == math.inf  # saddle at 0.1 in the way
    assert passage_time(-0.01, -0.05, 0.05) == math.inf  # between node and saddle: flow down
    assert passage_time(-0.01, -5.0, -0.1) == math.inf  # ends exactly at the node
    assert passage_time(0.0, -1.0, 1.0) == math.inf  # the fold point 0
    assert blow_up_time(0.0) == math.inf and blow_up_time(-3.0) == math.inf
    assert bottleneck_time(-1e-12) == math.inf
    assert escape_time(-1.0, 1.0) == math.inf  # starts on the saddle


@pytest.mark.parametrize(
    "call",
    [
        lambda: blow_up_time(float("nan")),
        lambda: blow_up_time(math.inf),
        lambda: passage_time(1.0, float("nan"), 1.0),
        lambda: passage_time(1.0, 2.0, 1.0),
        lambda: escape_time(float("nan")),
        lambda: canonical_trajectory(1.0, [-1.0]),
        lambda: blow_up_time("1"),
    ],
)
def test_bad_input_raises_a_clear_error(call):
    with pytest.raises(InvalidInputError):
        call()


def test_expressions_lambdify_consistently_for_numpy_mpmath_and_jax():
    r, start, t = 0.2, 0.3, 1.7
    for expression, values in (
        (FORM.trajectory, (r, start, t)),
        (FORM.passage_time, (r, start, 4.0)),
        (FORM.node_trajectory, (-r, start, t)),
        (FORM.blow_up_time, (r,)),
    ):
        assert isinstance(expression, DerivedExpression)
        reference = float(expression(*values))
        assert float(expression.lambdify("mpmath")(*values)) == pytest.approx(reference, rel=1e-13)
        assert float(expression.lambdify("jax")(*values)) == pytest.approx(reference, rel=1e-13)


def test_latex_uses_the_central_notation():
    assert FORM.blow_up_time.latex() == "t^{*} = \\frac{\\pi}{2 \\sqrt{r}}"
    assert "x_0" in FORM.trajectory.latex()
    assert FORM.bottleneck_time._repr_latex_().startswith("$\\displaystyle")

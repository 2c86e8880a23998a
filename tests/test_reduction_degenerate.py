"""Degenerate mathematics in the slow-point reduction is named, never reported as a ghost:
no slow point (the speed falls towards infinity), a degenerate zero (b = 0), a quadratic
coefficient too small for z' = r + z^2, a locally constant f, f undefined or not real, and
numbers outside float64. The checks' own ingredients are compared with independent oracles."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy

from ghostsym.errors import DegenerateError, InvalidInputError
from ghostsym.reduction import find_folds
from ghostsym.reduction._errors import (
    UndefinedVectorFieldError,
    UnresolvedSlowPointError,
    VanishingQuadraticCoefficientError,
)
from ghostsym.reduction._symbolic import _compile, float64, reduce_ghost

X, Y = sympy.symbols("x y", real=True)


def test_third_directional_derivative_matches_high_precision_finite_differences():
    f = sympy.ImmutableMatrix([sympy.sin(X) * Y**2 + X**3, sympy.exp(X * Y) - Y])
    system = _compile(f, (X, Y))
    point, direction = (
        [mpmath.mpf("0.3"), mpmath.mpf("-0.7")],
        [mpmath.mpf("0.6"), mpmath.mpf("0.8")],
    )
    with mpmath.workdps(40):
        symbolic = system.third(*point, *direction)
        for row in range(2):

            def along(s, row=row):
                moved = [p + s * d for p, d in zip(point, direction, strict=True)]
                return system.value(*moved)[row]

            oracle = mpmath.diff(along, 0, 3)
            assert abs(symbolic[row] - oracle) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize(
    ("equation", "start"),
    [("exp(x)", 0.0), ("tanh(x) + 1", 0.0), ("1/(1 + x**2)", 0.5), ("1/x", 1.0), ("x**3", 0.5)],
)
def test_a_speed_that_only_falls_is_no_slow_point(equation, start):
    with pytest.raises(UnresolvedSlowPointError, match="no resolved slow point"):
        reduce_ghost([equation], ["x"], {"x": start})


def test_a_quadratic_coefficient_too_small_for_the_normal_form_is_named():
    with pytest.raises(VanishingQuadraticCoefficientError, match="is too small"):
        reduce_ghost(["x**3 + 0.01"], ["x"], {"x": 0.5})


def test_a_locally_constant_field_has_no_slow_point():
    with pytest.raises(VanishingQuadraticCoefficientError, match="locally constant"):
        reduce_ghost(["1"], ["x"], {"x": 0.5})


@pytest.mark.parametrize(
    ("equation", "start", "message"),
    [("1/x", 0.0, "not defined"), ("log(x)", -1.0, "not real"), ("asin(x)", 2.0, "not real")],
)
def test_a_field_undefined_at_the_start_is_named(equation, start, message):
    with pytest.raises(UndefinedVectorFieldError, match=message):
        reduce_ghost([equation], ["x"], {"x": start})


@pytest.mark.parametrize("epsilon", ["1/100", "1/10", "3/10"])
def test_genuine_ghosts_with_a_cubic_term_pass_the_checks(epsilon):
    """x' = epsilon + x^2 - x^3/3: the slow point and r against sympy.solve (independent)."""
    e = sympy.Rational(epsilon)
    f = e + X**2 - X**3 / 3
    ghost = reduce_ghost([f], [X], {X: 0.05})
    speed_squared_derivative = sympy.diff(f**2, X)
    critical = [
        c for c in sympy.Poly(speed_squared_derivative, X).nroots(n=40) if c.is_real and abs(c) < 1
    ]
    [location] = [c for c in critical if sympy.diff(f**2, X, 2).subs(X, c) > 0]
    assert ghost.kind == "ghost"
    assert abs(ghost.point[0] - location) < 1e-20
    lam, b, d = (sympy.diff(f, X).subs(X, location), sympy.diff(f, X, 2).subs(X, location) / 2,
                 f.subs(X, location))  # fmt: skip
    assert abs(ghost.r - (b * d - lam**2 / 4)) < 1e-20


def test_numbers_outside_float64_are_refused_with_their_name():
    assert float64("r", sympy.Float("1e-300")) == pytest.approx(1e-300)
    with pytest.raises(InvalidInputError, match=r"r = 1\.0e\+400 is outside the float64 range"):
        float64("r", sympy.Float("1e400"))
    with pytest.raises(InvalidInputError, match=r"r = 1\.0e-320 is outside the float64 range"):
        float64("r", sympy.Float("1e-320"))
    assert float64("lambda", sympy.Float("1e-320"), underflow=False) == pytest.approx(1e-320)
    ghost = reduce_ghost(["mu + x**2"], ["x"], {"x": 0}, {"mu": "1e-320"})  # exact: fine
    with pytest.raises(InvalidInputError, match="r = 1.0e-320"):
        ghost.to_slow_point()


def test_a_repeated_fold_root_is_reported_once():
    search = find_folds(["mu*x - x**3"], ["x"], "mu")
    assert search.folds == () and len(search.skipped) == 1
    assert search.skipped[0].point == {"x": 0.0, "mu": 0.0}


def test_degeneracies_are_ghostsym_errors():
    for error in (UndefinedVectorFieldError, UnresolvedSlowPointError):
        assert issubclass(error, DegenerateError)
    assert math.isfinite(float64("t", sympy.pi))

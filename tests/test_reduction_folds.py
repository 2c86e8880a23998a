"""Fold location: Gröbner bases with real-root isolation, the numeric route, degenerate points
listed and skipped, the time limit, and refinement of an approximate fold."""

import time

import mpmath
import numpy as np
import pytest
import sympy

from ghostsym.reduction._folds import find_folds, refine_fold
from ghostsym.reduction._results import NumericFoldReduction
from ghostsym.reduction._symbolic import FoldReduction

TOGGLE = ["a/(1+v**2) - u", "b/(1+u**2) - v"]


def equilibrium_count(a: float, b: float) -> int:
    """Real equilibria of the toggle switch: v ((1+v^2)^2 + a^2) - b (1+v^2)^2 = 0 (u = a/(1+v^2)).

    Independent of the fold search: eliminating u by hand gives this quintic in v.
    """
    square = np.polynomial.Polynomial([1, 0, 1]) ** 2
    quintic = np.polynomial.Polynomial([0, 1]) * (square + a**2) - b * square
    roots = quintic.roots()
    return int(np.sum(np.abs(roots.imag) < 1e-9))


def test_toggle_switch_folds_by_groebner_basis_match_the_change_in_equilibrium_count():
    started = time.perf_counter()
    search = find_folds(TOGGLE, ["u", "v"], "a", {"b": 2.5}, method="symbolic")
    assert time.perf_counter() - started < 30
    assert search.complete and "Gröbner" in search.methods[0]
    values = [float(fold.parameter_value) for fold in search.folds]
    assert len(values) == 4 and values == sorted(values)
    for value in values:  # the number of equilibria changes by two across every fold
        assert abs(equilibrium_count(value - 1e-4, 2.5) - equilibrium_count(value + 1e-4, 2.5)) == 2
    grid = np.linspace(-4, 4, 801)  # and nowhere else on a grid
    counts = np.array([equilibrium_count(a, 2.5) for a in grid])
    changes = grid[1:][np.diff(counts) != 0]
    assert len(changes) == 4
    assert np.allclose(changes, values, atol=0.011)


@pytest.mark.slow
def test_toggle_switch_numeric_route_finds_the_same_folds():
    symbolic = find_folds(TOGGLE, ["u", "v"], "a", {"b": 2.5}, method="symbolic")
    numeric = find_folds(TOGGLE, ["u", "v"], "a", {"b": 2.5}, method="numeric", starts=128)
    assert not numeric.complete and "not a proof" in numeric.methods[0]
    assert len(numeric.folds) == 4
    for one, other in zip(symbolic.folds, numeric.folds, strict=True):
        assert float(one.parameter_value) == pytest.approx(other.parameter_value, abs=1e-12)
        assert one.ab == pytest.approx(other.ab, rel=1e-9)


def test_three_variable_polynomial_folds_found_where_the_residual_vanishes():
    equations = ["mu - x**2 - y", "x - y - z**2", "z - x*y + mu**2"]
    search = find_folds(equations, ["x", "y", "z"], "mu")
    assert search.complete and len(search.folds) == 2
    x, y, z, mu = sympy.symbols("x y z mu")
    f = sympy.Matrix([mu - x**2 - y, x - y - z**2, z - x * y + mu**2])
    extended = [*f, f.jacobian([x, y, z]).det()]
    for fold in search.folds:
        assert isinstance(fold, NumericFoldReduction)
        point = dict(zip((x, y, z), fold.point, strict=True)) | {mu: fold.parameter_value}
        assert max(abs(float(e.subs(point))) for e in extended) < 1e-12
        # an independent high-precision root of the extended system from the reported point
        root = mpmath.findroot(
            [sympy.lambdify((x, y, z, mu), e, "mpmath") for e in extended],
            [point[s] for s in (x, y, z, mu)],
        )
        assert float(root[3]) == pytest.approx(fold.parameter_value, abs=1e-13)


def test_exact_folds_stay_exact_and_the_transcritical_point_is_skipped():
    search = find_folds(["x*(mu + x - x**2)"], ["x"], "mu")
    [fold] = search.folds
    assert isinstance(fold, FoldReduction)
    assert (fold.point, fold.parameter_value) == ((sympy.Rational(1, 2),), sympy.Rational(-1, 4))
    [skipped] = search.skipped
    assert skipped.kind.startswith("transcritical") and skipped.point == {"x": 0.0, "mu": 0.0}
    assert "a = p^T df/dmu = 0" in skipped.reason and search.complete


def test_no_real_fold_is_said_only_with_the_method_and_whether_it_is_proved():
    search = find_folds(["x**2 + 1 + mu**2", "-y"], ["x", "y"], "mu")
    assert search.folds == () and search.complete
    assert "0 real solution(s)" in search.methods[0]
    numeric = find_folds(["exp(x) + mu**2"], ["x"], "mu", starts=16)
    assert numeric.folds == () and not numeric.complete
    assert any("not a proof" in method for method in numeric.methods)


def test_the_time_limit_stops_symbolic_work_and_the_numeric_route_takes_over():
    messages = []
    # sin makes the system non-polynomial: sympy.solve on it runs far past 1 ms
    search = find_folds(
        ["mu - x**2 + sin(x)**3"], ["x"], "mu", timeout=1e-3, starts=32, progress=messages.append
    )
    assert "time limit" in search.methods[0] and "numeric route" in search.methods[1]
    assert any("numeric route" in message for message in messages)
    assert search.folds and all(isinstance(fold, NumericFoldReduction) for fold in search.folds)
    for fold in search.folds:
        x0, mu0 = float(fold.point[0]), fold.parameter_value
        assert abs(mu0 - x0**2 + np.sin(x0) ** 3) < 1e-12


def test_refine_fold_reports_residual_and_tolerance():
    refined = refine_fold(TOGGLE, ["u", "v"], "a", {"u": 2.2, "v": 0.43, "a": 2.7}, {"b": 2.5})
    assert refined.residual <= refined.tolerance and refined.iterations >= 1
    symbolic = find_folds(TOGGLE, ["u", "v"], "a", {"b": 2.5}, method="symbolic")
    assert refined.fold.parameter_value == pytest.approx(
        float(symbolic.folds[2].parameter_value), abs=1e-12
    )
    assert set(refined.to_json()) >= {"residual", "tolerance", "start", "a", "b", "ab"}


@pytest.mark.slow
def test_groebner_and_numeric_routes_agree_on_a_three_variable_model():
    """MatCont's catalytic oscillator (see test_published_cases): both routes find the same
    four real folds, including one far from the others (q2 = 41.6); an early version of the
    back-substitution dropped that one on an absolute residual test."""
    equations = [
        "2*q1*(1 - x - y - s)**2 - 2*q5*x**2 - q3*x*y",
        "q2*(1 - x - y - s) - q6*y - q3*x*y",
        "q4*(1 - x - y - s) - k*q4*s",
    ]
    values = {"q1": 2.5, "q3": 10, "q4": 0.0675, "q5": 1, "q6": 0.1, "k": 0.4}
    symbolic = find_folds(equations, ["x", "y", "s"], "q2", values, method="symbolic")
    numeric = find_folds(equations, ["x", "y", "s"], "q2", values, method="numeric", starts=128)
    assert len(symbolic.folds) == len(numeric.folds) == 4
    for one, other in zip(symbolic.folds, numeric.folds, strict=True):
        assert float(one.parameter_value) == pytest.approx(other.parameter_value, rel=1e-10)

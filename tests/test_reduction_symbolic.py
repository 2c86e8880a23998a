"""Symbolic fold and ghost reduction: known answers, conventions, invariants, degeneracies."""

import math

import mpmath
import numpy as np
import pytest
import sympy
from scipy.integrate import solve_ivp

import ghostsym
from ghostsym import (
    FixedPointNotGhostError,
    MinimisationDidNotConvergeError,
    NonSimpleZeroEigenvalueError,
    NotAFoldError,
    NotASlowPointError,
    VanishingQuadraticCoefficientError,
    VanishingUnfoldingCoefficientError,
    canonical_form,
    fold_bottleneck_time,
    fold_canonical_parameter,
    locate_folds,
    reduce_fold,
    reduce_ghost,
)

x, y, z, mu, s, k = sympy.symbols("x y z mu s k", real=True)


# --- one-dimensional folds with known answers ----------------------------------------------
@pytest.mark.parametrize(
    ("equation", "at", "expected"),
    [
        (mu + x**2, (0, 0), (1, 1)),  # the canonical form itself
        (mu - x**2 + x**3, (0, 0), (1, -1)),  # f'' = -2 at x = 0
        (mu - x**2 + x**3, (sympy.Rational(2, 3), sympy.Rational(4, 27)), (1, 1)),  # f'' = 2
        (2 * mu - 3 * x**2, (0, 0), (2, -3)),
        (sympy.sin(mu) + sympy.cos(x) - 1, (0, 0), (1, sympy.Rational(-1, 2))),
    ],
)
def test_one_dimensional_folds_have_the_textbook_coefficients(equation, at, expected):
    fold = reduce_fold([equation], [x], mu, at={x: at[0], mu: at[1]})
    a, b = expected
    # In 1-D, p = q = 1: a = f_mu and b = f_xx / 2 exactly.
    assert fold.left_vector == (1,) and fold.right_vector == (1,)
    assert fold.unfolding_coefficient == a
    assert fold.quadratic_coefficient == b
    assert fold.coefficient_product == a * b
    assert sympy.simplify(fold.canonical_parameter.expression - a * b * (mu - at[1])) == 0


def test_locate_folds_finds_both_folds_of_the_cubic():
    folds = locate_folds([mu - x**2 + x**3], [x], mu)
    assert [(fold.point, fold.parameter_value) for fold in folds] == [
        ((0,), 0),
        ((sympy.Rational(2, 3),), sympy.Rational(4, 27)),
    ]
    # f = 0 and f_x = 0 hold exactly at every located fold
    for fold in folds:
        point = {x: fold.point[0], mu: fold.parameter_value}
        assert (mu - x**2 + x**3).subs(point) == 0
        assert sympy.diff(mu - x**2 + x**3, x).subs(point) == 0


def test_reduce_fold_without_point_requires_a_unique_fold():
    assert reduce_fold([mu + x**2], [x], mu).parameter_value == 0
    with pytest.raises(ghostsym.InvalidInputError, match="found 2 folds"):
        reduce_fold([mu - x**2 + x**3], [x], mu)


# --- a non-normal two-dimensional fold: p, not q ------------------------------------------
NON_NORMAL = [mu + x**2 + s * y, -y + x**2]


def test_non_normal_fold_needs_the_left_vector():
    fold = reduce_fold(NON_NORMAL, [x, y], mu, at={x: 0, y: 0, mu: 0}, values={s: 3})
    assert fold.right_vector == (1, 0)
    assert fold.left_vector == (1, 3)
    # Projecting with p: slow manifold y = x^2 gives x' = mu + (1 + s) x^2, ab = 1 + s = 4.
    assert fold.coefficient_product == 4
    # Projecting with q ignores the fast variable's feedback: ab = 1, wrong by a factor 4.
    a_q, b_q, ab_q = fold.projected_coefficients(fold.right_vector)
    assert (a_q, b_q, ab_q) == (1, 1, 1)
    assert fold.projected_coefficients(fold.left_vector)[2] == fold.coefficient_product


def test_non_normal_fold_matches_integration_of_the_full_system():
    """The q-projection's ab = 1 predicts a bottleneck twice as long as the real one."""
    fold = reduce_fold(NON_NORMAL, [x, y], mu, at={x: 0, y: 0, mu: 0}, values={s: 3})
    epsilon = 1e-8

    def rhs(_, state):
        return [epsilon + state[0] ** 2 + 3 * state[1], -state[1] + state[0] ** 2]

    def leave(_, state):
        return state[0] + 3 * state[1] - 0.1  # p^T x crosses +0.1

    leave.terminal, leave.direction = True, 1
    solution = solve_ivp(
        rhs, (0, 1e6), [-0.1, 0.0], method="DOP853", rtol=1e-11, atol=1e-13, events=leave
    )
    measured = solution.t_events[0][0]
    predicted_p = fold.predicted_bottleneck_time(epsilon)
    predicted_q = math.pi / math.sqrt(1 * epsilon)
    # finite sections p^T x = -/+ 0.1 change the passage by O(1) time units out of ~15708
    assert abs(measured / predicted_p - 1) < 3e-3
    assert abs(measured / predicted_q - 0.5) < 3e-3


def test_fold_vectors_follow_the_stated_convention():
    equations = [mu + x**2 + 2 * y - z + x * z, -y + x**2 + y**2, -2 * z + x**2 + y]
    fold = reduce_fold(equations, [x, y, z], mu, at={x: 0, y: 0, z: 0, mu: 0})
    p = sympy.Matrix(fold.left_vector)
    q = sympy.Matrix(fold.right_vector)
    assert fold.jacobian * q == sympy.zeros(3, 1)
    assert p.T * fold.jacobian == sympy.zeros(1, 3)
    assert sympy.simplify((q.T * q)[0]) == 1
    assert sympy.simplify((p.T * q)[0]) == 1
    assert fold.convention == ghostsym.FoldReduction.convention
    assert "p^T q = 1" in fold.convention and "|q| = 1" in fold.convention


def test_ab_is_invariant_under_linear_changes_of_coordinates():
    """x = S u maps f to S^{-1} f(S u): a and b change with q's scale, ab does not."""
    u, v = sympy.symbols("u v", real=True)
    original = reduce_fold(NON_NORMAL, [x, y], mu, at={x: 0, y: 0, mu: 0}, values={s: 3})
    transform = sympy.Matrix([[2, 1], [1, 3]])
    image = transform * sympy.Matrix([u, v])
    field = sympy.Matrix([e.subs({s: 3}) for e in NON_NORMAL]).subs({x: image[0], y: image[1]})
    changed = reduce_fold(list(transform.inv() * field), [u, v], mu, at={u: 0, v: 0, mu: 0})
    assert sympy.simplify(changed.coefficient_product - original.coefficient_product) == 0
    assert sympy.simplify(changed.quadratic_coefficient - original.quadratic_coefficient) != 0


def test_symbolic_parameters_stay_symbolic():
    fold = reduce_fold([mu + k * x**2 + s * y, -y + x**2], [x, y], mu, at={x: 0, y: 0, mu: 0})
    assert sympy.simplify(fold.coefficient_product - (k + s)) == 0
    assert fold.canonical_parameter.arguments == (mu, k, s)
    with pytest.raises(ghostsym.InvalidInputError, match="still depends on"):
        _ = fold.ab
    assert "fold at" in fold.latex() and fold._repr_latex_().startswith("$")


def test_derived_formulas_match_mpmath_quadrature():
    general = fold_canonical_parameter()
    a, b = ghostsym.notation.unfolding_coefficient, ghostsym.notation.quadratic_coefficient
    assert (
        sympy.simplify(general.expression - a * b * (ghostsym.notation.mu - ghostsym.notation.mu0))
        == 0
    )
    bottleneck = canonical_form().bottleneck_time
    with mpmath.workdps(30):
        for r_value in ("1e-6", "0.01", "3"):
            r_mp = mpmath.mpf(r_value)
            quadrature = mpmath.quad(
                lambda w, r_mp=r_mp: 1 / (r_mp + w**2), [-mpmath.inf, 0, mpmath.inf]
            )
            closed = bottleneck.evaluate({ghostsym.notation.r: sympy.Float(r_value, 30)})
            assert abs(quadrature - mpmath.mpf(str(closed))) < mpmath.mpf("1e-25") * quadrature
    time = fold_bottleneck_time().lambdify("numpy")
    assert time(2.0, 3.0, 1.5, 1.0) == pytest.approx(math.pi / math.sqrt(3.0))


# --- degenerate folds -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("equations", "variables", "at", "error", "message"),
    [
        ([mu - x], [x], {x: 0, mu: 0}, NotAFoldError, r"no eigenvalue at zero.*-1"),
        ([mu + x**2], [x], {x: 1, mu: 0}, NotAFoldError, "not an equilibrium"),
        (
            [mu + x**2, mu + y**2],
            [x, y],
            {x: 0, y: 0, mu: 0},
            NonSimpleZeroEigenvalueError,
            "2 independent null",
        ),
        ([y, mu + x**2], [x, y], {x: 0, y: 0, mu: 0}, NonSimpleZeroEigenvalueError, "Jordan"),
        ([mu - x**3], [x], {x: 0, mu: 0}, VanishingQuadraticCoefficientError, "cusp"),
        ([mu * x - x**3], [x], {x: 0, mu: 0}, VanishingQuadraticCoefficientError, "pitchfork"),
        (
            [mu * x - x**2],
            [x],
            {x: 0, mu: 0},
            VanishingUnfoldingCoefficientError,
            "does not unfold",
        ),
        ([mu**2 + x**2], [x], {x: 0, mu: 0}, VanishingUnfoldingCoefficientError, "a = "),
    ],
)
def test_degenerate_folds_raise_named_errors(equations, variables, at, error, message):
    with pytest.raises(error, match=message):
        reduce_fold(equations, variables, mu, at=at)
    assert issubclass(error, ghostsym.DegenerateError)


def test_locate_folds_reports_or_skips_degenerate_points():
    with pytest.raises(VanishingQuadraticCoefficientError):
        locate_folds([mu - x**3], [x], mu)
    assert locate_folds([mu - x**3], [x], mu, skip_degenerate=True) == ()
    with pytest.raises(NotAFoldError, match="no real fold"):
        locate_folds([x**2 + 1 + mu**2, -y], [x, y], mu)


# --- symbolic ghost reduction ---------------------------------------------------------------
def test_ghost_of_a_one_dimensional_flow_is_its_minimum():
    """x' = d + x^2 - x^3 has its speed minimum at x = 0 with f = d, f'' = 2: r = d exactly."""
    drift = sympy.Rational(3, 1000)
    ghost = reduce_ghost([drift + x**2 - x**3], [x], {x: 0.2})
    assert ghost.kind == "ghost"
    assert abs(ghost.point[0]) < 1e-25
    assert abs(ghost.r - drift) < 1e-28
    assert abs(ghost.passage_time - sympy.pi / sympy.sqrt(drift)) < 1e-25


def test_ghost_of_the_non_normal_system_uses_the_slow_manifold():
    """x' = d + x^2 + s y, y' = -y + x^2: on y = x^2 the slow flow is d + (1 + s) x^2."""
    ghost = reduce_ghost([sympy.Rational(1, 100) + x**2 + 3 * y, -y + x**2], [x, y], [0.3, 0.2])
    assert ghost.kind == "ghost"
    assert abs(ghost.eigenvalue) < 1e-25  # J^T f = 0 with f != 0 forces a zero eigenvalue
    assert abs(ghost.r - sympy.Rational(4, 100)) < 1e-27
    point = ghost.to_slow_point()
    assert point.kind == "ghost" and point.r == pytest.approx(0.04, rel=1e-14)
    assert "ghost" in ghost.latex()


def test_fixed_points_are_classified_by_the_sign_of_r():
    """At the node x = -0.1 of x' = -0.01 + x^2: d = 0, lambda = -0.2, r = -lambda^2/4 = -0.01."""
    node = reduce_ghost([sympy.Rational(-1, 100) + x**2], [x], {x: -0.3})
    assert node.kind == "fixed-point" and node.passage_time == sympy.oo
    assert abs(node.point[0] + sympy.Rational(1, 10)) < 1e-28
    assert abs(node.r + sympy.Rational(1, 100)) < 1e-28
    assert math.isinf(node.to_slow_point().passage_time)
    with pytest.raises(FixedPointNotGhostError, match="fixed point, not a ghost"):
        reduce_ghost([sympy.Rational(-1, 100) + x**2], [x], {x: -0.3}, require_ghost=True)


def test_ghost_reduction_failures_are_named():
    with pytest.raises(MinimisationDidNotConvergeError, match="did not converge"):
        reduce_ghost([sympy.Rational(1, 100) + x**2], [x], {x: 3}, max_iterations=2)
    with pytest.raises(NotASlowPointError, match="not minimal"):
        reduce_ghost([1 - x**2], [x], {x: 0})  # q has a local maximum at x = 0
    with pytest.raises(ghostsym.ComplexSlowEigenvalueError, match="complex"):
        reduce_ghost([-x / 10 - y, x - y / 10], [x, y], {x: 0.1, y: 0.1})
    with pytest.raises(ghostsym.InvalidInputError, match="needs numbers"):
        reduce_ghost([k + x**2], [x], {x: 0})


def test_reduction_without_minimisation_keeps_the_linear_term():
    """Away from the minimum lambda != 0, and completing the square still recovers r exactly."""
    ghost = reduce_ghost([sympy.Rational(1, 100) + x**2], [x], {x: 0.5}, minimise=False)
    # y = x - 0.5: y' = 0.26 + y + y^2 -> r = 0.26 - 1/4 = 0.01
    assert abs(ghost.eigenvalue - 1) < 1e-28
    assert abs(ghost.r - sympy.Rational(1, 100)) < 1e-28


def test_passage_through_a_symbolic_ghost_matches_integration():
    """pi/sqrt(r) vs solve_ivp through x' = d + x^2 - x^3 between x = -0.5 and 0.5."""
    times = []
    for drift in (1e-4, 1e-5, 1e-6):
        ghost = reduce_ghost([sympy.Float(drift, 30) + x**2 - x**3], [x], {x: 0.05})

        def leave(_, state):
            return state[0] - 0.5

        leave.terminal, leave.direction = True, 1
        solution = solve_ivp(
            lambda _, state, d=drift: [d + state[0] ** 2 - state[0] ** 3],
            (0, 1e6),
            [-0.5],
            method="DOP853",
            rtol=1e-11,
            atol=1e-13,
            events=leave,
        )
        times.append((float(ghost.passage_time), solution.t_events[0][0]))
    errors = np.array([abs(measured / predicted - 1) for predicted, measured in times])
    assert errors[-1] < 2e-3
    assert np.all(np.diff(errors) < 0)


def test_reduction_document_renders_the_derived_equations():
    from ghostsym.document import build_document, reduction_sections
    from ghostsym.reduction import slow_point_canonical_parameter

    text = build_document(reduction_sections())
    assert fold_canonical_parameter().latex() in text
    assert fold_bottleneck_time().latex() in text
    assert slow_point_canonical_parameter().latex() in text
    assert "z' = a b \\left(\\mu - \\mu_0\\right) + z^{2}" in text  # z = b y, derived
    assert "(ab)_q = 1 \\neq s + 1" in text  # the worked non-normal example
    assert text.count("\\begin{equation}") == text.count("\\end{equation}") >= 10

"""Numeric (autodiff) reduction: agreement with SymPy, bottleneck times vs integration, errors."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
import sympy

import ghostsym
from ghostsym import (
    ComplexSlowEigenvalueError,
    FixedPointNotGhostError,
    NonSimpleZeroEigenvalueError,
    NotAFoldError,
    VanishingQuadraticCoefficientError,
    VanishingUnfoldingCoefficientError,
    jax_vector_field,
    reduce_at_slow_point,
    reduce_fold,
    reduce_fold_numeric,
    reduce_ghost,
)
from ghostsym.experiments import fitted_slope
from ghostsym.experiments.reduction import (
    MU,
    coupled_3d,
    non_normal_2d,
    passage_errors,
    random_fold,
)

SYSTEMS = {"2d": non_normal_2d, "3d": coupled_3d, "12d": random_fold}


@pytest.fixture(scope="module", params=sorted(SYSTEMS))
def reduced(request):
    """(system, symbolic fold, numeric fold, JAX field f(x, mu)) per test system, built once."""
    system = SYSTEMS[request.param]()
    symbolic = reduce_fold(system.equations, system.variables, MU, at=system.at)
    field = jax_vector_field(system.equations, system.variables, MU)
    numeric = reduce_fold_numeric(field, np.zeros(system.dimension), 0.0)
    return system, symbolic, numeric, field


def compiled(field):
    """The jitted derivatives reduce_fold_numeric compiled for ``field`` (reused, not rebuilt)."""
    return ghostsym.reduction._numeric._parameter_derivatives(field)


# --- symbolic and autodiff reductions agree --------------------------------------------------
def test_symbolic_and_numeric_fold_reductions_agree(reduced):
    _, symbolic, numeric, _ = reduced
    for exact, value in [
        (symbolic.unfolding_coefficient, numeric.a),
        (symbolic.quadratic_coefficient, numeric.b),
        (symbolic.coefficient_product, numeric.ab),
    ]:
        assert value == pytest.approx(float(exact), rel=1e-9, abs=1e-12)
    p = np.array([float(v) for v in symbolic.left_vector])
    q = np.array([float(v) for v in symbolic.right_vector])
    np.testing.assert_allclose(numeric.left_vector, p, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(numeric.right_vector, q, rtol=1e-9, atol=1e-11)


def test_one_dimensional_numeric_folds_match_known_answers():
    field = jax_vector_field(["mu - x**2 + x**3"], ["x"], "mu")
    at_zero = reduce_fold_numeric(field, [0.0], 0.0)
    at_two_thirds = reduce_fold_numeric(field, [2 / 3], 4 / 27)
    assert (at_zero.a, at_zero.b, at_zero.ab) == pytest.approx((1.0, -1.0, -1.0), abs=1e-14)
    assert (at_two_thirds.a, at_two_thirds.b) == pytest.approx((1.0, 1.0), abs=1e-12)


def test_numeric_fold_is_non_normal_and_follows_the_convention(reduced):
    system, _, numeric, field = reduced
    jacobian = np.asarray(
        compiled(field).first_order(jnp.zeros(system.dimension), jnp.float64(0.0))[1]
    )
    p, q = numeric.left_vector, numeric.right_vector
    assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-14)
    assert p @ q == pytest.approx(1.0, abs=1e-13)
    assert np.linalg.norm(jacobian @ q) < 1e-12 and np.linalg.norm(p @ jacobian) < 1e-12
    # Non-normal: p is not parallel to q, and projecting with q gives a different ab.
    assert abs(abs(p @ q) / np.linalg.norm(p) - 1.0) > 1e-2
    assert abs(numeric.projected_coefficients(q)[2] - numeric.ab) > 1e-2 * abs(numeric.ab)
    assert numeric.projected_coefficients(p)[2] == pytest.approx(numeric.ab, rel=1e-12)
    assert "fold at" in numeric.latex()


def test_autodiff_derivatives_match_finite_differences(reduced):
    """Df and D^2 f[q, q] (nested jvp) against central differences of the NumPy field."""
    system, _, numeric, jax_field = reduced
    field = system.numpy_field
    x = np.linspace(-0.05, 0.07, system.dimension)
    parameter = 0.01
    jacobian = np.asarray(
        compiled(jax_field).first_order(jnp.asarray(x), jnp.float64(parameter))[1]
    )
    step = 1e-6
    columns = [
        (field(x + step * e, parameter) - field(x - step * e, parameter)) / (2 * step)
        for e in np.eye(system.dimension)
    ]
    np.testing.assert_allclose(jacobian, np.array(columns).T, atol=1e-8)
    q = numeric.right_vector
    second = np.asarray(
        compiled(jax_field).second_along(jnp.asarray(x), jnp.float64(parameter), jnp.asarray(q))
    )
    step = 1e-4
    difference = (
        field(x + step * q, parameter) - 2 * field(x, parameter) + field(x - step * q, parameter)
    ) / step**2
    np.testing.assert_allclose(second, difference, atol=1e-6)
    parameter_step = 1e-6
    parameter_derivative = (
        field(np.zeros(system.dimension), parameter_step)
        - field(np.zeros(system.dimension), -parameter_step)
    ) / (2 * parameter_step)
    np.testing.assert_allclose(numeric.parameter_derivative, parameter_derivative, atol=1e-8)


# --- the bottleneck time against direct integration of the full system ---------------------
DISTANCES = np.array([1e-3, 1e-4, 1e-5])


def test_bottleneck_time_matches_integration_with_the_expected_order(reduced):
    """T_measured = pi/sqrt(r) + C + O(sqrt r) with C = O(1) from the finite sections and the
    non-quadratic terms, so the relative error is C sqrt(r)/pi: it -> 0 with slope 1/2 in
    log(mu - mu0). (Measured from p^T x = -/+0.1 to +/-0.1 with DOP853, rtol 1e-11.)"""
    system, symbolic, numeric, _ = reduced
    errors = passage_errors(system, numeric, DISTANCES, section=0.1)
    assert np.all(np.abs(np.diff(np.abs(errors))) > 0) and np.all(np.diff(np.abs(errors)) < 0)
    assert abs(errors[-1]) < 0.02
    assert fitted_slope(DISTANCES, errors) == pytest.approx(0.5, abs=0.03)
    # the symbolic prediction is the same number
    parameter = math.copysign(1e-4, numeric.ab)
    assert symbolic.predicted_bottleneck_time(parameter) == pytest.approx(
        numeric.bottleneck_time(parameter), rel=1e-9
    )


@pytest.mark.slow
def test_bottleneck_time_slope_over_four_decades(reduced):
    system, _, numeric, _ = reduced
    distances = np.logspace(-3, -7, 5)
    errors = passage_errors(system, numeric, distances, section=0.1)
    assert abs(errors[-1]) < 2e-3
    assert fitted_slope(distances[1:], errors[1:]) == pytest.approx(0.5, abs=0.01)


def test_fixed_point_side_has_no_bottleneck_time(reduced):
    _, symbolic, numeric, _ = reduced
    wrong_side = -math.copysign(1e-3, numeric.ab)
    with pytest.raises(ghostsym.DegenerateError, match="node-saddle pair"):
        numeric.bottleneck_time(wrong_side)
    with pytest.raises(ghostsym.DegenerateError, match="node-saddle pair"):
        symbolic.predicted_bottleneck_time(wrong_side)


# --- ghost reduction: symbolic vs autodiff ---------------------------------------------------
@pytest.mark.parametrize("make_system", [non_normal_2d, coupled_3d])
def test_symbolic_and_numeric_ghost_reductions_agree(make_system):
    system = make_system()
    symbolic_fold = reduce_fold(system.equations, system.variables, MU, at=system.at)
    parameter = math.copysign(2e-3, float(symbolic_fold.coefficient_product))
    values = {MU: sympy.Rational(parameter).limit_denominator(10**6)}
    symbolic = reduce_ghost(system.equations, system.variables, [0.05] * system.dimension, values)
    field = jax_vector_field(system.equations, system.variables, None, values)
    numeric = reduce_at_slow_point(field, [float(v) for v in symbolic.point])
    assert symbolic.kind == numeric.kind == "ghost"
    for exact, value in [
        (symbolic.r, numeric.r),
        (symbolic.drift, numeric.drift),
        (symbolic.quadratic_coefficient, numeric.quadratic_coefficient),
        (symbolic.speed, numeric.speed),
    ]:
        assert value == pytest.approx(float(exact), rel=1e-9)
    assert abs(numeric.eigenvalue - float(symbolic.eigenvalue)) < 1e-9
    np.testing.assert_allclose(
        numeric.right_vector, [float(v) for v in symbolic.right_vector], atol=1e-9
    )
    # near the fold the ghost's r approaches the fold's ab (mu - mu0)
    assert numeric.r == pytest.approx(float(symbolic_fold.coefficient_product) * parameter, rel=0.1)


def test_slow_point_vectors_follow_the_convention():
    field = jax_vector_field(["0.01 + x**2 + 3*y", "-y + x**2"], ["x", "y"])
    point = reduce_at_slow_point(field, [0.3, 0.1])  # not a minimum: lambda != 0
    jacobian = np.asarray(
        ghostsym.reduction._numeric.derivatives(field).jacobian(jnp.array([0.3, 0.1]))
    )
    assert point.eigenvalue != 0.0
    np.testing.assert_allclose(jacobian @ point.right_vector, point.eigenvalue * point.right_vector)
    np.testing.assert_allclose(point.left_vector @ jacobian, point.eigenvalue * point.left_vector)
    assert point.left_vector @ point.right_vector == pytest.approx(1.0)
    assert np.linalg.norm(point.right_vector) == pytest.approx(1.0)
    assert np.all(np.diff(np.abs(point.eigenvalues)) >= 0)
    assert "r = b d" in point.latex() and point._repr_latex_().startswith("$")


# --- degenerate cases --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("equations", "variables", "x0", "error", "message"),
    [
        (["mu - x"], ["x"], [0.0], NotAFoldError, r"no eigenvalue at zero.*-1"),
        (["mu + x**2"], ["x"], [1.0], NotAFoldError, "not an equilibrium"),
        (
            ["mu + x**2", "mu + y**2"],
            ["x", "y"],
            [0.0, 0.0],
            NonSimpleZeroEigenvalueError,
            "not simple",
        ),
        (["y", "mu + x**2"], ["x", "y"], [0.0, 0.0], NonSimpleZeroEigenvalueError, "not simple"),
        (["mu - x**3"], ["x"], [0.0], VanishingQuadraticCoefficientError, "cusp"),
        (["mu*x - x**2"], ["x"], [0.0], VanishingUnfoldingCoefficientError, "does not unfold"),
        (["mu**2 + x**2"], ["x"], [0.0], VanishingUnfoldingCoefficientError, "does not unfold"),
    ],
)
def test_numeric_degenerate_folds_raise_named_errors(equations, variables, x0, error, message):
    field = jax_vector_field(equations, variables, "mu")
    with pytest.raises(error, match=message):
        reduce_fold_numeric(field, x0, 0.0)


def test_numeric_slow_point_degeneracies_are_named():
    focus = jax_vector_field(["-x/10 - y", "x - y/10"], ["x", "y"])
    with pytest.raises(ComplexSlowEigenvalueError, match="complex"):
        reduce_at_slow_point(focus, [0.0, 0.0])
    node = jax_vector_field(["-0.01 + x**2"], ["x"])
    with pytest.raises(FixedPointNotGhostError, match="not a ghost"):
        reduce_at_slow_point(node, [-0.1], require_ghost=True)
    with pytest.raises(ghostsym.InvalidInputError, match="shape"):
        reduce_at_slow_point(node, [[0.0]])
    with pytest.raises(ghostsym.InvalidInputError, match="finite"):
        reduce_at_slow_point(node, [math.nan])


def test_svd_on_one_blas_thread_is_bit_identical_and_restores_the_threads():
    """The reduction's SVDs run inside one_blas_thread: same bits as the default thread pool."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from ghostsym.reduction._threads import one_blas_thread

    before = [info["num_threads"] for info in threadpoolctl.threadpool_info()]
    rng = np.random.default_rng(7)
    for size in (2, 10, 50, 100, 200):
        for scale in (1e-3, 1.0):
            matrix = scale * rng.standard_normal((size, size))
            default = np.linalg.svd(matrix)
            with one_blas_thread():
                single = np.linalg.svd(matrix)
                inside = [info["num_threads"] for info in threadpoolctl.threadpool_info()]
            assert all(count == 1 for count in inside)
            for expected, got in zip(default, single, strict=True):
                assert np.array_equal(expected, got)
    assert [info["num_threads"] for info in threadpoolctl.threadpool_info()] == before

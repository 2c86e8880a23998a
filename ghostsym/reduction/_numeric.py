"""Numeric fold and ghost reduction of any JAX-traceable vector field (float64, autodiff).

The Jacobian comes from ``jax.jacfwd`` (one n x n matrix), its left and right eigenvectors from
``scipy.linalg.eig``, and the second derivative along q, D^2 f[q, q], from two nested
Jacobian-vector products, so no Hessian tensor of f is ever formed: the reduction of a network
with hundreds of units costs one Jacobian and one eigendecomposition.

>>> from ghostsym._jax import jnp
>>> def flow(x):  # x' = 0.01 + x0^2 + x1, x1' = -x1 + x0^2: slow flow 0.01 + 2 x0^2
...     return jnp.array([0.01 + x[0] ** 2 + x[1], -x[1] + x[0] ** 2])
>>> point = reduce_at_slow_point(flow, [0.0, 0.0])
>>> point.kind, round(point.r, 12), round(point.quadratic_coefficient, 12)
('ghost', 0.02, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.linalg
import sympy

from .._jax import float64, jax, jnp
from ..errors import InvalidInputError, require_finite, require_finite_array
from ._errors import (
    ComplexSlowEigenvalueError,
    FixedPointNotGhostError,
    NonSimpleZeroEigenvalueError,
    NotAFoldError,
    VanishingQuadraticCoefficientError,
    VanishingUnfoldingCoefficientError,
)
from ._results import (
    NumericFoldReduction,
    SlowPoint,
    noise_floor,
    slow_dimension,
    slow_point_from_coefficients,
)
from ._symbolic import parse_system
from ._threads import one_blas_thread

__all__ = [
    "as_field",
    "reduce_at_slow_point",
    "reduce_fold_numeric",
    "jax_vector_field",
    "slow_eigenpair",
]

#: |p^T q| below this (with |p| = |q| = 1) means the eigenvalue is defective (a Jordan block).
_JORDAN_OVERLAP = 1e-7


def as_field(vector_field: Callable) -> jax.tree_util.Partial:
    """``vector_field`` as a :class:`jax.tree_util.Partial`, the pytree the jitted kernels take.

    The compiled code is cached by the Partial's function and the arrays' shapes, so a field
    given as ``Partial(f, *parameters)`` reuses it across parameter values (e.g. one network
    at many training epochs); any other callable is compiled once per callable.
    """
    if isinstance(vector_field, jax.tree_util.Partial):
        return vector_field
    if not callable(vector_field):
        raise InvalidInputError(f"the vector field must be callable, got {vector_field!r}")
    return jax.tree_util.Partial(vector_field)


@jax.jit
def _value(field, x):
    return field(x)


@jax.jit
def _jacobian(field, x):
    return jax.jacfwd(field)(x)


@jax.jit
def _second_along(field, x, direction):
    """D^2 f(x)[v, v] by two nested Jacobian-vector products (no Hessian tensor)."""

    def first_along(y):
        return jax.jvp(field, (y,), (direction,))[1]

    return jax.jvp(first_along, (x,), (direction,))[1]


@jax.jit
def _fold_first_order(field, x, parameter):
    """(f, D_x f, df/dmu) of f(x, mu) in one compiled call (compiling is the cost)."""

    def along_parameter(value):
        return field(x, value)

    rate = jax.jvp(along_parameter, (parameter,), (jnp.ones_like(parameter),))[1]
    return field(x, parameter), jax.jacfwd(field)(x, parameter), rate


@jax.jit
def _fold_second_along(field, x, parameter, direction):
    def first_along(y):
        return jax.jvp(lambda z: field(z, parameter), (y,), (direction,))[1]

    return jax.jvp(first_along, (x,), (direction,))[1]


class _Derivatives:
    """f, Df and D^2 f[v, v] of one vector field x -> f(x), through the shared jitted kernels."""

    def __init__(self, vector_field: Callable):
        self.field = as_field(vector_field)

    def value(self, x):
        return _value(self.field, x)

    def jacobian(self, x):
        return _jacobian(self.field, x)

    def second_along(self, x, direction):
        return _second_along(self.field, x, direction)


class _ParameterDerivatives:
    """(f, D_x f, df/dmu) and D_x^2 f[v, v] of one f(x, mu), through the jitted kernels."""

    def __init__(self, vector_field: Callable):
        self.field = as_field(vector_field)

    def first_order(self, x, parameter):
        return _fold_first_order(self.field, x, np.asarray(parameter, np.float64))

    def second_along(self, x, parameter, direction):
        return _fold_second_along(self.field, x, np.asarray(parameter, np.float64), direction)


def _parameter_derivatives(vector_field: Callable) -> _ParameterDerivatives:
    return _ParameterDerivatives(vector_field)


def derivatives(vector_field: Callable) -> _Derivatives:
    """f, Df and D^2 f[v, v] of ``vector_field`` (compiled once per function; see as_field)."""
    return _Derivatives(vector_field)


def _evaluate(vector_field: Callable, point) -> tuple[np.ndarray, np.ndarray, _Derivatives]:
    x = require_finite_array("point", point)
    if x.ndim != 1:
        raise InvalidInputError(f"point must be one state of shape (n,), got shape {x.shape}")
    functions = derivatives(vector_field)
    value = np.asarray(functions.value(x), dtype=np.float64)
    if value.shape != x.shape:
        raise InvalidInputError(
            f"the vector field must map shape {x.shape} to {x.shape}, got {value.shape}"
        )
    if not np.all(np.isfinite(value)):
        raise InvalidInputError(f"the vector field is not finite at {x.tolist()}: {value.tolist()}")
    return x, value, functions


@float64
def slow_eigenpair(jacobian: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """(lambda, p, q, eigenvalues): the (real) eigenvalue nearest zero and its left/right vectors.

    Normalised as :data:`~ghostsym.reduction._symbolic.CONVENTION`: |q| = 1, p^T q = 1, first
    entry of q above 1e-8 in size positive. Raises :class:`ComplexSlowEigenvalueError` if
    lambda is complex and :class:`NonSimpleZeroEigenvalueError` if it is defective (p^T q ~ 0).

    >>> lam, p, q, _ = slow_eigenpair(np.array([[0.0, 2.0], [0.0, -1.0]]))
    >>> float(lam), p.tolist(), q.tolist()
    (0.0, [1.0, 2.0], [1.0, 0.0])
    """
    jacobian = np.asarray(jacobian, dtype=np.float64)
    eigenvalues, left, right = scipy.linalg.eig(jacobian, left=True, right=True)
    order = np.argsort(np.abs(eigenvalues), kind="stable")
    index = order[0]
    lam = eigenvalues[index]
    scale = max(1.0, float(np.max(np.abs(eigenvalues))))
    if abs(lam.imag) > 1e-9 * scale:
        raise ComplexSlowEigenvalueError(
            f"the eigenvalue of Df nearest zero is complex ({lam:.6g}, with its conjugate): the "
            "slow flow is not one-dimensional, so x' = r + x^2 does not apply"
        )
    q = np.real(right[:, index])
    q = q / np.linalg.norm(q)
    first = np.flatnonzero(np.abs(q) > 1e-8)[0]
    q = -q if q[first] < 0 else q
    p = np.real(left[:, index])  # scipy: left[:, i]^H A = lambda_i left[:, i]^H
    p = p / np.linalg.norm(p)
    overlap = float(p @ q)
    if abs(overlap) < _JORDAN_OVERLAP:
        raise NonSimpleZeroEigenvalueError(
            f"the eigenvalue {lam.real:.3g} nearest zero is not simple: p^T q = {overlap:.2g} "
            "(a Jordan block; algebraic multiplicity >= 2)"
        )
    return float(lam.real), p / overlap, q, eigenvalues[order]


@float64
def reduce_at_slow_point(
    vector_field: Callable,
    point,
    *,
    require_ghost: bool = False,
    convergence_reason: str | None = None,
) -> SlowPoint:
    """Reduce x' = f(x) at ``point`` (no minimisation) to z' = r + z^2, r = b d - lambda^2/4.

    ``vector_field`` maps a float64 array (n,) to (n,) and must be JAX-traceable. A
    numeric-rank test first counts the slow directions (singular values of Df at most
    :data:`~ghostsym.reduction._results.RANK_TOLERANCE` times the largest): with two or more
    the point is reported as ``"multi-dimensional"`` with r = NaN, never forced into a
    one-dimensional reduction. Otherwise lambda is the eigenvalue of Df nearest zero,
    d = p^T f(point), b = 1/2 p^T D^2 f[q, q] (nested jvp), and |r| below its noise floor
    gives ``"undetermined"``. See :class:`~ghostsym.SlowPoint`. With ``require_ghost`` a
    point that is not a ghost raises :class:`FixedPointNotGhostError`.

    >>> from ghostsym._jax import jnp
    >>> reduce_at_slow_point(lambda x: -1.0 + x**2, jnp.array([1.0])).kind  # the node x = 1
    'fixed-point'
    """
    x, value, functions = _evaluate(vector_field, point)
    jacobian = np.asarray(functions.jacobian(x), dtype=np.float64)
    with one_blas_thread():  # the same numbers; no wait for a busy core (see _threads)
        _, singular_values, right_singular = np.linalg.svd(jacobian)
    jacobian_scale = float(singular_values.max()) if singular_values.size else 0.0
    # the scale of Df: its largest singular value, or |f| where Df itself nearly vanishes
    rank_scale = max(jacobian_scale, float(np.linalg.norm(value)))
    dimension = slow_dimension(singular_values, rank_scale) if x.size > 1 else 1
    if dimension >= 2:
        return slow_point_from_coefficients(
            point=x,
            speed=float(np.linalg.norm(value)),
            drift=math.nan,
            eigenvalue=math.nan,
            eigenvalues=np.linalg.eigvals(jacobian),
            left_vector=np.zeros_like(x),
            right_vector=np.zeros_like(x),
            quadratic_coefficient=math.nan,
            dimension=dimension,
            convergence_reason=convergence_reason,
            slow_subspace=right_singular[-dimension:].T,
        )
    lam, p, q, eigenvalues = slow_eigenpair(jacobian)
    second = np.asarray(functions.second_along(x, q), dtype=np.float64)
    quadratic = 0.5 * float(p @ second)
    floor = noise_floor(
        drift_scale=float(np.linalg.norm(value)) + jacobian_scale * float(np.linalg.norm(x)),
        eigenvalue=lam,
        jacobian_scale=jacobian_scale,
        quadratic=quadratic,
        left_norm=float(np.linalg.norm(p)),
    )
    result = slow_point_from_coefficients(
        point=x,
        speed=float(np.linalg.norm(value)),
        drift=float(p @ value),
        eigenvalue=lam,
        eigenvalues=eigenvalues,
        left_vector=p,
        right_vector=q,
        quadratic_coefficient=quadratic,
        r_floor=floor,
        convergence_reason=convergence_reason,
    )
    if require_ghost and result.kind != "ghost":
        raise FixedPointNotGhostError(
            f"the slow point at {x.tolist()} is a {result.kind.replace('-', ' ')}, not a "
            f"ghost: r = {result.r:.6g} (|f| = {result.speed:.3g}, "
            f"lambda = {result.eigenvalue:.3g})"
        )
    return result


@float64
def reduce_fold_numeric(
    vector_field_with_parameter: Callable,
    x0,
    mu0: float,
    *,
    tolerance: float = 1e-8,
) -> NumericFoldReduction:
    """Reduce x' = f(x, mu) at the fold (x0, mu0) by automatic differentiation (float64).

    ``vector_field_with_parameter(x, mu)`` maps (n,) and a scalar to (n,). Checks, relative to
    the scale s = max(1, max |eigenvalue|): |f(x0, mu0)| <= tolerance s (an equilibrium),
    |lambda_1| <= tolerance s (a zero eigenvalue) and |lambda_2| > tolerance s (simple);
    then a = p^T df/dmu, b = 1/2 p^T D^2 f[q, q], and raises a named error if b or a vanishes
    (relative to |p| |D^2 f[q, q]| and |p| |df/dmu|, or is exactly zero).

    >>> from ghostsym._jax import jnp
    >>> fold = reduce_fold_numeric(lambda x, mu: mu - x**2 + x**3, jnp.array([0.0]), 0.0)
    >>> fold.a, fold.b, fold.ab
    (1.0, -1.0, -1.0)
    """
    x = require_finite_array("x0", x0)
    if x.ndim != 1:
        raise InvalidInputError(f"x0 must have shape (n,), got {x.shape}")
    mu = require_finite("mu0", mu0)
    tolerance = require_finite("tolerance", tolerance)
    where = f"x0 = {x.tolist()}, mu0 = {mu!r}"

    functions = _parameter_derivatives(vector_field_with_parameter)
    state, parameter = x, np.float64(mu)
    value, jacobian, parameter_derivative = (
        np.asarray(output, dtype=np.float64) for output in functions.first_order(state, parameter)
    )
    if value.shape != x.shape:
        raise InvalidInputError(
            f"the vector field must map shape {x.shape} to {x.shape}, got {value.shape}"
        )
    eigenvalues = np.linalg.eigvals(jacobian)
    eigenvalues = eigenvalues[np.argsort(np.abs(eigenvalues), kind="stable")]
    scale = max(1.0, float(np.max(np.abs(eigenvalues))))
    listed = np.array2string(eigenvalues, precision=6)
    if np.linalg.norm(value) > tolerance * scale:
        raise NotAFoldError(
            f"not a fold: |f| = {np.linalg.norm(value):.3g} at {where}, so the point is not an "
            "equilibrium (for a slow point that is not a fixed point, use the ghost reduction: "
            "reduce_at_slow_point, or ghostsym ghost)"
        )
    if abs(eigenvalues[0]) > tolerance * scale:
        raise NotAFoldError(
            f"not a fold: Df has no eigenvalue at zero at {where}; eigenvalues {listed}"
        )
    if x.size > 1 and abs(eigenvalues[1]) <= tolerance * scale:
        raise NonSimpleZeroEigenvalueError(
            f"the zero eigenvalue is not simple at {where}: eigenvalues {listed}"
        )
    lam, p, q, _ = slow_eigenpair(jacobian)
    second = np.asarray(functions.second_along(state, parameter, q), dtype=np.float64)
    a = float(p @ parameter_derivative)
    b = 0.5 * float(p @ second)
    p_norm = float(np.linalg.norm(p))
    if abs(b) <= 1e-10 * p_norm * float(np.linalg.norm(second)) or b == 0.0:
        raise VanishingQuadraticCoefficientError(
            f"b = {b:.3g} = 0 at the fold {where}: a transcritical, pitchfork or cusp degeneracy, "
            "not a saddle-node fold"
        )
    if abs(a) <= 1e-10 * p_norm * float(np.linalg.norm(parameter_derivative)) or a == 0.0:
        raise VanishingUnfoldingCoefficientError(
            f"a = p^T df/dmu = {a:.3g} = 0 at the fold {where}: mu does not unfold the fold"
        )
    return NumericFoldReduction(
        point=x,
        parameter_value=mu,
        eigenvalues=eigenvalues,
        left_vector=p,
        right_vector=q,
        parameter_derivative=parameter_derivative,
        second_derivative=second,
        a=a,
        b=b,
        ab=a * b,
    )


def jax_vector_field(
    equations: Sequence,
    variables: Sequence,
    parameter=None,
    values: Mapping | None = None,
) -> Callable:
    """A JAX-traceable f(x) (or f(x, mu) with ``parameter``) from SymPy equations.

    The same parsing as the symbolic reduction (:func:`~ghostsym.parse_system`), so the two
    paths reduce exactly the same system.

    >>> f = jax_vector_field(["mu + x**2", "-y"], ["x", "y"], "mu")
    >>> [float(v) for v in f(jnp.array([1.0, 2.0]), 0.5)]
    [1.5, -2.0]
    """
    f, symbols, mu = parse_system(equations, variables, parameter, values)
    leftover = f.free_symbols - set(symbols) - ({mu} if mu is not None else set())
    if leftover:
        raise InvalidInputError(f"give numbers for {sorted(map(str, leftover))} (pass `values`)")
    arguments = (*symbols, mu) if mu is not None else symbols
    entries = sympy.lambdify(arguments, list(f), modules="jax")
    size = len(symbols)

    def stack(values):
        # constant entries come back as Python numbers: give every entry the shape ()
        return jnp.stack([jnp.broadcast_to(jnp.asarray(v, jnp.float64), ()) for v in values])

    # float64 whatever the caller's JAX setting (a no-op inside ghostsym's float64 calls)
    if mu is None:

        @float64
        def vector_field(x):
            return stack(entries(*(x[i] for i in range(size))))

        return vector_field

    @float64
    def vector_field_with_parameter(x, parameter):
        return stack(entries(*(x[i] for i in range(size)), parameter))

    return vector_field_with_parameter

"""Float64 results of the reduction: a reduced slow point and a reduced fold (NumPy only, no JAX).

Both the symbolic path (evaluated at high precision, then rounded) and the autodiff path return
these, so every consumer (the finder, the CLI, the network analysis) reads one set of fields.

>>> import numpy as np
>>> point = slow_point_from_coefficients(
...     point=np.zeros(1), speed=0.25, drift=0.25, eigenvalue=0.0,
...     eigenvalues=np.zeros(1, dtype=complex), left_vector=np.ones(1),
...     right_vector=np.ones(1), quadratic_coefficient=1.0)
>>> point.kind, round(point.r, 6), round(point.passage_time, 6)
('ghost', 0.25, 6.283185)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from .. import notation
from ..errors import DegenerateError, InvalidInputError
from ..theory._canonical import canonical_form
from ._normal_form import slow_point_canonical_parameter
from ._symbolic import CONVENTION

__all__ = [
    "SlowPoint",
    "NumericFoldReduction",
    "SLOW_POINT_KINDS",
    "RANK_TOLERANCE",
    "slow_dimension",
    "noise_floor",
    "classify_canonical_parameter",
    "slow_point_from_coefficients",
]

#: The kinds of slow point: by the sign of r where |r| is above its noise floor ("ghost",
#: "fixed-point"), "undetermined" where it is not, "multi-dimensional" where Df has two or more
#: numerically zero singular values (no one-dimensional reduction applies).
SLOW_POINT_KINDS = ("ghost", "fixed-point", "undetermined", "multi-dimensional")

#: Relative tolerance of the numeric-rank test: a singular value of Df at most this times the
#: scale of Df (its largest singular value, or the size of its entries) counts as zero.
RANK_TOLERANCE = 1e-8

#: The noise floor of r in units of the rounding error of its terms (see :func:`noise_floor`).
NOISE_FLOOR_FACTOR = 100.0


def slow_dimension(singular_values, scale: float, tolerance: float = RANK_TOLERANCE) -> int:
    """How many singular values of Df are numerically zero: at most ``tolerance`` times
    ``scale`` (at least 1, the reduction's own direction, counted when all are large).

    >>> slow_dimension([2.0, 1e-12], 2.0), slow_dimension([0.0, 0.0], 0.0)
    (1, 2)
    """
    values = np.asarray(singular_values, dtype=np.float64)
    return max(1, int(np.sum(values <= tolerance * float(scale))))


def noise_floor(
    *,
    drift_scale: float,
    eigenvalue: float,
    jacobian_scale: float,
    quadratic: float,
    left_norm: float,
    epsilon: float = float(np.finfo(np.float64).eps),
) -> float:
    """Below this |r| the sign of r = b d - lambda^2/4 is not determined by the arithmetic.

    Rounding perturbs d = p^T f by about eps |p| F (F the size of the terms of f, taken as
    ``drift_scale``) and lambda by about eps ||Df||, so r by eps (|b| |p| F + |lambda| ||Df||);
    the floor is :data:`NOISE_FLOOR_FACTOR` times that.

    >>> noise_floor(drift_scale=1.0, eigenvalue=0.0, jacobian_scale=1.0, quadratic=1.0,
    ...     left_norm=1.0) < 1e-13
    True
    """
    size = abs(quadratic) * left_norm * drift_scale + abs(eigenvalue) * jacobian_scale
    return NOISE_FLOOR_FACTOR * epsilon * size


@cache
def _canonical_parameter_function():
    return slow_point_canonical_parameter().lambdify("numpy")


@cache
def _bottleneck_time_function():
    return canonical_form().bottleneck_time.lambdify("numpy")


def classify_canonical_parameter(r: float) -> tuple[str, float]:
    """Kind and predicted passage time of the canonical form z' = r + z^2.

    r > 0: a ghost, passage time pi/sqrt(r) (the derived bottleneck time from z = -oo to +oo).
    r <= 0: a fixed point (a node-saddle pair for r < 0, the fold itself for r = 0) blocks the
    passage, so the passage time is ``math.inf``.

    >>> classify_canonical_parameter(1.0)
    ('ghost', 3.141592653589793)
    >>> classify_canonical_parameter(-0.5)
    ('fixed-point', inf)
    """
    r = float(r)
    if not math.isfinite(r):
        raise InvalidInputError(f"r must be a finite number, got {r!r}")
    if r > 0:
        return "ghost", float(_bottleneck_time_function()(r))
    return "fixed-point", math.inf


def _vector_latex(values: np.ndarray) -> str:
    entries = " & ".join(f"{value:.6g}" for value in np.asarray(values, dtype=np.float64))
    return f"\\begin{{pmatrix}} {entries} \\end{{pmatrix}}^{{\\top}}"


@dataclass(frozen=True, eq=False)
class SlowPoint:
    """A slow point x_g of x' = f(x) reduced to the canonical form z' = r + z^2 (float64).

    With lambda the eigenvalue of Df(x_g) nearest zero, q its right and p its left eigenvector
    (|q| = 1, p^T q = 1, first entry of q above 1e-8 in size positive), y = p^T (x - x_g)
    obeys y' = d + lambda y + c y^2 with d = p^T f(x_g) and c = 1/2 p^T D^2 f(x_g)[q, q];
    z = c y + lambda/2 turns it into z' = r + z^2 with

        r = c d - lambda^2 / 4.

    ``kind`` is ``"ghost"`` for r > 0 (passage time pi/sqrt(r)) and ``"fixed-point"`` for
    r <= 0 (a node-saddle pair; ``passage_time`` is ``math.inf``). An exact fixed point has
    d = 0, hence r = -lambda^2/4 < 0. Where |r| is below its rounding noise floor
    (``r_floor``) the sign is not known and ``kind`` is ``"undetermined"``. Where Df has
    ``dimension`` >= 2 numerically zero singular values the slow set is not a curve, the
    one-dimensional reduction does not apply, ``kind`` is ``"multi-dimensional"`` and r,
    c, d, lambda and the passage time are NaN (null in JSON).

    Attributes:
        point: x_g, shape (n,), float64.
        speed: |f(x_g)|.
        drift: d = p^T f(x_g).
        eigenvalue: lambda, real (a complex nearest eigenvalue raises instead).
        eigenvalues: all eigenvalues of Df(x_g), complex128, sorted by modulus.
        left_vector: p, shape (n,).
        right_vector: q, shape (n,).
        quadratic_coefficient: c.
        r: canonical parameter.
        kind: ``"ghost"`` or ``"fixed-point"``.
        passage_time: pi/sqrt(r) for a ghost, ``math.inf`` for a fixed point.
        dimension: number of slow directions (numerically zero singular values of Df, >= 1).
        r_floor: the noise floor of r (:func:`noise_floor`).
        convergence_reason: how the search for this point stopped (``None`` if it was not
            searched for).
        slow_subspace: for ``dimension`` >= 2, an orthonormal basis (n, dimension) of the
            slow directions (right singular vectors of Df for its numerically zero singular
            values), where the slow flow lives; ``None`` otherwise.
    """

    point: np.ndarray
    speed: float
    drift: float
    eigenvalue: float
    eigenvalues: np.ndarray
    left_vector: np.ndarray
    right_vector: np.ndarray
    quadratic_coefficient: float
    r: float
    kind: str
    passage_time: float
    dimension: int = 1
    r_floor: float = 0.0
    convergence_reason: str | None = None
    slow_subspace: np.ndarray | None = None

    convention = CONVENTION

    @property
    def state_dimension(self) -> int:
        """Number of state variables n."""
        return int(self.point.shape[0])

    def to_json(self) -> dict:
        """JSON-ready dict in ghostsym's convention: an infinite number (the passage time of a
        fixed point) is the string ``"inf"`` or ``"-inf"``; a quantity that is not defined for this
        point (NaN: r and the passage time of a multi-dimensional slow point) is ``null``."""

        def number(value):
            value = float(value)
            if math.isnan(value):
                return None
            return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")

        return {
            "x": [float(value) for value in self.point],
            "speed": number(self.speed),
            "r": number(self.r),
            "r_floor": number(self.r_floor),
            "lambda": number(self.eigenvalue),
            "kind": self.kind,
            "dimension": int(self.dimension),
            "passage_time": number(self.passage_time),
            "drift": number(self.drift),
            "quadratic_coefficient": number(self.quadratic_coefficient),
            "p": [number(value) for value in self.left_vector],
            "q": [number(value) for value in self.right_vector],
            "eigenvalues": [
                number(v.real) if v.imag == 0 else {"real": number(v.real), "imag": number(v.imag)}
                for v in (complex(value) for value in self.eigenvalues)
            ],
            "convergence_reason": self.convergence_reason,
            "slow_subspace": None
            if self.slow_subspace is None
            else np.asarray(self.slow_subspace, dtype=np.float64).T.tolist(),
        }

    def latex(self) -> str:
        """LaTeX of the reduction: the values of d, lambda, c and the resulting r."""
        formula = slow_point_canonical_parameter().latex()
        time = "\\infty" if math.isinf(self.passage_time) else f"{self.passage_time:.6g}"
        return (
            "\\begin{aligned}"
            f"&\\text{{{self.kind} at }} x_g = {_vector_latex(self.point)},"
            f"\\quad |f(x_g)| = {self.speed:.6g} \\\\"
            f"&d = p^{{\\top}} f(x_g) = {self.drift:.6g},\\quad "
            f"\\lambda = {self.eigenvalue:.6g},\\quad "
            f"b = \\tfrac12 p^{{\\top}} D^2 f[q, q] = {self.quadratic_coefficient:.6g} \\\\"
            f"&{formula} = {self.r:.6g},\\quad t_{{\\mathrm{{bottleneck}}}} = {time}"
            "\\end{aligned}"
        )

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


def slow_point_from_coefficients(
    *,
    point,
    speed: float,
    drift: float,
    eigenvalue: float,
    eigenvalues,
    left_vector,
    right_vector,
    quadratic_coefficient: float,
    dimension: int = 1,
    r_floor: float = 0.0,
    convergence_reason: str | None = None,
    slow_subspace=None,
) -> SlowPoint:
    """Assemble a :class:`SlowPoint`: r from the derived r = b d - lambda^2/4, then its kind.

    ``dimension`` >= 2 gives kind ``"multi-dimensional"`` with r and the passage time NaN;
    |r| < ``r_floor`` gives kind ``"undetermined"`` (passage time NaN).

    >>> p = slow_point_from_coefficients(point=[0.0], speed=0.0, drift=0.0, eigenvalue=-2.0,
    ...     eigenvalues=[-2.0], left_vector=[1.0], right_vector=[1.0], quadratic_coefficient=1.0)
    >>> p.kind, p.r
    ('fixed-point', -1.0)
    """
    eigenvalues = np.asarray(eigenvalues, dtype=np.complex128)
    eigenvalues = eigenvalues[np.argsort(np.abs(eigenvalues), kind="stable")]
    if dimension >= 2:
        return SlowPoint(
            point=np.asarray(point, dtype=np.float64),
            speed=float(speed),
            drift=math.nan,
            eigenvalue=math.nan,
            eigenvalues=eigenvalues,
            left_vector=np.full(np.shape(left_vector), math.nan),
            right_vector=np.full(np.shape(right_vector), math.nan),
            quadratic_coefficient=math.nan,
            r=math.nan,
            kind="multi-dimensional",
            passage_time=math.nan,
            dimension=int(dimension),
            r_floor=math.nan,
            convergence_reason=convergence_reason,
            slow_subspace=None if slow_subspace is None else np.asarray(slow_subspace, float),
        )
    r = float(_canonical_parameter_function()(drift, eigenvalue, quadratic_coefficient))
    if not math.isfinite(r):
        raise DegenerateError(
            f"the canonical parameter is not finite (d={drift!r}, lambda={eigenvalue!r}, "
            f"b={quadratic_coefficient!r})"
        )
    kind, passage_time = classify_canonical_parameter(r)
    if abs(r) < r_floor:
        kind, passage_time = "undetermined", math.nan
    return SlowPoint(
        point=np.asarray(point, dtype=np.float64),
        speed=float(speed),
        drift=float(drift),
        eigenvalue=float(eigenvalue),
        eigenvalues=eigenvalues,
        left_vector=np.asarray(left_vector, dtype=np.float64),
        right_vector=np.asarray(right_vector, dtype=np.float64),
        quadratic_coefficient=float(quadratic_coefficient),
        r=r,
        kind=kind,
        passage_time=passage_time,
        dimension=1,
        r_floor=float(r_floor),
        convergence_reason=convergence_reason,
    )


@dataclass(frozen=True, eq=False)
class NumericFoldReduction:
    """Fold of x' = f(x, mu) at (x0, mu0), reduced numerically (float64):

        z = b p^T (x - x0)  obeys  z' = ab (mu - mu0) + z^2,

    with q, p the right and left null vectors of Df(x0, mu0) (|q| = 1, p^T q = 1, first entry
    of q above 1e-8 in size positive), a = p^T df/dmu and b = 1/2 p^T D^2 f[q, q]. Only ab,
    its sign and the bottleneck time pi/sqrt(ab (mu - mu0)) are invariant.

    Attributes:
        point: x0, shape (n,).
        parameter_value: mu0.
        eigenvalues: all eigenvalues of Df(x0, mu0), sorted by modulus (the first is ~0).
        left_vector: p.
        right_vector: q.
        parameter_derivative: df/dmu at the fold, shape (n,).
        second_derivative: D^2 f[q, q] at the fold, shape (n,).
        a: unfolding coefficient p^T df/dmu.
        b: quadratic coefficient 1/2 p^T D^2 f[q, q].
        ab: the invariant product.
    """

    point: np.ndarray
    parameter_value: float
    eigenvalues: np.ndarray
    left_vector: np.ndarray
    right_vector: np.ndarray
    parameter_derivative: np.ndarray
    second_derivative: np.ndarray
    a: float
    b: float
    ab: float

    convention = CONVENTION

    def to_json(self) -> dict:
        """JSON-ready dict: x0, mu0, a, b, ab, p, q and the eigenvalues (real parts, imag)."""
        return {
            "x0": [float(value) for value in self.point],
            "mu0": float(self.parameter_value),
            "a": self.a,
            "b": self.b,
            "ab": self.ab,
            "p": [float(value) for value in self.left_vector],
            "q": [float(value) for value in self.right_vector],
            "eigenvalues": [
                float(v.real) if v.imag == 0 else {"real": float(v.real), "imag": float(v.imag)}
                for v in (complex(value) for value in self.eigenvalues)
            ],
            "convention": self.convention,
        }

    def canonical_parameter(self, parameter):
        """r(mu) = ab (mu - mu0) (array-friendly)."""
        return self.ab * (np.asarray(parameter, dtype=np.float64) - self.parameter_value)

    def bottleneck_time(self, parameter: float) -> float:
        """pi / sqrt(ab (mu - mu0)); raises :class:`DegenerateError` where r <= 0 (fixed points).

        >>> fold = NumericFoldReduction(np.zeros(1), 0.0, np.zeros(1), np.ones(1), np.ones(1),
        ...     np.ones(1), 2 * np.ones(1), 1.0, 1.0, 1.0)
        >>> round(fold.bottleneck_time(0.01), 6)
        31.415927
        """
        r = float(self.canonical_parameter(parameter))
        kind, time = classify_canonical_parameter(r)
        if kind != "ghost":
            raise DegenerateError(
                f"r = ab (mu - mu0) = {r:.6g} <= 0 at mu = {parameter!r}: the node-saddle pair "
                "of the fold blocks the passage (no bottleneck time)"
            )
        return time

    def projected_coefficients(self, vector) -> tuple[float, float, float]:
        """(a, b, ab) obtained by projecting with ``vector`` w (scaled to w^T q = 1) instead of p.

        Only w = p gives the true normal form; with a non-normal Jacobian, w = q does not.
        """
        w = np.asarray(vector, dtype=np.float64)
        w = w / float(w @ self.right_vector)
        a = float(w @ self.parameter_derivative)
        b = 0.5 * float(w @ self.second_derivative)
        return a, b, a * b

    def latex(self) -> str:
        """LaTeX of p, q, a, b and ab."""
        shift = notation.latex(notation.mu - notation.mu0)
        return (
            "\\begin{aligned}"
            f"&\\text{{fold at }} x_0 = {_vector_latex(self.point)},\\quad "
            f"\\mu_0 = {self.parameter_value:.6g} \\\\"
            f"&p = {_vector_latex(self.left_vector)},\\quad "
            f"q = {_vector_latex(self.right_vector)} \\\\"
            f"&a = {self.a:.6g},\\quad b = {self.b:.6g},\\quad "
            f"r = ab({shift}) = {self.ab:.6g}\\,({shift})"
            "\\end{aligned}"
        )

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

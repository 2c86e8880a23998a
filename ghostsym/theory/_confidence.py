"""Finite output confidence: the delayed-activation loss for a sigmoid readout, by quadrature.

The output is sigma(a (x(t) - X)) with gain a ("confidence") and threshold X (the paper: X = 10,
a in {0.01, 0.1, 0.5, 1, 2}); the target is 0 for t < T and 1 for T <= t <= T + R, and

    L(r) = integral_0^{T+R} (sigma(a (x(t) - X)) - target(t))^2 dt.

Because x(t) is known in closed form, L and dL/dr are one-dimensional integrals of closed-form
integrands, computed with SciPy ``quad`` (default) or mpmath at high precision; no ODE is
discretised. The closed form is the Moebius form of the canonical trajectory (derived by SymPy
from :mod:`ghostsym.theory._canonical`)

    x(t) = (x_0 + r S) / (1 - x_0 S),   S(t, r) = tan(sqrt(r) t)/sqrt(r)  (r > 0),
                                         tanh(sqrt(-r) t)/sqrt(-r)         (r < 0),

with S replaced by its Taylor series in r (SymPy ``series``) when |r| t^2 < 1e-3, where the
closed form of dS/dr loses digits to cancellation; S is analytic in r, so one formula covers
the ghost, the fold and the node. dL/dr integrates ``sympy.diff`` of the integrand.

The start is x_0 = 0 by default (the paper's choice) and must satisfy 0 <= x_0 < X (the readout
starts off). When the state escapes to +infinity at t_esc < T + R (always for r > 0), the output
is 1 from then on: the paper's Euler simulation clips x at 1e6, where sigma = 1 for every gain it
uses. The integral is split at t_esc, at the time x reaches X + 750/a (beyond which
sigma(a (x - X)) = 1 and its r-derivative = 0 in double precision, 1 - sigma < 1e-325), at
the target switch T and at the threshold crossing; the boundary term of the Leibniz rule at
t_esc vanishes because the output is continuous (sigma -> 1) there.

>>> inside = np.pi**2 / 4e4 / 8  # r*/8, inside the no-learning zone (r_NL = r*/4) at T = 100
>>> result = confidence_loss(inside, 100.0, gain=0.1)
>>> round(float(result.loss), 2), round(float(result.gradient), 1)  # non-zero gradient
(60.66, -825.0)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
import sympy
from scipy import integrate

from .. import notation
from ..errors import (
    DegenerateError,
    InvalidInputError,
    require_choice,
    require_finite,
    require_positive,
)
from ..expressions import DerivedExpression
from ._canonical import canonical_form, escape_time, passage_time

__all__ = [
    "ConfidenceIntegrands",
    "ConfidenceLoss",
    "confidence_integrands",
    "confidence_loss",
    "euler_confidence_loss",
    "infinite_gain_loss",
]

#: Below this |r| t^2 the Taylor series of S(t, r) replaces its closed form (see module doc).
SERIES_THRESHOLD = 1e-3
#: Order of that series in r (the next term is below 1e-19 relative at the threshold).
SERIES_ORDER = 7
#: a (x - X) beyond which sigma = 1 and d sigma/dr = 0 in double precision.
SATURATION = 750.0

_S = sympy.Symbol("S", real=True)
_S_r = sympy.Symbol("S_r", real=True)
_target = sympy.Symbol("y_target", nonnegative=True)


@dataclass(frozen=True)
class ConfidenceIntegrands:
    """The closed-form integrands of the finite-confidence loss (all derived by SymPy).

    ``state``: x = (x_0 + r S)/(1 - x_0 S), the canonical trajectory with tan(sqrt(r) t)
    written as sqrt(r) S. ``ghost_s``/``node_s``/``series_s``: S(t, r) for r > 0, r < 0 and
    small |r| t^2; ``*_s_derivative``: dS/dr of each. ``output``: sigma(a (x - X)).
    ``integrand``: (sigma - y)^2 with the target y as a symbol ``y_target``;
    ``integrand_derivative``: its total r-derivative, with dS/dr written as the symbol ``S_r``.
    """

    state: DerivedExpression
    ghost_s: DerivedExpression
    node_s: DerivedExpression
    series_s: DerivedExpression
    ghost_s_derivative: DerivedExpression
    node_s_derivative: DerivedExpression
    series_s_derivative: DerivedExpression
    output: DerivedExpression
    integrand: DerivedExpression
    integrand_derivative: DerivedExpression

    def expressions(self) -> tuple[DerivedExpression, ...]:
        """All derived expressions.

        >>> len(confidence_integrands().expressions())
        10
        """
        return (
            self.state,
            self.ghost_s,
            self.node_s,
            self.series_s,
            self.ghost_s_derivative,
            self.node_s_derivative,
            self.series_s_derivative,
            self.output,
            self.integrand,
            self.integrand_derivative,
        )


@cache
def confidence_integrands() -> ConfidenceIntegrands:
    """Derive the integrands of L(r) and dL/dr (cached).

    >>> confidence_integrands().state.latex()
    'x(t) = \\\\frac{S r + x_0}{- S x_0 + 1}'
    """
    r, t, x0 = notation.r, notation.t, notation.x0
    gain, threshold = notation.gain, notation.X
    form = canonical_form()
    ghost_r = sympy.Symbol("r_ghost", positive=True)
    # S(t, r) = x(t; x_0 = 0)/r; with tan(sqrt(r) t) = sqrt(r) S the trajectory is a Moebius map.
    from_zero = form.trajectory.expression.subs(x0, 0).subs(r, ghost_r)
    ghost_s = from_zero / ghost_r  # SymPy auto-simplifies sqrt(r) tan(.)/r to tan(.)/sqrt(r)
    tangent = sympy.tan(sympy.sqrt(ghost_r) * t)
    moebius = sympy.expand_trig(form.trajectory.expression.subs(r, ghost_r))
    state = sympy.cancel(moebius.subs(tangent, sympy.sqrt(ghost_r) * _S)).subs(ghost_r, r)
    numerator, denominator = sympy.fraction(state)
    if sympy.expand(denominator).subs(_S, 0) == -1:  # present it as (x_0 + r S)/(1 - x_0 S)
        state = sympy.expand(-numerator) / sympy.expand(-denominator)
    saddle = sympy.Symbol("s", positive=True)
    node_s = ghost_s.subs(ghost_r, -(saddle**2))  # analytic continuation: tan -> tanh
    series_s = sympy.series(ghost_s, ghost_r, 0, SERIES_ORDER).removeO()

    def in_r(expression):
        return expression.subs(ghost_r, r).subs(saddle, sympy.sqrt(-r))

    # sigma(z) = 1/(1 + exp(-z)) written as (1 + tanh(z/2))/2: the same function (the tests
    # check the identity), but neither it nor its derivative overflows for large |a (x - X)|.
    output = (1 + sympy.tanh(gain * (state - threshold) / 2)) / 2
    integrand = (output - _target) ** 2
    s_function = sympy.Function("S")(r)
    derivative = sympy.diff(integrand.subs(_S, s_function), r)
    derivative = derivative.subs(sympy.Derivative(s_function, r), _S_r).subs(s_function, _S)
    common = (t, _S, r, x0, gain, threshold, _target)
    return ConfidenceIntegrands(
        state=DerivedExpression("x(t)", state, (_S, r, x0), "trajectory in terms of S(t, r)"),
        ghost_s=DerivedExpression("S", in_r(ghost_s), (r, t), "S for r > 0"),
        node_s=DerivedExpression("S", in_r(node_s), (r, t), "S for r < 0"),
        series_s=DerivedExpression("S", in_r(series_s), (r, t), "Taylor series of S in r"),
        ghost_s_derivative=DerivedExpression(
            "S_r", sympy.diff(in_r(ghost_s), r), (r, t), "dS/dr for r > 0"
        ),
        node_s_derivative=DerivedExpression(
            "S_r", sympy.diff(in_r(node_s), r), (r, t), "dS/dr for r < 0"
        ),
        series_s_derivative=DerivedExpression(
            "S_r", sympy.diff(in_r(series_s), r), (r, t), "dS/dr from the series"
        ),
        output=DerivedExpression(
            "\\sigma(a (x - X))", output, (_S, r, x0, gain, threshold), "sigmoid readout"
        ),
        integrand=DerivedExpression(
            "(\\sigma - y)^{2}", integrand, common, "integrand of the finite-confidence loss"
        ),
        integrand_derivative=DerivedExpression(
            "\\partial_r (\\sigma - y)^{2}",
            derivative,
            (t, _S, _S_r, r, x0, gain, threshold, _target),
            "r-derivative of the integrand (S_r = dS/dr)",
        ),
    )


@cache
def _functions(backend: str):
    """Lambdified S, dS/dr (three branches each) and the two integrands for ``backend``."""
    forms = confidence_integrands()
    return {
        name: getattr(forms, name).lambdify(backend)
        for name in (
            "ghost_s",
            "node_s",
            "series_s",
            "ghost_s_derivative",
            "node_s_derivative",
            "series_s_derivative",
            "integrand",
            "integrand_derivative",
        )
    }


def _s_and_derivative(functions, r, t):
    if abs(r) * t * t < SERIES_THRESHOLD:
        return functions["series_s"](r, t), functions["series_s_derivative"](r, t)
    if r > 0:
        return functions["ghost_s"](r, t), functions["ghost_s_derivative"](r, t)
    return functions["node_s"](r, t), functions["node_s_derivative"](r, t)


@dataclass(frozen=True)
class ConfidenceLoss:
    """L(r) = integral_0^{T+R} (sigma(a (x(t) - X)) - target)^2 dt and dL/dr, on an array of r.

    ``loss`` and ``gradient`` have the shape of ``r`` (divided by T when ``normalised``);
    ``escape_time`` is the time x reaches +infinity (``inf`` if it never does), ``method`` is
    ``"scipy"`` or ``"mpmath"``.
    """

    r: np.ndarray
    delay: float
    response_window: float
    gain: float
    threshold: float
    start: float
    normalised: bool
    method: str
    loss: np.ndarray
    gradient: np.ndarray
    escape_time: np.ndarray


def _check_common(T, R, gain, threshold, start):
    T = require_positive("T", T)
    R = T if R is None else require_positive("R", R)
    gain = require_positive("gain", gain)
    threshold = require_finite("threshold", threshold)
    start = require_finite("start", start)
    if not 0 <= start < threshold:
        raise InvalidInputError(
            f"start must satisfy 0 <= start < threshold (the readout starts off), got "
            f"start={start!r}, threshold={threshold!r}"
        )
    return T, R, gain, threshold, start


def _pieces(r, T, R, gain, threshold, start):
    """Break points of [0, T + R] and where the output is saturated at 1 (t >= saturation)."""
    end = T + R
    escape = escape_time(r, start)
    saturation = min(passage_time(r, start, threshold + SATURATION / gain), escape)
    # The sigmoid rises where a (x - X) runs from about -40 to 40; marking the times x passes
    # these levels resolves the sharp edge that the time-change x(t) compresses.
    levels = threshold + np.array([-40.0, -10.0, -3.0, 0.0, 3.0, 10.0, 40.0]) / gain
    crossings = [passage_time(r, start, level) for level in levels if level > start]
    points = {0.0, end, T}
    points.update(p for p in (*crossings, saturation) if 0 < p < end)
    return sorted(points), saturation, escape


def _single(r, T, R, gain, threshold, start, method, precision):
    points, saturation, escape = _pieces(r, T, R, gain, threshold, start)
    functions = _functions("mpmath" if method == "mpmath" else "numpy")
    loss = gradient = 0.0
    for left, right in zip(points[:-1], points[1:], strict=True):
        target = 0.0 if right <= T else 1.0
        if left >= saturation:  # output is 1: the integrand is the constant (1 - target)^2
            loss += (right - left) * (1.0 - target) ** 2
            continue

        def integrand(time, target=target):
            s, _ = _s_and_derivative(functions, r, time)
            return functions["integrand"](time, s, r, start, gain, threshold, target)

        def derivative(time, target=target):
            s, s_r = _s_and_derivative(functions, r, time)
            return functions["integrand_derivative"](
                time, s, s_r, r, start, gain, threshold, target
            )

        if method == "mpmath":
            with mpmath.workdps(precision):
                loss += float(mpmath.quad(integrand, [left, right]))
                gradient += float(mpmath.quad(derivative, [left, right]))
        else:
            loss += _quad(integrand, left, right, r)
            gradient += _quad(derivative, left, right, r)
    return loss, gradient, escape


def _quad(function, left, right, r):
    """SciPy quad; a warning is accepted only if the error estimate is still small."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", integrate.IntegrationWarning)
        value, error = integrate.quad(function, left, right, limit=400, epsabs=1e-12, epsrel=1e-10)
    if caught and error > 1e-7 * (1.0 + abs(value)):
        raise DegenerateError(
            f"quadrature on [{left:g}, {right:g}] at r={r!r} did not converge "
            f"(error estimate {error:.3g} for value {value:.6g}); try method='mpmath'"
        )
    return value


def confidence_loss(
    r,
    T,
    R=None,
    *,
    gain,
    threshold=10.0,
    start=0.0,
    normalised: bool = False,
    method: str = "scipy",
    precision: int = 30,
) -> ConfidenceLoss:
    """The finite-confidence loss and its r-derivative by quadrature (array ``r``).

    ``method="mpmath"`` integrates the mpmath-lambdified integrands at ``precision`` digits
    (tanh-sinh quadrature), an independent check of the SciPy result.

    >>> values = confidence_loss([-1e-4, 0.0, 1e-5], 100.0, gain=0.1)
    >>> values.loss.round(3).tolist()
    [60.699, 60.678, 60.673]
    >>> bool(np.all(values.gradient < 0))  # descent increases r: out of the zone
    True
    """
    T, R, gain, threshold, start = _check_common(T, R, gain, threshold, start)
    require_choice("method", method, ("scipy", "mpmath"))
    if int(precision) != precision or precision < 15:
        raise InvalidInputError(f"precision must be an integer >= 15, got {precision!r}")
    values = np.atleast_1d(np.asarray(r, dtype=np.float64))
    if not np.isfinite(values).all():
        raise InvalidInputError("r must contain only finite numbers")
    loss = np.empty(values.shape)
    gradient = np.empty(values.shape)
    escape = np.empty(values.shape)
    for index, value in np.ndenumerate(values):
        loss[index], gradient[index], escape[index] = _single(
            float(value), T, R, gain, threshold, start, method, int(precision)
        )
    scale = 1.0 / T if normalised else 1.0
    shape = np.shape(r)
    return ConfidenceLoss(
        r=values.reshape(shape),
        delay=T,
        response_window=R,
        gain=gain,
        threshold=threshold,
        start=start,
        normalised=bool(normalised),
        method=method,
        loss=(loss * scale).reshape(shape),
        gradient=(gradient * scale).reshape(shape),
        escape_time=escape.reshape(shape),
    )


def euler_confidence_loss(
    r,
    T,
    R=None,
    *,
    gain,
    threshold=10.0,
    start=0.0,
    dt=0.1,
    clip=1e6,
    normalised: bool = False,
):
    """The paper's simulated loss: explicit Euler x_{i+1} = x_i + dt (x_i^2 + r), x clipped at
    ``clip``, output sigma(a (x_{i+1} - X)), target 1 for (i+1) dt > T, loss dt * sum of squares.

    Vectorised over ``r``; an independent oracle for :func:`confidence_loss` (its error is
    O(dt): Euler's local error plus the rectangle rule).

    >>> float(euler_confidence_loss(0.0, 100.0, gain=1.0).round(3))  # x stays 0: output ~ 0
    100.0
    """
    T, R, gain, threshold, start = _check_common(T, R, gain, threshold, start)
    dt = require_positive("dt", dt)
    clip = require_positive("clip", clip)
    steps = int(round((T + R) / dt))
    switch = T / dt
    values = np.asarray(r, dtype=np.float64)
    if not np.isfinite(values).all():
        raise InvalidInputError("r must contain only finite numbers")
    state = np.full(values.shape, start)
    total = np.zeros(values.shape)
    for step in range(steps):
        state = np.minimum(state + dt * (state * state + values), clip)
        output = 0.5 * (1.0 + np.tanh(0.5 * gain * (state - threshold)))  # overflow-free sigma
        target = 1.0 if step + 1 - switch > 0 else 0.0
        total += (output - target) ** 2
    loss = dt * total
    return loss / T if normalised else loss


def infinite_gain_loss(r, T, R=None, *, threshold=10.0, start=0.0, normalised: bool = False):
    """The a -> infinity limit of the finite-confidence loss (scalar r).

    The output becomes a step at t_X, the passage time from ``start`` to the threshold X, so
    the loss is |T - t_X| if t_X < T + R and R otherwise: the idealised loss of
    :mod:`ghostsym.theory._task` with t* replaced by t_X (they agree as X -> infinity, t_X -> t*).

    >>> round(infinite_gain_loss(np.pi**2 / 4e4, 100.0), 8)  # t_X = t* - (about 1/X)
    0.09999992
    """
    T = require_positive("T", T)
    R = T if R is None else require_positive("R", R)
    threshold = require_finite("threshold", threshold)
    start = require_finite("start", start)
    if not start < threshold:
        raise InvalidInputError(f"start must be below the threshold, got {start!r}")
    crossing = passage_time(require_finite("r", r), start, threshold)
    loss = R if crossing >= T + R else abs(T - crossing)
    return loss / T if normalised else float(loss)

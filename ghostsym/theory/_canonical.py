"""The canonical form of a ghost, x' = r + x^2, solved by SymPy.

Every closed form here is derived, not typed in: the passage time is SymPy's antiderivative of
dx/(r + x^2) between two points, the trajectory is that relation solved for the end point, the
blow-up (escape) times are SymPy limits of the passage time as the end point goes to +infinity,
and the full bottleneck time is SymPy's integral over the whole real line. The three regimes are

* r > 0, a ghost: no fixed point, every state escapes to +infinity in finite time;
* r = 0, the fold: a half-stable fixed point at x = 0;
* r < 0, a node at -sqrt(-r) and a saddle at +sqrt(-r): states below the saddle never escape.

The r < 0 branch is the analytic continuation sqrt(r) -> i sqrt(-r) of the r > 0 trajectory
(tan -> tanh), and the r = 0 branch is its limit r -> 0; the tests check both against the ODE.

Convention for quantities that do not exist: a passage blocked by a fixed point takes
``math.inf`` (the state approaches the fixed point and never arrives), and so does the blow-up time
of a state that never blows up. Nothing here returns NaN.

>>> form = canonical_form()
>>> form.blow_up_time.latex()
't^{*} = \\\\frac{\\\\pi}{2 \\\\sqrt{r}}'
>>> round(blow_up_time(0.25), 12), blow_up_time(-1.0)
(3.14159265359, inf)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy

from .. import notation
from ..errors import InvalidInputError, require_finite
from ..expressions import DerivedExpression
from ._derivation_cache import cached_derivation

__all__ = [
    "CanonicalForm",
    "canonical_form",
    "CanonicalAntiderivatives",
    "canonical_antiderivatives",
    "blow_up_time",
    "escape_time",
    "passage_time",
    "bottleneck_time",
    "canonical_trajectory",
]


@dataclass(frozen=True)
class CanonicalForm:
    """Closed forms of x' = r + x^2 (all derived by SymPy; see :func:`canonical_form`).

    Ghost branch (r > 0), from x(0) = x_0::

        x(t)            = sqrt(r) tan(sqrt(r) t + atan(x_0/sqrt(r)))
        tau(x_0 -> x_1) = [atan(x_1/sqrt(r)) - atan(x_0/sqrt(r))] / sqrt(r)
        t_esc(x_0)      = [pi/2 - atan(x_0/sqrt(r))] / sqrt(r)       (x -> +infinity)
        t*              = pi / (2 sqrt(r))                           (x_0 = 0)
        t_bottleneck    = pi / sqrt(r)                               (-infinity -> +infinity)

    Node branch (r < 0, s = sqrt(-r)): x(t) = s (x_0 - s tanh(s t)) / (s - x_0 tanh(s t)); a
    passage x_0 -> x_1 is finite only if both lie above the saddle s (or both below -s), where
    tau = [log(x_1 - s) - log(x_1 + s) - log(x_0 - s) + log(x_0 + s)] / (2 s).
    Fold branch (r = 0): x(t) = x_0 / (1 - x_0 t), tau = 1/x_0 - 1/x_1.

    Attributes hold :class:`~ghostsym.DerivedExpression` objects; the argument order is given
    by each one's ``arguments`` (always ``r`` first).
    """

    flow: DerivedExpression
    trajectory: DerivedExpression
    node_trajectory: DerivedExpression
    fold_trajectory: DerivedExpression
    passage_time: DerivedExpression
    node_passage_time: DerivedExpression
    fold_passage_time: DerivedExpression
    escape_time: DerivedExpression
    node_escape_time: DerivedExpression
    fold_escape_time: DerivedExpression
    blow_up_time: DerivedExpression
    bottleneck_time: DerivedExpression

    def expressions(self) -> tuple[DerivedExpression, ...]:
        """All derived expressions, in derivation order.

        >>> len(canonical_form().expressions())
        12
        """
        return (
            self.flow,
            self.passage_time,
            self.trajectory,
            self.escape_time,
            self.blow_up_time,
            self.bottleneck_time,
            self.node_trajectory,
            self.node_passage_time,
            self.node_escape_time,
            self.fold_trajectory,
            self.fold_passage_time,
            self.fold_escape_time,
        )


@dataclass(frozen=True)
class CanonicalAntiderivatives:
    """Antiderivatives G(x) of 1/(x^2 + r), so that the passage x0 -> x1 of x' = r + x^2 takes
    t = G(x1) - G(x0) while no fixed point (x^2 + r = 0) lies between x0 and x1.

    The same SymPy integrals give :func:`canonical_form`'s passage times.

    Attributes:
        ghost: r > 0, ``G = atan(x/sqrt(r))/sqrt(r)``.
        fold: r = 0, ``G = -1/x``.
        pair: r < 0, ``G = (log|x - sqrt(-r)| - log|x + sqrt(-r)|)/(2 sqrt(-r))``.
    """

    ghost: DerivedExpression
    fold: DerivedExpression
    pair: DerivedExpression


@cache
def _integrals():
    """SymPy's antiderivatives of 1/(x^2 + r) on each branch, each checked by ``sympy.diff``.

    Returns ``(ghost_r, saddle, {"ghost": ..., "pair": ..., "fold": ...})``: the ghost branch in
    a positive stand-in ``ghost_r`` for r, the pair branch in a positive ``saddle`` s = sqrt(-r).
    """
    x = notation.x
    ghost_r = sympy.Symbol("r_ghost", positive=True)
    saddle = sympy.Symbol("s", positive=True)
    integrands = {"ghost": 1 / (ghost_r + x**2), "pair": 1 / (x**2 - saddle**2), "fold": 1 / x**2}
    derived = {}
    for name, integrand in integrands.items():
        antiderivative = sympy.integrate(integrand, x)
        if sympy.simplify(sympy.diff(antiderivative, x) - integrand) != 0:
            raise AssertionError(f"antiderivative of {integrand} failed its check")
        derived[name] = antiderivative
    return ghost_r, saddle, derived


@cache
def canonical_antiderivatives() -> CanonicalAntiderivatives:
    """The three antiderivatives G of 1/(x^2 + r) in the central symbols x and r (cached).

    Derived with ``sympy.integrate`` and checked by ``sympy.diff``. For r < 0 SymPy returns
    logarithms of possibly negative numbers; the real passage time takes their absolute values
    (the imaginary parts cancel between the two end points when no root lies between them).

    >>> antiderivatives = canonical_antiderivatives()
    >>> print(antiderivatives.ghost)
    G_{+} = atan(x/sqrt(r))/sqrt(r)
    >>> pair = antiderivatives.pair
    >>> float(pair(2.0, -1.0) - pair(3.0, -1.0)) < 0  # time from x=2 to x=3 is positive
    True
    """
    x, r = notation.x, notation.r
    ghost_r, saddle, derived = _integrals()
    ghost = derived["ghost"].subs(ghost_r, r)
    # log of a negative number differs from log|.| by a constant i*pi: drop it (real passage)
    pair = derived["pair"].replace(sympy.log, lambda argument: sympy.log(sympy.Abs(argument)))
    pair = pair.subs(saddle, sympy.sqrt(-r))
    return CanonicalAntiderivatives(
        ghost=DerivedExpression("G_{+}", ghost, (x, r), "antiderivative of 1/(x^2+r), r > 0"),
        fold=DerivedExpression("G_{0}", derived["fold"], (x,), "antiderivative of 1/x^2 (r = 0)"),
        pair=DerivedExpression("G_{-}", pair, (x, r), "antiderivative of 1/(x^2+r), r < 0"),
    )


@cache
@cached_derivation
def canonical_form() -> CanonicalForm:
    """Derive the closed forms of x' = r + x^2 with SymPy (cached; about one second).

    The derivation runs on a positive stand-in for r (so SymPy picks the arctangent
    antiderivative), then substitutes the central real symbol ``notation.r``.

    >>> form = canonical_form()
    >>> form.bottleneck_time.latex()
    't_{\\\\mathrm{bottleneck}} = \\\\frac{\\\\pi}{\\\\sqrt{r}}'
    >>> round(float(form.passage_time(1.0, 0.0, 1.0)), 12)  # atan(1) = pi/4
    0.785398163397
    """
    r, x, x0, x1, t = notation.r, notation.x, notation.x0, notation.x1, notation.t
    # the antiderivatives of 1/(r + x^2), in a positive stand-in ghost_r for r on the ghost
    # branch and in s = sqrt(-r) on the node branch
    ghost_r, saddle, antiderivatives = _integrals()

    # --- ghost branch r > 0 ------------------------------------------------------------
    flow = ghost_r + x**2
    antiderivative = antiderivatives["ghost"]
    passage = antiderivative.subs(x, x1) - antiderivative.subs(x, x0)
    # The trajectory is the passage-time relation t = tau(x_0 -> x) solved for the end point.
    # check=False: the tests verify the solution against the ODE instead (saves seconds).
    (trajectory,) = sympy.solve(sympy.Eq(t, passage), x1, check=False, simplify=False)
    escape = sympy.limit(passage, x1, sympy.oo)
    blow_up = sympy.limit(passage.subs(x0, 0), x1, sympy.oo)
    bottleneck = sympy.integrate(1 / flow, (x, -sympy.oo, sympy.oo))

    # --- node branch r < 0: continue sqrt(r) -> i s, i.e. tan -> tanh ------------------------
    # expand_trig turns tan(a + atan(b)) into a Moebius map of tan(a), which continues cleanly.
    moebius = sympy.cancel(sympy.expand_trig(trajectory))
    node_trajectory = sympy.cancel(moebius.subs(ghost_r, -(saddle**2)))
    node_antiderivative = antiderivatives["pair"]
    node_passage = node_antiderivative.subs(x, x1) - node_antiderivative.subs(x, x0)
    node_escape = sympy.limit(node_passage, x1, sympy.oo)

    # --- fold r = 0: limits of the ghost branch ------------------------------------------
    fold_trajectory = sympy.limit(moebius, ghost_r, 0)
    fold_antiderivative = antiderivatives["fold"]
    fold_passage = fold_antiderivative.subs(x, x1) - fold_antiderivative.subs(x, x0)
    fold_escape = sympy.limit(fold_passage, x1, sympy.oo)

    def ghost(expression):
        return expression.subs(ghost_r, r)

    def node(expression):
        return expression.subs(saddle, sympy.sqrt(-r))

    return CanonicalForm(
        flow=DerivedExpression("\\dot{x}", ghost(flow), (r, x), "canonical form of a ghost"),
        trajectory=DerivedExpression(
            "x(t)", ghost(trajectory), (r, x0, t), "trajectory from x_0 for r > 0 (until escape)"
        ),
        node_trajectory=DerivedExpression(
            "x(t)", node(node_trajectory), (r, x0, t), "trajectory from x_0 for r < 0"
        ),
        fold_trajectory=DerivedExpression(
            "x(t)", fold_trajectory, (x0, t), "trajectory from x_0 at the fold r = 0"
        ),
        passage_time=DerivedExpression(
            "\\tau(x_0 \\to x_1)", ghost(passage), (r, x0, x1), "passage time for r > 0"
        ),
        node_passage_time=DerivedExpression(
            "\\tau(x_0 \\to x_1)",
            node(node_passage),
            (r, x0, x1),
            "passage time for r < 0, both points above the saddle sqrt(-r)",
        ),
        fold_passage_time=DerivedExpression(
            "\\tau(x_0 \\to x_1)", fold_passage, (x0, x1), "passage time at r = 0, 0 < x_0 < x_1"
        ),
        escape_time=DerivedExpression(
            "t_{\\mathrm{esc}}(x_0)", ghost(escape), (r, x0), "time to reach +infinity, r > 0"
        ),
        node_escape_time=DerivedExpression(
            "t_{\\mathrm{esc}}(x_0)",
            node(node_escape),
            (r, x0),
            "time to reach +infinity for r < 0 from above the saddle, x_0 > sqrt(-r)",
        ),
        fold_escape_time=DerivedExpression(
            "t_{\\mathrm{esc}}(x_0)", fold_escape, (x0,), "time to reach +infinity, r = 0, x_0 > 0"
        ),
        blow_up_time=DerivedExpression(
            "t^{*}", ghost(blow_up), (r,), "blow-up time from x_0 = 0 (r > 0)"
        ),
        bottleneck_time=DerivedExpression(
            "t_{\\mathrm{bottleneck}}",
            ghost(bottleneck),
            (r,),
            "full passage through the bottleneck, -infinity to +infinity (r > 0)",
        ),
    )


# --- numeric convenience functions ----------------------------------------------------------
def _require_not_nan(name: str, value) -> float:
    if isinstance(value, bool):
        raise InvalidInputError(f"{name} must be a real number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(number):
        raise InvalidInputError(f"{name} must be a number or +-inf, got nan")
    return number


def blow_up_time(r) -> float:
    """t*(r) = pi/(2 sqrt(r)), the time x' = r + x^2 takes from x = 0 to +infinity.

    For r <= 0 the state from 0 never blows up (it relaxes to the node -sqrt(-r), or stays at
    the fold point 0): the documented value is ``math.inf``.

    >>> round(blow_up_time(1.0), 12)
    1.570796326795
    >>> blow_up_time(0.0)
    inf
    """
    return escape_time(r, 0.0)


def escape_time(r, start=0.0) -> float:
    """Time for x' = r + x^2 to go from ``start`` to +infinity (``math.inf`` if it never does).

    Finite for every start when r > 0; for r = 0 only from start > 0; for r < 0 only from
    above the saddle, start > sqrt(-r).

    >>> round(escape_time(1.0, 1.0), 12)  # (pi/2 - pi/4) / 1
    0.785398163397
    >>> round(escape_time(-1.0, 3.0), 12)  # log(2) / 2
    0.34657359028
    >>> escape_time(-1.0, 0.5)
    inf
    """
    r = require_finite("r", r)
    start = _require_not_nan("start", start)
    if start == math.inf:
        return 0.0
    form = canonical_form()
    if r > 0:
        return float(form.escape_time(r, start))
    if r == 0:
        return float(form.fold_escape_time(start)) if start > 0 else math.inf
    saddle = math.sqrt(-r)
    if start <= saddle:  # at or below the saddle: the state never leaves (-inf, saddle]
        return math.inf
    return float(form.node_escape_time(r, start))


def passage_time(r, start, end) -> float:
    """Time for x' = r + x^2 to go upward from ``start`` to ``end`` (start <= end; +-inf allowed).

    r > 0 (ghost): always finite, [atan(end/sqrt r) - atan(start/sqrt r)]/sqrt r.
    r <= 0: a fixed point (sqrt(-r) and -sqrt(-r), or 0 at the fold) in [start, end], or a start
    between the node and the saddle (where the flow points down), blocks the passage: the
    documented value is ``math.inf``. Outside the fixed points the passage is finite.

    >>> round(passage_time(1.0, -math.inf, math.inf), 12)
    3.14159265359
    >>> passage_time(-0.01, 0.0, 10.0)  # the saddle at 0.1 blocks the passage
    inf
    >>> round(passage_time(0.0, 1.0, 2.0), 12)
    0.5
    >>> passage_time(1.0, 2.0, 1.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: passage_time measures upward passages: ... > end=1.0
    """
    r = require_finite("r", r)
    start = _require_not_nan("start", start)
    end = _require_not_nan("end", end)
    if start > end:
        raise InvalidInputError(
            "passage_time measures upward passages: start must be <= end, "
            f"got start={start!r} > end={end!r}"
        )
    if start == end:
        return 0.0
    form = canonical_form()
    if r > 0:
        return float(form.passage_time(r, start, end))
    saddle = math.sqrt(-r)  # 0 at the fold
    if start > saddle:
        lower, upper = start, end
    elif end < -saddle:
        # x -> -x reverses time and keeps the flow: the passage a -> b below -s takes as long
        # as -b -> -a above +s.
        lower, upper = -end, -start
    else:
        return math.inf
    if upper == math.inf:
        return escape_time(r, lower)
    if r == 0:
        return float(form.fold_passage_time(lower, upper))
    return float(form.node_passage_time(r, lower, upper))


def bottleneck_time(r) -> float:
    """pi/sqrt(r): the full passage of x' = r + x^2 from -infinity to +infinity.

    ``math.inf`` for r <= 0 (the fixed points block the passage).

    >>> round(bottleneck_time(4.0), 12)
    1.570796326795
    >>> bottleneck_time(-1e-3)
    inf
    """
    r = require_finite("r", r)
    if r <= 0:
        return math.inf
    return float(canonical_form().bottleneck_time(r))


def canonical_trajectory(r, times, start=0.0) -> np.ndarray:
    """x(t) of x' = r + x^2 from x(0) = ``start`` at ``times`` (array); +inf after escape.

    The branch (ghost, fold, node) is chosen by the sign of r. Past the escape time the state
    has left to +infinity (the closed form would come back from -infinity, which is not the
    solution of the ODE), so those entries are ``inf``.

    >>> canonical_trajectory(1.0, [0.0, math.pi / 4, 2.0]).round(12).tolist()
    [0.0, 1.0, inf]
    >>> canonical_trajectory(-1.0, [0.0, 50.0]).round(12).tolist()  # relaxes to the node -1
    [0.0, -1.0]
    """
    r = require_finite("r", r)
    start = require_finite("start", start)
    times = np.asarray(times, dtype=np.float64)
    if np.isnan(times).any() or (times < 0).any():
        raise InvalidInputError("times must be >= 0 and not NaN")
    form = canonical_form()
    escape = escape_time(r, start)
    before = times < escape
    safe = np.where(before, times, 0.0)  # evaluate the closed form only before the pole
    if r > 0:
        values = form.trajectory(r, start, safe)
    elif r == 0:
        values = form.fold_trajectory(start, safe)
    else:
        values = form.node_trajectory(r, start, safe)
    return np.where(before, np.broadcast_to(values, safe.shape), np.inf)

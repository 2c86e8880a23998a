"""Learning dynamics of the canonical ghost: gradient descent on r, vectorised over whole grids.

Plain gradient descent r_{n+1} = r_n - eta dL/dr(r_n) on the delayed-activation loss, driven by
the lambdified SymPy gradient of :mod:`ghostsym.theory`. Learning rates, delays, windows and start
points are NumPy arrays that broadcast together, so a whole grid (learning rate x T x start) is
one array and the only Python loop is over the steps.

Why the one-step argument is sufficient but not always sharp. Above r* the landing point
r - eta dL/dr = r - eta pi/(4 r^{3/2}) increases with r, so the lowest landing point of any step
from above r* is the one from r* itself, r* - eta |dL/dr|(r*). Hence for eta < alpha_c no run
started above r_NL can ever enter the no-learning zone (a theorem, checked in the tests). For
eta > alpha_c a collapse needs the run to visit the thin window (r*, r_c) with
r_c - eta dL/dr(r_c) = r_NL, whose width grows like eta - alpha_c. Whether the oscillation
around r* ever visits it is a question about the long-run dynamics of a piecewise map. In the
scaled variable u = r/r* with eta = kappa alpha_c the map is

    u -> u - kappa (1 - u_NL) sign(u - 1) u^{-3/2},     u_NL = (T / (T + R))^2,

(:func:`ghostsym.scaled_descent_map`, derived by SymPy), which depends on R/T only, never on T
itself: at a fixed R/T the numeric threshold is the closed form times a T-independent factor (up
to rounding, which the oscillation amplifies), so the fitted exponent equals the derived one.
Above r* the map expands (slope > 1); below r* its slope 1 - 3 kappa (1 - u_NL) u^{-5/2} / 2 can lie
in (-1, 1), so the map has attracting periodic orbits, e.g. a 3-cycle u = 0.91 -> 1.61 -> 1.32 at R
= T/2, kappa = 1.1, that never enter the window. Which attractor a run reaches, the cycle or the
collapse, depends on its start. From the paper's single start 10 r* the first collapsing learning
rate is 1-2% above alpha_c for R = T and 1-5% for R = 2T, but 15% above for R = T/2, 68% for R = T/4
and 20-40% for R = 4T (where a step from near r_NL throws the run far above r*, so few crossings
happen in 3000 steps). The numeric threshold below therefore uses an ensemble of starts and reports
the smallest learning rate at which any of them collapses; it approaches alpha_c from above as
starts and steps grow (within 2% for every window measured, 32 starts).

>>> result = gradient_descent([1e-10, 1e-9], 100.0, steps=3000)
>>> result.outcome_names().tolist()
['learned', 'stuck']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from .. import notation
from ..errors import DegenerateError, InvalidInputError, require_positive
from ..expressions import DerivedExpression
from ._task import _general_theory

__all__ = [
    "OUTCOMES",
    "DescentResult",
    "DescentRun",
    "gradient_descent",
    "CriticalLearningRateEstimate",
    "numeric_critical_learning_rate",
    "paper_noisy_starts",
]

#: Outcome codes of a run: still on the slope, reached r* (and oscillates around it since the
#: gradient does not vanish at the kink), fell into the no-learning zone r <= r_NL.
OUTCOMES = ("descending", "learned", "stuck")
DESCENDING, LEARNED, STUCK = range(3)


class _FastNumPyPrinter(NumPyPrinter):
    """NumPy code with nested ``where`` for Piecewise and products of sqrt for half powers.

    ``numpy.select`` and the general ``power`` dominate a descent step (about 10x slower than
    ``where`` and ``sqrt`` on arrays of a few thousand runs); the printed formula is the same.
    """

    def _print_Piecewise(self, expr):
        where = self._module_format("numpy.where")
        code = self._print(expr.args[-1].expr)
        if expr.args[-1].cond != sympy.true:
            condition, nan = self._print(expr.args[-1].cond), self._module_format("numpy.nan")
            code = f"{where}({condition}, {code}, {nan})"
        for piece in reversed(expr.args[:-1]):
            code = f"{where}({self._print(piece.cond)}, {self._print(piece.expr)}, {code})"
        return code

    def _print_Pow(self, expr, rational=False):
        exponent = expr.exp
        if exponent.is_Rational and exponent.q in (1, 2) and 1 < abs(exponent.p) <= 9:
            base = self._print(expr.base)
            whole = abs(exponent.p) // exponent.q if exponent.q == 1 else (abs(exponent.p) - 1) // 2
            factors = [f"({base})"] * whole
            if exponent.q == 2:
                factors.append(f"{self._module_format('numpy.sqrt')}({base})")
            product = "*".join(factors)
            return f"(1/({product}))" if exponent < 0 else f"({product})"
        return super()._print_Pow(expr, rational)


@cache
def network_critical_learning_rate() -> DerivedExpression:
    """eta_c = alpha_c / (d rho/d theta)^2: the critical learning rate of a network parameter.

    A network whose latent canonical parameter is rho(theta) is trained on theta. One gradient
    step, delta theta = -eta dL/dtheta, moves rho by rho(theta + delta theta) - rho(theta)
    = rho'(theta) delta theta to first order (a series in the step) = -eta rho'(theta)^2 L'(rho):
    a gradient step on rho with learning rate eta rho'(theta)^2. Setting that rate to the
    critical alpha_c of the canonical parameter and solving for eta gives eta_c. For a parameter
    vector, rho'(theta)^2 is |grad_theta rho|^2.

    >>> network_critical_learning_rate().expression
    alpha_c/Derivative(rho(theta), theta)**2
    """
    theta, step_size = sympy.Symbol("theta", real=True), sympy.Symbol("h", real=True)
    critical = sympy.Symbol("alpha_c", positive=True)
    eta = notation.learning_rate
    rho, loss = sympy.Function("rho"), sympy.Function("L")
    step = -eta * sympy.diff(loss(rho(theta)), theta)
    first_order = sympy.series(rho(theta + step_size), step_size, 0, 2).removeO()
    change = (first_order - rho(theta)).subs(step_size, step).doit()
    loss_slope = sympy.diff(loss(rho(theta)), theta) / sympy.diff(rho(theta), theta)
    effective_rate = sympy.simplify(-change / loss_slope)
    (solution,) = sympy.solve(sympy.Eq(effective_rate, critical), eta)
    return DerivedExpression(
        r"\eta_{c}",
        solution,
        (critical, theta),
        "critical learning rate of a network parameter theta with latent canonical parameter "
        "rho(theta) (alpha_c: the canonical parameter's critical rate)",
    )


@cache
def _descent_functions(normalised: bool):
    """Fast NumPy versions of the derived dL/dr and L (functions of r, T, R)."""
    theory = _general_theory(normalised)
    arguments = (notation.r, notation.T, notation.R)
    printer = _FastNumPyPrinter({"fully_qualified_modules": False, "inline": True})
    return tuple(
        sympy.lambdify(arguments, expression.expression, modules="numpy", printer=printer)
        for expression in (theory.gradient, theory.loss)
    )


def _positive_array(name: str, values) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    good = np.isfinite(array) & (array > 0)
    if not good.all():
        raise InvalidInputError(f"{name} must be finite and > 0, got {array[~good].ravel()[0]!r}")
    return array


@dataclass(frozen=True)
class DescentResult:
    """Gradient descent r_{n+1} = r_n - eta dL/dr(r_n) on a broadcast grid of runs.

    All per-run arrays share ``shape`` (the broadcast of learning rate, T, R and start).

    Attributes:
        learning_rate, delay, response_window, start: the broadcast inputs (eta, T, R, r_0).
        normalised: whether the loss was L/T instead of L.
        steps: number of steps taken.
        optimum, no_learning_boundary: r* and r_NL of each run.
        final: r after ``steps`` steps; final_loss: its loss.
        minimum_loss: the lowest loss any iterate reached.
        first_crossing_step: first step at which r crossed r* (-1: never; :meth:`run` gives
            None instead).
        collapse_step: step at which r entered r <= r_NL (0: started there; -1: never;
            :meth:`run` gives None instead).
        outcome: index into :data:`OUTCOMES` (descending / learned / stuck).
        recorded_steps: step numbers of ``trajectory`` (empty unless ``record_every`` > 0).
        trajectory: r at ``recorded_steps``, shape ``(len(recorded_steps),) + shape``.
    """

    learning_rate: np.ndarray
    delay: np.ndarray
    response_window: np.ndarray
    start: np.ndarray
    normalised: bool
    steps: int
    optimum: np.ndarray
    no_learning_boundary: np.ndarray
    final: np.ndarray
    final_loss: np.ndarray
    minimum_loss: np.ndarray
    first_crossing_step: np.ndarray
    collapse_step: np.ndarray
    outcome: np.ndarray
    recorded_steps: np.ndarray
    trajectory: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.final.shape

    def run(self, index=None) -> DescentRun:
        """One run of the grid (``index`` into ``shape``; None for a single run), with None for
        events that never happened instead of the arrays' -1.

        >>> result = gradient_descent([1e-10, 1e-9], 100.0, steps=3000)
        >>> print(result.run(0))
        eta = 1e-10: learned; first crossing of r* at step 1538; never entered r <= r_NL
        >>> result.run(1).collapse_step
        198
        """
        key = () if index is None else tuple(int(i) for i in np.atleast_1d(index))
        if len(key) != len(self.shape) or not all(
            -size <= i < size for i, size in zip(key, self.shape, strict=True)
        ):
            raise InvalidInputError(
                f"index must address one run of shape {self.shape}, got {index!r}"
            )
        index = key

        def step(values) -> int | None:
            value = int(values[index])
            return None if value < 0 else value

        return DescentRun(
            learning_rate=float(self.learning_rate[index]),
            delay=float(self.delay[index]),
            outcome=OUTCOMES[int(self.outcome[index])],
            first_crossing_step=step(self.first_crossing_step),
            collapse_step=step(self.collapse_step),
            final_over_optimum=float(self.final[index] / self.optimum[index]),
        )

    def outcome_names(self) -> np.ndarray:
        """The outcome of each run as a string array.

        >>> gradient_descent([1e-10, 1e-9], 100.0, steps=10).outcome_names().tolist()
        ['descending', 'descending']
        """
        names = np.asarray(OUTCOMES, dtype=object)[self.outcome.ravel()]
        return names.reshape(self.outcome.shape)

    def fraction(self, outcome: str, axis=None):
        """Fraction of runs with ``outcome`` (over ``axis``, default all runs).

        >>> result = gradient_descent(1e-9, 100.0, start=np.full(4, 0.0025), steps=3000)
        >>> float(result.fraction("stuck"))
        1.0
        """
        code = OUTCOMES.index(outcome) if outcome in OUTCOMES else None
        if code is None:
            raise InvalidInputError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
        return np.mean(self.outcome == code, axis=axis)

    def loss_history(self) -> np.ndarray:
        """The loss at ``recorded_steps`` (same shape as ``trajectory``)."""
        theory = _general_theory(self.normalised)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.broadcast_to(
                theory.loss(self.trajectory, self.delay, self.response_window),
                self.trajectory.shape,
            ).copy()


@dataclass(frozen=True)
class DescentRun:
    """One run of gradient descent r_{n+1} = r_n - eta dL/dr(r_n), its events by step.

    Attributes:
        learning_rate, delay: eta and T of the run.
        outcome: one of :data:`OUTCOMES`.
        first_crossing_step: first step at which r crossed r*, or None if it never did.
        collapse_step: step at which r entered the no-learning zone r <= r_NL (0: started
            there), or None if it never did.
        final_over_optimum: r / r* after the last step.
    """

    learning_rate: float
    delay: float
    outcome: str
    first_crossing_step: int | None
    collapse_step: int | None
    final_over_optimum: float

    def __str__(self) -> str:
        crossing = (
            "never crossed r*"
            if self.first_crossing_step is None
            else f"first crossing of r* at step {self.first_crossing_step}"
        )
        collapse = (
            "never entered r <= r_NL"
            if self.collapse_step is None
            else f"entered r <= r_NL at step {self.collapse_step} and stayed"
        )
        return f"eta = {self.learning_rate:.0e}: {self.outcome}; {crossing}; {collapse}"

    def to_json(self) -> dict:
        return {
            "learning_rate": self.learning_rate,
            "delay": self.delay,
            "outcome": self.outcome,
            "first_crossing_step": self.first_crossing_step,
            "collapse_step": self.collapse_step,
            "final_over_optimum": self.final_over_optimum,
        }


def paper_noisy_starts(count: int, seed: int = 0, factor: float = 10.0, spread: float = 0.1):
    """Start points in units of r*: ``factor + spread * N(0, 1)`` (the paper: 10 r* + N(0, r*/10)).

    Deterministic for a given seed; multiply by r* to get r_0.

    >>> paper_noisy_starts(3, seed=1).round(3).tolist()
    [10.035, 10.082, 10.033]
    """
    if isinstance(count, bool) or int(count) != count or count < 1:
        raise InvalidInputError(f"count must be a positive integer, got {count!r}")
    generator = np.random.default_rng(seed)
    return factor + spread * generator.standard_normal(int(count))


def gradient_descent(
    learning_rate,
    T,
    *,
    start=None,
    start_factor=10.0,
    steps: int = 3000,
    R=None,
    normalised: bool = False,
    record_every: int = 0,
    _track_loss: bool = True,
) -> DescentResult:
    """Run gradient descent on r for every combination of the broadcast inputs.

    ``learning_rate``, ``T``, ``R`` (default R = T) and the start broadcast against each other
    (e.g. ``learning_rate[:, None]`` against ``T[None, :]``). The start is ``start`` (absolute
    r_0) or, when that is None, ``start_factor * r*`` (default 10 r*, the paper's choice).
    ``record_every`` > 0 stores r every that many steps (and the last step).

    >>> result = gradient_descent(np.array([1e-10, 1e-9]), 100.0, steps=3000, record_every=1000)
    >>> result.recorded_steps.tolist(), result.trajectory.shape
    ([0, 1000, 2000, 3000], (4, 2))
    >>> bool(result.minimum_loss[1] < 0.05 * 100)  # 1e-9 reaches a low loss before collapsing
    True
    """
    theory = _general_theory(bool(normalised))
    learning_rate = _positive_array("learning_rate", learning_rate)
    delay = _positive_array("T", T)
    window = delay if R is None else _positive_array("R", R)
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise InvalidInputError(f"steps must be a non-negative integer, got {steps!r}")
    steps = int(steps)
    if isinstance(record_every, bool) or int(record_every) != record_every or record_every < 0:
        raise InvalidInputError(f"record_every must be an integer >= 0, got {record_every!r}")
    optimum = theory.optimum(delay)
    boundary = theory.no_learning_boundary(delay, window)
    if start is None:
        start = _positive_array("start_factor", start_factor) * optimum
    else:
        start = np.asarray(start, dtype=np.float64)
        if not np.isfinite(start).all():
            raise InvalidInputError("start must contain only finite numbers")
    learning_rate, delay, window, start, optimum, boundary = np.broadcast_arrays(
        learning_rate, delay, window, start, optimum, boundary
    )
    gradient, loss = _descent_functions(bool(normalised))

    r = start.copy()
    above = r > optimum
    first_crossing = np.full(r.shape, -1)
    collapse = np.where(r <= boundary, 0, -1)
    with np.errstate(invalid="ignore", divide="ignore"):  # branches unused at r <= 0
        minimum_loss = np.broadcast_to(loss(r, delay, window), r.shape).copy()
        recorded, trajectory = [], []
        if record_every:
            recorded.append(0)
            trajectory.append(r.copy())
        step = 0
        for step in range(1, steps + 1):
            r = r - learning_rate * gradient(r, delay, window)
            now_above = r > optimum
            first_crossing[(now_above != above) & (first_crossing < 0)] = step
            above = now_above
            collapse[(r <= boundary) & (collapse < 0)] = step
            if _track_loss:  # the k-section only needs the outcome; skipping halves its cost
                np.minimum(minimum_loss, loss(r, delay, window), out=minimum_loss)
            if record_every and (step % record_every == 0 or step == steps):
                recorded.append(step)
                trajectory.append(r.copy())
            if (collapse >= 0).all():
                break  # the no-learning zone is absorbing (zero gradient): nothing moves
        if record_every:  # runs that all collapsed early stay where they are
            for later in range(step + 1, steps + 1):
                if later % record_every == 0 or later == steps:
                    recorded.append(later)
                    trajectory.append(r.copy())
        final_loss = np.broadcast_to(loss(r, delay, window), r.shape).copy()
    outcome = np.where(collapse >= 0, STUCK, np.where(first_crossing >= 0, LEARNED, DESCENDING))
    return DescentResult(
        learning_rate=learning_rate,
        delay=delay,
        response_window=window,
        start=start,
        normalised=bool(normalised),
        steps=steps,
        optimum=optimum,
        no_learning_boundary=boundary,
        final=r,
        final_loss=final_loss,
        minimum_loss=minimum_loss,
        first_crossing_step=first_crossing,
        collapse_step=collapse,
        outcome=outcome,
        recorded_steps=np.asarray(recorded, dtype=np.int64),
        trajectory=np.asarray(trajectory).reshape((len(recorded),) + r.shape),
    )


@dataclass(frozen=True)
class CriticalLearningRateEstimate:
    """The numeric critical learning rate: the smallest eta at which a simulated run collapses.

    For each delay T, a learning rate "fails" when more than ``collapse_fraction`` of the runs
    started at ``start_factors * r*`` enter r <= r_NL within ``steps`` steps. ``estimate`` is the
    smallest failing learning rate found by vectorised k-section (bisection with
    ``points_per_round`` interior points per round), ``safe`` the largest non-failing one below
    it (``estimate / safe - 1 <= relative_tolerance``); ``closed_form`` is alpha_c = (r* - r_NL)
    / |dL/dr|(r*).
    """

    delay: np.ndarray
    response_window: np.ndarray
    normalised: bool
    estimate: np.ndarray
    safe: np.ndarray
    closed_form: np.ndarray
    start_factors: np.ndarray
    steps: int
    collapse_fraction: float

    @property
    def relative_error(self) -> np.ndarray:
        """estimate / closed_form - 1, per delay."""
        return self.estimate / self.closed_form - 1.0

    def fitted_exponent(self) -> float:
        """Least-squares slope of log(estimate) against log(T).

        >>> estimate = numeric_critical_learning_rate([10.0, 100.0], starts=4, steps=500)
        >>> round(estimate.fitted_exponent(), 3)
        -5.0
        """
        if self.delay.size < 2:
            raise DegenerateError("a slope needs at least two delays")
        slope, _ = np.polyfit(np.log(self.delay), np.log(self.estimate), 1)
        return float(slope)


def numeric_critical_learning_rate(
    T,
    R=None,
    *,
    normalised: bool = False,
    starts=32,
    seed: int = 0,
    steps: int = 3000,
    collapse_fraction: float = 0.0,
    bracket=(1e-2, 1e2),
    points_per_round: int = 15,
    relative_tolerance: float = 1e-3,
) -> CriticalLearningRateEstimate:
    """Find the critical learning rate by simulating gradient descent, for many T at once.

    ``T``: delays (1-D array); ``R``: windows broadcasting with T (None: R = T; pass
    ``ratio * T`` for a fixed ratio or a number for a fixed window). ``starts``: an integer count
    of the paper's noisy starts 10 r* + N(0, r*/10) (:func:`paper_noisy_starts` with ``seed``),
    or an array of start factors r_0/r*. ``bracket``: the search range in units of the step
    scale r*/|dL/dr|(r*) (the learning rate at which one step from r* moves by r*), so the
    search itself never uses alpha_c. Every round simulates ``points_per_round`` learning rates
    x all T x all starts as one NumPy computation and keeps the interval around the first
    failing one; rounds stop when it is narrower than ``relative_tolerance``.

    >>> estimate = numeric_critical_learning_rate([10.0, 100.0], starts=8, steps=1000)
    >>> bool(np.all(np.abs(estimate.relative_error) < 0.03))
    True
    """
    theory = _general_theory(bool(normalised))
    delay = _positive_array("T", np.atleast_1d(T))
    if delay.ndim != 1:
        raise InvalidInputError(f"T must be a 1-D array of delays, got shape {delay.shape}")
    window = delay if R is None else np.broadcast_to(_positive_array("R", R), delay.shape)
    if np.ndim(starts) == 0:
        start_factors = paper_noisy_starts(starts, seed)
    else:
        start_factors = _positive_array("starts", starts).ravel()
    if not 0 <= collapse_fraction < 1:
        raise InvalidInputError(f"collapse_fraction must be in [0, 1), got {collapse_fraction!r}")
    low_factor = require_positive("bracket[0]", bracket[0])
    high_factor = require_positive("bracket[1]", bracket[1])
    if not high_factor > low_factor:
        raise InvalidInputError(f"bracket must be increasing, got {tuple(bracket)!r}")
    if int(points_per_round) != points_per_round or points_per_round < 1:
        raise InvalidInputError(
            f"points_per_round must be a positive integer, got {points_per_round!r}"
        )
    require_positive("relative_tolerance", relative_tolerance)

    optimum = theory.optimum(delay)
    scale = optimum / theory.gradient_at_optimum(delay)
    low, high = low_factor * scale, high_factor * scale

    def fails(learning_rates):  # learning_rates: (n_T, k) -> (n_T, k) bool
        result = gradient_descent(
            learning_rates[:, :, None],
            delay[:, None, None],
            R=window[:, None, None],
            start=start_factors[None, None, :] * optimum[:, None, None],
            steps=steps,
            normalised=normalised,
            _track_loss=False,
        )
        return result.fraction("stuck", axis=-1) > collapse_fraction

    edges = fails(np.stack([low, high], axis=1))
    if edges[:, 0].any() or not edges[:, 1].all():
        raise DegenerateError(
            "the bracket does not enclose the critical learning rate: runs at the low end "
            f"collapse for T={delay[edges[:, 0]].tolist()}, runs at the high end survive for "
            f"T={delay[~edges[:, 1]].tolist()}; widen bracket={tuple(bracket)}"
        )
    rounds = 0
    while np.any(high / low - 1 > relative_tolerance):
        rounds += 1
        if rounds > 64:  # pragma: no cover - k-section shrinks by points_per_round + 1
            raise DegenerateError("k-section did not converge")
        fractions = np.arange(1, points_per_round + 1) / (points_per_round + 1)
        grid = np.exp(np.log(low)[:, None] + np.log(high / low)[:, None] * fractions[None, :])
        failing = fails(grid)
        any_failing = failing.any(axis=1)
        first = np.argmax(failing, axis=1)
        rows = np.arange(delay.size)
        new_high = np.where(any_failing, grid[rows, first], high)
        below = np.where(first > 0, grid[rows, np.maximum(first - 1, 0)], low)
        new_low = np.where(any_failing, below, grid[:, -1])
        done = high / low - 1 <= relative_tolerance
        low, high = np.where(done, low, new_low), np.where(done, high, new_high)
    return CriticalLearningRateEstimate(
        delay=delay,
        response_window=np.asarray(window, dtype=np.float64),
        normalised=bool(normalised),
        estimate=high,
        safe=low,
        closed_form=theory.critical_learning_rate(delay, window),
        start_factors=start_factors,
        steps=int(steps),
        collapse_fraction=float(collapse_fraction),
    )

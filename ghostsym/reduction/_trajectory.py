"""Ghosts along a trajectory: integrate x' = f(x), seed the slow-point search from the
trajectory's speed minima, and set each visit's measured dwell beside the prediction.

Near a slow point reduced to z' = r + z^2 (r > 0) the speed is proportional to r + z^2, so
the part of a passage where the speed stays below ``window`` times its minimum is
|z| <= sqrt((window - 1) r), crossed in

    T_window = (2 / sqrt(r)) atan(sqrt(window - 1))

(the derived integral of dz / (r + z^2)), a fixed fraction of the whole passage pi/sqrt(r)
(0.795 for window = 10). Each visit reports the measured T_window from the trajectory, the
predicted T_window, and pi/sqrt(r).

>>> result = ghosts_along_trajectory(["0.01 + x**2"], ["x"], {"x": -3.0}, 60.0)  # blows up
>>> [visit.slow_point.kind for visit in result.visits]
['ghost']
>>> visit = result.visits[0]
>>> abs(visit.measured_dwell / visit.predicted_dwell - 1) < 0.02
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy

from ..errors import DegenerateError, InvalidInputError, require_finite, require_positive
from ..expressions import DerivedExpression
from ._errors import UndefinedVectorFieldError
from ._parsing import parse_real
from ._results import SlowPoint
from ._symbolic import _options, parse_system, reduce_ghost

__all__ = ["TrajectoryVisit", "TrajectoryGhosts", "ghosts_along_trajectory", "window_time"]

#: The dwell window: the speed stays below this multiple of the episode's minimum speed.
DWELL_WINDOW = 10.0
#: Speeds below this times (1 + max |x|) are within the integration's error (rtol 1e-11).
_NOISE = 1e-9
#: |x| beyond which the integration stops (a finite-time blow-up).
_ESCAPE = 1e6
#: Samples of the dense solution per unit of integration time (at least 20000 in all).
_SAMPLES = 20000
#: Longest integration accepted (20 samples per unit time: two million samples at most).
MAX_DURATION = 1e5


@cache
def window_time() -> DerivedExpression:
    """T(r, c) = integral of dz / (r + z^2) over |z| <= sqrt((c - 1) r), by SymPy.

    >>> expression = window_time()
    >>> sympy.limit(expression.expression, expression.arguments[1], sympy.oo)
    pi/sqrt(r)
    """
    z = sympy.Symbol("z", real=True)
    r, c = sympy.Symbol("r", positive=True), sympy.Symbol("c", positive=True)
    half_width = sympy.sqrt((c - 1) * r)
    integral = sympy.simplify(sympy.integrate(1 / (r + z**2), (z, -half_width, half_width)))
    return DerivedExpression(
        "T_{window}", integral, (r, c), "time of z' = r + z^2 with speed below c r"
    )


def _predicted_window(r: float, window: float) -> float:
    return float(window_time()(r, window))


@dataclass(frozen=True)
class TrajectoryVisit:
    """One passage of the trajectory by a slow point.

    Attributes:
        time: when the trajectory's speed is smallest in this passage.
        slow_point: the reduced slow point (point in the fundamental domain if periodic).
        index: which distinct slow point (0, 1, ... in order of first visit).
        distance: from the trajectory at ``time`` to the slow point (periodic coordinates
            wrapped). A ghost counts as visited only if the trajectory enters its window
            (slowest speed <= window x |f(x_g)|); other speed minima go to ``failed_seeds``.
        measured_dwell: time with speed <= window x the minimum speed (None if the passage is
            cut by the start or end of the integration).
        predicted_dwell: (2/sqrt(r)) atan(sqrt(window - 1)) for a ghost, else None.
        passage_time: pi/sqrt(r) for a ghost, else None.
    """

    time: float
    slow_point: SlowPoint
    index: int
    distance: float
    measured_dwell: float | None
    predicted_dwell: float | None
    passage_time: float | None

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return {
            "time": self.time,
            "index": self.index,
            "distance": self.distance,
            "measured_dwell": self.measured_dwell,
            "predicted_dwell": self.predicted_dwell,
            "passage_time": self.passage_time,
            "slow_point": self.slow_point.to_json(),
        }


@dataclass(frozen=True)
class TrajectoryGhosts:
    """Slow points visited by the solution of x' = f(x) from ``start`` over ``duration``.

    Attributes:
        variables: names of the state variables.
        start: the initial state.
        duration: integration time asked for.
        end: where the integration ended (before ``duration`` if |x| passed 1e6).
        window: the dwell window (speed <= window x minimum speed).
        visits: the visits in time order.
        failed_seeds: (time, reason) of speed minima whose search failed.
        periods: name -> period of the periodic variables.
    """

    variables: tuple[str, ...]
    start: tuple[float, ...]
    duration: float
    end: float
    window: float
    visits: tuple[TrajectoryVisit, ...]
    failed_seeds: tuple[tuple[float, str], ...]
    periods: dict

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return {
            "variables": list(self.variables),
            "start": list(self.start),
            "duration": self.duration,
            "end": self.end,
            "window": self.window,
            "visits": [visit.to_json() for visit in self.visits],
            "failed_seeds": [{"time": t, "reason": reason} for t, reason in self.failed_seeds],
            "periods": dict(self.periods),
        }


def wrap(point: np.ndarray, periods: Sequence[float | None]) -> np.ndarray:
    """Each periodic coordinate moved into its fundamental domain [-P/2, P/2).

    >>> wrap(np.array([-12 * np.pi + 1e-3, 5.0]), [2 * np.pi, None]).round(6).tolist()
    [0.001, 5.0]
    """
    wrapped = np.array(point, dtype=np.float64)
    for index, period in enumerate(periods):
        if period is not None:
            wrapped[index] = (wrapped[index] + period / 2) % period - period / 2
    return wrapped


def _real(value, where: str):
    """A user's value (text, number or SymPy number) as a real number; ``where`` names it."""
    number = parse_real(value, option=where) if isinstance(value, str) else value
    if isinstance(number, sympy.Basic):
        if not (number.is_number and number.is_extended_real):
            raise InvalidInputError(f"{where}: {value!r} is not a real number")
        number = float(sympy.N(number))
    return number


def parse_periods(
    periodic: Mapping | None, variables: Sequence[str], option: str = "periodic"
) -> list[float | None]:
    """Periods by variable (None where not periodic) from {name: period (number or text)}.

    >>> parse_periods({"theta": "2*pi"}, ["r", "theta"])
    [None, 6.283185307179586]
    """
    periods: list[float | None] = [None] * len(variables)
    for name, value in (periodic or {}).items():
        if name not in variables:
            raise InvalidInputError(f"{option} names {name!r}, which is not a variable")
        where = f"{option} {name}"
        periods[list(variables).index(name)] = require_positive(where, _real(value, where))
    return periods


def _passages(speeds: np.ndarray, window: float, noise: float) -> list[int]:
    """Sample indices of the speed minima that are passages: the speed rises by at least
    ``window`` on both sides before it falls lower (prominence log(window) of -log speed),
    and the minimum is above ``noise`` (the integration's accuracy; the jitter of a
    trajectory resting on a fixed point is not a passage)."""
    from scipy.signal import find_peaks

    logarithm = -np.log(np.maximum(speeds, 1e-300))
    indices, _ = find_peaks(logarithm, prominence=math.log(window))
    return [int(i) for i in indices if speeds[i] > noise and 0 < i < len(speeds) - 1]


def _vertex(times, speeds, index) -> float:
    """Time of the speed minimum: the vertex of the parabola through three samples."""
    left, middle, right = speeds[index - 1], speeds[index], speeds[index + 1]
    curvature = left - 2 * middle + right
    if curvature <= 0:
        return float(times[index])
    offset = 0.5 * (left - right) / curvature
    return float(times[index] + offset * (times[index + 1] - times[index]))


def _crossing(times, speeds, index, step, threshold) -> float | None:
    """Time where speed rises through ``threshold`` walking from ``index`` by ``step``."""
    j = index
    while 0 <= j + step < len(speeds):
        if speeds[j + step] > threshold:
            a, b = speeds[j], speeds[j + step]
            fraction = (threshold - a) / (b - a)
            return float(times[j] + fraction * (times[j + step] - times[j]))
        j += step
    return None


def ghosts_along_trajectory(
    equations: Sequence,
    variables: Sequence,
    start: Mapping,
    duration: float,
    values: Mapping | None = None,
    *,
    periodic: Mapping | None = None,
    window: float = DWELL_WINDOW,
    precision: int = 30,
    max_seeds: int = 50,
    option_names: Mapping[str, str] | None = None,
) -> TrajectoryGhosts:
    """Integrate x' = f(x) from ``start`` for ``duration`` (SciPy ``solve_ivp``, DOP853,
    rtol 1e-11, atol 1e-13), take the strict local minima of the speed |f(x(t))| as seeds,
    find and reduce the slow point near each (:func:`~ghostsym.reduce_ghost`), and report
    the visits in time order with the measured dwell beside the prediction. ``periodic``
    maps variable names to periods: points are reported in [-P/2, P/2). A seed whose search
    fails is listed in ``failed_seeds`` with its reason, never fatal.
    """
    from scipy.integrate import solve_ivp

    options = _options(option_names)
    duration_option = "--duration" if option_names else "duration"
    duration = require_positive(duration_option, duration)
    if duration > MAX_DURATION:
        raise InvalidInputError(
            f"{duration_option} must be at most {MAX_DURATION:g} (the trajectory is sampled 20 "
            f"times per unit time), got {duration:g}"
        )
    window = require_positive("window", window)
    if window <= 1:
        raise InvalidInputError(f"window must be > 1, got {window!r}")
    f, symbols, _ = parse_system(equations, variables, None, values, option_names=option_names)
    leftover = f.free_symbols - set(symbols)
    if leftover:
        raise InvalidInputError(
            f"the trajectory needs numbers for {sorted(map(str, leftover))} "
            f"(give them with {options['values']})"
        )
    names = [symbol.name for symbol in symbols]
    periods = parse_periods(periodic, names, "--periodic" if option_names else "periodic")
    start_option = "--from" if option_names else "start"
    initial = []
    for symbol in symbols:
        if symbol.name not in start:
            raise InvalidInputError(
                f"{start_option} must give every variable; missing {symbol.name}"
            )
        value = start[symbol.name]
        where = f"{start_option} {symbol.name}"
        initial.append(require_finite(where, _real(value, where)))
    if max(abs(value) for value in initial) >= _ESCAPE:
        raise InvalidInputError(
            f"{start_option}: every |x_i| must be below {_ESCAPE:g}, where the integration "
            f"stops as a finite-time blow-up; got {[float(v) for v in initial]}"
        )
    extra = set(start) - set(names)
    if extra:
        raise InvalidInputError(f"{start_option} names {sorted(extra)}, which are not variables")
    numeric = sympy.lambdify(symbols, list(f), modules="numpy")

    def right_side(time, x):
        with np.errstate(all="ignore"):
            values = np.array([complex(v) for v in numeric(*x)])
        if not (np.all(np.isfinite(values)) and np.all(values.imag == 0)):
            where = "at the start" if time == 0 else f"at t = {time:.6g}"
            overflow = np.any(np.isinf(values)) and not np.any(np.isnan(values))
            place = "the start is" if time == 0 else "the trajectory reaches a point"
            reason = (
                "f overflows float64 there"
                if overflow
                else f"{place} outside the domain of f: division by zero, the log or square root "
                "of a negative number?"
            )
            raise UndefinedVectorFieldError(
                f"f is not real and finite {where}, x = {[float(v) for v in x]} ({reason})"
            )
        return values.real

    def escapes(_, x):  # a finite-time blow-up ends the integration, not the command
        return _ESCAPE - float(np.max(np.abs(x)))

    escapes.terminal = True
    solution = solve_ivp(
        right_side,
        (0.0, duration),
        np.asarray(initial),
        method="DOP853",
        rtol=1e-11,
        atol=1e-13,
        dense_output=True,
        events=escapes,
    )
    if solution.status == -1:
        raise DegenerateError(f"integrating the system failed: {solution.message}")
    end = float(solution.t[-1])
    times = np.linspace(0.0, end, max(_SAMPLES, int(20 * end) + 1))
    states = solution.sol(times)
    velocities = np.stack(
        [np.broadcast_to(np.asarray(v, dtype=np.float64), times.shape) for v in numeric(*states)]
    )
    speeds = np.linalg.norm(velocities, axis=0)
    minima = _passages(speeds, window, _NOISE * (1 + float(np.max(np.abs(states)))))[:max_seeds]
    visits: list[TrajectoryVisit] = []
    failed: list[tuple[float, str]] = []
    distinct: list[np.ndarray] = []
    for i in minima:
        seed = {name: float(value) for name, value in zip(names, states[:, i], strict=True)}
        try:
            reduction = reduce_ghost(list(f), symbols, seed, precision=precision)
        except DegenerateError as error:
            failed.append((float(times[i]), " ".join(str(error).split())))
            continue
        point = reduction.to_slow_point()
        location = wrap(point.point, periods)
        point = _replace_point(point, location)
        scale = 1e-6 * (1 + np.linalg.norm(location))
        index = next(
            (k for k, other in enumerate(distinct) if np.linalg.norm(other - location) <= scale),
            None,
        )
        if index is None:
            distinct.append(location)
            index = len(distinct) - 1
        distance = float(np.linalg.norm(wrap(states[:, i] - point.point, periods)))
        if point.kind == "ghost" and speeds[i] > window * point.speed:
            failed.append(
                (
                    _vertex(times, speeds, i),
                    f"the trajectory passes the ghost at {location.tolist()} without entering "
                    f"its window (its slowest speed {speeds[i]:.3g} > {window:g} x "
                    f"|f(x_g)| = {window * point.speed:.3g}; closest sample {distance:.3g} "
                    "away)",
                )
            )
            continue
        threshold = window * speeds[i]
        left = _crossing(times, speeds, i, -1, threshold)
        right = _crossing(times, speeds, i, 1, threshold)
        measured = None if left is None or right is None else right - left
        ghost = point.kind == "ghost"
        visits.append(
            TrajectoryVisit(
                time=_vertex(times, speeds, i),
                slow_point=point,
                index=index,
                distance=distance,
                measured_dwell=measured,
                predicted_dwell=_predicted_window(point.r, window) if ghost else None,
                passage_time=point.passage_time if ghost else None,
            )
        )
    return TrajectoryGhosts(
        variables=tuple(names),
        start=tuple(initial),
        duration=duration,
        end=end,
        window=window,
        visits=tuple(visits),
        failed_seeds=tuple(failed),
        periods={name: period for name, period in zip(names, periods, strict=True) if period},
    )


def _replace_point(point: SlowPoint, location: np.ndarray) -> SlowPoint:
    from dataclasses import replace

    return replace(point, point=location)

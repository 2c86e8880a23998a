"""``ghostsym ghost``: slow points of a system (equations) or of a stored network, reduced.

    ghostsym ghost --equations "0.01 + x**2 + y" "-y + x**2" --vars x y --near x=0.3 y=0
    ghostsym ghost --equations "1 - cos(theta) + I*(1 + cos(theta))" --vars theta --set I=0.01 \
        --from theta=2.5 --duration 100 --periodic theta=2*pi
    ghostsym ghost --network net.npz [--near-states states.npy]

Each slow point is reduced to z' = r + z^2 and classified: ``ghost`` (r > 0), ``fixed-point``
(r <= 0), ``undetermined`` (|r| below its rounding noise floor ``r_floor``) or
``multi-dimensional`` (two or more slow directions: no one-dimensional reduction, r null).
JSON: key ``slow_points``, a list of objects with ``x``, ``speed`` (|f|), ``r``, ``r_floor``,
``lambda``, ``kind``, ``dimension`` (slow directions), ``passage_time`` (pi/sqrt(r) for a
ghost, else null; "inf" in the text output for a fixed point), ``drift``,
``quadratic_coefficient``, ``p``, ``q``, ``eigenvalues`` and ``convergence_reason``; and
``failed_starts`` (start, reason) for starts whose search failed (they never abort the
others). ``--near`` may be repeated, one start per use; equal points are reported once.

With ``--network`` the text output is one row per slow point with |x| and, for a low-rank
network, its latent coordinates kappa = P x (P: the right singular vectors of W, each signed so
that its components sum to a positive number), then a short summary of each state x (first
and last components, extremes); JSON adds ``network`` (``units``, ``rank``) and, per point,
``norm`` and ``latent`` (null for a full-rank network), with the full vector in ``x``.

With ``--from`` and ``--duration`` the system is integrated (solve_ivp, DOP853, rtol 1e-11),
the trajectory's speed minima seed the search, and JSON has ``visits`` in time order: ``time``,
``index`` (which distinct point), ``measured_dwell`` (time with speed <= window x its minimum),
``predicted_dwell`` ((2/sqrt(r)) atan(sqrt(window - 1)), the same window in z' = r + z^2),
``passage_time`` (pi/sqrt(r)) and ``slow_point``. ``--periodic NAME=PERIOD`` reports that
coordinate in [-PERIOD/2, PERIOD/2).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import DegenerateError, InvalidInputError
from ..reduction._parsing import check_name
from ..reduction._results import SlowPoint
from ..reduction._symbolic import CONVENTION, reduce_ghost
from ..reduction._trajectory import (
    DWELL_WINDOW,
    TrajectoryGhosts,
    ghosts_along_trajectory,
    parse_periods,
    wrap,
)
from ._common import add_format_argument, emit, finite_float
from ._reduction_options import OPTION_NAMES, allow_leading_minus, name_value_pairs

_SEVERAL_STARTS = "; for several starts repeat --near (--near x=0 --near x=1)"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ghost",
        help="find slow points (ghosts or fixed points) and reduce them to z' = r + z^2",
        description=(
            "Minimise q(x) = 1/2|f(x)|^2 from the given start(s) (--near) or from the speed "
            "minima of a trajectory (--from, --duration), reduce each slow point to "
            "z' = r + z^2 with r = b p^T f - lambda^2/4, and classify it: ghost (r > 0, "
            "passage time pi/sqrt(r)), fixed point (r <= 0), undetermined (|r| below its "
            "noise floor) or multi-dimensional (two or more slow directions)."
        ),
    )
    allow_leading_minus(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--equations", nargs="+", metavar="EXPR", help="f_1 ... f_n")
    source.add_argument(
        "--network", metavar="FILE.npz", help="a stored network (W or m and n, and b)"
    )
    parser.add_argument("--vars", nargs="+", metavar="NAME", help="x_1 ... x_n (with --equations)")
    parser.add_argument(
        "--set", nargs="+", metavar="NAME=VALUE", help="parameter values (with --equations)"
    )
    parser.add_argument(
        "--near",
        nargs="+",
        action="append",
        metavar="NAME=VALUE",
        help="a start (every variable); repeat --near for several starts",
    )
    parser.add_argument(
        "--from",
        dest="trajectory_start",
        nargs="+",
        metavar="NAME=VALUE",
        help="integrate from this state and search from the trajectory's speed minima",
    )
    parser.add_argument(
        "--duration",
        type=finite_float("--duration", 0, include_minimum=False),
        metavar="T",
        help="integration time (with --from)",
    )
    parser.add_argument(
        "--window",
        type=finite_float("--window", 0, include_minimum=False),
        default=None,
        help=f"dwell window: speed <= WINDOW x its minimum (with --from; default {DWELL_WINDOW:g})",
    )
    parser.add_argument(
        "--periodic",
        nargs="+",
        metavar="NAME=PERIOD",
        help="periodic variables: points reported in [-PERIOD/2, PERIOD/2)",
    )
    parser.add_argument(
        "--near-states", metavar="FILE.npy", help="(k, N) start states (with --network)"
    )
    add_format_argument(parser)
    parser.set_defaults(handler=run)


def slow_points_payload(results, failed_starts=()) -> dict:
    """The JSON object ``{"slow_points": [...], "failed_starts": [...], "convention": ...}``.

    >>> from ghostsym.reduction._results import slow_point_from_coefficients
    >>> point = slow_point_from_coefficients(point=[0.0], speed=0.0, drift=0.0, eigenvalue=-2.0,
    ...     eigenvalues=[-2.0], left_vector=[1.0], right_vector=[1.0], quadratic_coefficient=1.0)
    >>> entry = slow_points_payload([point])["slow_points"][0]
    >>> entry["kind"], entry["r"], entry["passage_time"], entry["dimension"]
    ('fixed-point', -1.0, 'inf', 1)
    """
    entries = []
    for point in results:
        if not isinstance(point, SlowPoint):
            raise InvalidInputError(f"expected SlowPoint results, got {type(point).__name__}")
        entries.append(point.to_json())
    return {
        "slow_points": entries,
        "failed_starts": [{"start": start, "reason": reason} for start, reason in failed_starts],
        "convention": CONVENTION,
    }


def _row(point: SlowPoint) -> str:
    coordinates = np.array2string(point.point, precision=6, max_line_width=10**6)
    return (
        f"{point.kind:17s} {point.dimension:3d} {point.r:14.6e} {point.eigenvalue:12.4e} "
        f"{point.speed:12.4e} {point.passage_time:12.6g}  {coordinates}"
    )


_HEADER = f"{'kind':17s} {'dim':>3s} {'r':>14s} {'lambda':>12s} {'speed':>12s} {'passage':>12s}  x"


def _text(results, failed_starts=()) -> str:
    lines = [_HEADER, *(_row(point) for point in results)] if results else ["no slow points found"]
    for start, reason in failed_starts:
        lines.append(f"start {start} skipped: {reason}")
    return "\n".join(lines)


def _trajectory_text(result: TrajectoryGhosts) -> str:
    lines = [
        f"trajectory from {dict(zip(result.variables, result.start, strict=True))} over "
        f"t = 0..{result.end:g}" + ("" if result.end == result.duration else " (|x| > 1e6)"),
        f"dwell: time with speed <= {result.window:g} x its minimum; predicted for the same "
        "window (2/sqrt(r)) atan(sqrt(window - 1)); passage pi/sqrt(r)",
        f"{'time':>10s} {'#':>3s} {'kind':17s} {'r':>14s} {'dwell':>12s} {'predicted':>12s} "
        f"{'pi/sqrt(r)':>12s}  x",
    ]

    def shown(value):
        return f"{value:12.6g}" if value is not None else f"{'-':>12s}"

    for visit in result.visits:
        point = visit.slow_point
        coordinates = np.array2string(point.point, precision=6, max_line_width=10**6)
        lines.append(
            f"{visit.time:10.4f} {visit.index:3d} {point.kind:17s} {point.r:14.6e} "
            f"{shown(visit.measured_dwell)} {shown(visit.predicted_dwell)} "
            f"{shown(visit.passage_time)}  {coordinates}"
        )
    if not result.visits:
        lines.append("no slow points visited")
    for time, reason in result.failed_seeds:
        lines.append(f"speed minimum at t = {time:.4f} skipped: {reason}")
    return "\n".join(lines)


def _equation_slow_points(arguments):
    values = name_value_pairs(arguments.set, "--set")
    periods = parse_periods(
        name_value_pairs(arguments.periodic, "--periodic"), arguments.vars, "--periodic"
    )
    starts = [name_value_pairs(words, "--near", hint=_SEVERAL_STARTS) for words in arguments.near]
    found: list[SlowPoint] = []
    failed: list[tuple[dict, str]] = []
    for near in starts:
        try:
            point = reduce_ghost(
                arguments.equations, arguments.vars, near, values, option_names=OPTION_NAMES
            ).to_slow_point()
        except DegenerateError as error:
            failed.append((near, " ".join(str(error).split())))
            continue
        if any(periods):
            from dataclasses import replace

            point = replace(point, point=wrap(point.point, periods))
        size = 1e-9 * (1.0 + np.linalg.norm(point.point))
        if all(np.linalg.norm(point.point - other.point) > size for other in found):
            found.append(point)
    if not found:
        reasons = "; ".join(
            f"from {', '.join(f'{k}={v}' for k, v in start.items())}: {reason}"
            for start, reason in failed
        )
        raise DegenerateError(f"no slow point found ({reasons})")
    return tuple(sorted(found, key=lambda point: point.speed)), tuple(failed)


def _check(arguments) -> None:
    if arguments.network:
        if (
            arguments.vars
            or arguments.set
            or arguments.near
            or arguments.trajectory_start
            or arguments.periodic
            or arguments.duration is not None
            or arguments.window is not None
        ):
            raise InvalidInputError(
                "--vars, --set, --near, --from, --duration, --window and --periodic go with "
                "--equations, not --network"
            )
        return
    if not arguments.vars:
        raise InvalidInputError("--vars is required with --equations")
    for name in arguments.vars:  # before the options that name them
        check_name(name, "--vars")
    if arguments.near_states:
        raise InvalidInputError("--near-states goes with --network; use --near with --equations")
    if arguments.trajectory_start and arguments.near:
        raise InvalidInputError("give either --near (starts) or --from (a trajectory), not both")
    if arguments.trajectory_start and arguments.duration is None:
        raise InvalidInputError("--from needs --duration (the integration time)")
    if arguments.duration is not None and not arguments.trajectory_start:
        raise InvalidInputError("--duration goes with --from")
    if arguments.window is not None and not arguments.trajectory_start:
        raise InvalidInputError("--window goes with --from (the dwell window of a trajectory)")
    if not arguments.near and not arguments.trajectory_start:
        raise InvalidInputError(
            "--near is required with --equations (a start for each search), or --from with "
            "--duration (a trajectory)"
        )


#: Components of a network state shown in the text output (the rest: --format json).
SHOWN_COMPONENTS = 6


def _load_network(arguments):
    """The network and start states, with errors naming the option that gave the file."""
    from ..analysis import load_network, load_states  # the network layer is imported only here

    try:
        network = load_network(arguments.network)
    except InvalidInputError as error:
        raise InvalidInputError(f"--network: {error}") from None
    states = None
    if arguments.near_states is not None:
        try:
            states = load_states(arguments.near_states, network.size)
        except InvalidInputError as error:
            raise InvalidInputError(f"--near-states: {error}") from None
    return network, states


def _network_slow_points(arguments):
    from ..analysis import find_network_slow_points  # float64 (its decorator)

    network, states = _load_network(arguments)
    results = tuple(find_network_slow_points(network, states))
    projection = None
    if network.rank < network.size:
        # each right singular vector signed so that its components sum to a positive number
        projection = network.latent_flow().projection
        projection = projection * np.where(projection.sum(axis=1) < 0, -1.0, 1.0)[:, None]
    return network, results, projection


def network_payload(network, results, projection) -> dict:
    """:func:`slow_points_payload` with the network's size and rank and, for each point, ``norm``
    (|x|) and ``latent`` (for a low-rank network its coordinates kappa = P x, P the right
    singular vectors of W signed to positive component sums; null for a full-rank one).

    >>> from ghostsym.analysis import RecurrentNetwork
    >>> from ghostsym.reduction._results import slow_point_from_coefficients
    >>> network = RecurrentNetwork.from_factors(np.ones(4), np.ones(4) / 4, np.zeros(4))
    >>> point = slow_point_from_coefficients(point=[0.5] * 4, speed=0.0, drift=0.0,
    ...     eigenvalue=-1.0, eigenvalues=[-1.0] * 4, left_vector=[0.5] * 4,
    ...     right_vector=[0.5] * 4, quadratic_coefficient=1.0)
    >>> entry = network_payload(network, [point], np.full((1, 4), 0.5))["slow_points"][0]
    >>> entry["norm"], entry["latent"]
    (1.0, [1.0])
    """
    payload = slow_points_payload(results)
    payload["network"] = {"units": network.size, "rank": network.rank}
    for entry, point in zip(payload["slow_points"], results, strict=True):
        entry["norm"] = float(np.linalg.norm(point.point))
        entry["latent"] = None if projection is None else (projection @ point.point).tolist()
    return payload


def _components(vector: np.ndarray) -> str:
    """The first and last components of a long vector, with its extremes."""
    shown = SHOWN_COMPONENTS // 2
    if vector.size <= SHOWN_COMPONENTS:
        return "[" + ", ".join(f"{v:.4g}" for v in vector) + "]"
    head = ", ".join(f"{v:.4g}" for v in vector[:shown])
    tail = ", ".join(f"{v:.4g}" for v in vector[-shown:])
    low, high = int(np.argmin(vector)), int(np.argmax(vector))
    return (
        f"[{head}, ..., {tail}]  (min {vector[low]:.4g} at unit {low}, max {vector[high]:.4g} at "
        f"unit {high})"
    )


def _network_text(network, results, projection) -> str:
    rank = network.rank
    lines = [
        f"network of N = {network.size} units, rank W = {rank}; slow points of "
        "x' = -x + tanh(W x + b), each reduced to z' = r + z^2",
    ]
    if projection is not None:
        vectors = "the right singular vector" if rank == 1 else f"the {rank} right singular vectors"
        lines.append(
            f"latent coordinates kappa = P x; rows of P: {vectors} of W with nonzero singular "
            "value,"
        )
        lines.append("  each signed so that its components sum to a positive number")
    if not results:
        lines.append("no slow points found")
        return "\n".join(lines)
    latent_header = "  kappa = P x" if projection is not None else ""
    lines.append(
        f"{'#':>2s} {'kind':17s} {'dim':>3s} {'r':>13s} {'lambda':>11s} {'speed':>10s} "
        f"{'passage':>10s} {'|x|':>9s}{latent_header}"
    )
    for index, point in enumerate(results):
        latent = ""
        if projection is not None:
            latent = "  [" + ", ".join(f"{v:.6g}" for v in projection @ point.point) + "]"
        lines.append(
            f"{index:2d} {point.kind:17s} {point.dimension:3d} {point.r:13.5e} "
            f"{point.eigenvalue:11.4e} {point.speed:10.3e} {point.passage_time:10.4g} "
            f"{np.linalg.norm(point.point):9.4g}{latent}"
        )
    lines.append("states x (full vectors with --format json):")
    for index, point in enumerate(results):
        lines.append(f"{index:2d} x = {_components(point.point)}")
    return "\n".join(lines)


def _latex_number(value: float) -> str:
    """A float in LaTeX, six significant digits, powers of ten written out.

    >>> print(_latex_number(5.79677e-16), _latex_number(0.25))
    5.79677 \\times 10^{-16} 0.25
    """
    text = f"{value:.6g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def _network_latex(results, projection) -> str:
    """One aligned block per slow point: kind, |x_g|, kappa = P x_g, d, lambda, b, r and the
    passage time (the N components of x_g are in --format json)."""
    blocks = []
    for point in results:
        latent = ""
        if projection is not None:
            kappa = ", ".join(_latex_number(value) for value in projection @ point.point)
            latent = f",\\quad \\kappa = P x_g = ({kappa})"
        time = "\\infty" if math.isinf(point.passage_time) else _latex_number(point.passage_time)
        blocks.append(
            "\\begin{aligned}"
            f"&\\text{{{point.kind}}}:\\quad |x_g| = {_latex_number(np.linalg.norm(point.point))}"
            f"{latent}"
            " \\\\"
            f"&d = {_latex_number(point.drift)},\\quad "
            f"\\lambda = {_latex_number(point.eigenvalue)},\\quad "
            f"b = {_latex_number(point.quadratic_coefficient)} \\\\"
            f"&r = b d - \\frac{{\\lambda^{{2}}}}{{4}} = {_latex_number(point.r)},\\quad "
            f"t_{{\\mathrm{{bottleneck}}}} = {time}"
            "\\end{aligned}"
        )
    return "\n\n".join(blocks)


def run(arguments) -> None:
    _check(arguments)
    if arguments.network:
        network, results, projection = _network_slow_points(arguments)
        emit(
            network_payload(network, results, projection),
            arguments.format,
            text=lambda _: _network_text(network, results, projection),
            latex=lambda _: _network_latex(results, projection),
        )
        return
    if arguments.trajectory_start:
        result = ghosts_along_trajectory(
            arguments.equations,
            arguments.vars,
            name_value_pairs(arguments.trajectory_start, "--from"),
            arguments.duration,
            name_value_pairs(arguments.set, "--set"),
            periodic=name_value_pairs(arguments.periodic, "--periodic"),
            window=DWELL_WINDOW if arguments.window is None else arguments.window,
            option_names=OPTION_NAMES,
        )
        emit(
            {**result.to_json(), "convention": CONVENTION},
            arguments.format,
            text=lambda _: _trajectory_text(result),
            latex=lambda _: "\n\n".join(visit.slow_point.latex() for visit in result.visits),
        )
        return
    results, failed = _equation_slow_points(arguments)
    emit(
        slow_points_payload(results, failed),
        arguments.format,
        text=lambda _: _text(results, failed),
        latex=lambda _: "\n\n".join(point.latex() for point in results),
    )

"""``ghostsym ghost``: slow points of a system (equations) or of a stored network, reduced.

    ghostsym ghost --equations "0.01 + x**2 + y" "-y + x**2" --vars x y --near x=0.3 y=0
    ghostsym ghost --network net.npz [--near-states states.npy]

Each slow point is reduced to z' = r + z^2 and classified by the sign of r. JSON: key
``slow_points``, a list of objects with ``x``, ``speed`` (|f|), ``r``, ``lambda``, ``kind``
("ghost" or "fixed-point"), ``passage_time`` (pi/sqrt(r) for a ghost; null for a fixed point,
whose node-saddle pair blocks the passage: "inf" in the text output), plus ``drift``,
``quadratic_coefficient``, ``p``, ``q`` and ``eigenvalues``. ``--near`` may be repeated, one
start per use; equal points found from different starts are reported once.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidInputError
from ..reduction._results import SlowPoint
from ..reduction._symbolic import CONVENTION, reduce_ghost
from ._common import add_format_argument, parse_assignments, to_json


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ghost",
        help="find slow points (ghosts or fixed points) and reduce them to z' = r + z^2",
        description=(
            "Minimise q(x) = 1/2|f(x)|^2 from the given start(s), reduce each slow point to "
            "z' = r + z^2 with r = b p^T f - lambda^2/4, and classify it by the sign of r: "
            "ghost (r > 0, passage time pi/sqrt(r)) or fixed point (r <= 0)."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--equations", nargs="+", metavar="EXPR", help="f_1 ... f_n (SymPy)")
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
        "--near-states", metavar="FILE.npy", help="(k, N) start states (with --network)"
    )
    add_format_argument(parser)
    parser.set_defaults(handler=run)


def _json_number(value: float):
    return value if math.isfinite(value) else None


def _eigenvalue_json(value: complex):
    return float(value.real) if value.imag == 0 else {"real": value.real, "imag": value.imag}


def slow_points_payload(results) -> dict:
    """The JSON object ``{"slow_points": [...], "convention": ...}`` of reduced slow points.

    >>> from ghostsym.reduction._results import slow_point_from_coefficients
    >>> point = slow_point_from_coefficients(point=[0.0], speed=0.0, drift=0.0, eigenvalue=-2.0,
    ...     eigenvalues=[-2.0], left_vector=[1.0], right_vector=[1.0], quadratic_coefficient=1.0)
    >>> entry = slow_points_payload([point])["slow_points"][0]
    >>> entry["kind"], entry["r"], entry["passage_time"]
    ('fixed-point', -1.0, None)
    """
    entries = []
    for point in results:
        if not isinstance(point, SlowPoint):
            raise InvalidInputError(f"expected SlowPoint results, got {type(point).__name__}")
        entries.append(
            {
                "x": [float(value) for value in point.point],
                "speed": point.speed,
                "r": point.r,
                "lambda": point.eigenvalue,
                "kind": point.kind,
                "passage_time": _json_number(point.passage_time),
                "drift": point.drift,
                "quadratic_coefficient": point.quadratic_coefficient,
                "p": [float(value) for value in point.left_vector],
                "q": [float(value) for value in point.right_vector],
                "eigenvalues": [_eigenvalue_json(complex(v)) for v in point.eigenvalues],
            }
        )
    return {"slow_points": entries, "convention": CONVENTION}


def _text(results) -> str:
    if not results:
        return "no slow points found"
    lines = [f"{'kind':12s} {'r':>14s} {'lambda':>12s} {'speed':>12s} {'passage':>12s}  x"]
    for point in results:
        coordinates = np.array2string(point.point, precision=6, max_line_width=10**6)
        lines.append(
            f"{point.kind:12s} {point.r:14.6e} {point.eigenvalue:12.4e} {point.speed:12.4e} "
            f"{point.passage_time:12.6g}  {coordinates}"
        )
    return "\n".join(lines)


def _equation_slow_points(arguments) -> tuple[SlowPoint, ...]:
    if not arguments.vars:
        raise InvalidInputError("--vars is required with --equations")
    if not arguments.near:
        raise InvalidInputError("--near is required with --equations (a start for each search)")
    if arguments.near_states:
        raise InvalidInputError("--near-states goes with --network; use --near with --equations")
    values = parse_assignments(arguments.set, "--set")
    found: list[SlowPoint] = []
    for words in arguments.near:
        near = parse_assignments(words, "--near")
        point = reduce_ghost(arguments.equations, arguments.vars, near, values).to_slow_point()
        size = 1e-9 * (1.0 + np.linalg.norm(point.point))
        if all(np.linalg.norm(point.point - other.point) > size for other in found):
            found.append(point)
    return tuple(sorted(found, key=lambda point: point.speed))


def run(arguments) -> None:
    if arguments.network:
        if arguments.vars or arguments.set or arguments.near:
            raise InvalidInputError("--vars, --set and --near go with --equations, not --network")
        from ..analysis import network_slow_points  # the network layer is imported only here

        results = tuple(network_slow_points(arguments.network, arguments.near_states))
    else:
        results = _equation_slow_points(arguments)
    if arguments.format == "json":
        print(to_json(slow_points_payload(results)))
    elif arguments.format == "latex":
        print("\n\n".join(point.latex() for point in results))
    else:
        print(_text(results))

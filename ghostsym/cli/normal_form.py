"""``ghostsym normal-form``: the fold reduction of a system given as equations.

    ghostsym normal-form --equations "mu + x**2 + s*y" "-y + x**2" --vars x y --param mu \
        --at x=0 y=0 mu=0 --set s=3 --format json
    ghostsym normal-form --equations "a/(1+v**2) - u" "b/(1+u**2) - v" --vars u v --param a \
        --set b=2.5 [--numeric] [--timeout 60] [--progress]

Equations are read by ghostsym's safe parser (numbers, names, + - * / **, exp, log, sqrt, sin,
cos, tan, sinh, cosh, tanh, Abs, pi, E); nothing typed is evaluated as Python.

JSON (one fold, ``--at`` given): ``a``, ``b``, ``ab`` (numbers; null while free symbols remain),
``p``, ``q`` (lists), ``convention``, ``eigenvalues`` (numbers, or {"real", "imag"} objects
for complex ones), ``exact`` (SymPy strings of ``a``, ``b``, ``ab``; null for a numeric
fold), ``at``, and ``canonical_parameter`` and ``bottleneck_time`` (SymPy strings). With
``--numeric --at`` the point is refined by Newton on f = 0, det Df = 0 and ``residual``,
``tolerance``, ``start`` are added. Without ``--at`` the folds are located and reported under
``folds``, with ``skipped`` (degenerate points: kind, reason), ``methods`` (what each method
found), ``complete`` (true only when a Gröbner basis proved the list complete) and ``elapsed``.
"""

from __future__ import annotations

import argparse
import math

import sympy

from ..errors import DegenerateError, InvalidInputError
from ..reduction._errors import NotAFoldError
from ..reduction._folds import FoldSearch, find_folds, refine_fold
from ..reduction._results import NumericFoldReduction
from ..reduction._symbolic import FoldReduction, reduce_fold
from ._common import add_format_argument, emit, seed
from ._reduction_options import (
    OPTION_NAMES,
    StageReporter,
    allow_leading_minus,
    name_value_pairs,
)

#: Defaults of the fold-location options (None in the parser, so that an option given where it
#: does not apply can be refused).
SEARCH_DEFAULTS = {"timeout": 120.0, "tolerance": 1e-9, "starts": 256, "box": 10.0, "seed": 1}


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if not 1 <= value <= 100000:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 100000, got {text!r}")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "normal-form",
        help="reduce x' = f(x, mu) at a fold to z' = ab (mu - mu0) + z^2",
        description=(
            "Fold reduction of a system given as expressions: left/right null vectors "
            "p, q (|q| = 1, p^T q = 1), a = p^T df/dmu, b = 1/2 p^T D^2 f[q, q], the invariant "
            "ab and the bottleneck time pi/sqrt(ab (mu - mu0)). Without --at the folds "
            "(f = 0, det Df = 0) are located: Groebner basis and real-root isolation for "
            "rational systems, sympy.solve otherwise, then a numeric search if those fail or "
            "run past --timeout. Degenerate points are listed and skipped."
        ),
    )
    allow_leading_minus(parser)
    parser.add_argument("--equations", nargs="+", required=True, metavar="EXPR", help="f_1 ... f_n")
    parser.add_argument("--vars", nargs="+", required=True, metavar="NAME", help="x_1 ... x_n")
    parser.add_argument("--param", required=True, metavar="NAME", help="bifurcation parameter mu")
    parser.add_argument(
        "--at",
        nargs="+",
        metavar="NAME=VALUE",
        help="the fold point (every variable and mu); with --numeric an approximate point",
    )
    parser.add_argument(
        "--set", nargs="+", metavar="NAME=VALUE", help="values of the other parameters"
    )
    parser.add_argument(
        "--numeric",
        action="store_true",
        help="float64 autodiff: refine --at on f = 0, det Df = 0, or search numerically",
    )
    parser.add_argument(
        "--timeout",
        type=_positive,
        default=None,
        metavar="SECONDS",
        help=(
            "fold search (without --at): time limit of the symbolic route before the numeric "
            "one (default 120)"
        ),
    )
    parser.add_argument(
        "--tolerance",
        type=_positive,
        default=None,
        help=(
            "numeric search or --at --numeric: accept |(f, det Df)| <= tolerance (1 + |(x, mu)|) "
            "(default 1e-9)"
        ),
    )
    parser.add_argument(
        "--starts",
        type=_count,
        default=None,
        help="numeric fold search (without --at): random starts (default 256)",
    )
    parser.add_argument(
        "--box",
        type=_positive,
        default=None,
        help="numeric fold search (without --at): starts uniform in [-box, box] (default 10)",
    )
    parser.add_argument(
        "--seed",
        type=seed,
        default=None,
        help="numeric fold search (without --at): random seed (default 1)",
    )
    parser.add_argument(
        "--progress", action="store_true", help="fold search (without --at): report each stage"
    )
    add_format_argument(parser)
    parser.set_defaults(handler=run)


def fold_payload(fold: FoldReduction) -> dict:
    """The JSON object of one exact fold (:meth:`FoldReduction.to_json`)."""
    return fold.to_json()


def numeric_fold_payload(fold: NumericFoldReduction, variables, parameter) -> dict:
    """The JSON object of one numeric (float64) fold, with the same keys as an exact one."""
    payload = fold.to_json()
    at = {str(v): float(x) for v, x in zip(variables, fold.point, strict=True)}
    at[str(parameter)] = float(fold.parameter_value)
    shift = _shift(parameter, fold.parameter_value)
    return {
        "at": at,
        **{key: payload[key] for key in ("a", "b", "ab", "p", "q", "convention", "eigenvalues")},
        "exact": None,
        "canonical_parameter": f"{fold.ab!r}*{shift}",
        "bottleneck_time": f"pi/sqrt({fold.ab!r}*{shift})",
    }


def _shift(parameter, value: float) -> str:
    return f"({parameter} + {-value!r})" if value < 0 else f"({parameter} - {value!r})"


def _payload(fold, variables, parameter) -> dict:
    if isinstance(fold, FoldReduction):
        return fold_payload(fold)
    return numeric_fold_payload(fold, variables, parameter)


def _text(fold) -> str:
    coordinates = (
        *zip(fold.variables, fold.point, strict=True),
        (fold.parameter, fold.parameter_value),
    )
    at = ", ".join(f"{name}={value}" for name, value in coordinates)
    return "\n".join(
        [
            f"fold at {at}",
            f"  p = {list(fold.left_vector)}",
            f"  q = {list(fold.right_vector)}   ({fold.convention})",
            f"  a = {fold.unfolding_coefficient}   b = {fold.quadratic_coefficient}   "
            f"ab = {fold.coefficient_product}",
            f"  r = {fold.canonical_parameter.expression}",
            f"  bottleneck time = {fold.bottleneck_time.expression}",
            f"  eigenvalues of Df: {[sympy.N(value, 8) for value in fold.eigenvalues]}",
        ]
    )


def _numeric_text(fold: NumericFoldReduction, variables, parameter) -> str:
    at = ", ".join(
        f"{name}={value!r}"
        for name, value in (
            *zip(variables, fold.point.tolist(), strict=True),
            (parameter, fold.parameter_value),
        )
    )
    return "\n".join(
        [
            f"fold at {at}   (float64)",
            f"  p = {fold.left_vector.tolist()}",
            f"  q = {fold.right_vector.tolist()}   ({fold.convention})",
            f"  a = {fold.a!r}   b = {fold.b!r}   ab = {fold.ab!r}",
            f"  r = {fold.ab!r}*{_shift(parameter, fold.parameter_value)}",
            f"  eigenvalues of Df: {[complex(v) for v in fold.eigenvalues]}",
        ]
    )


def _fold_text(fold, variables, parameter) -> str:
    if isinstance(fold, FoldReduction):
        return _text(fold)
    return _numeric_text(fold, variables, parameter)


def _search_text(search: FoldSearch, variables, parameter) -> str:
    lines = [_fold_text(fold, variables, parameter) for fold in search.folds]
    for point in search.skipped:
        where = ", ".join(f"{k}={v!r}" for k, v in point.point.items())
        lines.append(f"skipped {point.kind} at {where}: {point.reason}")
    completeness = "complete (proved)" if search.complete else "not proved complete"
    lines.append(f"methods ({completeness}, {search.elapsed:.2f} s): " + "; ".join(search.methods))
    return "\n".join(lines)


def _check_names(arguments) -> None:
    if arguments.param in arguments.vars:
        raise InvalidInputError(f"--param {arguments.param} is also listed in --vars")
    if arguments.at:
        # with --at there is no search: its options would be silently ignored
        unused = ["timeout", "starts", "box", "seed"]
        if not arguments.numeric:
            unused.append("tolerance")
        given = [f"--{name}" for name in unused if getattr(arguments, name) is not None]
        if arguments.progress:
            given.append("--progress")
        if given:
            where = "--at --numeric (a refinement)" if arguments.numeric else "--at (exact)"
            raise InvalidInputError(
                f"{', '.join(given)} {'does' if len(given) == 1 else 'do'} not apply with "
                f"{where}; {'it configures' if len(given) == 1 else 'they configure'} the fold "
                "search without --at"
            )
    elif arguments.numeric and arguments.timeout is not None:
        raise InvalidInputError(
            "--timeout limits the symbolic fold location; it does not apply with --numeric"
        )
    for name, default in SEARCH_DEFAULTS.items():
        if getattr(arguments, name) is None:
            setattr(arguments, name, default)


def run(arguments) -> None:
    _check_names(arguments)
    values = name_value_pairs(arguments.set, "--set")
    variables, parameter = arguments.vars, arguments.param
    if arguments.at:
        at = name_value_pairs(arguments.at, "--at")
        if arguments.numeric:
            refined = refine_fold(
                arguments.equations,
                variables,
                parameter,
                at,
                values,
                tolerance=arguments.tolerance,
                option_names=OPTION_NAMES,
            )
            _emit_refined(arguments, refined, variables, parameter)
            return
        try:
            fold = reduce_fold(
                arguments.equations,
                variables,
                parameter,
                at=at,
                values=values,
                option_names=OPTION_NAMES,
            )
        except NotAFoldError as error:
            hint = " (for an approximate fold use --numeric, which refines --at)"
            raise NotAFoldError(f"{error}{hint}") from None
        _emit([fold], arguments, variables, parameter, single=True)
        return
    reporter = StageReporter("normal-form", arguments.progress)
    try:
        search = find_folds(
            arguments.equations,
            variables,
            parameter,
            values,
            method="numeric" if arguments.numeric else "auto",
            timeout=arguments.timeout,
            progress=reporter,
            starts=arguments.starts,
            box=arguments.box,
            seed=arguments.seed,
            tolerance=arguments.tolerance,
            option_names=OPTION_NAMES,
        )
    finally:
        reporter.close()
    if not search.folds and not search.skipped:
        raise DegenerateError(search.nothing_found_message())
    payload = search.to_json()
    payload["folds"] = [_payload(fold, variables, parameter) for fold in search.folds]
    emit(
        payload,
        arguments.format,
        text=lambda _: _search_text(search, variables, parameter),
        latex=lambda _: "\n\n".join(fold.latex() for fold in search.folds),
    )


def _emit(folds, arguments, variables, parameter, single: bool) -> None:
    payloads = [_payload(fold, variables, parameter) for fold in folds]
    emit(
        payloads[0] if single else {"folds": payloads},
        arguments.format,
        text=lambda _: "\n".join(_fold_text(fold, variables, parameter) for fold in folds),
        latex=lambda _: "\n\n".join(fold.latex() for fold in folds),
    )


def _emit_refined(arguments, refined, variables, parameter) -> None:
    payload = numeric_fold_payload(refined.fold, variables, parameter)
    payload.update(
        start=refined.start,
        residual=refined.residual,
        tolerance=refined.tolerance,
        iterations=refined.iterations,
    )
    emit(
        payload,
        arguments.format,
        text=lambda _: (
            _numeric_text(refined.fold, variables, parameter)
            + f"\n  refined from {refined.start} in {refined.iterations} Newton steps on "
            f"f = 0, det Df = 0: residual {refined.residual:.3g} (tolerance "
            f"{refined.tolerance:g} (1 + |(x, mu)|))"
        ),
        latex=lambda _: refined.fold.latex(),
    )

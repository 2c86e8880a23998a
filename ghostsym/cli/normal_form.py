"""``ghostsym normal-form``: the fold reduction of a system given as equations.

    ghostsym normal-form --equations "mu + x**2 + s*y" "-y + x**2" --vars x y --param mu \
        --at x=0 y=0 mu=0 --set s=3 --format json

JSON (one fold, ``--at`` given): ``a``, ``b``, ``ab`` (numbers; null while free symbols remain),
``p``, ``q`` (lists), ``convention``, ``eigenvalues`` (numbers, or {"real", "imag"} objects
for complex ones), ``exact`` (SymPy strings of ``a``, ``b``, ``ab``), ``at``, and
``canonical_parameter`` and ``bottleneck_time`` (SymPy strings). Without ``--at`` the folds
are located (f = 0, det Df = 0) and reported as a list under ``folds``, each with the same keys.
"""

from __future__ import annotations

import sympy

from ..reduction._symbolic import FoldReduction, locate_folds, reduce_fold
from ._common import add_format_argument, parse_assignments, to_json


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "normal-form",
        help="reduce x' = f(x, mu) at a fold to z' = ab (mu - mu0) + z^2",
        description=(
            "Fold reduction of a system given as SymPy expressions: left/right null vectors "
            "p, q (|q| = 1, p^T q = 1), a = p^T df/dmu, b = 1/2 p^T D^2 f[q, q], the invariant "
            "ab and the bottleneck time pi/sqrt(ab (mu - mu0)). Without --at the folds are "
            "located by solving f = 0 and det Df = 0."
        ),
    )
    parser.add_argument(
        "--equations", nargs="+", required=True, metavar="EXPR", help="f_1 ... f_n (SymPy syntax)"
    )
    parser.add_argument("--vars", nargs="+", required=True, metavar="NAME", help="x_1 ... x_n")
    parser.add_argument("--param", required=True, metavar="NAME", help="bifurcation parameter mu")
    parser.add_argument(
        "--at", nargs="+", metavar="NAME=VALUE", help="the fold point (every variable and mu)"
    )
    parser.add_argument(
        "--set", nargs="+", metavar="NAME=VALUE", help="values of the other parameters"
    )
    add_format_argument(parser)
    parser.set_defaults(handler=run)


def _number_or_text(value: sympy.Expr):
    if value.free_symbols:
        return str(value)
    number = complex(sympy.N(value, 17))
    if number.imag == 0:
        return number.real
    return {"real": number.real, "imag": number.imag}


def _float_or_none(value: sympy.Expr):
    return None if value.free_symbols else float(value)


def fold_payload(fold: FoldReduction) -> dict:
    """The JSON object of one fold (see the module docstring for the keys)."""
    at = {
        str(v): _number_or_text(value) for v, value in zip(fold.variables, fold.point, strict=True)
    }
    at[str(fold.parameter)] = _number_or_text(fold.parameter_value)
    return {
        "at": at,
        "a": _float_or_none(fold.unfolding_coefficient),
        "b": _float_or_none(fold.quadratic_coefficient),
        "ab": _float_or_none(fold.coefficient_product),
        "p": [_number_or_text(value) for value in fold.left_vector],
        "q": [_number_or_text(value) for value in fold.right_vector],
        "convention": fold.convention,
        "eigenvalues": [_number_or_text(value) for value in fold.eigenvalues],
        "exact": {
            "a": str(fold.unfolding_coefficient),
            "b": str(fold.quadratic_coefficient),
            "ab": str(fold.coefficient_product),
        },
        "canonical_parameter": str(fold.canonical_parameter.expression),
        "bottleneck_time": str(fold.bottleneck_time.expression),
    }


def _text(fold: FoldReduction) -> str:
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


def run(arguments) -> None:
    values = parse_assignments(arguments.set, "--set")
    if arguments.at:
        at = parse_assignments(arguments.at, "--at")
        folds = (
            reduce_fold(arguments.equations, arguments.vars, arguments.param, at=at, values=values),
        )
    else:
        folds = locate_folds(arguments.equations, arguments.vars, arguments.param, values=values)
    if arguments.format == "json":
        payloads = [fold_payload(fold) for fold in folds]
        print(to_json(payloads[0] if arguments.at else {"folds": payloads}))
    elif arguments.format == "latex":
        print("\n\n".join(fold.latex() for fold in folds))
    else:
        print("\n".join(_text(fold) for fold in folds))

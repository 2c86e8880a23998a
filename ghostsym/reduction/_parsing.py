"""The one parser for user text: Python's ``ast`` walked against an allow-list, building SymPy.

No user string ever reaches ``eval``, ``sympify`` or ``parse_expr``. The text is parsed by
``ast.parse`` (which only builds a tree and runs nothing), and the tree is walked node by node:
numbers, the declared names, the constants ``pi`` and ``E`` (unless declared as names), the
operators ``+ - * / **`` and unary ``+ -``, parentheses and calls of a fixed set of functions
(:data:`FUNCTIONS`) with one positional argument. Any other node (attribute access, subscripts,
lambdas, comprehensions, strings, keyword arguments, ...) is refused with a one-line
:class:`~ghostsym.errors.InvalidInputError` naming the option. Limits keep the work bounded:
text length, node count, nesting depth, and the size of numeric powers (``9**9**9**9`` is
refused before anything is computed).

Names SymPy reserves (``lambda``, ``E``, ``I``, ``S``, ``N``, ``Q``) are ordinary symbols
here once declared; ``lambda``, a Python keyword, is read through a placeholder.

>>> x, mu = sympy.symbols("x mu", real=True)
>>> parse_expression("mu + x**2 - 0.5*exp(-x)", {"x": x, "mu": mu}, option="--equations")
mu + x**2 - exp(-x)/2
>>> parse_expression("__import__('os')", {"x": x}, option="--at")
Traceback (most recent call last):
...
ghostsym.errors.InvalidInputError: --at: cannot read "__import__('os')": a call of \
'__import__' (allowed functions: Abs, abs, acos, asin, atan, cos, cosh, exp, log, sin, sinh, \
sqrt, tan, tanh)
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from collections.abc import Mapping

import sympy

from ..errors import InvalidInputError

#: The largest finite float64 number.
FLOAT64_MAXIMUM = 1.7976931348623157e308

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_TEXT_LENGTH",
    "MAX_NODES",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_DIGITS",
    "parse_expression",
    "parse_number",
    "parse_real",
    "check_name",
]

#: Functions a user expression may call, each with one argument.
FUNCTIONS = {
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "Abs": sympy.Abs,
    "abs": sympy.Abs,
}

#: Constants a user expression may name (a declared variable of the same name wins).
CONSTANTS = {"pi": sympy.pi, "E": sympy.E}

#: Longest text accepted (characters).
MAX_TEXT_LENGTH = 5000
#: Most syntax-tree nodes accepted in one expression.
MAX_NODES = 2000
#: Deepest nesting of operations accepted.
MAX_DEPTH = 50
#: Largest |exponent| of a power whose exponent is a number.
MAX_EXPONENT = 1000
#: Largest number of decimal digits a number (literal or numeric power) may have.
MAX_DIGITS = 1000

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_KEYWORD_PREFIX = "ghostsym_keyword_"

_OPERATORS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}


def check_name(name: str, option: str) -> str:
    """``name`` if it can name a variable or parameter (ASCII letters, digits, _), else raise.

    Python keywords such as ``lambda`` are accepted (they are read through a placeholder).
    Function names (``exp``, ``sin``, ...) are refused: they would shadow the function.

    >>> check_name("lambda", "--vars")
    'lambda'
    >>> check_name("exp", "--vars")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --vars: 'exp' is a function name; choose another name
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInputError(
            f"{option}: {name!r} is not a name (expected a letter followed by letters, digits "
            "or _, ASCII only)"
        )
    if name in FUNCTIONS:
        raise InvalidInputError(f"{option}: {name!r} is a function name; choose another name")
    if name.startswith(_KEYWORD_PREFIX):
        raise InvalidInputError(f"{option}: names starting with {_KEYWORD_PREFIX!r} are reserved")
    return name


class _FreeNames(dict):
    """Declared names, plus new real symbols for undeclared valid names (not constants)."""

    def __init__(self, names, option):
        super().__init__(names)
        self.option = option

    def __contains__(self, name):
        if dict.__contains__(self, name):
            return True
        if name in CONSTANTS or name in FUNCTIONS or not _NAME.match(name):
            return False
        if name.startswith(_KEYWORD_PREFIX):
            return False
        self[name] = sympy.Symbol(name, real=True)
        return True


class _Refused(Exception):
    """Internal: the walk met something not on the allow-list (message says what)."""


def _prepare(text: str, names: Mapping[str, sympy.Symbol], option: str) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"{option}: expected text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInputError(
            f"{option}: the expression is {len(text)} characters long; at most "
            f"{MAX_TEXT_LENGTH} are accepted"
        )
    bad = next((c for c in text if not (32 <= ord(c) < 127 or c in "\t")), None)
    if bad is not None:
        raise InvalidInputError(
            f"{option}: cannot read {_shown(text)}: character U+{ord(bad):04X} is not allowed "
            "(plain ASCII only)"
        )
    if not text.strip():
        raise InvalidInputError(f"{option}: the expression is empty")
    # Declared names that are Python keywords (lambda) are read through a placeholder.
    for name in names:
        if keyword.iskeyword(name):
            text = re.sub(rf"\b{name}\b", _KEYWORD_PREFIX + name, text)
    return text.strip()


def _shown(text: str) -> str:
    """The text quoted on one line: control and non-ASCII characters escaped, long text cut."""
    text = "".join(c if 32 <= ord(c) < 127 else f"\\u{ord(c):04x}" for c in text)
    shown = text if len(text) <= 80 else text[:77] + "..."
    return '"' + shown.replace('"', "'") + '"' if "'" in shown else repr(shown)


def parse_expression(
    text: str,
    names: Mapping[str, sympy.Symbol],
    *,
    option: str,
    free_names: bool = False,
) -> sympy.Expr:
    """The SymPy expression ``text`` denotes, with ``names`` the only names it may use.

    ``option`` (e.g. ``"--equations"``, ``"equation 2"``) starts every error message. Numbers
    are exact: ``0.1`` is ``1/10``. With ``free_names`` an undeclared name (checked by
    :func:`check_name`) becomes a new real symbol, a free parameter; otherwise it is refused.
    See the module docstring for what is allowed.

    >>> lam = sympy.Symbol("lambda", real=True)
    >>> parse_expression("-lambda**2 + 2^3", {"lambda": lam}, option="--equations")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --equations: cannot read '-lambda**2 + 2^3': ^ is not \
a power here; write ** for powers
    >>> parse_expression("-lambda**2 + 2**3", {"lambda": lam}, option="--equations")
    8 - lambda**2
    """
    if not isinstance(names, Mapping):
        raise InvalidInputError(
            f"{option}: names must map each allowed name to its SymPy symbol, "
            f"got {type(names).__name__}"
        )
    prepared = _prepare(text, names, option)
    try:
        tree = ast.parse(prepared, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        reason = getattr(error, "msg", None) or type(error).__name__
        raise InvalidInputError(
            f"{option}: cannot parse {_shown(text)} ({' '.join(str(reason).split())})"
        ) from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise InvalidInputError(
            f"{option}: the expression has {count} syntax nodes; at most {MAX_NODES} are accepted"
        )
    lookup = {
        (_KEYWORD_PREFIX + name if keyword.iskeyword(name) else name): symbol
        for name, symbol in names.items()
    }
    if free_names:
        lookup = _FreeNames(lookup, option)
    try:
        result = _build(tree.body, lookup, 0)
    except _Refused as refusal:
        raise InvalidInputError(f"{option}: cannot read {_shown(text)}: {refusal}") from None
    except (RecursionError, MemoryError, OverflowError, ZeroDivisionError) as error:
        raise InvalidInputError(
            f"{option}: cannot read {_shown(text)} ({type(error).__name__})"
        ) from None
    if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise InvalidInputError(f"{option}: {_shown(text)} is not finite (division by zero?)")
    return result


def parse_number(text: str, names: Mapping[str, sympy.Symbol] | None = None, *, option: str):
    """An exact SymPy number (or expression in ``names``) from ``text``, e.g. ``"2*pi"``.

    >>> parse_number("0.25", option="--at x")
    1/4
    >>> parse_number("x", option="--at mu")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --at mu: cannot read 'x': unknown name 'x' (expected a \
number; constants pi, E and functions such as exp are allowed)
    """
    return parse_expression(text, dict(names or {}), option=option)


def parse_real(text: str, *, option: str) -> sympy.Expr:
    """An exact real number from ``text`` whose size float64 can hold (|x| <= 1.8e308).

    The numerics downstream run in float64, so a value such as ``exp(710)`` (2.2e308, finite
    as an exact number) would become inf there: it is refused here instead.

    >>> parse_real("2*pi", option="--set k")
    2*pi
    >>> parse_real("exp(710)", option="--set k")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --set k: 'exp(710)' = 2.23e+308 is outside the float64 \
range (|value| <= 1.80e+308)
    """
    number = parse_number(text, option=option)
    if not (number.is_number and number.is_extended_real):
        raise InvalidInputError(f"{option}: {text!r} is not a real number")
    if sympy.N(abs(number), 30) > sympy.Float(FLOAT64_MAXIMUM, 30):
        raise InvalidInputError(
            f"{option}: {text!r} = {sympy.N(number, 3)} is outside the float64 range "
            f"(|value| <= {FLOAT64_MAXIMUM:.2e})"
        )
    return number


def _unknown_name(name: str, names: Mapping[str, sympy.Symbol]) -> str:
    known = sorted(
        name[len(_KEYWORD_PREFIX) :] if name.startswith(_KEYWORD_PREFIX) else name for name in names
    )
    if name.startswith(_KEYWORD_PREFIX):
        name = name[len(_KEYWORD_PREFIX) :]
    if known:
        return (
            f"unknown name {name!r} (declared: {', '.join(known)}; constants pi, E; functions "
            "such as exp)"
        )
    return (
        f"unknown name {name!r} (expected a number; constants pi, E and functions such as "
        "exp are allowed)"
    )


def _number(value) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Refused(f"the literal {value!r} is not a real number")
    if isinstance(value, int):
        if value.bit_length() > MAX_DIGITS * 3.33:
            raise _Refused(f"a number with more than {MAX_DIGITS} digits")
        return sympy.Integer(value)
    if not math.isfinite(value):
        raise _Refused(f"the number {value!r} is not finite")
    return sympy.Rational(repr(value))


def _digits(value: sympy.Expr) -> float:
    """log10 of |value| for a nonzero number (0 for zero)."""
    if value.is_zero:
        return 0.0
    if value.is_Integer:
        return len(str(abs(int(value))))
    if value.is_Rational:
        return max(len(str(abs(value.p))), len(str(value.q)))
    magnitude = abs(sympy.N(value, 15))
    try:
        return abs(math.log10(float(magnitude))) if magnitude else 0.0
    except (OverflowError, ValueError, TypeError):
        return math.inf


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    if exponent.is_Number:
        if abs(exponent) > MAX_EXPONENT:
            raise _Refused(f"an exponent of {exponent} (at most {MAX_EXPONENT} in size)")
        if base.is_Number and not base.is_zero:
            if _digits(base) * float(abs(exponent)) > MAX_DIGITS:
                raise _Refused(f"a power with more than {MAX_DIGITS} digits")
        if base.is_zero and exponent.is_negative:
            raise _Refused("0 to a negative power")
    return sympy.Pow(base, exponent)


def _build(node: ast.AST, names: Mapping[str, sympy.Symbol], depth: int) -> sympy.Expr:
    if depth > MAX_DEPTH:
        raise _Refused(f"nesting deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise _Refused(f"{node.id!r} is a function; call it as {node.id}(...)")
        raise _Refused(_unknown_name(node.id, names))
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, names, depth + 1)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise _Refused(f"the operator {type(node.op).__name__} (allowed: + - * / ** and unary -)")
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            raise _Refused("^ is not a power here; write ** for powers")
        if type(node.op) not in _OPERATORS:
            raise _Refused(
                f"the operator {type(node.op).__name__} (allowed: + - * / ** and unary -)"
            )
        left = _build(node.left, names, depth + 1)
        right = _build(node.right, names, depth + 1)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right.is_zero:
                raise _Refused("division by zero")
            return left / right
        return _power(left, right)
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name is None or name not in FUNCTIONS or name in names:
            called = name if name is not None else type(node.func).__name__.lower()
            allowed = ", ".join(sorted(FUNCTIONS, key=str.lower))
            if called == "attribute":
                raise _Refused(f"attribute access (.) not allowed (allowed functions: {allowed})")
            raise _Refused(f"a call of {called!r} (allowed functions: {allowed})")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _Refused(f"{name} takes exactly one argument, without keywords")
        return FUNCTIONS[name](_build(node.args[0], names, depth + 1))
    described = {
        ast.Attribute: "attribute access (.)",
        ast.Subscript: "subscripts ([])",
        ast.Lambda: "lambda expressions",
        ast.Compare: "comparisons",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.NamedExpr: "assignment (:=)",
        ast.JoinedStr: "f-strings",
        ast.Tuple: "tuples (,)",
        ast.List: "lists",
    }
    what = described.get(type(node), type(node).__name__)
    raise _Refused(f"{what} not allowed (only numbers, declared names, + - * / ** and functions)")

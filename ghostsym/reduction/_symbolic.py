"""Symbolic normal-form reduction of x' = f(x, mu) at folds and at slow points (ghosts).

**Fold.** At (x0, mu0) with f = 0 and a simple zero eigenvalue of Df, let q, p be the right and
left null vectors (convention: |q| = 1, p^T q = 1, first nonzero entry of q positive). Then
y = p^T (x - x0) obeys y' = a (mu - mu0) + b y^2 + ..., with a = p^T df/dmu and
b = 1/2 p^T D^2 f[q, q], and z = b y obeys z' = ab (mu - mu0) + z^2: the canonical parameter
is r(mu) = ab (mu - mu0) and the bottleneck time pi / sqrt(ab (mu - mu0)). Only ab (and its
sign) is invariant; a and b alone depend on how q is scaled.

**Ghost.** At a slow point x_g (a local minimum of q(x) = 1/2 |f(x)|^2), with lambda the
eigenvalue of Df(x_g) nearest zero and p, q its vectors, y' = d + lambda y + b y^2 with
d = p^T f(x_g); completing the square (``_normal_form``) gives r = b d - lambda^2/4.

Everything here is SymPy (exact where the input is exact) and mpmath (slow points at
``precision`` digits); no JAX.

>>> x, mu = sympy.symbols("x mu", real=True)
>>> fold = reduce_fold([mu + x**2], [x], mu, at={x: 0, mu: 0})
>>> fold.a, fold.b, fold.ab
(1.0, 1.0, 1.0)
>>> fold.bottleneck_time.expression
pi/sqrt(mu)
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
import sympy

from .. import notation
from ..errors import InvalidInputError, require_finite
from ..expressions import DerivedExpression
from ..theory._canonical import canonical_form
from ._errors import (
    ComplexSlowEigenvalueError,
    FixedPointNotGhostError,
    MinimisationDidNotConvergeError,
    NonSimpleZeroEigenvalueError,
    NotAFoldError,
    NotASlowPointError,
    UndefinedVectorFieldError,
    UnresolvedSlowPointError,
    VanishingQuadraticCoefficientError,
    VanishingUnfoldingCoefficientError,
)
from ._normal_form import slow_point_canonical_parameter
from ._parsing import check_name, parse_expression, parse_number, parse_real

__all__ = [
    "CONVENTION",
    "FoldReduction",
    "GhostReduction",
    "fold_canonical_parameter",
    "fold_bottleneck_time",
    "reduce_fold",
    "locate_folds",
    "reduce_ghost",
    "parse_system",
]

#: How the null/eigen vectors are normalised (a and b depend on it; ab does not).
CONVENTION = "Df q = lambda q, p^T Df = lambda p^T, |q| = 1, p^T q = 1, first nonzero q_i > 0"


# --- derived formulas ----------------------------------------------------------------------
@cache
def fold_canonical_parameter() -> DerivedExpression:
    """r = ab (mu - mu0): r = b d - lambda^2/4 (slow point) at d = a (mu - mu0), lambda = 0.

    >>> fold_canonical_parameter().latex()
    'r = a b \\\\left(\\\\mu - \\\\mu_0\\\\right)'
    """
    a, b = notation.unfolding_coefficient, notation.quadratic_coefficient
    general = slow_point_canonical_parameter().expression
    at_fold = general.subs(
        {notation.drift: a * (notation.mu - notation.mu0), notation.eigenvalue: 0}
    )
    return DerivedExpression(
        "r",
        sympy.factor(at_fold),
        (a, b, notation.mu, notation.mu0),
        "canonical parameter of a fold: z = b p^T (x - x0) obeys z' = r + z^2",
    )


@cache
def fold_bottleneck_time() -> DerivedExpression:
    """pi / sqrt(ab (mu - mu0)): the bottleneck time at the fold's canonical parameter.

    >>> fold_bottleneck_time().expression
    pi/sqrt(a*b*(mu - mu_0))
    """
    fold_r = fold_canonical_parameter()
    time = canonical_form().bottleneck_time
    return DerivedExpression(
        time.name,
        time.expression.subs(notation.r, fold_r.expression),
        fold_r.arguments,
        "bottleneck time of the fold's normal form (ab (mu - mu0) > 0)",
    )


# --- input handling ------------------------------------------------------------------------
def _symbol(name_or_symbol, option: str = "variables") -> sympy.Symbol:
    if isinstance(name_or_symbol, sympy.Symbol):
        return name_or_symbol
    if isinstance(name_or_symbol, str):
        return sympy.Symbol(check_name(name_or_symbol, option), real=True)
    raise InvalidInputError(f"{option}: expected a SymPy symbol or a name, got {name_or_symbol!r}")


def _exact(name: str, value, names: Mapping[str, sympy.Symbol] | None = None) -> sympy.Expr:
    """An exact SymPy number: floats are read as the exact decimal they print as."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool):
        raise InvalidInputError(f"{name} must be a number, got {value!r}")
    if isinstance(value, numbers.Integral | np.integer):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Real | np.floating):
        return sympy.Rational(repr(require_finite(name, float(value))))
    if isinstance(value, str):
        return parse_number(value, names, option=name) if names else parse_real(value, option=name)
    raise InvalidInputError(f"{name} must be a number or a SymPy expression, got {value!r}")


#: How the API names its inputs in error messages; the command line passes its option names.
API_OPTION_NAMES = {
    "equations": "equation",
    "variables": "variables",
    "parameter": "parameter",
    "values": "values",
    "at": "at",
    "near": "near",
}


def _options(option_names: Mapping[str, str] | None) -> dict[str, str]:
    return {**API_OPTION_NAMES, **dict(option_names or {})}


def parse_system(
    equations: Sequence,
    variables: Sequence,
    parameter=None,
    values: Mapping | None = None,
    *,
    option_names: Mapping[str, str] | None = None,
) -> tuple[sympy.ImmutableMatrix, tuple[sympy.Symbol, ...], sympy.Symbol | None]:
    """(f, variables, parameter) with f a column of SymPy expressions and ``values`` substituted.

    ``equations`` are SymPy expressions or strings, read by the safe parser
    (:func:`~ghostsym.reduction._parsing.parse_expression`: numbers, names, ``+ - * / **``, and
    exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, Abs; nothing is evaluated as Python).
    Names resolve to ``variables``, ``parameter`` and the keys of ``values``; any other name
    is a free parameter. ``values`` maps symbols or names to numbers or number text (floats are
    read as exact decimals, so ``0.5`` is ``1/2``). ``option_names`` renames the inputs in
    error messages (the command line passes ``{"values": "--set", ...}``).

    >>> f, variables, mu = parse_system(["mu + x**2 + k*y", "-y"], ["x", "y"], "mu", {"k": 0.5})
    >>> f.T, variables, mu
    (Matrix([[mu + x**2 + y/2, -y]]), (x, y), mu)
    >>> parse_system(["lambda - x**2"], ["x"], "lambda")[0]
    Matrix([[lambda - x**2]])
    """
    options = _options(option_names)
    variable_symbols = tuple(_symbol(variable, options["variables"]) for variable in variables)
    if not variable_symbols:
        raise InvalidInputError(f"{options['variables']}: at least one variable is needed")
    if len(set(variable_symbols)) != len(variable_symbols):
        raise InvalidInputError(
            f"{options['variables']}: variables must be distinct, got "
            f"{[str(v) for v in variable_symbols]}"
        )
    parameter_symbol = None if parameter is None else _symbol(parameter, options["parameter"])
    if parameter_symbol is not None and parameter_symbol in variable_symbols:
        raise InvalidInputError(f"{options['parameter']}: {parameter_symbol} is also a variable")
    names: dict[str, sympy.Symbol] = {symbol.name: symbol for symbol in variable_symbols}
    if parameter_symbol is not None:
        names[parameter_symbol.name] = parameter_symbol
    substitutions: dict[sympy.Symbol, sympy.Expr] = {}
    for key, value in (values or {}).items():
        symbol = _symbol(key, options["values"])
        if symbol.name in names:
            role = (
                f"the bifurcation parameter ({options['parameter']}); give its value with "
                f"{options['at']}"
                if parameter_symbol is not None and symbol.name == parameter_symbol.name
                else f"a variable ({options['variables']}); {options['values']} gives parameters"
            )
            raise InvalidInputError(f"{options['values']} {symbol.name}: {symbol.name} is {role}")
        symbol = names[symbol.name] = sympy.Symbol(symbol.name, real=True)
        substitutions[symbol] = _exact(f"{options['values']} {symbol}", value, {})
    if isinstance(equations, str | sympy.Basic):
        equations = [equations]
    if len(equations) != len(variable_symbols):
        raise InvalidInputError(
            f"{options['equations']}: need one equation per variable, got {len(equations)} for "
            f"{len(variable_symbols)} variables {[str(v) for v in variable_symbols]}"
        )
    parsed = []
    for index, equation in enumerate(equations):
        where = f"{options['equations']} {index + 1}"
        if isinstance(equation, str):
            equation = parse_expression(equation, names, option=where, free_names=True)
        elif isinstance(equation, numbers.Number) and not isinstance(equation, bool):
            equation = _exact(where, equation)
        if not isinstance(equation, sympy.Expr):
            raise InvalidInputError(f"{where} must be a SymPy expression or text")
        # Strings name symbols without assumptions; map them onto the real symbols.
        renames = {
            symbol: names[symbol.name]
            for symbol in equation.free_symbols
            if symbol.name in names and symbol != names[symbol.name]
        }
        parsed.append(equation.subs(renames))
    used = {symbol.name for equation in parsed for symbol in equation.free_symbols}
    unused = sorted(symbol.name for symbol in substitutions if symbol.name not in used)
    if unused:
        declared = {symbol.name for symbol in variable_symbols}
        if parameter_symbol is not None:
            declared.add(parameter_symbol.name)
        free = sorted(used - declared)
        raise InvalidInputError(
            f"{options['values']} names {', '.join(unused)}, which "
            f"{'does' if len(unused) == 1 else 'do'} not appear in the equations "
            + (f"(parameters there: {', '.join(free)})" if free else "(they have no parameters)")
        )
    parsed = [equation.subs(substitutions) for equation in parsed]
    return sympy.ImmutableMatrix(parsed), variable_symbols, parameter_symbol


def _is_zero(expression: sympy.Expr) -> bool:
    return sympy.simplify(expression) == 0


def _numeric_eigenvalues(matrix: sympy.MatrixBase, precision: int) -> tuple[sympy.Expr, ...]:
    """Eigenvalues sorted by modulus: mpmath at ``precision`` digits if numeric, else exact."""
    if matrix.free_symbols:
        if matrix.shape[0] > 4:  # no closed-form roots in general; don't pretend
            return ()
        eigenvalues = []
        for value, multiplicity in matrix.eigenvals().items():
            eigenvalues.extend([value] * multiplicity)
        return tuple(eigenvalues)
    with mpmath.workdps(precision + 10):
        values = mpmath.eig(
            mpmath.matrix(matrix.evalf(precision + 10).tolist()), left=False, right=False
        )
        if isinstance(values, tuple):  # mpmath returns (E, EL, ER) for 1 x 1 matrices
            values = values[0]
        chopped = [mpmath.chop(value, tol=mpmath.mpf(10) ** (-(precision - 5))) for value in values]
        chopped.sort(key=lambda value: float(abs(value)))
        return tuple(_to_sympy(value, precision) for value in chopped)


def _to_sympy(value, precision: int) -> sympy.Expr:
    value = mpmath.mpmathify(value)
    if isinstance(value, mpmath.mpc):
        if value.imag == 0:
            return sympy.Float(value.real, precision)
        return sympy.Float(value.real, precision) + sympy.I * sympy.Float(value.imag, precision)
    return sympy.Float(value, precision)


def _vector_latex(values: Sequence[sympy.Expr]) -> str:
    return notation.latex(sympy.Matrix([list(values)]).T)


def _sign_convention(vector: list) -> list:
    """Flip ``vector`` so its first nonzero entry is positive (exact comparison)."""
    for entry in vector:
        if entry.is_zero:
            continue
        if entry.is_negative:
            return [-value for value in vector]
        return vector
    return vector


# --- fold reduction ------------------------------------------------------------------------
@dataclass(frozen=True)
class FoldReduction:
    """Normal form of x' = f(x, mu) at a fold (x0, mu0), exact:

        z = b p^T (x - x0)  obeys  z' = ab (mu - mu0) + z^2,
        a = p^T df/dmu,  b = 1/2 p^T D^2 f[q, q],  bottleneck time pi / sqrt(ab (mu - mu0)).

    Convention (:data:`CONVENTION`): Df q = 0, p^T Df = 0, |q| = 1, p^T q = 1, first nonzero
    entry of q positive. ``a``, ``b``, ``ab`` are float views of the exact
    ``unfolding_coefficient``, ``quadratic_coefficient`` and ``coefficient_product``.

    Attributes:
        equations: f, one SymPy expression per variable (``values`` substituted).
        variables: the state symbols x.
        parameter: mu.
        point: x0 (exact).
        parameter_value: mu0 (exact).
        jacobian: Df(x0, mu0).
        eigenvalues: eigenvalues of Df(x0, mu0), sorted by modulus (30-digit numbers; exact
            if free symbols remain and n <= 4; empty otherwise).
        left_vector: p.
        right_vector: q.
        parameter_derivative: df/dmu at the fold.
        second_derivative: D^2 f[q, q] at the fold.
        unfolding_coefficient: a (exact).
        quadratic_coefficient: b (exact).
        coefficient_product: ab (exact).
        canonical_parameter: r(mu) = ab (mu - mu0).
        bottleneck_time: pi / sqrt(ab (mu - mu0)), valid where ab (mu - mu0) > 0.
    """

    equations: tuple[sympy.Expr, ...]
    variables: tuple[sympy.Symbol, ...]
    parameter: sympy.Symbol
    point: tuple[sympy.Expr, ...]
    parameter_value: sympy.Expr
    jacobian: sympy.ImmutableMatrix
    eigenvalues: tuple[sympy.Expr, ...]
    left_vector: tuple[sympy.Expr, ...]
    right_vector: tuple[sympy.Expr, ...]
    parameter_derivative: tuple[sympy.Expr, ...]
    second_derivative: tuple[sympy.Expr, ...]
    unfolding_coefficient: sympy.Expr
    quadratic_coefficient: sympy.Expr
    coefficient_product: sympy.Expr
    canonical_parameter: DerivedExpression
    bottleneck_time: DerivedExpression

    convention = CONVENTION

    # --- float views ----------------------------------------------------------------------
    def _float(self, name: str, value: sympy.Expr) -> float:
        if value.free_symbols:
            names = ", ".join(sorted(map(str, value.free_symbols)))
            raise InvalidInputError(
                f"{name} = {value} still depends on {names}; give them values to get a number"
            )
        return float64(name, value)

    @property
    def a(self) -> float:
        """a = p^T df/dmu as a float."""
        return self._float("a", self.unfolding_coefficient)

    @property
    def b(self) -> float:
        """b = 1/2 p^T D^2 f[q, q] as a float."""
        return self._float("b", self.quadratic_coefficient)

    @property
    def ab(self) -> float:
        """The invariant ab as a float."""
        return self._float("ab", self.coefficient_product)

    def point_values(self) -> tuple[np.ndarray, float]:
        """(x0, mu0) as float64."""
        x0 = np.array(
            [
                self._float(str(v), value)
                for v, value in zip(self.variables, self.point, strict=True)
            ]
        )
        return x0, self._float(str(self.parameter), self.parameter_value)

    def predicted_bottleneck_time(self, parameter_value: float) -> float:
        """pi / sqrt(ab (mu - mu0)) at mu = ``parameter_value``; DegenerateError where r <= 0.

        >>> x, mu = sympy.symbols("x mu", real=True)
        >>> round(reduce_fold([mu + x**2], [x], mu, at={x: 0, mu: 0})
        ...       .predicted_bottleneck_time(0.01), 6)
        31.415927
        """
        from ..errors import DegenerateError
        from ._results import classify_canonical_parameter

        value = require_finite("mu", parameter_value)
        r = self._float("r", self.canonical_parameter.expression.subs(self.parameter, value))
        kind, time = classify_canonical_parameter(r)
        if kind != "ghost":
            raise DegenerateError(
                f"r = ab (mu - mu0) = {r:.6g} <= 0 at mu = {value!r}: the fold's node-saddle "
                "pair blocks the passage (no bottleneck time)"
            )
        return time

    def projected_coefficients(self, vector: Sequence) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr]:
        """Exact (a, b, ab) from projecting with ``vector`` w (scaled to w^T q = 1) instead of p.

        Only w = p gives the normal form; for a non-normal Df, w = q gives a wrong ab.
        """
        w = sympy.Matrix(list(vector))
        q = sympy.Matrix(self.right_vector)
        scale = (w.T * q)[0]
        if _is_zero(scale):
            raise InvalidInputError("the projection vector is orthogonal to q (w^T q = 0)")
        w = w / scale
        a = sympy.simplify((w.T * sympy.Matrix(self.parameter_derivative))[0])
        b = sympy.simplify((w.T * sympy.Matrix(self.second_derivative))[0] / 2)
        return a, b, sympy.simplify(a * b)

    def to_json(self) -> dict:
        """JSON-ready dict: ``at``, ``a``, ``b``, ``ab`` (null while free symbols remain),
        ``p``, ``q``, ``convention``, ``eigenvalues`` (numbers, {"real", "imag"} or text),
        ``exact`` (SymPy text of a, b, ab), ``canonical_parameter``, ``bottleneck_time``.

        >>> x, mu = sympy.symbols("x mu", real=True)
        >>> reduce_fold([mu + x**2], [x], mu, at={x: 0, mu: 0}).to_json()["exact"]
        {'a': '1', 'b': '1', 'ab': '1'}
        """

        def number_or_text(value, name="a coordinate"):
            if value.free_symbols:
                return str(value)
            real, imaginary = sympy.N(value, 17).as_real_imag()
            real = float64(name, real, underflow=False)
            if imaginary == 0:
                return real
            return {"real": real, "imag": float64(name, imaginary, underflow=False)}

        def float_or_none(value, name):
            return None if value.free_symbols else float64(name, value)

        at = {
            str(v): number_or_text(value)
            for v, value in zip(self.variables, self.point, strict=True)
        }
        at[str(self.parameter)] = number_or_text(self.parameter_value)
        return {
            "at": at,
            "a": float_or_none(self.unfolding_coefficient, "a"),
            "b": float_or_none(self.quadratic_coefficient, "b"),
            "ab": float_or_none(self.coefficient_product, "ab"),
            "p": [number_or_text(value) for value in self.left_vector],
            "q": [number_or_text(value) for value in self.right_vector],
            "convention": self.convention,
            "eigenvalues": [number_or_text(value) for value in self.eigenvalues],
            "exact": {
                "a": str(self.unfolding_coefficient),
                "b": str(self.quadratic_coefficient),
                "ab": str(self.coefficient_product),
            },
            "canonical_parameter": str(self.canonical_parameter.expression),
            "bottleneck_time": str(self.bottleneck_time.expression),
        }

    # --- presentation ---------------------------------------------------------------------
    def latex(self) -> str:
        """LaTeX: the fold point, p, q, a, b, ab, r(mu) and the bottleneck time."""
        point = ",\\ ".join(
            f"{notation.latex(v)} = {notation.latex(value)}"
            for v, value in zip(self.variables, self.point, strict=True)
        )
        mu_name = notation.latex(self.parameter)
        return (
            "\\begin{aligned}"
            f"&\\text{{fold at }} {point},\\ {mu_name} = {notation.latex(self.parameter_value)}"
            " \\\\"
            f"&p = {_vector_latex(self.left_vector)},\\quad "
            f"q = {_vector_latex(self.right_vector)} \\\\"
            f"&a = {notation.latex(self.unfolding_coefficient)},\\quad "
            f"b = {notation.latex(self.quadratic_coefficient)},\\quad "
            f"ab = {notation.latex(self.coefficient_product)} \\\\"
            f"&{self.canonical_parameter.latex()},\\quad {self.bottleneck_time.latex()}"
            "\\end{aligned}"
        )

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


def reduce_fold(
    equations: Sequence,
    variables: Sequence,
    parameter,
    at: Mapping | None = None,
    values: Mapping | None = None,
    *,
    precision: int = 30,
    option_names: Mapping[str, str] | None = None,
) -> FoldReduction:
    """Reduce x' = f(x, mu) at the fold ``at`` = {x_i: x0_i, ..., mu: mu0} (exact arithmetic).

    Without ``at`` the fold is located (:func:`locate_folds`); that must give exactly one.
    Raises a named :class:`~ghostsym.DegenerateError` subclass when the point is not a fold
    (:class:`NotAFoldError`, with the eigenvalues), the zero eigenvalue is not simple, b = 0
    (transcritical / pitchfork / cusp) or a = 0 (mu does not unfold the fold).

    >>> x, mu = sympy.symbols("x mu", real=True)
    >>> fold = reduce_fold([mu - x**2 + x**3], [x], mu, at={x: 0, mu: 0})
    >>> fold.coefficient_product, fold.canonical_parameter.expression
    (-1, -mu)
    >>> reduce_fold([mu * x - x**3], [x], mu, at={x: 0, mu: 0})
    Traceback (most recent call last):
    ...
    ghostsym.reduction._errors.VanishingQuadraticCoefficientError: b = 0 at the fold...
    """
    options = _options(option_names)
    f, variable_symbols, mu = parse_system(
        equations, variables, parameter, values, option_names=option_names
    )
    if mu is None:
        raise InvalidInputError(f"a fold reduction needs the bifurcation {options['parameter']}")
    if at is None:
        folds = locate_folds(f, variable_symbols, mu, precision=precision)
        if len(folds) != 1:
            where = "; ".join(_fold_point_text(fold) for fold in folds)
            raise InvalidInputError(
                f"found {len(folds)} folds ({where}); pass `at` to choose one or use locate_folds"
            )
        return folds[0]
    names = {symbol.name: symbol for symbol in (*variable_symbols, mu)}
    point = {}
    for key, value in at.items():
        symbol = names.get(key) if isinstance(key, str) else key
        if symbol not in names.values():
            raise InvalidInputError(
                f"{options['at']} names {key!r}, which is not a variable or the parameter"
            )
        point[symbol] = _exact(f"{options['at']} {symbol}", value, {})
    missing = [str(symbol) for symbol in (*variable_symbols, mu) if symbol not in point]
    if missing:
        raise InvalidInputError(
            f"{options['at']} must give every variable and the parameter; missing {missing}"
        )
    return _reduce_fold_at(f, variable_symbols, mu, point, precision)


def _fold_point_text(fold: FoldReduction) -> str:
    coordinates = ", ".join(
        f"{v}={value}" for v, value in zip(fold.variables, fold.point, strict=True)
    )
    return f"{coordinates}, {fold.parameter}={fold.parameter_value}"


def _reduce_fold_at(f, variables, mu, point, precision) -> FoldReduction:
    where = ", ".join(f"{symbol}={value}" for symbol, value in point.items())
    # xreplace: a structural (simultaneous) substitution, much faster than subs here
    residual = [sympy.simplify(entry.xreplace(point)) for entry in f]
    if any(value != 0 for value in residual):
        raise NotAFoldError(
            f"not a fold: f = {residual} != 0 at {where}, so the point is not an equilibrium "
            "(for a slow point that is not a fixed point, use the ghost reduction)"
        )
    jacobian = sympy.ImmutableMatrix(sympy.simplify(f.jacobian(variables).xreplace(point)))
    eigenvalues = _numeric_eigenvalues(jacobian, precision)
    right = jacobian.nullspace(simplify=True)
    if not right:
        raise NotAFoldError(
            f"not a fold: Df has no eigenvalue at zero at {where}; eigenvalues "
            f"{[sympy.N(value, 8) for value in eigenvalues]}"
        )
    if len(right) > 1:
        raise NonSimpleZeroEigenvalueError(
            f"the zero eigenvalue is not simple at {where}: Df has {len(right)} independent null "
            f"vectors (eigenvalues {[sympy.N(value, 8) for value in eigenvalues]})"
        )
    left = jacobian.T.nullspace(simplify=True)
    q = list(right[0])
    norm = sympy.sqrt(sum(entry**2 for entry in q))
    q = _sign_convention([sympy.radsimp(sympy.simplify(entry / norm)) for entry in q])
    w = list(left[0])
    overlap = sympy.simplify(sum(wi * qi for wi, qi in zip(w, q, strict=True)))
    if overlap == 0:
        raise NonSimpleZeroEigenvalueError(
            f"the zero eigenvalue is not simple at {where}: p^T q = 0 (a Jordan block, algebraic "
            "multiplicity >= 2)"
        )
    p = [sympy.radsimp(sympy.simplify(entry / overlap)) for entry in w]
    parameter_derivative = [sympy.simplify(entry.diff(mu).xreplace(point)) for entry in f]
    # D^2 f[q, q] = d^2/dt^2 f(x0 + t q) at t = 0 (no n x n Hessian per component needed)
    along = sympy.Dummy("t", real=True)
    on_line = {v: point[v] + along * qi for v, qi in zip(variables, q, strict=True)}
    on_line[mu] = point[mu]
    second = [
        sympy.simplify(entry.xreplace(on_line).diff(along, 2).xreplace({along: 0})) for entry in f
    ]
    a = sympy.radsimp(
        sympy.simplify(sum(pi * gi for pi, gi in zip(p, parameter_derivative, strict=True)))
    )
    b = sympy.radsimp(sympy.simplify(sum(pi * hi for pi, hi in zip(p, second, strict=True)) / 2))
    if _is_zero(b):
        extra = " (a = 0 too: mu does not unfold it either)" if _is_zero(a) else ""
        raise VanishingQuadraticCoefficientError(
            f"b = 0 at the fold {where}: a transcritical, pitchfork or cusp degeneracy, not a "
            f"saddle-node fold{extra}"
        )
    if _is_zero(a):
        raise VanishingUnfoldingCoefficientError(
            f"a = p^T df/d{mu} = 0 at the fold {where}: {mu} does not unfold the fold "
            "(r does not change with it to first order)"
        )
    product = sympy.radsimp(sympy.simplify(a * b))
    mu0 = point[mu]
    general_r = fold_canonical_parameter()
    general_time = fold_bottleneck_time()
    substitution = {
        notation.unfolding_coefficient: a,
        notation.quadratic_coefficient: b,
        notation.mu: mu,
        notation.mu0: mu0,
    }
    free = sorted(
        (f.free_symbols | product.free_symbols) - set(variables) - {mu}, key=lambda s: s.name
    )
    arguments = (mu, *free)
    r_expression = general_r.expression.subs(substitution, simultaneous=True)
    time_expression = general_time.expression.subs(substitution, simultaneous=True)
    return FoldReduction(
        equations=tuple(f),
        variables=tuple(variables),
        parameter=mu,
        point=tuple(point[v] for v in variables),
        parameter_value=mu0,
        jacobian=jacobian,
        eigenvalues=eigenvalues,
        left_vector=tuple(p),
        right_vector=tuple(q),
        parameter_derivative=tuple(parameter_derivative),
        second_derivative=tuple(second),
        unfolding_coefficient=a,
        quadratic_coefficient=b,
        coefficient_product=product,
        canonical_parameter=DerivedExpression(
            "r", r_expression, arguments, "canonical parameter r(mu) = ab (mu - mu0)"
        ),
        bottleneck_time=DerivedExpression(
            general_time.name, time_expression, arguments, general_time.description
        ),
    )


def locate_folds(
    equations: Sequence,
    variables: Sequence,
    parameter,
    values: Mapping | None = None,
    *,
    skip_degenerate: bool = False,
    precision: int = 30,
) -> tuple[FoldReduction, ...]:
    """Every real fold of x' = f(x, mu): solve f = 0 together with det Df = 0 for (x0, mu0).

    ``sympy.solve`` gives exact folds, each reduced with :func:`reduce_fold`. Where it finds
    nothing (which proves nothing), :func:`~ghostsym.reduction.find_folds` takes over (Gröbner
    basis and real-root isolation, then a numeric search) and its folds are returned, exact
    or :class:`~ghostsym.NumericFoldReduction`; "no real solution" is said only when a
    Gröbner basis proved it. A degenerate solution (e.g. a cusp or pitchfork point) raises
    its named error unless ``skip_degenerate`` drops it. Sorted by mu0.

    >>> x, mu = sympy.symbols("x mu", real=True)
    >>> [(fold.point, fold.parameter_value, fold.coefficient_product)
    ...  for fold in locate_folds([mu - x**2 + x**3], [x], mu)]
    [((0,), 0, -1), ((2/3,), 4/27, 1)]
    """
    from ..errors import DegenerateError

    f, variable_symbols, mu = parse_system(equations, variables, parameter, values)
    if mu is None:
        raise InvalidInputError("locating folds needs the bifurcation parameter")
    unknowns = [*variable_symbols, mu]
    system = [*f, f.jacobian(variable_symbols).det()]
    try:
        solutions = sympy.solve(system, unknowns, dict=True)
    except NotImplementedError:
        solutions = []
    if not solutions:  # sympy.solve proves nothing: ask the Gröbner basis and numerics
        return _located_by_search(f, variable_symbols, mu, skip_degenerate)
    folds = []
    for solution in solutions:
        if any(symbol not in solution for symbol in unknowns):
            raise InvalidInputError(
                f"the folds are not isolated: {solution} leaves some unknowns free; fix more "
                "parameters with `values`"
            )
        point = {symbol: sympy.simplify(solution[symbol]) for symbol in unknowns}
        if any(_is_complex(value) for value in point.values()):
            continue
        try:
            folds.append(_reduce_fold_at(f, variable_symbols, mu, point, precision))
        except DegenerateError:
            if not skip_degenerate:
                raise
    if not folds and not skip_degenerate:
        raise NotAFoldError(
            f"no real fold: the real solutions sympy.solve found of f = 0, det Df = 0 for "
            f"{unknowns} are all degenerate"
        )
    folds.sort(key=lambda fold: _sort_key(fold.parameter_value))
    return tuple(folds)


def _located_by_search(f, variables, mu, skip_degenerate):
    """locate_folds when sympy.solve finds nothing: :func:`find_folds` (Gröbner basis with
    real-root isolation, then numerics); degenerate points raise unless skipped."""
    from . import _errors
    from ._folds import find_folds

    if f.free_symbols - {*variables, mu}:
        raise InvalidInputError(
            "sympy.solve found no solution of f = 0, det Df = 0 and the other routes need "
            "numbers for the free parameters; give them with `values` or pass `at`"
        )
    search = find_folds(list(f), variables, mu)
    if search.skipped and not skip_degenerate:
        first = search.skipped[0]
        raise getattr(_errors, first.error, NotAFoldError)(first.reason)
    if not search.folds and not skip_degenerate:
        proved = "has no real solution" if search.complete else "gave no fold"
        raise NotAFoldError(
            f"no real fold: f = 0, det Df = 0 {proved} for {[*variables, mu]} "
            f"({'; '.join(search.methods)})"
        )
    return search.folds


def _is_complex(value: sympy.Expr) -> bool:
    if value.free_symbols:
        return value.is_real is False
    return abs(complex(sympy.N(value, 30)).imag) > 1e-25


def _sort_key(value: sympy.Expr):
    return float(value) if not value.free_symbols else math.inf


# --- ghost reduction -----------------------------------------------------------------------
@dataclass(frozen=True)
class GhostReduction:
    """Canonical form at a slow point x_g of x' = f(x), at ``precision`` digits:

        y = p^T (x - x_g):  y' = d + lambda y + b y^2,   d = p^T f(x_g),  b = 1/2 p^T D^2 f[q, q],
        z = b y + lambda/2:  z' = r + z^2,               r = b d - lambda^2 / 4,

    lambda the eigenvalue of Df(x_g) nearest zero, q, p its right/left vectors (convention
    :data:`CONVENTION`). ``kind`` is ``"ghost"`` (r > 0, passage time pi/sqrt(r)),
    ``"fixed-point"`` (r <= 0, a node-saddle pair; passage time ``sympy.oo``),
    ``"undetermined"`` (|r| below ``r_floor``, the rounding noise of r at this precision;
    passage time NaN) or ``"multi-dimensional"`` (``dimension`` >= 2 singular values of Df
    below 10^-(precision/2) times the largest: no one-dimensional reduction, r = NaN).
    ``convergence_reason`` says how the minimisation stopped.

    Attributes:
        equations, variables: the system.
        point: x_g (``precision``-digit Floats).
        speed: |f(x_g)|.
        drift: d.
        eigenvalue: lambda.
        eigenvalues: all eigenvalues of Df(x_g), sorted by modulus.
        left_vector: p.
        right_vector: q.
        quadratic_coefficient: b (called c in the brief's ghost formula).
        r: canonical parameter.
        kind: ``"ghost"`` or ``"fixed-point"``.
        passage_time: pi/sqrt(r), or ``sympy.oo``.
        canonical_parameter: the derived r = b d - lambda^2/4 the value comes from.
        precision: decimal digits of the computation.
    """

    equations: tuple[sympy.Expr, ...]
    variables: tuple[sympy.Symbol, ...]
    point: tuple[sympy.Float, ...]
    speed: sympy.Float
    drift: sympy.Float
    eigenvalue: sympy.Float
    eigenvalues: tuple[sympy.Expr, ...]
    left_vector: tuple[sympy.Float, ...]
    right_vector: tuple[sympy.Float, ...]
    quadratic_coefficient: sympy.Float
    r: sympy.Float
    kind: str
    passage_time: sympy.Expr
    canonical_parameter: DerivedExpression
    precision: int
    dimension: int = 1
    r_floor: sympy.Expr = sympy.Integer(0)
    convergence_reason: str | None = None

    convention = CONVENTION

    def to_json(self) -> dict:
        """JSON-ready dict (the float64 view, :meth:`to_slow_point`)."""
        return self.to_slow_point().to_json()

    def to_slow_point(self):
        """The same reduction as a float64 :class:`~ghostsym.SlowPoint`."""
        from ._results import SlowPoint

        def small(name, value):  # rounding noise may underflow harmlessly
            return float64(name, value, underflow=False)

        r = float64("r", self.r)  # the number that matters most is checked first
        quadratic = float64("b", self.quadratic_coefficient)
        for value in self.eigenvalues:
            small("an eigenvalue of Df", sympy.Abs(value))
        return SlowPoint(
            point=np.array([small("a coordinate of x_g", value) for value in self.point]),
            speed=float64("|f|", self.speed),
            drift=small("d", self.drift),
            eigenvalue=small("lambda", self.eigenvalue),
            eigenvalues=np.array([complex(value) for value in self.eigenvalues]),
            left_vector=np.array([small("p", value) for value in self.left_vector]),
            right_vector=np.array([float(value) for value in self.right_vector]),
            quadratic_coefficient=quadratic,
            r=r,
            kind=self.kind,
            passage_time=math.inf
            if self.passage_time == sympy.oo
            else float64("the passage time", self.passage_time),
            dimension=self.dimension,
            r_floor=float(self.r_floor),
            convergence_reason=self.convergence_reason,
        )

    def latex(self) -> str:
        """LaTeX: x_g, d, lambda, b, and r from the derived formula."""
        digits = 10
        point = ",\\ ".join(
            f"{notation.latex(v)} = {notation.latex(sympy.N(value, digits))}"
            for v, value in zip(self.variables, self.point, strict=True)
        )
        time = notation.latex(sympy.N(self.passage_time, digits))
        return (
            "\\begin{aligned}"
            f"&\\text{{{self.kind} at }} {point},\\quad |f| = "
            f"{notation.latex(sympy.N(self.speed, digits))} \\\\"
            f"&d = {notation.latex(sympy.N(self.drift, digits))},\\quad "
            f"\\lambda = {notation.latex(sympy.N(self.eigenvalue, digits))},\\quad "
            f"b = {notation.latex(sympy.N(self.quadratic_coefficient, digits))} \\\\"
            f"&{self.canonical_parameter.latex()} = {notation.latex(sympy.N(self.r, digits))},"
            f"\\quad t_{{\\mathrm{{bottleneck}}}} = {time}"
            "\\end{aligned}"
        )

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


@dataclass(frozen=True)
class _CompiledSystem:
    """mpmath callables for f, Df, the Hessians of each f_i, and grad/Hessian of q = 1/2|f|^2."""

    value: object
    jacobian: object
    hessians: object
    speed_gradient: object
    speed_hessian: object
    speed: object
    third: object  # (x..., q...) -> the column D^3 f(x)[q, q, q]


def _checked(function, what: str):
    """``function`` (an mpmath lambdification) returning only real, finite values: anything
    else (division by zero, the log or square root of a negative number) raises
    :class:`UndefinedVectorFieldError` naming ``what`` and the point."""

    def evaluate(*x):
        try:
            result = function(*x)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError) as error:
            reason = str(error) or type(error).__name__
            raise UndefinedVectorFieldError(
                f"{what} is not defined at x = {_shown_point(x)} ({reason})"
            ) from None
        if isinstance(result, mpmath.matrix):
            cells = [(i, j) for i in range(result.rows) for j in range(result.cols)]
        else:
            cells = [None]
        for cell in cells:
            entry = mpmath.mpmathify(result if cell is None else result[cell])
            if isinstance(entry, mpmath.mpc):
                if entry.imag != 0:
                    raise UndefinedVectorFieldError(
                        f"{what} is not real at x = {_shown_point(x)} (the log, square root or "
                        "inverse trigonometric function of a value outside its real domain?)"
                    )
                entry = entry.real
            if not mpmath.isfinite(entry):
                raise UndefinedVectorFieldError(
                    f"{what} is not finite at x = {_shown_point(x)} (division by zero?)"
                )
            if cell is None:
                result = entry
            else:
                result[cell] = entry
        return result

    return evaluate


def _shown_point(x) -> str:
    return "[" + ", ".join(f"{float(mpmath.re(v)):.6g}" for v in x) + "]"


@cache
def _compile(f: sympy.ImmutableMatrix, variables: tuple[sympy.Symbol, ...]) -> _CompiledSystem:
    half_squared_speed = sum(entry**2 for entry in f) / 2
    gradient = sympy.Matrix([half_squared_speed]).jacobian(variables).T
    speed_hessian = sympy.hessian(half_squared_speed, variables)
    modules = "mpmath"
    value = _checked(sympy.lambdify(variables, f, modules=modules), "f")

    def speed(*x):
        column = value(*x)
        return sum(column[i] ** 2 for i in range(column.rows)) / 2

    return _CompiledSystem(
        value=value,
        jacobian=_checked(sympy.lambdify(variables, f.jacobian(variables), modules=modules), "Df"),
        hessians=[
            _checked(
                sympy.lambdify(variables, sympy.hessian(entry, variables), modules=modules),
                f"the Hessian of f_{index + 1}",
            )
            for index, entry in enumerate(f)
        ],
        speed_gradient=_checked(
            sympy.lambdify(variables, gradient, modules=modules), "the gradient of 1/2|f|^2"
        ),
        speed_hessian=_checked(
            sympy.lambdify(variables, speed_hessian, modules=modules),
            "the Hessian of 1/2|f|^2",
        ),
        speed=speed,
        third=_checked(_third_directional(f, variables), "the third derivative of f"),
    )


def _third_directional(f: sympy.ImmutableMatrix, variables: tuple[sympy.Symbol, ...]):
    """mpmath callable (x..., q...) -> D^3 f(x)[q, q, q] = d^3/ds^3 f(x + s q) at s = 0."""
    step = sympy.Dummy("s", real=True)
    direction = sympy.symbols(f"ghostsym_q0:{len(variables)}", real=True)
    moved = f.xreplace({v: v + step * d for v, d in zip(variables, direction, strict=True)})
    third = sympy.diff(moved, step, 3).subs(step, 0)
    return sympy.lambdify((*variables, *direction), third, modules="mpmath")


def _minimise_speed(system: _CompiledSystem, start, max_iterations: int, precision: int):
    """Levenberg-Marquardt-damped Newton on q = 1/2|f|^2 with the exact Hessian (mpmath).

    Returns (x, reason). Stops on any of: q = 0 (a fixed point); |grad q| at most
    10^-precision times the curvature scale (a degenerate minimum such as a fold, where q
    only reaches zero slowly); a nearly undamped step below 10^-precision (1 + |x|); or q
    and x no longer changing at the working precision (the minimum is as sharp as the
    arithmetic allows). A critical point that is not a minimum raises NotASlowPointError.
    """
    x = mpmath.matrix(start)
    value = system.speed(*x)
    damping = mpmath.mpf("1e-3")
    tolerance = mpmath.mpf(10) ** (-precision)
    stalled = 0
    for _ in range(max_iterations):
        gradient = mpmath.matrix(system.speed_gradient(*x))
        hessian = mpmath.matrix(system.speed_hessian(*x))
        scale = max(max(abs(hessian[i, i]) for i in range(hessian.rows)), mpmath.mpf(1))
        if value == 0:
            return x, "speed exactly zero (a fixed point)"
        if mpmath.norm(gradient) <= tolerance * scale:  # a critical point of q: which kind?
            curvature = mpmath.eigsy(hessian, eigvals_only=True)
            if min(curvature) < -tolerance * scale:
                raise NotASlowPointError(
                    f"q = 1/2|f|^2 is stationary at {[float(v) for v in x]} but not minimal "
                    f"there (Hessian eigenvalues {[float(v) for v in curvature]}): start elsewhere"
                )
            return x, "gradient of q below tolerance"
        try:
            step = mpmath.cholesky_solve(
                hessian + damping * scale * mpmath.eye(hessian.rows), -gradient
            )
        except (ValueError, ZeroDivisionError):  # not positive definite: damp harder
            damping *= 4
            continue
        # where q is concave the damped step can be huge: bound it by 1 + |x| so the search
        # stays near its start instead of jumping to a distant basin
        radius = 1 + mpmath.norm(x)
        length = mpmath.norm(step)
        if length > radius:
            step = step * (radius / length)
        candidate = x + step
        try:
            candidate_value = system.speed(*candidate)
        except UndefinedVectorFieldError:  # the step left the domain of f: a shorter one
            candidate_value = mpmath.inf
        if candidate_value <= value * (1 + tolerance):
            small = mpmath.norm(step) <= tolerance * (1 + mpmath.norm(x))
            x, value = candidate, candidate_value
            if damping < mpmath.mpf("1e-20") and small:
                return x, "step below tolerance (nearly undamped Newton step)"
            damping = max(damping / 10, mpmath.mpf(10) ** (-3 * precision))
            stalled = 0
        else:
            damping *= 4
            stalled += 1
            if stalled >= 30:  # q cannot be lowered at this precision from here
                return x, "q no longer decreases at the working precision"
    raise MinimisationDidNotConvergeError(
        f"minimising q = 1/2|f|^2 from {[float(v) for v in start]} did not converge in "
        f"{max_iterations} damped Newton steps (last point {[float(v) for v in x]}, "
        f"|grad q| = {float(mpmath.norm(mpmath.matrix(system.speed_gradient(*x)))):.3g})"
    )


def reduce_ghost(
    equations: Sequence,
    variables: Sequence,
    near: Mapping | Sequence,
    values: Mapping | None = None,
    *,
    minimise: bool = True,
    require_ghost: bool = False,
    precision: int = 30,
    max_iterations: int = 200,
    option_names: Mapping[str, str] | None = None,
) -> GhostReduction:
    """Find the slow point of x' = f(x) near ``near`` and reduce it to z' = r + z^2.

    The slow point minimises q(x) = 1/2 |f(x)|^2 (damped Newton with the exact SymPy Hessian,
    at ``precision`` digits); with ``minimise=False`` the reduction is taken at ``near`` itself.
    Then r = b d - lambda^2/4 (the derived completing-the-square formula). Raises
    :class:`MinimisationDidNotConvergeError`, :class:`NotASlowPointError` (a critical point
    that is not a minimum), :class:`ComplexSlowEigenvalueError`,
    :class:`NonSimpleZeroEigenvalueError`, and with ``require_ghost`` a
    :class:`FixedPointNotGhostError` when r <= 0.

    >>> x = sympy.Symbol("x", real=True)
    >>> ghost = reduce_ghost([sympy.Rational(1, 100) + x**2 - x**3], [x], {x: 0.1})
    >>> ghost.kind, sympy.N(ghost.r, 12), abs(ghost.point[0]) < 1e-25
    ('ghost', 0.0100000000000, True)
    """
    options = _options(option_names)
    f, variable_symbols, _ = parse_system(
        equations, variables, None, values, option_names=option_names
    )
    leftover = f.free_symbols - set(variable_symbols)
    if leftover:
        raise InvalidInputError(
            f"the ghost reduction needs numbers for {sorted(map(str, leftover))} (give them "
            f"with {options['values']})"
        )
    names = {symbol.name: symbol for symbol in variable_symbols}
    if isinstance(near, Mapping):
        unknown = [str(k) for k in near if _variable_of(k, names) is None]
        if unknown:
            raise InvalidInputError(
                f"{options['near']} names {', '.join(unknown)}, which "
                f"{'is not a variable' if len(unknown) == 1 else 'are not variables'} "
                f"(variables: {', '.join(names)})"
            )
        by_symbol = {_variable_of(k, names): v for k, v in near.items()}
        missing = [str(v) for v in variable_symbols if v not in by_symbol]
        if missing:
            raise InvalidInputError(
                f"{options['near']} must give every variable; missing {missing}"
            )
        start_values = [by_symbol[v] for v in variable_symbols]
    else:
        start_values = list(near)
        if len(start_values) != len(variable_symbols):
            raise InvalidInputError(
                f"{options['near']} needs {len(variable_symbols)} numbers, got {len(start_values)}"
            )
    system = _compile(f, variable_symbols)
    with mpmath.workdps(precision + 10):
        start = [
            mpmath.mpf(str(_exact(f"{options['near']} {v}", s, {}).evalf(precision + 10)))
            for v, s in zip(variable_symbols, start_values, strict=True)
        ]
        if minimise:
            x, reason = _minimise_speed(system, start, max_iterations, precision)
        else:
            x, reason = mpmath.matrix(start), None
        reduction = _reduce_at(system, f, variable_symbols, x, precision, reason)
        if minimise:
            _check_resolved(system, x, reduction)
    if require_ghost and reduction.kind != "ghost":
        raise FixedPointNotGhostError(
            f"the slow point at {[float(v) for v in reduction.point]} is "
            f"{reduction.kind.replace('-', ' ')}, not a ghost: r = {float(reduction.r):.6g} "
            f"(|f| = {float(reduction.speed):.3g})"
        )
    return reduction


#: A ghost is resolved when the next Newton step on q is below this fraction of its width.
RESOLUTION = mpmath.mpf("1e-3")


def _check_resolved(system, x, reduction: GhostReduction) -> None:
    """Refuse a slow point the minimisation did not resolve, or one z' = r + z^2 does not
    describe (named degeneracies, never a ghost with a meaningless r):

    * f constant nearby (speed > 0 with lambda = b = 0): no slow point at all;
    * a ghost whose next Newton step on q = 1/2|f|^2 is not below :data:`RESOLUTION` times
      its width w = sqrt(r)/|b| (the speed still falls, e.g. towards infinity for exp(x), or
      converges only linearly to a degenerate zero such as x^3): :class:`UnresolvedSlowPointError`;
    * a ghost whose cubic term along q, c = 1/6 p^T D^3 f[q, q, q], exceeds r within the
      bottleneck (|c| w^3 > r): b is too small for the quadratic normal form
      (:class:`VanishingQuadraticCoefficientError`).
    """
    where = _shown_point(x)
    b, lam, r = reduction.quadratic_coefficient, reduction.eigenvalue, reduction.r
    if reduction.dimension != 1:
        return
    if b == 0 and lam == 0 and reduction.speed > 0:
        raise VanishingQuadraticCoefficientError(
            f"no slow point at x = {where}: Df and D^2 f vanish there along the slow direction "
            f"(lambda = b = 0) while |f| = {float(reduction.speed):.3g}, so f is locally "
            "constant and z' = r + z^2 does not apply"
        )
    if reduction.kind != "ghost":
        return
    b, r = mpmath.mpf(str(b)), mpmath.mpf(str(r))
    width = mpmath.sqrt(r) / abs(b)
    gradient = mpmath.matrix(system.speed_gradient(*x))
    hessian = mpmath.matrix(system.speed_hessian(*x))
    try:
        step = mpmath.norm(mpmath.lu_solve(hessian, -gradient))
    except ZeroDivisionError:  # singular Hessian of q: the minimum is not isolated
        step = mpmath.inf
    if not step <= RESOLUTION * width:
        raise UnresolvedSlowPointError(
            f"no resolved slow point near x = {where}: the speed still falls there (next Newton "
            f"step on 1/2|f|^2 {float(step):.3g}, not small beside the ghost's width "
            f"sqrt(r)/|b| = {float(width):.3g}; r = {float(r):.3g}, b = {float(b):.3g}): the "
            "speed may decrease towards infinity, or to a degenerate zero where b = 0"
        )
    p = [mpmath.mpf(str(v)) for v in reduction.left_vector]
    q = [mpmath.mpf(str(v)) for v in reduction.right_vector]

    third = mpmath.matrix(system.third(*x, *q))
    cubic = sum(pi * third[i] for i, pi in enumerate(p)) / 6
    if abs(cubic) * width**3 > r:
        raise VanishingQuadraticCoefficientError(
            f"b = {float(b):.3g} is too small at x = {where} for z' = r + z^2: the cubic term "
            f"of f along q, |c| w^3 = {float(abs(cubic) * width**3):.3g} with "
            f"c = 1/6 p^T D^3 f[q, q, q] = {float(cubic):.3g}, exceeds r = {float(r):.3g} within "
            f"the bottleneck w = sqrt(r)/|b| = {float(width):.3g} (a degenerate slow point, "
            "b = 0 nearby)"
        )


def float64(name: str, value, *, underflow: bool = True) -> float:
    """``value`` (a SymPy or mpmath number) as a float64, or an InvalidInputError naming
    ``name`` when it is outside the float64 range: beyond 1.8e308 (overflow) or, with
    ``underflow``, nonzero but below 2.2e-308 (it would become 0 or lose its digits).

    >>> float64("r", sympy.Rational(1, 4))
    0.25
    >>> float64("ab", sympy.Integer(10) ** 400)
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: ab = 1.0e+400 is outside the float64 range (2.2e-308 to \
1.8e308 in size): rescale the equations
    """
    number = sympy.Float(value, 15) if not isinstance(value, sympy.Basic) else sympy.N(value, 15)
    try:
        result = float(number)
    except OverflowError:
        result = math.inf
    if number.is_finite is False or number == sympy.nan:
        return result
    tiny = underflow and number != 0 and abs(result) < sys.float_info.min
    if not math.isfinite(result) or tiny:
        raise InvalidInputError(
            f"{name} = {mpmath.nstr(mpmath.mpf(str(number)), 6)} is outside the float64 range "
            "(2.2e-308 to 1.8e308 in size): rescale the equations"
        )
    return result


def _variable_of(key, names: Mapping[str, sympy.Symbol]) -> sympy.Symbol | None:
    """The variable a key of ``near`` names (a name or a symbol), or None."""
    if isinstance(key, str):
        return names.get(key)
    if isinstance(key, sympy.Symbol):
        return names.get(key.name)
    return None


def _reduce_at(system, f, variables, x, precision, reason=None) -> GhostReduction:
    n = len(variables)
    value = mpmath.matrix(system.value(*x))
    jacobian = mpmath.matrix(system.jacobian(*x))
    singular_values = mpmath.svd_r(jacobian, compute_uv=False) if n > 1 else [abs(jacobian[0])]
    jacobian_scale = max((abs(v) for v in singular_values), default=mpmath.mpf(0))
    rank_tolerance = mpmath.mpf(10) ** (-(precision // 2))  # relative numeric-rank test
    # the scale of Df: its largest singular value, or |f| where Df itself nearly vanishes
    rank_scale = max(jacobian_scale, _speed_of(value, n))
    dimension = max(1, sum(1 for v in singular_values if v <= rank_tolerance * rank_scale))
    if dimension >= 2:
        return _multi_dimensional(system, f, variables, x, precision, reason, dimension)
    eigenvalues, left, right = mpmath.eig(jacobian, left=True, right=True)
    index = min(range(n), key=lambda i: abs(eigenvalues[i]))
    lam = mpmath.mpmathify(eigenvalues[index])
    tiny = mpmath.mpf(10) ** (-(precision - 5))
    if abs(mpmath.im(lam)) > tiny * max(1, abs(lam)):
        raise ComplexSlowEigenvalueError(
            f"the eigenvalue of Df nearest zero is complex ({complex(lam):.6g}): the slow flow "
            "is not one-dimensional, so x' = r + x^2 does not apply"
        )
    q = [mpmath.re(right[i, index]) for i in range(n)]
    norm = mpmath.sqrt(sum(entry**2 for entry in q))
    q = [entry / norm for entry in q]
    for entry in q:  # sign convention: first clearly nonzero entry positive
        if abs(entry) > mpmath.mpf("1e-8"):
            if entry < 0:
                q = [-value for value in q]
            break
    p = [mpmath.re(left[index, i]) for i in range(n)]
    p_norm = mpmath.sqrt(sum(entry**2 for entry in p))
    overlap = sum(pi * qi for pi, qi in zip(p, q, strict=True))
    if abs(overlap) < mpmath.mpf("1e-10") * p_norm:
        raise NonSimpleZeroEigenvalueError(
            f"the eigenvalue {float(mpmath.re(lam)):.3g} nearest zero is not simple (p^T q = 0, "
            "a Jordan block)"
        )
    p = [entry / overlap for entry in p]
    second = []
    for hessian_function in system.hessians:
        hessian = mpmath.matrix(hessian_function(*x))
        second.append(sum(q[i] * hessian[i, j] * q[j] for i in range(n) for j in range(n)))
    b = sum(pi * si for pi, si in zip(p, second, strict=True)) / 2
    d = sum(pi * value[i] for i, pi in enumerate(p))
    speed = mpmath.sqrt(sum(value[i] ** 2 for i in range(n)))
    formula = slow_point_canonical_parameter()
    r = formula.lambdify("mpmath")(d, mpmath.re(lam), b)
    # rounding at the working precision (precision + 10 digits) perturbs d and lambda by
    # about 10^-(precision+10) times the size of the terms; r's sign is known above 100x that
    x_norm = mpmath.sqrt(sum(v**2 for v in x))
    p_norm = mpmath.sqrt(sum(v**2 for v in p))
    floor = (
        100
        * mpmath.mpf(10) ** (-precision)
        * (
            abs(b) * p_norm * (_speed_of(value, n) + jacobian_scale * x_norm)
            + abs(lam) * jacobian_scale
        )
    )
    if abs(r) < floor:
        kind, passage = "undetermined", sympy.nan
    elif r > 0:
        kind = "ghost"
        passage = _to_sympy(canonical_form().bottleneck_time.lambdify("mpmath")(r), precision)
    else:
        kind, passage = "fixed-point", sympy.oo
    ordered = sorted((mpmath.mpmathify(v) for v in eigenvalues), key=lambda v: abs(v))
    chop = mpmath.mpf(10) ** (-(precision - 5))
    # Newton lands on exact zeros up to far below the working precision; show them as 0.
    below_precision = mpmath.mpf(10) ** (-(precision + 5))
    x = [mpmath.chop(v, tol=below_precision) for v in x]
    lam = mpmath.chop(mpmath.re(lam), tol=below_precision)
    return GhostReduction(
        equations=tuple(f),
        variables=tuple(variables),
        point=tuple(sympy.Float(v, precision) for v in x),
        speed=sympy.Float(speed, precision),
        drift=sympy.Float(d, precision),
        eigenvalue=sympy.Float(mpmath.re(lam), precision),
        eigenvalues=tuple(_to_sympy(mpmath.chop(v, tol=chop), precision) for v in ordered),
        left_vector=tuple(sympy.Float(v, precision) for v in p),
        right_vector=tuple(sympy.Float(v, precision) for v in q),
        quadratic_coefficient=sympy.Float(b, precision),
        r=sympy.Float(r, precision),
        kind=kind,
        passage_time=passage,
        canonical_parameter=formula,
        precision=precision,
        dimension=1,
        r_floor=sympy.Float(floor, 5),
        convergence_reason=reason,
    )


def _speed_of(value, n):
    """|f| of an mpmath column."""
    return mpmath.sqrt(sum(value[i] ** 2 for i in range(n)))


def _multi_dimensional(system, f, variables, x, precision, reason, dimension) -> GhostReduction:
    """A slow point with ``dimension`` >= 2 slow directions: no one-dimensional reduction."""
    n = len(variables)
    value = mpmath.matrix(system.value(*x))
    jacobian = mpmath.matrix(system.jacobian(*x))
    eigenvalues = mpmath.eig(jacobian, left=False, right=False)
    if isinstance(eigenvalues, tuple):
        eigenvalues = eigenvalues[0]
    ordered = sorted((mpmath.mpmathify(v) for v in eigenvalues), key=lambda v: abs(v))
    chop = mpmath.mpf(10) ** (-(precision - 5))
    below_precision = mpmath.mpf(10) ** (-(precision + 5))
    x = [mpmath.chop(v, tol=below_precision) for v in x]
    nan = sympy.nan
    return GhostReduction(
        equations=tuple(f),
        variables=tuple(variables),
        point=tuple(sympy.Float(v, precision) for v in x),
        speed=sympy.Float(_speed_of(value, n), precision),
        drift=nan,
        eigenvalue=nan,
        eigenvalues=tuple(_to_sympy(mpmath.chop(v, tol=chop), precision) for v in ordered),
        left_vector=tuple(nan for _ in range(n)),
        right_vector=tuple(nan for _ in range(n)),
        quadratic_coefficient=nan,
        r=nan,
        kind="multi-dimensional",
        passage_time=nan,
        canonical_parameter=slow_point_canonical_parameter(),
        precision=precision,
        dimension=dimension,
        r_floor=nan,
        convergence_reason=reason,
    )

"""Fold location that does not lie: Gröbner bases with real-root isolation, then numerics.

A fold of x' = f(x, mu) solves the extended system f(x, mu) = 0, det D_x f(x, mu) = 0 (n + 1
equations in n + 1 unknowns). :func:`find_folds` tries, in order:

1. **Gröbner basis** (polynomial and rational systems). Numerators N_i of f_i = N_i / D_i
   replace f (at N = 0, D_x f = D_x N / D, so det D_x f = 0 exactly where det D_x N = 0). A
   lexicographic basis with mu last ends in one polynomial P(mu); its real roots are isolated
   exactly (``Poly.real_roots``), and the other coordinates follow by back-substitution at
   50 digits. A basis {1}, or no real root surviving back-substitution (and D != 0), proves
   there is no real fold. Exact forms come from ``sympy.solve`` where it can give them.
2. **sympy.solve** (other systems): exact, but not a proof of completeness.
3. **Numeric route**: Levenberg-Marquardt (optimistix, float64 autodiff) on the extended
   system from many seeded random starts in a box, batched with ``vmap``, each converged root
   polished by Newton; never a proof that nothing else exists.

Symbolic work honours a time limit (``timeout``) and reports its stage to ``progress``; when
it runs out, or fails, the numeric route takes over. Each point found is reduced (exactly when
its coordinates are exact, else by :func:`~ghostsym.reduce_fold_numeric`); degenerate points
(transcritical, pitchfork, cusp: b = 0; a = 0; a double zero eigenvalue) are listed with their
kind and reason in ``skipped``, never fatal.

>>> search = find_folds(["mu - x**2 + x**3"], ["x"], "mu")
>>> [(str(fold.parameter_value), str(fold.coefficient_product)) for fold in search.folds]
[('0', '-1'), ('4/27', '1')]
>>> search.complete, search.methods[0].split(":")[0]
(True, 'Gröbner basis + real-root isolation')
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy

from ..errors import DegenerateError, InvalidInputError, require_positive
from ._results import NumericFoldReduction
from ._symbolic import FoldReduction, _options, _reduce_fold_at, parse_system

__all__ = [
    "SkippedPoint",
    "FoldSearch",
    "find_folds",
    "refine_fold",
    "RefinedFold",
    "FOLD_METHODS",
]

#: Methods :func:`find_folds` accepts: ``"auto"`` (symbolic, then numeric if needed),
#: ``"symbolic"`` (no numeric fallback) and ``"numeric"``.
FOLD_METHODS = ("auto", "symbolic", "numeric")

#: Digits of the back-substitution after real-root isolation.
_DIGITS = 50

#: Kind names of the degenerate points a search skips, by the error class that found them.
_DEGENERATE_KINDS = {
    "VanishingQuadraticCoefficientError": "pitchfork-or-cusp (b = 0)",
    "VanishingUnfoldingCoefficientError": "transcritical-or-not-unfolded (a = 0)",
    "NonSimpleZeroEigenvalueError": "multiple zero eigenvalue",
    "NotAFoldError": "not a fold",
    "ComplexSlowEigenvalueError": "complex eigenvalue",
}


@dataclass(frozen=True)
class SkippedPoint:
    """A solution of f = 0, det Df = 0 that is not a saddle-node fold, with why.

    Attributes:
        point: the coordinates, name -> float.
        kind: ``"pitchfork-or-cusp (b = 0)"``, ``"transcritical-or-not-unfolded (a = 0)"``,
            ``"multiple zero eigenvalue"``, ...
        reason: the reduction's message.
        error: the name of the :class:`~ghostsym.DegenerateError` subclass that found it.
    """

    point: dict
    kind: str
    reason: str
    error: str = "DegenerateError"

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return {"at": dict(self.point), "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class FoldSearch:
    """Folds of x' = f(x, mu): the real solutions of f = 0, det D_x f = 0, each reduced to

        z' = ab (mu - mu0) + z^2.

    Attributes:
        folds: :class:`~ghostsym.FoldReduction` (exact coordinates) or
            :class:`~ghostsym.NumericFoldReduction` (float64), sorted by mu0.
        skipped: degenerate solutions, listed with kind and reason.
        methods: one line per method tried, saying what it found (or why it stopped).
        complete: True only when a Gröbner basis and real-root isolation proved the list
            complete; False for sympy.solve and numeric results.
        elapsed: seconds spent.
    """

    folds: tuple
    skipped: tuple[SkippedPoint, ...]
    methods: tuple[str, ...]
    complete: bool
    elapsed: float

    def to_json(self) -> dict:
        """JSON-ready dict (folds as ``at``, ``a``, ``b``, ``ab``, ``method``)."""
        return {
            "folds": [_fold_summary(fold) for fold in self.folds],
            "skipped": [point.to_json() for point in self.skipped],
            "methods": list(self.methods),
            "complete": self.complete,
            "elapsed": self.elapsed,
        }

    def nothing_found_message(self) -> str:
        """Why the list is empty, naming each method and whether it proved anything."""
        if self.complete:
            return "no real fold: f = 0, det Df = 0 has no real solution (proved: " + (
                "; ".join(self.methods) + ")"
            )
        return "no fold found (not a proof that none exists): " + "; ".join(self.methods)


def _fold_summary(fold) -> dict:
    if isinstance(fold, FoldReduction):
        return fold.to_json()
    return {**fold.to_json(), "exact": None}


def float64(function):
    """:func:`ghostsym._jax.float64`, imported at call time: the symbolic routes of
    :func:`find_folds` never load JAX, so the command line starts without it."""

    @functools.wraps(function)
    def with_float64(*arguments, **keywords):
        from .._jax import float64 as in_float64

        return in_float64(function)(*arguments, **keywords)

    return with_float64


class _OutOfTime(BaseException):
    """Raised inside symbolic work when the time limit passes (BaseException: SymPy's broad
    ``except Exception`` clauses must not swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the block after ``seconds`` (SIGALRM; main thread only, else no limit)."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    finished = []

    def interrupt(signum, frame):
        if not finished:
            raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, interrupt)
    # The alarm repeats every 50 ms: a raise that lands in code which swallows it (a callback
    # whose exceptions are ignored, such as JAX's garbage-collection hook) is raised again.
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3), 0.05)
    try:
        yield
    finally:
        finished.append(True)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Progress:
    """Stage reports: each stage is announced to ``report``, with the time since the start."""

    def __init__(self, report: Callable[[str], None] | None):
        self.report = report
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.report is not None:
            self.report(f"[{time.perf_counter() - self.start:6.1f} s] {message}")


def _numerators(f: sympy.ImmutableMatrix, unknowns) -> tuple[list, list] | None:
    """(numerators, denominators) if every f_i is rational in the unknowns, else None."""
    numerators, denominators = [], []
    for entry in f:
        numerator, denominator = sympy.together(entry).as_numer_denom()
        if not (numerator.is_polynomial(*unknowns) and denominator.is_polynomial(*unknowns)):
            return None
        numerators.append(sympy.expand(numerator))
        denominators.append(sympy.expand(denominator))
    return numerators, denominators


def _real_roots(polynomial: sympy.Poly, digits: int) -> list:
    """Real roots of a univariate polynomial with Float coefficients, at ``digits`` digits."""
    if polynomial.is_zero:
        return [None]  # no condition on this variable
    if polynomial.degree() == 0:
        return []
    coefficients = [mpmath.mpf(str(sympy.N(c, digits))) for c in polynomial.all_coeffs()]
    with mpmath.workdps(digits):
        roots = mpmath.polyroots(coefficients, maxsteps=200, extraprec=4 * digits, error=False)
    scale = max(abs(c) for c in coefficients)
    real = []
    for root in roots:
        root = mpmath.mpmathify(root)
        if abs(mpmath.im(root)) <= mpmath.mpf(10) ** (-(digits // 2)) * (1 + abs(root)):
            real.append(mpmath.re(root))
    del scale
    return real


#: Solutions closer than this (relative) are one repeated root (polyroots resolves a root of
#: multiplicity m to about 10^(-digits/m); 1e-8 separates up to m = 4 at 40 digits).
_SAME_ROOT = 1e-8


def _same_point(point: dict, other: dict) -> bool:
    return all(
        abs(point[k] - other[k]) <= _SAME_ROOT * (1 + abs(point[k]))
        for k in point
        if point[k] is not None and other.get(k) is not None
    )


def _term_size(polynomial: sympy.Expr, substitution: dict) -> sympy.Float:
    """Sum of |term| of ``polynomial`` at ``substitution``: the scale its rounding error has."""
    terms = sympy.Add.make_args(sympy.expand(polynomial))
    return sum((abs(sympy.N(term.xreplace(substitution), 20)) for term in terms), sympy.Float(0))


def _groebner_points(numerators, denominators, unknowns, progress) -> tuple[list, str, bool]:
    """Real solutions (dicts of mpf) via a lex Gröbner basis; (points, message, proven)."""
    jacobian = sympy.Matrix(numerators).jacobian(unknowns[:-1])
    determinant = sympy.expand(jacobian.det(method="berkowitz"))
    polynomials = [p for p in (*numerators, determinant) if p != 0]
    progress(
        f"Gröbner basis (lex, {', '.join(map(str, unknowns))}) of {len(polynomials)} "
        "polynomials: f = 0, det Df = 0"
    )
    basis = sympy.groebner(polynomials, *unknowns, order="lex")
    if list(basis.exprs) == [1]:
        return [], "Gröbner basis + real-root isolation: basis {1}, no solution at all", True, True
    if not basis.is_zero_dimensional:
        return (
            [],
            "Gröbner basis: the solutions are not isolated (fix more parameters with values)",
            False,
            False,
        )
    last = unknowns[-1]
    univariate = [g for g in basis.exprs if g.free_symbols <= {last}]
    polynomial = sympy.Poly(univariate[0], last)
    progress(f"real-root isolation of a degree-{polynomial.degree()} polynomial in {last}")
    roots = polynomial.real_roots()
    with mpmath.workdps(_DIGITS + 10):
        partial = [{last: mpmath.mpf(str(sympy.N(root, _DIGITS + 10)))} for root in set(roots)]
        for variable in reversed(unknowns[:-1]):
            extended = []
            for known in partial:
                substitution = {k: sympy.Float(v, _DIGITS + 10) for k, v in known.items()}
                candidates = None
                for g in basis.exprs:
                    if variable not in g.free_symbols:
                        continue
                    if not g.free_symbols <= {variable, *known}:
                        continue
                    reduced = sympy.Poly(sympy.expand(g.xreplace(substitution)), variable)
                    size = max(
                        _term_size(c, substitution) for c in sympy.Poly(g, variable).all_coeffs()
                    )
                    small = sympy.Float(10) ** (-_DIGITS // 2) * size
                    if all(abs(c) <= small for c in reduced.coeffs()):
                        continue  # vanishes identically at this partial point: no condition
                    candidates = _real_roots(reduced, _DIGITS)
                    break
                for value in candidates or []:
                    extended.append({**known, variable: value})
            partial = extended
        points = []
        for known in partial:
            substitution = {k: sympy.Float(v, _DIGITS) for k, v in known.items()}
            # each basis polynomial must vanish relative to the size of its terms there
            relative = max(
                (
                    abs(sympy.N(g.xreplace(substitution), _DIGITS))
                    / max(_term_size(g, substitution), sympy.Float(1e-300))
                    for g in basis.exprs
                ),
                default=0,
            )
            if relative > sympy.Float(10) ** (-(_DIGITS // 3)):
                continue
            if any(abs(sympy.N(d.xreplace(substitution), 20)) < 1e-30 for d in denominators):
                continue
            # a repeated root comes back once per multiplicity, a few digits apart: keep one
            if any(_same_point(known, other) for other in points):
                continue
            points.append(known)
    message = (
        f"Gröbner basis + real-root isolation: {len(roots)} real root(s) of a "
        f"degree-{polynomial.degree()} polynomial in {last}, {len(points)} real solution(s)"
    )
    # exact forms are sought (sympy.solve) only where every factor of P has degree <= 2
    nice = all(factor.degree() <= 2 for factor, _ in polynomial.factor_list()[1])
    return points, message, True, nice


def _symbolic_in_free_parameters(f, variables, mu, leftover, timeout, report, started):
    """Folds as functions of the free parameters (sympy.solve only: no Gröbner basis over a
    field of parameters, no numerics); solutions that are complex for every value are left
    out, the others kept with their conditions unchecked."""
    names = ", ".join(sorted(map(str, leftover)))
    report(f"sympy.solve on f = 0, det Df = 0 with free parameters {names}")
    points, methods = [], []
    try:
        with _time_limit(timeout):
            points = _exact_solutions(f, variables, mu, free=True)
        methods.append(
            f"sympy.solve with free parameters {names}: {len(points)} solution(s) (not a "
            "proof of completeness; give numbers with values for the Gröbner and numeric routes)"
        )
    except _OutOfTime:
        methods.append(f"sympy.solve: stopped at the time limit of {timeout:g} s")
    folds, skipped = [], []
    for point in points:
        try:
            folds.append(_reduce_fold_at(f, variables, mu, point, 30))
        except DegenerateError as error:
            shown = {str(k): str(v) for k, v in point.items()}
            skipped.append(SkippedPoint(shown, _classify(error), str(error), type(error).__name__))
    return FoldSearch(
        folds=tuple(folds),
        skipped=tuple(skipped),
        methods=tuple(methods),
        complete=False,
        elapsed=time.perf_counter() - started,
    )


def _exact_solutions(f, variables, mu, free: bool = False) -> list[dict]:
    unknowns = [*variables, mu]
    system = [*f, f.jacobian(variables).det()]
    try:
        solutions = sympy.solve(system, unknowns, dict=True)
    except NotImplementedError:
        return []
    exact = []
    for solution in solutions:
        if any(symbol not in solution for symbol in unknowns):
            continue
        point = {symbol: sympy.simplify(solution[symbol]) for symbol in unknowns}
        if any(value.free_symbols for value in point.values()):
            if free and not any(value.is_real is False for value in point.values()):
                exact.append(point)
            continue
        if any(abs(complex(sympy.N(value, 30)).imag) > 1e-25 for value in point.values()):
            continue
        exact.append(point)
    return exact


def _coordinates_text(point: Mapping) -> dict:
    return {str(k): float(v) for k, v in point.items()}


def _classify(error: DegenerateError) -> str:
    return _DEGENERATE_KINDS.get(type(error).__name__, type(error).__name__)


def _reduce_numeric_point(field, variables, mu, point, tolerance):
    from ._numeric import reduce_fold_numeric

    x0 = np.array([float(point[v]) for v in variables])
    return reduce_fold_numeric(field, x0, float(point[mu]), tolerance=tolerance)


def find_folds(
    equations: Sequence,
    variables: Sequence,
    parameter,
    values: Mapping | None = None,
    *,
    method: str = "auto",
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    starts: int = 256,
    box: float = 10.0,
    seed: int = 0,
    tolerance: float = 1e-9,
    option_names: Mapping[str, str] | None = None,
) -> FoldSearch:
    """Every fold of x' = f(x, mu) that the methods can find, with what each method found.

    ``method``: ``"auto"`` tries the symbolic route (:mod:`module docstring <._folds>`) within
    ``timeout`` seconds and falls back to the numeric route when it fails, runs out of time, or
    is not applicable; ``"symbolic"`` never falls back; ``"numeric"`` goes straight to
    Levenberg-Marquardt from ``starts`` uniform random starts in [-box, box]^(n+1) (seed
    ``seed``). ``progress`` receives one line per stage. Never raises for "nothing found":
    ``folds`` is empty and ``methods`` says which method found nothing and whether that is
    a proof.

    >>> search = find_folds(["mu*x - x**2", "-y"], ["x", "y"], "mu")  # transcritical only
    >>> search.folds, [point.kind for point in search.skipped]
    ((), ['transcritical-or-not-unfolded (a = 0)'])
    """
    if method not in FOLD_METHODS:
        raise InvalidInputError(f"method must be one of {', '.join(FOLD_METHODS)}, got {method!r}")
    if timeout is not None:
        timeout = require_positive("timeout", timeout)
    options = _options(option_names)
    f, variable_symbols, mu = parse_system(
        equations, variables, parameter, values, option_names=option_names
    )
    if mu is None:
        raise InvalidInputError(f"locating folds needs the bifurcation {options['parameter']}")
    leftover = f.free_symbols - {*variable_symbols, mu}
    report = _Progress(progress)
    started = time.perf_counter()
    if leftover:
        if method == "numeric":
            raise InvalidInputError(
                f"the numeric route needs numbers for {sorted(map(str, leftover))} "
                f"(give them with {options['values']})"
            )
        return _symbolic_in_free_parameters(
            f, variable_symbols, mu, leftover, timeout, report, started
        )
    unknowns = [*variable_symbols, mu]
    methods: list[str] = []
    points: list[tuple[dict, bool]] = []  # (point, exact)
    complete = False
    symbolic_done = False
    if method in ("auto", "symbolic"):
        try:
            with _time_limit(timeout):
                rational = _numerators(f, unknowns)
                if rational is not None:
                    found, message, proven, nice = _groebner_points(*rational, unknowns, report)
                    methods.append(message)
                    complete = proven
                    symbolic_done = proven
                    if found:
                        exact = []
                        if nice:
                            report("exact forms by sympy.solve")
                            exact = _exact_solutions(f, variable_symbols, mu)
                        for point in found:
                            match = next(
                                (
                                    solution
                                    for solution in exact
                                    if all(
                                        abs(float(solution[k]) - float(point[k]))
                                        <= 1e-20 * (1 + abs(float(point[k])))
                                        for k in unknowns
                                    )
                                ),
                                None,
                            )
                            points.append((match, True) if match else (point, False))
                else:
                    report("sympy.solve on f = 0, det Df = 0 (not polynomial)")
                    exact = _exact_solutions(f, variable_symbols, mu)
                    methods.append(
                        f"sympy.solve: {len(exact)} real solution(s) (not a proof of completeness)"
                    )
                    points.extend((point, True) for point in exact)
                    symbolic_done = bool(exact)
        except _OutOfTime:
            methods.append(f"symbolic route: stopped at the time limit of {timeout:g} s")
            complete, points = False, []
        except (
            NotImplementedError,
            sympy.PolynomialError,
            sympy.polys.polyerrors.PolificationFailed,
        ) as error:
            methods.append(f"symbolic route failed ({' '.join(str(error).split())[:120]})")
            complete, points = False, []
    if method == "numeric" or (method == "auto" and not symbolic_done):
        report(f"numeric route: Levenberg-Marquardt on f = 0, det Df = 0 from {starts} starts")
        found, message = _numeric_points(
            f, variable_symbols, mu, starts=starts, box=box, seed=seed, tolerance=tolerance
        )
        methods.append(message)
        for point in found:
            if not any(
                all(
                    abs(float(point[k]) - float(other[k])) <= 1e-7 * (1 + abs(float(point[k])))
                    for k in unknowns
                )
                for other, _ in points
            ):
                points.append((point, False))
    folds, skipped = [], []
    field = None
    for point, exact in points:
        try:
            if exact:
                folds.append(_reduce_fold_at(f, variable_symbols, mu, point, 30))
            else:
                if field is None:
                    from ._numeric import jax_vector_field

                    field = jax_vector_field(list(f), variable_symbols, mu)
                folds.append(_reduce_numeric_point(field, variable_symbols, mu, point, 1e-7))
        except DegenerateError as error:
            skipped.append(
                SkippedPoint(
                    _coordinates_text(point), _classify(error), str(error), type(error).__name__
                )
            )
    folds.sort(key=lambda fold: float(fold.parameter_value))
    return FoldSearch(
        folds=tuple(folds),
        skipped=tuple(skipped),
        methods=tuple(methods),
        complete=complete,
        elapsed=time.perf_counter() - started,
    )


def _extended_residual(field, size):
    from .._jax import jax, jnp

    def residual(unknowns, arguments):
        x, mu = unknowns[:size], unknowns[size]
        value = field(x, mu)
        jacobian = jax.jacfwd(field)(x, mu)
        return jnp.concatenate([value, jnp.atleast_1d(jnp.linalg.det(jacobian))])

    return residual


@float64
def _numeric_points(f, variables, mu, *, starts, box, seed, tolerance):
    """Roots of (f, det Df) by Levenberg-Marquardt from random starts, polished by Newton."""
    import optimistix

    from .._jax import jax, jnp
    from ._numeric import jax_vector_field

    field = jax_vector_field(list(f), variables, mu)
    size = len(variables)
    residual = _extended_residual(field, size)
    generator = np.random.default_rng(seed)
    initial = generator.uniform(-box, box, size=(starts, size + 1))
    solver = optimistix.LevenbergMarquardt(rtol=1e-12, atol=1e-14)

    def solve_one(start):
        solution = optimistix.least_squares(residual, solver, start, max_steps=300, throw=False)
        return solution.value

    values = np.asarray(jax.jit(jax.vmap(solve_one))(jnp.asarray(initial)))
    jacobian = jax.jit(jax.jacfwd(lambda z: residual(z, None)))
    evaluate = jax.jit(lambda z: residual(z, None))
    found: list[np.ndarray] = []
    singular: list[np.ndarray] = []
    for value in values:
        if not np.all(np.isfinite(value)):
            continue
        z = value
        for _ in range(6):  # Newton polish: quadratic convergence at a regular root
            r = np.asarray(evaluate(jnp.asarray(z)))
            try:
                step = np.linalg.solve(np.asarray(jacobian(jnp.asarray(z))), -r)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            z = z + step
        r = np.asarray(evaluate(jnp.asarray(z)))
        if not np.all(np.isfinite(r)) or np.linalg.norm(r) > tolerance * (1 + np.linalg.norm(z)):
            continue
        singular_values = np.linalg.svd(np.asarray(jacobian(jnp.asarray(z))), compute_uv=False)
        if singular_values[-1] <= 1e-8 * max(singular_values[0], 1e-300):
            singular.append(z)  # on a curve of solutions, or a degenerate root: not isolated
            continue
        if all(np.linalg.norm(z - other) > 1e-6 * (1 + np.linalg.norm(z)) for other in found):
            found.append(z)
    unknowns = [*variables, mu]
    points = [{k: float(v) for k, v in zip(unknowns, z, strict=True)} for z in found]
    message = (
        f"numeric route (Levenberg-Marquardt from {starts} random starts in [-{box:g}, {box:g}]"
        f"^{size + 1}, seed {seed}): {len(points)} isolated solution(s) (not a proof of "
        "completeness)"
    )
    if singular:
        message += (
            f"; {len(singular)} start(s) ended on solutions where the extended system is "
            "singular (not isolated, or degenerate), left out"
        )
    return points, message


@dataclass(frozen=True, eq=False)
class RefinedFold:
    """A fold refined from an approximate point by Newton on the extended system

        F(x, mu) = (f(x, mu), det D_x f(x, mu)) = 0,

    then reduced numerically (:class:`~ghostsym.NumericFoldReduction`).

    Attributes:
        fold: the reduction at the refined point.
        start: the approximate point given, name -> value.
        residual: |F| at the refined point.
        tolerance: the acceptance tolerance on |F| (relative to 1 + |(x, mu)|).
        iterations: Newton steps taken.
    """

    fold: NumericFoldReduction
    start: dict
    residual: float
    tolerance: float
    iterations: int

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return {
            **self.fold.to_json(),
            "start": dict(self.start),
            "residual": self.residual,
            "tolerance": self.tolerance,
            "iterations": self.iterations,
        }


@float64
def refine_fold(
    equations: Sequence,
    variables: Sequence,
    parameter,
    at: Mapping,
    values: Mapping | None = None,
    *,
    tolerance: float = 1e-9,
    max_iterations: int = 50,
    option_names: Mapping[str, str] | None = None,
) -> RefinedFold:
    """Refine the approximate fold ``at`` by Newton on (f, det Df) = 0 and reduce it (float64).

    >>> refined = refine_fold(["mu - x**2 + x**3"], ["x"], "mu", {"x": 0.7, "mu": 0.15})
    >>> round(refined.fold.parameter_value * 27, 12), refined.residual < 1e-12
    (4.0, True)
    """
    from .._jax import jax, jnp
    from ._numeric import jax_vector_field, reduce_fold_numeric
    from ._symbolic import _exact

    options = _options(option_names)
    tolerance = require_positive("tolerance", tolerance)
    f, variable_symbols, mu = parse_system(
        equations, variables, parameter, values, option_names=option_names
    )
    if mu is None:
        raise InvalidInputError(f"a fold needs the bifurcation {options['parameter']}")
    names = {symbol.name: symbol for symbol in (*variable_symbols, mu)}
    point = {}
    for key, value in at.items():
        symbol = names.get(key) if isinstance(key, str) else key
        if symbol not in names.values():
            raise InvalidInputError(
                f"{options['at']} names {key!r}, which is not a variable or the parameter"
            )
        number = _exact(f"{options['at']} {symbol}", value, {})
        if number.free_symbols or not number.is_real:
            raise InvalidInputError(f"{options['at']} {symbol}: expected a real number")
        point[symbol] = float(number)
    unknowns = [*variable_symbols, mu]
    missing = [str(symbol) for symbol in unknowns if symbol not in point]
    if missing:
        raise InvalidInputError(
            f"{options['at']} must give every variable and the parameter; missing {missing}"
        )
    leftover = f.free_symbols - set(unknowns)
    if leftover:
        raise InvalidInputError(
            f"the numeric route needs numbers for {sorted(map(str, leftover))} "
            f"(give them with {options['values']})"
        )
    field = jax_vector_field(list(f), variable_symbols, mu)
    size = len(variable_symbols)
    residual = _extended_residual(field, size)
    evaluate = jax.jit(lambda z: residual(z, None))
    jacobian = jax.jit(jax.jacfwd(lambda z: residual(z, None)))
    # far from a fold |F| can overflow: that is a result (no fold here), not a warning
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.array([point[symbol] for symbol in unknowns])
        iterations = 0
        norm = float(np.linalg.norm(np.asarray(evaluate(jnp.asarray(z)))))
        polish = 0  # once within tolerance, up to 3 more steps while |F| still falls
        while iterations < max_iterations and norm > 0.0 and polish < 3:
            if norm <= tolerance * (1 + np.linalg.norm(z)):
                polish += 1
            matrix = np.asarray(jacobian(jnp.asarray(z)))
            step = np.linalg.lstsq(matrix, -np.asarray(evaluate(jnp.asarray(z))), rcond=None)[0]
            scale = 1.0  # backtracking: Newton must lower |F|
            while scale > 1e-4:
                candidate = z + scale * step
                candidate_norm = float(np.linalg.norm(np.asarray(evaluate(jnp.asarray(candidate)))))
                if candidate_norm < norm:
                    break
                scale /= 2
            else:
                break
            z, norm = candidate, candidate_norm
            iterations += 1
        if not norm <= tolerance * (1 + np.linalg.norm(z)):
            raise DegenerateError(
                f"Newton on f = 0, det Df = 0 from {_coordinates_text(point)} stopped at "
                f"|F| = {norm:.3g} after {iterations} steps (tolerance {tolerance:g}): no fold "
                "near this point"
            )
        fold = reduce_fold_numeric(field, z[:size], float(z[size]), tolerance=1e-7)
    return RefinedFold(
        fold=fold,
        start=_coordinates_text(point),
        residual=norm,
        tolerance=tolerance,
        iterations=iterations,
    )

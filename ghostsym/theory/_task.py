"""The delayed-activation task on the canonical ghost, and the critical learning rate it implies.

The output must stay off for a delay T and switch on for a response window R (default R = T).
In the infinite-confidence limit the output switches when x' = r + x^2, started at 0, blows up,
at t*(r) = pi/(2 sqrt r) (derived in :mod:`ghostsym.theory`). Everything below is derived by
SymPy from that one expression:

* optimum r* solves t*(r) = T; no-learning boundary r_NL solves t*(r) = T + R;
* loss L(r) = |T - t*(r)| while the switch happens inside the trial, R (flat) otherwise; t* is
  strictly decreasing in r (SymPy checks the sign of dt*/dr), so the branches are r <= r_NL,
  r_NL < r < r* (switch late) and r >= r* (switch early);
* dL/dr by ``sympy.diff`` of the Piecewise; its size at the optimum (a kink, not a zero);
* critical learning rate alpha_c = (r* - r_NL)/|dL/dr|(r*): the largest step from just above r*
  that cannot land in the no-learning zone; the same with L/T;
* its exponent T d/dT log alpha_c at a fixed ratio R/T (exact), at a fixed R, and the limit of
  the latter for T -> infinity;
* the number of descent steps from r_0 to r*, integrating dr/dn = -eta dL/dr.

>>> theory = delayed_activation_theory()
>>> theory.critical_learning_rate.latex()
'\\\\alpha_{c} = \\\\frac{3 \\\\pi^{4}}{32 T^{5}}'
>>> theory.critical_exponent.expression
-5
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import sympy

from .. import notation
from ..errors import (
    InvalidInputError,
    OutOfRangeError,
    require_positive,
    require_representable,
)
from ..expressions import DerivedExpression
from ._canonical import canonical_form
from ._derivation_cache import cached_derivation

__all__ = [
    "DelayedActivationTheory",
    "DelayedActivationNumbers",
    "delayed_activation_theory",
    "critical_learning_rate",
    "task_loss",
    "task_gradient",
    "descent_steps_estimate",
    "scaled_descent_map",
    "representable_delay_range",
]


@dataclass(frozen=True)
class DelayedActivationNumbers:
    """Numbers of the delayed-activation theory at one (T, R), as floats.

    ``optimum`` = r* = pi^2/(4 T^2); ``no_learning_boundary`` = r_NL = pi^2/(4 (T+R)^2);
    ``gradient_at_optimum`` = |dL/dr|(r*) (2 T^3/pi^2 un-normalised); ``critical_learning_rate``
    = (r* - r_NL)/|dL/dr|(r*); ``critical_exponent`` = T d/dT log alpha_c at fixed R/T;
    ``fixed_window_exponent`` = T d/dT log alpha_c at fixed R (here); ``asymptotic_exponent`` =
    its limit T -> infinity. ``latex`` maps the JSON names to the formulas in LaTeX.
    """

    delay: float
    response_window: float
    normalised: bool
    optimum: float
    no_learning_boundary: float
    gradient_at_optimum: float
    critical_learning_rate: float
    critical_exponent: float
    fixed_window_exponent: float
    asymptotic_exponent: float
    latex: dict = dataclasses.field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        """The CLI's JSON payload (keys ``T, R, normalised, r_opt, r_nl, grad_at_opt, ...``).

        >>> sorted(delayed_activation_theory(T=100).numbers().to_json())[:4]
        ['R', 'T', 'critical_exponent', 'critical_lr']
        """
        return {
            "T": self.delay,
            "R": self.response_window,
            "normalised": self.normalised,
            "r_opt": self.optimum,
            "r_nl": self.no_learning_boundary,
            "grad_at_opt": self.gradient_at_optimum,
            "critical_lr": self.critical_learning_rate,
            "critical_exponent": self.critical_exponent,
            "latex": dict(self.latex),
        }


@dataclass(frozen=True)
class DelayedActivationTheory:
    """Derived closed forms of the delayed-activation task (delay T, response window R).

    With t*(r) = pi/(2 sqrt r)::

        r*      = pi^2 / (4 T^2)                 r_NL = pi^2 / (4 (T + R)^2)
        L(r)    = R if r <= r_NL;  t* - T if r < r*;  T - t* otherwise      (divided by T if
        dL/dr   = 0;  -pi/(4 r^{3/2});  +pi/(4 r^{3/2})                       ``normalised``)
        alpha_c = (r* - r_NL) / |dL/dr|(r*)      = 3 pi^4/(32 T^5) for R = T (3 pi^4/(32 T^4)
                                                   normalised)
        n(r_0)  = integral_{r*}^{r_0} dr / (eta dL/dr) = 8 (r_0^{5/2} - r*^{5/2}) / (5 pi eta)

    ``delay`` and ``response_window`` are the values substituted for T and R (SymPy symbols
    when symbolic). Each remaining attribute is a :class:`~ghostsym.DerivedExpression`;
    ``critical_exponent`` is T d/dT log alpha_c at fixed R/T (exact: -5, or -4 normalised),
    ``fixed_window_exponent`` the same at fixed R, ``asymptotic_exponent`` its T -> infinity
    limit (-6, or -5 normalised).
    """

    delay: sympy.Expr
    response_window: sympy.Expr
    normalised: bool
    switch_time: DerivedExpression
    optimum: DerivedExpression
    no_learning_boundary: DerivedExpression
    loss: DerivedExpression
    gradient: DerivedExpression
    gradient_at_optimum: DerivedExpression
    critical_learning_rate: DerivedExpression
    critical_exponent: DerivedExpression
    fixed_window_exponent: DerivedExpression
    asymptotic_exponent: DerivedExpression
    descent_steps: DerivedExpression
    descent_steps_from_below: DerivedExpression

    _EXPRESSION_FIELDS = (
        "switch_time",
        "optimum",
        "no_learning_boundary",
        "loss",
        "gradient",
        "gradient_at_optimum",
        "critical_learning_rate",
        "critical_exponent",
        "fixed_window_exponent",
        "asymptotic_exponent",
        "descent_steps",
        "descent_steps_from_below",
    )

    def expressions(self) -> tuple[DerivedExpression, ...]:
        """All derived expressions, in derivation order.

        >>> [e.name for e in delayed_activation_theory().expressions()][:3]
        ['t^{*}', 'r^{*}', 'r_{\\\\mathrm{NL}}']
        """
        return tuple(getattr(self, name) for name in self._EXPRESSION_FIELDS)

    def substitute(self, values) -> DelayedActivationTheory:
        """The theory with some symbols replaced (e.g. ``{notation.T: 100}``).

        >>> from ghostsym import notation
        >>> theory = delayed_activation_theory(R=notation.R).substitute({notation.R: 50})
        >>> theory.response_window
        50
        """
        values = {_as_sympy(k): _as_sympy(v) for k, v in dict(values).items() if k is not v}
        changes = {
            name: _substitute(getattr(self, name), values) for name in self._EXPRESSION_FIELDS
        }
        return dataclasses.replace(
            self,
            delay=_as_sympy(self.delay).subs(values),
            response_window=_as_sympy(self.response_window).subs(values),
            **changes,
        )

    def numbers(self) -> DelayedActivationNumbers:
        """Evaluate the scalar quantities (needs numeric T and R).

        >>> numbers = delayed_activation_theory(T=100).numbers()
        >>> f"{numbers.critical_learning_rate:.4e}", numbers.critical_exponent
        ('9.1321e-10', -5.0)
        """
        if not (self.delay.is_number and self.response_window.is_number):
            raise InvalidInputError(
                "numbers() needs numeric T and R; got "
                f"T={self.delay}, R={self.response_window} (pass T= and R=)"
            )

        def value(expression: DerivedExpression) -> float:
            name = _PLAIN_NAMES[next(f for f in _PLAIN_NAMES if getattr(self, f) is expression)]
            try:
                return require_representable(name, expression.evaluate({}, 30))
            except OutOfRangeError as error:
                window = None if self.response_window == self.delay else self.response_window
                low, high = representable_delay_range(
                    None if window is None else float(window), bool(self.normalised)
                )
                where = "R = T" if window is None else f"R = {float(window):g}"
                raise OutOfRangeError(
                    f"at T = {float(self.delay):g}, {error}; every derived number is a normal "
                    f"float64 only for T in [{low:.4g}, {high:.4g}] ({where})",
                    quantity=error.quantity,
                    value=error.value,
                    argument="T",
                    valid_range=(low, high),
                ) from None

        latex = {
            "r_opt": self.optimum.latex(),
            "r_nl": self.no_learning_boundary.latex(),
            "grad_at_opt": self.gradient_at_optimum.latex(),
            "critical_lr": self.critical_learning_rate.latex(),
            "critical_exponent": self.critical_exponent.latex(),
        }
        return DelayedActivationNumbers(
            delay=float(self.delay),
            response_window=float(self.response_window),
            normalised=self.normalised,
            optimum=value(self.optimum),
            no_learning_boundary=value(self.no_learning_boundary),
            gradient_at_optimum=value(self.gradient_at_optimum),
            critical_learning_rate=value(self.critical_learning_rate),
            critical_exponent=value(self.critical_exponent),
            fixed_window_exponent=value(self.fixed_window_exponent),
            asymptotic_exponent=value(self.asymptotic_exponent),
            latex=latex,
        )


#: Plain-text names of the derived numbers, for messages.
_PLAIN_NAMES = {
    "optimum": "r*",
    "no_learning_boundary": "r_NL",
    "gradient_at_optimum": "|dL/dr|(r*)",
    "critical_learning_rate": "alpha_c",
    "critical_exponent": "the exponent at fixed R/T",
    "fixed_window_exponent": "the exponent at fixed R",
    "asymptotic_exponent": "the exponent as T -> infinity",
}


@lru_cache(maxsize=64)
def representable_delay_range(R=None, normalised: bool = False) -> tuple[float, float]:
    """(smallest, largest) delay T at which every derived number is a normal float64.

    ``R``: a fixed response window, or None for R = T. The derived numbers (r*, r_NL,
    |dL/dr|(r*), alpha_c and the exponents) are evaluated in mpmath at 30 digits (no overflow
    there) on a grid of log10 T, and the edges of the representable interval are bisected to a
    relative precision of 1e-9 in T. Every one of these numbers is monotone in T, so the
    representable delays form one interval; (nan, nan) if there are none.

    >>> low, high = representable_delay_range()
    >>> f"{low:.3e}", f"{high:.3e}"
    ('3.477e-62', '5.280e+61')
    """
    import mpmath

    general = delayed_activation_theory(
        R=None if R is None else notation.R, normalised=bool(normalised)
    )
    window = None if R is None else mpmath.mpf(require_positive("R", R))
    functions = []
    for field in (
        "optimum",
        "no_learning_boundary",
        "gradient_at_optimum",
        "critical_learning_rate",
        "critical_exponent",
        "fixed_window_exponent",
        "asymptotic_exponent",
    ):
        expression = getattr(general, field).expression
        functions.append(sympy.lambdify((notation.T, notation.R), expression, "mpmath"))
    smallest, largest = mpmath.mpf(np.finfo(np.float64).tiny), mpmath.mpf(np.finfo(np.float64).max)

    def representable(log_delay) -> bool:
        delay = mpmath.power(10, log_delay)
        with mpmath.workdps(30):
            for function in functions:
                number = abs(mpmath.mpf(function(delay, delay if window is None else window)))
                if number != 0 and not smallest <= number <= largest:
                    return False
        return True

    grid = np.arange(-330.0, 331.0, 1.0)
    good = [x for x in grid if representable(mpmath.mpf(x))]
    if not good:
        return (math.nan, math.nan)

    def edge(inside, outside):
        inside, outside = mpmath.mpf(inside), mpmath.mpf(outside)
        while abs(inside - outside) > 1e-10:
            middle = (inside + outside) / 2
            inside, outside = (middle, outside) if representable(middle) else (inside, middle)
        return float(mpmath.power(10, inside))

    return (edge(min(good), min(good) - 1), edge(max(good), max(good) + 1))


def _substitute(expression: DerivedExpression, values) -> DerivedExpression:
    """``expression`` with ``values`` substituted; symbols the values bring in become arguments."""
    substituted = expression.expression.subs(values)
    remaining = [symbol for symbol in expression.arguments if symbol not in values]
    remaining = [symbol for symbol in remaining if substituted.has(symbol)] + sorted(
        substituted.free_symbols - set(remaining), key=str
    )
    return DerivedExpression(expression.name, substituted, tuple(remaining), expression.description)


@cache
@cached_derivation
def _general_theory(normalised: bool) -> DelayedActivationTheory:
    """The theory in general T and R (cached per normalisation)."""
    r, T, R = notation.r, notation.T, notation.R
    eta, r0, rho = notation.learning_rate, notation.r_start, notation.ratio
    switch_time = canonical_form().blow_up_time.expression  # t*(r) = pi / (2 sqrt r)

    # Monotonicity of t*(r) (checked on a positive stand-in for r) turns "switch late/early"
    # into conditions on r relative to the solutions of t* = T and t* = T + R.
    positive_r = sympy.Symbol("r_positive", positive=True)
    if not sympy.diff(switch_time.subs(r, positive_r), positive_r).is_negative:
        raise AssertionError("t*(r) must be strictly decreasing for the branch conditions")
    (optimum,) = sympy.solve(sympy.Eq(switch_time, T), r)
    (no_learning_boundary,) = sympy.solve(sympy.Eq(switch_time, T + R), r)

    scale = 1 / T if normalised else sympy.Integer(1)
    # |T - t*| with its sign fixed on each branch; R (the whole window wrong) when t* >= T + R.
    loss = scale * sympy.Piecewise(
        (R, r <= no_learning_boundary),
        (switch_time - T, r < optimum),
        (T - switch_time, True),
    )
    gradient = sympy.diff(loss, r)

    # The step of the one-step argument is taken from just above r*: the early branch.
    early_branch_gradient = sympy.diff(scale * (T - switch_time), r)
    late_branch_gradient = sympy.diff(scale * (switch_time - T), r)
    gradient_at_optimum = sympy.simplify(sympy.Abs(early_branch_gradient.subs(r, optimum)))
    critical = sympy.factor(sympy.simplify((optimum - no_learning_boundary) / gradient_at_optimum))

    log_derivative = T * sympy.diff(sympy.log(critical), T)  # at fixed R
    fixed_window_exponent = sympy.factor(sympy.simplify(log_derivative))
    at_fixed_ratio = T * sympy.diff(sympy.log(critical.subs(R, rho * T)), T)
    critical_exponent = sympy.simplify(at_fixed_ratio).subs(rho, R / T)
    if critical_exponent.has(T):  # an exact power law in T at fixed R/T, whatever the ratio
        critical_exponent = sympy.simplify(critical_exponent)
    asymptotic_exponent = sympy.limit(fixed_window_exponent, T, sympy.oo)

    # dr/dn = -eta dL/dr  =>  dn = -dr / (eta dL/dr); integrate from r_0 down (or up) to r*.
    positive_start = sympy.Symbol("r_start_positive", positive=True)
    steps_above = sympy.integrate(
        (1 / (eta * early_branch_gradient)).subs(r, positive_r),
        (positive_r, optimum, positive_start),
    )
    steps_below = sympy.integrate(
        (-1 / (eta * late_branch_gradient)).subs(r, positive_r),
        (positive_r, positive_start, optimum),
    )
    steps_above = steps_above.subs(positive_start, r0)
    steps_below = steps_below.subs(positive_start, r0)

    suffix = " of L/T" if normalised else ""
    loss_name = "L(r)/T" if normalised else "L(r)"
    gradient_name = "\\frac{1}{T}\\frac{dL}{dr}" if normalised else "\\frac{dL}{dr}"
    return DelayedActivationTheory(
        delay=T,
        response_window=R,
        normalised=normalised,
        switch_time=DerivedExpression("t^{*}", switch_time, (r,), "switch (blow-up) time from 0"),
        optimum=DerivedExpression("r^{*}", optimum, (T,), "optimum: t*(r) = T"),
        no_learning_boundary=DerivedExpression(
            "r_{\\mathrm{NL}}",
            no_learning_boundary,
            (T, R),
            "no-learning boundary: t*(r) = T + R; the loss is flat below it",
        ),
        loss=DerivedExpression(loss_name, loss, (r, T, R), "idealised task loss" + suffix),
        gradient=DerivedExpression(
            gradient_name, gradient, (r, T, R), "gradient of the idealised loss" + suffix
        ),
        gradient_at_optimum=DerivedExpression(
            "\\left|" + gradient_name + "\\right|_{r^{*}}",
            gradient_at_optimum,
            (T,),
            "gradient size at the optimum (a kink: the same on both sides)" + suffix,
        ),
        critical_learning_rate=DerivedExpression(
            "\\alpha_{c}",
            critical,
            (T, R),
            "critical learning rate of gradient descent" + suffix,
        ),
        critical_exponent=DerivedExpression(
            "\\left. \\frac{d \\log \\alpha_{c}}{d \\log T} \\right|_{R/T}",
            critical_exponent,
            tuple(s for s in (T, R) if critical_exponent.has(s)),
            "exponent of the critical learning rate in T at fixed R/T" + suffix,
        ),
        fixed_window_exponent=DerivedExpression(
            "\\left. \\frac{d \\log \\alpha_{c}}{d \\log T} \\right|_{R}",
            fixed_window_exponent,
            (T, R),
            "local exponent of the critical learning rate in T at fixed R" + suffix,
        ),
        asymptotic_exponent=DerivedExpression(
            "\\lim_{T \\to \\infty} \\left. \\frac{d \\log \\alpha_{c}}{d \\log T} \\right|_{R}",
            asymptotic_exponent,
            (),
            "exponent of the critical learning rate for a fixed window, T -> infinity" + suffix,
        ),
        descent_steps=DerivedExpression(
            "n(r_0 \\to r^{*})",
            steps_above,
            (eta, r0, T),
            "gradient-descent steps from r_0 > r* down to r* (continuous-step estimate)" + suffix,
        ),
        descent_steps_from_below=DerivedExpression(
            "n(r_0 \\to r^{*})",
            steps_below,
            (eta, r0, T),
            "gradient-descent steps from r_NL < r_0 < r* up to r* (continuous estimate)" + suffix,
        ),
    )


def _as_exact(name: str, value):
    """A positive number as an exact SymPy rational (so r* at T = 100 prints as pi^2/40000)."""
    if isinstance(value, sympy.Basic):
        return value
    return sympy.Rational(repr(require_positive(name, value)))


def delayed_activation_theory(T=None, R=None, normalised: bool = False) -> DelayedActivationTheory:
    """The derived theory of the delayed-activation task.

    ``T``: the delay, a positive number, or None to keep the symbol T. ``R``: the response
    window; None means the task's default R = T; pass ``notation.R`` for a general window.
    ``normalised``: use L/T (the paper's plotted loss) instead of L (what its 1-D code
    differentiates). Numbers are substituted exactly, so formulas stay readable.

    >>> theory = delayed_activation_theory(T=100)
    >>> theory.optimum.latex()
    'r^{*} = \\\\frac{\\\\pi^{2}}{40000}'
    >>> delayed_activation_theory(normalised=True).critical_learning_rate.latex()
    '\\\\alpha_{c} = \\\\frac{3 \\\\pi^{4}}{32 T^{4}}'
    >>> delayed_activation_theory(T=-1)
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: T must be a finite number > 0, got -1
    """
    delay = notation.T if T is None else _as_exact("T", T)
    window = delay if R is None else _as_exact("R", R)
    theory = _general_theory(bool(normalised))
    values = {notation.R: window}
    if delay != notation.T:
        values[notation.T] = delay
    return theory.substitute(values)


@cache
def scaled_descent_map(normalised: bool = False) -> DerivedExpression:
    """One descent step in scaled units: u = r/r*, eta = kappa alpha_c, R = rho T.

    Derived by substituting these into (r - eta dL/dr)/r*; SymPy checks that T drops out, so
    the descent (and hence the numeric critical learning rate over alpha_c) depends on R/T only,
    and it is the same map for L and L/T::

        u -> u                                          u <= 1/(1 + rho)^2   (no learning)
        u -> u + kappa rho (rho + 2) / ((rho + 1)^2 u^{3/2})   u < 1
        u -> u - kappa rho (rho + 2) / ((rho + 1)^2 u^{3/2})   otherwise

    >>> scaled_descent_map().arguments
    (u, kappa, rho)
    >>> float(scaled_descent_map()(1.0, 1.0, 1.0))  # one step from r* at alpha_c lands on r_NL
    0.25
    """
    theory = _general_theory(bool(normalised))
    r, T, R, eta = notation.r, notation.T, notation.R, notation.learning_rate
    u, kappa, rho = notation.scaled_r, notation.learning_rate_ratio, notation.ratio
    optimum = theory.optimum.expression
    step = (r - eta * theory.gradient.expression) / optimum
    step = step.subs(eta, kappa * theory.critical_learning_rate.expression)
    step = sympy.piecewise_fold(step.subs(r, u * optimum).subs(R, rho * T))
    pieces = []
    for expression, condition in step.args:
        if condition != sympy.true:  # both sides are linear in u: solve for the bound on u
            difference = sympy.expand(condition.lhs - condition.rhs)
            slope = difference.coeff(u)
            bound = sympy.factor(-difference.subs(u, 0) / slope)
            # dividing by a negative slope flips the inequality: keep u on the matching side
            condition = condition.func(u, bound) if slope.is_positive else condition.func(bound, u)
        pieces.append((u + sympy.factor(sympy.simplify(expression - u)), condition))
    scaled = sympy.Piecewise(*pieces)
    if scaled.has(T):
        raise AssertionError(f"the scaled descent map still depends on T: {scaled}")
    return DerivedExpression(
        "u_{n+1}",
        scaled,
        (u, kappa, rho),
        "one gradient-descent step in units u = r/r*, kappa = eta/alpha_c, rho = R/T",
    )


# --- numeric helpers (vectorised over NumPy arrays) -----------------------------------------
def _window(T, R):
    T = np.asarray(T, dtype=np.float64)
    R = T if R is None else np.asarray(R, dtype=np.float64)
    for name, value in (("T", T), ("R", R)):
        if not np.all(np.isfinite(value) & (value > 0)):
            bad = value[~(np.isfinite(value) & (value > 0))].ravel()[0]
            raise InvalidInputError(f"{name} must be finite and > 0, got {bad!r}")
    return T, R


def critical_learning_rate(T, R=None, normalised: bool = False):
    """alpha_c(T, R) = (r* - r_NL)/|dL/dr|(r*), vectorised over arrays of T and R.

    >>> f"{critical_learning_rate(100.0):.5e}"
    '9.13210e-10'
    >>> [f"{value:.4e}" for value in critical_learning_rate([10.0, 100.0], normalised=True)]
    ['9.1321e-04', '9.1321e-08']
    """
    T, R = _window(T, R)
    expression = _general_theory(bool(normalised)).critical_learning_rate
    return expression(T, R)


def task_loss(r, T, R=None, normalised: bool = False):
    """The idealised loss L(r) (or L/T), vectorised; flat (= R) for r <= r_NL, including r <= 0.

    >>> float(task_loss(np.pi**2 / 4e4, 100.0))  # at the optimum
    0.0
    >>> float(task_loss(-1.0, 100.0, normalised=True))  # no-learning zone: the whole window wrong
    1.0
    """
    T, R = _window(T, R)
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # unused branches at r <= 0
        return _general_theory(bool(normalised)).loss(r, T, R)


def task_gradient(r, T, R=None, normalised: bool = False):
    """dL/dr (or d(L/T)/dr), vectorised; exactly 0 in the no-learning zone r <= r_NL.

    >>> float(task_gradient(np.pi**2 / 4e4 * 1.0001, 100.0)) / (2e6 / np.pi**2)  # 2T^3/pi^2
    0.99985...
    >>> float(task_gradient(0.0, 100.0))
    0.0
    """
    T, R = _window(T, R)
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _general_theory(bool(normalised)).gradient(r, T, R)


def descent_steps_estimate(r_start, learning_rate, T, R=None, normalised: bool = False):
    """Continuous estimate of the descent steps from ``r_start`` to r* (scalar).

    From above r*: n = 8 (r_0^{5/2} - r*^{5/2})/(5 pi eta) (times T if normalised); from the
    late branch r_NL < r_0 < r*: n = 8 (r*^{5/2} - r_0^{5/2})/(5 pi eta); ``math.inf`` from the
    no-learning zone r_0 <= r_NL, where the gradient is zero.

    >>> alpha_c = critical_learning_rate(100.0)
    >>> round(descent_steps_estimate(10 * np.pi**2 / 4e4, alpha_c, 100.0), 1)  # about 168
    168.1
    """
    learning_rate = require_positive("learning_rate", learning_rate)
    T = require_positive("T", T)
    R = T if R is None else require_positive("R", R)
    if isinstance(r_start, bool) or not np.isfinite(float(r_start)):
        raise InvalidInputError(f"r_start must be a finite number, got {r_start!r}")
    r_start = float(r_start)
    theory = _general_theory(bool(normalised))
    optimum = float(theory.optimum(T))
    if r_start <= float(theory.no_learning_boundary(T, R)):
        return math.inf
    expression = theory.descent_steps if r_start >= optimum else theory.descent_steps_from_below
    return float(expression(learning_rate, r_start, T))


def _as_sympy(value) -> sympy.Basic:
    """``value`` (a SymPy object or a number) as a SymPy object; text is refused, never evaluated.

    >>> _as_sympy(2.5), _as_sympy(notation.T)
    (2.50000000000000, T)
    """
    try:
        return sympy.sympify(value, strict=True)
    except sympy.SympifyError:
        raise InvalidInputError(
            f"expected a SymPy expression or a number, got {type(value).__name__} {value!r}"
        ) from None

"""The derivation chain of the canonical ghost and the delayed-activation task, as LaTeX sections.

canonical form -> passage times -> task loss -> gradient -> critical learning rate -> exponent
-> descent map and step estimate -> finite confidence. Every equation is rendered from the
SymPy objects the package derives (never from typed-in LaTeX); prose blocks only explain them.

>>> sections = theory_sections()
>>> [section.title for section in sections][:2]
['The canonical form of a ghost', 'Passage times']
"""

from __future__ import annotations

import sympy

from .. import notation
from ..expressions import DerivedExpression
from ..theory._canonical import canonical_form
from ..theory._confidence import SATURATION, SERIES_THRESHOLD, confidence_integrands
from ..theory._task import delayed_activation_theory, scaled_descent_map
from ._build import DocumentSection, Equation

__all__ = ["theory_sections"]


def _equation(left, right, label: str = "") -> Equation:
    """``left = right`` from two SymPy objects, in the central notation."""
    return Equation(f"{notation.latex(left)} = {notation.latex(right)}", label)


def _canonical_sections() -> tuple[DocumentSection, ...]:
    form = canonical_form()
    r, x, x0, x1 = notation.r, notation.x, notation.x0, notation.x1
    flow = form.flow.expression
    passage_integral = sympy.Integral(1 / flow, (x, x0, x1))
    whole_line = sympy.Integral(1 / flow, (x, -sympy.oo, sympy.oo))
    canonical = DocumentSection(
        "The canonical form of a ghost",
        (
            "Near a saddle-node bifurcation every finite-dimensional flow reduces to the "
            "canonical form",
            form.flow,
            "For $r > 0$ there is no fixed point (a ghost: a bottleneck near $x = 0$); at "
            "$r = 0$ the node and saddle merge (the fold); for $r < 0$ there is a node at "
            f"${notation.latex(-sympy.sqrt(-r))}$ and a saddle at "
            f"${notation.latex(sympy.sqrt(-r))}$.",
        ),
    )
    passage = DocumentSection(
        "Passage times",
        (
            "Separating variables, the time to go from $x_0$ to $x_1$ is SymPy's "
            "antiderivative of $1/(r + x^2)$ between the two points (for $r > 0$):",
            _equation(passage_integral, form.passage_time.expression, "eq:passage"),
            "Solving $t = \\tau(x_0 \\to x)$ for the end point gives the trajectory",
            form.trajectory,
            "Its escape time to $+\\infty$ is the limit $x_1 \\to \\infty$ of the passage time; "
            "from $x_0 = 0$ this is the blow-up time",
            form.escape_time,
            form.blow_up_time,
            "The full bottleneck, from $-\\infty$ to $+\\infty$, is the integral over the line:",
            _equation(whole_line, form.bottleneck_time.expression, "eq:bottleneck"),
            "For $r < 0$ the trajectory is the analytic continuation "
            f"${notation.latex(sympy.sqrt(r))} \\to i {notation.latex(sympy.sqrt(-r))}$ "
            "($\\tan \\to \\tanh$) and at $r = 0$ its limit:",
            form.node_trajectory,
            form.fold_trajectory,
            "A passage that meets a fixed point never completes (its time is $+\\infty$); above "
            "the saddle the state still escapes, after",
            form.node_escape_time,
        ),
    )
    return canonical, passage


def _task_sections() -> tuple[DocumentSection, ...]:
    general = delayed_activation_theory(R=notation.R)
    default = delayed_activation_theory()
    normalised = delayed_activation_theory(normalised=True)
    switch = general.switch_time.expression
    task = DocumentSection(
        "The delayed-activation task",
        (
            "The output must stay off for a delay $T$ and switch on for a response window $R$. "
            "In the infinite-confidence limit the output switches at the blow-up time "
            f"${general.switch_time.latex()}$. Solving ${notation.latex(switch)} = T$ and "
            f"${notation.latex(switch)} = T + R$ for $r$ gives the optimum and the "
            "no-learning boundary:",
            general.optimum,
            general.no_learning_boundary,
            "Because $t^{*}$ decreases with $r$, the switch is late for "
            "$r_{\\mathrm{NL}} < r < r^{*}$ and early for $r > r^{*}$; below "
            "$r_{\\mathrm{NL}}$, including the fold $r = 0$, it never happens within the trial "
            "and the whole window is wrong. The idealised loss $|T - t^{*}|$ is",
            general.loss,
            "and its derivative, by differentiating each branch,",
            general.gradient,
            "The gradient does not vanish at the minimum: the optimum is a kink of size",
            general.gradient_at_optimum,
            "and below $r_{\\mathrm{NL}}$ it is exactly zero: the no-learning zone. For the "
            "paper's window $R = T$:",
            default.no_learning_boundary,
        ),
    )
    critical = DocumentSection(
        "The critical learning rate",
        (
            "A gradient-descent step $r \\leftarrow r - \\eta\\, dL/dr$ taken from just above "
            "$r^{*}$ must not land below $r_{\\mathrm{NL}}$. The largest such step defines",
            _equation(
                sympy.Symbol("alpha_c"),
                (sympy.Symbol("r^{*}") - sympy.Symbol("r_{\\mathrm{NL}}"))
                / sympy.Symbol("\\left|dL/dr\\right|_{r^{*}}"),
            ),
            general.critical_learning_rate,
            "For $R = T$, for the loss $L$ and for $L/T$ (the paper's plotted loss):",
            default.critical_learning_rate,
            normalised.critical_learning_rate,
            "Because $r - \\eta\\, dL/dr$ increases with $r$ above $r^{*}$, the step from $r^{*}$ "
            "itself lands lowest: for $\\eta < \\alpha_c$ no descent started above "
            "$r_{\\mathrm{NL}}$ can ever enter the no-learning zone.",
        ),
    )
    ratio_exponent = general.critical_exponent
    exponents = DocumentSection(
        "Exponents of the critical learning rate",
        (
            "At a fixed ratio $\\rho = R/T$ the logarithmic derivative is exact and independent "
            "of $\\rho$:",
            ratio_exponent,
            DerivedExpression(
                ratio_exponent.name,
                normalised.critical_exponent.expression,
                (),
                "normalised",
            ),
            "(the second for $L/T$). At a fixed window $R$ the local exponent depends on $T/R$",
            general.fixed_window_exponent,
            "and tends to",
            general.asymptotic_exponent,
            f"(and ${notation.latex(normalised_asymptotic())}$ for $L/T$) as $T \\to \\infty$.",
        ),
    )
    scaled = scaled_descent_map()
    u_start = 10 * sympy.Integer(1)
    steps_in_units = sympy.simplify(
        default.descent_steps.expression.subs(
            notation.r_start, u_start * default.optimum.expression
        )
        * notation.learning_rate
        / default.critical_learning_rate.expression
    )
    dynamics = DocumentSection(
        "Learning dynamics",
        (
            "In the scaled variables $u = r/r^{*}$, $\\kappa = \\eta/\\alpha_c$, "
            "$\\rho = R/T$ one descent step is a map that does not depend on $T$ (the same for "
            "$L$ and $L/T$):",
            scaled,
            "so a numeric critical learning rate found by simulating descent is $\\alpha_c$ "
            "times a $T$-independent factor, and its exponent in $T$ is the derived one. "
            "Above $u = 1$ the map expands; below it may contract, and attracting periodic "
            "orbits can avoid the collapse window just above $r^{*}$ for some starts.",
            "Integrating $dr/dn = -\\eta\\, dL/dr$ from $r_0 > r^{*}$ down to $r^{*}$ estimates "
            "the number of steps to learn:",
            default.descent_steps,
            "From the paper's start $r_0 = 10\\, r^{*}$, in units of $\\alpha_c/\\eta$ "
            "(independent of $T$):",
            _equation(
                notation.steps * notation.learning_rate / sympy.Symbol("alpha_c"),
                steps_in_units,
            ),
        ),
    )
    return task, critical, exponents, dynamics


def normalised_asymptotic():
    """The T -> infinity exponent of alpha_c at a fixed window for the loss L/T.

    >>> normalised_asymptotic()
    -5
    """
    return delayed_activation_theory(R=notation.R, normalised=True).asymptotic_exponent.expression


def _confidence_section() -> DocumentSection:
    forms = confidence_integrands()
    t, T, R = notation.t, notation.T, notation.R
    target = sympy.Symbol("y_target", nonnegative=True)
    sigma = sympy.Function("sigma")
    loss = sympy.Integral((sigma(t) - target) ** 2, (t, 0, T + R))
    return DocumentSection(
        "Finite output confidence",
        (
            "With the sigmoid readout $\\sigma(a(x(t) - X))$ of gain $a$ and threshold $X$ the "
            "loss is the integral of the squared error over the trial, with target "
            "$y = 0$ for $t < T$ and $y = 1$ afterwards:",
            _equation(sympy.Symbol("L"), loss),
            "Writing $\\tan(\\sqrt{r}\\, t) = \\sqrt{r}\\, S$ turns the canonical trajectory "
            'into a M\\"obius map of $S$, with $S$ analytic in $r$:',
            forms.state,
            forms.ghost_s,
            forms.node_s,
            "Near $r = 0$ the closed form of $\\partial S/\\partial r$ cancels digits, so "
            f"below $|r| t^2 = {SERIES_THRESHOLD:g}$ its Taylor series is used:",
            forms.series_s,
            "The integrand and its $r$-derivative (with $S_r = \\partial S/\\partial r$):",
            forms.output,
            forms.integrand_derivative,
            "Both integrals are computed by adaptive quadrature, split at the target switch, "
            "at the times $x$ passes the sigmoid's edge, and at the escape time, after which "
            "the output is $1$ (the Leibniz boundary term vanishes because the output is "
            f"continuous there); beyond $a(x - X) = {SATURATION:g}$ the sigmoid is $1$ "
            "in double precision.",
        ),
    )


def theory_sections() -> tuple[DocumentSection, ...]:
    """The sections of the derivation document for the canonical ghost and the task.

    >>> from ghostsym.document import build_document
    >>> "\\\\alpha_{c}" in build_document(theory_sections())
    True
    """
    return (*_canonical_sections(), *_task_sections(), _confidence_section())

"""The derivation document's sections on the normal-form reduction (fold and ghost).

Every displayed equation is rendered from a SymPy object: the derived expressions of
``_reduction_symbolic`` / ``_normal_form`` / ``_canonical``, SymPy equalities built from the
notation's symbols, and the reductions of a worked non-normal example computed on the spot.

>>> sections = reduction_sections()
>>> [section.title for section in sections]  # doctest: +NORMALIZE_WHITESPACE
['Normal form near a fold', 'Reduction at a slow point (ghost)',
 'Worked example: a non-normal fold']
"""

from __future__ import annotations

import sympy

from .. import notation
from ..reduction._normal_form import slow_point_canonical_parameter
from ..reduction._symbolic import (
    fold_bottleneck_time,
    fold_canonical_parameter,
    reduce_fold,
    reduce_ghost,
)
from ._build import DocumentSection, Equation

__all__ = ["reduction_sections"]


def _equation(left, right, label: str = "") -> Equation:
    return Equation(f"{notation.latex(left)} = {notation.latex(right)}", label)


def _fold_section() -> DocumentSection:
    size = sympy.Symbol("n", integer=True, positive=True)
    p = sympy.MatrixSymbol("p", size, 1)
    q = sympy.MatrixSymbol("q", size, 1)
    a, b = notation.unfolding_coefficient, notation.quadratic_coefficient
    y, z, mu, mu0 = notation.y, notation.z, notation.mu, notation.mu0
    slow_flow = a * (mu - mu0) + b * y**2
    # z = b y: multiply the slow flow by b and substitute y = z / b (SymPy does the algebra)
    rescaled = sympy.expand(b * slow_flow.subs(y, z / b))
    constant = sympy.factor(rescaled - z**2)
    if constant.has(z):  # z = b y must leave z^2 plus a z-independent constant
        raise AssertionError(f"z = b y left a z-dependent term: {constant}")
    scale = sympy.Symbol("s", positive=True)
    invariant = sympy.simplify((a / scale) * (scale * b))
    return DocumentSection(
        "Normal form near a fold",
        (
            "Let $x' = f(x, \\mu)$ with $x \\in \\mathbb{R}^n$ have a fold at "
            "$(x_0, \\mu_0)$: $f(x_0, \\mu_0) = 0$ and $Df(x_0, \\mu_0)$ has a simple zero "
            "eigenvalue with right and left null vectors $q$ and $p$, normalised by",
            Equation(
                f"{notation.latex(q.T * q)} = 1, \\qquad {notation.latex(p.T * q)} = 1, \\qquad "
                f"{notation.latex(p.T)} Df = 0, \\qquad Df\\, {notation.latex(q)} = 0"
            ),
            "and, to fix the sign, the first nonzero entry of $q$ positive. Writing "
            "$x = x_0 + y q + w$ with $p^{\\top} w = 0$, the slow coordinate "
            "$y = p^{\\top}(x - x_0)$ obeys $y' = p^{\\top} f$; since $p^{\\top} Df = 0$ the "
            "linear terms in $y$ and $w$ drop out and, to second order,",
            _equation(sympy.Symbol("y'"), slow_flow),
            "with the unfolding and quadratic coefficients "
            "$a = p^{\\top} \\partial_\\mu f$ and "
            "$b = \\tfrac12 p^{\\top} D^2 f[q, q]$. Multiplying by $b$ and setting $z = b y$:",
            _equation(sympy.Symbol("z'"), constant + z**2),
            "so the canonical parameter and the bottleneck time (the integral of "
            "$dz/(r + z^2)$ over the real line) are",
            fold_canonical_parameter(),
            fold_bottleneck_time(),
            "Only the product is intrinsic: rescaling $q \\to s q$ forces $p \\to p/s$, so "
            "$a \\to a/s$ and $b \\to s b$, while",
            _equation(sympy.Symbol("(a/s)(s b)"), invariant),
            "The projection must use the left vector $p$: with a non-normal Jacobian "
            "$q^{\\top}$ does not annihilate the fast directions' feedback, and projecting "
            "with $q$ gives a wrong $ab$ (see the worked example).",
        ),
    )


def _ghost_section() -> DocumentSection:
    d, lam, b = notation.drift, notation.eigenvalue, notation.quadratic_coefficient
    y = notation.y
    speed = sympy.Symbol("q(x)")
    return DocumentSection(
        "Reduction at a slow point (ghost)",
        (
            "Past the fold there is no fixed point, only a slow point $x_g$: a local minimum "
            "of the speed",
            Equation(
                f"{notation.latex(speed)} = \\tfrac12 |f(x)|^2, \\qquad "
                "\\nabla q = Df^{\\top} f = 0."
            ),
            "At a minimum with $f(x_g) \\neq 0$ the gradient condition says $f(x_g)$ is a "
            "left null vector of $Df(x_g)$: the Jacobian is singular there. In general "
            "(e.g. at a point that is not an exact minimum) take the eigenvalue $\\lambda$ "
            "of $Df(x_g)$ nearest zero, its vectors $q, p$ as above, $d = p^{\\top} f(x_g)$ "
            "and $b = \\tfrac12 p^{\\top} D^2 f(x_g)[q, q]$; then",
            _equation(sympy.Symbol("y'"), d + lam * y + b * y**2),
            "and completing the square with $z = b y + \\lambda/2$ gives $z' = r + z^2$ with",
            slow_point_canonical_parameter(),
            "The sign of $r$ classifies the point without any speed threshold: $r > 0$ is a "
            "ghost with passage time $\\pi/\\sqrt{r}$, $r < 0$ a node-saddle pair (an exact "
            "fixed point has $d = 0$, so $r = -\\lambda^2/4 < 0$). Numerically the Jacobian "
            "comes from forward-mode automatic differentiation and $D^2 f[q, q]$ from two "
            "nested Jacobian-vector products, so networks of hundreds of units reduce at "
            "the cost of one Jacobian and one eigendecomposition.",
        ),
    )


def _example_section() -> DocumentSection:
    x, y, mu, s = sympy.symbols("x y mu s", real=True)
    equations = [mu + x**2 + s * y, -y + x**2]
    fold = reduce_fold(equations, [x, y], mu, at={x: 0, y: 0, mu: 0})
    a_q, b_q, ab_q = fold.projected_coefficients(fold.right_vector)
    drift = sympy.Rational(1, 100)
    ghost = reduce_ghost(
        [e.subs({mu: drift, s: 3}) for e in equations], [x, y], [sympy.Rational(3, 10), 0]
    )
    p_vector = sympy.Matrix(fold.left_vector)
    q_vector = sympy.Matrix(fold.right_vector)
    return DocumentSection(
        "Worked example: a non-normal fold",
        (
            "Take $x' = \\mu + x^2 + s y$, $y' = -y + x^2$. At the origin, $\\mu = 0$:",
            _equation(sympy.Symbol("Df"), fold.jacobian),
            Equation(
                f"q = {notation.latex(q_vector)}, \\qquad p = {notation.latex(p_vector)}, "
                f"\\qquad a = {notation.latex(fold.unfolding_coefficient)}, \\quad "
                f"b = {notation.latex(fold.quadratic_coefficient)}, \\quad "
                f"ab = {notation.latex(fold.coefficient_product)}"
            ),
            "so $r = (1 + s)\\mu$: on the slow manifold $y \\approx x^2$ the fast variable "
            "feeds $s x^2$ back into $x'$. Projecting with $q$ instead of $p$ misses that "
            "feedback:",
            Equation(
                f"a_q = {notation.latex(a_q)}, \\quad b_q = {notation.latex(b_q)}, \\quad "
                f"(ab)_q = {notation.latex(ab_q)} \\neq {notation.latex(fold.coefficient_product)}"
            ),
            "and for $s = 3$ it predicts a bottleneck twice as long as the real one (the test "
            "suite integrates the full system to check which is right). Past the fold, at "
            f"$\\mu = {notation.latex(drift)}$, $s = 3$, the slow point and its reduction are",
            Equation(
                f"x_g = {notation.latex(sympy.N(ghost.point[0], 12))}, \\quad "
                f"y_g = {notation.latex(sympy.N(ghost.point[1], 12))}, \\quad "
                f"\\lambda = {notation.latex(sympy.N(ghost.eigenvalue, 12))}, \\quad "
                f"r = {notation.latex(sympy.N(ghost.r, 12))}"
            ),
            "which is $(1 + s)\\mu = 0.04$: the ghost's $r$ continues the fold's "
            "$ab(\\mu - \\mu_0)$.",
        ),
        subsection=True,
    )


def reduction_sections() -> tuple[DocumentSection, ...]:
    """The fold reduction, the ghost reduction and a worked non-normal example."""
    return (_fold_section(), _ghost_section(), _example_section())

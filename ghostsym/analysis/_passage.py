"""Passage time of the canonical flow x' = r + x^2 between two finite points, for any sign of r.

The ghost (r > 0), the fold (r = 0) and the node-saddle pair (r < 0) each have their own
antiderivative of 1/(x^2 + r); SymPy derives all three, and :func:`passage_time_jax` evaluates
the passage t = G(x1) - G(x0) in JAX (vectorised, differentiable), returning +inf when a fixed
point of the canonical flow lies between the end points or the flow runs the other way.

>>> antiderivatives = canonical_antiderivatives()
>>> print(antiderivatives.ghost)
G_{+} = atan(x/sqrt(r))/sqrt(r)
>>> round(float(passage_time_jax(1.0, -1e9, 1e9)), 6)  # the full bottleneck pi/sqrt(r)
3.141593
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy

from .. import notation
from ..expressions import DerivedExpression

__all__ = ["CanonicalAntiderivatives", "canonical_antiderivatives", "passage_time_jax"]


@dataclass(frozen=True)
class CanonicalAntiderivatives:
    """Antiderivatives G(x) of 1/(x^2 + r), so that the passage x0 -> x1 of x' = r + x^2 takes
    t = G(x1) - G(x0) while no fixed point (x^2 + r = 0) lies between x0 and x1.

    Attributes:
        ghost: r > 0, ``G = atan(x/sqrt(r))/sqrt(r)``.
        fold: r = 0, ``G = -1/x``.
        pair: r < 0, ``G = (log|x - sqrt(-r)| - log|x + sqrt(-r)|)/(2 sqrt(-r))``.
    """

    ghost: DerivedExpression
    fold: DerivedExpression
    pair: DerivedExpression


@cache
def canonical_antiderivatives() -> CanonicalAntiderivatives:
    """Derive the three antiderivatives with ``sympy.integrate`` and check them by ``sympy.diff``.

    For r < 0 SymPy returns logarithms of possibly negative numbers; the real passage time takes
    their absolute values (the imaginary parts cancel between the two end points when no root
    lies between them).

    >>> pair = canonical_antiderivatives().pair
    >>> float(pair(2.0, -1.0) - pair(3.0, -1.0)) < 0  # time from x=2 to x=3 is positive
    True
    """
    x, r = notation.x, notation.r
    scale = sympy.Symbol("s", positive=True)  # s = sqrt(|r|), so SymPy knows the sign of r
    integrands = {"ghost": 1 / (x**2 + scale**2), "pair": 1 / (x**2 - scale**2), "fold": 1 / x**2}
    derived = {}
    for name, integrand in integrands.items():
        antiderivative = sympy.integrate(integrand, x)
        # differentiating must give the integrand back (checked before taking |.| below)
        if sympy.simplify(sympy.diff(antiderivative, x) - integrand) != 0:
            raise AssertionError(f"antiderivative of {integrand} failed its check")
        derived[name] = antiderivative
    ghost = derived["ghost"].subs(scale, sympy.sqrt(r))
    # log of a negative number differs from log|.| by a constant i*pi: drop it (real passage)
    pair = derived["pair"].replace(sympy.log, lambda argument: sympy.log(sympy.Abs(argument)))
    pair = pair.subs(scale, sympy.sqrt(-r))
    fold = derived["fold"]
    return CanonicalAntiderivatives(
        ghost=DerivedExpression("G_{+}", ghost, (x, r), "antiderivative of 1/(x^2+r), r > 0"),
        fold=DerivedExpression("G_{0}", fold, (x,), "antiderivative of 1/x^2 (fold, r = 0)"),
        pair=DerivedExpression("G_{-}", pair, (x, r), "antiderivative of 1/(x^2+r), r < 0"),
    )


def passage_time_jax(r, start, end):
    """Time for x' = r + x^2 to carry x from ``start`` to ``end`` (JAX, broadcasting, float64).

    +inf when a fixed point (x = +-sqrt(-r), or x = 0 at r = 0) lies in the closed interval
    between the end points, or when the flow runs from ``end`` to ``start`` instead; 0 when
    ``start == end``. Differentiable (safe ``where``) so ``jax.grad`` works through it.

    >>> round(float(passage_time_jax(-1.0, 2.0, 3.0)), 6)  # beyond the saddle at x = 1
    0.202733
    >>> float(passage_time_jax(-1.0, -3.0, 3.0))  # the node at x = -1 blocks the way
    inf
    """
    from .._jax import jnp

    antiderivatives = canonical_antiderivatives()
    ghost = antiderivatives.ghost.lambdify("jax")
    pair = antiderivatives.pair.lambdify("jax")
    fold = antiderivatives.fold.lambdify("jax")

    r, start, end = jnp.broadcast_arrays(
        *(jnp.asarray(v, dtype=jnp.float64) for v in (r, start, end))
    )
    low, high = jnp.minimum(start, end), jnp.maximum(start, end)
    root = jnp.sqrt(jnp.where(r < 0, -r, 0.0))
    # a root of x^2 + r in [low, high] blocks the passage (r = 0: the root x = 0)
    blocked = (r <= 0) & (((low <= root) & (root <= high)) | ((low <= -root) & (-root <= high)))
    # every branch is evaluated by jnp.where: give the branches not taken (and blocked
    # passages) harmless arguments away from their singularities, so values and gradients
    # stay finite
    r_ghost = jnp.where(r > 0, r, 1.0)
    use_pair = (r < 0) & ~blocked
    r_pair = jnp.where(r < 0, r, -1.0)
    pair_root = jnp.sqrt(-r_pair)
    pair_start = jnp.where(use_pair, start, pair_root + 1.0)
    pair_end = jnp.where(use_pair, end, pair_root + 2.0)
    use_fold = (r == 0) & ~blocked
    fold_start = jnp.where(use_fold, start, 1.0)
    fold_end = jnp.where(use_fold, end, 2.0)
    time = jnp.where(
        r > 0,
        ghost(end, r_ghost) - ghost(start, r_ghost),
        jnp.where(
            r < 0,
            pair(pair_end, r_pair) - pair(pair_start, r_pair),
            fold(fold_end) - fold(fold_start),
        ),
    )
    # the passage exists only if the flow carries start to end (positive time)
    wrong_way = time < 0
    return jnp.where(blocked | wrong_way, jnp.inf, jnp.where(start == end, 0.0, time))

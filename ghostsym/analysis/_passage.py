"""Passage time of the canonical flow x' = r + x^2 between two finite points, for any sign of r.

The ghost (r > 0), the fold (r = 0) and the node-saddle pair (r < 0) each have their own
antiderivative of 1/(x^2 + r), derived by SymPy in :func:`ghostsym.theory.
canonical_antiderivatives`; :func:`passage_time_jax` lambdifies them and evaluates the passage
t = G(x1) - G(x0) in JAX (vectorised, differentiable), returning +inf when a fixed point of the
canonical flow lies between the end points or the flow runs the other way.

>>> round(float(passage_time_jax(1.0, -1e9, 1e9)), 6)  # the full bottleneck pi/sqrt(r)
3.141593
"""

from __future__ import annotations

from functools import cache

from .._jax import float64
from ..theory._canonical import CanonicalAntiderivatives, canonical_antiderivatives

__all__ = ["CanonicalAntiderivatives", "canonical_antiderivatives", "passage_time_jax"]


@cache
def _lambdified():
    """(ghost, pair, fold) antiderivatives lambdified to JAX, once per process."""
    antiderivatives = canonical_antiderivatives()
    return tuple(
        getattr(antiderivatives, name).lambdify("jax") for name in ("ghost", "pair", "fold")
    )


@float64
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

    ghost, pair, fold = _lambdified()

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

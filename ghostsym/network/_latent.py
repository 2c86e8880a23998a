"""The exact one-dimensional latent flow of a rank-one network and its canonical parameter r.

For W = m n^T the state enters the nonlinearity only through kappa = n^T x, so kappa obeys the
exact map kappa_{t+1} = kappa_t + alpha f(kappa_t) with

    f(kappa) = -kappa + n^T tanh(m kappa + b).

The slow point on the way from kappa_0 to the readout threshold (kappa = 1) is found by a grid
argmin of |f| followed by a few Newton steps on f' = 0 (trust region one grid spacing). There
f is expanded as d + lambda y + b2 y^2 with d = f, lambda = f', b2 = f''/2 (``jax.grad``), and
the canonical parameter r = b2 d - lambda^2/4 comes from the derived expression
:func:`ghostsym.reduction.slow_point_canonical_parameter`, lambdified to JAX. r > 0: a ghost
(passage time about pi/sqrt(r) in the flow's time, i.e. pi/(alpha sqrt(r)) steps); r < 0: a
fixed-point pair blocks the way.

All functions are pure JAX and vmappable over parameters (e.g. a population of networks).

>>> from ghostsym.network import RankOneNetwork
>>> model = RankOneNetwork(size=50)
>>> parameters = model.initialise(0)
>>> float(latent_flow(parameters, 0.0))
0.0
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from .._jax import jax, jnp
from ..reduction._normal_form import slow_point_canonical_parameter

__all__ = ["latent_flow", "LatentSlowPoint", "latent_slow_point", "latent_initial_state"]


def latent_flow(parameters, kappa):
    """f(kappa) = -kappa + n^T tanh(m kappa + b), broadcasting over the shape of ``kappa``.

    ``parameters``: :class:`~ghostsym.network.RankOneParameters` (or anything with m, n, b).

    >>> from ghostsym.network import RankOneParameters
    >>> p = RankOneParameters(jnp.array([2.0]), jnp.array([1.0]), jnp.array([0.0]), 10.0)
    >>> float(latent_flow(p, 0.5))  # -0.5 + tanh(1)
    0.2615941559557649
    """
    kappa = jnp.asarray(kappa)
    return -kappa + jnp.tanh(kappa[..., None] * parameters.m + parameters.b) @ parameters.n


def latent_initial_state(parameters, initial_state: float = -0.3):
    """kappa_0 = n^T x_0 for x_0 = ``initial_state`` on every unit (= -0.3 sum(n))."""
    return initial_state * jnp.sum(parameters.n)


class LatentSlowPoint(NamedTuple):
    """A slow point of the latent flow and its canonical form (all JAX scalars).

    kappa: location; drift d = f(kappa); eigenvalue lambda = f'(kappa); quadratic_coefficient
    b = f''(kappa)/2; canonical_parameter r = b d - lambda^2/4 (the derived expression);
    clearance: min over the path of s f(kappa), s = sign(threshold - start): > 0 when no
    fixed point lies between kappa_0 and the threshold (the trajectory can get through).

    Reading r: at an interior slow point (lambda ~ 0) r > 0 is a ghost and r < 0 a
    node-saddle pair. When the clearance is positive and the slowest point is an end of the
    path (f monotone on the way), there is no bottleneck on the path and r describes only the
    local quadratic fit there.
    """

    kappa: jax.Array
    drift: jax.Array
    eigenvalue: jax.Array
    quadratic_coefficient: jax.Array
    canonical_parameter: jax.Array
    clearance: jax.Array


@partial(jax.jit, static_argnames=("grid_points", "newton_steps"))
def latent_slow_point(
    parameters, start, threshold: float = 1.0, grid_points: int = 128, newton_steps: int = 3
) -> LatentSlowPoint:
    """The slowest point of f between ``start`` (kappa_0) and ``threshold``, reduced to r.

    Grid argmin of |f| on ``grid_points`` points of [min, max](start, threshold), then
    ``newton_steps`` Newton steps on f'(kappa) = 0, each clipped to one grid spacing and to the
    interval (so the point stays on the way the trajectory has to travel).

    >>> from ghostsym.network import RankOneParameters
    >>> # f(kappa) = -kappa + 2 tanh(kappa + 0.6): minimum f = 0.6 - 0.533 > 0 near -1.48
    >>> p = RankOneParameters(jnp.array([1.0]), jnp.array([2.0]), jnp.array([0.6]), 10.0)
    >>> point = latent_slow_point(p, -3.0, threshold=1.0)
    >>> round(float(point.kappa), 4), abs(float(point.eigenvalue)) < 1e-10
    (-1.4814, True)
    >>> float(point.canonical_parameter) > 0  # a ghost
    True
    """
    start = jnp.asarray(start, dtype=jnp.result_type(*jax.tree.leaves(parameters)))
    lower = jnp.minimum(start, threshold)
    upper = jnp.maximum(start, threshold)
    grid = jnp.linspace(0.0, 1.0, grid_points, dtype=start.dtype) * (upper - lower) + lower
    spacing = (upper - lower) / (grid_points - 1)
    values = latent_flow(parameters, grid)
    direction = jnp.where(threshold >= start, 1.0, -1.0).astype(values.dtype)
    clearance = jnp.min(direction * values)
    kappa = grid[jnp.argmin(jnp.abs(values))]

    def flow(point):
        return latent_flow(parameters, point)

    slope = jax.grad(flow)
    curvature = jax.grad(slope)
    for _ in range(newton_steps):
        second = curvature(kappa)
        safe = jnp.where(second == 0, 1.0, second)
        step = jnp.where(second == 0, 0.0, slope(kappa) / safe)
        step = jnp.clip(step, -spacing, spacing)
        kappa = jnp.clip(kappa - step, lower, upper)
    drift, eigenvalue = flow(kappa), slope(kappa)
    quadratic = curvature(kappa) / 2
    canonical = slow_point_canonical_parameter().lambdify("jax")(drift, eigenvalue, quadratic)
    return LatentSlowPoint(kappa, drift, eigenvalue, quadratic, canonical, clearance)

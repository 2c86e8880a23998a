"""The exact one-dimensional latent flow of a rank-one network and its canonical parameter r.

For W = m n^T the state enters the nonlinearity only through kappa = n^T x, so kappa obeys the
exact map kappa_{t+1} = kappa_t + alpha f(kappa_t) with

    f(kappa) = -kappa + n^T tanh(m kappa + b).

This module holds the one implementation of that flow (:func:`latent_flow`, NumPy or JAX) and of
its slow point (:func:`latent_slow_point`); the analysis layer and the training engine call them.
The slow point on the way from kappa_0 to the readout threshold (kappa = 1) is the minimum of
s f on a grid of the path (s = +1 upward, -1 downward), refined by Newton steps on f' = 0 that
follow only minima of s f and stay inside the path. There f is expanded as
d + lambda y + b2 y^2 with d = f, lambda = f', b2 = f''/2 (``jax.grad``), and the canonical
parameter r = b2 d - lambda^2/4 comes from the derived expression
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

from functools import cache, partial
from typing import Any, NamedTuple

import numpy as np

from .._jax import float64, jax, jnp
from ..reduction._normal_form import slow_point_canonical_parameter

__all__ = [
    "LatentFactors",
    "latent_flow",
    "latent_flow_slope",
    "LatentSlowPoint",
    "latent_slow_point",
    "latent_initial_state",
]


class LatentFactors(NamedTuple):
    """The factors of a rank-one network W = m n^T with bias b (NumPy or JAX arrays, (..., N)).

    Any object with attributes ``m``, ``n``, ``b`` (e.g. :class:`~ghostsym.network.
    RankOneParameters`) can stand where these are expected.

    >>> LatentFactors(np.ones(2), np.ones(2), np.zeros(2)).m.shape
    (2,)
    """

    m: Any
    n: Any
    b: Any


def _array_module(value):
    return jnp if isinstance(value, jax.Array) else np


def latent_flow(parameters, kappa):
    """f(kappa) = -kappa + n^T tanh(m kappa + b).

    ``parameters``: anything with m, n, b (:class:`~ghostsym.network.RankOneParameters`,
    :class:`LatentFactors`), of shape (N,) or (..., N) for a batch of networks; ``kappa``
    broadcasts against the leading (batch) dimensions, so a grid of shape (G,) with factors of
    shape (N,) gives (G,). NumPy factors give NumPy (float64), JAX factors give JAX (traceable).

    >>> p = LatentFactors(np.array([2.0]), np.array([1.0]), np.array([0.0]))
    >>> float(latent_flow(p, 0.5))  # -0.5 + tanh(1)
    0.2615941559557649
    >>> latent_flow(LatentFactors(np.ones((2, 3)), np.ones((2, 3)) / 3, np.zeros((2, 3))),
    ...             np.array([0.0, 0.5])).round(6).tolist()  # two networks, one kappa each
    [0.0, -0.037883]
    """
    m, n, b = parameters.m, parameters.n, parameters.b
    xp = _array_module(m)
    kappa = xp.asarray(kappa)
    rates = xp.tanh(kappa[..., None] * m + b)
    if xp is jnp and jnp.ndim(n) == 1:
        return -kappa + rates @ n  # one dot product per kappa (fast under jit and vmap)
    return -kappa + xp.sum(n * rates, axis=-1)


def latent_flow_slope(parameters, kappa):
    """f'(kappa) = -1 + sum_i n_i m_i / cosh^2(m_i kappa + b_i), the derivative of
    :func:`latent_flow` (same conventions; checked against ``jax.grad`` in the tests).

    >>> p = LatentFactors(np.array([2.0]), np.array([1.0]), np.array([0.0]))
    >>> float(latent_flow_slope(p, 0.0))  # -1 + 2
    1.0
    """
    m, n, b = parameters.m, parameters.n, parameters.b
    xp = _array_module(m)
    kappa = xp.asarray(kappa)
    return -1.0 + xp.sum(n * m / xp.cosh(m * kappa[..., None] + b) ** 2, axis=-1)


def latent_initial_state(parameters, initial_state: float = -0.3):
    """kappa_0 = n^T x_0 for x_0 = ``initial_state`` on every unit (= -0.3 sum(n)).

    >>> float(latent_initial_state(LatentFactors(np.ones(3), np.ones(3), np.zeros(3))))
    -0.9
    """
    xp = _array_module(parameters.n)
    return initial_state * xp.sum(parameters.n)


class LatentSlowPoint(NamedTuple):
    """A slow point of the latent flow and its canonical form (all JAX scalars).

    kappa: location; drift d = f(kappa); eigenvalue lambda = f'(kappa); quadratic_coefficient
    b = f''(kappa)/2; canonical_parameter r = b d - lambda^2/4 (the derived expression);
    clearance: min over the path's grid of s f(kappa), s = sign(threshold - start): > 0 when no
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


@cache
def _canonical_parameter_jax():
    return slow_point_canonical_parameter().lambdify("jax")


@partial(jax.jit, static_argnames=("grid_points", "newton_steps"))
def _latent_slow_point(parameters, start, threshold, grid_points: int, newton_steps: int):
    dtype = jnp.result_type(*jax.tree.leaves(parameters))
    start = jnp.asarray(start, dtype=dtype)
    threshold = jnp.asarray(threshold, dtype=dtype)
    lower, upper = jnp.minimum(start, threshold), jnp.maximum(start, threshold)
    grid = lower + (upper - lower) * jnp.linspace(0.0, 1.0, grid_points, dtype=dtype)
    values = latent_flow(parameters, grid)
    direction = jnp.where(threshold >= start, 1.0, -1.0).astype(dtype)
    oriented = direction * values
    clearance = jnp.min(oriented)

    def flow(point):
        return latent_flow(parameters, point)

    slope = jax.grad(flow)
    curvature = jax.grad(slope)

    # Newton on f' = 0 from the grid minimum of s f, kept inside the path (a boundary minimum
    # stays on the boundary); only minima of s f (s f'' > 0) are followed.
    def newton(_, point):
        second = curvature(point)
        minimum = direction * second > 0
        step = jnp.where(minimum, slope(point) / jnp.where(minimum, second, 1.0), 0.0)
        return jnp.clip(point - step, lower, upper)

    kappa = jax.lax.fori_loop(
        0, newton_steps, newton, jax.lax.stop_gradient(grid[jnp.argmin(oriented)])
    )
    drift, eigenvalue = flow(kappa), slope(kappa)
    quadratic = curvature(kappa) / 2
    canonical = _canonical_parameter_jax()(drift, eigenvalue, quadratic)
    return LatentSlowPoint(kappa, drift, eigenvalue, quadratic, canonical, clearance)


@float64
def latent_slow_point(
    parameters, start, threshold: float = 1.0, grid_points: int = 512, newton_steps: int = 25
) -> LatentSlowPoint:
    """The slowest point of f between ``start`` (kappa_0) and ``threshold``, reduced to r.

    Grid argmin of s f on ``grid_points`` points of [min, max](start, threshold) (s = +1 when
    the way leads up to the threshold, -1 when it leads down), then ``newton_steps`` Newton
    steps on f'(kappa) = 0, taken only where s f'' > 0 (towards a minimum of s f) and clipped to
    the interval (so the point stays on the way the trajectory has to travel). Computed in the
    dtype of ``parameters`` (float32 during training, float64 for checks); JAX-traceable and
    differentiable in the parameters and ``start`` (the grid minimum is a constant start, the
    Newton steps carry the implicit dependence of the slow point).

    >>> from ghostsym._jax import float64
    >>> @float64
    ... def example():  # f(kappa) = -kappa + 2 tanh(kappa + 0.6): min f = 0.067 near -1.48
    ...     factors = LatentFactors(jnp.array([1.0]), jnp.array([2.0]), jnp.array([0.6]))
    ...     return latent_slow_point(factors, -3.0, threshold=1.0)
    >>> point = example()
    >>> round(float(point.kappa), 4), abs(float(point.eigenvalue)) < 1e-10
    (-1.4814, True)
    >>> float(point.canonical_parameter) > 0  # a ghost
    True
    """
    return _latent_slow_point(parameters, start, threshold, grid_points, newton_steps)

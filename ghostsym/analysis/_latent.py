"""The exact one-dimensional latent flow of a rank-one network, reduced at its slow point.

For x' = -x + tanh(m n^T x + b) the variable kappa = n^T x obeys a closed one-dimensional flow

    kappa' = F(kappa) = -kappa + n^T tanh(m kappa + b),

and the paper's discrete-time network x <- x + alpha (-x + tanh(W x + b)) is the Euler scheme
of that flow with step alpha (= dt/tau = 0.5): ``k`` updates cover ``k alpha`` units of
continuous time, so a continuous passage time ``t`` is ``t / alpha`` network steps.

On the way from kappa_0 to the readout threshold (kappa = 1), the slow point kappa_s is the
minimum of F on the path. With d = F(kappa_s), lambda = F'(kappa_s), c = F''(kappa_s)/2, the
canonical coordinate z = c (kappa - kappa_s) + lambda/2 obeys z' = r + z^2 with the derived
r = c d - lambda^2/4 (``slow_point_canonical_parameter``), and the predicted passage time is
the canonical one, t = G(z_1) - G(z_0) (:func:`~ghostsym.analysis._passage.passage_time_jax`).

>>> import numpy as np
>>> m, n, b = np.array([2.0, 0.0]), np.array([1.0, 0.8]), np.array([-1.0, 10.0])
>>> passage = rank_one_latent_passage(m, n, b, initial_kappa=-0.5)  # ghost near kappa = 0.06
>>> str(passage.kinds), bool(passage.blocked), round(float(passage.slow_kappa), 4)
('ghost', False, 0.0593)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from .._jax import float64
from ..errors import InvalidInputError, require_positive
from ..network._latent import LatentFactors, latent_slow_point
from ..network._latent import latent_flow as network_latent_flow
from ._passage import passage_time_jax

__all__ = [
    "LatentPassage",
    "reduce_latent_path",
    "simulate_crossing_jax",
    "latent_flow",
    "rank_one_latent_passage",
    "latent_fixed_point_count",
]


def latent_flow(kappa, m, n, b):
    """F(kappa) = -kappa + n^T tanh(m kappa + b) with the factors as arguments (NumPy or JAX;
    ``kappa`` broadcasts against the leading dimensions of ``m``, ``n``, ``b``). Evaluated by
    :func:`ghostsym.network.latent_flow`, the one implementation of the flow.

    >>> float(latent_flow(0.5, np.ones(3), np.ones(3) / 3, np.zeros(3)))  # tanh(0.5) - 0.5
    -0.0378828...
    """
    return network_latent_flow(LatentFactors(m, n, b), kappa)


@dataclass(frozen=True)
class LatentPassage:
    """The latent passage kappa_0 -> threshold of rank-one networks (arrays of one batch shape).

    kappa' = F(kappa) = -kappa + n^T tanh(m kappa + b); at the slow point kappa_s (minimum of F on
    the path): d = F(kappa_s), lambda = F'(kappa_s), c = F''(kappa_s)/2, r = c d - lambda^2/4;
    t = G(z_1) - G(z_0) with z = c (kappa - kappa_s) + lambda/2 and G' = 1/(z^2 + r).

    Attributes:
        initial_kappa: kappa_0 = n^T x_0.
        slow_kappa: kappa_s.
        drift: d = F(kappa_s).
        eigenvalue: lambda = F'(kappa_s) (0 at an interior minimum).
        quadratic_coefficient: c = F''(kappa_s)/2.
        canonical_parameter: r (> 0: ghost; < 0: node-saddle pair).
        blocked: F <= 0 somewhere on the path, so the latent state never reaches the threshold
            (exact, from F itself, not from the quadratic model).
        passage_time: canonical prediction of the continuous time kappa_0 -> threshold
            (inf if blocked; 0 if kappa_0 is already past the threshold).
        predicted_steps: ``passage_time / time_step``, in network updates.
        simulated_steps: updates the discrete-time network itself needs (linear interpolation
            between the last update below and the first at or above the threshold; inf if it
            does not cross within the simulated horizon).
        threshold: the readout threshold (kappa = 1 in the paper).
        time_step: alpha = dt/tau of the discrete-time network.
    """

    initial_kappa: np.ndarray
    slow_kappa: np.ndarray
    drift: np.ndarray
    eigenvalue: np.ndarray
    quadratic_coefficient: np.ndarray
    canonical_parameter: np.ndarray
    blocked: np.ndarray
    passage_time: np.ndarray
    predicted_steps: np.ndarray
    simulated_steps: np.ndarray
    threshold: float
    time_step: float

    @property
    def interior(self) -> np.ndarray:
        """The minimum of F lies strictly inside the path, so kappa_s is a slow point (F' = 0)."""
        low = np.minimum(self.initial_kappa, self.threshold)
        high = np.maximum(self.initial_kappa, self.threshold)
        return (self.slow_kappa > low) & (self.slow_kappa < high)

    @property
    def kinds(self) -> np.ndarray:
        """ "ghost" where r > 0, "fixed-point" where r <= 0 (the sign of r, no speed threshold),
        "none" where the minimum of F on the path is an end point (no slow point on the path)."""
        kinds = np.where(self.canonical_parameter > 0, "ghost", "fixed-point")
        return np.where(self.interior, kinds, "none")


@float64
def reduce_latent_path(
    m, n, b, kappa0, threshold, *, grid_points: int = 512, newton_steps: int = 25
):
    """JAX-traceable reduction of one rank-one network's path kappa_0 -> threshold.

    Returns ``(kappa_s, d, lambda, c, r, blocked, t)`` (see :class:`LatentPassage`); ``m``,
    ``n``, ``b`` of shape (N,). Differentiable in (m, n, b, kappa_0): the grid minimum is a
    constant start, and the Newton steps on F' = 0 carry the implicit dependence of kappa_s.

    >>> from ghostsym._jax import float64, jax, jnp
    >>> @float64
    ... def slow_point():
    ...     m, n, b = jnp.array([2.0, 0.0]), jnp.array([1.0, 0.8]), jnp.array([-1.0, 10.0])
    ...     return jax.jit(reduce_latent_path)(m, n, b, -0.5, 1.0)[0]
    >>> round(float(slow_point()), 4)
    0.0593
    """
    from .._jax import jnp

    point = latent_slow_point(
        LatentFactors(m, n, b),
        kappa0,
        threshold,
        grid_points=grid_points,
        newton_steps=newton_steps,
    )
    kappa, drift, eigenvalue = point.kappa, point.drift, point.eigenvalue
    quadratic, r = point.quadratic_coefficient, point.canonical_parameter
    blocked = (point.clearance <= 0) | (drift <= 0)
    start = quadratic * (kappa0 - kappa) + eigenvalue / 2
    end = quadratic * (threshold - kappa) + eigenvalue / 2
    time = passage_time_jax(r, start, end)
    time = jnp.where(kappa0 >= threshold, 0.0, jnp.where(blocked, jnp.inf, time))
    return kappa, drift, eigenvalue, quadratic, r, blocked, time


@float64
def simulate_crossing_jax(m, n, b, kappa0, threshold, time_step, steps: int):
    """Updates the discrete-time latent map kappa <- kappa + alpha F(kappa) needs to reach the
    threshold (linear interpolation within the crossing update; inf if not within ``steps``).

    >>> from ghostsym._jax import jnp
    >>> m, n, b = jnp.array([2.0, 0.0]), jnp.array([1.0, 0.8]), jnp.array([-1.0, 10.0])
    >>> round(float(simulate_crossing_jax(m, n, b, -0.5, 1.0, 0.5, 400)), 2)
    26.16
    """
    from .._jax import jax, jnp

    factors = LatentFactors(m, n, b)

    def update(carry, step_index):
        state, crossed = carry
        new_state = state + time_step * network_latent_flow(factors, state)
        fraction = (threshold - state) / jnp.where(new_state != state, new_state - state, 1.0)
        hit = jnp.isinf(crossed) & (new_state >= threshold)
        crossed = jnp.where(hit, step_index + fraction, crossed)
        return (new_state, crossed), None

    start_crossed = jnp.where(kappa0 >= threshold, 0.0, jnp.inf)
    (_, crossed), _ = jax.lax.scan(
        update,
        (jnp.asarray(kappa0, jnp.float64), start_crossed),
        jnp.arange(steps, dtype=jnp.float64),
    )
    return crossed


@cache
def _compiled_passage(grid_points: int, newton_steps: int, simulation_steps: int):
    """The jitted, vmapped per-network computation (cached per static sizes)."""
    from .._jax import jax

    def single(m, n, b, kappa0, threshold, time_step):
        reduced = reduce_latent_path(
            m, n, b, kappa0, threshold, grid_points=grid_points, newton_steps=newton_steps
        )
        crossed = simulate_crossing_jax(m, n, b, kappa0, threshold, time_step, simulation_steps)
        return (*reduced, crossed)

    return jax.jit(jax.vmap(single, in_axes=(0, 0, 0, 0, None, None)))


@float64
def rank_one_latent_passage(
    m,
    n,
    b,
    *,
    initial_state: float = -0.3,
    initial_kappa=None,
    threshold: float = 1.0,
    time_step: float = 0.5,
    grid_points: int = 512,
    newton_steps: int = 25,
    simulation_steps: int = 200,
) -> LatentPassage:
    """Reduce the latent flow of rank-one networks at the slow point on their way to the readout.

    ``m``, ``n``, ``b`` have shape ``(..., N)`` (any batch of networks, e.g. snapshots x seeds).
    kappa_0 is ``initial_kappa`` if given, else ``n^T x_0`` with every unit at ``initial_state``
    (the paper starts every unit at -0.3). Computed in float64.

    >>> m, n, b = np.array([2.0, 0.0]), np.array([1.0, 0.7]), np.array([-1.0, 10.0])
    >>> p = rank_one_latent_passage(m, n, b, initial_kappa=-0.5)  # a node-saddle pair on the path
    >>> bool(p.blocked), float(p.passage_time), str(p.kinds)
    (True, inf, 'fixed-point')
    """

    require_positive("time_step", time_step)
    m, n, b = (np.asarray(value, dtype=np.float64) for value in (m, n, b))
    if not (m.shape == n.shape == b.shape) or m.ndim == 0:
        raise InvalidInputError(
            f"m, n and b must have one common shape (..., N), got {m.shape}, {n.shape}, {b.shape}"
        )
    batch_shape, size = m.shape[:-1], m.shape[-1]
    if initial_kappa is None:
        kappa0 = initial_state * n.sum(axis=-1)
    else:
        kappa0 = np.broadcast_to(np.asarray(initial_kappa, dtype=np.float64), batch_shape)
    for name, value in (("m", m), ("n", n), ("b", b), ("initial kappa", kappa0)):
        if not np.all(np.isfinite(value)):
            raise InvalidInputError(f"{name} must be finite, got non-finite entries")
    compiled = _compiled_passage(grid_points, newton_steps, simulation_steps)
    outputs = compiled(
        m.reshape(-1, size),
        n.reshape(-1, size),
        b.reshape(-1, size),
        np.reshape(kappa0, -1),
        float(threshold),
        float(time_step),
    )
    kappa, drift, eigenvalue, quadratic, r, blocked, time, crossed = (
        np.asarray(value).reshape(batch_shape) for value in outputs
    )
    return LatentPassage(
        initial_kappa=np.asarray(kappa0, dtype=np.float64).reshape(batch_shape),
        slow_kappa=kappa,
        drift=drift,
        eigenvalue=eigenvalue,
        quadratic_coefficient=quadratic,
        canonical_parameter=r,
        blocked=blocked.astype(bool),
        passage_time=time,
        predicted_steps=time / time_step,
        simulated_steps=crossed,
        threshold=float(threshold),
        time_step=float(time_step),
    )


def latent_fixed_point_count(m, n, b, *, grid_points: int = 2000) -> np.ndarray:
    """Number of fixed points of F(kappa) = -kappa + n^T tanh(m kappa + b) (sign changes of F).

    Every fixed point satisfies |kappa| = |n^T tanh(.)| <= sum|n|, so the grid spans
    [-(sum|n| + 1), sum|n| + 1] per network and no fixed point is outside it (a tangency
    between grid points can be missed: that is the fold itself, measure zero).

    >>> int(latent_fixed_point_count(np.full(3, 2.0), np.full(3, 1.0), np.zeros(3)))  # bistable
    3
    """
    m, n, b = (np.asarray(value, dtype=np.float64) for value in (m, n, b))
    batch_shape, size = m.shape[:-1], m.shape[-1]
    m, n, b = (value.reshape(-1, size) for value in (m, n, b))
    fractions = np.linspace(-1.0, 1.0, grid_points)
    counts = np.empty(m.shape[0], dtype=np.int64)
    chunk = max(1, int(2e7 // (grid_points * size)))  # bound the (chunk, G, N) temporary
    for start in range(0, m.shape[0], chunk):
        part = slice(start, start + chunk)
        bound = np.abs(n[part]).sum(axis=-1) + 1.0
        kappa = bound[:, None] * fractions  # (chunk, G)
        factors = LatentFactors(m[part, None, :], n[part, None, :], b[part, None, :])
        flow = network_latent_flow(factors, kappa)
        signs = np.signbit(flow)
        counts[part] = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=-1)
    return counts.reshape(batch_shape)

"""Batched slow-point finder: minimise q(x) = 1/2 |f(x)|^2 from many starts at once, then reduce.

Each start runs damped Newton on q with the exact Hessian J^T J + sum_i f_i D^2 f_i (formed as
``jax.jacfwd`` of ``jax.grad(q)``, an n x n matrix; no third-order tensor of f), Levenberg
damping mu s I (s = max |H_ii|) adapted per start: divided by 10 after a step that lowers q,
multiplied by 4 after one that does not (or when H + mu s I is not positive definite); steps
are bounded by 1 + |x| so that each start stays in its own basin. Plain
Gauss-Newton (J^T J alone) is not enough here: at a ghost J is singular along q and the only
curvature of q in that direction is the sum_i f_i D^2 f_i term. All starts run in one
``vmap``-ed ``lax.while_loop`` that stops when every start has converged. Converged minima are
polished by Newton on f where that shrinks |f| (fixed points), deduplicated by distance, reduced
with :func:`~ghostsym.reduce_at_slow_point` and classified by the sign of r alone.

Compiled code is cached per field function and shape; pass the field as
``jax.tree_util.Partial(f, *parameters)`` to reuse it across parameter values (e.g. the same
network at many training epochs) instead of recompiling for every new closure.

>>> from ghostsym._jax import jnp
>>> def flow(x):  # ghost of x' = 0.04 + x^2 (x_1 decays onto x_1 = x_0^2)
...     return jnp.array([0.04 + x[0] ** 2, x[0] ** 2 - x[1]])
>>> [ghost] = find_slow_points(flow, [[0.5, 0.0], [-0.3, 1.0]])
>>> ghost.kind, round(ghost.r, 10), round(ghost.passage_time, 6)
('ghost', 0.04, 15.707963)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._jax import float64, jax, jnp
from ..errors import DegenerateError, InvalidInputError, require_finite_array, require_positive
from ._errors import MinimisationDidNotConvergeError
from ._numeric import as_field, derivatives, reduce_at_slow_point
from ._results import SlowPoint

__all__ = ["find_slow_points", "minimise_speed"]

#: Bytes of Hessians (and their factors) one batch may hold; larger start sets are chunked.
_BATCH_MEMORY = 2.0e8


def _half_squared_speed(field, x):
    value = field(x)
    return 0.5 * jnp.dot(value, value)


def _damped_newton_step(field, x, damping):
    gradient = jax.grad(_half_squared_speed, argnums=1)(field, x)
    hessian = jax.jacfwd(jax.grad(_half_squared_speed, argnums=1), argnums=1)(field, x)
    scale = jnp.maximum(jnp.max(jnp.abs(jnp.diag(hessian))), 1e-300)
    factor = jnp.linalg.cholesky(hessian + damping * scale * jnp.eye(x.shape[0], dtype=x.dtype))
    positive_definite = jnp.all(jnp.isfinite(factor))
    step = -jax.scipy.linalg.cho_solve((factor, True), gradient)
    # Where q is concave the damping that makes H + mu s I positive definite can leave it
    # nearly singular; bound the step by 1 + |x| so the search stays local instead of
    # jumping to a distant basin.
    radius = 1.0 + jnp.linalg.norm(x)
    step = step * jnp.minimum(1.0, radius / jnp.maximum(jnp.linalg.norm(step), 1e-300))
    return jnp.where(positive_definite, step, jnp.zeros_like(x)), positive_definite


def _advance_one(field, x, damping, iterations, tolerance):
    """Up to ``iterations`` damped Newton steps from (x, damping); stops once converged."""

    def keep_going(state):
        _, _, _, converged, iteration = state
        return (~converged) & (iteration < iterations)

    def iterate(state):
        x, damping, value, _, iteration, _ = state
        step, positive_definite = _damped_newton_step(field, x, damping)
        candidate = x + step
        candidate_value = _half_squared_speed(field, candidate)
        small = jnp.linalg.norm(step) <= tolerance * (1.0 + jnp.linalg.norm(x))
        # Near the minimum q is only known to rounding (f = -x + ... cancels), so a step
        # below the tolerance is accepted even if q does not decrease.
        accept = (
            positive_definite & jnp.isfinite(candidate_value) & ((candidate_value <= value) | small)
        )
        by_step = accept & small & (damping <= 1e-6)
        by_speed = value == 0.0
        converged = by_step | by_speed
        x = jnp.where(accept, candidate, x)
        value = jnp.where(accept, candidate_value, value)
        damping = jnp.where(
            accept, jnp.maximum(damping / 10.0, 1e-15), jnp.minimum(damping * 4.0, 1e15)
        )
        reason = jnp.where(by_speed, 2, jnp.where(by_step, 1, 0))
        return x, damping, value, converged, iteration + 1, reason

    start = (x, damping, _half_squared_speed(field, x), jnp.asarray(False), 0, 0)
    return jax.lax.while_loop(lambda state: keep_going(state[:5]), iterate, start)


def _is_minimum_one(field, x):
    """The Hessian of q at x is positive semidefinite (Cholesky of H + 1e-10 s I succeeds)."""
    hessian = jax.jacfwd(jax.grad(_half_squared_speed, argnums=1), argnums=1)(field, x)
    scale = jnp.maximum(jnp.max(jnp.abs(jnp.diag(hessian))), 1e-300)
    relaxed = hessian + 1e-10 * scale * jnp.eye(x.shape[0], dtype=x.dtype)
    return jnp.all(jnp.isfinite(jnp.linalg.cholesky(relaxed)))


#: One round for a batch of starts (one vmap-ed while loop); compiled per field and shape.
_advance_batch = jax.jit(jax.vmap(_advance_one, in_axes=(None, 0, 0, None, None)))
_is_minimum_batch = jax.jit(jax.vmap(_is_minimum_one, in_axes=(None, 0)))

#: Iterations per round. Between rounds the converged starts leave and the rest are packed
#: into as few batches as possible, each sized to the starts still active: the cost follows
#: the starts' total iteration count, not count x the slowest one.
_ROUND = 8

#: The smallest batch a round runs in. Each row of the vmapped loop is computed on its own,
#: but XLA vectorises the batch axis: below 8 rows (the K = 2 latent flow of a 50-unit network
#: here) its code, and so the rounding, differed from that of larger batches, while batches of
#: 8 to 128 rows gave the same bits (tests/test_slow_points.py checks it for a full-rank and a
#: latent flow). So a round of few active starts runs in a batch of 8, never fewer.
_SMALLEST_BATCH = 8


def _batch_size(count: int, size: int) -> int:
    """A power of two (so few shapes get compiled), at least _SMALLEST_BATCH (unless memory
    forbids it), at most what _BATCH_MEMORY allows.

    >>> _batch_size(24, 50), _batch_size(3, 50), _batch_size(124, 2)
    (32, 8, 128)
    """
    largest = max(1, int(_BATCH_MEMORY // (4 * 8 * size * size)))
    wanted = max(1 << (count - 1).bit_length(), _SMALLEST_BATCH)
    return min(wanted, 1 << (largest.bit_length() - 1))


def _in_batches(function, field, arrays, *extra, batch: int):
    """Apply a vmapped kernel to the rows of ``arrays`` in padded batches of ``batch`` rows."""
    count = arrays[0].shape[0]
    padded = -(-count // batch) * batch
    if padded > count:  # repeat the last row so that every batch has a compiled shape
        arrays = [np.concatenate([a, np.repeat(a[-1:], padded - count, axis=0)]) for a in arrays]
    outputs = [
        function(field, *(a[i : i + batch] for a in arrays), *extra)
        for i in range(0, padded, batch)
    ]
    if not isinstance(outputs[0], tuple):
        return np.concatenate([np.asarray(output) for output in outputs])[:count]
    return tuple(
        np.concatenate([np.asarray(output[j]) for output in outputs])[:count]
        for j in range(len(outputs[0]))
    )


#: Why a start stopped, by the code the compiled loop returns.
CONVERGENCE_REASONS = {
    0: "not converged within max_iterations",
    1: "step below tolerance (nearly undamped Newton step)",
    2: "speed exactly zero (a fixed point)",
}


@float64
def minimise_speed(
    vector_field: Callable,
    initial_points,
    *,
    max_iterations: int = 200,
    tolerance: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Minimise q(x) = 1/2 |f(x)|^2 from every row of ``initial_points`` (k, n) at once.

    Returns (points, speeds |f|, converged, is_minimum), each with k rows. A start converges
    when an accepted, nearly undamped Newton step is shorter than tolerance (1 + |x|);
    ``is_minimum`` says the Hessian of q there is positive semidefinite (to 1e-10 relative).

    >>> from ghostsym._jax import jnp
    >>> points, speeds, converged, minimum = minimise_speed(jnp.sin, [[0.5], [2.0], [3.5], [-0.4]])
    >>> (points.ravel() / np.pi).round(9).tolist(), bool(converged.all()), bool(minimum.all())
    ([0.0, 1.0, 1.0, -0.0], True, True)
    """
    points, speeds, converged, minimum, _ = _minimise(
        vector_field, initial_points, max_iterations=max_iterations, tolerance=tolerance
    )
    return points, speeds, converged, minimum


def _minimise(vector_field, initial_points, *, max_iterations, tolerance):
    """:func:`minimise_speed` plus each start's stopping reason (codes of CONVERGENCE_REASONS)."""
    starts = require_finite_array("initial_points", initial_points)
    if starts.ndim == 1:
        starts = starts[None, :]
    if starts.ndim != 2 or starts.shape[0] == 0 or starts.shape[1] == 0:
        raise InvalidInputError(
            f"initial_points must have shape (k, n) or (n,), got {starts.shape}"
        )
    if (
        isinstance(max_iterations, bool)
        or not isinstance(max_iterations, int)
        or max_iterations < 1
    ):
        raise InvalidInputError(
            f"max_iterations must be a positive integer, got {max_iterations!r}"
        )
    tolerance = require_positive("tolerance", tolerance)
    field = as_field(vector_field)
    count, size = starts.shape
    points = starts.copy()
    damping = np.full(count, 1e-3)
    values = np.zeros(count)
    converged = np.zeros(count, dtype=bool)
    used = np.zeros(count, dtype=np.int64)
    reasons = np.zeros(count, dtype=np.int64)
    active = np.arange(count)
    while active.size:
        rounds = int(min(_ROUND, max_iterations - used[active].max()))
        x, new_damping, value, done, steps, reason = _in_batches(
            _advance_batch,
            field,
            [points[active], damping[active]],
            rounds,
            tolerance,
            batch=_batch_size(active.size, size),
        )
        points[active], damping[active], values[active] = x, new_damping, value
        converged[active], used[active] = done, used[active] + steps
        reasons[active] = reason
        active = active[~done & (used[active] < max_iterations)]
    minimum = _in_batches(_is_minimum_batch, field, [points], batch=_batch_size(count, size))
    speeds = np.sqrt(2.0 * np.maximum(values, 0.0))
    return (
        points.astype(np.float64),
        speeds,
        converged.astype(bool),
        minimum.astype(bool),
        reasons,
    )


def _polish_fixed_point(vector_field: Callable, point: np.ndarray, steps: int = 4) -> np.ndarray:
    """Newton on f (J dx = -f), kept only while it shrinks |f| tenfold: fixed points only."""
    functions = derivatives(vector_field)
    x = point
    value = np.asarray(functions.value(x))
    for _ in range(steps):
        size = float(np.linalg.norm(value))
        if size == 0.0:
            break
        jacobian = np.asarray(functions.jacobian(x))
        try:
            step = np.linalg.solve(jacobian, -value)
        except np.linalg.LinAlgError:
            break
        candidate = x + step
        candidate_value = np.asarray(functions.value(candidate))
        if not np.linalg.norm(candidate_value) < 0.1 * size:  # a ghost: f has no root here
            break
        x, value = candidate, candidate_value
    return x


@float64
def find_slow_points(
    vector_field: Callable,
    initial_points,
    *,
    max_iterations: int = 200,
    tolerance: float = 1e-10,
    deduplication_distance: float = 1e-6,
    skip_degenerate: bool = False,
) -> tuple[SlowPoint, ...]:
    """Slow points of x' = f(x) from ``initial_points`` (k, n) or (n,), reduced and classified.

    ``vector_field`` is a JAX-traceable map (n,) -> (n,). Every start is minimised
    (:func:`minimise_speed`); starts that do not converge to a minimum of q within
    ``max_iterations`` are dropped, and if none converges
    :class:`~ghostsym.MinimisationDidNotConvergeError` is raised. Minima closer than
    ``deduplication_distance`` (Euclidean, in the units of x) are merged, keeping the slower
    one. Each is reduced with :func:`~ghostsym.reduce_at_slow_point`: ``kind`` is ``"ghost"``
    for r > 0 and ``"fixed-point"`` for r <= 0 (no speed threshold). A point whose reduction is
    degenerate (complex or defective eigenvalue nearest zero, e.g. a focus) raises, unless
    ``skip_degenerate`` drops it. Sorted by speed.

    >>> from ghostsym._jax import jnp
    >>> points = find_slow_points(jnp.sin, [[0.5], [2.0], [3.5], [-0.4]])  # x' = sin x
    >>> [(round(float(p.point[0]), 9), p.kind, round(p.r, 12)) for p in points]
    [(0.0, 'fixed-point', -0.25), (3.141592654, 'fixed-point', -0.25)]
    """
    distance = require_positive("deduplication_distance", deduplication_distance)
    points, speeds, converged, minimum, reasons = _minimise(
        vector_field, initial_points, max_iterations=max_iterations, tolerance=tolerance
    )
    usable = converged & minimum
    if not usable.any():
        raise MinimisationDidNotConvergeError(
            f"minimising q = 1/2|f|^2 did not converge to a minimum from any of the "
            f"{len(points)} starts in {max_iterations} iterations ({int(converged.sum())} "
            f"converged, {int((converged & ~minimum).sum())} of them to a saddle of q; smallest "
            f"speed reached {float(np.min(speeds)):.3g})"
        )
    kept: list[tuple[np.ndarray, int]] = []
    for index in np.flatnonzero(usable)[np.argsort(speeds[usable], kind="stable")]:
        candidate = points[index]
        if all(np.linalg.norm(candidate - other) > distance for other, _ in kept):
            kept.append((candidate, int(reasons[index])))
    results = []
    for point, reason in kept:
        try:
            results.append(
                reduce_at_slow_point(
                    vector_field,
                    _polish_fixed_point(vector_field, point),
                    convergence_reason=CONVERGENCE_REASONS[reason],
                )
            )
        except DegenerateError:
            if not skip_degenerate:
                raise
    results.sort(key=lambda result: (result.speed, tuple(result.point)))
    return tuple(results)

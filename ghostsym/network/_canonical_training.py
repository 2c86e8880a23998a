"""The canonical model x' = r + x^2 trained in JAX on its *derived* gradient.

The delayed-activation loss L(r) (or L/T) and its gradient dL/dr are SymPy expressions derived
in :mod:`ghostsym.theory` (a Piecewise: flat for r <= r_NL, -pi/(4 r^{3/2}) between r_NL and r*,
+pi/(4 r^{3/2}) above). Here both are lambdified to JAX and drive gradient descent (plain SGD,
or Adam through optax) on a population of runs (learning rate x delay x start) inside one
compiled ``lax.scan``, in float64 (r* ~ 1e-4 and steps ~ 1e-10 need it).

>>> result = train_canonical_population([1e-10, 1e-9], delay=100.0, epochs=3000)
>>> result.outcomes().tolist()
['learned', 'collapsed']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import optax

from .._jax import float64, jax, jnp
from ..errors import InvalidInputError, require_choice
from ..theory._task import delayed_activation_theory
from ._training import OPTIMIZERS

__all__ = ["CanonicalTraining", "train_canonical_population"]


@lru_cache(maxsize=4)
def _derived_functions(normalised: bool):
    """(loss, gradient, r*, r_NL) lambdified to JAX from the derived expressions, in (r, T, R)."""
    from .. import notation

    theory = delayed_activation_theory(R=notation.R, normalised=normalised)
    return (
        theory.loss.lambdify("jax"),
        theory.gradient.lambdify("jax"),
        theory.optimum.lambdify("jax"),
        theory.no_learning_boundary.lambdify("jax"),
    )


@lru_cache(maxsize=16)
def _compiled_descent(normalised: bool, optimizer: str, epochs: int, record_every: int):
    """jit(vmap) of one run's descent; cached so repeated calls reuse the compilation."""
    loss_fn, gradient_fn, optimum_fn, _ = _derived_functions(normalised)
    factory = optax.sgd if optimizer == "sgd" else optax.adam

    def run(rate, T, R, r0):
        transform = optax.inject_hyperparams(factory)(learning_rate=rate)
        state = transform.init(r0)
        optimum = optimum_fn(T)
        side = jnp.sign(r0 - optimum)

        def epoch(carry, _):
            r, state, best, crossed = carry
            loss = loss_fn(r, T, R)
            updates, state = transform.update(gradient_fn(r, T, R), state, r)
            crossed = crossed | (jnp.sign(r - optimum) != side)
            return (r + updates, state, jnp.minimum(best, loss), crossed), (r, loss)

        def record(carry, _):
            carry, (r, loss) = jax.lax.scan(epoch, carry, None, length=record_every)
            return carry, (r[0], loss[0])

        carry = (r0, state, jnp.asarray(jnp.inf), jnp.asarray(False))
        (final, _, best, crossed), (r_history, loss_history) = jax.lax.scan(
            record, carry, None, length=epochs // record_every
        )
        final_loss = loss_fn(final, T, R)
        crossed = crossed | (jnp.sign(final - optimum) != side)
        r_history = jnp.concatenate([r_history, final[None]])
        loss_history = jnp.concatenate([loss_history, final_loss[None]])
        return r_history, loss_history, jnp.minimum(best, final_loss), crossed

    return jax.jit(jax.vmap(run))


@dataclass(frozen=True)
class CanonicalTraining:
    """Descent r <- r - eta dL/dr(r) (or Adam on dL/dr) for R runs, recorded every k epochs.

    ``r`` and ``loss``: (R, E) at ``recorded_epochs`` (epoch 0 = the start); ``optimum`` r*
    and ``no_learning_boundary`` r_NL per run; ``minimum_loss`` over all epochs;
    ``crossed_optimum``: whether r passed r* at any epoch (the run reached the optimum).
    """

    optimizer: str
    normalised: bool
    learning_rates: np.ndarray
    delays: np.ndarray
    response_windows: np.ndarray
    starts: np.ndarray
    recorded_epochs: np.ndarray
    r: np.ndarray
    loss: np.ndarray
    minimum_loss: np.ndarray
    crossed_optimum: np.ndarray
    optimum: np.ndarray
    no_learning_boundary: np.ndarray

    def outcomes(self) -> np.ndarray:
        """'collapsed' (ends in the no-learning zone r <= r_NL), 'learned' (reached r* and
        stayed out of that zone: it then oscillates about r*), else 'descending'.

        >>> result = train_canonical_population([1e-10, 1e-9], delay=100.0, epochs=3000)
        >>> result.outcomes().tolist(), result.crossed_optimum.tolist()
        (['learned', 'collapsed'], [True, True])
        """
        collapsed = self.r[:, -1] <= self.no_learning_boundary
        return np.where(
            collapsed, "collapsed", np.where(self.crossed_optimum, "learned", "descending")
        )


@float64
def train_canonical_population(
    learning_rates,
    *,
    delay,
    response=None,
    starts=None,
    start_factor: float = 10.0,
    epochs: int = 3000,
    record_every: int = 1,
    normalised: bool = False,
    optimizer: str = "sgd",
) -> CanonicalTraining:
    """Gradient descent on r with the derived dL/dr lambdified to JAX, for a population of runs.

    ``learning_rates``, ``delay``, ``response`` (default = delay) and ``starts`` (absolute r_0;
    default ``start_factor`` r*) broadcast to R runs. ``epochs`` must be a multiple of
    ``record_every``; r is recorded at epochs 0, k, 2k, ..., epochs.
    """
    require_choice("optimizer", optimizer, OPTIMIZERS)
    _, _, optimum_fn, boundary_fn = _derived_functions(bool(normalised))
    rates = np.atleast_1d(np.asarray(learning_rates, dtype=np.float64))
    delays = np.atleast_1d(np.asarray(delay, dtype=np.float64))
    windows = delays if response is None else np.atleast_1d(np.asarray(response, np.float64))
    for name, values in (("learning rates", rates), ("delay", delays), ("response", windows)):
        if not np.all(np.isfinite(values) & (values > 0)):
            raise InvalidInputError(f"{name} must be finite and > 0, got {values!r}")
    for name, value in (("epochs", epochs), ("record_every", record_every)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise InvalidInputError(f"{name} must be an int >= 1, got {value!r}")
    if epochs % record_every:
        raise InvalidInputError(
            f"epochs={epochs} must be a multiple of record_every={record_every}"
        )
    optimum = np.asarray(optimum_fn(delays), dtype=np.float64)
    if starts is None:
        starts = start_factor * optimum
    starts = np.atleast_1d(np.asarray(starts, dtype=np.float64))
    if not np.all(np.isfinite(starts)):
        raise InvalidInputError(f"starts must be finite, got {starts!r}")
    rates, delays, windows, starts = (
        np.ravel(a) for a in np.broadcast_arrays(rates, delays, windows, starts)
    )
    optimum = np.asarray(optimum_fn(delays), dtype=np.float64)
    boundary = np.asarray(boundary_fn(delays, windows), dtype=np.float64)

    compiled = _compiled_descent(bool(normalised), optimizer, int(epochs), int(record_every))
    r, loss, best, crossed = compiled(
        jnp.asarray(rates), jnp.asarray(delays), jnp.asarray(windows), jnp.asarray(starts)
    )
    return CanonicalTraining(
        optimizer=optimizer,
        normalised=bool(normalised),
        learning_rates=rates,
        delays=delays,
        response_windows=windows,
        starts=starts,
        recorded_epochs=np.arange(0, epochs + 1, record_every),
        r=np.asarray(r),
        loss=np.asarray(loss),
        minimum_loss=np.asarray(best),
        crossed_optimum=np.asarray(crossed),
        optimum=optimum,
        no_learning_boundary=boundary,
    )

"""Training populations of networks as one vmap-ed, jit-compiled computation.

A *population* is a set of runs of one model on one task that differ in learning rate, seed
(initialisation and noise) and confidence c (any per-run value that is a parameter leaf). All
runs advance together: per epoch, ``vmap`` over runs of (full-batch loss, gradient, optax
update); epochs run inside a compiled ``lax.fori_loop`` in chunks between host syncs; runs are
split into equal blocks to bound memory. Per-run learning rates live in the optimiser state
(``optax.inject_hyperparams``), so SGD and Adam both take them as a vmapped value.

Recorded every ``record_every`` epochs (metrics of the parameters *before* that epoch's update,
as the paper logs them): loss, global L2 gradient norm, accuracy, saturation (fraction of tanh
rates with |tanh| > 0.99), and for rank-one networks the canonical parameter r of the latent
slow point (:func:`~ghostsym.network.latent_slow_point`, which evaluates the derived expression
r = b d - lambda^2/4 lambdified to JAX). Tracked over every epoch: the minimum loss, its epoch
and the maximum accuracy. A run whose loss or gradient goes non-finite is marked diverged and
frozen (its parameters and optimiser state stop changing) while the others continue.

Same seeds and settings give the same numbers bit for bit on one machine: initialisation and
per-epoch noise keys derive from the seed and the epoch number only, never from the chunking.

>>> from ghostsym.network import RankOneNetwork, DelayedActivation, train_population
>>> result = train_population(RankOneNetwork(size=20), DelayedActivation(delay=5, response=5),
...                           learning_rates=[0.01, 0.1], seeds=[0, 1], epochs=20,
...                           record_every=10, snapshot_epochs=[10])
>>> result.loss.shape, result.recorded_epochs.tolist()
((2, 2), [0, 10])
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, NamedTuple

import numpy as np
import optax

from .._jax import float64, jax, jnp
from .._system import available_cores
from ..errors import InvalidInputError, require_choice
from ._latent import latent_slow_point
from ._models import (
    SATURATION_LEVEL,
    FullRankNetwork,
    RankOneNetwork,
    RankOneParameters,
    _readout,
    as_key,
)
from ._threefry import use_straight_threefry

__all__ = [
    "OPTIMIZERS",
    "DTYPES",
    "TrialRecord",
    "simulate_trials",
    "network_loss",
    "PopulationTraining",
    "train_population",
    "training_threads",
    "tree_index",
]

OPTIMIZERS = ("sgd", "adam")
DTYPES = ("float32", "float64")


# --- one trial batch ---------------------------------------------------------------------------
class TrialRecord(NamedTuple):
    """Outputs, states and tanh rates of the task's trials (B trials of S steps, N units).

    outputs: (B, S); states: (B, S, N), the state after each update; rates: (B, S, N), the
    tanh(W x + W_in u + b + xi) of each update (recovered from consecutive states);
    targets: (B, S); initial_states: (B, N).
    """

    outputs: jax.Array
    states: jax.Array
    rates: jax.Array
    targets: jax.Array
    initial_states: jax.Array


def _trials(model, task, parameters, key, dtype, unroll=1, keep_states=False):
    """(outputs (B, S), saturated fraction (B, S), states (B, S, N) or None, targets, initial)."""
    size = model.size
    use_straight_threefry()
    init_key, noise_key = jax.random.split(key)
    inputs = jnp.asarray(task.inputs(), dtype=dtype)
    targets = jnp.asarray(task.targets(), dtype=dtype)
    initial = task.initial_states(init_key, size, dtype)
    noise = task.noise_samples(noise_key, size, dtype)
    prepared = model.prepare(parameters)

    def one(trial_inputs, trial_initial, trial_noise):
        return model.run_trial(
            prepared, trial_inputs, trial_initial, trial_noise, task.readout, unroll, keep_states
        )

    if inputs.shape[0] == 1:  # the delayed-activation task: skip a size-1 vmap
        result = one(inputs[0], initial[0], None if noise is None else noise[0])
        result = jax.tree.map(lambda leaf: leaf[None], result)
    else:
        result = jax.vmap(one)(inputs, initial, noise)
    outputs, saturated, states = result
    return outputs, saturated, states, targets, initial


def _check_pairing(model, task):
    if model.input_size != task.input_size:
        raise InvalidInputError(
            f"model input_size={model.input_size} does not match task {task.name!r} "
            f"(input_size={task.input_size})"
        )
    if isinstance(model, RankOneNetwork) and task.readout != "sigmoid":
        raise InvalidInputError(
            f"the rank-one network reads sigmoid(c (kappa - 1)); task {task.name!r} needs a "
            f"{task.readout} readout"
        )


@float64
def simulate_trials(model, task, parameters, key=0) -> TrialRecord:
    """Run the task's trials through one network (no training); for analysis and plots.

    ``key``: int seed or PRNG key for the initial states and noise (unused by noiseless tasks).

    >>> from ghostsym.network import RankOneNetwork, DelayedActivation
    >>> model, task = RankOneNetwork(size=8), DelayedActivation()
    >>> record = simulate_trials(model, task, model.initialise(0))
    >>> record.outputs.shape, record.states.shape
    ((1, 40), (1, 40, 8))
    """
    _check_pairing(model, task)
    return _simulate(model, task, parameters, as_key(key))


@partial(jax.jit, static_argnums=(0, 1))
def _simulate(model, task, parameters, key) -> TrialRecord:
    dtype = jnp.result_type(*jax.tree.leaves(parameters))
    outputs, _, states, targets, initial = _trials(
        model, task, parameters, key, dtype, keep_states=True
    )
    previous = jnp.concatenate([initial[:, None, :], states[:, :-1, :]], axis=1)
    rates = (states - (1 - model.leak) * previous) / model.leak
    return TrialRecord(outputs, states, rates, targets, initial)


class _Aux(NamedTuple):
    accuracy: jax.Array
    saturation: jax.Array


def _loss_and_aux(model, task, parameters, key, dtype, unroll=1):
    outputs, saturated, _, targets, _ = _trials(model, task, parameters, key, dtype, unroll)
    loss = task.loss(outputs, targets)
    return loss, _Aux(task.accuracy(outputs, targets), jnp.mean(saturated))


@jax.custom_vjp
def _recurrent_product(state, weights, transposed):
    """state @ W^T, with ``transposed`` = W^T; its gradient in ``state`` is g @ W.

    Only ``state`` is differentiated (the full-rank engine takes dL/dW after the time loop).
    """
    return state @ transposed


def _recurrent_product_forward(state, weights, transposed):
    return state @ transposed, weights


def _recurrent_product_backward(weights, cotangent):
    return cotangent @ weights, jnp.zeros_like(weights), jnp.zeros_like(weights)


_recurrent_product.defvjp(_recurrent_product_forward, _recurrent_product_backward)


def _loss_and_gradient_full_rank(model, task, parameters, key, dtype, unroll=1):
    """Loss, aux and gradient of a full-rank network, laid out for speed.

    The time loop carries only the (trials, N) state, time-major: x_{t+1} = (1 - alpha) x_t +
    alpha tanh(W x_t + d_t), one (trials x N) by (N x N) product per step. That product reads a
    stored copy of W^T and its gradient reads W (:func:`_recurrent_product`): both contract the
    leading axis of a row-major matrix, the faster layout (about 1.1 against 1.9 us per
    network-step here). Everything that does not feed back is taken out of the loop: the drive
    d_t = W_in u_t + b + xi_t of all steps before it, the readout of all states after it (one
    product each). W enters the loop without a gradient (``stop_gradient``); the gradient of the
    loss with respect to the drive, delta_t = dL/d(pre-activation at step t), then gives dL/dW =
    sum_(b, t) delta_bt x_bt^T as one product over trials x steps, instead of reading and
    writing all N x N entries of an accumulator at every step (and dL/dW_in, dL/db follow from
    d_t by the chain rule, also outside the loop). The same loss and gradient as
    :func:`_loss_and_aux`, summed in another order (float32: differences at rounding level;
    float64 checks: :func:`~ghostsym.network.check_gradients`).
    """
    use_straight_threefry()
    init_key, noise_key = jax.random.split(key)
    inputs = jnp.asarray(task.inputs(), dtype=dtype)  # (B, S, I)
    targets = jnp.asarray(task.targets(), dtype=dtype)  # (B, S)
    initial = task.initial_states(init_key, model.size, dtype)  # (B, N)
    noise = task.noise_samples(noise_key, model.size, dtype)  # (B, S, N) or None
    weights = jax.lax.stop_gradient(parameters.recurrent_weights)
    # W^T stored as its own array (the barrier keeps XLA from folding the transpose back into
    # the product): both the forward product x W^T and the backward product delta W then
    # contract the leading axis of a row-major matrix, the fast layout here.
    transposed = jax.lax.optimization_barrier(weights.T)
    leak = model.leak
    before = model.readout_timing == "before-update"

    def step(state, drive):
        rates = jnp.tanh(_recurrent_product(state, weights, transposed) + drive)
        return (1 - leak) * state + leak * rates, rates

    def loss_function(point, offsets):
        point = model.prepare(point)  # the readout cap, differentiated as in _loss_and_aux
        drive = offsets + point.b  # (S, B, N), time-major
        if model.input_size:
            drive = drive + jnp.einsum("bsi,ni->sbn", inputs, point.input_weights)
        if noise is not None:
            drive = drive + jnp.swapaxes(noise, 0, 1)

        def scan_step(state, step_drive):
            new_state, rates = step(state, step_drive)
            return new_state, (new_state, rates)

        _, (states, rates) = jax.lax.scan(scan_step, initial, drive, unroll=unroll)
        previous = jnp.concatenate([initial[None], states[:-1]])
        read = previous if before else states
        drive_out = read @ point.readout_weights + point.readout_bias  # (S, B)
        outputs = _readout(task.readout, drive_out).T
        saturation = jnp.mean((jnp.abs(rates) > SATURATION_LEVEL).astype(dtype))
        aux = _Aux(task.accuracy(outputs, targets), saturation)
        return task.loss(outputs, targets), (aux, previous)

    offsets = jnp.zeros((task.steps, task.trials, model.size), dtype)
    (loss, (aux, previous)), (gradient, deltas) = jax.value_and_grad(
        loss_function, argnums=(0, 1), has_aux=True
    )(parameters, offsets)
    recurrent = jnp.einsum("sbi,sbj->ij", deltas, previous)
    return (loss, aux), gradient._replace(recurrent_weights=recurrent)


def _loss_and_gradient_rank_one(model, task, parameters, key, dtype, unroll=1):
    """Loss, aux and gradient of a rank-one network: one forward and one backward time loop.

    Forward (trials as a batch, time-major), kappa_t = n^T x_t:
    r_t = tanh(m kappa_t + b + xi_t), x_{t+1} = (1 - alpha) x_t + alpha r_t, y_t =
    sigmoid(c (kappa_{t+1} - theta)); the loop keeps r_t, x_{t+1} and kappa_{t+1} and counts
    saturated rates; the readout, loss and accuracy are taken after it on all steps at once.
    The backward loop is the chain rule of that map, run from the last step to the first, with
    h_t = dL/dkappa_{t+1} through the readout (JAX's vector-Jacobian product of the loss):

        K_S = h_{S-1},  G_{t+1} = (1 - alpha) G_{t+2} + K_{t+1} n   (G_{S+1} = 0),
        P_t = alpha (1 - r_t^2) G_{t+1},  K_t = m^T P_t + h_{t-1}   (h_{-1} = 0),

    (G: dL/dx, K: dL/dkappa, P: dL/d(pre-activation)), and accumulates dL/dm = sum_t P_t
    kappa_t, dL/db = sum_t P_t and dL/dn = sum_t K_t x_t (t = 0..S, summed over trials) in
    its carry: one pass per step over arrays already in cache (the same sums taken after the
    loop, over all steps at once, measured slower here). The same loss and gradient as
    :func:`_loss_and_aux` differentiated by JAX, summed in another order (float32: rounding
    level; float64 checks against finite differences: :func:`~ghostsym.network.check_gradients`).
    """
    use_straight_threefry()
    init_key, noise_key = jax.random.split(key)
    targets = jnp.asarray(task.targets(), dtype=dtype)  # (B, S)
    initial = task.initial_states(init_key, model.size, dtype)  # (B, N)
    noise = task.noise_samples(noise_key, model.size, dtype)  # (B, S, N) or None
    m, n, b, confidence = parameters
    leak = model.leak
    single = task.trials == 1  # one trial: (N,) arrays, no size-1 trial axis in the loops
    if noise is not None:
        noise = jnp.swapaxes(noise, 0, 1)  # (S, B, N), time-major
    if single:
        initial = initial[0]
        noise = None if noise is None else noise[:, 0]

    def forward_step(carry, step_noise):
        state, kappa = carry
        pre = m * kappa[..., None] + b
        if step_noise is not None:
            pre = pre + step_noise
        rates = jnp.tanh(pre)
        state = (1 - leak) * state + leak * rates
        kappa = state @ n
        saturated = jnp.sum((jnp.abs(rates) > SATURATION_LEVEL).astype(dtype))
        return (state, kappa), (rates, state, kappa, saturated)

    kappa_initial = initial @ n  # (B,) or ()
    _, (rates, states, kappas, saturated) = jax.lax.scan(
        forward_step, (initial, kappa_initial), noise, length=task.steps, unroll=unroll
    )  # r_t, x_{t+1}: (S, [B,] N); kappa_{t+1}: (S, [B])

    def readout_loss(kappas, confidence):
        outputs = jax.nn.sigmoid(confidence * (kappas - model.threshold))
        outputs = outputs[None] if single else outputs.T  # (B, S)
        return task.loss(outputs, targets), outputs

    loss, readout_vjp, outputs = jax.vjp(readout_loss, kappas, confidence, has_aux=True)
    readout_kappa, confidence_gradient = readout_vjp(jnp.ones_like(loss))  # h_t
    kappas_before = jnp.concatenate([kappa_initial[None], kappas[:-1]])  # kappa_t, t = 0..S-1

    def summed(products):  # over trials, if any
        return jnp.sum(products, axis=tuple(range(products.ndim - 1)))

    def backward_step(carry, inputs):
        future, recurrent_kappa, m_gradient, n_gradient, b_gradient = carry
        step_rates, step_readout, step_state, step_kappa = inputs  # r_t, h_t, x_{t+1}, kappa_t
        kappa_gradient = recurrent_kappa + step_readout  # K_{t+1}
        state_gradient = future + kappa_gradient[..., None] * n  # G_{t+1}
        pre_gradient = leak * (1 - step_rates * step_rates) * state_gradient  # P_t
        carry = (
            (1 - leak) * state_gradient,  # (1 - alpha) G_{t+1}
            pre_gradient @ m,  # m^T P_t
            m_gradient + summed(pre_gradient * step_kappa[..., None]),
            n_gradient + summed(kappa_gradient[..., None] * step_state),
            b_gradient + summed(pre_gradient),
        )
        return carry, None

    zeros = jnp.zeros_like(m)
    (_, kappa_gradient_initial, m_gradient, n_gradient, b_gradient), _ = jax.lax.scan(
        backward_step,
        (jnp.zeros_like(initial), jnp.zeros_like(kappa_initial), zeros, zeros, zeros),
        (rates, readout_kappa, states, kappas_before),
        reverse=True,
        unroll=unroll,
    )
    gradient = RankOneParameters(
        m=m_gradient,
        n=n_gradient + summed(kappa_gradient_initial[..., None] * initial),  # + K_0 x_0
        b=b_gradient,
        confidence=confidence_gradient,
    )
    saturation = jnp.sum(saturated) / rates.size
    aux = _Aux(task.accuracy(outputs, targets), saturation)
    return (loss, aux), gradient


def _loss_and_gradient(model, task, parameters, key, dtype, unroll=1):
    """((loss, aux), gradient) as training computes them: the rank-one backward loop written
    out (:func:`_loss_and_gradient_rank_one`), the full-rank layout for W x
    (:func:`_loss_and_gradient_full_rank`), JAX's gradient of the forward pass otherwise."""
    if isinstance(model, FullRankNetwork):
        return _loss_and_gradient_full_rank(model, task, parameters, key, dtype, unroll)
    if isinstance(model, RankOneNetwork):
        return _loss_and_gradient_rank_one(model, task, parameters, key, dtype, unroll)

    def loss_function(point):
        return _loss_and_aux(model, task, point, key, dtype, unroll)

    return jax.value_and_grad(loss_function, has_aux=True)(parameters)


@float64
def network_loss(model, task, parameters, key=0):
    """The task loss of one network (differentiable; dtype follows the parameters).

    >>> from ghostsym.network import RankOneNetwork, DelayedActivation
    >>> model = RankOneNetwork(size=10)
    >>> round(float(network_loss(model, DelayedActivation(), model.initialise(0))), 3)
    1.0
    """
    _check_pairing(model, task)
    return _network_loss(model, task, parameters, as_key(key))


@partial(jax.jit, static_argnums=(0, 1))
def _network_loss(model, task, parameters, key):
    dtype = jnp.result_type(*jax.tree.leaves(parameters))
    return _loss_and_aux(model, task, parameters, key, dtype)[0]


# --- the engine --------------------------------------------------------------------------------
class _RunState(NamedTuple):
    parameters: Any
    optimizer_state: Any
    key: jax.Array
    diverged: jax.Array
    divergence_epoch: jax.Array
    minimum_loss: jax.Array
    minimum_loss_epoch: jax.Array
    maximum_accuracy: jax.Array


@dataclass(frozen=True)
class _Engine:
    """Static description of one compiled training computation (hashable: a jit cache key)."""

    model: Any
    task: Any
    optimizer: str
    dtype: str
    log_canonical: bool
    grid_points: int = 128
    unroll: int = 1

    @property
    def array_dtype(self):
        return jnp.float32 if self.dtype == "float32" else jnp.float64

    def make_optimizer(self, learning_rate):
        factory = optax.sgd if self.optimizer == "sgd" else optax.adam
        return optax.inject_hyperparams(factory)(learning_rate=learning_rate)

    def metric_names(self) -> tuple[str, ...]:
        names = ["loss", "gradient_norm", "accuracy", "saturation"]
        if self.log_canonical:
            names.extend(["canonical_parameter", "latent_clearance"])
        if isinstance(self.model, RankOneNetwork) and self.model.trainable_confidence:
            names.append("confidence")
        return tuple(names)

    # one run ------------------------------------------------------------------------------
    def initial_run(
        self, noise_key, learning_rate, confidence, parameters, optimizer_state=None
    ) -> _RunState:
        dtype = self.array_dtype
        parameters = self.model.cast(parameters, dtype)
        parameters = parameters._replace(confidence=jnp.asarray(confidence, dtype=dtype))
        learning_rate = jnp.asarray(learning_rate, dtype=dtype)
        if optimizer_state is None:
            optimizer_state = self.make_optimizer(learning_rate).init(parameters)
        else:  # continue from a state, with this run's (possibly new) learning rate
            hyper = dict(optimizer_state.hyperparams)
            hyper["learning_rate"] = learning_rate
            optimizer_state = optimizer_state._replace(hyperparams=hyper)
        return _RunState(
            parameters=parameters,
            optimizer_state=optimizer_state,
            key=noise_key,
            diverged=jnp.asarray(False),
            divergence_epoch=jnp.asarray(-1, dtype=jnp.int64),
            minimum_loss=jnp.asarray(jnp.inf, dtype=dtype),
            minimum_loss_epoch=jnp.asarray(-1, dtype=jnp.int64),
            maximum_accuracy=jnp.asarray(-jnp.inf, dtype=dtype),
        )

    def latent_record(self, parameters):
        """(r, clearance) of the latent slow point between kappa_0 and the threshold (rank one)."""
        parameters = self.model.prepare(parameters)
        start = self.task.initial_state * jnp.sum(parameters.n)
        point = latent_slow_point(
            parameters, start, self.model.threshold, grid_points=self.grid_points
        )
        dtype = self.array_dtype
        return point.canonical_parameter.astype(dtype), point.clearance.astype(dtype)

    def loss_and_gradient(self, parameters, key):
        """((loss, aux), gradient) of one network's epoch (see :func:`_loss_and_gradient`)."""
        return _loss_and_gradient(
            self.model, self.task, parameters, key, self.array_dtype, self.unroll
        )

    def epoch(self, state: _RunState, epoch):
        parameters = self.model.prepare(state.parameters)
        use_straight_threefry()
        key = jax.random.fold_in(state.key, epoch)

        (loss, aux), gradient = self.loss_and_gradient(parameters, key)
        trainable = self.model.trainable(parameters)
        gradient = type(gradient)(
            *(g if keep else jnp.zeros_like(g) for g, keep in zip(gradient, trainable, strict=True))
        )
        gradient_norm = optax.tree.norm(gradient)
        finite = jnp.isfinite(loss) & jnp.isfinite(gradient_norm)
        updates, optimizer_state = self.make_optimizer(0.0).update(
            gradient, state.optimizer_state, parameters
        )
        updated = optax.apply_updates(parameters, updates)
        diverged = state.diverged | ~finite

        def keep_if_diverged(new, old):
            return jnp.where(diverged, old, new)

        improved = loss < state.minimum_loss
        new_state = _RunState(
            parameters=jax.tree.map(keep_if_diverged, updated, parameters),
            optimizer_state=jax.tree.map(keep_if_diverged, optimizer_state, state.optimizer_state),
            key=state.key,
            diverged=diverged,
            divergence_epoch=jnp.where(
                state.diverged | finite, state.divergence_epoch, jnp.asarray(epoch, jnp.int64)
            ),
            minimum_loss=jnp.where(improved, loss, state.minimum_loss),
            minimum_loss_epoch=jnp.where(
                improved, jnp.asarray(epoch, jnp.int64), state.minimum_loss_epoch
            ),
            maximum_accuracy=jnp.maximum(state.maximum_accuracy, aux.accuracy),
        )
        metrics = {
            "loss": loss,
            "gradient_norm": gradient_norm,
            "accuracy": aux.accuracy,
            "saturation": aux.saturation,
        }
        if "confidence" in self.metric_names():
            metrics["confidence"] = parameters.confidence
        return new_state, metrics


@lru_cache(maxsize=64)
def _compiled_chunk(engine: _Engine, max_records: int, snapshot_count: int):
    """jit of: advance a block by ``n_epochs`` epochs, recording every ``stride``-th.

    One loop over epochs with one copy of the forward/backward pass; the recording (and the
    canonical parameter, which needs a grid evaluation) runs under a ``lax.cond`` on the
    unbatched epoch counter, so it costs nothing on the other epochs.
    """
    use_straight_threefry()
    step = jax.vmap(lambda s, e: engine.epoch(s, e), in_axes=(0, None))
    latent = jax.vmap(engine.latent_record)

    def maybe_snapshot(snapshots, parameters, epoch, snapshot_epochs):
        if snapshot_count == 0:
            return snapshots
        index = jnp.minimum(jnp.searchsorted(snapshot_epochs, epoch), snapshot_count - 1)
        hit = snapshot_epochs[index] == epoch

        def write(buffers):
            return jax.tree.map(lambda buf, leaf: buf.at[index].set(leaf), buffers, parameters)

        return jax.lax.cond(hit, write, lambda buffers: buffers, snapshots)

    def chunk(state, first_epoch, n_epochs, stride, snapshot_epochs, snapshots):
        shapes = jax.eval_shape(step, state, first_epoch)[1]
        buffers = {
            name: jnp.zeros((max_records,) + shape.shape, shape.dtype)
            for name, shape in shapes.items()
        }
        if engine.log_canonical:
            buffers["canonical_parameter"] = jnp.zeros_like(buffers["loss"])
            buffers["latent_clearance"] = jnp.zeros_like(buffers["loss"])

        def body(j, carry):
            state, snapshots, buffers = carry
            epoch = first_epoch + j
            snapshots = maybe_snapshot(snapshots, state.parameters, epoch, snapshot_epochs)
            new_state, metrics = step(state, epoch)

            def write(buffers):
                values = dict(metrics)
                if engine.log_canonical:
                    r, clearance = latent(state.parameters)
                    values["canonical_parameter"], values["latent_clearance"] = r, clearance
                index = j // stride
                return {name: buffers[name].at[index].set(values[name]) for name in buffers}

            buffers = jax.lax.cond(j % stride == 0, write, lambda buffers: buffers, buffers)
            return new_state, snapshots, buffers

        return jax.lax.fori_loop(0, n_epochs, body, (state, snapshots, buffers))

    return jax.jit(chunk)


@lru_cache(maxsize=64)
def _compiled_initial_block(engine: _Engine, with_optimizer_state: bool):
    if with_optimizer_state:
        return jax.jit(jax.vmap(engine.initial_run))
    return jax.jit(jax.vmap(lambda k, r, c, p: engine.initial_run(k, r, c, p)))


# --- planning ----------------------------------------------------------------------------------
def _as_vector(name, values, count, kind=float):
    array = np.atleast_1d(np.asarray(values, dtype=np.float64 if kind is float else np.int64))
    if array.ndim != 1:
        raise InvalidInputError(
            f"{name} must be a scalar or a 1-D sequence, got shape {array.shape}"
        )
    if array.size == 1 and count > 1:
        array = np.repeat(array, count)
    if array.size != count:
        raise InvalidInputError(f"{name} has {array.size} entries, expected 1 or {count}")
    return array


def tree_index(tree, index):
    """Select ``index`` along the leading (run) axis of every leaf of a batched pytree.

    >>> tree_index({"a": np.arange(6).reshape(3, 2)}, 1)
    {'a': array([2, 3])}
    """
    return jax.tree.map(lambda leaf: leaf[index], tree)


@dataclass(frozen=True)
class _Plan:
    """Validated settings of one population: blocks of runs x chunks of epochs."""

    engine: _Engine
    learning_rates: np.ndarray
    seeds: np.ndarray
    confidences: np.ndarray
    epochs: int
    first_epoch: int
    record_every: int
    epochs_per_chunk: int
    runs_per_block: int
    snapshot_epochs: tuple[int, ...]

    @property
    def runs(self) -> int:
        return self.learning_rates.size

    @property
    def record_count(self) -> int:
        return self.epochs // self.record_every

    @property
    def block_count(self) -> int:
        return math.ceil(self.runs / self.runs_per_block)

    @property
    def chunk_starts(self) -> tuple[int, ...]:
        return tuple(range(0, self.epochs, self.epochs_per_chunk))

    def block_runs(self, block: int) -> np.ndarray:
        """Indices of the runs of ``block``, padded (repeating its last run) to full size."""
        start = block * self.runs_per_block
        indices = np.arange(start, min(start + self.runs_per_block, self.runs))
        padding = self.runs_per_block - indices.size
        return np.concatenate([indices, np.repeat(indices[-1:], padding)])

    def block_size(self, block: int) -> int:
        start = block * self.runs_per_block
        return min(self.runs_per_block, self.runs - start)

    def initial_block(self, block: int, initial_parameters=None, initial_optimizer_state=None):
        """The batched run state of ``block`` before its first epoch, and its snapshot buffers."""
        runs = self.block_runs(block)
        dtype = self.engine.array_dtype
        keys = jax.vmap(jax.random.PRNGKey)(jnp.asarray(self.seeds[runs], dtype=jnp.int64))
        rates = jnp.asarray(self.learning_rates[runs], dtype=dtype)
        confidences = jnp.asarray(self.confidences[runs], dtype=dtype)
        if initial_parameters is None:  # drawn on the host (NumPy), one network per seed
            model = self.engine.model
            drawn = [model._draw(int(seed), 1.0) for seed in self.seeds[runs]]
            parameters = jax.tree.map(lambda *leaves: np.stack(leaves), *drawn)
        else:
            parameters = tree_index(initial_parameters, runs)
        arguments = [keys, rates, confidences, parameters]
        if initial_optimizer_state is not None:
            if initial_parameters is None:
                raise InvalidInputError("initial_optimizer_state needs initial_parameters")
            arguments.append(tree_index(initial_optimizer_state, runs))
        initialise = _compiled_initial_block(self.engine, initial_optimizer_state is not None)
        state = initialise(*arguments)
        snapshots = jax.tree.map(
            lambda leaf: jnp.zeros((len(self.snapshot_epochs),) + leaf.shape, leaf.dtype),
            state.parameters,
        )
        return state, snapshots

    def run_chunk(self, chunk: int, state, snapshots):
        """Advance a block by chunk number ``chunk``; returns (state, snapshots, metrics)."""
        start = self.chunk_starts[chunk]
        length = min(self.epochs_per_chunk, self.epochs - start)
        max_records = self.epochs_per_chunk // self.record_every
        compiled = _compiled_chunk(self.engine, max_records, len(self.snapshot_epochs))
        state, snapshots, buffers = compiled(
            state,
            jnp.asarray(self.first_epoch + start, jnp.int64),
            jnp.asarray(length, jnp.int64),
            jnp.asarray(self.record_every, jnp.int64),
            jnp.asarray(self.snapshot_epochs, dtype=jnp.int64).reshape(-1),
            snapshots,
        )
        records = length // self.record_every
        metrics = {name: np.asarray(values[:records]) for name, values in buffers.items()}
        return state, snapshots, metrics


def _require_count(name, value):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidInputError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def _checked_rates(learning_rates) -> np.ndarray:
    rates = np.atleast_1d(np.asarray(learning_rates, dtype=np.float64))
    if rates.ndim != 1 or rates.size == 0:
        raise InvalidInputError(f"learning_rates must be a non-empty 1-D sequence, got {rates!r}")
    good = np.isfinite(rates) & (rates > 0)
    if not np.all(good):
        raise InvalidInputError(f"learning rates must be finite and > 0, got {rates[~good][0]!r}")
    return rates


def _checked_confidences(model, confidences, initial_parameters, count) -> np.ndarray:
    if confidences is None and initial_parameters is not None:
        confidences = np.asarray(initial_parameters.confidence, dtype=np.float64)
    elif confidences is None:
        confidences = model.default_confidence
    array = _as_vector("confidences", confidences, count)
    if np.any(np.isnan(array)) or np.any(array <= 0):
        raise InvalidInputError(f"confidences must be > 0 (inf allowed), got {array}")
    return array


def _checked_epochs(epochs, record_every, first_epoch, snapshot_epochs, epochs_per_chunk):
    """(epochs, record_every, first_epoch, snapshot epochs, epochs per chunk), validated."""
    epochs = _require_count("epochs", epochs)
    record_every = _require_count("record_every", record_every)
    if epochs % record_every:
        raise InvalidInputError(
            f"epochs={epochs} must be a multiple of record_every={record_every}"
        )
    if isinstance(first_epoch, bool) or not isinstance(first_epoch, int | np.integer):
        raise InvalidInputError(f"first_epoch must be an int, got {first_epoch!r}")
    snapshots = tuple(sorted({int(e) for e in snapshot_epochs}))
    if snapshots and (snapshots[0] < first_epoch or snapshots[-1] > first_epoch + epochs):
        raise InvalidInputError(
            f"snapshot epochs must lie in [{first_epoch}, {first_epoch + epochs}], got {snapshots}"
        )
    if epochs_per_chunk is None:
        epochs_per_chunk = record_every * max(1, min(epochs // record_every, 2000 // record_every))
    if epochs_per_chunk < record_every or epochs_per_chunk % record_every:
        raise InvalidInputError(
            f"epochs_per_chunk={epochs_per_chunk} must be a positive multiple of "
            f"record_every={record_every}"
        )
    return epochs, record_every, int(first_epoch), snapshots, min(int(epochs_per_chunk), epochs)


#: Block sizes the full-rank default blocking rounds up to: 2**k, 3 * 2**k and 5 * 2**k
#: (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, ...): few distinct shapes, so few compilations;
#: rounding up to the next one adds at most a quarter of the block (13 -> 16, 25 -> 32).
BLOCK_SIZES = tuple(
    sorted({factor * 2**k for factor in (1, 3, 5) for k in range(11) if factor * 2**k <= 1024})
)


def _parameter_count(model) -> int:
    return sum(np.size(leaf) for leaf in model._draw(0, 1.0))


def _default_block_limit(model, task) -> int:
    """The most runs a default block holds: its working set near one core's cache."""
    activations = task.steps * task.trials * model.size
    if isinstance(model, FullRankNetwork):
        return int(np.clip(2**17 // (activations + _parameter_count(model)), 4, 512))
    return int(np.clip(2**18 // activations, 16, 512))


def _block_size(model, task, count, runs_per_block) -> int:
    """Runs per block: ``runs_per_block`` made equal across blocks, or the default.

    An explicit ``runs_per_block`` is honoured exactly: ``ceil(count / runs_per_block)``
    blocks, made equal. The default depends on the model, the task and the population size
    only, never on the machine or the thread count, because the vectorised batch size can
    change float32 results at rounding level (XLA vectorises differently):

    1. A limit L keeps a block's working set near one core's cache: per run, its per-step
       activations (steps x trials x N floats; rank-one and low-rank: L = 2**18 floats over
       that, between 16 and 512: L = 65 for rank-one N = 100, T = R = 20), for full-rank
       networks also the N x N weights (L = 2**17 floats over their sum, between 4 and 512:
       L = 7 for the DCDT task RNN at N = 100).
    2. A population of at most L runs is one block (full rank: rounded up to
       :data:`BLOCK_SIZES`).
    3. A larger one is split into equal blocks (full rank: rounded up to :data:`BLOCK_SIZES`,
       few distinct shapes to compile) whose size is chosen, in this order of preference:
       an EVEN number of blocks (an odd count is allowed only from 17 blocks on, when no
       even one fits the next rules: then an idle core in the last round costs under 6%);
       padding (repeated runs) at most a third of the population; a size within [L/2, L];
       an even count; the size closest to L. So a rank-one population up to 2L is two blocks,
       rank-one 300 trains in 6 blocks of 50, DCDT 40 in 8 blocks of 5. Over every
       population up to 2,000 at 55 full-rank limits (4 to 512) and 11 rank-one ones (16 to
       512), multi-block padding stayed at most a third for full rank (above a quarter in
       3.5% of the cases, mostly at small limits) and under a tenth for rank one.

    Why even: blocks train concurrently, one per core, so an odd count leaves a core idle in
    the last round on 2 cores (5 blocks on 2 threads: 3 rounds, at most 5/3 = 1.67x).
    Why within the limit rather than fewer, larger blocks: one core is slower on blocks above
    it (measured on the 2-core machine this was written on, interleaved medians of 7, float32:
    rank-one population 300: one core 13.3 us per network-epoch for blocks of 50 and of 60,
    15.3 for blocks of 75; two threads: 6 blocks of 50 6.6, 4 of 75 6.6, 5 of 60 7.8. DCDT
    population 40: one core 122 us for blocks of 5, 135 of 8, 140 of 10; two threads 68 for
    8 blocks of 5, 60 for 4 of 10, 76 for 5 of 8 at 100 epochs per call, and 58 for 5 against
    59 for 10 at 400 epochs, where the per-block set-up weighs less).

    >>> from ghostsym.network import RankOneNetwork, DelayedActivation
    >>> model, task = RankOneNetwork(), DelayedActivation()
    >>> [_block_size(model, task, count, None) for count in (30, 100, 300, 1000)]
    [30, 50, 50, 63]
    >>> _block_size(model, task, 300, 75)
    75
    >>> from ghostsym.network import FullRankNetwork, DelayedCueDiscrimination
    >>> model, task = FullRankNetwork.for_working_memory(), DelayedCueDiscrimination()
    >>> [_block_size(model, task, count, None) for count in (5, 7, 14, 40, 64)]
    [5, 8, 4, 5, 4]
    """
    if runs_per_block is not None:
        if runs_per_block < 1:
            raise InvalidInputError(f"runs_per_block must be >= 1, got {runs_per_block}")
        return math.ceil(count / math.ceil(count / runs_per_block))  # equal blocks
    limit = _default_block_limit(model, task)
    if isinstance(model, FullRankNetwork):

        def rounded(size):
            return next(bucket for bucket in BLOCK_SIZES if bucket >= size)

    else:

        def rounded(size):
            return size

    if count <= limit:
        return rounded(count)
    # the block sizes of 2, 3, ... equal blocks (full rank: rounded up), down to about L / 64
    most = min(count, 64 * math.ceil(count / limit))
    sizes = {rounded(math.ceil(count / blocks)) for blocks in range(2, most + 1)}

    def preference(size):
        blocks = math.ceil(count / size)
        return (
            blocks % 2 == 1 and blocks < 17,  # even: no idle core in the last round
            blocks * size - count > count / 3,  # padding: at most a third of the population
            not limit / 2 <= size <= limit,  # near the cache limit, not above it
            blocks % 2 == 1,
            abs(math.log(size / limit)),  # the largest within the limit
            size,
        )

    return min((size for size in sizes if size < count), key=preference)


def _checked_canonical(model, task, log_canonical_parameter) -> bool:
    if log_canonical_parameter is None:
        return isinstance(model, RankOneNetwork)
    if log_canonical_parameter and not isinstance(model, RankOneNetwork):
        raise InvalidInputError("the latent canonical parameter is defined for rank-one networks")
    if log_canonical_parameter and not hasattr(task, "initial_state"):
        raise InvalidInputError(f"task {task.name!r} has no fixed initial state kappa_0")
    return bool(log_canonical_parameter)


def _plan(
    model,
    task,
    *,
    learning_rates,
    seeds,
    epochs,
    optimizer="sgd",
    confidences=None,
    first_epoch=0,
    record_every=1,
    snapshot_epochs=(),
    epochs_per_chunk=None,
    runs_per_block=None,
    dtype="float32",
    log_canonical_parameter=None,
    initial_parameters=None,
) -> _Plan:
    _check_pairing(model, task)
    require_choice("optimizer", optimizer, OPTIMIZERS)
    require_choice("dtype", dtype, DTYPES)
    epochs, record_every, first_epoch, snapshots, epochs_per_chunk = _checked_epochs(
        epochs, record_every, first_epoch, snapshot_epochs, epochs_per_chunk
    )
    rates = _checked_rates(learning_rates)
    seed_array = _as_vector("seeds", seeds, rates.size, kind=int)
    if np.any(seed_array < 0):
        raise InvalidInputError(f"seeds must be >= 0, got {seed_array.min()}")
    log_canonical = _checked_canonical(model, task, log_canonical_parameter)
    return _Plan(
        engine=_Engine(model, task, optimizer, dtype, log_canonical),
        learning_rates=rates,
        seeds=seed_array,
        confidences=_checked_confidences(model, confidences, initial_parameters, rates.size),
        epochs=epochs,
        first_epoch=first_epoch,
        record_every=record_every,
        epochs_per_chunk=epochs_per_chunk,
        runs_per_block=_block_size(model, task, rates.size, runs_per_block),
        snapshot_epochs=snapshots,
    )


# --- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PopulationTraining:
    """What :func:`train_population` returns (NumPy arrays; R runs, E recorded epochs).

    Recorded at ``recorded_epochs`` (epoch e: the parameters after e updates, before update e):
    ``loss``, ``gradient_norm`` (global L2 over trainable leaves), ``accuracy``, ``saturation``
    (fraction of |tanh rate| > 0.99), each (R, E); ``canonical_parameter`` (R, E): r of the
    latent slow point, r = b d - lambda^2/4, and ``latent_clearance`` (R, E): min of the flow
    along the way from kappa_0 to the threshold (> 0: no fixed point blocks it) (rank-one
    networks, see :class:`~ghostsym.network.LatentSlowPoint`; else None); ``confidence``
    (R, E) when c is trained (else None). Over every epoch: ``minimum_loss``,
    ``minimum_loss_epoch``, ``maximum_accuracy`` (R,). ``diverged`` (R,) and
    ``divergence_epoch`` (R,; -1 if never): non-finite loss or gradient, run frozen from then.
    ``final_parameters`` and ``final_optimizer_state``: batched pytrees (leading axis R);
    ``snapshots``: parameters at ``snapshot_epochs``, leaves shaped (R, len(snapshot_epochs),
    ...). Pass ``final_parameters`` and ``final_optimizer_state`` back to
    :func:`train_population` to continue training.
    """

    model: Any
    task: Any
    optimizer: str
    dtype: str
    learning_rates: np.ndarray
    seeds: np.ndarray
    confidences: np.ndarray
    epochs: int
    first_epoch: int
    record_every: int
    recorded_epochs: np.ndarray
    loss: np.ndarray
    gradient_norm: np.ndarray
    accuracy: np.ndarray
    saturation: np.ndarray
    canonical_parameter: np.ndarray | None
    latent_clearance: np.ndarray | None
    confidence: np.ndarray | None
    minimum_loss: np.ndarray
    minimum_loss_epoch: np.ndarray
    maximum_accuracy: np.ndarray
    diverged: np.ndarray
    divergence_epoch: np.ndarray
    final_parameters: Any
    final_optimizer_state: Any
    snapshot_epochs: tuple[int, ...] = ()
    snapshots: Any = None
    wall_time: float = field(default=0.0, compare=False)

    @property
    def runs(self) -> int:
        """Number of runs R."""
        return self.learning_rates.size

    def parameters_at(self, epoch: int):
        """Batched parameters (leading axis R) at a snapshot epoch (or the final epoch).

        >>> from ghostsym.network import RankOneNetwork, DelayedActivation
        >>> result = train_population(RankOneNetwork(size=20), DelayedActivation(5, 5),
        ...     learning_rates=[0.01, 0.1], seeds=[0, 1], epochs=20, record_every=10,
        ...     snapshot_epochs=[10])
        >>> result.parameters_at(10).m.shape, result.parameters_at(20).m.shape
        ((2, 20), (2, 20))
        """
        if epoch == self.first_epoch + self.epochs:
            return self.final_parameters
        if epoch not in self.snapshot_epochs:
            raise InvalidInputError(
                f"no snapshot at epoch {epoch}; snapshots: {list(self.snapshot_epochs)}, final: "
                f"{self.first_epoch + self.epochs}"
            )
        index = self.snapshot_epochs.index(epoch)
        return jax.tree.map(lambda leaf: leaf[:, index], self.snapshots)


def _numpy_tree(tree):
    return jax.tree.map(np.asarray, tree)


def _assemble(plan: _Plan, blocks: list[dict], wall_time: float) -> PopulationTraining:
    """Concatenate per-block host results (dicts of NumPy arrays / pytrees) into one result."""
    names = plan.engine.metric_names()

    def join(key):
        return np.concatenate([block[key] for block in blocks], axis=0)

    def join_tree(key):
        return jax.tree.map(
            lambda *leaves: np.concatenate(leaves, axis=0), *[block[key] for block in blocks]
        )

    metrics = {name: join(name) for name in names}
    snapshots = None
    if plan.snapshot_epochs:
        snapshots = join_tree("snapshots")
    return PopulationTraining(
        model=plan.engine.model,
        task=plan.engine.task,
        optimizer=plan.engine.optimizer,
        dtype=plan.engine.dtype,
        learning_rates=plan.learning_rates,
        seeds=plan.seeds,
        confidences=plan.confidences,
        epochs=plan.epochs,
        first_epoch=plan.first_epoch,
        record_every=plan.record_every,
        recorded_epochs=plan.first_epoch + plan.record_every * np.arange(plan.record_count),
        loss=metrics["loss"],
        gradient_norm=metrics["gradient_norm"],
        accuracy=metrics["accuracy"],
        saturation=metrics["saturation"],
        canonical_parameter=metrics.get("canonical_parameter"),
        latent_clearance=metrics.get("latent_clearance"),
        confidence=metrics.get("confidence"),
        minimum_loss=join("minimum_loss"),
        minimum_loss_epoch=join("minimum_loss_epoch"),
        maximum_accuracy=join("maximum_accuracy"),
        diverged=join("diverged"),
        divergence_epoch=join("divergence_epoch"),
        final_parameters=join_tree("final_parameters"),
        final_optimizer_state=join_tree("final_optimizer_state"),
        snapshot_epochs=plan.snapshot_epochs,
        snapshots=snapshots,
        wall_time=wall_time,
    )


def _finish_block(plan: _Plan, block: int, state, snapshots, metric_chunks: list[dict]) -> dict:
    """Host-side arrays of a finished block, padding runs removed."""
    size = plan.block_size(block)
    names = plan.engine.metric_names()
    out = {
        name: np.concatenate([chunk[name] for chunk in metric_chunks], axis=0).T[:size]
        for name in names
    }
    host = _numpy_tree(state)
    for name in (
        "diverged",
        "divergence_epoch",
        "minimum_loss",
        "minimum_loss_epoch",
        "maximum_accuracy",
    ):
        out[name] = getattr(host, name)[:size]
    out["final_parameters"] = jax.tree.map(lambda leaf: leaf[:size], host.parameters)
    out["final_optimizer_state"] = jax.tree.map(lambda leaf: leaf[:size], host.optimizer_state)
    if plan.snapshot_epochs:
        final_epoch = plan.first_epoch + plan.epochs
        buffers = _numpy_tree(snapshots)
        if final_epoch in plan.snapshot_epochs:  # the loop never sees the last epoch's start
            index = plan.snapshot_epochs.index(final_epoch)
            buffers = jax.tree.map(
                lambda buf, leaf: np.concatenate([buf[:index], leaf[None], buf[index + 1 :]]),
                buffers,
                host.parameters,
            )
        out["snapshots"] = jax.tree.map(lambda leaf: np.swapaxes(leaf, 0, 1)[:size], buffers)
    return out


@float64
def train_population(
    model,
    task,
    *,
    learning_rates,
    seeds,
    epochs: int,
    optimizer: str = "sgd",
    confidences=None,
    initial_parameters=None,
    initial_optimizer_state=None,
    first_epoch: int = 0,
    record_every: int = 1,
    snapshot_epochs=(),
    epochs_per_chunk: int | None = None,
    runs_per_block: int | None = None,
    dtype: str = "float32",
    log_canonical_parameter: bool | None = None,
    progress: bool = False,
    threads: int | None = None,
) -> PopulationTraining:
    """Train R networks at once (vmap over runs, compiled epoch loop); see the module docstring.

    Args:
        model, task: a model spec (e.g. :class:`RankOneNetwork`) and a task spec.
        learning_rates: (R,) per-run learning rates (this fixes R).
        seeds: (R,) or one seed: initialisation and noise of each run.
        epochs: number of epochs (a multiple of ``record_every``).
        optimizer: ``"sgd"`` (plain, no momentum, as the paper) or ``"adam"``.
        confidences: (R,) or one value: c of each run (R1 readout gain; cap of ||w_out||_1 for
            models with ``readout_cap``); default: the model's initial value (or, with
            ``initial_parameters``, theirs).
        initial_parameters, initial_optimizer_state: batched pytrees (leading axis R) to
            continue from (e.g. ``result.final_parameters``); a new learning rate per run
            replaces the one stored in the optimiser state.
        first_epoch: number of the first epoch (recorded epochs and noise keys count from it).
        record_every: recording stride; snapshot_epochs: epochs whose parameters to keep.
        epochs_per_chunk / runs_per_block: host-sync and memory granularity; the numbers do
            not depend on ``epochs_per_chunk``; ``runs_per_block`` sets the vectorised batch,
            which can change float32 results at rounding level (amplified in chaotic runs).
        dtype: ``"float32"`` (fast, default) or ``"float64"``.
        log_canonical_parameter: record the latent canonical parameter r (default: for
            rank-one networks).
        progress: show a tqdm bar.
        threads: how many blocks of runs train at the same time, each in its own thread (XLA
            runs one small block on one core); default: :func:`training_threads`' setting,
            else the CPUs this process may use, at most the block count; 1: one block after
            another. The numbers do not depend on it (each block's computation is the same).
    """
    thread_setting = _checked_threads(threads)
    plan = _plan(
        model,
        task,
        learning_rates=learning_rates,
        seeds=seeds,
        epochs=epochs,
        optimizer=optimizer,
        confidences=confidences,
        first_epoch=first_epoch,
        record_every=record_every,
        snapshot_epochs=snapshot_epochs,
        epochs_per_chunk=epochs_per_chunk,
        runs_per_block=runs_per_block,
        dtype=dtype,
        log_canonical_parameter=log_canonical_parameter,
        initial_parameters=initial_parameters,
    )
    if initial_optimizer_state is not None and initial_parameters is None:
        raise InvalidInputError("initial_optimizer_state needs initial_parameters")
    started = time.perf_counter()
    starts = [
        BlockStart(plan, block, initial_parameters, initial_optimizer_state)
        for block in range(plan.block_count)
    ]
    runner = _BLOCK_RUNNER.get()
    if runner is not None and thread_setting is not None:
        raise InvalidInputError(
            "threads sets the training threads of this process; under use_scheduler the "
            "cluster's workers train the blocks"
        )
    if runner is not None:  # e.g. a Dask cluster (ghostsym.network.use_scheduler)
        progresses = runner(starts)
    else:
        bar = None
        if progress:
            from tqdm import tqdm

            total = plan.block_count * len(plan.chunk_starts)
            bar = tqdm(total=total, desc="training", unit="chunk")
        bar_lock = threading.Lock()

        def work(start, stop_point):
            def after_chunk(_):
                if bar is not None:
                    with bar_lock:
                        bar.update()
                stop_point()

            return train_block(start, after_chunk=after_chunk)

        try:
            progresses = run_in_threads(work, starts, thread_count(thread_setting, len(starts)))
        finally:
            if bar is not None:
                bar.close()
    blocks = [
        _finish_block(plan, start.block, done.state, done.snapshots, done.metric_chunks)
        for start, done in zip(starts, progresses, strict=True)
    ]
    return _assemble(plan, blocks, time.perf_counter() - started)


# --- one block of runs: the unit of work (a local loop, or a task on a cluster) ---------------
@dataclass(frozen=True)
class BlockStart:
    """Everything one block of a population needs: its plan, its number, where it starts.

    ``resume``: a :class:`BlockProgress` (host arrays) to continue from, e.g. a sweep's
    checkpoint. Picklable, so a block can run in another process or on another machine.
    """

    plan: _Plan
    block: int
    initial_parameters: Any = None
    initial_optimizer_state: Any = None
    resume: BlockProgress | None = None


class BlockProgress(NamedTuple):
    """A block after ``completed`` chunks: run state, snapshot buffers, per-chunk metrics."""

    completed: int
    state: Any
    snapshots: Any
    metric_chunks: list


def train_block(start: BlockStart, *, after_chunk=None, chunk_limit=None) -> BlockProgress:
    """Advance one block chunk by chunk (from its start or its ``resume`` point).

    ``after_chunk(progress)`` is called after each chunk (a sweep writes its checkpoint
    there); ``chunk_limit`` stops after that many chunks in this call. The returned progress
    holds NumPy arrays (host memory), so it can be pickled, stored and resumed from.

    >>> from ghostsym.network import RankOneNetwork, DelayedActivation
    >>> plan = _plan(RankOneNetwork(size=6), DelayedActivation(3, 3), learning_rates=[0.1],
    ...              seeds=[0], epochs=20, record_every=5, epochs_per_chunk=10)
    >>> half = train_block(BlockStart(plan, 0), chunk_limit=1)
    >>> rest = train_block(BlockStart(plan, 0, resume=half))
    >>> whole = train_block(BlockStart(plan, 0))
    >>> same = np.array_equal(rest.state.parameters.m, whole.state.parameters.m)
    >>> half.completed, rest.completed, same
    (1, 2, True)
    """
    plan, block = start.plan, start.block
    if start.resume is None:
        state, snapshots = plan.initial_block(
            block, start.initial_parameters, start.initial_optimizer_state
        )
        completed, chunks = 0, []
    else:
        completed, state, snapshots, chunks = start.resume
        state, snapshots, chunks = jax.tree.map(jnp.asarray, (state, snapshots)) + (list(chunks),)
    progress = BlockProgress(completed, _numpy_tree(state), _numpy_tree(snapshots), chunks)
    stop = len(plan.chunk_starts)
    if chunk_limit is not None:
        stop = min(stop, completed + chunk_limit)
    for chunk in range(completed, stop):
        state, snapshots, metrics = plan.run_chunk(chunk, state, snapshots)
        chunks = chunks + [metrics]
        progress = BlockProgress(chunk + 1, _numpy_tree(state), _numpy_tree(snapshots), chunks)
        if after_chunk is not None:
            after_chunk(progress)
    return progress


#: When set (a callable from a list of BlockStart to a list of BlockProgress), train_population
#: hands its blocks to it instead of looping over them here.
_BLOCK_RUNNER: contextvars.ContextVar = contextvars.ContextVar("block_runner", default=None)


# --- blocks on the machine's cores ------------------------------------------------------------
#: The default thread count of the training calls in a region (see :func:`training_threads`).
_TRAINING_THREADS: contextvars.ContextVar = contextvars.ContextVar("training_threads", default=None)


def _checked_threads(threads, name: str = "threads") -> int | None:
    """``threads`` (None: the default) checked to be an integer >= 1."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1:
        raise InvalidInputError(f"{name} must be an integer >= 1, got {threads!r}")
    return int(threads)


def thread_count(threads: int | None, blocks: int) -> int:
    """Threads to train ``blocks`` blocks with: ``threads``, else :func:`training_threads`'
    setting, else :func:`available_cores`; at most ``blocks``, at least 1.

    >>> thread_count(4, 3), thread_count(1, 8)
    (3, 1)
    >>> with training_threads(2):
    ...     thread_count(None, 8)
    2
    """
    chosen = _checked_threads(threads)
    if chosen is None:
        chosen = _TRAINING_THREADS.get()
    if chosen is None:
        chosen = available_cores()
    return max(1, min(chosen, blocks))


@contextlib.contextmanager
def training_threads(threads: int | None):
    """Within the ``with`` block, train populations and sweeps with ``threads`` threads by
    default (None: the CPUs this process may use).

    Each thread trains one block of runs at a time (XLA runs the compiled chunk of a small
    block on one core); the numbers are the same for every thread count, bit for bit. Worker
    processes that already share the machine's cores (several trainings at once) may want 1.
    An explicit ``threads=`` argument wins over this setting.

    >>> from ghostsym.network import RankOneNetwork, DelayedActivation, train_population
    >>> def train():
    ...     return train_population(RankOneNetwork(size=8), DelayedActivation(3, 3),
    ...         learning_rates=[0.1] * 4, seeds=range(4), epochs=10, runs_per_block=1)
    >>> with training_threads(1):
    ...     one_at_a_time = train()
    >>> with training_threads(2):
    ...     two_at_a_time = train()
    >>> bool(np.array_equal(one_at_a_time.loss, two_at_a_time.loss))
    True
    """
    token = _TRAINING_THREADS.set(_checked_threads(threads))
    try:
        yield
    finally:
        _TRAINING_THREADS.reset(token)


class _Stopped(Exception):
    """Raised at a chunk boundary inside a worker thread when its pool is stopping."""


def _thread_settings():
    """A function entering, in another thread, the caller's thread-local JAX settings.

    JAX keeps ``enable_x64`` and ``default_device`` contexts per thread (ghostsym's
    ``@float64`` uses the former), so a worker thread would otherwise compute in float32 or on
    another device.
    """
    x64 = bool(jax.config.jax_enable_x64)
    device = jax.config.jax_default_device

    def enter(stack: contextlib.ExitStack) -> None:
        stack.enter_context(jax.enable_x64(x64))
        stack.enter_context(jax.default_device(device))

    return enter


def run_in_threads(work, items, threads: int) -> list:
    """``[work(item, stop_point) for item in items]``, ``threads`` items at a time, in order.

    ``work`` calls ``stop_point()`` after each chunk: once the pool is stopping (Ctrl-C in the
    waiting thread, or an error in another item) it raises a private exception there, so no
    thread runs more than one chunk after that. Each item runs in a copy of the caller's
    context (context variables such as :func:`training_threads`) with the caller's JAX
    float64 and default-device settings. The first error (or ``KeyboardInterrupt``) is raised
    here after the other threads have stopped.

    >>> run_in_threads(lambda item, stop_point: item * item, [1, 2, 3], threads=2)
    [1, 4, 9]
    """
    items = list(items)
    if threads <= 1 or len(items) <= 1:
        return [work(item, _no_stop) for item in items]
    stopping = threading.Event()

    def stop_point() -> None:
        if stopping.is_set():
            raise _Stopped

    enter = _thread_settings()

    def run(item):
        if stopping.is_set():
            raise _Stopped
        try:
            with contextlib.ExitStack() as stack:
                enter(stack)
                return work(item, stop_point)
        except BaseException:  # stop the others now, not when the waiting thread wakes up
            stopping.set()
            raise

    executor = ThreadPoolExecutor(threads, thread_name_prefix="ghostsym-training")
    futures = [executor.submit(contextvars.copy_context().run, run, item) for item in items]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(future.exception() is not None for future in done):
            stopping.set()
            wait(futures)  # each thread stops at its next stop point
            errors = [future.exception() for future in futures]
            # the error that stopped the others, not their stopping
            raise next(e for e in errors if e is not None and not isinstance(e, _Stopped))
        return [future.result() for future in futures]
    finally:
        stopping.set()  # nothing left to do on success; on an error, stop after this chunk
        executor.shutdown(wait=True, cancel_futures=True)


def _no_stop() -> None:
    """The stop point of work run in the calling thread: Ctrl-C reaches it directly."""

"""Population training against plain per-run loops, and the paper's rank-one behaviour (reduced)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from ghostsym import gradient_descent
from ghostsym.errors import InvalidInputError
from ghostsym.network import (
    DelayedActivation,
    DelayedCueDiscrimination,
    FullRankNetwork,
    RankOneNetwork,
    classify_losses,
    classify_runs,
    latent_slow_point,
    network_loss,
    train_canonical_population,
    train_population,
    tree_index,
)

MODEL, TASK = RankOneNetwork(size=10), DelayedActivation(delay=5, response=5)
RATES, SEEDS = np.array([0.05, 0.5, 2.0]), np.array([0, 1, 2])
START = {"b": 0.4}  # shift b so the small network starts off its flat plateau


def _start_parameters(seeds, dtype=jnp.float64):
    drawn = [MODEL.initialise(int(s), dtype=dtype) for s in seeds]
    drawn = [p._replace(b=p.b + START["b"]) for p in drawn]
    return jax.tree.map(lambda *leaves: np.stack(leaves), *drawn)


@pytest.fixture(scope="module")
def reference():
    """30 SGD epochs of 3 runs (float64, every epoch recorded, snapshots at 0, 10, 30)."""
    return train_population(
        MODEL,
        TASK,
        learning_rates=RATES,
        seeds=SEEDS,
        epochs=30,
        dtype="float64",
        initial_parameters=_start_parameters(SEEDS),
        snapshot_epochs=[0, 10, 30],
    )


def _manual_sgd(parameters, rate, epochs):
    value_and_grad = jax.jit(jax.value_and_grad(lambda p: network_loss(MODEL, TASK, p)))
    losses, norms = [], []
    for _ in range(epochs):
        loss, gradient = value_and_grad(parameters)
        gradient = gradient._replace(confidence=0.0)
        losses.append(float(loss))
        norms.append(float(np.sqrt(sum(np.sum(np.asarray(g) ** 2) for g in gradient))))
        parameters = jax.tree.map(lambda p, g: p - rate * g, parameters, gradient)
    return parameters, np.array(losses), np.array(norms)


def test_population_equals_one_plain_loop_per_run(reference):
    starts = _start_parameters(SEEDS)
    for run in range(3):
        final, losses, norms = _manual_sgd(tree_index(starts, run), RATES[run], 30)
        assert np.allclose(reference.loss[run], losses, rtol=1e-12, atol=1e-14)
        assert np.allclose(reference.gradient_norm[run], norms, rtol=1e-10, atol=1e-14)
        for got, expected in zip(tree_index(reference.final_parameters, run), final, strict=True):
            assert np.allclose(got, expected, rtol=1e-11, atol=1e-13)
    assert np.ptp(reference.loss, axis=1).max() > 1e-3  # the runs actually moved
    assert np.all(reference.confidence is None and reference.confidences == 10.0)


def test_chunks_blocks_and_repeats_give_identical_numbers(reference):
    again = train_population(
        MODEL,
        TASK,
        learning_rates=RATES,
        seeds=SEEDS,
        epochs=30,
        dtype="float64",
        initial_parameters=_start_parameters(SEEDS),
        snapshot_epochs=[0, 10, 30],
    )
    assert np.array_equal(again.loss, reference.loss)
    chunked = train_population(
        MODEL,
        TASK,
        learning_rates=RATES,
        seeds=SEEDS,
        epochs=30,
        dtype="float64",
        initial_parameters=_start_parameters(SEEDS),
        snapshot_epochs=[0, 10, 30],
        epochs_per_chunk=7,
        runs_per_block=2,
    )
    assert np.array_equal(chunked.loss, reference.loss)
    assert np.array_equal(chunked.final_parameters.m, reference.final_parameters.m)
    assert np.array_equal(chunked.snapshots.n, reference.snapshots.n)


def test_snapshots_and_recorded_metrics_are_consistent(reference):
    at_ten = reference.parameters_at(10)
    for run in range(3):
        parameters = tree_index(at_ten, run)
        assert float(network_loss(MODEL, TASK, parameters)) == pytest.approx(
            reference.loss[run, 10], rel=1e-12
        )
        start = -0.3 * float(np.sum(parameters.n))
        expected = latent_slow_point(parameters, start, 1.0).canonical_parameter
        assert reference.canonical_parameter[run, 10] == pytest.approx(float(expected), 1e-10)
    assert np.array_equal(reference.parameters_at(30).m, reference.final_parameters.m)
    assert np.array_equal(reference.parameters_at(0).m, _start_parameters(SEEDS).m)
    assert reference.minimum_loss == pytest.approx(reference.loss.min(axis=1))
    with pytest.raises(InvalidInputError, match="no snapshot"):
        reference.parameters_at(5)


def test_adam_with_per_run_rates_and_continuation():
    rates = np.array([0.01, 0.03])
    starts = _start_parameters([3, 4])
    straight = train_population(
        MODEL,
        TASK,
        learning_rates=rates,
        seeds=[3, 4],
        epochs=20,
        optimizer="adam",
        dtype="float64",
        initial_parameters=starts,
    )
    optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=0.0)

    @jax.jit
    def adam_step(parameters, state):
        loss, gradient = jax.value_and_grad(lambda p: network_loss(MODEL, TASK, p))(parameters)
        gradient = gradient._replace(confidence=jnp.zeros(()))
        updates, state = optimizer.update(gradient, state, parameters)
        return optax.apply_updates(parameters, updates), state, loss

    for run in range(2):
        parameters = tree_index(starts, run)
        state = optax.adam(rates[run]).init(parameters)
        state = optimizer.init(parameters)._replace(inner_state=state)
        state.hyperparams["learning_rate"] = jnp.asarray(rates[run])
        for epoch in range(20):
            parameters, state, loss = adam_step(parameters, state)
            assert straight.loss[run, epoch] == pytest.approx(float(loss), rel=1e-10)
        assert np.allclose(straight.final_parameters.n[run], parameters.n, rtol=1e-9)
    # 10 + 10 epochs, the Adam state carried over, equals 20 straight
    first = train_population(
        MODEL,
        TASK,
        learning_rates=rates,
        seeds=[3, 4],
        epochs=10,
        optimizer="adam",
        dtype="float64",
        initial_parameters=starts,
    )
    second = train_population(
        MODEL,
        TASK,
        learning_rates=rates,
        seeds=[3, 4],
        epochs=10,
        optimizer="adam",
        dtype="float64",
        initial_parameters=first.final_parameters,
        initial_optimizer_state=first.final_optimizer_state,
        first_epoch=10,
    )
    assert np.array_equal(second.recorded_epochs, np.arange(10, 20))
    assert np.allclose(np.hstack([first.loss, second.loss]), straight.loss, rtol=1e-13)


def test_a_non_finite_run_is_frozen_while_the_others_continue(reference):
    starts = _start_parameters(SEEDS)
    poisoned = starts._replace(m=starts.m.copy())
    poisoned.m[1, 0] = np.nan
    result = train_population(
        MODEL,
        TASK,
        learning_rates=RATES,
        seeds=SEEDS,
        epochs=30,
        dtype="float64",
        initial_parameters=poisoned,
        snapshot_epochs=[0, 10, 30],
    )
    assert result.diverged.tolist() == [False, True, False]
    assert result.divergence_epoch.tolist() == [-1, 0, -1]
    assert np.array_equal(result.final_parameters.n[1], starts.n[1])  # frozen
    for run in (0, 2):
        assert np.array_equal(result.loss[run], reference.loss[run])
    assert classify_runs(result).labels[1] == "diverged"


def test_trainable_confidence_and_readout_cap():
    model = RankOneNetwork(size=10, trainable_confidence=True)
    starts = jax.tree.map(lambda leaf: leaf[None], model.initialise(5, confidence=2.0))
    starts = starts._replace(b=starts.b + 0.4)
    result = train_population(
        model,
        TASK,
        learning_rates=[0.3],
        seeds=[5],
        epochs=1,
        dtype="float64",
        initial_parameters=starts,
    )
    gradient = jax.grad(lambda p: network_loss(model, TASK, p))(tree_index(starts, 0))
    assert float(result.final_parameters.confidence[0]) == pytest.approx(
        2.0 - 0.3 * float(gradient.confidence), rel=1e-12
    )
    assert result.confidence[0, 0] == 2.0

    capped = FullRankNetwork.for_working_memory(size=12, readout_cap=True)
    task = DelayedCueDiscrimination(input_ms=10, delay_ms=20, reaction_ms=15)
    result = train_population(
        capped,
        task,
        learning_rates=[0.1],
        seeds=[0],
        epochs=5,
        optimizer="adam",
        confidences=0.5,
        dtype="float64",
    )
    initial = capped.initialise(0, confidence=0.5)
    assert result.loss[0, 0] == pytest.approx(float(network_loss(capped, task, initial)), 1e-12)
    final = capped.prepare(tree_index(result.final_parameters, 0))
    assert float(np.sum(np.abs(final.readout_weights))) == pytest.approx(0.5, rel=1e-12)


def test_bad_arguments_raise():
    with pytest.raises(InvalidInputError, match="multiple"):
        train_population(MODEL, TASK, learning_rates=[0.1], seeds=[0], epochs=10, record_every=3)
    with pytest.raises(InvalidInputError, match="learning rates"):
        train_population(MODEL, TASK, learning_rates=[-0.1], seeds=[0], epochs=10)
    with pytest.raises(InvalidInputError, match="seeds"):
        train_population(MODEL, TASK, learning_rates=[0.1, 0.2], seeds=[0, 1, 2], epochs=10)
    with pytest.raises(InvalidInputError, match="optimizer"):
        train_population(
            MODEL, TASK, learning_rates=[0.1], seeds=[0], epochs=10, optimizer="rmsprop"
        )


# --- theory inside training: the canonical model on its derived gradient -----------------------
def test_canonical_population_matches_numpy_descent_and_a_hand_loop():
    rates = np.array([1e-10, 3e-10, 1e-9])
    jax_result = train_canonical_population(rates, delay=100.0, epochs=3000, record_every=100)
    numpy_result = gradient_descent(rates, 100.0, steps=3000)
    assert np.allclose(jax_result.r[:, -1], numpy_result.final, rtol=1e-12)
    # hand-written oracle: dL/dr = +-pi / (4 r^{3/2}) on the two learning branches, 0 below r_NL
    optimum, boundary = np.pi**2 / 4e4, np.pi**2 / 16e4
    r = np.full(3, 10 * optimum)
    for _ in range(3000):
        slope = np.pi / (4 * r**1.5)
        r = r - rates * np.where(r <= boundary, 0.0, np.where(r < optimum, -slope, slope))
    assert np.allclose(jax_result.r[:, -1], r, rtol=1e-12)
    assert jax_result.outcomes().tolist() == ["learned", "learned", "collapsed"]
    normalised = train_canonical_population(1e-10 * 100, delay=100.0, epochs=3000, normalised=True)
    assert normalised.r[0, -1] == pytest.approx(jax_result.r[0, -1], rel=1e-12)


def test_outcome_rules_on_synthetic_curves():
    loss = np.array(
        [
            [1, 1, 0.2, 0.2],
            [1, 0.1, 0.95, 1],
            [1, 1, 1, 1],
            [1, 0.1, 0.5, 0.5],
            [1, np.nan, np.nan, np.nan],
        ]
    )
    outcomes = classify_losses(loss, recorded_epochs=np.arange(4) * 10)
    assert outcomes.labels.tolist() == ["learned", "collapsed", "plateau", "unsettled", "diverged"]
    assert outcomes.leaving_epoch.tolist()[:3] == [20, 10, -1]
    assert outcomes.fraction("plateau") == 0.2


# --- the paper's rank-one behaviour, reduced ----------------------------------------------------
def test_rank_one_lr_002_learns_abruptly_then_collapses_to_a_confident_wrong_output():
    result = train_population(
        RankOneNetwork(),
        DelayedActivation(),
        learning_rates=[0.02] * 6,
        seeds=[0, 4, 8, 11, 12, 17],
        epochs=6000,
        record_every=10,
    )
    outcomes = classify_runs(result)
    collapsed = outcomes.labels == "collapsed"
    assert collapsed.sum() >= 3, outcomes.labels
    assert np.all(np.abs(outcomes.final_loss[collapsed] - 1) < 0.01)
    assert np.all(
        outcomes.final_gradient_norm[collapsed] < 1e-4 * outcomes.maximum_gradient_norm[collapsed]
    )
    assert np.all(result.accuracy[collapsed, -1] == 0.5)  # output off all trial long


def test_rank_one_lr_001_plateau_then_abrupt_drop_when_the_fixed_point_disappears():
    result = train_population(
        RankOneNetwork(),
        DelayedActivation(),
        learning_rates=[0.01],
        seeds=[1],
        epochs=14000,
        record_every=50,
    )
    outcomes = classify_runs(result)
    leaving, learned = outcomes.leaving_epoch[0], outcomes.learned_epoch[0]
    assert outcomes.labels[0] == "learned" and leaving > 5000
    assert learned - leaving < 0.1 * leaving  # abrupt: the drop is short next to the plateau
    epochs, clearance = result.recorded_epochs, result.latent_clearance[0]
    plateau = epochs < 0.9 * leaving
    assert np.all(clearance[plateau] < 0)  # a fixed point blocks the way on the plateau
    assert np.all(result.canonical_parameter[0, plateau] < 0)  # r < 0: node and saddle
    assert np.all(clearance[epochs > learned] > 0)  # the pair is gone once learned


def test_training_gradients_equal_autodiff_of_the_plain_forward_pass():
    """The written-out rank-one backward loop and the full-rank product layout (custom VJP) give
    JAX's gradient of the plain forward pass, to rounding level in float64 (both rank-one cases,
    and the capped task RNN with noise and random initial rates; the low-rank networks train on
    JAX's gradient itself)."""
    from ghostsym.network import gradient_check_cases
    from ghostsym.network._training import _loss_and_aux, _loss_and_gradient

    key = jax.random.PRNGKey(3)  # float64: tests/conftest.py enables it for the suite
    for name, model, task, parameters in gradient_check_cases():
        if model.kind == "low-rank" or (model.kind == "full-rank" and "capped" not in name):
            continue

        def plain(point, model=model, task=task):
            return _loss_and_aux(model, task, point, key, jnp.float64)

        def training(point, model=model, task=task):
            return _loss_and_gradient(model, task, point, key, jnp.float64)

        (loss, aux), gradient = jax.jit(training)(parameters)
        (plain_loss, plain_aux), reference = jax.jit(jax.value_and_grad(plain, has_aux=True))(
            parameters
        )
        assert float(loss) == pytest.approx(float(plain_loss), rel=1e-13), name
        assert float(aux.saturation) == pytest.approx(float(plain_aux.saturation), abs=1e-13)
        for field, ours, theirs in zip(parameters._fields, gradient, reference, strict=True):
            scale = max(float(jnp.max(jnp.abs(theirs), initial=0.0)), 1e-300)
            error = float(jnp.max(jnp.abs(ours - theirs), initial=0.0)) / scale
            assert error < 1e-12, (name, field, error)


def test_default_blocks_are_even_within_the_cache_limit_and_explicit_sizes_are_honoured():
    """The default blocking rule (see ``_block_size``), over every population up to 400."""
    import math

    from ghostsym.network._training import BLOCK_SIZES, _block_size, _default_block_limit

    full_rank = FullRankNetwork.for_working_memory(), DelayedCueDiscrimination()
    rank_one = RankOneNetwork(), DelayedActivation()
    assert _default_block_limit(*full_rank) == 7 and _default_block_limit(*rank_one) == 65
    assert set(BLOCK_SIZES) >= {1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40}
    assert all(size // (size & -size) in (1, 3, 5) for size in BLOCK_SIZES)  # odd part
    for model, task in (full_rank, rank_one):
        limit = _default_block_limit(model, task)
        for count in range(1, 401):
            size = _block_size(model, task, count, None)
            blocks = math.ceil(count / size)
            assert blocks == 1 or blocks % 2 == 0 or blocks >= 17, (count, size)
            if isinstance(model, FullRankNetwork):
                assert size in BLOCK_SIZES
            else:
                assert blocks * size - count < blocks  # equal blocks
            if count <= limit:
                assert blocks == 1
                continue
            assert blocks * size - count <= count / 3, (count, size)

            def fits(candidate, count=count):  # an even split, padding at most a third
                parts = math.ceil(count / candidate)
                return parts % 2 == 0 and parts * candidate - count <= count / 3

            sizes = BLOCK_SIZES if isinstance(model, FullRankNetwork) else range(1, 513)
            if any(fits(candidate) for candidate in sizes if limit / 2 <= candidate <= limit):
                assert limit / 2 <= size <= limit, (count, size)
    # the benchmark's two populations: 6 blocks of 50 and 8 blocks of 5
    assert _block_size(*rank_one, 300, None) == 50 and _block_size(*full_rank, 40, None) == 5
    # an explicit size is kept exactly (made equal across its blocks)
    assert _block_size(*rank_one, 300, 75) == 75 and _block_size(*full_rank, 40, 8) == 8
    assert _block_size(*rank_one, 10, 4) == 4  # ceil(10 / 4) = 3 blocks of 4, 4, 2
    with pytest.raises(InvalidInputError, match="runs_per_block"):
        _block_size(*rank_one, 10, 0)


def _threefry_numpy(key, count):
    """Threefry-2x32 in NumPy uint32 arithmetic (an oracle independent of XLA)."""
    key = [np.asarray(k, np.uint32) for k in key]
    keys = [key[0], key[1], key[0] ^ key[1] ^ np.uint32(0x1BD11BDA)]
    rotations = [(13, 15, 26, 6), (17, 29, 16, 24)]
    x = [np.asarray(count[0], np.uint32) + keys[0], np.asarray(count[1], np.uint32) + keys[1]]
    with np.errstate(over="ignore"):
        for block in range(5):
            for r in rotations[block % 2]:
                x[0] = x[0] + x[1]
                x[1] = (x[1] << np.uint32(r)) | (x[1] >> np.uint32(32 - r))
                x[1] = x[0] ^ x[1]
            x[0] = x[0] + keys[(block + 1) % 3]
            x[1] = x[1] + keys[(block + 2) % 3] + np.uint32(block + 1)
    return x


def test_straight_threefry_lowering_keeps_every_bit():
    """The training engine's CPU lowering of the Threefry hash: the Random123 known answers,
    a NumPy oracle on random words, and JAX's random draws unchanged."""
    from jax.extend.random import threefry_2x32

    from ghostsym.network._threefry import use_straight_threefry

    before = np.asarray(jax.jit(lambda k: jax.random.normal(k, (3, 7)))(jax.random.PRNGKey(5)))
    use_straight_threefry()
    after = np.asarray(jax.jit(lambda k: jax.random.normal(k, (3, 7)))(jax.random.PRNGKey(5)))
    assert np.array_equal(before, after)
    known = [  # (key, count) -> hash, Salmon et al. (2011) known-answer tests
        ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
        ((0xFFFFFFFF,) * 2, (0xFFFFFFFF,) * 2, (0x1CB996FC, 0xBB002BE7)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ]
    for key, count, expected in known:
        key_array = jnp.asarray(key, jnp.uint32)
        hashed = jax.jit(threefry_2x32)(key_array, jnp.asarray(count, jnp.uint32))
        assert [int(v) for v in np.asarray(hashed)] == list(expected)
    words = np.random.default_rng(0).integers(0, 2**32, size=1002, dtype=np.uint32)
    hashed = np.asarray(jax.jit(threefry_2x32)(jnp.asarray(words[:2]), jnp.asarray(words[2:])))
    oracle = _threefry_numpy(words[:2], (words[2:502], words[502:]))  # JAX hashes the halves
    assert np.array_equal(hashed, np.concatenate(oracle))


_TRAIN_AND_PRINT = """
import sys
from ghostsym._jax import prefer_sequential_scheduling
if sys.argv[1] == "sequential":
    prefer_sequential_scheduling()
import numpy as np
from ghostsym.network import RankOneNetwork, DelayedActivation, FullRankNetwork, train_population
from ghostsym.network import DelayedCueDiscrimination
rank_one = train_population(RankOneNetwork(size=20), DelayedActivation(4, 4, noise=0.1, trials=2),
                            learning_rates=[0.1, 0.5], seeds=[0, 1], epochs=30, record_every=10)
task = DelayedCueDiscrimination(input_ms=10, delay_ms=20, reaction_ms=20, noise=0.01)
full = train_population(FullRankNetwork.for_working_memory(size=12), task, optimizer="adam",
                        learning_rates=[0.01, 0.1], seeds=[0, 1], epochs=30, record_every=10)
print(rank_one.loss.tobytes().hex(), rank_one.final_parameters.n.tobytes().hex(),
      full.loss.tobytes().hex(), full.final_parameters.recurrent_weights.tobytes().hex())
"""


@pytest.mark.slow  # two fresh processes: about 10 s alone
def test_sequential_scheduling_keeps_every_bit():
    """XLA's one-thread scheduling (set before JAX starts, as the command line does) trains
    the same bits as its default scheduling: rank one with noise, full rank with Adam."""
    import os
    import subprocess
    import sys

    environment = {key: value for key, value in os.environ.items() if key != "XLA_FLAGS"}
    outputs = {
        mode: subprocess.run(
            [sys.executable, "-c", _TRAIN_AND_PRINT, mode],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for mode in ("default", "sequential")
    }
    assert outputs["default"].strip() and outputs["default"] == outputs["sequential"]

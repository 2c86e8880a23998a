"""Throughput of population training: microseconds per network-epoch, FLOPs and achieved rate.

Prints one line per case::

    rank1 pop=300 us_per_network_epoch=40.0 gflops=11.77 mflop_per_network_epoch=0.470

Cases: the rank-one delayed-activation task (N = 100, T = R = 20, SGD, float32) at populations
of 1, 30 and 300 networks, and the full-rank task RNN on DCDT (Fig 7 windows, 32 steps, two
trials per batch). Each case times ``ghostsym.network.train_population`` itself (its default
blocks of runs; the latent r logged once per call), after one untimed call that compiles.
FLOPs per network-epoch come from XLA's cost analysis of one network's training step (forward,
backward and update) with the time loop fully unrolled, so every step is counted; the rate is
FLOPs x network-epochs / time.

Usage: ``python benchmarks/rnn_throughput.py [--repeats 3] [--dtype float32]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ghostsym._jax import jax, jnp
from ghostsym.network import (
    DelayedActivation,
    DelayedCueDiscrimination,
    FullRankNetwork,
    RankOneNetwork,
    train_population,
)
from ghostsym.network._training import _Engine, _plan

CASES = (
    ("rank1", RankOneNetwork(), DelayedActivation(), 1, 4000),
    ("rank1", RankOneNetwork(), DelayedActivation(), 30, 2000),
    ("rank1", RankOneNetwork(), DelayedActivation(), 300, 400),
    ("dcdt-full", FullRankNetwork.for_working_memory(), DelayedCueDiscrimination(), 40, 100),
)


def flops_per_network_epoch(model, task, dtype: str) -> float:
    """XLA's FLOP count of one network's epoch (time loop unrolled so it is all counted)."""
    engine = _Engine(model, task, "sgd", dtype, log_canonical=False, unroll=task.steps)
    plan = _plan(
        model,
        task,
        learning_rates=[0.01],
        seeds=[0],
        epochs=1,
        optimizer="sgd",
        confidences=None,
        first_epoch=0,
        record_every=1,
        snapshot_epochs=(),
        epochs_per_chunk=None,
        runs_per_block=None,
        dtype=dtype,
        log_canonical_parameter=False,
        initial_parameters=None,
    )
    state, _ = plan.initial_block(0)
    single = jax.tree.map(lambda leaf: leaf[0], state)
    compiled = jax.jit(engine.epoch).lower(single, jnp.asarray(0, jnp.int64)).compile()
    analysis = compiled.cost_analysis()
    if isinstance(analysis, list | tuple):
        analysis = analysis[0]
    return float(analysis["flops"])


def measure(model, task, population: int, epochs: int, dtype: str, repeats: int) -> float:
    """Best-of-``repeats`` seconds per network-epoch of ``train_population`` (default blocks).

    A first call compiles (not timed); the timed calls reuse the compiled chunk, so they
    measure training itself (plus the negligible host-side drawing of the initial networks).
    """

    def train():
        return train_population(
            model,
            task,
            learning_rates=np.full(population, 0.003),
            seeds=np.arange(population),
            epochs=epochs,
            record_every=epochs,
            dtype=dtype,
        )

    train()  # compile + warm up
    best = np.inf
    for _ in range(repeats):
        started = time.perf_counter()
        train()
        best = min(best, time.perf_counter() - started)
    return best / (epochs * population)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    arguments = parser.parse_args(argv)
    flops = {}
    for name, model, task, population, epochs in CASES:
        if name not in flops:
            flops[name] = flops_per_network_epoch(model, task, arguments.dtype)
        seconds = measure(model, task, population, epochs, arguments.dtype, arguments.repeats)
        print(
            f"{name} pop={population} us_per_network_epoch={seconds * 1e6:.1f} "
            f"gflops={flops[name] / seconds / 1e9:.2f} "
            f"mflop_per_network_epoch={flops[name] / 1e6:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""Throughput of population training: microseconds per network-epoch, FLOPs and achieved rate.

Prints one line per case and thread count::

    rank1 pop=300 threads=2 us_per_network_epoch=8.0 gflops=57.75 mflop_per_network_epoch=0.464
    rank1 pop=300 threads=1 us_per_network_epoch=15.7 gflops=29.59 mflop_per_network_epoch=0.464

Cases: the rank-one delayed-activation task (N = 100, T = R = 20, SGD, float32) at populations
of 1, 30 and 300 networks, and the full-rank task RNN on DCDT (Fig 7 windows, 32 steps, two
trials per batch). Each case times ``ghostsym.network.train_population`` itself (its default
blocks of runs: an even number of equal blocks, each within the cache-sized limit, so that two
threads finish together: rank-one 300 in 6 blocks of 50, DCDT 40 in 8 blocks of 5; the latent
r logged once per call), after one untimed call that compiles. The
first line of a case is the default (``threads`` = the CPUs this process may use, at most the
block count: blocks of runs train concurrently, one per core), the second, measured in the
same interleaved loop, ``threads=1`` (one block after another: the rate of one core); a case
of one block has only the first line. The numbers are the same for every thread count.
FLOPs per network-epoch come from XLA's cost analysis of one network's training step (forward,
backward and update) with the time loop fully unrolled, so every step is counted; the rate is
FLOPs x network-epochs / time.

Then, measured in the same run with the repeats interleaved (medians printed):

- ``torch ...`` lines: the same two models trained by a PyTorch eager loop, one network at a
  time (the usual research script; PyTorch's own intra-op threads as it sets them), and the
  ratio of the two times, against ghostsym's default thread count; "torch not installed" when
  PyTorch is absent (it is not a ghostsym dependency);
- ``rank1 pop=300 engine blocks only`` line: the current rank-one engine against the
  previous one (:class:`PreviousRankOneEngine`, JAX's gradient of the forward loop), both
  running the same blocks one after another (one core), interleaved;
- a scaling table: network-epochs per second against the population size (1 to 1,000), at
  the default thread count (the threads column: how many blocks trained at once);
- a sweep's wall time against the number of Dask workers on this machine (``local:1``,
  ``local:2``; skipped without the ``distributed`` extra).

``--device gpu`` runs ghostsym's side on JAX's first GPU (needs a CUDA build of jaxlib; not
tested on the machine this was written on, which has none); PyTorch stays on the CPU.

Usage: ``python benchmarks/rnn_throughput.py [--repeats 5] [--dtype float32] [--device cpu]
[--skip-throughput] [--skip-torch] [--skip-scaling] [--skip-dask]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np

from ghostsym._jax import enable_float64, jax, jnp
from ghostsym.network import (
    DelayedActivation,
    DelayedCueDiscrimination,
    FullRankNetwork,
    RankOneNetwork,
    SweepConfig,
    enable_compilation_cache,
    train_population,
)
from ghostsym.network._training import (
    BlockStart,
    _Engine,
    _loss_and_aux,
    _plan,
    thread_count,
    train_block,
)

RANK_ONE = RankOneNetwork(), DelayedActivation()
TASK_RNN = FullRankNetwork.for_working_memory(), DelayedCueDiscrimination()
CASES = (
    ("rank1", *RANK_ONE, 1, 4000),
    ("rank1", *RANK_ONE, 30, 2000),
    ("rank1", *RANK_ONE, 300, 400),
    ("dcdt-full", *TASK_RNN, 40, 100),
)
SCALING_POPULATIONS = (1, 3, 10, 30, 100, 300, 1000)
#: network-epochs per timed call in the scaling table (0.1-3 s each here) ...
SCALING_WORK = {"rank1": 20_000, "dcdt-full": 2_000}
#: ... but at least this many epochs per call, so that a large population's call measures
#: training rather than the per-call set-up of its many blocks (the same 100 epochs per call as
#: the throughput lines: at 20, DCDT's set-up took a third of a call at every population)
SCALING_MINIMUM_EPOCHS = {"rank1": 100, "dcdt-full": 100}


def flops_per_network_epoch(model, task, dtype: str) -> float:
    """XLA's FLOP count of one network's epoch (time loop unrolled so it is all counted)."""
    engine = _Engine(model, task, "sgd", dtype, log_canonical=False, unroll=task.steps)
    plan = _plan(model, task, learning_rates=[0.01], seeds=[0], epochs=1, dtype=dtype)
    state, _ = plan.initial_block(0)
    single = jax.tree.map(lambda leaf: leaf[0], state)
    compiled = jax.jit(engine.epoch).lower(single, jnp.asarray(0, jnp.int64)).compile()
    analysis = compiled.cost_analysis()
    if isinstance(analysis, list | tuple):
        analysis = analysis[0]
    return float(analysis["flops"])


def ghostsym_trainer(model, task, population: int, epochs: int, dtype: str, threads=None):
    """(A function timing one ``train_population`` call in seconds, compiled by a first call;
    the number of threads it trains with: ``threads``, default the CPUs, at most the blocks)."""
    settings = {
        "learning_rates": np.full(population, 0.003),
        "seeds": np.arange(population),
        "epochs": epochs,
        "record_every": epochs,
        "dtype": dtype,
    }
    blocks = _plan(model, task, **settings).block_count

    def train():
        started = time.perf_counter()
        train_population(model, task, threads=threads, **settings)
        return time.perf_counter() - started

    train()  # compile + warm up
    return train, thread_count(threads, blocks)


class PreviousRankOneEngine(_Engine):
    """ghostsym's previous rank-one engine, before the written-out backward loop (baseline).

    Its epoch differentiates the forward time loop with ``jax.value_and_grad`` (JAX's scan
    transpose, which accumulates dL/dm, dL/dn, dL/db and keeps the readout and the saturation
    count inside the loop); everything else (blocks, optimiser, recording) is the current engine.
    """

    def loss_and_gradient(self, parameters, key):
        def loss_function(point):
            return _loss_and_aux(self.model, self.task, point, key, self.array_dtype, self.unroll)

        return jax.value_and_grad(loss_function, has_aux=True)(parameters)


def engine_trainer(engine_class, model, task, population: int, epochs: int, dtype: str):
    """A function timing the blocks of ``train_population``'s plan run by ``engine_class``."""
    plan = _plan(
        model,
        task,
        learning_rates=np.full(population, 0.003),
        seeds=np.arange(population),
        epochs=epochs,
        record_every=epochs,
        dtype=dtype,
    )
    fields = {field.name: getattr(plan.engine, field.name) for field in dataclasses.fields(_Engine)}
    plan = dataclasses.replace(plan, engine=engine_class(**fields))

    def train():
        started = time.perf_counter()
        for block in range(plan.block_count):
            train_block(BlockStart(plan, block))
        return time.perf_counter() - started

    train()  # compile + warm up
    return train


# --- the PyTorch eager loop, one network at a time ----------------------------------------------
def torch_trainer(name: str, epochs: int):
    """A function timing ``epochs`` SGD epochs of one network in PyTorch eager mode, or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    size, leak = 100, 0.5
    if name == "rank1":
        task = RANK_ONE[1]
        m = (torch.randn(size) / size**0.5).requires_grad_()
        n = (torch.randn(size) / size**0.5).requires_grad_()
        b = torch.zeros(size, requires_grad=True)
        parameters = [m, n, b]
        target = torch.as_tensor(task.targets()[0], dtype=torch.float32)

        def loss_function():
            x = torch.full((size,), task.initial_state)
            outputs = []
            for _ in range(task.steps):
                x = (1 - leak) * x + leak * torch.tanh(m * (n @ x) + b)
                outputs.append(torch.sigmoid(10.0 * (n @ x - 1.0)))
            return torch.sum((torch.stack(outputs) - target) ** 2) / task.delay

    else:
        task = TASK_RNN[1]
        recurrent = torch.nn.RNNCell(1, size, nonlinearity="tanh")
        readout = torch.nn.Linear(size, 1)
        parameters = [*recurrent.parameters(), *readout.parameters()]
        inputs = torch.as_tensor(task.inputs(), dtype=torch.float32)  # (B, S, 1)
        targets = torch.as_tensor(task.targets(), dtype=torch.float32)  # (B, S)

        def loss_function():
            x = torch.zeros(inputs.shape[0], size)
            outputs = []
            for step in range(task.steps):
                outputs.append(torch.tanh(readout(x))[:, 0])  # read before the update
                x = (1 - leak) * x + leak * recurrent(inputs[:, step], x)
            return torch.mean((torch.stack(outputs, 1) - targets) ** 2)

    optimizer = torch.optim.SGD(parameters, lr=0.003)

    def train():
        started = time.perf_counter()
        for _ in range(epochs):
            optimizer.zero_grad()
            loss_function().backward()
            optimizer.step()
        return time.perf_counter() - started

    train()  # warm up
    return train


def throughput(arguments, flops) -> None:
    """The case lines, and the PyTorch comparison measured in the same loop."""
    torch_epochs = {"rank1": 100, "dcdt-full": 100}
    torch_times = {name: [] for name in torch_epochs}
    torch_trainers = {
        name: None if arguments.skip_torch else torch_trainer(name, epochs)
        for name, epochs in torch_epochs.items()
    }
    ours = {}
    for name, model, task, population, epochs in CASES:
        trainers = {}
        train, threads = ghostsym_trainer(model, task, population, epochs, arguments.dtype)
        trainers[threads] = train
        if threads > 1:  # the rate of one core, in the same loop
            trainers[1] = ghostsym_trainer(model, task, population, epochs, arguments.dtype, 1)[0]
        # the previous rank-one engine, at the largest population only (the old-vs-new line)
        previous = None
        if name == "rank1" and population == max(case[3] for case in CASES if case[0] == name):
            current = engine_trainer(_Engine, model, task, population, epochs, arguments.dtype)
            previous = engine_trainer(
                PreviousRankOneEngine, model, task, population, epochs, arguments.dtype
            )
            engine_times = {"current": [], "previous": []}
        times = {count: [] for count in trainers}
        for _ in range(arguments.repeats):  # interleaved: both sides see the same machine
            for count, trainer in trainers.items():
                times[count].append(trainer() / (epochs * population))
            if torch_trainers[name] is not None:
                torch_times[name].append(torch_trainers[name]() / torch_epochs[name])
            if previous is not None:
                engine_times["current"].append(current() / (epochs * population))
                engine_times["previous"].append(previous() / (epochs * population))
        for count in trainers:
            seconds = statistics.median(times[count])
            if count == threads:
                ours[name] = (seconds, threads)
            print(
                f"{name} pop={population} threads={count} "
                f"us_per_network_epoch={seconds * 1e6:.1f} "
                f"gflops={flops[name] / seconds / 1e9:.2f} "
                f"mflop_per_network_epoch={flops[name] / 1e6:.3f}",
                flush=True,
            )
        if previous is not None:
            now, before = (statistics.median(engine_times[key]) for key in ("current", "previous"))
            print(
                f"{name} pop={population} engine blocks only (one after another): current "
                f"us_per_network_epoch={now * 1e6:.1f} previous_engine us_per_network_epoch="
                f"{before * 1e6:.1f} speedup={before / now:.2f}x "
                f"(medians of {len(engine_times['current'])})",
                flush=True,
            )
    for name, times in torch_times.items():
        if torch_trainers[name] is None:
            reason = "skipped" if arguments.skip_torch else "torch not installed"
            print(f"torch {name}: {reason}", flush=True)
            continue
        seconds = statistics.median(times)
        ghostsym_seconds, threads = ours[name]
        print(
            f"torch {name} one-network-at-a-time us_per_network_epoch={seconds * 1e6:.1f} "
            f"ghostsym_speedup={seconds / ghostsym_seconds:.0f}x (ghostsym at its largest "
            f"population above, threads={threads}; medians of {len(times)})",
            flush=True,
        )


def scaling(arguments) -> None:
    """Network-epochs per second against population size, both models."""
    print(
        "scaling: network-epochs per second (median of repeats), default thread count "
        "(threads: blocks trained at once)"
    )
    print(f"{'population':>10} " + " ".join(f"{name:>12} {'threads':>7}" for name in SCALING_WORK))
    for population in SCALING_POPULATIONS:
        row = []
        for name, (model, task) in (("rank1", RANK_ONE), ("dcdt-full", TASK_RNN)):
            epochs = max(SCALING_MINIMUM_EPOCHS[name], SCALING_WORK[name] // population)
            train, threads = ghostsym_trainer(model, task, population, epochs, arguments.dtype)
            seconds = statistics.median(train() for _ in range(arguments.repeats))
            row.append(f"{population * epochs / seconds:>12.4g} {threads:>7}")
        print(f"{population:>10} " + " ".join(row), flush=True)


def dask_scaling(arguments) -> None:
    """A sweep's wall time on a local Dask cluster of 1 and 2 worker processes."""
    from ghostsym.network._distributed import connect, run_blocks
    from ghostsym.network._training import BlockStart

    try:
        import distributed  # noqa: F401
    except ImportError:
        print('dask: distributed not installed (pip install "ghostsym[distributed]")')
        return
    config = SweepConfig.from_mapping(
        {
            "name": "dask-scaling",
            "model": "rank-one",
            "epochs": 4000,
            "record_every": 100,
            "runs_per_block": 16,
            "population": {"learning_rates": {"logspace": [-3, -1, 8]}, "seeds": {"range": [0, 8]}},
        }
    )
    plan = config.plan(config.groups()[0])
    starts = [BlockStart(plan, block) for block in range(plan.block_count)]
    print(
        f"dask: one sweep of {plan.runs} runs in {plan.block_count} blocks x {plan.epochs} epochs"
    )
    for workers in (1, 2):
        with connect(f"local:{workers}") as client:
            run_blocks(starts, client)  # every worker compiles (or loads from the cache)
            times = []
            for _ in range(arguments.repeats):
                started = time.perf_counter()
                run_blocks(starts, client)
                times.append(time.perf_counter() - started)
        print(
            f"dask workers={workers} sweep_wall_time_s={statistics.median(times):.2f} "
            f"(median of {len(times)}; cluster start and compilation excluded)",
            flush=True,
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--skip-throughput", action="store_true", help="only the tables")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    arguments = parser.parse_args(argv)
    # As the command line does: 64-bit seeds and epoch counters (training stays in --dtype).
    enable_float64()
    enable_compilation_cache()
    device = jax.devices(arguments.device)[0]
    print(f"device: {device} ({jax.default_backend()} backend)", flush=True)
    with jax.default_device(device):
        if not arguments.skip_throughput:
            flops = {}
            for name, model, task, _, _ in CASES:
                if name not in flops:
                    flops[name] = flops_per_network_epoch(model, task, arguments.dtype)
            throughput(arguments, flops)
        if not arguments.skip_scaling:
            scaling(arguments)
    if not arguments.skip_dask:
        dask_scaling(arguments)


if __name__ == "__main__":
    main()

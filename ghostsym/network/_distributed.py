"""Blocks of runs as tasks on a Dask cluster, when one machine is not enough.

A population is trained in blocks of runs (:class:`~ghostsym.network._training.BlockStart`);
a block depends only on its plan and its runs' seeds, learning rates and confidences, never on
the other blocks nor on the process that trains it. So blocks are tasks: this module submits
them to a ``dask.distributed`` scheduler, gathers their results (host arrays) in the client as
they finish, and returns them in block order. A worker that dies takes its running tasks with
it; the scheduler gives them to another worker (and ``retries`` re-runs a task that raised), so
a lost worker costs time, not results. The numbers are those of a local run, bit for bit
(same machine type and package versions on every worker): the same compiled computation on
the same inputs.

``scheduler`` is either a scheduler address (``tcp://host:8786``, started with
``dask scheduler``; workers join with ``dask worker tcp://host:8786``) or ``local:N``, a
cluster of N worker processes on this machine started for the call. Dask is the optional
extra ``distributed`` (``pip install "ghostsym[distributed]"``).

>>> parse_scheduler("local:2"), parse_scheduler("tcp://10.0.0.5:8786")
(('local', 2), ('address', 'tcp://10.0.0.5:8786'))
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence

from .._jax import jax
from ..errors import InvalidInputError
from ._compilation import enable_compilation_cache
from ._training import _BLOCK_RUNNER, BlockProgress, BlockStart, train_block

__all__ = ["parse_scheduler", "connect", "run_blocks", "use_scheduler", "TASK_RETRIES"]

#: How many times a task that raised is re-run (a task lost with its worker is rescheduled by
#: the scheduler itself, independently of this).
TASK_RETRIES = 2


def parse_scheduler(text: str) -> tuple[str, object]:
    """``("local", N)`` for ``local:N``, ``("address", text)`` for a scheduler address.

    >>> parse_scheduler("127.0.0.1:8786")
    ('address', '127.0.0.1:8786')
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("--scheduler needs an address (tcp://host:port) or local:N")
    text = text.strip()
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise InvalidInputError(
                f"--scheduler local:N needs a whole number of workers N >= 1, got {text!r}"
            )
        return "local", int(count)
    if any(character.isspace() for character in text):
        raise InvalidInputError(f"--scheduler address must not contain spaces, got {text!r}")
    return "address", text


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise InvalidInputError(
            '--scheduler needs Dask: pip install "ghostsym[distributed]"'
        ) from None
    return distributed


@contextlib.contextmanager
def connect(scheduler: str) -> Iterator:
    """A ``distributed.Client`` for ``scheduler`` (starting a local cluster for ``local:N``).

    One thread per worker process: JAX already uses the cores a worker has.
    """
    kind, value = parse_scheduler(scheduler)
    distributed = _import_distributed()
    if kind == "local":
        with (
            distributed.LocalCluster(
                n_workers=value,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(value, timeout="30s")
    except OSError as error:
        raise InvalidInputError(
            f"--scheduler {value!r}: no Dask scheduler answered ({error})"
        ) from None
    with client:
        yield client


def _train_on_worker(start: BlockStart, float64: bool) -> BlockProgress:
    """The task: train one block in a worker, with the client's JAX float64 setting."""
    enable_compilation_cache()
    with jax.enable_x64(float64):
        return train_block(start)


def _submit(client, starts: Sequence[BlockStart]) -> list:
    float64 = bool(jax.config.jax_enable_x64)
    token = os.urandom(6).hex()
    return [
        client.submit(
            _train_on_worker,
            start,
            float64,
            key=f"ghostsym-block-{token}-{index}",
            retries=TASK_RETRIES,
            pure=False,
        )
        for index, start in enumerate(starts)
    ]


def run_blocks(
    starts: Sequence[BlockStart],
    scheduler,
    on_result: Callable[[int, BlockProgress], None] | None = None,
) -> list[BlockProgress | None]:
    """Train ``starts`` as tasks on ``scheduler`` (an address, ``local:N`` or a ``Client``).

    ``on_result(index, progress)`` runs in the client as each block arrives (a sweep writes it
    to disk there, atomically, and the client keeps nothing). Without ``on_result``, returns
    the blocks' progress in the order of ``starts``.
    >>> run_blocks([], "local:1")  # nothing to train: no cluster is started
    []
    """
    if not starts:
        return []
    if isinstance(scheduler, str):
        with connect(scheduler) as client:
            return run_blocks(starts, client, on_result)
    distributed = _import_distributed()
    futures = _submit(scheduler, starts)
    index_of = {future.key: index for index, future in enumerate(futures)}
    results: list[BlockProgress | None] = [None] * len(starts)
    for future in distributed.as_completed(futures):
        index = index_of[future.key]
        progress = future.result()
        future.release()
        if on_result is None:
            results[index] = progress
        else:
            on_result(index, progress)
    return results


@contextlib.contextmanager
def use_scheduler(scheduler: str | None) -> Iterator:
    """Inside this block, :func:`~ghostsym.network.train_population` runs its blocks of runs as
    tasks on ``scheduler`` (an address or ``local:N``; None: in this process, as usual).

    One client (and, for ``local:N``, one cluster) serves every training inside the block.

    >>> with use_scheduler(None):
    ...     pass
    """
    if scheduler is None:
        yield None
        return
    with connect(scheduler) as client:
        token = _BLOCK_RUNNER.set(lambda starts: run_blocks(starts, client))
        try:
            yield client
        finally:
            _BLOCK_RUNNER.reset(token)

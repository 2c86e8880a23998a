"""Worker processes for ``reproduce(jobs=N)``: tasks run one at a time in N spawned processes.

A small pool built on :mod:`multiprocessing` with the **spawn** start method (a fresh
interpreter per worker: forking a process that has loaded JAX is unsafe). Unlike
:class:`multiprocessing.pool.Pool`, it knows which task each worker runs, so a worker that dies
(killed, out of memory) costs exactly that task, which is reported as lost, and a new worker
takes over the remaining tasks. Workers start with SIGINT ignored (set around their start, and
again by the initializer), so a Ctrl-C typed in the terminal reaches only the parent, which
ends the workers with :meth:`WorkerPool.terminate`.

>>> with WorkerPool(1, _no_setup, (), abs) as pool:
...     pool.submit([-3, 2])
...     sorted(report for task, report in pool.completed())
[2, 3]
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["LOST", "UNREADABLE", "WorkerPool"]

#: What :meth:`WorkerPool.completed` yields in place of a report when the worker running the
#: task died; the tuple is ``(LOST, exit code)``.
LOST = "worker process died"

#: ... when the worker could not take the task (unpickling it raised, e.g. its module cannot
#: be imported there); the tuple is ``(UNREADABLE, error text, traceback)``.
UNREADABLE = "worker process could not read the task"

_JOIN_SECONDS = 10.0


def _no_setup() -> None:
    """An initializer that does nothing (for the example above)."""


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore SIGINT while starting a worker, so that it inherits the ignored disposition (a
    Ctrl-C during its start-up then produces no traceback in it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_main(connection, initializer: Callable, arguments: tuple, work: Callable) -> None:
    """A worker's life: set up, then answer tasks with ``work(task)`` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    initializer(*arguments)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):  # the parent went away
            return
        except Exception as error:  # the task arrived but cannot be rebuilt here
            text = " ".join(f"{type(error).__name__}: {error}".split())[:500]
            connection.send((UNREADABLE, text, traceback.format_exc()))
            continue
        if task is None:
            return
        connection.send(work(task))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: multiprocessing.connection.Connection
    task: object = None
    busy: bool = False


class WorkerPool:
    """``size`` spawned worker processes, each running ``initializer(*arguments)`` once and
    then ``work(task)`` for the tasks it is given (``initializer`` and ``work`` must be
    module-level functions, tasks and reports picklable).

    Use it as a context manager: leaving normally stops the workers; leaving by an exception
    (KeyboardInterrupt included) terminates them, so no process outlives the block.
    """

    def __init__(self, size: int, initializer: Callable, arguments: tuple, work: Callable):
        if size < 1:
            raise ValueError(f"a worker pool needs at least one process, got {size}")
        self._size = size
        self._target = (initializer, tuple(arguments), work)
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._pending: deque = deque()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind, value, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, *self._target),
            name="ghostsym-worker",
            daemon=True,
        )
        with _sigint_ignored():
            process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def submit(self, tasks: Iterable) -> None:
        """Queue ``tasks`` (started in this order) and hand the first ones to workers now."""
        self._pending.extend(tasks)
        self._dispatch()

    def _dispatch(self) -> list[tuple[object, tuple[str, int | None]]]:
        """Give queued tasks to idle workers (starting workers up to ``size``); return the
        tasks whose worker died before it could take them."""
        lost = []
        while self._pending:
            idle = [worker for worker in self._workers if not worker.busy]
            if idle:
                worker = idle[0]
            elif len(self._workers) < self._size:
                worker = self._start_worker()
            else:
                break
            task = self._pending.popleft()
            worker.task, worker.busy = task, True
            try:
                worker.connection.send(task)
            except (BrokenPipeError, ConnectionResetError, EOFError):
                lost.append((task, self._bury(worker)))
        return lost

    def _bury(self, worker: _Worker) -> tuple[str, int | None]:
        """Forget a dead worker; ``(LOST, its exit code)``."""
        worker.process.join(_JOIN_SECONDS)
        worker.connection.close()
        self._workers.remove(worker)
        return LOST, worker.process.exitcode

    def completed(self) -> Iterator[tuple[object, object]]:
        """``(task, report)`` as tasks finish, in the order they finish; ``report`` is
        ``(LOST, exit code)`` when the worker running the task died, ``(UNREADABLE, error,
        traceback)`` when it could not unpickle the task."""
        yield from self._dispatch()
        while any(worker.busy for worker in self._workers):
            busy = [worker for worker in self._workers if worker.busy]
            waitables = [w.connection for w in busy] + [w.process.sentinel for w in busy]
            multiprocessing.connection.wait(waitables)
            for worker in busy:
                report = self._collect(worker)
                if report is not None:
                    yield worker.task, report
                    worker.task, worker.busy = None, False
            yield from self._dispatch()

    def _collect(self, worker: _Worker):
        """The report of ``worker`` if it is ready, ``(LOST, code)`` if it died, else None."""
        try:
            if worker.connection.poll():
                return worker.connection.recv()
        except (EOFError, OSError):
            return self._bury(worker)
        if not worker.process.is_alive():
            return self._bury(worker)
        return None

    def close(self) -> None:
        """Ask every worker to stop, and wait for them (terminating any that do not)."""
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(None)
        for worker in self._workers:
            worker.process.join(_JOIN_SECONDS)
        self.terminate()

    def terminate(self) -> None:
        """End every worker now (SIGTERM, then SIGKILL for one that lingers) and reap it."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(_JOIN_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self._workers.clear()
        self._pending.clear()

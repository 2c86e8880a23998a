"""Wall time of ``ghostsym reproduce`` split into compilation and running.

    python benchmarks/reproduce_timing.py --out DIR [reproduce options, e.g. --quick --seed 0]

Runs the command in this process with listeners on JAX's compilation events and prints::

    wall_s=... compile_s=... (trace=... lower=... backend=...) run_s=... cache_hits=... \
status=... jobs=N

``compile_s`` sums the time JAX spent tracing functions to jaxprs, lowering them to XLA and
compiling them in the backend (or, with the persistent cache warm, loading them from it:
``cache_hits`` counts those); ``run_s`` is the rest (training, SymPy derivations, figures,
report). Then one line per experiment, slowest first::

    experiment=NAME wall_s=... compile_s=... run_s=...

(the compilation events that fire while that experiment runs; the rest of its time is
training, SymPy, oracles and figures).

With ``--jobs 1`` everything runs in this process and ``run_s = wall_s - compile_s``. With
``--jobs N`` (N > 1; also the command's default on a machine with several CPUs) the experiments
run in N worker processes, which measure their own compilation: ``compile_s``, its parts and
``cache_hits`` are then summed over the workers (plus this process), ``run_s`` is the workers'
summed seconds (running and drawing) minus their compile seconds, so ``compile_s + run_s`` can
exceed ``wall_s``; an experiment's line gives the seconds its worker spent on it.

Run it twice with the same ``XDG_CACHE_HOME`` and two fresh ``--out`` directories for the cold
and the warm cache.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict

from ghostsym._jax import jax
from ghostsym.report._reproduce import COMPILE_EVENTS as EVENTS

CACHE_HITS = "/jax/compilation_cache/cache_hits"


def main(argv=None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    durations: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)

    def on_duration(event, seconds, **_):
        if event in EVENTS:
            durations[EVENTS[event]] += seconds

    def on_event(event, **_):
        counts[event] += 1

    per_experiment: dict[str, list[float]] = {}  # name -> [wall, compile]
    current: list[str] = []

    def on_duration_per_experiment(event, seconds, **_):
        if event in EVENTS and current:
            per_experiment[current[-1]][1] += seconds

    jax.monitoring.register_event_duration_secs_listener(on_duration)
    jax.monitoring.register_event_duration_secs_listener(on_duration_per_experiment)
    jax.monitoring.register_event_listener(on_event)
    from ghostsym import cli
    from ghostsym.report import _reproduce

    run_one, collect, reproduce = _reproduce._run_one, _reproduce._collect, _reproduce.reproduce
    workers = {"jobs": 1, "seconds": 0.0}

    def timed_run_one(experiment, **options):  # --jobs 1: the experiment runs here
        current.append(experiment.name)
        per_experiment.setdefault(experiment.name, [0.0, 0.0])
        started = time.perf_counter()
        try:
            return run_one(experiment, **options)
        finally:
            per_experiment[experiment.name][0] += time.perf_counter() - started
            current.pop()

    def timed_collect(experiment, report, **options):  # --jobs N: a worker's measurements
        compiled = report.compile_seconds or 0.0
        per_experiment[experiment.name] = [report.seconds, compiled]
        workers["seconds"] += report.seconds
        for stage, seconds in (report.compilation or {}).items():
            if stage == "cache_hits":
                counts[CACHE_HITS] += int(seconds)
            else:
                durations[stage] += seconds
        return collect(experiment, report, **options)

    def counted_reproduce(*positional, **options):
        workers["jobs"] = options.get("jobs", 1)
        return reproduce(*positional, **options)

    _reproduce._run_one, _reproduce._collect = timed_run_one, timed_collect
    _reproduce.reproduce = counted_reproduce

    started = time.perf_counter()
    status = cli.main(["reproduce", *arguments])
    wall = time.perf_counter() - started
    compile_seconds = sum(durations.values())
    jobs = workers["jobs"]
    run_seconds = wall - compile_seconds if jobs == 1 else workers["seconds"] - compile_seconds
    print(
        f"wall_s={wall:.1f} compile_s={compile_seconds:.1f} (trace={durations['trace']:.1f} "
        f"lower={durations['lower']:.1f} backend={durations['backend']:.1f}) "
        f"run_s={run_seconds:.1f} cache_hits={counts[CACHE_HITS]} status={status} jobs={jobs}",
        flush=True,
    )
    for name, (wall, compiled) in sorted(per_experiment.items(), key=lambda item: -item[1][0]):
        print(
            f"experiment={name} wall_s={wall:.1f} compile_s={compiled:.1f} "
            f"run_s={wall - compiled:.1f}",
            flush=True,
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main())

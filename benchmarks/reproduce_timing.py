"""Wall time of ``ghostsym reproduce`` split into compilation and running.

    python benchmarks/reproduce_timing.py --out DIR [reproduce options, e.g. --quick --seed 0]

Runs the command in this process with listeners on JAX's compilation events and prints::

    wall_s=... compile_s=... (trace=... lower=... backend=...) run_s=... cache_hits=...

``compile_s`` sums the time JAX spent tracing functions to jaxprs, lowering them to XLA and
compiling them in the backend (or, with the persistent cache warm, loading them from it:
``cache_hits`` counts those); ``run_s`` is the rest of the wall time (training, SymPy
derivations, figures, report). Then one line per experiment, slowest first::

    experiment=NAME wall_s=... compile_s=... run_s=...

(the compilation events that fire while that experiment runs; the rest of its time is
training, SymPy, oracles and figures). Run it twice with the same ``XDG_CACHE_HOME`` and two
fresh ``--out`` directories for the cold and the warm cache.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict

from ghostsym._jax import jax

EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration": "trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
    "/jax/core/compile/backend_compile_duration": "backend",
}


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

    run_one = _reproduce._run_one

    def timed_run_one(experiment, **options):
        current.append(experiment.name)
        per_experiment.setdefault(experiment.name, [0.0, 0.0])
        started = time.perf_counter()
        try:
            return run_one(experiment, **options)
        finally:
            per_experiment[experiment.name][0] += time.perf_counter() - started
            current.pop()

    _reproduce._run_one = timed_run_one

    started = time.perf_counter()
    status = cli.main(["reproduce", *arguments])
    wall = time.perf_counter() - started
    compile_seconds = sum(durations.values())
    print(
        f"wall_s={wall:.1f} compile_s={compile_seconds:.1f} (trace={durations['trace']:.1f} "
        f"lower={durations['lower']:.1f} backend={durations['backend']:.1f}) "
        f"run_s={wall - compile_seconds:.1f} "
        f"cache_hits={counts['/jax/compilation_cache/cache_hits']} status={status}",
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

"""Which programs JAX traces and lowers while each experiment of ``ghostsym reproduce`` runs.

    python benchmarks/compile_audit.py --out DIR [reproduce options, e.g. --quick --seed 0 \
--only NAME --no-derivations]

Runs the command in this process with ``--jobs 1`` (so that every compilation happens here)
and JAX's compile log switched on, and prints one line per experiment, in the order they ran::

    experiment=NAME cpu_s=... compilations=... trace_s=... lower_s=... backend_s=... repeats=...
        NAME xCOUNT (seconds) ...

``compilations`` counts the programs traced and lowered (each also goes through the backend,
or the persistent cache when it is warm); the second line lists them by function name, most
frequent first, with their summed trace + lower + backend seconds (wall seconds, as JAX logs
them). ``repeats`` counts the programs whose persistent-cache key (a hash of the lowered module
and the compile options) had already been seen in this process: the same program traced and
lowered again, a retrace the in-memory jit cache did not catch (a jit of a fresh closure, or
one cached on an argument that does not change the program); each is then listed with its
count. ``cpu_s`` is the process CPU time of the experiment (all threads).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections import Counter, defaultdict

from ghostsym._jax import jax

_COMPILING = re.compile(r"Compiling (?:jit\()?([^\s)]+)\)? with global shapes")
_STAGES = (
    ("trace", re.compile(r"Finished tracing (?:\+ transforming )?(\S+) for p?jit in ([\d.e-]+)")),
    ("lower", re.compile(r"Finished jaxpr to MLIR module conversion jit\((\S+)\) in ([\d.e-]+)")),
    ("backend", re.compile(r"Finished XLA compilation of jit\((\S+)\) in ([\d.e-]+)")),
)
_KEY = re.compile(r"compilation cache (?:hit|miss) for '(\S+)' with key '(\S+)'")


class _Audit(logging.Handler):
    """Collects JAX's compile log per experiment (the one named in ``current``)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.current = "(outside experiments)"
        self.order: list[str] = []
        self.cpu: dict[str, float] = defaultdict(float)
        self.names: dict[str, Counter] = defaultdict(Counter)
        self.seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.stages: dict[str, Counter] = defaultdict(Counter)
        self.keys: dict[str, Counter] = defaultdict(Counter)
        self.seen: Counter = Counter()

    def emit(self, record):
        message = record.getMessage()
        experiment = self.current
        match = _COMPILING.search(message)
        if match:
            self.names[experiment][match.group(1)] += 1
            return
        for stage, pattern in _STAGES:
            match = pattern.search(message)
            if match:
                seconds = float(match.group(2))
                self.stages[experiment][stage] += seconds
                self.seconds[experiment][match.group(1)] += seconds
                return
        match = _KEY.search(message)
        if match:
            key = match.group(2)
            if self.seen[key]:
                self.keys[experiment][key] += 1
            self.seen[key] += 1


def main(argv=None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--jobs" in arguments:
        index = arguments.index("--jobs")
        del arguments[index : index + 2]
    audit = _Audit()
    jax.config.update("jax_log_compiles", True)
    logger = logging.getLogger("jax")
    logger.addHandler(audit)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # the log is read here, not printed
    from ghostsym import cli
    from ghostsym.report import _reproduce

    run_one = _reproduce._run_one

    def audited_run_one(experiment, **options):
        audit.current = experiment.name
        audit.order.append(experiment.name)
        started = time.process_time()
        try:
            return run_one(experiment, **options)
        finally:
            audit.cpu[experiment.name] += time.process_time() - started
            audit.current = "(outside experiments)"

    _reproduce._run_one = audited_run_one
    status = cli.main(["reproduce", *arguments, "--jobs", "1"])
    for name in [*audit.order, "(outside experiments)"]:
        names, stages = audit.names[name], audit.stages[name]
        repeats = audit.keys[name]
        print(
            f"experiment={name} cpu_s={audit.cpu[name]:.1f} compilations={sum(names.values())} "
            f"trace_s={stages['trace']:.2f} lower_s={stages['lower']:.2f} "
            f"backend_s={stages['backend']:.2f} repeats={sum(repeats.values())}",
            flush=True,
        )
        if names:
            listed = ", ".join(
                f"{function} x{count} ({audit.seconds[name][function]:.2f})"
                for function, count in names.most_common()
            )
            print(f"    {listed}", flush=True)
        for key, count in repeats.most_common():
            print(f"    repeated x{count}: {key}", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())

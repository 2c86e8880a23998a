"""The main job: run every registered experiment, draw its figures, write the report.

:func:`reproduce` is what ``ghostsym reproduce`` calls. In one output directory it writes

- ``derivations.tex`` (the derivation chain, every equation generated from SymPy objects) and,
  when ``pdflatex`` is on ``PATH``, ``derivations.pdf``;
- ``experiments/<name>.npz`` + ``experiments/<name>.json``: each experiment's stored outcome;
- ``figures/<name>/*.png|pdf``: the figures the report shows;
- ``report.md``, ``report.html`` and ``results.json`` (see :mod:`ghostsym.report`).

Resuming: an experiment whose outcome is already stored in the directory with the same scale,
seed and code fingerprint (ghostsym version plus a hash of the non-presentation source) is
loaded instead of re-run, so an interrupted run picks up where it stopped; ``force=True``
re-runs everything. A stored outcome that is unreadable (truncated, not an archive) or that
changed since ghostsym wrote it is run again, with a warning. Figures are always redrawn from
the (run or loaded) outcome. On ``KeyboardInterrupt`` the report is written once more, saying
at its top how many experiments ran and which did not (``results.json``: ``status``
"interrupted", ``experiments_not_run``), and the interrupt goes on.

The directory: every file written is listed in its manifest (:data:`ghostsym._io.MANIFEST_NAME`,
sizes and SHA-256); before anything is computed, a directory holding files ghostsym did not
write there, or that changed since (a ``report.md`` the user edited), is refused unless
``force=True``, and so is a path that names a file, lies under one or cannot be written.
Unknown ``only`` names are refused before the directory is created.

Worker processes: with ``jobs=N`` (``ghostsym reproduce --jobs N``) the experiments that must
run go to N spawned worker processes, the longest first (by :func:`plan`'s estimate); each
worker runs an experiment and draws its figures, this process checks what is stored, writes
derivations.tex meanwhile, stores each outcome as it arrives, keeps the manifest and rewrites
the report (always in registry order). The numbers are those of ``jobs=1``. Each worker measures
the seconds JAX spends compiling while an experiment runs (``compile_seconds`` in
``results.json``). A worker that dies costs only its experiment; Ctrl-C ends the workers.

Failures: an experiment that raises becomes one claim with verdict "not run" carrying the
error text, is not stored (a later run retries it), and the run goes on. The result's
:attr:`ReproductionResult.succeeded` is true only if every experiment ran (or resumed), every
figure was drawn and the derivation document was written; the CLI exits non-zero otherwise.

>>> import tempfile
>>> from ghostsym.experiments._claims import ExperimentOutcome, compare_claim
>>> from ghostsym.experiments import Experiment
>>> def run(scale, seed):
...     return ExperimentOutcome("demo", "Demo", (compare_claim("2+2", 4, 2 + 2, atol=0),))
>>> result = reproduce(tempfile.mkdtemp(), experiments=[Experiment("demo", "Demo", run)],
...                    derivations=False, progress=False)
>>> result.succeeded, [claim.verdict for claim in result.claims]
(True, ['reproduced'])
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .. import __version__
from .._io import OutputManifest, check_output_directory, open_output_directory, warn
from .._system import available_cores
from ..errors import InvalidInputError, RunFailedError, require_choice
from ..experiments import SCALES, Experiment, all_experiments, get_experiment
from ..experiments._claims import VERDICTS, Claim, ExperimentOutcome, boolean_claim, not_run
from . import _workers
from ._report import (
    ExperimentRecord,
    ReportFiles,
    StoredOutcome,
    StoredOutcomeError,
    atomic_write_bytes,
    atomic_write_text,
    latex_problems,
    load_outcome,
    outcome_files,
    write_outcome,
    write_report,
)

__all__ = [
    "DERIVATION_RECORD",
    "PlanRow",
    "plan",
    "seconds_per_network_epoch",
    "ReproductionResult",
    "ReproductionFailedError",
    "reproduce",
    "source_fingerprint",
]

#: Name of the record that checks the derivation document (shown in the claims table).
DERIVATION_RECORD = "derivation-document"

# Presentation code does not change what an experiment computes, so editing it must not
# invalidate stored outcomes (their figures are redrawn on every run anyway). Paths are
# relative to the package root.
_PRESENTATION = ("report/", "plotting/", "cli/", "document/", "__main__.py")

#: Where the resumable state of a run lives in its directory: a stored outcome there that
#: changed since ghostsym wrote it is run again (with a warning) instead of refusing the run.
_STORED = ("experiments/",)


class ReproductionFailedError(RunFailedError):
    """Some step of a reproduce run raised; the report was still written (CLI exit status 1)."""


@dataclass(frozen=True)
class ReproductionResult:
    """What :func:`reproduce` did.

    Attributes:
        directory: the output directory.
        scale: ``"quick"`` or ``"full"``.
        seed: the seed every experiment was given.
        records: one per experiment (plus the derivation-document check), in report order.
        report: paths of ``report.md``, ``report.html`` and ``results.json``.
        derivations: path of ``derivations.tex`` (``None`` if it was not written).
        wall_time: seconds the whole run took.
    """

    directory: Path
    scale: str
    seed: int
    records: tuple[ExperimentRecord, ...]
    report: ReportFiles
    derivations: Path | None
    wall_time: float

    @property
    def claims(self) -> tuple[Claim, ...]:
        """Every claim row, in report order."""
        return tuple(claim for record in self.records for claim in record.outcome.claims)

    @property
    def failures(self) -> tuple[str, ...]:
        """Names of the experiments (or steps) that raised, or whose figures failed."""
        return tuple(record.name for record in self.records if record.error)

    @property
    def succeeded(self) -> bool:
        """True when every experiment ran or resumed and nothing raised."""
        return not self.failures

    def verdict_counts(self) -> dict[str, int]:
        """How many claims got each verdict."""
        return {v: sum(claim.verdict == v for claim in self.claims) for v in VERDICTS}


def source_fingerprint(root=None) -> str:
    """``<version>+<hash>`` of ghostsym's computational source, every Python file under the
    package root (or ``root``) except the presentation code (report, plotting, cli, document).

    >>> source_fingerprint().startswith(__version__ + "+")
    True
    """
    package = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if any(marker in relative for marker in _PRESENTATION):
            continue
        digest.update(relative.encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


def _derivation_latex() -> str:
    """The LaTeX derivation document (:func:`ghostsym.document.derivation_document`)."""
    from ..document import derivation_document

    return derivation_document()


def _select(only: Sequence[str] | None, experiments: Sequence[Experiment] | None):
    if experiments is None:
        if only:
            return [get_experiment(name) for name in dict.fromkeys(only)]
        return list(all_experiments())
    experiments = list(experiments)
    if only:
        known = {experiment.name: experiment for experiment in experiments}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise InvalidInputError(
                f"unknown experiment {unknown[0]!r}; known: {', '.join(sorted(known))}"
            )
        return [known[name] for name in dict.fromkeys(only)]
    return experiments


def _figure_function(spec: str) -> Callable:
    module_name, sep, function = spec.partition(":")
    if not sep or not module_name or not function:
        raise InvalidInputError(f"figure must be 'module:function', got {spec!r}")
    if "." not in module_name:  # a bare name is a module of ghostsym.plotting
        module_name = f"ghostsym.plotting.{module_name}"
    return getattr(importlib.import_module(module_name), function)


def _error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return " ".join(text.split())[:500]


def _stored_outcome(
    experiment: Experiment, store: Path, manifest: OutputManifest | None, changed: set
) -> StoredOutcome | None:
    """The stored outcome of ``experiment``, or None; a changed or unreadable one is reported
    with a warning (and then run again)."""
    files = outcome_files(store, experiment.name)
    present = [path for path in (files.arrays, files.metadata) if path.exists()]
    if not present:
        return None
    if manifest is not None:
        relative = {path.relative_to(manifest.directory).as_posix() for path in present}
        if relative & changed:
            warn(
                f"the stored outcome of {experiment.name} changed since ghostsym wrote it; "
                "running the experiment again"
            )
            return None
    try:
        return load_outcome(store, experiment.name)
    except StoredOutcomeError as error:
        warn(f"the stored outcome of {experiment.name} is unreadable ({error}); running it again")
        return None


# --- one experiment, in pieces shared by the in-process and the worker-process paths ---------
@dataclass(frozen=True)
class _Attempt:
    """What running one experiment gave: its outcome, or the error text and traceback."""

    outcome: ExperimentOutcome | None
    error: str = ""
    traceback: str = ""
    wall_time: float = 0.0


@dataclass(frozen=True)
class _Drawing:
    """What drawing one experiment's figures gave: the files, or the error."""

    figures: tuple[Path, ...] = ()
    error: str = ""
    traceback: str = ""


def _resumed_outcome(
    experiment: Experiment,
    *,
    scale: str,
    seed: int,
    store: Path,
    fingerprint: str,
    force: bool,
    manifest: OutputManifest | None,
    changed: frozenset,
) -> ExperimentOutcome | None:
    """The stored outcome of ``experiment`` if it was computed with this scale, seed and
    fingerprint (and ``force`` is off), else None: the experiment must run."""
    if force:
        return None
    stored = _stored_outcome(experiment, store, manifest, set(changed))
    if stored is not None and (
        stored.metadata.get("scale") == scale
        and stored.metadata.get("seed") == seed
        and stored.metadata.get("fingerprint") == fingerprint
    ):
        return stored.outcome
    return None


def _attempt(experiment: Experiment, scale: str, seed: int) -> _Attempt:
    """Run ``experiment``; an exception becomes the attempt's error, not a crash."""
    start = time.perf_counter()
    try:
        outcome = experiment.run(scale, seed)
        if not isinstance(outcome, ExperimentOutcome):
            raise TypeError(f"run() returned {type(outcome).__name__}, expected ExperimentOutcome")
    except Exception as error:  # the run goes on; the error is recorded, not hidden
        return _Attempt(
            None, _error_text(error), traceback.format_exc(), time.perf_counter() - start
        )
    wall_time = time.perf_counter() - start
    outcome = dataclasses.replace(outcome, name=experiment.name, wall_time=wall_time)
    return _Attempt(outcome, wall_time=wall_time)


def _draw(experiment: Experiment, outcome: ExperimentOutcome, figures: Path) -> _Drawing:
    """Draw the figures of ``experiment`` into ``figures/<name>``; an exception becomes the
    drawing's error."""
    if not experiment.figure:
        return _Drawing()
    try:
        drawn = tuple(
            Path(path)
            for path in _figure_function(experiment.figure)(outcome, figures / experiment.name)
        )
        missing = [str(path) for path in drawn if not path.exists()]
        if missing:
            raise FileNotFoundError(f"figure function did not write {missing}")
    except Exception as error:
        return _Drawing((), f"figure: {_error_text(error)}", traceback.format_exc())
    return _Drawing(drawn)


def _expect_figures(
    manifest: OutputManifest | None, experiment: Experiment, figures: Path
) -> float:
    """Mark the figure directory of ``experiment`` as being written; return the time, for
    :func:`_record_figures`."""
    began = time.time()
    if manifest is not None and experiment.figure:
        manifest.expect_under(figures / experiment.name)
    return began


def _record_figures(
    manifest: OutputManifest | None, experiment: Experiment, figures: Path, began: float
) -> None:
    """Record in the manifest the figure files written since :func:`_expect_figures`."""
    if manifest is not None and experiment.figure:
        manifest.record_under(figures / experiment.name, began)


def _store(
    outcome: ExperimentOutcome,
    *,
    scale: str,
    seed: int,
    store: Path,
    fingerprint: str,
    manifest: OutputManifest | None,
) -> None:
    files = outcome_files(store, outcome.name)
    with _recorded(manifest, [files.arrays, files.metadata]):
        write_outcome(store, outcome, scale=scale, seed=seed, fingerprint=fingerprint)


def _failure_record(
    experiment: Experiment, attempt: _Attempt, compile_seconds: float | None = None
) -> ExperimentRecord:
    """The record of an experiment that raised: one "not run" claim carrying the error."""
    failed = ExperimentOutcome(
        experiment.name,
        experiment.title,
        (not_run(f"{experiment.title}: every claim", attempt.error),),
        wall_time=attempt.wall_time,
    )
    drawing = _Drawing((), attempt.error, attempt.traceback)  # nothing to draw; the error
    return _finished_record(failed, "failed", drawing, compile_seconds)


def _finished_record(
    outcome: ExperimentOutcome,
    status: str,
    drawing: _Drawing,
    compile_seconds: float | None = None,
) -> ExperimentRecord:
    """The record of ``outcome``, with the figures drawn or the error (run or drawing)."""
    return ExperimentRecord(
        outcome,
        status,
        figures=drawing.figures,
        error=drawing.error,
        traceback=drawing.traceback,
        compile_seconds=compile_seconds,
    )


def _present(
    experiment: Experiment,
    outcome: ExperimentOutcome,
    status: str,
    figures: Path,
    manifest: OutputManifest | None,
) -> ExperimentRecord:
    """Draw the figures of a run or resumed outcome in this process; its record."""
    began = _expect_figures(manifest, experiment, figures)
    try:
        drawing = _draw(experiment, outcome, figures)
    finally:
        _record_figures(manifest, experiment, figures, began)
    return _finished_record(outcome, status, drawing)


def _run_one(
    experiment: Experiment,
    *,
    scale: str,
    seed: int,
    store: Path,
    figures: Path,
    fingerprint: str,
    force: bool,
    manifest: OutputManifest | None = None,
    changed: frozenset = frozenset(),
) -> ExperimentRecord:
    """Resume or run ``experiment`` in this process, store its outcome, draw its figures."""
    outcome = _resumed_outcome(
        experiment,
        scale=scale,
        seed=seed,
        store=store,
        fingerprint=fingerprint,
        force=force,
        manifest=manifest,
        changed=changed,
    )
    if outcome is not None:
        return _present(experiment, outcome, "resumed", figures, manifest)
    attempt = _attempt(experiment, scale, seed)
    if attempt.outcome is None:
        return _failure_record(experiment, attempt)
    _store(
        attempt.outcome,
        scale=scale,
        seed=seed,
        store=store,
        fingerprint=fingerprint,
        manifest=manifest,
    )
    return _present(experiment, attempt.outcome, "ran", figures, manifest)


# --- worker processes (reproduce(jobs=N)) ------------------------------------------------------
#: JAX's compilation events whose durations make up an experiment's compile seconds.
COMPILE_EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration": "trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
    "/jax/core/compile/backend_compile_duration": "backend",
}
_CACHE_HIT_EVENT = "/jax/compilation_cache/cache_hits"

#: Running totals of a worker process: seconds per compilation stage, persistent-cache hits.
#: Filled by listeners that only worker processes register (never the user's own process).
_COMPILATION: dict[str, float] = {}

#: Rough seconds per network-epoch, used only to start the longest experiments first.
_ORDERING_SECONDS_PER_NETWORK_EPOCH = 5e-5


@dataclass(frozen=True)
class _WorkerTask:
    experiment: Experiment
    scale: str
    seed: int
    figures: Path


@dataclass(frozen=True)
class _WorkerReport:
    """What a worker sends back for one experiment: the attempt, the drawing, the seconds it
    spent on both, and the compilation it did meanwhile (seconds per stage, cache hits)."""

    attempt: _Attempt
    drawing: _Drawing
    seconds: float
    compilation: dict[str, float] | None

    @property
    def compile_seconds(self) -> float | None:
        """Seconds of tracing, lowering and backend compilation (None: the worker died)."""
        if self.compilation is None:
            return None
        return sum(self.compilation[stage] for stage in COMPILE_EVENTS.values())


def _count_compilation(event: str, seconds: float, **_) -> None:
    if event in COMPILE_EVENTS:
        stage = COMPILE_EVENTS[event]
        _COMPILATION[stage] += seconds


def _count_cache_hit(event: str, **_) -> None:
    if event == _CACHE_HIT_EVENT:
        _COMPILATION["cache_hits"] += 1


def _initialize_worker(compilation_cache: str | None, training_threads: int) -> None:
    """A worker's set-up: SIGINT ignored (Ctrl-C is the parent's), figures drawn with Agg,
    float64 as :func:`reproduce` sets it, the parent's persistent compilation cache (unless
    ``GHOSTSYM_NO_COMPILATION_CACHE`` opts out), ``training_threads`` threads per population
    (the workers share the cores), and listeners on JAX's compilation events."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..network import training_threads as threads_of

    threads_of(training_threads).__enter__()  # for the life of this worker process
    os.environ["MPLBACKEND"] = "Agg"
    jax_module = importlib.import_module("ghostsym._jax")
    jax_module.enable_float64()
    if compilation_cache is not None:
        from ..network import enable_compilation_cache

        if enable_compilation_cache() is not None:
            jax_module.jax.config.update("jax_compilation_cache_dir", compilation_cache)
    _COMPILATION.update(dict.fromkeys([*COMPILE_EVENTS.values(), "cache_hits"], 0.0))
    jax_module.jax.monitoring.register_event_duration_secs_listener(_count_compilation)
    jax_module.jax.monitoring.register_event_listener(_count_cache_hit)


def _work(task: _WorkerTask) -> _WorkerReport:
    """In a worker: run the experiment and draw its figures (the parent stores the outcome)."""
    before = dict(_COMPILATION)
    start = time.perf_counter()
    attempt = _attempt(task.experiment, task.scale, task.seed)
    drawing = _Drawing()
    if attempt.outcome is not None:
        drawing = _draw(task.experiment, attempt.outcome, task.figures)
    compilation = {key: value - before[key] for key, value in _COMPILATION.items()}
    report = _WorkerReport(attempt, drawing, time.perf_counter() - start, compilation)
    try:
        pickle.dumps(report)
    except Exception as error:  # an outcome that cannot travel back is the experiment's failure
        failed = _Attempt(
            None,
            f"the outcome cannot be sent back from the worker process: {_error_text(error)}",
            traceback.format_exc(),
            attempt.wall_time,
        )
        report = dataclasses.replace(report, attempt=failed, drawing=_Drawing())
    return report


def _worker_report(experiment: Experiment, report) -> _WorkerReport:
    """``report`` as the pool gave it, with a dead worker or an unreadable task turned into a
    failed attempt."""
    if isinstance(report, _WorkerReport):
        return report
    if report[0] == _workers.LOST:
        text = f"worker process died (exit code {report[1]}) while running {experiment.name}"
        return _WorkerReport(_Attempt(None, text), _Drawing(), 0.0, None)
    text = f"{_workers.UNREADABLE} {experiment.name!r}: {report[1]}"
    return _WorkerReport(_Attempt(None, text, report[2]), _Drawing(), 0.0, None)


def _collect(
    experiment: Experiment,
    report: _WorkerReport,
    *,
    scale: str,
    seed: int,
    store: Path,
    fingerprint: str,
    manifest: OutputManifest | None,
) -> ExperimentRecord:
    """In the parent: store what a worker computed; its record."""
    compile_seconds = report.compile_seconds
    if report.attempt.outcome is None:
        return _failure_record(experiment, report.attempt, compile_seconds)
    _store(
        report.attempt.outcome,
        scale=scale,
        seed=seed,
        store=store,
        fingerprint=fingerprint,
        manifest=manifest,
    )
    return _finished_record(report.attempt.outcome, "ran", report.drawing, compile_seconds)


def _longest_first(
    experiments: Sequence[Experiment], scale: str, directory: Path
) -> list[Experiment]:
    """``experiments`` by decreasing estimated time (:func:`plan`, with a fixed rough cost per
    network-epoch), ties in registry order; experiments without an estimate last."""
    rows = plan(
        scale,
        directory=directory,
        experiments=experiments,
        per_network_epoch=_ORDERING_SECONDS_PER_NETWORK_EPOCH,
    )
    estimate = {row.name: row.estimated_seconds or 0.0 for row in rows}
    return sorted(experiments, key=lambda experiment: -estimate[experiment.name])


def _check_picklable(experiments: Sequence[Experiment], jobs: int) -> None:
    for experiment in experiments:
        try:
            pickle.dumps(experiment)
        except Exception as error:
            raise InvalidInputError(
                f"jobs={jobs} runs experiments in worker processes, which needs them picklable "
                f"(module-level functions); {experiment.name!r} is not "
                f"({_error_text(error)}): use jobs=1"
            ) from None


def _threads_per_worker(jobs: int) -> int:
    """Training threads per worker process: the cores shared out among ``jobs`` workers.

    >>> _threads_per_worker(1) >= 1
    True
    """
    return max(1, available_cores() // jobs)


def _compilation_cache_directory() -> str | None:
    """The persistent compilation cache directory JAX uses in this process, if any."""
    return importlib.import_module("ghostsym._jax").jax.config.jax_compilation_cache_dir


@contextlib.contextmanager
def _recorded(manifest: OutputManifest | None, paths):
    """Mark ``paths`` as being written in ``manifest`` (if any), then record what was written."""
    if manifest is not None:
        manifest.expect(paths)
    try:
        yield
    finally:
        if manifest is not None:
            manifest.record(paths)


def _derivation_record(directory: Path) -> tuple[ExperimentRecord, Path | None]:
    """Write derivations.tex (and .pdf if pdflatex exists); check it as claims."""
    start = time.perf_counter()
    title = "Derivation document (LaTeX)"
    try:
        text = _derivation_latex()
    except Exception as error:
        outcome = ExperimentOutcome(
            DERIVATION_RECORD,
            title,
            (
                not_run(
                    "derivations.tex is written",
                    _error_text(error),
                    source="ghostsym",
                    kind="consistency",
                ),
            ),
            wall_time=time.perf_counter() - start,
        )
        return (
            ExperimentRecord(
                outcome, "failed", error=_error_text(error), traceback=traceback.format_exc()
            ),
            None,
        )
    path = atomic_write_text(directory / "derivations.tex", text)
    problems = latex_problems(text)
    claims = [
        boolean_claim(
            "derivations.tex is well-formed (balanced braces and environments)",
            "well-formed",
            "; ".join(problems) or "well-formed",
            not problems,
            source="ghostsym",
            kind="consistency",
            details="ghostsym.report.latex_problems",
        )
    ]
    numbers: dict[str, object] = {
        "equations": text.count("\\begin{equation}"),
        "sections": text.count("\\section{"),
        "characters": len(text),
    }
    compiled = _compile_latex(path)
    if compiled is None:
        claims.append(
            not_run(
                "derivations.tex compiles with pdflatex",
                "pdflatex is not on PATH",
                source="ghostsym",
                kind="consistency",
            )
        )
    else:
        succeeded, log_tail = compiled
        claims.append(
            boolean_claim(
                "derivations.tex compiles with pdflatex",
                "compiles",
                "compiles" if succeeded else f"fails: {log_tail}",
                succeeded,
                source="ghostsym",
                kind="consistency",
                details="pdflatex -halt-on-error; a second pass only if references need it",
            )
        )
    outcome = ExperimentOutcome(
        DERIVATION_RECORD,
        title,
        tuple(claims),
        numbers=numbers,
        config={"file": path.name},
        wall_time=time.perf_counter() - start,
    )
    return ExperimentRecord(outcome, "ran"), path


# Commands whose output depends on the previous pass's .aux file: without one of them, a
# "Rerun to get cross-references right" (which \label alone triggers on a first pass) changes
# nothing in the PDF.
_CROSS_REFERENCES = re.compile(
    r"\\(?:ref|eqref|pageref|autoref|nameref|cref|Cref|cite|tableofcontents|listoffigures"
    r"|listoftables)(?![A-Za-z])"
)


def _compile_latex(path: Path) -> tuple[bool, str] | None:
    """Compile with pdflatex in a scratch directory; copy the PDF beside ``path``.

    A second pass runs only when the document refers to something (``\\ref``, ``\\eqref``,
    ``\\cite``, a table of contents, ...) and the first pass's log asks to "Rerun to get"
    them right; labels without references need one pass.
    """
    executable = shutil.which("pdflatex")
    if executable is None:
        return None
    refers = _CROSS_REFERENCES.search(path.read_text(encoding="utf-8")) is not None
    with tempfile.TemporaryDirectory() as scratch:
        command = [executable, "-interaction=nonstopmode", "-halt-on-error", path.name]
        shutil.copy(path, Path(scratch) / path.name)
        for _ in range(2):
            try:
                result = subprocess.run(
                    command, cwd=scratch, capture_output=True, text=True, timeout=300
                )
            except subprocess.TimeoutExpired:
                return False, "pdflatex timed out after 300 s"
            if result.returncode != 0:
                tail = " ".join(result.stdout.strip().splitlines()[-5:])
                return False, tail[-300:]
            if not (refers and _asks_for_another_pass(Path(scratch) / path.name)):
                break
        pdf = Path(scratch) / path.with_suffix(".pdf").name
        atomic_write_bytes(path.with_suffix(".pdf"), pdf.read_bytes())
    return True, ""


def _asks_for_another_pass(source: Path) -> bool:
    """Whether pdflatex's log for ``source`` says to rerun to get references right."""
    log = source.with_suffix(".log")
    text = log.read_text(encoding="latin-1") if log.exists() else ""
    return "Rerun to get" in text.replace("\n", "")  # the log wraps lines mid-word


def reproduce(
    directory,
    *,
    scale: str = "quick",
    seed: int = 0,
    only: Sequence[str] | None = None,
    force: bool = False,
    progress: bool = True,
    derivations: bool = True,
    experiments: Sequence[Experiment] | None = None,
    scheduler: str | None = None,
    jobs: int = 1,
) -> ReproductionResult:
    """Run the experiments, draw the figures, write derivations.tex and the report in ``directory``.

    Args:
        directory: output directory (created if needed; re-using it resumes).
        scale: ``"quick"`` (minutes on a laptop) or ``"full"`` (the paper's scale).
        seed: seed passed to every experiment (same seed, same numbers).
        only: names of the experiments to run (default: all registered).
        force: re-run experiments even if a matching stored outcome exists, and write into a
            directory holding files ghostsym did not write (they may be overwritten).
        progress: show a progress bar over the experiments (on stderr).
        derivations: write and check ``derivations.tex``.
        experiments: run these instead of the registry (``only`` still filters them).
        scheduler: a Dask scheduler address or ``local:N``: the networks' blocks of runs are
            trained as tasks there (:func:`ghostsym.network.use_scheduler`), same numbers.
        jobs: run the experiments in this many worker processes (spawned; at most one per
            experiment that must run), the longest first, while this process writes the
            derivation document, stores outcomes and keeps the report; 1 runs them here, one
            after the other. With ``jobs > 1`` the experiments must be picklable (module-level
            functions; the registry's are), else :class:`~ghostsym.errors.InvalidInputError`;
            a worker that dies costs only its experiment (recorded as failed: "worker process
            died"); each experiment's compile seconds are measured in its worker and stored in
            ``results.json``. Not with ``scheduler`` (the cluster does the parallel work).

    The report is rewritten after every experiment, so it is current even if a long run is
    interrupted; it lists the experiments in registry order whatever order they finish in.
    Same seed, same numbers, whatever ``jobs``. See the module docstring for resuming and
    failure handling.

    Like the command line, it changes two process-wide settings: JAX computes in float64 unless
    told otherwise, and ``XLA_FLAGS`` in ``os.environ`` gains XLA's one-thread CPU scheduling
    (``ghostsym._jax.prefer_sequential_scheduling``: same bits; acts on this process only if
    JAX has not started yet, and on the worker processes, which inherit it).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidInputError(f"jobs must be an integer >= 1, got {jobs!r}")
    if scheduler is not None and jobs > 1:
        raise InvalidInputError(
            f"jobs={jobs} cannot be combined with a scheduler (the cluster does the parallel "
            "work); use jobs=1"
        )
    jax_module = importlib.import_module("ghostsym._jax")
    jax_module.enable_float64()  # float64 for the whole run
    jax_module.prefer_sequential_scheduling()  # this process (if JAX is still idle), the workers
    if scheduler is not None:
        from ..network import use_scheduler

        with use_scheduler(scheduler):
            return reproduce(
                directory,
                scale=scale,
                seed=seed,
                only=only,
                force=force,
                progress=progress,
                derivations=derivations,
                experiments=experiments,
            )
    require_choice("scale", scale, SCALES)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError(f"seed must be an integer >= 0, got {seed!r}")
    start = time.perf_counter()
    selected = _select(only, experiments)  # unknown names fail before anything is written
    names = [experiment.name for experiment in selected]
    if DERIVATION_RECORD in names or len(set(names)) != len(names):
        raise InvalidInputError(f"experiment names must be unique and not {DERIVATION_RECORD!r}")
    if jobs > 1:
        _check_picklable(selected, jobs)
    directory = Path(directory)
    check = check_output_directory(directory, command="reproduce", force=force, stored=_STORED)
    manifest = open_output_directory(directory, command="reproduce", force=force, check=check)
    run = _Run(
        directory=directory,
        scale=scale,
        seed=seed,
        names=names,
        fingerprint=source_fingerprint(),
        force=force,
        manifest=manifest,
        changed=frozenset(check.changed),
        start=start,
    )
    steps = (["derivations"] if derivations else []) + names
    bar = tqdm(
        total=len(steps), desc="reproduce", unit="step", disable=not progress, file=sys.stderr
    )
    run.bar = bar
    try:
        if jobs == 1:
            if derivations:
                run.derive()
            for experiment in selected:
                bar.set_postfix_str(experiment.name)
                run.finish(_run_one(experiment, **run.options()))
        else:
            run.in_workers(selected, jobs, derivations)
    except KeyboardInterrupt:
        run.write("interrupted")  # the report says at its top what ran and what did not
        raise
    finally:
        bar.close()
    report = run.write("complete")
    return ReproductionResult(
        directory,
        scale,
        seed,
        run.records(),
        report,
        run.derivation_path,
        time.perf_counter() - start,
    )


@dataclass
class _Run:
    """The state of one :func:`reproduce` run in this process: the records so far, the report
    writer, the progress bar."""

    directory: Path
    scale: str
    seed: int
    names: list[str]
    fingerprint: str
    force: bool
    manifest: OutputManifest
    changed: frozenset
    start: float
    bar: object = None
    derivation: ExperimentRecord | None = None
    derivation_path: Path | None = None
    done: dict = dataclasses.field(default_factory=dict)

    @property
    def store(self) -> Path:
        return self.directory / "experiments"

    @property
    def figures(self) -> Path:
        return self.directory / "figures"

    def store_options(self) -> dict:
        """The keyword arguments of :func:`_collect` (storing an outcome) for this run."""
        return {
            "scale": self.scale,
            "seed": self.seed,
            "store": self.store,
            "fingerprint": self.fingerprint,
            "manifest": self.manifest,
        }

    def resume_options(self) -> dict:
        """The keyword arguments of :func:`_resumed_outcome` for this run."""
        return {**self.store_options(), "force": self.force, "changed": self.changed}

    def options(self) -> dict:
        """The keyword arguments of :func:`_run_one` for this run."""
        return {**self.resume_options(), "figures": self.figures}

    def records(self) -> tuple[ExperimentRecord, ...]:
        """The derivation check, then the finished experiments in registry order."""
        head = (self.derivation,) if self.derivation is not None else ()
        return head + tuple(self.done[name] for name in self.names if name in self.done)

    def write(self, status: str = "running") -> ReportFiles:
        report = [self.directory / name for name in ("report.md", "report.html", "results.json")]
        with _recorded(self.manifest, report):
            return write_report(
                self.directory,
                self.records(),
                scale=self.scale,
                seed=self.seed,
                wall_time=time.perf_counter() - self.start,
                derivations=self.derivation_path.name if self.derivation_path else "",
                extra={
                    "fingerprint": self.fingerprint,
                    "complete": status == "complete",
                    "selected": self.names,
                    "out_directory": str(self.directory.resolve()),
                },
                planned=self.names,
                status=status,
            )

    def derive(self) -> None:
        """Write and check derivations.tex; rewrite the report."""
        self.bar.set_postfix_str("derivations")
        tex = self.directory / "derivations.tex"
        with _recorded(self.manifest, [tex, tex.with_suffix(".pdf")]):
            self.derivation, self.derivation_path = _derivation_record(self.directory)
        self.bar.update()
        self.write()

    def finish(self, record: ExperimentRecord) -> None:
        """Keep ``record``, print its status line, rewrite the report."""
        self.done[record.name] = record
        if not self.bar.disable:
            tqdm.write(_status_line(record), file=sys.stderr)
        self.bar.update()
        self.write()

    def in_workers(self, selected: Sequence[Experiment], jobs: int, derivations: bool) -> None:
        """Resume what is stored here; run the rest in worker processes, longest first, while
        this process writes the derivation document and redraws the resumed figures."""
        resumed, dispatch = {}, []
        for experiment in selected:
            outcome = _resumed_outcome(experiment, **self.resume_options())
            if outcome is None:
                dispatch.append(experiment)
            else:
                resumed[experiment.name] = outcome
        order = _longest_first(dispatch, self.scale, self.directory)
        began = {e.name: _expect_figures(self.manifest, e, self.figures) for e in order}
        by_name = {experiment.name: experiment for experiment in dispatch}
        workers = max(1, min(jobs, len(dispatch)))
        pool = _workers.WorkerPool(
            workers,
            _initialize_worker,
            (_compilation_cache_directory(), _threads_per_worker(workers)),
            _work,
        )
        try:
            with pool:
                if dispatch:
                    pool.submit(_WorkerTask(e, self.scale, self.seed, self.figures) for e in order)
                if derivations:
                    self.derive()
                for experiment in selected:
                    if experiment.name in resumed:
                        outcome = resumed[experiment.name]
                        self.finish(
                            _present(experiment, outcome, "resumed", self.figures, self.manifest)
                        )
                for task, report in pool.completed():
                    experiment = by_name[task.experiment.name]
                    report = _worker_report(experiment, report)
                    self.bar.set_postfix_str(experiment.name)
                    try:
                        record = _collect(experiment, report, **self.store_options())
                    finally:
                        _record_figures(
                            self.manifest, experiment, self.figures, began.pop(experiment.name)
                        )
                    self.finish(record)
        finally:  # figures a stopped worker may have left are ghostsym's, not foreign files
            for name, since in began.items():
                _record_figures(self.manifest, by_name[name], self.figures, since)


def _status_line(record: ExperimentRecord) -> str:
    counts = {v: sum(c.verdict == v for c in record.outcome.claims) for v in VERDICTS}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no claims"
    line = f"  {record.name}: {record.status} in {record.outcome.wall_time:.1f} s ({summary})"
    return line + (f"  ERROR {record.error}" if record.error else "")


# --- planning a run ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanRow:
    """What one experiment of a planned run costs.

    ``estimated seconds = network_epochs x seconds per network-epoch`` (``basis`` says which
    constant), or the stored quick run's wall time scaled by the ratio of network-epochs.

    Attributes:
        name, title: the experiment.
        network_epochs: networks trained times epochs each, at the planned scale.
        estimated_seconds: the estimate on this machine (None when it cannot be made).
        basis: how the estimate was made.
    """

    name: str
    title: str
    network_epochs: int
    estimated_seconds: float | None
    basis: str

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def seconds_per_network_epoch(size: int = 100, runs: int = 8, epochs: int = 1000) -> float:
    """Seconds one network-epoch takes on this machine: a compiled population of ``runs``
    rank-one networks (N = ``size``, the paper's delayed-activation task) trained ``epochs``
    epochs, timed after a first (compiling) call.

    >>> 0 < seconds_per_network_epoch(size=10, runs=2, epochs=20) < 1
    True
    """
    import numpy as np

    from ..network import DelayedActivation, RankOneNetwork, train_population

    model, task = RankOneNetwork(size=size), DelayedActivation()

    def train(count: int) -> float:
        began = time.perf_counter()
        train_population(
            model,
            task,
            learning_rates=np.full(runs, 0.003),
            seeds=np.arange(runs),
            epochs=count,
            record_every=count // 4 or 1,
            epochs_per_chunk=count,
            log_canonical_parameter=False,
        )
        return time.perf_counter() - began

    train(epochs)  # compiles
    return train(epochs) / (runs * epochs)


def plan(
    scale: str = "full",
    *,
    directory=None,
    only: Sequence[str] | None = None,
    experiments: Sequence[Experiment] | None = None,
    per_network_epoch: float | None = None,
) -> tuple[PlanRow, ...]:
    """The network-epochs and estimated time of each experiment at ``scale``, before running.

    An experiment whose quick-scale outcome is stored in ``directory`` (from an earlier
    ``reproduce --quick --out DIR``) is estimated from that run's wall time, scaled by the ratio
    of network-epochs; the others from ``per_network_epoch`` seconds (measured by
    :func:`seconds_per_network_epoch` when not given), which is the rank-one network's cost:
    full-rank and task networks cost more per epoch, so those estimates are lower bounds.

    >>> from ghostsym.experiments import Findings, experiment
    >>> @experiment(name="demo", title="Demo", cost={"quick": 10, "full": 1000})
    ... def run_demo(scale, seed):
    ...     return Findings(())
    >>> [row] = plan("full", experiments=[run_demo.experiment], per_network_epoch=1e-4)
    >>> row.network_epochs, round(row.estimated_seconds, 6)
    (1000, 0.1)
    """
    require_choice("scale", scale, SCALES)
    selected = _select(only, experiments)
    stored_directory = Path(directory) / "experiments" if directory is not None else None
    rows = []
    for experiment in selected:
        cost = dict(experiment.cost)
        network_epochs = int(cost.get(scale, 0))
        quick_time = None
        if stored_directory is not None:
            try:
                stored = load_outcome(stored_directory, experiment.name)
            except StoredOutcomeError:
                stored = None
            if stored is not None and stored.metadata.get("scale") == "quick":
                quick_time = float(stored.metadata.get("wall_time", 0.0))
        quick_epochs = int(cost.get("quick", 0))
        if quick_time is not None and quick_epochs > 0:
            ratio = network_epochs / quick_epochs
            estimate = quick_time * ratio
            basis = f"stored quick run: {quick_time:.1f} s x {ratio:.3g} network-epochs ratio"
        elif quick_time is not None and network_epochs == 0:
            estimate = quick_time
            basis = (
                f"stored quick run: {quick_time:.1f} s (no network training; the full grids "
                "are larger, so this is a lower bound)"
            )
        elif network_epochs:
            if per_network_epoch is None:
                per_network_epoch = seconds_per_network_epoch()
            estimate = network_epochs * per_network_epoch
            basis = (
                f"{per_network_epoch * 1e6:.1f} us per network-epoch (rank-one N = 100, "
                "measured now; a lower bound for full-rank and task networks)"
            )
        elif cost:
            estimate, basis = None, "no network training; no stored quick run to time it"
        else:
            estimate, basis = None, "cost not declared; no stored quick run to time it"
        rows.append(PlanRow(experiment.name, experiment.title, network_epochs, estimate, basis))
    return tuple(rows)

"""Sweeps as a product: a TOML config in, atomically written, resumable results out.

A sweep trains one model on one task for a grid of *static* settings (values that change
shapes, e.g. rank or delay: one compiled population per grid point, a "group") times a
*population* of runs (learning rate x confidence x seed: vmapped inside each group)::

    name = "rank-one learning-rate sweep"
    model = "rank-one"            # rank-one | low-rank | full-rank
    task = "delayed-activation"   # delayed-activation | dcdt | dmts
    optimizer = "sgd"             # sgd | adam
    epochs = 20000
    record_every = 100
    epochs_per_chunk = 5000       # checkpoint granularity
    runs_per_block = 60           # optional: runs per block (default: sized to the cache)
    dtype = "float32"

    [model_settings]              # a list makes a grid axis: rank = [1, 2, 5]
    size = 100

    [task_settings]
    delay = 20

    [population]                  # lists, {logspace = [a, b, n]}, {linspace = ...},
    learning_rates = {logspace = [-4, -1, 30]}   # {range = [start, stop]}
    seeds = {range = [0, 10]}
    confidences = [10.0]

Output directory: ``sweep.json`` (config, groups, seeds, package versions, wall time,
status), ``checkpoints/group-GGG-block-BBB.npz`` (the state after the last completed chunk,
removed when the sweep completes) and ``results.npz`` (every group's recorded metrics and final
parameters; keys ``gGGG__loss``, ``gGGG__final_parameters__m``, ...). Every file is written to
a temporary name and moved into place with ``os.replace``, so a killed sweep never leaves a
half-written file; rerunning the same command resumes from the last completed chunk and ends
with results identical, bit for bit, to an uninterrupted run (same machine and versions).

>>> config = SweepConfig.from_mapping({"model": "rank-one", "epochs": 10,
...     "model_settings": {"size": 8}, "task_settings": {"delay": [3, 4], "response": 3},
...     "population": {"learning_rates": {"logspace": [-2, -1, 2]}, "seeds": {"range": [0, 3]}}})
>>> [group["task_settings"]["delay"] for group in config.groups()], config.population_size
([3, 4], 6)
"""

from __future__ import annotations

import contextlib
import itertools
import math
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import (
    atomic_write_bytes,
    from_json_ready,
    json_ready,
    npz_bytes,
    package_versions,
    read_json,
    write_json,
)
from .._jax import float64, jax
from ..errors import InvalidInputError, require_choice
from ._models import (
    FullRankNetwork,
    FullRankParameters,
    LowRankNetwork,
    LowRankParameters,
    RankOneNetwork,
    RankOneParameters,
)
from ._tasks import TASK_NAMES
from ._training import (
    DTYPES,
    OPTIMIZERS,
    BlockProgress,
    BlockStart,
    PopulationTraining,
    _assemble,
    _finish_block,
    _plan,
    train_block,
)

__all__ = [
    "MODEL_NAMES",
    "SweepConfig",
    "SweepStatus",
    "SweepGroup",
    "SweepResult",
    "build_model",
    "build_task",
    "run_sweep",
    "load_sweep",
    "atomic_write_bytes",
]

MODEL_NAMES = ("rank-one", "low-rank", "full-rank")
_PARAMETER_TYPES = {
    "rank-one": RankOneParameters,
    "low-rank": LowRankParameters,
    "full-rank": FullRankParameters,
}
_TOP_LEVEL = {
    "name",
    "model",
    "task",
    "optimizer",
    "epochs",
    "record_every",
    "epochs_per_chunk",
    "runs_per_block",
    "dtype",
    "snapshot_epochs",
    "model_settings",
    "task_settings",
    "population",
}


def build_task(name: str, settings: Mapping[str, Any] | None = None):
    """A task from its name (``delayed-activation``, ``dcdt``, ``dmts``) and settings.

    >>> build_task("dcdt", {"input_ms": 10, "delay_ms": 50}).steps
    22
    """
    require_choice("task", name, tuple(TASK_NAMES))
    try:
        return TASK_NAMES[name](**dict(settings or {}))
    except TypeError as error:
        raise InvalidInputError(f"bad task_settings for {name!r}: {error}") from None


def build_model(name: str, task, settings: Mapping[str, Any] | None = None):
    """A model from its name and settings, matched to ``task`` (inputs, readout timing).

    ``full-rank`` with a working-memory task is the paper's task RNN
    (:meth:`FullRankNetwork.for_working_memory`); otherwise the delayed-activation RF.

    >>> build_model("full-rank", build_task("dmts")).readout_timing
    'before-update'
    """
    require_choice("model", name, MODEL_NAMES)
    settings = dict(settings or {})
    try:
        if name == "rank-one":
            return RankOneNetwork(**settings)
        if name == "low-rank":
            settings.setdefault("input_size", task.input_size)
            return LowRankNetwork(**settings)
        if task.input_size:
            base = FullRankNetwork.for_working_memory(input_size=task.input_size)
            values = {
                "size": base.size,
                "leak": base.leak,
                "input_size": base.input_size,
                "initialisation": base.initialisation,
                "readout_timing": base.readout_timing,
            }
            values.update(settings)
            return FullRankNetwork(**values)
        return FullRankNetwork(**settings)
    except TypeError as error:
        raise InvalidInputError(f"bad model_settings for {name!r}: {error}") from None


def _expand(name: str, spec, integer: bool = False) -> list:
    """A value spec: scalar, list, {logspace|linspace = [a, b, n]} or {range = [a, b(, step)]}."""
    if isinstance(spec, Mapping):
        if len(spec) != 1:
            raise InvalidInputError(f"{name}: expected one of logspace/linspace/range, got {spec}")
        ((kind, arguments),) = spec.items()
        arguments = list(arguments)
        if kind in ("logspace", "linspace"):
            if len(arguments) != 3:
                raise InvalidInputError(f"{name}: {kind} needs [start, stop, count]")
            function = np.logspace if kind == "logspace" else np.linspace
            values = function(float(arguments[0]), float(arguments[1]), int(arguments[2]))
            return [float(v) for v in values]
        if kind == "range":
            if not 2 <= len(arguments) <= 3:
                raise InvalidInputError(f"{name}: range needs [start, stop(, step)]")
            return list(range(*(int(a) for a in arguments)))
        raise InvalidInputError(f"{name}: unknown spec {kind!r} (logspace, linspace, range)")
    values = list(spec) if isinstance(spec, list | tuple) else [spec]
    if not values:
        raise InvalidInputError(f"{name} must not be empty")
    return [int(v) for v in values] if integer else values


@dataclass(frozen=True)
class SweepConfig:
    """A parsed sweep configuration (see the module docstring for the TOML format)."""

    name: str
    model: str
    task: str
    optimizer: str
    epochs: int
    record_every: int
    epochs_per_chunk: int
    runs_per_block: int | None
    dtype: str
    snapshot_epochs: tuple[int, ...]
    model_settings: Mapping[str, Any]
    task_settings: Mapping[str, Any]
    learning_rates: tuple[float, ...]
    seeds: tuple[int, ...]
    confidences: tuple[float, ...] | None

    @classmethod
    def from_toml(cls, path) -> SweepConfig:
        """Read a TOML file (stdlib ``tomllib``)."""
        path = Path(path)
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise InvalidInputError(f"sweep config {str(path)!r} does not exist") from None
        except tomllib.TOMLDecodeError as error:
            raise InvalidInputError(
                f"sweep config {str(path)!r} is not valid TOML: {error}"
            ) from None
        data.setdefault("name", path.stem)
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SweepConfig:
        """Build and validate a config from a mapping (the parsed TOML)."""
        unknown = set(data) - _TOP_LEVEL
        if unknown:
            raise InvalidInputError(
                f"unknown sweep keys {sorted(unknown)}; known: {sorted(_TOP_LEVEL)}"
            )
        for key in ("model", "epochs", "population"):
            if key not in data:
                raise InvalidInputError(f"sweep config needs {key!r}")
        population = dict(data["population"])
        unknown = set(population) - {"learning_rates", "seeds", "confidences"}
        if unknown:
            raise InvalidInputError(f"unknown population keys {sorted(unknown)}")
        if "learning_rates" not in population:
            raise InvalidInputError("population needs learning_rates")
        epochs = int(data["epochs"])
        record_every = int(data.get("record_every", 1))
        confidences = population.get("confidences")
        config = cls(
            name=str(data.get("name", "sweep")),
            model=require_choice("model", data["model"], MODEL_NAMES),
            task=require_choice("task", data.get("task", "delayed-activation"), tuple(TASK_NAMES)),
            optimizer=require_choice("optimizer", data.get("optimizer", "sgd"), OPTIMIZERS),
            epochs=epochs,
            record_every=record_every,
            epochs_per_chunk=int(data.get("epochs_per_chunk", min(epochs, 5000))),
            runs_per_block=None
            if data.get("runs_per_block") is None
            else int(data["runs_per_block"]),
            dtype=require_choice("dtype", data.get("dtype", "float32"), DTYPES),
            snapshot_epochs=tuple(int(e) for e in data.get("snapshot_epochs", ())),
            model_settings=dict(data.get("model_settings", {})),
            task_settings=dict(data.get("task_settings", {})),
            learning_rates=tuple(
                float(v) for v in _expand("learning_rates", population["learning_rates"])
            ),
            seeds=tuple(_expand("seeds", population.get("seeds", [0]), integer=True)),
            confidences=None
            if confidences is None
            else tuple(float(v) for v in _expand("confidences", confidences)),
        )
        for group in config.groups():  # build every group once: bad settings fail here
            config.plan(group)
        return config

    def to_json(self) -> dict:
        """A JSON-ready dict in the TOML schema (stored in ``sweep.json``, compared on resume).

        >>> config = SweepConfig.from_mapping({"model": "rank-one", "epochs": 4,
        ...     "population": {"learning_rates": [0.1]}})
        >>> SweepConfig.from_mapping(config.to_json()) == config
        True
        """
        return {
            "name": self.name,
            "model": self.model,
            "task": self.task,
            "optimizer": self.optimizer,
            "epochs": self.epochs,
            "record_every": self.record_every,
            "epochs_per_chunk": self.epochs_per_chunk,
            "runs_per_block": self.runs_per_block,
            "dtype": self.dtype,
            "snapshot_epochs": list(self.snapshot_epochs),
            "model_settings": dict(self.model_settings),
            "task_settings": dict(self.task_settings),
            "population": {
                "learning_rates": list(self.learning_rates),
                "seeds": list(self.seeds),
                **({} if self.confidences is None else {"confidences": list(self.confidences)}),
            },
        }

    def groups(self) -> tuple[dict, ...]:
        """The grid of static settings: every combination of list-valued settings."""
        axes = []
        for section in ("model_settings", "task_settings"):
            for key, value in getattr(self, section).items():
                values = value if isinstance(value, list | tuple) else [value]
                axes.append([(section, key, v) for v in values])
        groups = []
        for combination in itertools.product(*axes):
            group = {"model_settings": {}, "task_settings": {}}
            for section, key, value in combination:
                group[section][key] = value
            groups.append(group)
        return tuple(groups)

    @property
    def population_size(self) -> int:
        """Runs per group: learning rates x confidences x seeds."""
        return len(self.learning_rates) * len(self.confidences or [None]) * len(self.seeds)

    def population(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-run (learning rate, seed, confidence), learning rate outermost, seed innermost."""
        confidences = self.confidences or (None,)
        runs = list(itertools.product(self.learning_rates, confidences, self.seeds))
        rates = np.array([run[0] for run in runs])
        seeds = np.array([run[2] for run in runs], dtype=np.int64)
        conf = None if self.confidences is None else np.array([run[1] for run in runs])
        return rates, seeds, conf

    def build(self, group: Mapping) -> tuple[Any, Any]:
        """(model, task) of one group."""
        task = build_task(self.task, group["task_settings"])
        return build_model(self.model, task, group["model_settings"]), task

    def plan(self, group: Mapping):
        model, task = self.build(group)
        rates, seeds, confidences = self.population()
        return _plan(
            model,
            task,
            learning_rates=rates,
            seeds=seeds,
            epochs=self.epochs,
            optimizer=self.optimizer,
            confidences=confidences,
            first_epoch=0,
            record_every=self.record_every,
            snapshot_epochs=self.snapshot_epochs,
            epochs_per_chunk=self.epochs_per_chunk,
            runs_per_block=self.runs_per_block,
            dtype=self.dtype,
            log_canonical_parameter=None,
            initial_parameters=None,
        )


@dataclass(frozen=True)
class SweepStatus:
    """Where a sweep stands after :func:`run_sweep` returns."""

    directory: Path
    complete: bool
    chunks_done: int
    chunks_total: int
    wall_time: float


@dataclass(frozen=True)
class SweepGroup:
    """One grid point of a sweep: its static settings and its trained population."""

    settings: Mapping[str, Any]
    training: PopulationTraining


@dataclass(frozen=True)
class SweepResult:
    """A completed sweep loaded from disk (:func:`load_sweep`)."""

    config: SweepConfig
    groups: tuple[SweepGroup, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)


# --- files --------------------------------------------------------------------------------------
def _checkpoint_path(directory: Path, group: int, block: int) -> Path:
    return directory / "checkpoints" / f"group-{group:03d}-block-{block:03d}.npz"


def _save_checkpoint(path: Path, progress: BlockProgress, names):
    arrays = {"completed_chunks": np.asarray(progress.completed)}
    for index, leaf in enumerate(jax.tree.leaves(progress.state)):
        arrays[f"state_{index}"] = np.asarray(leaf)
    for index, leaf in enumerate(jax.tree.leaves(progress.snapshots)):
        arrays[f"snapshot_{index}"] = np.asarray(leaf)
    for name in names:
        arrays[f"metric_{name}"] = np.concatenate([chunk[name] for chunk in progress.metric_chunks])
    atomic_write_bytes(path, npz_bytes(arrays))


def _load_checkpoint(path: Path, plan, block: int) -> BlockProgress | None:
    """The progress stored for ``block`` (host arrays shaped like its initial state), or None."""
    if not path.exists():
        return None
    template_state, template_snapshots = jax.eval_shape(lambda: plan.initial_block(block))
    with np.load(path) as data:
        completed = int(data["completed_chunks"])
        leaves, treedef = jax.tree.flatten(template_state)
        state = jax.tree.unflatten(treedef, [data[f"state_{i}"] for i in range(len(leaves))])
        leaves, treedef = jax.tree.flatten(template_snapshots)
        snapshots = jax.tree.unflatten(treedef, [data[f"snapshot_{i}"] for i in range(len(leaves))])
        metrics = {name: np.asarray(data[f"metric_{name}"]) for name in plan.engine.metric_names()}
    return BlockProgress(completed, state, snapshots, [metrics])


def _training_arrays(prefix: str, training: PopulationTraining) -> dict:
    arrays = {}
    for name in (
        "learning_rates",
        "seeds",
        "confidences",
        "recorded_epochs",
        "loss",
        "gradient_norm",
        "accuracy",
        "saturation",
        "canonical_parameter",
        "latent_clearance",
        "confidence",
        "minimum_loss",
        "minimum_loss_epoch",
        "maximum_accuracy",
        "diverged",
        "divergence_epoch",
    ):
        value = getattr(training, name)
        if value is not None:
            arrays[f"{prefix}__{name}"] = np.asarray(value)
    for field_name, leaf in zip(
        training.final_parameters._fields, training.final_parameters, strict=True
    ):
        arrays[f"{prefix}__final_parameters__{field_name}"] = np.asarray(leaf)
    if training.snapshots is not None:
        for field_name, leaf in zip(training.snapshots._fields, training.snapshots, strict=True):
            arrays[f"{prefix}__snapshots__{field_name}"] = np.asarray(leaf)
    return arrays


def _write_metadata(
    directory: Path,
    config: SweepConfig,
    status: str,
    wall_time: float,
    chunks_done: int,
    chunks_total: int,
):
    rates, seeds, confidences = config.population()
    metadata = {
        "config": config.to_json(),
        "groups": list(config.groups()),
        "runs_per_group": config.population_size,
        "run_learning_rates": rates.tolist(),
        "run_seeds": seeds.tolist(),
        "run_confidences": None if confidences is None else confidences.tolist(),
        "versions": package_versions(platform_name=True),
        "status": status,
        "wall_time_seconds": wall_time,
        "chunks_done": chunks_done,
        "chunks_total": chunks_total,
    }
    write_json(directory / "sweep.json", metadata)


def _read_metadata(directory: Path) -> dict | None:
    path = directory / "sweep.json"
    if not path.exists():
        return None
    return read_json(path)


# --- running ------------------------------------------------------------------------------------
class _Session:
    """Book-keeping of one call of :func:`run_sweep`: counts, wall time, bar, metadata."""

    def __init__(self, directory, config, done, total, wall_time, progress):
        self.directory, self.config = directory, config
        self.done, self.total, self.previous_wall_time = done, total, wall_time
        self.started = time.perf_counter()
        self.bar = None
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, desc=config.name, unit="chunk")

    @property
    def wall_time(self) -> float:
        return self.previous_wall_time + time.perf_counter() - self.started

    def advance(self, chunks: int) -> None:
        self.done += chunks
        if self.bar is not None:
            self.bar.update(chunks)
        self.write("running")

    def write(self, status: str) -> None:
        _write_metadata(self.directory, self.config, status, self.wall_time, self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check_directory(directory: Path, config: SweepConfig) -> dict | None:
    existing = _read_metadata(directory)
    if existing is not None and existing["config"] != from_json_ready(json_ready(config.to_json())):
        raise InvalidInputError(
            f"{str(directory)!r} holds a different sweep ({existing['config'].get('name')!r}); "
            "use another --out directory"
        )
    return existing


def _completed(start: BlockStart) -> int:
    return 0 if start.resume is None else start.resume.completed


def _run_here(starts, directory, session, max_chunks) -> bool:
    """Run the blocks in this process, checkpointing every chunk; True if interrupted."""
    executed = 0
    for group, start in starts:
        path = _checkpoint_path(directory, group, start.block)
        names = start.plan.engine.metric_names()

        def save(progress, path=path, names=names):
            _save_checkpoint(path, progress, names)
            session.advance(1)

        remaining = len(start.plan.chunk_starts) - _completed(start)
        limit = None if max_chunks is None else max_chunks - executed
        if limit is not None and limit < remaining:
            if limit > 0:
                train_block(start, after_chunk=save, chunk_limit=limit)
            return True
        train_block(start, after_chunk=save)
        executed += remaining
    return False


def _run_on_cluster(starts, directory, session, scheduler) -> None:
    """Run the blocks as tasks on a Dask cluster; each finished block is written on arrival."""
    from ._distributed import run_blocks

    def save(index, progress):
        group, start = starts[index]
        path = _checkpoint_path(directory, group, start.block)
        _save_checkpoint(path, progress, start.plan.engine.metric_names())
        completed = _completed(start)
        session.advance(progress.completed - completed)

    run_blocks([start for _, start in starts], scheduler, on_result=save)


def _write_results(directory: Path, plans, keep_checkpoints: bool) -> None:
    arrays = {}
    for g, plan in enumerate(plans):
        blocks = []
        for block in range(plan.block_count):
            progress = _load_checkpoint(_checkpoint_path(directory, g, block), plan, block)
            blocks.append(
                _finish_block(
                    plan, block, progress.state, progress.snapshots, progress.metric_chunks
                )
            )
        arrays.update(_training_arrays(f"g{g:03d}", _assemble(plan, blocks, 0.0)))
    atomic_write_bytes(directory / "results.npz", npz_bytes(arrays))
    if not keep_checkpoints:
        for g, plan in enumerate(plans):
            for block in range(plan.block_count):
                _checkpoint_path(directory, g, block).unlink(missing_ok=True)


@float64
def run_sweep(
    config: SweepConfig,
    directory,
    *,
    max_chunks: int | None = None,
    progress: bool = True,
    keep_checkpoints: bool = False,
    scheduler: str | None = None,
) -> SweepStatus:
    """Run (or resume) ``config`` into ``directory``; see the module docstring.

    ``max_chunks`` stops after that many chunks in this call (a controlled interruption; the
    next call resumes). A directory holding a different sweep is refused. ``scheduler``: a
    Dask scheduler address (``tcp://host:8786``) or ``local:N`` (a local cluster of N worker
    processes) to run the blocks of runs as tasks there (:mod:`ghostsym.network._distributed`);
    the results are those of a run in this process, bit for bit.
    """
    if scheduler is not None:
        from ._distributed import parse_scheduler

        parse_scheduler(scheduler)  # bad input fails before anything is written
        if max_chunks is not None:
            raise InvalidInputError(
                "--max-chunks stops a sweep run here; it has no --scheduler form"
            )
    directory = Path(directory)
    existing = _check_directory(directory, config)
    plans = [config.plan(group) for group in config.groups()]
    total = sum(plan.block_count * len(plan.chunk_starts) for plan in plans)
    wall_time = float(existing["wall_time_seconds"]) if existing else 0.0
    if existing and existing["status"] == "complete" and (directory / "results.npz").exists():
        return SweepStatus(directory, True, total, total, wall_time)
    starts = []
    for g, plan in enumerate(plans):
        for block in range(plan.block_count):
            resume = _load_checkpoint(_checkpoint_path(directory, g, block), plan, block)
            if resume is None or resume.completed < len(plan.chunk_starts):
                starts.append((g, BlockStart(plan, block, resume=resume)))
    done = total - sum(len(start.plan.chunk_starts) - (_completed(start)) for _, start in starts)
    session = _Session(directory, config, done, total, wall_time, progress)
    session.write("running")
    try:
        if scheduler is None:
            interrupted = _run_here(starts, directory, session, max_chunks)
        else:
            _run_on_cluster(starts, directory, session, scheduler)
            interrupted = False
    finally:
        session.close()
    if interrupted:
        session.write("interrupted")
        return SweepStatus(directory, False, session.done, total, session.wall_time)
    _write_results(directory, plans, keep_checkpoints)
    session.write("complete")
    if not keep_checkpoints:
        with contextlib.suppress(OSError):
            (directory / "checkpoints").rmdir()
    return SweepStatus(directory, True, total, total, session.wall_time)


def load_sweep(directory) -> SweepResult:
    """Load a completed sweep: config, and one :class:`SweepGroup` per grid point.

    Each group's :class:`~ghostsym.network.PopulationTraining` has the recorded metrics, final
    parameters and snapshots; ``final_optimizer_state`` is None (it lives only in checkpoints).
    """
    directory = Path(directory)
    metadata = _read_metadata(directory)
    if metadata is None or metadata.get("status") != "complete":
        state = "missing" if metadata is None else metadata.get("status")
        raise InvalidInputError(f"{str(directory)!r} holds no completed sweep (status: {state})")
    config = SweepConfig.from_mapping(metadata["config"])
    groups = []
    with np.load(directory / "results.npz") as data:
        arrays = {key: data[key] for key in data.files}
    for g, group in enumerate(config.groups()):
        model, task = config.build(group)
        plan = config.plan(group)
        prefix = f"g{g:03d}__"

        def get(name, prefix=prefix):
            return arrays.get(prefix + name)

        parameter_type = _PARAMETER_TYPES[config.model]
        final = parameter_type(
            *(get(f"final_parameters__{name}") for name in parameter_type._fields)
        )
        snapshots = None
        if config.snapshot_epochs:
            snapshots = parameter_type(
                *(get(f"snapshots__{name}") for name in parameter_type._fields)
            )
        training = PopulationTraining(
            model=model,
            task=task,
            optimizer=config.optimizer,
            dtype=config.dtype,
            learning_rates=get("learning_rates"),
            seeds=get("seeds"),
            confidences=get("confidences"),
            epochs=config.epochs,
            first_epoch=0,
            record_every=config.record_every,
            recorded_epochs=get("recorded_epochs"),
            loss=get("loss"),
            gradient_norm=get("gradient_norm"),
            accuracy=get("accuracy"),
            saturation=get("saturation"),
            canonical_parameter=get("canonical_parameter"),
            latent_clearance=get("latent_clearance"),
            confidence=get("confidence"),
            minimum_loss=get("minimum_loss"),
            minimum_loss_epoch=get("minimum_loss_epoch"),
            maximum_accuracy=get("maximum_accuracy"),
            diverged=get("diverged"),
            divergence_epoch=get("divergence_epoch"),
            final_parameters=final,
            final_optimizer_state=None,
            snapshot_epochs=plan.snapshot_epochs,
            snapshots=snapshots,
            wall_time=float(metadata.get("wall_time_seconds", math.nan)),
        )
        groups.append(SweepGroup(group, training))
    return SweepResult(config, tuple(groups), metadata)

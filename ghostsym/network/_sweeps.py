"""Sweeps as a product: a TOML config in, atomically written, resumable results out.

A sweep trains one model on one task for a grid of *static* settings (values that change
shapes, e.g. rank or delay: one compiled population per grid point, a "group") times a
*population* of runs (learning rate x confidence x seed: vmapped inside each group). The TOML
format is :data:`EXAMPLE_CONFIG` (printed by ``ghostsym sweep --example``, every key
commented); :meth:`SweepConfig.from_toml` refuses unknown keys, wrong types, non-finite or
out-of-range values and an empty grid, naming the key.

Output directory: ``sweep.json`` (config, groups, seeds, package versions, wall time,
``status``: running, interrupted or complete), ``checkpoints/group-GGG-block-BBB.npz`` (the
state after the last completed chunk, removed when the sweep completes), ``results.npz`` (every
group's recorded metrics and final parameters; keys ``gGGG__loss``,
``gGGG__final_parameters__m``, ...) and the manifest of the files ghostsym wrote
(:data:`ghostsym._io.MANIFEST_NAME`): a directory holding anything else is refused unless
``force``. Every file is written to a temporary name and moved into place with
``os.replace``, so a killed sweep never leaves a half-written file; rerunning the same command
resumes from the last completed chunk (a corrupt or changed checkpoint is recomputed, with a
warning) and ends with results identical, bit for bit, to an uninterrupted run (same machine
and versions).

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
import threading
import time
import tomllib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import (
    OutputManifest,
    atomic_write_bytes,
    check_output_directory,
    from_json_ready,
    json_ready,
    npz_bytes,
    open_output_directory,
    package_versions,
    read_json,
    warn,
)
from .._jax import float64, jax
from ..errors import GhostsymError, InvalidInputError, require_choice
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
    _checked_threads,
    _finish_block,
    _plan,
    run_in_threads,
    thread_count,
    train_block,
)

__all__ = [
    "EXAMPLE_CONFIG",
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
_POPULATION = {"learning_rates", "seeds", "confidences"}

#: A commented sweep config, accepted as it is (``ghostsym sweep --example``).
EXAMPLE_CONFIG = """\
# A ghostsym sweep: one model trained on one task, for every combination of the list-valued
# model_settings and task_settings (the "groups"), each with a population of runs
# (learning rates x confidences x seeds). Run it, or resume it after an interruption, with
#     ghostsym sweep THIS-FILE.toml --out DIR
# Keys not shown here are refused; so are wrong types, NaN or inf, and values out of range.

name = "rank-one learning-rate sweep"  # shown in messages (default: the file name)
model = "rank-one"            # required: rank-one | low-rank | full-rank
task = "delayed-activation"   # delayed-activation (default) | dcdt | dmts
optimizer = "sgd"             # sgd (default) | adam
epochs = 2000                 # required: training epochs of every run, 1 .. 1e9
record_every = 100            # record the metrics every this many epochs (default 1);
                              # epochs must be a multiple of it
epochs_per_chunk = 500        # checkpoint after every this many epochs (default
                              # min(epochs, 5000)); an interrupted sweep resumes from there
# runs_per_block = 60         # runs trained together (default: sized to the CPU cache)
dtype = "float32"             # float32 (default) | float64
snapshot_epochs = [0, 1000]   # also store the parameters at these epochs (default: none)

[model_settings]              # keyword arguments of the model; a list makes a grid axis
size = 100                    # rank-one: size, leak, threshold, trainable_confidence

[task_settings]               # keyword arguments of the task; a list makes a grid axis
delay = [10, 20]              # delayed-activation: delay, response, initial_state, noise, trials
response = 20

[population]                  # the runs of every group: learning rate x confidence x seed
learning_rates = {logspace = [-3, -1, 5]}  # required, each > 0: a list such as [0.01, 0.1],
                              # {logspace = [a, b, n]} (n values from 1e-3 to 1e-1 here) or
                              # {linspace = [start, stop, n]}
seeds = {range = [0, 4]}      # integers 0 .. 2**32 - 1: a list or {range = [start, stop]}
                              # (stop excluded, optional third entry: step); default [0]
# confidences = [10.0]        # output confidence c of each run, > 0 (inf allowed); default:
                              # the model's own
"""


def build_task(name: str, settings: Mapping[str, Any] | None = None):
    """A task from its name (``delayed-activation``, ``dcdt``, ``dmts``) and settings.

    >>> build_task("dcdt", {"input_ms": 10, "delay_ms": 50}).steps
    22
    """
    require_choice("task", name, tuple(TASK_NAMES))
    try:
        return TASK_NAMES[name](**dict(settings or {}))
    except (TypeError, ValueError, ArithmeticError) as error:
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
    except (TypeError, ValueError, ArithmeticError) as error:
        raise InvalidInputError(f"bad model_settings for {name!r}: {error}") from None


#: Largest epoch count, seed and number of values a config may ask for (a typo such as an
#: extra zero should fail at once, not after the machine runs out of memory).
MAXIMUM_EPOCHS = 10**9
MAXIMUM_SEED = 2**32 - 1
MAXIMUM_VALUES = 10**6
#: Largest sweep config file read (bytes).
MAXIMUM_CONFIG_BYTES = 1 << 20
_SCALAR = (bool, int, float, str)


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _integer(key: str, value, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidInputError(f"{key} must be an integer, got {_describe(value)}")
    if not minimum <= int(value) <= maximum:
        raise InvalidInputError(f"{key} must be an integer in [{minimum}, {maximum}], got {value}")
    return int(value)


def _number(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InvalidInputError(f"{key} must be a number, got {_describe(value)}")
    if not math.isfinite(float(value)):
        raise InvalidInputError(f"{key} must be a finite number, got {value}")
    return float(value)


def _string(key: str, value) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{key} must be a string, got {_describe(value)}")
    return value


def _table(key: str, value) -> Mapping:
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{key} must be a table ([{key}]), got {_describe(value)}")
    return value


def _expand(name: str, spec, integer: bool = False) -> list:
    """A value spec: scalar, list, {logspace|linspace = [a, b, n]} or {range = [a, b(, step)]}."""
    if isinstance(spec, Mapping):
        if len(spec) != 1:
            raise InvalidInputError(
                f"{name} must be a list or one of {{logspace|linspace|range = [...]}}, "
                f"got {_describe(dict(spec))}"
            )
        ((kind, arguments),) = spec.items()
        if kind not in ("logspace", "linspace", "range"):
            raise InvalidInputError(
                f"{name}: unknown spec {kind!r}; expected logspace, linspace or range"
            )
        key = f"{name}.{kind}"
        if not isinstance(arguments, list | tuple):
            raise InvalidInputError(f"{key} must be a list, got {_describe(arguments)}")
        if kind in ("logspace", "linspace"):
            if len(arguments) != 3:
                raise InvalidInputError(f"{key} must be [start, stop, count], got {arguments}")
            first = _number(f"{key}[0]", arguments[0])
            last = _number(f"{key}[1]", arguments[1])
            count = _integer(f"{key}[2] (count)", arguments[2], 1, MAXIMUM_VALUES)
            function = np.logspace if kind == "logspace" else np.linspace
            with np.errstate(over="ignore"):
                values = [float(v) for v in function(first, last, count)]
        else:
            if not 2 <= len(arguments) <= 3:
                raise InvalidInputError(f"{key} must be [start, stop] or [start, stop, step]")
            bounds = [
                _integer(f"{key}[{i}]", a, -MAXIMUM_SEED, MAXIMUM_SEED)
                for i, a in enumerate(arguments)
            ]
            if len(bounds) == 3 and bounds[2] == 0:
                raise InvalidInputError(f"{key}: step must not be 0")
            numbers = range(*bounds)
            if len(numbers) > MAXIMUM_VALUES:
                raise InvalidInputError(
                    f"{key} gives {len(numbers)} values; at most {MAXIMUM_VALUES}"
                )
            values = list(numbers)
    elif isinstance(spec, list | tuple):
        if len(spec) > MAXIMUM_VALUES:
            raise InvalidInputError(f"{name} has {len(spec)} values; at most {MAXIMUM_VALUES}")
        values = list(spec)
    else:
        values = [spec]
    if not values:
        raise InvalidInputError(f"{name} gives no values; the sweep would be empty")
    if integer:
        return [_integer(f"{name} value", v, 0, MAXIMUM_SEED) for v in values]
    return values


def _positive_values(name: str, spec, allow_infinity: bool = False) -> tuple[float, ...]:
    values = []
    for value in _expand(name, spec):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(f"{name} values must be numbers, got {_describe(value)}")
        number = float(value)
        bad = math.isnan(number) or number <= 0 or (math.isinf(number) and not allow_infinity)
        if bad:
            expected = "> 0 (inf allowed)" if allow_infinity else "finite and > 0"
            raise InvalidInputError(f"{name} values must be {expected}, got {value}")
        values.append(number)
    return tuple(values)


def _settings(section: str, value) -> dict:
    """A model_settings/task_settings table: name -> scalar or non-empty list of scalars."""
    table = dict(_table(section, value))
    for key, item in table.items():
        items = item if isinstance(item, list | tuple) else [item]
        if isinstance(item, list | tuple) and not item:
            raise InvalidInputError(
                f"{section}.{key} is an empty list; the grid would be empty (a list makes a "
                "grid axis: give at least one value)"
            )
        for element in items:
            if not isinstance(element, _SCALAR):
                raise InvalidInputError(
                    f"{section}.{key} must be a number, string, boolean or a list of them, "
                    f"got {_describe(item)}"
                )
            if isinstance(element, float) and not math.isfinite(element):
                raise InvalidInputError(f"{section}.{key} must be finite, got {element}")
    return table


@dataclass(frozen=True)
class SweepConfig:
    """A parsed sweep configuration (``ghostsym sweep --example`` prints a commented one).

    The grid of groups is every combination of the list-valued ``model_settings`` and
    ``task_settings``; each group trains ``len(learning_rates) x len(confidences) x len(seeds)``
    runs (:attr:`population_size`).
    """

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
        """Read a TOML file (stdlib ``tomllib``); every problem is one
        :class:`~ghostsym.errors.InvalidInputError` naming the file and what was expected.

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.toml"
        >>> _ = path.write_text(EXAMPLE_CONFIG)
        >>> SweepConfig.from_toml(path).model
        'rank-one'
        """
        path = Path(path)
        shown = f"sweep config {str(path)!r}"
        try:
            if path.is_dir():
                raise InvalidInputError(f"{shown} is a directory, expected a TOML file")
            if path.exists() and not path.is_file():
                raise InvalidInputError(f"{shown} is not a regular file, expected a TOML file")
            with path.open("rb") as handle:
                raw = handle.read(MAXIMUM_CONFIG_BYTES + 1)
        except FileNotFoundError:
            raise InvalidInputError(f"{shown} does not exist") from None
        except OSError as error:
            raise InvalidInputError(f"{shown} cannot be read ({error.strerror or error})") from None
        if len(raw) > MAXIMUM_CONFIG_BYTES:
            raise InvalidInputError(
                f"{shown} is larger than {MAXIMUM_CONFIG_BYTES} bytes; expected a TOML file"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(
                f"{shown} is not UTF-8 text (a binary file?); expected a TOML file"
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InvalidInputError(f"{shown} is not valid TOML: {error}") from None
        data.setdefault("name", path.stem)
        try:
            return cls.from_mapping(data)
        except InvalidInputError as error:
            raise InvalidInputError(f"{shown}: {error}") from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SweepConfig:
        """Build and validate a config from a mapping (the parsed TOML); a bad key or value
        raises :class:`~ghostsym.errors.InvalidInputError` naming the key.

        >>> SweepConfig.from_mapping({"model": "rank-one", "epochs": -5,
        ...     "population": {"learning_rates": [0.1]}})
        Traceback (most recent call last):
        ...
        ghostsym.errors.InvalidInputError: epochs must be an integer in [1, 1000000000], got -5
        """
        data = _table("sweep config", data)
        unknown = sorted(str(key) for key in set(data) - _TOP_LEVEL)
        if unknown:
            raise InvalidInputError(
                f"unknown sweep key {unknown[0]!r}; known: {', '.join(sorted(_TOP_LEVEL))}"
            )
        for key in ("model", "epochs", "population"):
            if key not in data:
                raise InvalidInputError(f"sweep config needs the key {key!r}")
        population = _table("population", data["population"])
        unknown = sorted(str(key) for key in set(population) - _POPULATION)
        if unknown:
            raise InvalidInputError(
                f"unknown key population.{unknown[0]}; known: {', '.join(sorted(_POPULATION))}"
            )
        if "learning_rates" not in population:
            raise InvalidInputError("population needs the key 'learning_rates'")
        epochs = _integer("epochs", data["epochs"], 1, MAXIMUM_EPOCHS)
        record_every = _integer("record_every", data.get("record_every", 1), 1, epochs)
        epochs_per_chunk = _integer(
            "epochs_per_chunk", data.get("epochs_per_chunk", min(epochs, 5000)), 1, epochs
        )
        runs_per_block = data.get("runs_per_block")
        if runs_per_block is not None:
            runs_per_block = _integer("runs_per_block", runs_per_block, 1, MAXIMUM_VALUES)
        snapshots = data.get("snapshot_epochs", ())
        if not isinstance(snapshots, list | tuple):
            raise InvalidInputError(
                f"snapshot_epochs must be a list of epochs, got {_describe(snapshots)}"
            )
        confidences = population.get("confidences")
        config = cls(
            name=_string("name", data.get("name", "sweep")),
            model=require_choice("model", _string("model", data["model"]), MODEL_NAMES),
            task=require_choice(
                "task",
                _string("task", data.get("task", "delayed-activation")),
                tuple(TASK_NAMES),
            ),
            optimizer=require_choice(
                "optimizer", _string("optimizer", data.get("optimizer", "sgd")), OPTIMIZERS
            ),
            epochs=epochs,
            record_every=record_every,
            epochs_per_chunk=epochs_per_chunk,
            runs_per_block=runs_per_block,
            dtype=require_choice("dtype", _string("dtype", data.get("dtype", "float32")), DTYPES),
            snapshot_epochs=tuple(
                _integer("snapshot_epochs value", e, 0, epochs) for e in snapshots
            ),
            model_settings=_settings("model_settings", data.get("model_settings", {})),
            task_settings=_settings("task_settings", data.get("task_settings", {})),
            learning_rates=_positive_values(
                "population.learning_rates", population["learning_rates"]
            ),
            seeds=tuple(_expand("population.seeds", population.get("seeds", [0]), integer=True)),
            confidences=None
            if confidences is None
            else _positive_values("population.confidences", confidences, allow_infinity=True),
        )
        if config.population_size > MAXIMUM_VALUES:
            raise InvalidInputError(
                f"population: {config.population_size} runs per group; at most {MAXIMUM_VALUES}"
            )
        groups = config.groups()
        if len(groups) > 10_000:
            raise InvalidInputError(f"the settings give {len(groups)} groups; at most 10000")
        for group in groups:  # build every group once: bad settings fail here
            try:
                config.plan(group)
            except InvalidInputError as error:
                if len(groups) == 1:
                    raise
                settings = ", ".join(
                    f"{section}.{key} = {value!r}"
                    for section in ("model_settings", "task_settings")
                    for key, value in group[section].items()
                )
                raise InvalidInputError(f"{error} (group {settings or 'defaults'})") from None
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
#: The command name recorded in the manifest of a sweep's directory.
_COMMAND = "sweep"
_CHECKPOINTS = "checkpoints/"


def _checkpoint_path(directory: Path, group: int, block: int) -> Path:
    return directory / "checkpoints" / f"group-{group:03d}-block-{block:03d}.npz"


def _save_checkpoint(path: Path, progress: BlockProgress, names, manifest: OutputManifest):
    arrays = {"completed_chunks": np.asarray(progress.completed)}
    for index, leaf in enumerate(jax.tree.leaves(progress.state)):
        arrays[f"state_{index}"] = np.asarray(leaf)
    for index, leaf in enumerate(jax.tree.leaves(progress.snapshots)):
        arrays[f"snapshot_{index}"] = np.asarray(leaf)
    for name in names:
        arrays[f"metric_{name}"] = np.concatenate([chunk[name] for chunk in progress.metric_chunks])
    manifest.write_bytes(path, npz_bytes(arrays))


def _leaves_like(data, prefix: str, template) -> list:
    """The stored leaves ``prefix_0, prefix_1, ...``, checked against the template's shapes."""
    leaves = []
    for index, expected in enumerate(jax.tree.leaves(template)):
        leaf = data[f"{prefix}_{index}"]
        if leaf.shape != tuple(expected.shape) or leaf.dtype != expected.dtype:
            raise ValueError(
                f"{prefix}_{index} is {leaf.dtype}{list(leaf.shape)}, expected "
                f"{expected.dtype}{list(expected.shape)}"
            )
        leaves.append(leaf)
    return leaves


def _load_checkpoint(path: Path, plan, block: int) -> BlockProgress | None:
    """The progress stored for ``block`` (host arrays shaped like its initial state), or None.

    Raises ``ValueError`` when the file cannot be read or does not fit the plan (see
    :func:`_resume_point`).
    """
    if not path.exists():
        return None
    template_state, template_snapshots = jax.eval_shape(lambda: plan.initial_block(block))
    try:
        with np.load(path, allow_pickle=False) as data:
            completed = int(data["completed_chunks"])
            if not 0 <= completed <= len(plan.chunk_starts):
                raise ValueError(f"completed_chunks = {completed} is out of range")
            state = jax.tree.unflatten(
                jax.tree.structure(template_state), _leaves_like(data, "state", template_state)
            )
            snapshots = jax.tree.unflatten(
                jax.tree.structure(template_snapshots),
                _leaves_like(data, "snapshot", template_snapshots),
            )
            metrics = {
                name: np.asarray(data[f"metric_{name}"]) for name in plan.engine.metric_names()
            }
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None
    return BlockProgress(completed, state, snapshots, [metrics])


def _resume_point(path: Path, plan, block: int, manifest: OutputManifest, changed) -> Any:
    """The stored progress of a block, or None; a corrupt or changed checkpoint is removed
    (with a warning) so that its block restarts from the beginning."""
    relative = path.relative_to(manifest.directory).as_posix()
    problem = "it changed since ghostsym wrote it" if relative in changed else ""
    progress = None
    if not problem:
        try:
            progress = _load_checkpoint(path, plan, block)
        except ValueError as error:
            problem = f"it is unreadable ({error})"
    if problem:
        warn(f"checkpoint {relative} is not used: {problem}; its block restarts from the start")
        path.unlink(missing_ok=True)
        manifest.forget([path])
        changed.discard(relative)
    return progress


def _chunks_on_disk(directory: Path, plans) -> int:
    """Chunks completed according to the checkpoints on disk (an unreadable one counts 0)."""
    done = 0
    for g, plan in enumerate(plans):
        for block in range(plan.block_count):
            path = _checkpoint_path(directory, g, block)
            try:
                with np.load(path, allow_pickle=False) as data:
                    done += min(int(data["completed_chunks"]), len(plan.chunk_starts))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                continue
    return done


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
    manifest: OutputManifest,
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
    manifest.write_json(manifest.directory / "sweep.json", metadata)


def _read_metadata(directory: Path) -> dict | None:
    path = directory / "sweep.json"
    if not path.exists():
        return None
    try:
        metadata = read_json(path)
    except (OSError, ValueError) as error:
        raise InvalidInputError(f"{str(path)!r} is not a sweep record ({error})") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("config"), dict):
        raise InvalidInputError(f"{str(path)!r} is not a sweep record (no config)")
    return metadata


# --- running ------------------------------------------------------------------------------------
class _Session:
    """Book-keeping of one call of :func:`run_sweep`: counts, wall time, bar, metadata."""

    def __init__(self, manifest, config, done, total, wall_time, progress):
        self.manifest, self.config = manifest, config
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
        _write_metadata(self.manifest, self.config, status, self.wall_time, self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check_directory(directory: Path, config: SweepConfig, force: bool):
    """(existing metadata or None, changed checkpoints) of ``directory``; refuses, before any
    computing, a place ghostsym may not write (:func:`ghostsym._io.check_output_directory`) and
    a directory holding a different sweep."""
    check = check_output_directory(directory, command=_COMMAND, force=force, stored=(_CHECKPOINTS,))
    try:
        existing = _read_metadata(directory) if check.exists else None
    except InvalidInputError:
        if not force:
            raise
        existing = None
    if existing is not None and existing["config"] != from_json_ready(json_ready(config.to_json())):
        raise InvalidInputError(
            f"--out {directory}: holds a different sweep ({existing['config'].get('name')!r}); "
            "use another --out directory"
        )
    return check, existing


def _completed(start: BlockStart) -> int:
    return 0 if start.resume is None else start.resume.completed


def _run_here(starts, manifest, session, max_chunks, threads) -> bool:
    """Run the blocks in this process, ``threads`` blocks at a time, checkpointing every chunk;
    True if ``max_chunks`` stopped the sweep.

    ``max_chunks`` is shared out in block order, as one block after another would spend it,
    so the checkpoints on disk do not depend on the thread count. Checkpoints and
    ``sweep.json`` are written by one thread at a time (a lock), each atomically.
    """
    jobs, executed, interrupted = [], 0, False
    for group, start in starts:
        remaining = len(start.plan.chunk_starts) - _completed(start)
        limit = None if max_chunks is None else max_chunks - executed
        if limit is not None and limit < remaining:
            interrupted = True
            if limit > 0:
                jobs.append((group, start, limit))
            break
        jobs.append((group, start, None))
        executed += remaining
    writing = threading.Lock()

    def work(job, stop_point):
        group, start, limit = job
        path = _checkpoint_path(manifest.directory, group, start.block)
        names = start.plan.engine.metric_names()

        def save(progress):
            with writing:
                _save_checkpoint(path, progress, names, manifest)
                session.advance(1)
            stop_point()  # after the checkpoint: a stopped sweep resumes from this chunk

        train_block(start, after_chunk=save, chunk_limit=limit)

    run_in_threads(work, jobs, thread_count(threads, len(jobs)))
    return interrupted


def _run_on_cluster(starts, manifest, session, scheduler) -> None:
    """Run the blocks as tasks on a Dask cluster; each finished block is written on arrival."""
    from ._distributed import run_blocks

    def save(index, progress):
        group, start = starts[index]
        path = _checkpoint_path(manifest.directory, group, start.block)
        _save_checkpoint(path, progress, start.plan.engine.metric_names(), manifest)
        completed = _completed(start)
        session.advance(progress.completed - completed)

    run_blocks([start for _, start in starts], scheduler, on_result=save)


def _write_results(manifest: OutputManifest, plans, keep_checkpoints: bool) -> None:
    directory = manifest.directory
    arrays = {}
    for g, plan in enumerate(plans):
        blocks = []
        for block in range(plan.block_count):
            try:
                progress = _load_checkpoint(_checkpoint_path(directory, g, block), plan, block)
            except ValueError as error:  # it was read a moment ago: the disk changed under us
                raise GhostsymError(f"checkpoint of group {g} block {block}: {error}") from None
            blocks.append(
                _finish_block(
                    plan, block, progress.state, progress.snapshots, progress.metric_chunks
                )
            )
        arrays.update(_training_arrays(f"g{g:03d}", _assemble(plan, blocks, 0.0)))
    manifest.write_bytes(directory / "results.npz", npz_bytes(arrays))
    if not keep_checkpoints:
        paths = [
            _checkpoint_path(directory, g, block)
            for g, plan in enumerate(plans)
            for block in range(plan.block_count)
        ]
        for path in paths:
            path.unlink(missing_ok=True)
        manifest.forget(paths)


@float64
def run_sweep(
    config: SweepConfig,
    directory,
    *,
    max_chunks: int | None = None,
    progress: bool = True,
    keep_checkpoints: bool = False,
    scheduler: str | None = None,
    force: bool = False,
    threads: int | None = None,
) -> SweepStatus:
    """Run (or resume) ``config`` into ``directory``; see the module docstring.

    ``max_chunks`` stops after that many chunks in this call (a controlled interruption; the
    next call resumes). Refused before any computing: a directory holding a different sweep,
    a path naming a file or an unwritable place, and (unless ``force``) a directory holding
    files ghostsym did not write there or that changed since (``results.npz``,
    ``sweep.json``); a changed or corrupt checkpoint is recomputed with a warning. On
    ``KeyboardInterrupt``, ``sweep.json`` records ``status: "interrupted"`` and the interrupt is
    re-raised. ``scheduler``: a Dask scheduler address (``tcp://host:8786``) or ``local:N`` (a
    local cluster of N worker processes) to run the blocks of runs as tasks there
    (:mod:`ghostsym.network._distributed`); the results are those of a run in this process, bit
    for bit. ``threads``: blocks trained at the same time in this process (default:
    :func:`~ghostsym.network.training_threads`' setting, else the CPUs this process may use);
    the results do not depend on it.
    """
    threads = _checked_threads(threads, "--threads")
    if scheduler is not None and threads is not None:
        raise InvalidInputError(
            "--threads does not apply with --scheduler: the cluster's workers train the blocks"
        )
    if scheduler is not None:
        from ._distributed import parse_scheduler

        parse_scheduler(scheduler)  # bad input fails before anything is written
        if max_chunks is not None:
            raise InvalidInputError(
                "--max-chunks stops a sweep run here; it has no --scheduler form"
            )
    if max_chunks is not None and (isinstance(max_chunks, bool) or max_chunks < 0):
        raise InvalidInputError(f"--max-chunks must be an integer >= 0, got {max_chunks!r}")
    directory = Path(directory)
    check, existing = _check_directory(directory, config, force)
    plans = [config.plan(group) for group in config.groups()]
    if not plans:
        raise InvalidInputError(f"sweep {config.name!r} has no groups: nothing to run")
    total = sum(plan.block_count * len(plan.chunk_starts) for plan in plans)
    wall_time = float(existing.get("wall_time_seconds", 0.0)) if existing else 0.0
    manifest = open_output_directory(directory, command=_COMMAND, force=force, check=check)
    results = directory / "results.npz"
    if existing and existing.get("status") == "complete" and manifest.matches(results):
        return SweepStatus(directory, True, total, total, wall_time)
    changed = set(check.changed)
    starts = []
    for g, plan in enumerate(plans):
        for block in range(plan.block_count):
            path = _checkpoint_path(directory, g, block)
            resume = _resume_point(path, plan, block, manifest, changed)
            if resume is None or resume.completed < len(plan.chunk_starts):
                starts.append((g, BlockStart(plan, block, resume=resume)))
    done = total - sum(len(start.plan.chunk_starts) - (_completed(start)) for _, start in starts)
    session = _Session(manifest, config, done, total, wall_time, progress)
    try:
        session.write("running")
        if scheduler is None:
            interrupted = _run_here(starts, manifest, session, max_chunks, threads)
        else:
            _run_on_cluster(starts, manifest, session, scheduler)
            interrupted = False
        if interrupted:
            session.write("interrupted")
            return SweepStatus(directory, False, session.done, total, session.wall_time)
        _write_results(manifest, plans, keep_checkpoints)
        session.write("complete")
    except KeyboardInterrupt:  # record, then let the interrupt go on
        session.done = max(session.done, _chunks_on_disk(directory, plans))
        session.write("interrupted")
        raise
    finally:
        session.close()
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

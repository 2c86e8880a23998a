"""Experiments: one function per paper figure or claim, each returning an ExperimentOutcome.

Each experiment module lists its experiments in a module-level tuple ``EXPERIMENTS`` of
:class:`Experiment`; :func:`all_experiments` collects them in report order. The report, the
CLI and the notebooks call the same functions at ``"quick"`` or ``"full"`` scale.

>>> from ghostsym.experiments import Experiment, SCALES
>>> SCALES
('quick', 'full')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InvalidInputError
from ._claims import (
    CLAIM_KINDS,
    VERDICTS,
    Claim,
    ExperimentOutcome,
    boolean_claim,
    compare_claim,
    not_run,
)

__all__ = [
    "Experiment",
    "SCALES",
    "EXPERIMENT_MODULES",
    "all_experiments",
    "get_experiment",
    "VERDICTS",
    "CLAIM_KINDS",
    "Claim",
    "ExperimentOutcome",
    "boolean_claim",
    "compare_claim",
    "not_run",
]

SCALES = ("quick", "full")

#: Modules holding experiments, in the order the report shows them.
EXPERIMENT_MODULES: tuple[str, ...] = (
    "ghostsym.experiments.theory",
    "ghostsym.experiments.reduction",
    "ghostsym.experiments.networks",
    "ghostsym.experiments.ghosts",
    "ghostsym.experiments.transitions",
)


@dataclass(frozen=True)
class Experiment:
    """A named, runnable experiment.

    Attributes:
        name: identifier used in file names and on the command line.
        title: section title in the report.
        run: ``run(scale, seed) -> ExperimentOutcome``; ``scale`` is ``"quick"`` or ``"full"``.
        figure: ``"module:function"`` of a plotting function ``(outcome, directory) -> list[Path]``
            in ``ghostsym.plotting`` (imported only when figures are drawn), or ``""``.
    """

    name: str
    title: str
    run: Callable[[str, int], ExperimentOutcome]
    figure: str = ""


def all_experiments() -> tuple[Experiment, ...]:
    """Every registered experiment, in report order."""
    found: list[Experiment] = []
    for module_name in EXPERIMENT_MODULES:
        found.extend(importlib.import_module(module_name).EXPERIMENTS)
    return tuple(found)


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; the error lists the known names."""
    experiments = {experiment.name: experiment for experiment in all_experiments()}
    if name not in experiments:
        known = ", ".join(sorted(experiments)) or "none registered"
        raise InvalidInputError(f"unknown experiment {name!r}; known: {known}")
    return experiments[name]

"""Experiments: one function per paper figure or claim, each returning an ExperimentOutcome.

An experiment is a function ``body(scale, seed, **options) -> Findings`` decorated with
:func:`experiment`, which supplies its name, title, figure and cost once, checks the scale,
times the run and records the scale and seed in the outcome's config. Each experiment module
lists its experiments in a module-level tuple ``EXPERIMENTS`` of :class:`Experiment` (a
decorated function carries its own as ``run.experiment``); :func:`all_experiments` collects
them in report order. The report, the CLI and the notebooks call the same functions at
``"quick"`` or ``"full"`` scale.

>>> from ghostsym.experiments import Experiment, SCALES
>>> SCALES
('quick', 'full')
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from ..errors import InvalidInputError, require_choice
from ._claims import (
    CLAIM_KINDS,
    VERDICTS,
    Claim,
    ClaimFormula,
    ExperimentOutcome,
    Findings,
    boolean_claim,
    compare_claim,
    fraction_claim,
    fraction_text,
    not_run,
    wilson_interval,
)
from ._oracles import (
    blow_up_time_by_ode,
    crossing_time,
    exact_latent_canonical_parameter,
    fitted_slope,
)
from ._tolerances import TOLERANCES, Tolerance, tolerance

__all__ = [
    "Experiment",
    "Scale",
    "SCALES",
    "NO_TRAINING",
    "experiment",
    "Findings",
    "blow_up_time_by_ode",
    "crossing_time",
    "exact_latent_canonical_parameter",
    "fitted_slope",
    "EXPERIMENT_MODULES",
    "all_experiments",
    "get_experiment",
    "VERDICTS",
    "CLAIM_KINDS",
    "Claim",
    "ClaimFormula",
    "ExperimentOutcome",
    "boolean_claim",
    "compare_claim",
    "not_run",
    "fraction_claim",
    "fraction_text",
    "wilson_interval",
    "Tolerance",
    "TOLERANCES",
    "tolerance",
]

#: The scales every experiment runs at: ``"quick"`` (minutes) and ``"full"`` (the paper's).
Scale = Literal["quick", "full"]
SCALES: tuple[str, ...] = get_args(Scale)

#: The cost of an experiment that trains no network.
NO_TRAINING: Mapping[str, int] = {"quick": 0, "full": 0}

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
        cost: network-epochs per scale (``{"quick": ..., "full": ...}``: networks trained times
            epochs each); :data:`NO_TRAINING` for experiments that train no network; empty when
            not declared.
    """

    name: str
    title: str
    run: Callable[[str, int], ExperimentOutcome]
    figure: str = ""
    cost: Mapping[str, int] = field(default_factory=dict)


def experiment(
    *, name: str, title: str, figure: str = "", cost: Mapping[str, int] | None = None
) -> Callable:
    """Decorate ``body(scale, seed, **options) -> Findings`` into a registered experiment.

    The decorated function ``run(scale="quick", seed=0, **options)`` checks ``scale`` against
    :data:`SCALES`, times the body and returns an :class:`ExperimentOutcome` with ``name``,
    ``title``, the body's findings, ``config = {"scale", "seed", **findings.config}`` and the
    wall time; ``run.experiment`` is its :class:`Experiment`.

    >>> @experiment(name="demo", title="Demo")
    ... def run_demo(scale, seed):
    ...     return Findings((compare_claim("2 + 2", 4, 2 + 2, atol=0),), config={"x": 1})
    >>> outcome = run_demo("quick", 3)
    >>> outcome.title, outcome.config, run_demo.experiment.name
    ('Demo', {'scale': 'quick', 'seed': 3, 'x': 1}, 'demo')
    >>> run_demo("huge")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: scale must be one of 'quick', 'full', got 'huge'
    """
    costs = dict(cost or {})
    unknown = sorted(set(costs) - set(SCALES))
    if unknown:
        raise InvalidInputError(f"cost scales must be among {SCALES}, got {unknown}")

    def decorate(body: Callable[..., Findings]) -> Callable[..., ExperimentOutcome]:
        @functools.wraps(body)
        def run(scale: Scale = "quick", seed: int = 0, **options) -> ExperimentOutcome:
            require_choice("scale", scale, SCALES)
            started = time.perf_counter()
            findings = body(scale, seed, **options)
            if not isinstance(findings, Findings):
                raise TypeError(f"{name}: the body must return Findings, got {type(findings)}")
            return ExperimentOutcome(
                name,
                title,
                tuple(findings.claims),
                numbers=dict(findings.numbers),
                arrays=dict(findings.arrays),
                config={"scale": scale, "seed": seed, **findings.config},
                wall_time=time.perf_counter() - started,
            )

        run.experiment = Experiment(name, title, run, figure, costs)
        return run

    return decorate


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

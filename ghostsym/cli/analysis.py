"""``ghostsym analyse``: the ghost-analysis experiments of trained networks, with figures.

    ghostsym analyse rank-one-flow-scan [--scale quick|full] [--seed N] [--out DIR]
                     [--format text|json]   (f(kappa) through training, the paper's Fig. 3)
    ghostsym analyse ghosts-precede-transitions   (Figs. 4 and 5: low-rank and full-rank)
    ghostsym analyse learning-rate-law ...
    ghostsym analyse mitigations ...           (rank, confidence and readout-cap mitigations)
    ghostsym analyse network-slow-points ...   (constructed ghost and node-saddle pair)

Prints every claim (theory, measured, verdict) and the headline numbers; with ``--out`` also
draws the figures into DIR (PNG and PDF) and lists them. DIR keeps a manifest of the files
ghostsym wrote; a DIR holding anything else is refused before any computing, unless ``--force``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._common import add_format_argument, emit, require_format, seed

#: Names accepted on the command line and the experiments each one runs.
TARGETS = {
    "network-slow-points": ("network-slow-points",),
    "rank-one-flow-scan": ("rank-one-flow-scan",),
    "ghosts-precede-transitions": (
        "ghosts-precede-transitions-low-rank",
        "ghosts-precede-transitions-full-rank",
    ),
    "learning-rate-law": ("learning-rate-law",),
    "mitigations": ("mitigation-rank", "mitigation-confidence", "mitigation-readout-cap"),
    "mitigation-rank": ("mitigation-rank",),
    "mitigation-confidence": ("mitigation-confidence",),
    "mitigation-readout-cap": ("mitigation-readout-cap",),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "analyse",
        help="ghosts in trained networks: across training, the learning-rate law, mitigations",
        description=(
            "Run a ghost-analysis experiment of the paper (ghosts across training, the "
            "learning-rate law, the mitigations, constructed slow points) and print its claims "
            "and numbers; with --out, draw its figures into DIR."
        ),
    )
    parser.add_argument("target", choices=sorted(TARGETS), help="what to run")
    parser.add_argument(
        "--scale",
        choices=("quick", "full"),
        default="quick",
        help="quick (minutes, default) or full (the larger settings)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="first network seed")
    parser.add_argument("--out", metavar="DIR", help="directory for the figures")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into DIR even if it holds files ghostsym did not write (they may be "
        "overwritten)",
    )
    add_format_argument(parser)
    parser.set_defaults(handler=handle)


@dataclass(frozen=True)
class AnalysedExperiment:
    """One experiment's outcome (claims, numbers) and the figures drawn for it."""

    outcome: object
    figures: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """name, title, wall_time, claims, numbers and figures (ghostsym's JSON convention)."""
        outcome = self.outcome
        return {
            "name": outcome.name,
            "title": outcome.title,
            "wall_time": outcome.wall_time,
            "claims": [claim.to_json() for claim in outcome.claims],
            "numbers": dict(outcome.numbers),
            "figures": list(self.figures),
        }

    def text(self) -> str:
        """Claims (verdict, theory, measured, tolerance), numbers and figures, for people."""
        outcome = self.outcome
        lines = [f"== {outcome.title} ({outcome.name}, {outcome.wall_time:.0f} s)"]
        for claim in outcome.claims:
            lines.append(f"  [{claim.verdict}] {claim.claim}")
            lines.append(
                f"      theory: {claim.theory}   measured: {claim.measured}   ({claim.tolerance})"
            )
            if claim.details:
                lines.append(f"      {claim.details}")
        for key, value in outcome.numbers.items():
            shown = f"{value:.6g}" if isinstance(value, float) else value
            lines.append(f"  {key} = {shown}")
        lines.extend(f"  figure: {path}" for path in self.figures)
        return "\n".join(lines)


def handle(arguments) -> None:
    import importlib
    import time

    from .._io import open_output_directory
    from ..experiments import get_experiment

    require_format(arguments.format, ("text", "json"))  # figures go to --out
    manifest = None
    if arguments.out is not None:  # checked (and created) before any computing
        manifest = open_output_directory(arguments.out, command="analyse", force=arguments.force)
    reports = []
    for name in TARGETS[arguments.target]:
        experiment = get_experiment(name)
        outcome = experiment.run(arguments.scale, arguments.seed)
        figures = []
        if manifest is not None and experiment.figure:
            module_name, _, function_name = experiment.figure.partition(":")
            function = getattr(importlib.import_module(module_name), function_name)
            directory = manifest.directory / name
            began = time.time()
            manifest.expect_under(directory)
            try:
                figures = [str(path) for path in function(outcome, directory)]
            finally:
                manifest.record_under(directory, began)
        reports.append(AnalysedExperiment(outcome, tuple(figures)))
    emit(
        {"experiments": reports},
        arguments.format,
        text=lambda result: "\n".join(report.text() for report in result["experiments"]),
    )

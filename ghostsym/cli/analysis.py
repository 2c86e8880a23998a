"""``ghostsym analyse``: the ghost-analysis experiments of trained networks, with figures.

    ghostsym analyse ghosts-across-training [--scale quick|full] [--seed N] [--out DIR]
                     [--format text|json]
    ghostsym analyse learning-rate-law ...
    ghostsym analyse mitigations ...           (rank, confidence and readout-cap mitigations)
    ghostsym analyse network-slow-points ...   (constructed ghost and node-saddle pair)

Prints every claim (theory, measured, verdict) and the headline numbers; with ``--out`` also
draws the figures into DIR (PNG and PDF) and lists them.
"""

from __future__ import annotations

import math

from ..errors import InvalidInputError
from ._common import add_format_argument, seed, to_json

#: Names accepted on the command line and the experiments each one runs.
TARGETS = {
    "network-slow-points": ("network-slow-points",),
    "ghosts-across-training": ("ghosts-across-training",),
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
            "Run a ghost-analysis experiment (issue 5) and print its claims and numbers; "
            "with --out, draw its figures into DIR."
        ),
    )
    parser.add_argument("target", choices=sorted(TARGETS), help="what to run")
    parser.add_argument(
        "--scale",
        choices=("quick", "full"),
        default="quick",
        help="quick (minutes, default) or full (the larger settings)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="first network seed (0)")
    parser.add_argument("--out", metavar="DIR", help="directory for the figures")
    add_format_argument(parser)
    parser.set_defaults(handler=handle)


def _value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def handle(arguments) -> None:
    from ..experiments.ghosts import EXPERIMENTS

    if arguments.format == "latex":
        raise InvalidInputError("analyse prints text or json (figures go to --out)")
    experiments = {experiment.name: experiment for experiment in EXPERIMENTS}
    reports = []
    for name in TARGETS[arguments.target]:
        experiment = experiments[name]
        outcome = experiment.run(arguments.scale, arguments.seed)
        figures = []
        if arguments.out:
            from ..plotting import ghosts as plots

            function = getattr(plots, experiment.figure.rsplit(":", 1)[1])
            figures = [str(path) for path in function(outcome, f"{arguments.out}/{name}")]
        reports.append((outcome, figures))
    if arguments.format == "json":
        print(
            to_json(
                {
                    "experiments": [
                        {
                            "name": outcome.name,
                            "title": outcome.title,
                            "wall_time": outcome.wall_time,
                            "claims": [claim.to_json() for claim in outcome.claims],
                            "numbers": {
                                key: _value(value) for key, value in outcome.numbers.items()
                            },
                            "figures": figures,
                        }
                        for outcome, figures in reports
                    ]
                }
            )
        )
        return
    for outcome, figures in reports:
        print(f"== {outcome.title} ({outcome.name}, {outcome.wall_time:.0f} s)")
        for claim in outcome.claims:
            print(f"  [{claim.verdict}] {claim.claim}")
            print(
                f"      theory: {claim.theory}   measured: {claim.measured}   ({claim.tolerance})"
            )
            if claim.details:
                print(f"      {claim.details}")
        for key, value in outcome.numbers.items():
            shown = f"{value:.6g}" if isinstance(value, float) else value
            print(f"  {key} = {shown}")
        for path in figures:
            print(f"  figure: {path}")

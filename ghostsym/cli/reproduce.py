"""``ghostsym reproduce``: run every experiment and write the report (the main job).

Exit status: 0 when every experiment ran (or was resumed from DIR), every figure was drawn and
derivations.tex was written; 2 otherwise (the report is written either way, and a failed
experiment's claims show as "not run" with the error). A claim that is "not reproduced" is a
result, not a failure: it does not change the exit status.
"""

from __future__ import annotations

from ..errors import InvalidInputError
from ..report._reproduce import ReproductionFailedError, reproduce
from ._common import seed


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="run every experiment; write report.md/.html, results.json, figures, derivations.tex",
        description=(
            "Run every registered experiment (derivation checks and network experiments), "
            "draw the figures, write derivations.tex and the report into DIR. Re-running with "
            "the same DIR, scale and seed resumes: finished experiments are loaded, not re-run."
        ),
    )
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--quick",
        dest="scale",
        action="store_const",
        const="quick",
        help="reduced scale, minutes on 2 cores (default)",
    )
    scale.add_argument(
        "--full",
        dest="scale",
        action="store_const",
        const="full",
        help="the paper's scale (hours)",
    )
    parser.set_defaults(scale="quick")
    parser.add_argument("--out", metavar="DIR", help="output directory (required unless --list)")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these experiments (see --list)"
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed for every experiment (0)")
    parser.add_argument(
        "--force", action="store_true", help="re-run experiments already stored in DIR"
    )
    parser.add_argument(
        "--list", action="store_true", help="list the registered experiments and exit"
    )
    parser.add_argument(
        "--no-derivations",
        action="store_true",
        help="do not rebuild derivations.tex (faster when iterating on experiments)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS|local:N",
        default=None,
        help="train the networks' blocks of runs on a Dask cluster: a scheduler address, or "
        'local:N worker processes (needs pip install "ghostsym[distributed]")',
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=run)


def run(arguments) -> None:
    if arguments.list:
        from ..experiments import all_experiments

        for experiment in all_experiments():
            print(f"{experiment.name:32s} {experiment.title}")
        return
    if not arguments.out:
        raise InvalidInputError("--out DIR is required (where the report is written)")
    from ..network import enable_compilation_cache

    enable_compilation_cache()
    result = reproduce(
        arguments.out,
        scale=arguments.scale,
        seed=arguments.seed,
        only=arguments.only,
        force=arguments.force,
        progress=not arguments.no_progress,
        derivations=not arguments.no_derivations,
        scheduler=arguments.scheduler,
    )
    counts = result.verdict_counts()
    print(f"report:      {result.report.markdown}")
    print(f"             {result.report.html}")
    print(f"results:     {result.report.results}")
    if result.derivations is not None:
        print(f"derivations: {result.derivations}")
    print(
        f"claims:      {len(result.claims)} ("
        + ", ".join(f"{number} {verdict}" for verdict, number in counts.items())
        + f") in {result.wall_time:.1f} s"
    )
    for record in result.records:
        line = f"  {record.status:8s} {record.name}"
        print(line + (f"  error: {record.error}" if record.error else ""))
    if not result.succeeded:
        failed = ", ".join(result.failures)
        raise ReproductionFailedError(
            f"{len(result.failures)} step(s) failed: {failed}; the report in "
            f"{result.directory} shows their claims as 'not run'"
        )

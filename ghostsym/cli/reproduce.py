"""``ghostsym reproduce``: run every experiment and write the report (the main job).

Exit status: 0 when every experiment ran (or was resumed from DIR), every figure was drawn and
derivations.tex was written; 1 otherwise (the report is written either way, and a failed
experiment's claims show as "not run" with the error); 2 on bad input; 130 on Ctrl-C. A claim
that is "not reproduced" is a result, not a failure: it does not change the exit status.

``--jobs N`` runs the experiments in N worker processes (default: the CPUs this process may
use, at most 8 and at most the number of experiments); ``--jobs 1`` runs them in this process.
"""

from __future__ import annotations

from .._system import available_cores
from ..errors import InvalidInputError
from ._common import add_format_argument, emit, positive_int, seed

#: The largest number of worker processes ``--jobs`` picks by itself.
MAXIMUM_DEFAULT_JOBS = 8


def default_jobs(experiments: int) -> int:
    """Worker processes for ``experiments`` experiments when ``--jobs`` is not given: the CPUs
    this process may use, at most :data:`MAXIMUM_DEFAULT_JOBS` and at most ``experiments``.

    >>> default_jobs(1)
    1
    >>> 1 <= default_jobs(100) <= MAXIMUM_DEFAULT_JOBS
    True
    """
    return max(1, min(available_cores(), MAXIMUM_DEFAULT_JOBS, experiments))


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="run every experiment; write report.md/.html, results.json, figures, derivations.tex",
        description=(
            "Run every registered experiment (derivation checks and network experiments), "
            "draw the figures, write derivations.tex and the report into DIR. Re-running with "
            "the same DIR, scale and seed resumes: finished experiments are loaded, not re-run "
            "(after Ctrl-C too: the report then says at its top which experiments did not run). "
            "DIR keeps a manifest of the files ghostsym wrote; a DIR holding anything else is "
            "refused unless --force."
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
    parser.add_argument("--seed", type=seed, default=0, help="seed for every experiment")
    parser.add_argument(
        "--force",
        action="store_true",
        help="re-run experiments already stored in DIR, and write into DIR even if it holds "
        "files ghostsym did not write (they may be overwritten)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the registered experiments and exit"
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="print each experiment's network-epochs and estimated time at the chosen scale, "
        "then exit without running (estimates use the quick outcomes stored in --out DIR if "
        "present, else a timing of this machine)",
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
    parser.add_argument(
        "--jobs",
        type=positive_int("--jobs"),
        default=None,
        metavar="N",
        help="run the experiments in N worker processes, the longest first, while the main "
        "process writes derivations.tex and the report (same numbers as --jobs 1, which runs "
        "them one after the other in this process); default: the CPUs this process may use, "
        f"at most {MAXIMUM_DEFAULT_JOBS} and at most the number of experiments; 1 with "
        "--scheduler, which cannot be combined with N > 1",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_format_argument(parser, ("text", "json"))
    parser.set_defaults(handler=run)


def run(arguments) -> None:
    if arguments.list:
        from ..experiments import all_experiments

        experiments = [
            {"name": experiment.name, "title": experiment.title} for experiment in all_experiments()
        ]
        emit(
            experiments,
            arguments.format,
            text="\n".join(f"{row['name']:32s} {row['title']}" for row in experiments),
        )
        return
    if arguments.plan:
        _print_plan(arguments)
        return
    if not arguments.out:
        raise InvalidInputError("--out DIR is required (where the report is written)")
    jobs = arguments.jobs
    if arguments.scheduler is not None:
        if jobs is not None and jobs > 1:
            raise InvalidInputError(
                f"--jobs {jobs} cannot be combined with --scheduler (the cluster does the "
                "parallel work); leave --jobs out or give --jobs 1"
            )
        jobs = 1
    from ..experiments import CLAIM_KINDS, VERDICTS, all_experiments
    from ..network import enable_compilation_cache
    from ..report._reproduce import ReproductionFailedError, reproduce

    if jobs is None:
        count = len(dict.fromkeys(arguments.only)) if arguments.only else len(all_experiments())
        jobs = default_jobs(count)
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
        jobs=jobs,
    )
    summary = {
        "report": {"markdown": result.report.markdown, "html": result.report.html},
        "results": result.report.results,
        "derivations": result.derivations,
        "claims": len(result.claims),
        "verdicts": dict(result.verdict_counts()),
        "verdicts_by_kind": {
            kind: {
                verdict: sum(c.kind == kind and c.verdict == verdict for c in result.claims)
                for verdict in VERDICTS
            }
            for kind in CLAIM_KINDS
        },
        "wall_time": result.wall_time,
        "experiments": [
            {"name": record.name, "status": record.status, "error": record.error or None}
            for record in result.records
        ],
    }
    emit(summary, arguments.format, text=_text)
    if not result.succeeded:
        failed = ", ".join(result.failures)
        raise ReproductionFailedError(
            f"{len(result.failures)} step(s) failed: {failed}; the report in "
            f"{result.directory} shows their claims as 'not run'"
        )


def _text(summary: dict) -> str:
    lines = [
        f"report:      {summary['report']['markdown']}",
        f"             {summary['report']['html']}",
        f"results:     {summary['results']}",
    ]
    if summary["derivations"] is not None:
        lines.append(f"derivations: {summary['derivations']}")
    lines.append(
        f"claims:      {summary['claims']} ("
        + ", ".join(f"{number} {verdict}" for verdict, number in summary["verdicts"].items())
        + f") in {summary['wall_time']:.1f} s"
    )
    for kind, counts in summary["verdicts_by_kind"].items():
        lines.append(
            f"  {kind + ':':12s} "
            + ", ".join(f"{number} {verdict}" for verdict, number in counts.items())
        )
    for record in summary["experiments"]:
        line = f"  {record['status']:8s} {record['name']}"
        lines.append(line + (f"  error: {record['error']}" if record["error"] else ""))
    return "\n".join(lines)


def _print_plan(arguments) -> None:
    from ..report._reproduce import plan

    rows = plan(arguments.scale, directory=arguments.out, only=arguments.only)
    emit(
        {"scale": arguments.scale, "experiments": [row.to_json() for row in rows]},
        arguments.format,
        text=lambda _: _plan_text(arguments.scale, rows),
    )


def _plan_text(scale: str, rows) -> str:
    lines = [
        f"plan at {scale} scale (nothing is run):",
        f"  {'experiment':38s} {'network-epochs':>15s} {'estimate':>10s}  basis",
    ]
    total = 0.0
    for row in rows:
        estimate = "-" if row.estimated_seconds is None else _duration(row.estimated_seconds)
        total += row.estimated_seconds or 0.0
        lines.append(f"  {row.name:38s} {row.network_epochs:15,d} {estimate:>10s}  {row.basis}")
    epochs = sum(row.network_epochs for row in rows)
    lines.append(f"  {'total':38s} {epochs:15,d} {_duration(total):>10s}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"

"""``ghostsym sweep CONFIG.toml --out DIR``: run or resume a training sweep.

The TOML format and the files written are described in :mod:`ghostsym.network._sweeps`.
Rerunning the same command after an interruption resumes from the last completed chunk;
``--max-chunks N`` stops after N chunks (a controlled interruption). ``--scheduler ADDRESS``
runs the blocks of runs as tasks on a Dask cluster (``dask scheduler`` / ``dask worker
ADDRESS``), ``--scheduler local:N`` on N local worker processes; the results are those of a
run in this process, bit for bit. When the sweep is complete, a per-group, per-learning-rate
table of outcomes is printed.
"""

from __future__ import annotations

from ._common import emit


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run (or resume) a training sweep from a TOML config",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("config", metavar="CONFIG.toml")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--max-chunks",
        type=int,
        default=None,
        help="stop after this many chunks (resume by rerunning)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS|local:N",
        default=None,
        help="a Dask scheduler address, or local:N for N local worker processes "
        '(needs pip install "ghostsym[distributed]")',
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--keep-checkpoints", action="store_true")
    parser.add_argument("--learned-below", type=float, default=0.25)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(arguments) -> None:
    from ..errors import InvalidInputError
    from ..network import (
        SweepConfig,
        classify_runs,
        enable_compilation_cache,
        load_sweep,
        run_sweep,
        summarise_by_setting,
    )

    enable_compilation_cache()

    if arguments.max_chunks is not None and arguments.max_chunks < 0:
        raise InvalidInputError(f"--max-chunks must be >= 0, got {arguments.max_chunks}")
    config = SweepConfig.from_toml(arguments.config)
    status = run_sweep(
        config,
        arguments.out,
        max_chunks=arguments.max_chunks,
        progress=not arguments.no_progress,
        keep_checkpoints=arguments.keep_checkpoints,
        scheduler=arguments.scheduler,
    )
    if not status.complete:
        message = {
            "status": "interrupted",
            "chunks_done": status.chunks_done,
            "chunks_total": status.chunks_total,
            "directory": str(status.directory),
        }
        emit(
            message,
            arguments.format,
            text=f"{config.name}: stopped after {status.chunks_done} of {status.chunks_total} "
            f"chunks; rerun the same command to resume ({status.directory})",
        )
        return
    result = load_sweep(arguments.out)
    groups = []
    for group in result.groups:
        outcomes = classify_runs(group.training, learned_below=arguments.learned_below)
        groups.append((group.settings, summarise_by_setting(group.training, outcomes)))
    emit(
        {
            "name": config.name,
            "directory": str(status.directory),
            "wall_time_seconds": status.wall_time,
            "groups": [
                {"settings": settings, "learning_rates": [s.to_json() for s in summaries]}
                for settings, summaries in groups
            ],
        },
        arguments.format,
        text=lambda _: _table(config, status, groups),
    )


def _table(config, status, groups) -> str:
    lines = [
        f"{config.name}: complete ({status.wall_time:.1f} s of training) in {status.directory}"
    ]
    for settings, summaries in groups:
        labels = ", ".join(
            f"{key}={value}"
            for section in ("model_settings", "task_settings")
            for key, value in settings[section].items()
        )
        lines.append(f"[{config.model} on {config.task}: {labels or 'defaults'}]")
        lines.append(
            f"{'lr':>10} {'conf':>6} {'runs':>4} {'learned':>7} {'collapsed':>9} "
            f"{'plateau':>7} {'unsettled':>9} {'diverged':>8} {'final loss':>10} "
            f"{'saturated':>9}"
        )
        for s in summaries:
            c = s.counts
            lines.append(
                f"{s.learning_rate:>10.4g} {s.confidence:>6.3g} {s.runs:>4} {c['learned']:>7} "
                f"{c['collapsed']:>9} {c['plateau']:>7} {c['unsettled']:>9} "
                f"{c['diverged']:>8} {s.median_final_loss:>10.4g} "
                f"{s.median_final_saturation:>9.3f}"
            )
    return "\n".join(lines)

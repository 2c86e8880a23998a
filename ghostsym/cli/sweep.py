"""``ghostsym sweep CONFIG.toml --out DIR``: run or resume a training sweep.

A sweep trains one model on one task for every combination of the list-valued model and task
settings in CONFIG.toml, each with a population of runs (learning rates x confidences x
seeds); `ghostsym sweep --example` prints a commented config with every key. Rerunning the
same command after an interruption (Ctrl-C, a killed process, --max-chunks) resumes from the
last completed chunk and ends with the same results, bit for bit. DIR holds sweep.json (the
config and status: running, interrupted or complete), results.npz (every run's recorded
metrics and final parameters) and a manifest of the files ghostsym wrote; a DIR holding
anything else is refused unless --force. With --scheduler the blocks of runs are trained as
tasks on a Dask cluster, with the same results; without it, --threads blocks train at the
same time here (default: one per CPU this process may use), with the same results. When the
sweep is complete, a per-group, per-learning-rate table of outcomes is printed.
"""

from __future__ import annotations

from ._common import add_threads_argument, emit, finite_float


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run (or resume) a training sweep from a TOML config",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument(
        "config",
        metavar="CONFIG.toml",
        nargs="?",
        help="the sweep config (see --example)",
    )
    parser.add_argument(
        "--example",
        action="store_true",
        help="print a commented example config (every key, its default and meaning) and exit",
    )
    parser.add_argument("--out", metavar="DIR", help="output directory (required to run)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into DIR even if it holds files ghostsym did not write (they may be "
        "overwritten)",
    )
    parser.add_argument(
        "--max-chunks",
        type=int,
        default=None,
        help="stop after this many chunks (resume by rerunning); default: run to the end",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS|local:N",
        default=None,
        help="a Dask scheduler address, or local:N for N local worker processes "
        '(needs pip install "ghostsym[distributed]"); default: train here',
    )
    add_threads_argument(parser, "; not with --scheduler")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--keep-checkpoints",
        action="store_true",
        help="keep checkpoints/ after the sweep completes",
    )
    parser.add_argument(
        "--learned-below",
        type=finite_float("--learned-below", 0, include_minimum=False),
        default=0.25,
        help="final loss below which a run counts as learned in the table (default: 0.25)",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.set_defaults(handler=run)


def run(arguments) -> None:
    from ..errors import InvalidInputError
    from ..network import (
        SweepConfig,
        classify_runs,
        enable_compilation_cache,
        final_epoch_metrics,
        load_sweep,
        run_sweep,
        summarise_by_setting,
    )

    if arguments.example:
        from ..network._sweeps import EXAMPLE_CONFIG

        if arguments.config is not None or arguments.out is not None:
            raise InvalidInputError("--example prints a config and exits; give it alone")
        print(EXAMPLE_CONFIG, end="")
        return
    if arguments.config is None:
        raise InvalidInputError("CONFIG.toml is required (ghostsym sweep --example prints one)")
    if not arguments.out:
        raise InvalidInputError("--out DIR is required (where the sweep is written)")
    if arguments.threads is not None and arguments.scheduler is not None:
        raise InvalidInputError(
            "--threads does not apply with --scheduler: the cluster's workers train the blocks"
        )
    if arguments.max_chunks is not None and arguments.max_chunks < 0:
        raise InvalidInputError(f"--max-chunks must be >= 0, got {arguments.max_chunks}")
    config = SweepConfig.from_toml(arguments.config)
    enable_compilation_cache()
    status = run_sweep(
        config,
        arguments.out,
        max_chunks=arguments.max_chunks,
        progress=not arguments.no_progress,
        keep_checkpoints=arguments.keep_checkpoints,
        scheduler=arguments.scheduler,
        force=arguments.force,
        threads=arguments.threads,
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
        final = final_epoch_metrics(
            group.training
        )  # "final" is the last epoch, not the last record
        outcomes = classify_runs(group.training, learned_below=arguments.learned_below, final=final)
        groups.append((group.settings, summarise_by_setting(group.training, outcomes, final)))
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

"""``ghostsym train`` and ``ghostsym gradient-check``: the network engine from the command line.

``ghostsym train rank-one --lr 0.02 --seeds 20 --epochs 6000`` trains a population (every
learning rate x every seed) and prints, per learning rate, how many runs learned, collapsed
back to the plateau, stayed on it, are unsettled or diverged, with median final loss, minimum
loss, final gradient norm and final saturation (rules: :mod:`ghostsym.network._outcomes`).
``--task dcdt|dmts`` trains the paper's task RNN; ``--save-network FILE.npz`` writes one
trained network for ``ghostsym ghost --network FILE.npz``.

``ghostsym gradient-check`` compares ``jax.grad`` of every model x task loss with central
finite differences in float64 and prints the largest relative error per pair.
"""

from __future__ import annotations

import time

import numpy as np

from ..errors import InvalidInputError
from ._common import add_format_argument, emit, finite_float


def register(subparsers) -> None:
    train = subparsers.add_parser(
        "train",
        help="train a population of the paper's networks and classify the runs",
        description=__doc__.split("\n\n")[1],
    )
    train.add_argument("model", choices=("rank-one", "low-rank", "full-rank", "canonical"))
    train.add_argument(
        "--task", choices=("delayed-activation", "dcdt", "dmts"), default="delayed-activation"
    )
    rates = train.add_mutually_exclusive_group()
    rates.add_argument(
        "--lr",
        type=finite_float,
        nargs="+",
        default=None,
        help="learning rates (each is trained with every seed; default 0.02)",
    )
    rates.add_argument(
        "--lr-logspace",
        type=finite_float,
        nargs=3,
        metavar=("START", "STOP", "COUNT"),
        help="learning rates numpy.logspace(START, STOP, COUNT), e.g. -4 -1 7",
    )
    train.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    train.add_argument("--first-seed", type=int, default=0)
    train.add_argument("--epochs", type=int, default=6000)
    train.add_argument("--record-every", type=int, default=10)
    train.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    train.add_argument(
        "--confidence",
        type=finite_float,
        default=None,
        help="output confidence c (rank-one readout gain; default 10)",
    )
    train.add_argument("--trainable-confidence", action="store_true")
    train.add_argument("--rank", type=int, default=None, help="rank K (low-rank model)")
    train.add_argument("--size", type=int, default=100, help="number of units N")
    train.add_argument("--delay", type=int, default=20, help="delay T in steps")
    train.add_argument("--response", type=int, default=None, help="response R (default T)")
    train.add_argument(
        "--delay-ms",
        type=finite_float,
        default=None,
        help="DCDT/DMTS delay window in ms (default: the paper's Fig 7 value)",
    )
    train.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    train.add_argument(
        "--normalised", action="store_true", help="canonical model: descend on L/T, not L"
    )
    train.add_argument(
        "--learned-below",
        type=finite_float,
        default=0.25,
        help="a run learned when its loss <= this x its initial loss",
    )
    train.add_argument(
        "--save-network",
        default=None,
        metavar="FILE.npz",
        help="write the trained network of run --run-index to FILE.npz",
    )
    train.add_argument("--run-index", type=int, default=0)
    add_format_argument(train, ("text", "json"))
    train.set_defaults(handler=run_train)

    check = subparsers.add_parser(
        "gradient-check",
        help="autodiff gradients of every model and task vs finite differences (float64)",
    )
    add_format_argument(check, ("text", "json"))
    check.add_argument("--seed", type=int, default=0)
    check.set_defaults(handler=run_gradient_check)


def _build(arguments):
    from ..network import build_model, build_task

    if arguments.task == "delayed-activation":
        task_settings = {"delay": arguments.delay}
        if arguments.response is not None:
            task_settings["response"] = arguments.response
    else:
        task_settings = {} if arguments.delay_ms is None else {"delay_ms": arguments.delay_ms}
    task = build_task(arguments.task, task_settings)
    model_settings = {"size": arguments.size}
    if arguments.model == "rank-one" and arguments.trainable_confidence:
        model_settings["trainable_confidence"] = True
    if arguments.rank is not None:
        if arguments.model != "low-rank":
            raise InvalidInputError("--rank applies to the low-rank model only")
        model_settings["rank"] = arguments.rank
    return build_model(arguments.model, task, model_settings), task


def run_train(arguments) -> None:
    from ..network import classify_runs, save_network, summarise_by_setting, train_population

    if arguments.seeds < 1 or arguments.first_seed < 0:
        raise InvalidInputError(
            f"--seeds must be >= 1 and --first-seed >= 0, got {arguments.seeds}, "
            f"{arguments.first_seed}"
        )
    values = _learning_rates(arguments)
    if arguments.model == "canonical":
        _run_canonical(arguments, values)
        return
    model, task = _build(arguments)
    seeds = np.arange(arguments.first_seed, arguments.first_seed + arguments.seeds)
    rates = np.repeat(values, seeds.size)
    all_seeds = np.tile(seeds, values.size)
    started = time.perf_counter()
    result = train_population(
        model,
        task,
        learning_rates=rates,
        seeds=all_seeds,
        epochs=arguments.epochs,
        optimizer=arguments.optimizer,
        confidences=arguments.confidence,
        record_every=arguments.record_every,
        dtype=arguments.dtype,
    )
    wall = time.perf_counter() - started
    outcomes = classify_runs(result, learned_below=arguments.learned_below)
    summaries = summarise_by_setting(result, outcomes)
    if arguments.save_network:
        if not 0 <= arguments.run_index < result.runs:
            raise InvalidInputError(
                f"--run-index must be in 0..{result.runs - 1}, got {arguments.run_index}"
            )
        from ..network import tree_index

        parameters = tree_index(result.final_parameters, arguments.run_index)
        save_network(arguments.save_network, model, parameters, task)
    payload = {
        "model": model.kind,
        "task": task.name,
        "optimizer": arguments.optimizer,
        "epochs": arguments.epochs,
        "seeds": seeds.tolist(),
        "wall_time_seconds": wall,
        "learned_below": arguments.learned_below,
        "settings": list(summaries),
        "runs": [
            {
                "learning_rate": float(result.learning_rates[i]),
                "seed": int(result.seeds[i]),
                "outcome": str(outcomes.labels[i]),
                "final_loss": float(outcomes.final_loss[i]),
                "minimum_loss": float(outcomes.minimum_loss[i]),
                "minimum_loss_epoch": int(result.minimum_loss_epoch[i]),
                "final_gradient_norm": float(outcomes.final_gradient_norm[i]),
                "leaving_plateau_epoch": int(outcomes.leaving_epoch[i]),
                "learned_epoch": int(outcomes.learned_epoch[i]),
                **_latent_summary(result, i),
            }
            for i in range(result.runs)
        ],
    }
    header = (
        f"{model.kind} network (N={model.size}) on {task.name} ({task.steps} steps), "
        f"{arguments.optimizer}, {arguments.epochs} epochs, seeds "
        f"{seeds[0]}..{seeds[-1]}, {arguments.dtype}; {wall:.1f} s"
    )
    emit(
        payload,
        arguments.format,
        text=lambda _: _population_text(header, arguments.learned_below, summaries),
    )


def _population_text(header: str, learned_below: float, summaries) -> str:
    lines = [
        header,
        f"outcome rules: learned = final loss <= {learned_below} x initial; collapsed "
        "= learned at some epoch, ends >= 0.9 x initial; plateau = never learned",
        f"{'lr':>10} {'runs':>4} {'learned':>7} {'collapsed':>9} {'plateau':>7} "
        f"{'unsettled':>9} {'diverged':>8} {'final loss':>10} {'min loss':>9} "
        f"{'final |g|':>10} {'accuracy':>8} {'peak sat.':>9}",
    ]
    for summary in summaries:
        counts = summary.counts
        lines.append(
            f"{summary.learning_rate:>10.4g} {summary.runs:>4} {counts['learned']:>7} "
            f"{counts['collapsed']:>9} {counts['plateau']:>7} {counts['unsettled']:>9} "
            f"{counts['diverged']:>8} {summary.median_final_loss:>10.4g} "
            f"{summary.median_minimum_loss:>9.3g} {summary.median_final_gradient_norm:>10.3g} "
            f"{summary.median_final_accuracy:>8.3f} {summary.median_peak_saturation:>9.3f}"
        )
    lines.append(
        "(medians over seeds; accuracy at the last epoch; peak sat. = largest fraction of "
        "|tanh| > 0.99 rates over the recorded epochs)"
    )
    return "\n".join(lines)


def _learning_rates(arguments) -> np.ndarray:
    if arguments.lr_logspace is not None:
        start, stop, count = arguments.lr_logspace
        if count < 1 or count != int(count):
            raise InvalidInputError(f"--lr-logspace COUNT must be a positive integer, got {count}")
        return np.logspace(start, stop, int(count))
    default = [1e-10, 1e-9] if arguments.model == "canonical" else [0.02]
    return np.asarray(arguments.lr or default, dtype=np.float64)


def _run_canonical(arguments, rates) -> None:
    """x' = r + x^2 from r_0 = 10 r*, descending on the derived dL/dr (JAX, float64)."""
    from ..network import train_canonical_population

    result = train_canonical_population(
        rates,
        delay=float(arguments.delay),
        response=None if arguments.response is None else float(arguments.response),
        epochs=arguments.epochs,
        normalised=arguments.normalised,
        optimizer=arguments.optimizer,
    )
    outcomes = result.outcomes()
    rows = [
        {
            "learning_rate": float(rate),
            "outcome": str(outcome),
            "final_r_over_optimum": float(final / optimum),
            "minimum_loss": float(best),
            "final_loss": float(loss),
        }
        for rate, outcome, final, optimum, best, loss in zip(
            result.learning_rates,
            outcomes,
            result.r[:, -1],
            result.optimum,
            result.minimum_loss,
            result.loss[:, -1],
            strict=True,
        )
    ]
    loss = "L/T" if arguments.normalised else "L"
    lines = [
        f"canonical x' = r + x^2, T={arguments.delay}, r_0 = 10 r*, {arguments.optimizer} on the "
        f"derived d{loss}/dr (lambdified to JAX), {arguments.epochs} epochs",
        f"{'lr':>10} {'outcome':>10} {'final r/r*':>11} {'min loss':>9} {'final loss':>10}",
    ]
    for row in rows:
        lines.append(
            f"{row['learning_rate']:>10.3g} {row['outcome']:>10} "
            f"{row['final_r_over_optimum']:>11.4g} {row['minimum_loss']:>9.4g} "
            f"{row['final_loss']:>10.4g}"
        )
    emit(
        {"model": "canonical", "delay": arguments.delay, "runs": rows},
        arguments.format,
        text="\n".join(lines),
    )


def _latent_summary(result, index) -> dict:
    """Rank-one runs: initial/final latent r and the first epoch with no fixed point on the way."""
    if result.canonical_parameter is None:
        return {}
    clear = np.nonzero(result.latent_clearance[index] > 0)[0]
    return {
        "initial_canonical_parameter": float(result.canonical_parameter[index, 0]),
        "final_canonical_parameter": float(result.canonical_parameter[index, -1]),
        "first_clear_epoch": int(result.recorded_epochs[clear[0]]) if clear.size else -1,
    }


def run_gradient_check(arguments) -> None:
    from ..network import check_gradients, gradient_check_cases

    rows = []
    for name, model, task, parameters in gradient_check_cases():
        check = check_gradients(model, task, parameters, seed=arguments.seed)
        rows.append((name, check))
    lines = ["jax.grad vs central differences (float64, step 1e-5, one random direction per leaf)"]
    for name, check in rows:
        worst = max(check.relative_errors, key=check.relative_errors.get)
        lines.append(f"{name:<50} max rel. error {check.maximum_relative_error:.2e} ({worst})")
    emit(
        [
            {
                "case": name,
                "step": check.step,
                "relative_errors": check.relative_errors,
                "maximum_relative_error": check.maximum_relative_error,
            }
            for name, check in rows
        ],
        arguments.format,
        text="\n".join(lines),
    )

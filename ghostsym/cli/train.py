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
from ._common import (
    MAX_INTEGER,
    add_format_argument,
    add_threads_argument,
    bounded_int,
    emit,
    finite_float,
    output_file,
    positive_int,
    track_given_options,
)

MODELS = ("rank-one", "low-rank", "full-rank", "canonical")
TASKS = ("delayed-activation", "dcdt", "dmts")

#: Default (learning rate, epochs) of each network and task, measured to learn and stay
#: learned with seeds 0..9 (rank-one at lr 0.01: every seed learned by epoch 17,500 and was
#: still learned at 40,000; the paper's Fig. 3A: lr 0.003 and 0.01 learn after a plateau of
#: about 101/lr epochs). None: no rate is known to learn (low rank on the working-memory tasks,
#: which the paper trains full-rank only): --lr must be given. The collapse regime of the
#: paper's Fig. 3B is one option away: ``--lr 0.02``.
NETWORK_DEFAULTS = {
    ("rank-one", "delayed-activation"): (0.01, 25000),
    ("low-rank", "delayed-activation"): (0.01, 25000),
    ("full-rank", "delayed-activation"): (0.01, 5000),
    ("full-rank", "dcdt"): (0.1, 3000),
    ("full-rank", "dmts"): (0.1, 3000),
    ("low-rank", "dcdt"): (None, 3000),
    ("low-rank", "dmts"): (None, 3000),
}
#: The canonical model's default learning rate, as a fraction of the derived critical rate.
CANONICAL_RATE_FRACTION = 0.1
CANONICAL_EPOCHS = 6000

#: Options of ``train`` that apply only to some choices: destination -> (option, who it is for).
_ONLY_FOR = {
    "normalised": ("--normalised", "the canonical model"),
    "rank": ("--rank", "the low-rank model"),
    "confidence": ("--confidence", "the rank-one model"),
    "trainable_confidence": ("--trainable-confidence", "the rank-one model"),
    "delay_ms": ("--delay-ms", "the dcdt and dmts tasks"),
    "delay": ("--delay", "the delayed-activation task"),
    "response": ("--response", "the delayed-activation task"),
    "run_index": ("--run-index", "--save-network"),
}
_NETWORK_ONLY = {
    "seeds": "--seeds",
    "first_seed": "--first-seed",
    "record_every": "--record-every",
    "confidence": "--confidence",
    "trainable_confidence": "--trainable-confidence",
    "rank": "--rank",
    "size": "--size",
    "delay_ms": "--delay-ms",
    "dtype": "--dtype",
    "learned_below": "--learned-below",
    "save_network": "--save-network",
    "run_index": "--run-index",
    "threads": "--threads",
}


def _defaults_help() -> str:
    rows = "; ".join(
        f"{model} on {task}: lr {rate:g}, {epochs} epochs"
        if rate is not None
        else f"{model} on {task}: no default lr (give --lr), {epochs} epochs"
        for (model, task), (rate, epochs) in NETWORK_DEFAULTS.items()
    )
    return (
        f"Defaults when --lr and --epochs are not given: {rows}; canonical: lr = "
        f"{CANONICAL_RATE_FRACTION:g} x the derived critical learning rate alpha_c(T, R), "
        f"{CANONICAL_EPOCHS} epochs. These rates learn and stay learned (the paper's Fig. 3A: "
        "lr 0.003 and 0.01 learn after a plateau of about 101/lr epochs; ghostsym measured each "
        "default on seeds 0..9). The paper's collapse "
        "regime (Fig. 3B: rank-one at lr 0.02 learns near epoch 5000, then falls back into the "
        "no-learning zone) is ghostsym train rank-one --lr 0.02 --epochs 6000. A run whose loss "
        "or gradient stops being finite is reported as diverged, with the epoch, and has no "
        "final numbers (nan); final loss, gradient, accuracy and saturation are those of the "
        "last epoch."
    )


def register(subparsers) -> None:
    train = subparsers.add_parser(
        "train",
        help="train a population of the paper's networks and classify the runs",
        description=__doc__.split("\n\n")[1],
        epilog=_defaults_help(),
    )
    train.add_argument("model", choices=MODELS, help="network (canonical: x' = r + x^2)")
    train.add_argument("--task", choices=TASKS, default="delayed-activation", help="task")
    rates = train.add_mutually_exclusive_group()
    rates.add_argument(
        "--lr",
        type=finite_float("--lr", 0, include_minimum=False),
        nargs="+",
        default=None,
        help="learning rates, each trained with every seed (default: per model, see below)",
    )
    rates.add_argument(
        "--lr-logspace",
        type=finite_float("--lr-logspace"),
        nargs=3,
        metavar=("START", "STOP", "COUNT"),
        help="learning rates numpy.logspace(START, STOP, COUNT), e.g. -4 -1 7",
    )
    train.add_argument(
        "--seeds", type=positive_int("--seeds", 100000), default=10, help="number of seeds"
    )
    train.add_argument(
        "--first-seed", type=bounded_int("--first-seed", 0), default=0, help="first seed"
    )
    train.add_argument(
        "--epochs",
        type=positive_int("--epochs"),
        default=None,
        help="number of epochs (default: per model, see below)",
    )
    train.add_argument(
        "--record-every",
        type=positive_int("--record-every"),
        default=10,
        help="record the loss every this many epochs (must divide --epochs)",
    )
    train.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd", help="optimiser")
    train.add_argument(
        "--confidence",
        type=finite_float("--confidence", 0, include_minimum=False),
        default=None,
        help="output confidence c (rank-one readout gain; default 10)",
    )
    train.add_argument("--trainable-confidence", action="store_true", help="rank-one: train c too")
    train.add_argument(
        "--rank", type=positive_int("--rank"), default=None, help="rank K (low-rank model)"
    )
    train.add_argument(
        "--size", type=positive_int("--size", 4096), default=100, help="number of units N"
    )
    train.add_argument(
        "--delay",
        type=positive_int("--delay", 100000),
        default=None,
        help="delay T in steps (delayed-activation task; default 20)",
    )
    train.add_argument(
        "--response",
        type=positive_int("--response", 100000),
        default=None,
        help="response window R in steps (default R = T)",
    )
    train.add_argument(
        "--delay-ms",
        type=finite_float("--delay-ms", 0, 100000, include_minimum=False),
        default=None,
        help="DCDT/DMTS delay window in ms (default: the paper's Fig. 7 value)",
    )
    train.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32", help="training precision"
    )
    add_threads_argument(train)
    train.add_argument(
        "--normalised", action="store_true", help="canonical model: descend on L/T, not L"
    )
    train.add_argument(
        "--learned-below",
        type=finite_float("--learned-below", 0, 0.9, include_minimum=False, include_maximum=False),
        default=0.25,
        help="a run learned when its final loss <= this x its initial loss (< 0.9)",
    )
    train.add_argument(
        "--save-network",
        default=None,
        metavar="FILE.npz",
        help="write the trained network of run --run-index to FILE.npz",
    )
    train.add_argument(
        "--run-index",
        type=bounded_int("--run-index", 0),
        default=None,
        help="which run --save-network writes (runs are learning rates x seeds; default 0)",
    )
    add_format_argument(train, ("text", "json"))
    track_given_options(train)
    train.set_defaults(handler=run_train)

    check = subparsers.add_parser(
        "gradient-check",
        help="autodiff gradients of every model and task vs finite differences (float64)",
        description=__doc__.split("\n\n")[2],
    )
    add_format_argument(check, ("text", "json"))
    check.add_argument(
        "--seed",
        type=bounded_int("--seed", 0),
        default=0,
        help="seed of the random directions",
    )
    check.set_defaults(handler=run_gradient_check)


def _refuse_options_that_do_not_apply(arguments) -> None:
    """Every option given must mean something for the chosen model and task."""
    given = getattr(arguments, "given", frozenset())
    canonical = arguments.model == "canonical"
    if canonical:
        if arguments.task != "delayed-activation":
            raise InvalidInputError(
                f"--task {arguments.task} does not apply to the canonical model "
                "(x' = r + x^2 on the delayed-activation task only)"
            )
        for dest, option in _NETWORK_ONLY.items():
            if dest in given:
                raise InvalidInputError(
                    f"{option} does not apply to the canonical model (it trains one r per "
                    "learning rate, in float64)"
                )
        return
    if arguments.model == "rank-one" and arguments.task != "delayed-activation":
        raise InvalidInputError(
            f"--task {arguments.task} does not apply to the rank-one model (no inputs, a "
            "sigmoid readout of the latent variable); use low-rank or full-rank"
        )
    applies = {
        "normalised": False,
        "rank": arguments.model == "low-rank",
        "confidence": arguments.model == "rank-one",
        "trainable_confidence": arguments.model == "rank-one",
        "delay_ms": arguments.task != "delayed-activation",
        "delay": arguments.task == "delayed-activation",
        "response": arguments.task == "delayed-activation",
        "run_index": arguments.save_network is not None,
    }
    for dest, fits in applies.items():
        if dest in given and not fits:
            option, audience = _ONLY_FOR[dest]
            chosen = (
                f"train {arguments.model} --task {arguments.task}"
                if dest != "run_index"
                else "this command"
            )
            raise InvalidInputError(
                f"{option} applies to {audience} only, not to {chosen}"
                if dest != "run_index"
                else "--run-index applies only with --save-network"
            )
    if arguments.rank is not None and arguments.rank > arguments.size:
        raise InvalidInputError(
            f"--rank must be <= --size ({arguments.size}), got {arguments.rank}"
        )


def _epochs(arguments) -> int:
    if arguments.epochs is not None:
        return arguments.epochs
    if arguments.model == "canonical":
        return CANONICAL_EPOCHS
    return NETWORK_DEFAULTS[(arguments.model, arguments.task)][1]


def _build(arguments):
    from ..network import build_model, build_task

    if arguments.task == "delayed-activation":
        task_settings = {"delay": 20 if arguments.delay is None else arguments.delay}
        if arguments.response is not None:
            task_settings["response"] = arguments.response
    else:
        task_settings = {} if arguments.delay_ms is None else {"delay_ms": arguments.delay_ms}
    task = build_task(arguments.task, task_settings)
    model_settings = {"size": arguments.size}
    if arguments.model == "rank-one" and arguments.trainable_confidence:
        model_settings["trainable_confidence"] = True
    if arguments.rank is not None:
        model_settings["rank"] = arguments.rank
    return build_model(arguments.model, task, model_settings), task


def run_train(arguments) -> None:
    """Train the population ``arguments`` describes and print its outcome table."""
    from ..network import (
        classify_runs,
        final_epoch_metrics,
        save_network,
        summarise_by_setting,
        train_population,
    )

    _refuse_options_that_do_not_apply(arguments)
    if arguments.first_seed + arguments.seeds - 1 > MAX_INTEGER:
        raise InvalidInputError(
            f"--first-seed + --seeds - 1 must be <= {MAX_INTEGER}, got "
            f"{arguments.first_seed + arguments.seeds - 1}"
        )
    epochs = _epochs(arguments)
    if arguments.model != "canonical" and epochs % arguments.record_every:
        raise InvalidInputError(
            f"--epochs ({epochs}) must be a multiple of --record-every ({arguments.record_every})"
        )
    values = _learning_rates(arguments)
    if arguments.model == "canonical":
        _run_canonical(arguments, values, epochs)
        return
    limits = np.finfo(np.float32 if arguments.dtype == "float32" else np.float64)
    for rate in values:
        if not limits.tiny <= rate <= limits.max:
            raise InvalidInputError(
                f"--lr {rate:g} is not a normal {arguments.dtype} number (the range is "
                f"{float(limits.tiny):.3g} to {float(limits.max):.3g}), training would use "
                f"{'inf' if rate > limits.max else 'a subnormal or 0'}: use --dtype float64 or "
                "another rate"
            )
    runs = values.size * arguments.seeds
    run_index = 0 if arguments.run_index is None else arguments.run_index
    if arguments.save_network is not None:
        output_file(arguments.save_network, "--save-network")  # before training, not after
        if run_index >= runs:
            raise InvalidInputError(f"--run-index must be in 0..{runs - 1}, got {run_index}")
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
        epochs=epochs,
        optimizer=arguments.optimizer,
        confidences=arguments.confidence,
        record_every=arguments.record_every,
        dtype=arguments.dtype,
        threads=arguments.threads,
    )
    final = final_epoch_metrics(result)
    wall = time.perf_counter() - started
    outcomes = classify_runs(result, learned_below=arguments.learned_below, final=final)
    summaries = summarise_by_setting(result, outcomes, final)
    if arguments.save_network is not None:
        if result.diverged[run_index]:
            raise _diverged_run_error(result, run_index)
        from ..network import tree_index

        parameters = tree_index(result.final_parameters, run_index)
        save_network(arguments.save_network, model, parameters, task)
    payload = {
        "model": model.kind,
        "task": task.name,
        "optimizer": arguments.optimizer,
        "epochs": epochs,
        "final_epoch": final.epoch,
        "seeds": seeds.tolist(),
        "wall_time_seconds": wall,
        "learned_below": arguments.learned_below,
        "settings": list(summaries),
        "runs": [
            {
                "learning_rate": float(result.learning_rates[i]),
                "seed": int(result.seeds[i]),
                "outcome": str(outcomes.labels[i]),
                "divergence_epoch": int(result.divergence_epoch[i]),
                "final_loss": float(final.loss[i]),
                "minimum_loss": float(outcomes.minimum_loss[i]),
                "minimum_loss_epoch": int(result.minimum_loss_epoch[i]),
                "final_gradient_norm": float(final.gradient_norm[i]),
                "final_accuracy": float(final.accuracy[i]),
                "final_saturation": float(final.saturation[i]),
                "leaving_plateau_epoch": int(outcomes.leaving_epoch[i]),
                "learned_epoch": int(outcomes.learned_epoch[i]),
                **_latent_summary(result, final, i),
            }
            for i in range(result.runs)
        ],
    }
    header = (
        f"{model.kind} network (N={model.size}) on {task.name} ({task.steps} steps), "
        f"{arguments.optimizer}, {epochs} epochs, seeds "
        f"{seeds[0]}..{seeds[-1]}, {arguments.dtype}; {wall:.1f} s"
    )
    emit(
        payload,
        arguments.format,
        text=lambda _: _population_text(header, arguments.learned_below, summaries, result, final),
    )


def _diverged_run_error(result, index) -> InvalidInputError:
    return InvalidInputError(
        f"--run-index {index} (lr {result.learning_rates[index]:g}, seed "
        f"{result.seeds[index]}) diverged at epoch {result.divergence_epoch[index]}: there "
        "is no trained network to save; choose another --run-index or a smaller --lr"
    )


def _population_text(header: str, learned_below: float, summaries, result, final) -> str:
    lines = [
        header,
        f"outcome rules: learned = final loss <= {learned_below} x initial; collapsed "
        "= learned at some epoch, ends >= 0.9 x initial; plateau = never learned; diverged = "
        "loss or gradient not finite",
        f"{'lr':>10} {'runs':>4} {'learned':>7} {'collapsed':>9} {'plateau':>7} "
        f"{'unsettled':>9} {'diverged':>8} {'final loss':>10} {'min loss':>9} "
        f"{'final |g|':>10} {'accuracy':>8} {'final sat.':>10} {'peak sat.':>9}",
    ]
    for summary in summaries:
        counts = summary.counts
        lines.append(
            f"{summary.learning_rate:>10.4g} {summary.runs:>4} {counts['learned']:>7} "
            f"{counts['collapsed']:>9} {counts['plateau']:>7} {counts['unsettled']:>9} "
            f"{counts['diverged']:>8} {summary.median_final_loss:>10.4g} "
            f"{summary.median_minimum_loss:>9.3g} {summary.median_final_gradient_norm:>10.3g} "
            f"{summary.median_final_accuracy:>8.3f} {summary.median_final_saturation:>10.3f} "
            f"{summary.median_peak_saturation:>9.3f}"
        )
    lines.append(
        "(medians over the seeds that did not diverge; final = the last epoch; peak sat. = "
        "largest fraction of |tanh| > 0.99 rates over the recorded epochs and the last)"
    )
    diverged = np.flatnonzero(result.diverged)
    if diverged.size:
        first = diverged[0]
        lines.append(
            f"warning: {diverged.size} of {result.runs} runs diverged (non-finite loss or "
            f"gradient; e.g. lr {result.learning_rates[first]:g}, seed {result.seeds[first]} "
            f"at epoch {result.divergence_epoch[first]}); they have no final numbers"
        )
    stuck = ~result.diverged & (final.gradient_norm == 0)
    saturated = final.saturation >= 0.99
    for where, reason in (
        (stuck & saturated, "every tanh rate saturated: the steps froze the network"),
        (stuck & ~saturated, "a confident output whose gradient vanishes: the no-learning zone"),
    ):
        runs = np.flatnonzero(where)
        if runs.size:
            first = runs[0]
            lines.append(
                f"note: {runs.size} of {result.runs} runs end with a gradient of exactly 0 "
                f"(e.g. lr {result.learning_rates[first]:g}, seed {result.seeds[first]}; "
                f"{reason}); training cannot move them from there"
            )
    return "\n".join(lines)


def _learning_rates(arguments) -> np.ndarray:
    if arguments.lr_logspace is not None:
        start, stop, count = arguments.lr_logspace
        if count != int(count) or not 1 <= count <= 10000:
            raise InvalidInputError(
                f"--lr-logspace COUNT must be an integer in 1..10000, got {count:g}"
            )
        rates = np.logspace(start, stop, int(count))
        good = np.isfinite(rates) & (rates >= np.finfo(np.float64).tiny)
        if not good.all():
            raise InvalidInputError(
                f"--lr-logspace {start:g} {stop:g} gives learning rates outside float64 "
                f"(e.g. {rates[~good][0]:g}); keep START and STOP within -307..308"
            )
        return rates
    if arguments.lr is not None:
        return np.asarray(arguments.lr, dtype=np.float64)
    if arguments.model == "canonical":
        return np.asarray([CANONICAL_RATE_FRACTION * _canonical_critical_rate(arguments)])
    rate = NETWORK_DEFAULTS[(arguments.model, arguments.task)][0]
    if rate is None:
        raise InvalidInputError(
            f"--lr is required for train {arguments.model} --task {arguments.task}: no learning "
            "rate is known to learn it (the paper trains full-rank networks on this task)"
        )
    return np.asarray([rate])


def _canonical_delays(arguments) -> tuple[float, float]:
    delay = 20.0 if arguments.delay is None else float(arguments.delay)
    return delay, delay if arguments.response is None else float(arguments.response)


def _canonical_critical_rate(arguments) -> float:
    """alpha_c of the derived theory at this T, R and loss (L or L/T)."""
    from ..theory import delayed_activation_theory

    delay, response = _canonical_delays(arguments)
    theory = delayed_activation_theory(T=delay, R=response, normalised=arguments.normalised)
    return theory.numbers().critical_learning_rate


def _run_canonical(arguments, rates, epochs: int) -> None:
    """x' = r + x^2 from r_0 = 10 r*, descending on the derived dL/dr (JAX, float64)."""
    from ..network import train_canonical_population

    delay, response = _canonical_delays(arguments)
    critical = _canonical_critical_rate(arguments)
    result = train_canonical_population(
        rates,
        delay=delay,
        response=response,
        epochs=epochs,
        normalised=arguments.normalised,
        optimizer=arguments.optimizer,
    )
    # a run whose r left the finite numbers has no final state: "diverged", not "collapsed"
    finite = np.isfinite(result.r).all(axis=1) & np.isfinite(result.loss).all(axis=1)
    outcomes = np.where(finite, result.outcomes(), "diverged")
    rows = [
        {
            "learning_rate": float(rate),
            "learning_rate_over_critical": float(rate / critical),
            "outcome": str(outcome),
            "final_r_over_optimum": float(final / optimum) if ok else float("nan"),
            "minimum_loss": float(best),
            "final_loss": float(loss) if ok else float("nan"),
        }
        for rate, outcome, final, optimum, best, loss, ok in zip(
            result.learning_rates,
            outcomes,
            result.r[:, -1],
            result.optimum,
            result.minimum_loss,
            result.loss[:, -1],
            finite,
            strict=True,
        )
    ]
    loss = "L/T" if arguments.normalised else "L"
    lines = [
        f"canonical x' = r + x^2, T={delay:g}, R={response:g}, r_0 = 10 r*, {arguments.optimizer} "
        f"on the derived d{loss}/dr (lambdified to JAX), {epochs} epochs; derived critical "
        f"learning rate alpha_c = {critical:.4g}",
        f"{'lr':>10} {'lr/alpha_c':>10} {'outcome':>10} {'final r/r*':>11} {'min loss':>9} "
        f"{'final loss':>10}",
    ]
    for row in rows:
        lines.append(
            f"{row['learning_rate']:>10.3g} {row['learning_rate_over_critical']:>10.3g} "
            f"{row['outcome']:>10} {row['final_r_over_optimum']:>11.4g} "
            f"{row['minimum_loss']:>9.4g} {row['final_loss']:>10.4g}"
        )
    emit(
        {
            "model": "canonical",
            "delay": delay,
            "response": response,
            "normalised": arguments.normalised,
            "epochs": epochs,
            "critical_learning_rate": critical,
            "runs": rows,
        },
        arguments.format,
        text="\n".join(lines),
    )


def _latent_summary(result, final, index) -> dict:
    """Rank-one runs: latent r at the first and the last epoch, and the first recorded epoch
    with no fixed point on the way (-1: none)."""
    if final.canonical_parameter is None:
        return {}
    clear = np.nonzero(result.latent_clearance[index] > 0)[0]
    return {
        "initial_canonical_parameter": float(result.canonical_parameter[index, 0]),
        "final_canonical_parameter": float(final.canonical_parameter[index]),
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

"""The learning-rate law in rank-one networks: critical learning rate against the delay T.

**Prediction.** Plain gradient descent on the weights theta = (m, n, b) moves any smooth
function rho(theta) by delta rho = -eta |d rho/d theta|^2 dL/d rho (to first order, when the
loss depends on theta through rho), i.e. as gradient descent on rho with the effective rate
eta |d rho/d theta|^2. The canonical critical rate alpha_c of the delayed-activation task
(:func:`ghostsym.theory._task.critical_learning_rate`, derived) therefore predicts

    eta_c = alpha_c / |d rho/d theta|^2   at the trained network.

Units and normalisation (why the prediction is not simply alpha_c(T)/|dr/dtheta|^2):

- time: the network is the Euler scheme of its flow with step alpha = 0.5, so a continuous
  passage time t is t/alpha updates; the outputs are all right when the crossing happens after
  s in (T, T + 1] updates, so the target passage is t = alpha (T + 1/2) and the response window
  is alpha R (module :mod:`~ghostsym.analysis._training_ghosts`);
- loss: the network's loss sum_t (y - target)^2 / T counts wrong steps over T; with the
  crossing at t it is |t - alpha (T + 1/2)| / (alpha T): the canonical un-normalised loss
  |t* - T'| divided by alpha T, so its critical rate is alpha T alpha_c(T' = alpha (T + 1/2),
  R' = alpha R) (dividing the loss by a constant multiplies alpha_c by it);
- parameter: the canonical loss is written for t*(r) = pi/(2 sqrt r), a passage from the
  ghost's centre to infinity. The network's passage runs between finite end points, through
  (or past) its slow point: t = G(z_1) - G(z_0) (:func:`~ghostsym.analysis.reduce_latent_path`),
  e.g. pi/sqrt(r) (twice t*) for a full bottleneck. The parameter for which the theory holds
  as written is the *passage-matched* rho = (pi / (2 t))^2, so that t = t*(rho) exactly.
  ``naive_prediction`` uses the latent r itself (t*(r) and alpha_c(alpha T) normalised), as a
  literal reading of the theory would; it is reported beside the matched one.

d rho/d theta comes from ``jax.grad`` through the latent reduction (slow point by Newton,
its d, lambda, c, r, the canonical end points and the derived passage time).

**Measurement.** Trained networks (Adam pretraining, learning rate lowered tenfold once the
loss first falls below 0.2) are trained further with plain SGD at a grid of learning rates; a
run *collapses* when its loss at the end is back at or above half the plateau (R/(2T)) or
diverged. Per network, eta_c is the geometric mean of the largest stable and the smallest
collapsing rate, after refining that bracket on a finer grid.

>>> theory = canonical_critical_rate(delay=20, response=20)
>>> f"{theory:.4g}"
'0.0008005'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from .._jax import float64
from ..errors import InvalidInputError, require_positive
from ._latent import reduce_latent_path

__all__ = [
    "canonical_critical_rate",
    "CriticalLearningRatePrediction",
    "predict_critical_learning_rate",
    "CriticalLearningRateMeasurement",
    "measure_critical_learning_rate",
    "pretrain_rank_one",
    "LearningRateLaw",
    "learning_rate_law",
    "fit_exponent",
]


def canonical_critical_rate(delay: int, response: int, time_step: float = 0.5) -> float:
    """alpha T alpha_c(alpha (T + 1/2), alpha R): the critical rate of the network's loss for
    the passage-matched parameter rho (module docstring), from the derived alpha_c."""
    from ..theory._task import critical_learning_rate

    delay, response = require_positive("delay", delay), require_positive("response", response)
    time_step = require_positive("time_step", time_step)
    alpha_c = critical_learning_rate(time_step * (delay + 0.5), time_step * response)
    return float(time_step * delay * alpha_c)


def naive_critical_rate(delay: int, response: int, time_step: float = 0.5) -> float:
    """alpha_c(alpha T, alpha R) of the normalised loss L/T: the theory read literally."""
    from ..theory._task import critical_learning_rate

    return float(critical_learning_rate(time_step * delay, time_step * response, normalised=True))


@cache
def _gradient_function(threshold: float):
    """jit(vmap) of (m, n, b) -> (rho, r, t, |d rho/d theta|^2, |d r/d theta|^2): one trace."""
    from .._jax import jax, jnp

    def single(m, n, b, initial_state):
        def outputs(parameters):
            mm, nn, bb = parameters
            *_, r, _, time = reduce_latent_path(mm, nn, bb, initial_state * jnp.sum(nn), threshold)
            return jnp.stack([(jnp.pi / (2 * time)) ** 2, r]), time

        jacobian, time = jax.jacrev(outputs, has_aux=True)((m, n, b))
        values, _ = outputs((m, n, b))
        squared = sum(jnp.sum(block**2, axis=1) for block in jacobian)  # per output row
        return values[0], values[1], time, squared[0], squared[1]

    return jax.jit(jax.vmap(single, in_axes=(0, 0, 0, None)))


@dataclass(frozen=True, eq=False)
class CriticalLearningRatePrediction:
    """eta_c = alpha_c / |d rho/d theta|^2 for S trained rank-one networks (module docstring).

    Attributes:
        delay, response: T and R (steps); time_step: alpha.
        canonical_rate: alpha T alpha_c(alpha (T + 1/2), alpha R), for rho.
        naive_canonical_rate: alpha_c(alpha T, alpha R) of L/T, for r read as t*(r).
        matched_parameter (S,): rho = (pi/(2 t))^2; optimum_parameter: rho* at t = alpha(T+1/2).
        canonical_parameter (S,): the latent r at the on-path slow point.
        passage_time (S,): t, continuous time.
        matched_gradient_squared (S,), canonical_gradient_squared (S,): |d rho/dtheta|^2,
            |d r/dtheta|^2.
        predicted (S,): canonical_rate / matched_gradient_squared.
        naive_prediction (S,): naive_canonical_rate / canonical_gradient_squared.
    """

    delay: int
    response: int
    time_step: float
    canonical_rate: float
    naive_canonical_rate: float
    matched_parameter: np.ndarray
    optimum_parameter: float
    canonical_parameter: np.ndarray
    passage_time: np.ndarray
    matched_gradient_squared: np.ndarray
    canonical_gradient_squared: np.ndarray
    predicted: np.ndarray
    naive_prediction: np.ndarray


@float64
def predict_critical_learning_rate(
    m,
    n,
    b,
    *,
    delay: int,
    response: int,
    initial_state: float = -0.3,
    threshold: float = 1.0,
    time_step: float = 0.5,
) -> CriticalLearningRatePrediction:
    """Predicted critical SGD learning rate of each trained rank-one network ((S, N) arrays).

    >>> import numpy as np
    >>> m, n, b = np.array([[2.0, 0.0]]), np.array([[1.0, 0.8]]), np.array([[-1.0, 10.0]])
    >>> prediction = predict_critical_learning_rate(m, n, b, delay=20, response=20)
    >>> bool(prediction.predicted[0] > 0), prediction.matched_parameter.shape
    (True, (1,))
    """

    m, n, b = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in (m, n, b))
    if not (m.shape == n.shape == b.shape):
        raise InvalidInputError(f"m, n, b must share a shape (S, N), got {m.shape}, {n.shape}")
    compiled = _gradient_function(float(threshold))
    outputs = compiled(m, n, b, float(initial_state))
    rho, r, time, matched_squared, raw_squared = (np.asarray(v) for v in outputs)
    canonical = canonical_critical_rate(delay, response, time_step)
    naive = naive_critical_rate(delay, response, time_step)
    with np.errstate(divide="ignore"):
        predicted = np.where(matched_squared > 0, canonical / matched_squared, np.inf)
        naive_prediction = np.where(raw_squared > 0, naive / raw_squared, np.inf)
    return CriticalLearningRatePrediction(
        delay=int(delay),
        response=int(response),
        time_step=float(time_step),
        canonical_rate=canonical,
        naive_canonical_rate=naive,
        matched_parameter=rho,
        optimum_parameter=(math.pi / (2 * time_step * (delay + 0.5))) ** 2,
        canonical_parameter=r,
        passage_time=time,
        matched_gradient_squared=matched_squared,
        canonical_gradient_squared=raw_squared,
        predicted=predicted,
        naive_prediction=naive_prediction,
    )


@float64
def pretrain_rank_one(
    delay: int,
    seeds,
    *,
    epochs: int = 1000,
    chunk: int = 250,
    learning_rate: float | None = None,
    size: int = 100,
):
    """Trained rank-one networks for the delayed-activation task (delay = response = ``delay``).

    Adam (whose near-constant step crosses the plateau quickly) at ``learning_rate`` (default
    1e-3 min(1, 40/T)), lowered tenfold for a run once its loss first falls below 0.2 (so the
    trained state settles instead of being kicked out). Returns ``(parameters, learned)``:
    batched parameters (leading axis = seeds) and a bool mask of runs whose final loss < 0.1.
    """
    from ..network import DelayedActivation, RankOneNetwork, train_population

    if epochs % chunk:
        raise InvalidInputError(f"epochs={epochs} must be a multiple of chunk={chunk}")
    seeds = np.asarray(seeds, dtype=np.int64)
    high = learning_rate if learning_rate is not None else 1e-3 * min(1.0, 40.0 / delay)
    model, task = RankOneNetwork(size=size), DelayedActivation(delay=delay, response=delay)
    rates = np.full(seeds.size, high)
    parameters = optimizer_state = None
    reached = np.zeros(seeds.size, dtype=bool)
    for index in range(epochs // chunk):
        result = train_population(
            model,
            task,
            learning_rates=rates,
            seeds=seeds,
            epochs=chunk,
            record_every=chunk,
            optimizer="adam",
            initial_parameters=parameters,
            initial_optimizer_state=optimizer_state,
            first_epoch=index * chunk,
            log_canonical_parameter=False,
        )
        parameters, optimizer_state = result.final_parameters, result.final_optimizer_state
        reached |= result.minimum_loss < 0.2
        rates = np.where(reached, high / 10, high)
    final = _final_loss(model, task, parameters)
    return parameters, (final < 0.1) & np.all(np.isfinite(np.asarray(parameters.m)), axis=1)


@lru_cache(maxsize=16)
def _compiled_final_loss(model, task):
    """jit(vmap) of the loss of one network, once per (model, task) (both hashable)."""
    from .._jax import jax
    from ..network import network_loss

    return jax.jit(jax.vmap(lambda parameters: network_loss(model, task, parameters)))


def _final_loss(model, task, parameters) -> np.ndarray:
    from .._jax import jnp

    casted = model.cast(parameters, jnp.float64)
    return np.asarray(_compiled_final_loss(model, task)(casted))


@dataclass(frozen=True, eq=False)
class CriticalLearningRateMeasurement:
    """Which SGD learning rates make trained networks collapse (S networks).

    Attributes:
        delay, response: T and R (steps); epochs: SGD epochs per trial rate.
        learning_rates (L,): the coarse grid; collapsed (S, L): loss back at >= R/(2T) or
            diverged at the end.
        lower (S,), upper (S,): the final bracket (largest stable, smallest collapsing rate)
            after refinement; 0 / inf where the coarse grid did not bracket.
        bracketed (S,): the coarse grid had a stable rate below its first collapsing one.
        critical (S,): sqrt(lower * upper) (0 if even the smallest rate collapsed, inf if none).
    """

    delay: int
    response: int
    epochs: int
    learning_rates: np.ndarray
    collapsed: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    bracketed: np.ndarray
    critical: np.ndarray


@float64
def measure_critical_learning_rate(
    parameters,
    *,
    delay: int,
    learning_rates,
    epochs: int = 100,
    refinements: int | None = None,
    size: int = 100,
) -> CriticalLearningRateMeasurement:
    """SGD from each trained network (batched ``parameters``, leading axis S) at every rate.

    All S x L runs train as one population; then each bracket is refined with ``refinements``
    rates (default L, so that the refinement population has the coarse one's shape and reuses
    its compiled computation).
    """
    from .._jax import jax
    from ..network import (
        DelayedActivation,
        RankOneNetwork,
        final_epoch_metrics,
        train_population,
    )

    rates = np.sort(np.asarray(learning_rates, dtype=np.float64))
    count = int(np.shape(parameters.m)[0])
    model, task = RankOneNetwork(size=size), DelayedActivation(delay=delay, response=delay)
    record = max(1, epochs // 10)

    def collapsed(trial_rates, owners):
        repeated = jax.tree.map(lambda leaf: np.asarray(leaf)[owners], parameters)
        result = train_population(
            model,
            task,
            learning_rates=trial_rates,
            seeds=owners,
            epochs=epochs,
            record_every=record,
            initial_parameters=repeated,
            log_canonical_parameter=False,
        )
        final = final_epoch_metrics(result).loss  # after the last epoch, not the last record
        return result.diverged | ~np.isfinite(final) | (final >= 0.5 * task.response / delay)

    refinements = rates.size if refinements is None else int(refinements)
    owners = np.repeat(np.arange(count), rates.size)
    grid = collapsed(np.tile(rates, count), owners).reshape(count, rates.size)
    first = np.where(grid.any(axis=1), np.argmax(grid, axis=1), rates.size)
    bracketed = (first > 0) & (first < rates.size)
    lower = np.where(first > 0, rates[np.maximum(first - 1, 0)], 0.0)
    upper = np.where(first < rates.size, rates[np.minimum(first, rates.size - 1)], np.inf)
    if refinements > 0 and bracketed.any():
        seeds = np.arange(count)  # all networks, so the population keeps its compiled shape
        fractions = np.arange(1, refinements + 1) / (refinements + 1)
        low, high = np.where(bracketed, lower, 1.0), np.where(bracketed, upper, 2.0)
        fine = np.exp(np.log(low[:, None]) + fractions * np.log(high[:, None] / low[:, None]))
        fine_collapsed = collapsed(fine.ravel(), np.repeat(seeds, refinements)).reshape(fine.shape)
        seeds = np.flatnonzero(bracketed)
        for seed in seeds:
            hits = np.flatnonzero(fine_collapsed[seed])
            if hits.size:
                upper[seed] = fine[seed, hits[0]]
                if hits[0] > 0:
                    lower[seed] = fine[seed, hits[0] - 1]
            else:
                lower[seed] = fine[seed, -1]
    with np.errstate(invalid="ignore"):
        critical = np.where(first == 0, 0.0, np.where(first == rates.size, np.inf, 0.0))
        critical = np.where(bracketed, np.sqrt(lower * upper), critical)
    return CriticalLearningRateMeasurement(
        delay=int(delay),
        response=int(delay),
        epochs=int(epochs),
        learning_rates=rates,
        collapsed=grid,
        lower=lower,
        upper=upper,
        bracketed=bracketed,
        critical=critical,
    )


def fit_exponent(delays, values_per_delay, *, samples: int = 1000, seed: int = 0):
    """Slope of log(median value) against log T, with a bootstrap over the values of each
    delay (resampled with replacement). Returns (slope, (2.5%, 97.5%) interval).

    >>> delays = [10, 20, 40]
    >>> values = [np.array([1.0, 1.1]), np.array([1 / 16, 1.1 / 16]), np.array([1 / 256] * 2)]
    >>> slope, (low, high) = fit_exponent(delays, values, samples=200)
    >>> round(slope, 2), low <= slope <= high
    (-4.0, True)
    """
    logs = np.log(np.asarray(delays, dtype=np.float64))
    groups = [np.log(np.asarray(v, dtype=np.float64)) for v in values_per_delay]
    if any(group.size == 0 or not np.all(np.isfinite(group)) for group in groups):
        raise InvalidInputError("every delay needs at least one finite, positive value")
    slope = float(np.polyfit(logs, [np.median(g) for g in groups], 1)[0])
    rng = np.random.default_rng(seed)
    # the draws in the order of one resample after another (the generator's stream), then the
    # medians of every resample at once and one least-squares fit with a column per resample
    draws = [[rng.choice(g, g.size) for g in groups] for _ in range(samples)]
    medians = np.array(
        [
            np.median(np.array([draw[index] for draw in draws]), axis=1)
            for index in range(len(groups))
        ]
    )  # (delays, samples)
    slopes = np.polyfit(logs, medians, 1)[0] if samples else np.zeros(0)
    low, high = np.percentile(slopes, [2.5, 97.5])
    return slope, (float(low), float(high))


@dataclass(frozen=True, eq=False)
class LearningRateLaw:
    """Measured and predicted critical learning rates against the delay T.

    Attributes:
        delays (D,): T (= R) in steps.
        predictions, measurements: one per delay (networks that learned in pretraining).
        learned_counts (D,): networks that learned in pretraining, of ``seed_count``.
        measured_exponent, predicted_exponent, naive_exponent: log-log slopes of the medians
            with bootstrap intervals (``*_interval``).
        canonical_exponent: T d/dT log alpha_c of the canonical theory (normalised loss, -4).
    """

    delays: np.ndarray
    seed_count: int
    predictions: tuple[CriticalLearningRatePrediction, ...]
    measurements: tuple[CriticalLearningRateMeasurement, ...]
    learned_counts: np.ndarray
    measured_exponent: float
    measured_exponent_interval: tuple[float, float]
    predicted_exponent: float
    predicted_exponent_interval: tuple[float, float]
    naive_exponent: float
    naive_exponent_interval: tuple[float, float]
    canonical_exponent: float

    def medians(self) -> dict[str, np.ndarray]:
        """Median measured, predicted and naive critical rates per delay (inf where a delay
        has no bracketed measurement)."""

        def median(values):
            return float(np.median(values)) if values.size else math.inf

        return {
            "measured": np.array([median(m.critical[m.bracketed]) for m in self.measurements]),
            "predicted": np.array([median(p.predicted) for p in self.predictions]),
            "naive": np.array([median(p.naive_prediction) for p in self.predictions]),
        }


@float64
def learning_rate_law(
    delays=(10, 20, 40, 80),
    seeds=range(4),
    *,
    pretrain_epochs: int = 1000,
    sweep_epochs: int = 100,
    learning_rates=None,
    refinements: int | None = None,
    bootstrap_samples: int = 1000,
    bootstrap_seed: int = 0,
) -> LearningRateLaw:
    """Measure and predict eta_c(T) for each delay; fit both exponents (module docstring).

    ``learning_rates``: the coarse SGD grid (default 10^-6 ... 10^-0.5, two per decade).
    """
    from ..theory._task import delayed_activation_theory

    delays = np.asarray(delays, dtype=np.int64)
    seeds = np.asarray(list(seeds), dtype=np.int64)
    rates = np.logspace(-6, -0.5, 12) if learning_rates is None else learning_rates
    predictions, measurements, learned_counts = [], [], []
    for delay in delays:
        parameters, learned = pretrain_rank_one(int(delay), seeds, epochs=pretrain_epochs)
        if not learned.any():
            raise InvalidInputError(f"no network learned the task at T = {delay} in pretraining")
        from .._jax import jax

        kept = jax.tree.map(lambda leaf, keep=learned: np.asarray(leaf)[keep], parameters)
        predictions.append(
            predict_critical_learning_rate(
                kept.m, kept.n, kept.b, delay=int(delay), response=int(delay)
            )
        )
        measurements.append(
            measure_critical_learning_rate(
                kept,
                delay=int(delay),
                learning_rates=rates,
                epochs=sweep_epochs,
                refinements=refinements,
            )
        )
        learned_counts.append(int(learned.sum()))
    fit = {
        "measured": [m.critical[m.bracketed] for m in measurements],
        "predicted": [p.predicted[np.isfinite(p.predicted)] for p in predictions],
        "naive": [
            p.naive_prediction[np.isfinite(p.naive_prediction) & (p.naive_prediction > 0)]
            for p in predictions
        ],
    }
    exponents = {}
    for name, values in fit.items():
        usable = [index for index, group in enumerate(values) if group.size]
        if len(usable) < 2:
            raise InvalidInputError(
                f"the {name} critical learning rates exist for fewer than two delays "
                f"({[int(delays[i]) for i in usable]}): no exponent can be fitted"
            )
        exponents[name] = fit_exponent(
            delays[usable],
            [values[i] for i in usable],
            samples=bootstrap_samples,
            seed=bootstrap_seed,
        )
    canonical = float(delayed_activation_theory(T=100, normalised=True).numbers().critical_exponent)
    return LearningRateLaw(
        delays=delays,
        seed_count=int(seeds.size),
        predictions=tuple(predictions),
        measurements=tuple(measurements),
        learned_counts=np.asarray(learned_counts),
        measured_exponent=exponents["measured"][0],
        measured_exponent_interval=exponents["measured"][1],
        predicted_exponent=exponents["predicted"][0],
        predicted_exponent_interval=exponents["predicted"][1],
        naive_exponent=exponents["naive"][0],
        naive_exponent_interval=exponents["naive"][1],
        canonical_exponent=canonical,
    )

"""Reading a population's loss curves: learned, collapsed, plateau, and how abrupt the drop was.

The paper's qualitative outcomes, made into explicit rules on the recorded loss. With L0 the
loss at the first recorded epoch (the plateau: 1 for the rank-one delayed-activation network,
whose output starts off):

- ``diverged``: the loss or gradient went non-finite (the run was frozen);
- ``learned``: the final recorded loss is <= ``learned_below`` x L0;
- ``collapsed``: the loss fell to <= ``learned_below`` x L0 at some epoch (minimum over every
  epoch) but ends >= ``collapsed_above`` x L0, back on the plateau (paper Fig 3B, 8B);
- ``plateau``: the loss never fell to ``learned_below`` x L0;
- ``unsettled``: it learned at some point and ends in between.

Abruptness: ``leaving_epoch`` is the first recorded epoch with loss <= 0.9 L0 (end of the
plateau), ``learned_epoch`` the first with loss <= ``learned_below`` x L0; the drop is abrupt
when ``learned_epoch - leaving_epoch`` is small next to ``leaving_epoch``.

>>> import numpy as np
>>> outcomes = classify_losses(np.array([[1, 1, 1, 0.05, 0.04], [1, 1, 0.1, 1, 1],
...                                      [1, 1, 1, 1, 0.99]]))
>>> outcomes.labels.tolist(), outcomes.fraction("collapsed")
(['learned', 'collapsed', 'plateau'], 0.3333333333333333)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._io import json_ready
from .._jax import float64, jax, jnp
from ..errors import InvalidInputError

__all__ = [
    "OUTCOME_LABELS",
    "FinalEpochMetrics",
    "final_epoch_metrics",
    "RunOutcomes",
    "classify_losses",
    "classify_runs",
    "SettingSummary",
    "summarise_by_setting",
]

OUTCOME_LABELS = ("learned", "collapsed", "plateau", "unsettled", "diverged")


@dataclass(frozen=True)
class RunOutcomes:
    """Per-run outcome labels and the numbers they were read from (arrays of length R)."""

    labels: np.ndarray
    initial_loss: np.ndarray
    minimum_loss: np.ndarray
    final_loss: np.ndarray
    final_gradient_norm: np.ndarray
    maximum_gradient_norm: np.ndarray
    leaving_epoch: np.ndarray
    learned_epoch: np.ndarray
    learned_below: float
    collapsed_above: float

    def fraction(self, label: str, where=None) -> float:
        """Fraction of runs (optionally of the runs selected by boolean ``where``) with ``label``.

        >>> classify_losses(np.array([[1.0, 0.01]])).fraction("learned")
        1.0
        """
        if label not in OUTCOME_LABELS:
            raise InvalidInputError(f"label must be one of {OUTCOME_LABELS}, got {label!r}")
        selected = self.labels if where is None else self.labels[np.asarray(where, dtype=bool)]
        if selected.size == 0:
            raise InvalidInputError("no runs selected")
        return float(np.mean(selected == label))

    def counts(self, where=None) -> dict[str, int]:
        """Number of runs per label."""
        selected = self.labels if where is None else self.labels[np.asarray(where, dtype=bool)]
        return {label: int(np.sum(selected == label)) for label in OUTCOME_LABELS}


def _first_epoch(mask: np.ndarray, epochs: np.ndarray) -> np.ndarray:
    hit = mask.any(axis=1)
    first = np.argmax(mask, axis=1)
    return np.where(hit, epochs[first], -1)


def classify_losses(
    loss,
    *,
    minimum_loss=None,
    gradient_norm=None,
    diverged=None,
    recorded_epochs=None,
    learned_below: float = 0.25,
    collapsed_above: float = 0.9,
) -> RunOutcomes:
    """Classify loss curves ``loss`` (R, E) by the rules of the module docstring.

    ``minimum_loss`` (R,) is the minimum over *every* epoch when the curve was recorded with a
    stride (default: the minimum of the recorded curve).
    """
    loss = np.atleast_2d(np.asarray(loss, dtype=np.float64))
    if loss.ndim != 2 or loss.shape[1] < 1:
        raise InvalidInputError(f"loss must have shape (runs, epochs), got {loss.shape}")
    if not 0 < learned_below < collapsed_above <= 1:
        raise InvalidInputError(
            f"need 0 < learned_below < collapsed_above <= 1, got {learned_below}, {collapsed_above}"
        )
    runs, count = loss.shape
    epochs = np.arange(count) if recorded_epochs is None else np.asarray(recorded_epochs)
    initial = loss[:, 0]
    minimum = np.min(np.where(np.isfinite(loss), loss, np.inf), axis=1)
    if minimum_loss is not None:
        minimum = np.fmin(minimum, np.asarray(minimum_loss, dtype=np.float64))
    final = loss[:, -1]
    if diverged is None:
        diverged = ~np.isfinite(loss).all(axis=1)
    diverged = np.asarray(diverged, dtype=bool)
    with np.errstate(invalid="ignore"):
        ever = minimum <= learned_below * initial
        learned = final <= learned_below * initial
        back = final >= collapsed_above * initial
        leaving = _first_epoch(loss <= 0.9 * initial[:, None], epochs)
        learned_at = _first_epoch(loss <= learned_below * initial[:, None], epochs)
    labels = np.where(
        diverged,
        "diverged",
        np.where(
            learned,
            "learned",
            np.where(~ever, "plateau", np.where(back, "collapsed", "unsettled")),
        ),
    )
    if gradient_norm is None:
        final_gradient = np.full(runs, np.nan)
        maximum_gradient = np.full(runs, np.nan)
    else:
        gradient_norm = np.atleast_2d(np.asarray(gradient_norm, dtype=np.float64))
        final_gradient = gradient_norm[:, -1]
        finite = np.where(np.isfinite(gradient_norm), gradient_norm, -np.inf)
        maximum_gradient = np.max(finite, axis=1)
    return RunOutcomes(
        labels=labels.astype(str),
        initial_loss=initial,
        minimum_loss=minimum,
        final_loss=final,
        final_gradient_norm=final_gradient,
        maximum_gradient_norm=maximum_gradient,
        leaving_epoch=leaving,
        learned_epoch=learned_at,
        learned_below=float(learned_below),
        collapsed_above=float(collapsed_above),
    )


def classify_runs(
    training,
    *,
    learned_below: float = 0.25,
    collapsed_above: float = 0.9,
    final: FinalEpochMetrics | None = None,
) -> RunOutcomes:
    """Classify every run of a :class:`~ghostsym.network.PopulationTraining`.

    Without ``final``, "final" is the last *recorded* epoch (``epochs - record_every`` after
    the first). With ``final`` (:func:`final_epoch_metrics`), the loss and gradient norm at the
    last epoch itself are appended to the curves first, so the final loss, final gradient and
    the labels describe the network training ends with.
    """
    loss, gradient, epochs = training.loss, training.gradient_norm, training.recorded_epochs
    if final is not None:
        loss = np.concatenate([loss, final.loss[:, None]], axis=1)
        gradient = np.concatenate([gradient, final.gradient_norm[:, None]], axis=1)
        epochs = np.append(epochs, final.epoch)
    return classify_losses(
        loss,
        minimum_loss=training.minimum_loss,
        gradient_norm=gradient,
        diverged=training.diverged,
        recorded_epochs=epochs,
        learned_below=learned_below,
        collapsed_above=collapsed_above,
    )


@dataclass(frozen=True)
class FinalEpochMetrics:
    """Loss, gradient norm, accuracy and saturation of every run at the last epoch.

    E = ``first_epoch + epochs``; each number is evaluated at ``final_parameters`` (the
    parameters after all E updates) with the noise key of epoch E, fold_in(PRNGKey(seed), E):
    exactly what training would record at epoch E, had it gone on. The gradient norm is
    sqrt(sum over trainable leaves of |dL/dp|^2); saturation is the fraction of tanh rates with
    |rate| > 0.99. A run that diverged has no final network: its numbers are NaN, and
    ``divergence_epoch`` says when its loss or gradient stopped being finite (-1: never). When
    training logged the rank-one latent slow point, ``canonical_parameter`` (r = b d -
    lambda^2/4) and ``latent_clearance`` are those of the last epoch too (else None).
    """

    epoch: int
    loss: np.ndarray
    gradient_norm: np.ndarray
    accuracy: np.ndarray
    saturation: np.ndarray
    diverged: np.ndarray
    divergence_epoch: np.ndarray
    canonical_parameter: np.ndarray | None = None
    latent_clearance: np.ndarray | None = None

    def to_json(self) -> dict:
        """JSON-ready dict (NaN of diverged runs as "nan")."""
        return json_ready(
            {
                "epoch": self.epoch,
                "loss": self.loss,
                "gradient_norm": self.gradient_norm,
                "accuracy": self.accuracy,
                "saturation": self.saturation,
                "diverged": self.diverged,
                "divergence_epoch": self.divergence_epoch,
                "canonical_parameter": self.canonical_parameter,
                "latent_clearance": self.latent_clearance,
            }
        )


@lru_cache(maxsize=16)
def _compiled_final_metrics(model, task, dtype: str, latent: bool):
    from ._latent import latent_slow_point
    from ._training import _Engine, _loss_and_gradient

    array_dtype = jnp.float32 if dtype == "float32" else jnp.float64
    grid_points = _Engine.grid_points  # the grid training logs the latent slow point on

    def one(parameters, seed, epoch):
        key = jax.random.fold_in(jax.random.PRNGKey(seed), epoch)
        prepared = model.prepare(parameters)
        (loss, aux), gradient = _loss_and_gradient(model, task, prepared, key, array_dtype)
        trainable = model.trainable(prepared)
        squares = [
            jnp.sum(jnp.square(leaf))
            for leaf, keep in zip(gradient, trainable, strict=True)
            if keep
        ]
        numbers = (loss, jnp.sqrt(sum(squares)), aux.accuracy, aux.saturation)
        if latent:  # as training logs it: from kappa_0 = x_0 sum(n) to the readout threshold
            start = task.initial_state * jnp.sum(prepared.n)
            point = latent_slow_point(prepared, start, model.threshold, grid_points=grid_points)
            numbers += (point.canonical_parameter, point.clearance)
        return numbers

    return jax.jit(jax.vmap(one, in_axes=(0, 0, None)))


@float64
def final_epoch_metrics(training) -> FinalEpochMetrics:
    """The last epoch's numbers of every run of ``training`` (see :class:`FinalEpochMetrics`).

    >>> from ghostsym.network import RankOneNetwork, DelayedActivation, train_population
    >>> result = train_population(RankOneNetwork(size=10), DelayedActivation(5, 5),
    ...     learning_rates=[0.5], seeds=[0], epochs=20, record_every=20)
    >>> final = final_epoch_metrics(result)
    >>> final.epoch, bool(final.loss[0] < result.loss[0, -1])
    (20, True)
    """
    epoch = int(training.first_epoch + training.epochs)
    array_dtype = np.float32 if training.dtype == "float32" else np.float64
    parameters = jax.tree.map(
        lambda leaf: jnp.asarray(leaf, dtype=array_dtype), training.final_parameters
    )
    latent = training.canonical_parameter is not None
    compiled = _compiled_final_metrics(training.model, training.task, training.dtype, latent)
    values = compiled(parameters, jnp.asarray(training.seeds, dtype=jnp.int64), epoch)
    diverged = np.asarray(training.diverged, dtype=bool)
    values = [np.where(diverged, np.nan, np.asarray(value, dtype=np.float64)) for value in values]
    return FinalEpochMetrics(
        epoch=epoch,
        loss=values[0],
        gradient_norm=values[1],
        accuracy=values[2],
        saturation=values[3],
        diverged=diverged,
        divergence_epoch=np.asarray(training.divergence_epoch, dtype=np.int64),
        canonical_parameter=values[4] if latent else None,
        latent_clearance=values[5] if latent else None,
    )


@dataclass(frozen=True)
class SettingSummary:
    """Outcome counts and medians of the runs sharing one (learning rate, confidence)."""

    learning_rate: float
    confidence: float
    runs: int
    counts: dict
    median_final_loss: float
    median_minimum_loss: float
    median_final_gradient_norm: float
    median_final_saturation: float
    median_peak_saturation: float
    median_final_accuracy: float

    def fraction(self, label: str) -> float:
        """Fraction of these runs with ``label``."""
        return self.counts[label] / self.runs

    def to_json(self) -> dict:
        """JSON-ready dict (ghostsym's JSON: infinite confidence "inf", a NaN median "nan")."""
        return json_ready(
            {
                "learning_rate": self.learning_rate,
                "confidence": float(self.confidence),
                "runs": self.runs,
                "counts": dict(self.counts),
                "median_final_loss": float(self.median_final_loss),
                "median_minimum_loss": float(self.median_minimum_loss),
                "median_final_gradient_norm": float(self.median_final_gradient_norm),
                "median_final_saturation": float(self.median_final_saturation),
                "median_peak_saturation": float(self.median_peak_saturation),
                "median_final_accuracy": float(self.median_final_accuracy),
            }
        )


def summarise_by_setting(
    training, outcomes: RunOutcomes | None = None, final: FinalEpochMetrics | None = None
) -> tuple[SettingSummary, ...]:
    """One :class:`SettingSummary` per distinct (learning rate, confidence), in run order.

    With ``final`` (:func:`final_epoch_metrics`) the final saturation and accuracy are those of
    the last epoch (and the peak saturation includes it); without, of the last recorded epoch.
    """
    if outcomes is None:
        outcomes = classify_runs(training, final=final)
    saturation, accuracy = training.saturation, training.accuracy
    if final is not None:
        saturation = np.concatenate([saturation, final.saturation[:, None]], axis=1)
        accuracy = np.concatenate([accuracy, final.accuracy[:, None]], axis=1)
    keys = list(zip(training.learning_rates.tolist(), training.confidences.tolist(), strict=True))
    summaries = []
    for key in dict.fromkeys(keys):
        mask = np.array([k == key for k in keys])

        def median(values, mask=mask):
            values = np.asarray(values, dtype=np.float64)[mask]
            values = values[np.isfinite(values)]
            return float(np.median(values)) if values.size else float("nan")

        summaries.append(
            SettingSummary(
                learning_rate=float(key[0]),
                confidence=float(key[1]),
                runs=int(mask.sum()),
                counts=outcomes.counts(mask),
                median_final_loss=median(outcomes.final_loss),
                median_minimum_loss=median(outcomes.minimum_loss),
                median_final_gradient_norm=median(outcomes.final_gradient_norm),
                median_final_saturation=median(saturation[:, -1]),
                median_peak_saturation=median(np.nanmax(saturation, axis=1)),
                median_final_accuracy=median(accuracy[:, -1]),
            )
        )
    return tuple(summaries)

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

import numpy as np

from .._io import json_ready
from ..errors import InvalidInputError

__all__ = [
    "OUTCOME_LABELS",
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
    training, *, learned_below: float = 0.25, collapsed_above: float = 0.9
) -> RunOutcomes:
    """Classify every run of a :class:`~ghostsym.network.PopulationTraining`."""
    return classify_losses(
        training.loss,
        minimum_loss=training.minimum_loss,
        gradient_norm=training.gradient_norm,
        diverged=training.diverged,
        recorded_epochs=training.recorded_epochs,
        learned_below=learned_below,
        collapsed_above=collapsed_above,
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
    training, outcomes: RunOutcomes | None = None
) -> tuple[SettingSummary, ...]:
    """One :class:`SettingSummary` per distinct (learning rate, confidence), in run order."""
    if outcomes is None:
        outcomes = classify_runs(training)
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
                median_final_saturation=median(training.saturation[:, -1]),
                median_peak_saturation=median(np.max(training.saturation, axis=1)),
                median_final_accuracy=median(training.accuracy[:, -1]),
            )
        )
    return tuple(summaries)

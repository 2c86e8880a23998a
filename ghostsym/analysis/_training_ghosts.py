"""Ghosts across training: the latent slow point, its r and the predicted passage per epoch.

For a population of rank-one networks trained on the delayed-activation task (delay T,
response R, in steps), every snapshot is reduced on its path kappa_0 -> 1
(:func:`~ghostsym.analysis.rank_one_latent_passage`). The canonical passage time t (continuous
time, in units of tau) is ``t / alpha`` network updates (alpha = dt/tau = 0.5: the network is
the Euler scheme of its flow with step alpha). The output at step index i reads the state after
i + 1 updates, so with the crossing after s updates (interpolated) the outputs are right at
every step when T < s <= T + 1; the idealised (infinite-confidence) loss of a crossing after
s updates is therefore

    L(s) = min(|s - (T + 1/2)|, R) / T,

the canonical loss |t* - T| / T of the theory in the network's units. The *predicted* drop
epoch is the first snapshot whose predicted L(s_pred) < 1/2; the *measured* drop epoch is the
first epoch whose recorded loss < 1/2 (the paper's loss; 1 = R/T on the plateau). The
*entry* epoch is the first snapshot whose predicted crossing lies inside the trial window
(s_pred < T + R + 1/2, L < R/T).

>>> import numpy as np
>>> idealised_loss(np.array([20.5, 30.5, np.inf]), delay=20, response=20).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInputError
from ._latent import LatentPassage, latent_fixed_point_count, rank_one_latent_passage

__all__ = ["GhostsAcrossTraining", "idealised_loss", "analyse_rank_one_training", "first_epoch"]


def idealised_loss(crossing_steps, delay: int, response: int) -> np.ndarray:
    """L(s) = min(|s - (T + 1/2)|, R) / T for crossings after s updates (inf: never)."""
    steps = np.asarray(crossing_steps, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        wrong = np.minimum(np.abs(steps - (delay + 0.5)), response)
    return np.where(np.isfinite(steps), wrong, response) / delay


def first_epoch(epochs, condition) -> np.ndarray:
    """Per row of ``condition`` (runs x epochs), the first epoch where it holds, else -1.

    >>> first_epoch([0, 5, 10], np.array([[False, True, True], [False, False, False]])).tolist()
    [5, -1]
    """
    epochs = np.asarray(epochs)
    condition = np.asarray(condition, dtype=bool)
    index = np.argmax(condition, axis=-1)
    return np.where(condition.any(axis=-1), epochs[index], -1)


@dataclass(frozen=True, eq=False)
class GhostsAcrossTraining:
    """Latent slow points of rank-one training runs at every snapshot (S seeds x P snapshots).

    Attributes:
        delay, response: T and R of the task (steps); time_step: alpha.
        loss_epochs (E,), loss (S, E): the recorded training loss.
        snapshot_epochs (P,): epochs of the parameter snapshots.
        passage: :class:`~ghostsym.analysis.LatentPassage` with arrays (S, P).
        predicted_loss (S, P): L(s_pred) of the canonical prediction (module docstring).
        fixed_point_counts (S, P): fixed points of the latent flow (sign changes).
        measured_drop_epoch (S,): first epoch with loss < 1/2 (-1: none).
        predicted_drop_epoch (S,): first snapshot with L(s_pred) < 1/2 (-1: none).
        predicted_entry_epoch (S,): first snapshot with s_pred inside the trial (-1: none).
    """

    delay: int
    response: int
    time_step: float
    loss_epochs: np.ndarray
    loss: np.ndarray
    snapshot_epochs: np.ndarray
    passage: LatentPassage
    predicted_loss: np.ndarray
    fixed_point_counts: np.ndarray
    measured_drop_epoch: np.ndarray
    predicted_drop_epoch: np.ndarray
    predicted_entry_epoch: np.ndarray

    @property
    def dropped(self) -> np.ndarray:
        """Seeds whose loss dropped below 1/2 (and whose drop was also predicted)."""
        return (self.measured_drop_epoch >= 0) & (self.predicted_drop_epoch >= 0)

    @property
    def drop_epoch_ratio(self) -> np.ndarray:
        """predicted / measured drop epoch for the seeds that dropped."""
        keep = self.dropped
        return self.predicted_drop_epoch[keep] / self.measured_drop_epoch[keep]

    def snapshot_index(self, epoch: int) -> int:
        """Index of the snapshot at (or just before) ``epoch``."""
        return int(np.searchsorted(self.snapshot_epochs, epoch, side="right") - 1)

    def _at_predicted_drop(self, values: np.ndarray) -> np.ndarray:
        seeds = np.flatnonzero(self.dropped)
        indices = [self.snapshot_index(self.predicted_drop_epoch[s]) for s in seeds]
        return np.array([values[s, i] for s, i in zip(seeds, indices, strict=True)])

    def kinds_at_drop(self) -> np.ndarray:
        """Kind of the on-path slow point at the predicted drop ("ghost", "fixed-point",
        "none" when F is monotone on the path), for the seeds that dropped."""
        return self._at_predicted_drop(self.passage.kinds)

    def canonical_parameter_at_drop(self) -> np.ndarray:
        """r of the on-path slow point at the predicted drop, for the seeds that dropped."""
        return self._at_predicted_drop(self.passage.canonical_parameter)

    def passage_ratio_at_drop(self) -> np.ndarray:
        """Canonical predicted steps / the network's own crossing steps, at the predicted drop."""
        predicted = self._at_predicted_drop(self.passage.predicted_steps)
        return predicted / self._at_predicted_drop(self.passage.simulated_steps)

    def new_fixed_points_before_drop(self) -> np.ndarray:
        """Per dropped seed: did the fixed-point count ever exceed its initial value up to the
        measured drop (a new node-saddle pair created by training)?"""
        seeds = np.flatnonzero(self.dropped)
        flags = []
        for seed in seeds:
            last = self.snapshot_index(self.measured_drop_epoch[seed])
            counts = self.fixed_point_counts[seed, : last + 1]
            flags.append(bool(counts.max() > counts[0]))
        return np.array(flags, dtype=bool)


def analyse_rank_one_training(
    snapshots,
    snapshot_epochs,
    loss,
    loss_epochs,
    *,
    delay: int,
    response: int,
    initial_state: float = -0.3,
    threshold: float = 1.0,
    time_step: float = 0.5,
) -> GhostsAcrossTraining:
    """Reduce every snapshot of a rank-one population and time the abrupt drop.

    ``snapshots``: anything with arrays ``m``, ``n``, ``b`` of shape (S, P, N) (e.g.
    :attr:`ghostsym.network.PopulationTraining.snapshots`); ``loss`` (S, E) at ``loss_epochs``.

    >>> rng = np.random.default_rng(0)
    >>> from types import SimpleNamespace
    >>> snaps = SimpleNamespace(m=rng.normal(size=(1, 2, 5)), n=rng.normal(size=(1, 2, 5)) / 5,
    ...                         b=np.zeros((1, 2, 5)))
    >>> result = analyse_rank_one_training(snaps, [0, 1], np.ones((1, 2)), [0, 1],
    ...                                    delay=20, response=20)
    >>> result.measured_drop_epoch.tolist(), result.predicted_loss.shape
    ([-1], (1, 2))
    """
    m, n, b = (np.asarray(getattr(snapshots, name), dtype=np.float64) for name in ("m", "n", "b"))
    snapshot_epochs = np.asarray(snapshot_epochs)
    loss, loss_epochs = np.asarray(loss, dtype=np.float64), np.asarray(loss_epochs)
    if m.ndim != 3 or m.shape[1] != snapshot_epochs.size:
        raise InvalidInputError(
            f"snapshots must be (S, P, N) with P = {snapshot_epochs.size} epochs, got {m.shape}"
        )
    if loss.shape != (m.shape[0], loss_epochs.size):
        raise InvalidInputError(
            f"loss must be (S, E) = ({m.shape[0]}, {loss_epochs.size}), got {loss.shape}"
        )
    passage = rank_one_latent_passage(
        m,
        n,
        b,
        initial_state=initial_state,
        threshold=threshold,
        time_step=time_step,
        grid_points=128,
        newton_steps=20,
        simulation_steps=2 * (delay + response),
    )
    predicted_loss = idealised_loss(passage.predicted_steps, delay, response)
    return GhostsAcrossTraining(
        delay=int(delay),
        response=int(response),
        time_step=float(time_step),
        loss_epochs=loss_epochs,
        loss=loss,
        snapshot_epochs=snapshot_epochs,
        passage=passage,
        predicted_loss=predicted_loss,
        fixed_point_counts=latent_fixed_point_count(m, n, b, grid_points=400),
        measured_drop_epoch=first_epoch(loss_epochs, loss < 0.5 * response / delay),
        predicted_drop_epoch=first_epoch(snapshot_epochs, predicted_loss < 0.5 * response / delay),
        predicted_entry_epoch=first_epoch(snapshot_epochs, predicted_loss < response / delay),
    )

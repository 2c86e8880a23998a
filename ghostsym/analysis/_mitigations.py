"""Mitigations of the no-learning zone, each at a reduced scale (the paper's Fig 6B and 8B-C).

- :func:`rank_sweep`: fraction of rank-K networks on the delayed-activation task that learn
  (final loss below 1% of the initial loss, the paper's criterion) against K and the learning
  rate (claim: more trainable rank stabilises learning).
- :func:`confidence_recovery`: rank-one networks trained at lr 0.02 with confidence c = 10;
  those that learned and then fell into the no-learning zone (accuracy once above 0.5, at most
  0.5 at the end) continue for a few epochs with each c of a grid (claim: only lowered c
  recovers).
- :func:`readout_cap`: full-rank DCDT networks trained with Adam at lr 0.1, then continued with
  the readout renormalised to ||w_out||_1 = c for several caps c (claim: capping the output
  confidence restores learning).

Each returns a frozen result with the per-run numbers and the fractions the report tabulates.

>>> LEARNED_LOSS_RATIO  # learned: final loss below 1% of the initial loss (paper, Fig 6B)
0.01
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._jax import float64
from ..errors import InvalidInputError

__all__ = [
    "RankSweep",
    "rank_sweep",
    "ConfidenceRecovery",
    "confidence_recovery",
    "ReadoutCap",
    "readout_cap",
]

#: Learned: final loss below this fraction of the initial loss (the paper's Fig 6B criterion).
LEARNED_LOSS_RATIO = 1e-2


@dataclass(frozen=True, eq=False)
class RankSweep:
    """Rank-K delayed-activation networks (K ranks x L learning rates x S seeds).

    Attributes:
        ranks (K,), learning_rates (L,), seeds (S,), epochs, delay.
        initial_loss, final_loss (K, L, S): recorded loss at the first and last record.
        learned (K, L, S): final_loss < 1e-2 initial_loss (and finite).
        fractions (K, L): fraction of seeds that learned.
    """

    ranks: np.ndarray
    learning_rates: np.ndarray
    seeds: np.ndarray
    epochs: int
    delay: int
    initial_loss: np.ndarray
    final_loss: np.ndarray
    learned: np.ndarray

    @property
    def fractions(self) -> np.ndarray:
        """Fraction of seeds that learned, per (rank, learning rate)."""
        return self.learned.mean(axis=-1)


@float64
def rank_sweep(
    ranks=(1, 2, 5, 10, 100),
    learning_rates=(0.01, 0.1, 1.0),
    seeds=range(5),
    *,
    epochs: int = 3000,
    delay: int = 20,
    size: int = 100,
) -> RankSweep:
    """Train every (rank, learning rate, seed) on the delayed-activation task with plain SGD.

    Ranks up to 16 train as one population of rank-K_small networks (K_small = the largest of
    them): a rank-K network is the paper's rank-K initialisation with its factors padded by
    zero columns, and zero columns stay zero under gradient descent (d/dm_k is proportional to
    n_k^T x = 0 and d/dn_k to m_k = 0), so every run is exactly rank K and the group compiles
    once. Larger ranks train as their own populations (padding them would cost more compute
    than a compilation saves).
    """
    from ..network import DelayedActivation, LowRankNetwork, final_epoch_metrics, train_population

    ranks = np.asarray(ranks, dtype=np.int64)
    rates = np.asarray(learning_rates, dtype=np.float64)
    seeds = np.asarray(list(seeds), dtype=np.int64)
    task = DelayedActivation(delay=delay, response=delay)
    small = [int(rank) for rank in ranks if rank <= 16]
    groups = ([small] if small else []) + [[int(rank)] for rank in ranks if rank > 16]
    initial_loss, final_loss = {}, {}
    for group in groups:
        width = max(group)
        runs = [(rank, rate, seed) for rank in group for rate in rates for seed in seeds]
        initial = []
        for rank, _, seed in runs:
            parameters = LowRankNetwork(size=size, rank=rank).initialise(int(seed))
            padding = ((0, 0), (0, width - rank))
            initial.append(
                parameters._replace(  # zero columns, on the host (no eager JAX op to compile)
                    m=np.pad(np.asarray(parameters.m), padding),
                    n=np.pad(np.asarray(parameters.n), padding),
                )
            )
        batched = type(initial[0])(
            *(np.stack([np.asarray(p[i]) for p in initial]) for i in range(len(initial[0])))
        )
        result = train_population(
            LowRankNetwork(size=size, rank=width),
            task,
            learning_rates=np.array([rate for _, rate, _ in runs]),
            seeds=np.array([seed for _, _, seed in runs]),
            epochs=epochs,
            record_every=max(1, epochs // 20),
            initial_parameters=batched,
        )
        shape = (len(group), rates.size, seeds.size)
        first = result.loss[:, 0].reshape(shape)
        last = np.where(result.diverged, np.inf, final_epoch_metrics(result).loss).reshape(shape)
        for index, rank in enumerate(group):
            initial_loss[rank], final_loss[rank] = first[index], last[index]
    initial_loss = np.array([initial_loss[int(rank)] for rank in ranks])
    final = np.array([final_loss[int(rank)] for rank in ranks])
    learned = np.isfinite(final) & (final < LEARNED_LOSS_RATIO * initial_loss)
    return RankSweep(ranks, rates, seeds, int(epochs), int(delay), initial_loss, final, learned)


@dataclass(frozen=True, eq=False)
class ConfidenceRecovery:
    """Rank-one networks continued with each confidence c after training at c = 10.

    Attributes:
        learning_rate, epochs, recovery_epochs, seeds (S,).
        confidences (C,): the grid of c for the continuation.
        collapsed (S,): learned (accuracy once > 0.5) and at most 0.5 over the last recorded
            2% of training: fell into the no-learning zone.
        never_learned (S,): accuracy never above 0.5 (still on the plateau).
        group_seeds: {"collapsed": seeds, "never-learned": seeds} continued with every c.
        accuracy: {group: (G, C, E2)} accuracy during the continuation (epoch 0 = before).
        recovered: {group: (G, C)} accuracy > 0.5 at the last continuation epoch (left the
            no-learning zone).
    """

    learning_rate: float
    epochs: int
    recovery_epochs: int
    seeds: np.ndarray
    confidences: np.ndarray
    collapsed: np.ndarray
    never_learned: np.ndarray
    group_seeds: dict
    accuracy: dict
    recovered: dict

    def fractions(self, group: str = "collapsed") -> np.ndarray:
        """Fraction of the group's seeds that recovered, per confidence."""
        recovered = self.recovered[group]
        return recovered.mean(axis=0) if recovered.size else np.zeros(self.confidences.size)


@float64
def confidence_recovery(
    seeds=range(40),
    *,
    learning_rate: float = 0.02,
    epochs: int = 6000,
    recovery_epochs: int = 100,
    confidences=None,
    size: int = 100,
) -> ConfidenceRecovery:
    """Train at c = 10, then continue the collapsed (and never-learned) runs with each c.

    ``confidences`` default: logspace(-3, 1, 10).
    """
    from ..network import DelayedActivation, RankOneNetwork, train_population

    seeds = np.asarray(list(seeds), dtype=np.int64)
    grid = np.logspace(-3, 1, 10) if confidences is None else np.asarray(confidences, float)
    model, task = RankOneNetwork(size=size), DelayedActivation()
    record = max(1, epochs // 500)
    first = train_population(
        model,
        task,
        learning_rates=np.full(seeds.size, learning_rate),
        seeds=seeds,
        epochs=epochs,
        record_every=record,
        confidences=10.0,
        log_canonical_parameter=False,
    )
    tail = first.recorded_epochs >= epochs - max(epochs // 50, record)
    ever_learned = first.maximum_accuracy > 0.5
    collapsed = ever_learned & (first.accuracy[:, tail].max(axis=1) <= 0.5)
    never_learned = ~ever_learned
    groups = {
        "collapsed": np.flatnonzero(collapsed),
        "never-learned": np.flatnonzero(never_learned),
    }
    accuracy, recovered = {}, {}
    for name, members in groups.items():
        if members.size == 0:
            accuracy[name] = np.zeros((0, grid.size, recovery_epochs))
            recovered[name] = np.zeros((0, grid.size), dtype=bool)
            continue
        owners = np.repeat(members, grid.size)
        initial = type(first.final_parameters)(
            *(np.asarray(leaf)[owners] for leaf in first.final_parameters)
        )
        second = train_population(
            model,
            task,
            learning_rates=np.full(owners.size, learning_rate),
            seeds=seeds[owners],
            epochs=recovery_epochs,
            record_every=1,
            confidences=np.tile(grid, members.size),
            initial_parameters=initial,
            first_epoch=epochs,
            log_canonical_parameter=False,
        )
        curves = second.accuracy.reshape(members.size, grid.size, recovery_epochs)
        accuracy[name] = curves
        recovered[name] = curves[..., -1] > 0.5  # at the last continuation epoch
    return ConfidenceRecovery(
        learning_rate=float(learning_rate),
        epochs=int(epochs),
        recovery_epochs=int(recovery_epochs),
        seeds=seeds,
        confidences=grid,
        collapsed=collapsed,
        never_learned=never_learned,
        group_seeds=groups,
        accuracy=accuracy,
        recovered=recovered,
    )


@dataclass(frozen=True, eq=False)
class ReadoutCap:
    """Full-rank DCDT networks (Adam) continued under a readout cap ||w_out||_1 = c.

    Attributes:
        learning_rate, phase_epochs (first, second), seeds (S,), caps (C,) (inf: no cap).
        epochs (E,): recorded epochs of the second phase.
        accuracy (S, C, E): accuracy during the second phase (the paper's ternary rule).
        first_phase_accuracy (S, E1): accuracy during the unconstrained first phase.
        final_accuracy (S, C): accuracy at the last recorded epoch of the second phase.
        recovered (S, C): final accuracy >= 0.9.
    """

    learning_rate: float
    phase_epochs: tuple[int, int]
    seeds: np.ndarray
    caps: np.ndarray
    first_phase_epochs: np.ndarray
    first_phase_accuracy: np.ndarray
    epochs: np.ndarray
    accuracy: np.ndarray
    final_accuracy: np.ndarray

    @property
    def recovered(self) -> np.ndarray:
        """Final accuracy >= 0.9, per (seed, cap)."""
        return self.final_accuracy >= 0.9

    @property
    def fractions(self) -> np.ndarray:
        """Fraction of seeds with final accuracy >= 0.9, per cap."""
        return self.recovered.mean(axis=0)


@float64
def readout_cap(
    seeds=range(6),
    *,
    caps=(0.1, 0.5, 1.0, 3.0, np.inf),
    learning_rate: float = 0.1,
    phase_epochs=(1000, 1000),
    record_every: int = 50,
    trials_per_type: int = 10,
    size: int = 100,
) -> ReadoutCap:
    """Paper Fig 8C at reduced scale: DCDT (10/50/50 ms, batch 2 ``trials_per_type`` (paper: 20;
    trials of one type differ only in r_0 and noise), noise 1e-3, sigma_0 = 0.1),
    Adam at ``learning_rate`` for ``phase_epochs[0]`` epochs unconstrained, then
    ``phase_epochs[1]`` epochs with the cap, the Adam state carried over."""
    from ..network import (
        DelayedCueDiscrimination,
        FullRankNetwork,
        final_epoch_metrics,
        train_population,
    )

    seeds = np.asarray(list(seeds), dtype=np.int64)
    caps = np.asarray(caps, dtype=np.float64)
    if np.any(caps <= 0) or np.any(np.isnan(caps)):
        raise InvalidInputError(f"caps must be > 0 (inf: no cap), got {caps.tolist()}")
    model = FullRankNetwork.for_working_memory(size=size, readout_cap=True)
    task = DelayedCueDiscrimination(
        input_ms=10,
        delay_ms=50,
        reaction_ms=50,
        trials_per_type=trials_per_type,
        noise=1e-3,
        initial_spread=0.1,
    )
    first_epochs, second_epochs = (int(e) for e in phase_epochs)
    # phase 1 runs every (seed, cap) pair already (copies of one run per seed, identical
    # until the caps differ), so both phases share one compiled population
    owners = np.repeat(np.arange(seeds.size), caps.size)
    first = train_population(
        model,
        task,
        learning_rates=np.full(owners.size, learning_rate),
        seeds=seeds[owners],
        epochs=first_epochs,
        record_every=record_every,
        optimizer="adam",
        confidences=np.inf,
    )
    second = train_population(
        model,
        task,
        learning_rates=np.full(owners.size, learning_rate),
        seeds=seeds[owners],
        epochs=second_epochs,
        record_every=record_every,
        optimizer="adam",
        confidences=np.tile(caps, seeds.size),
        initial_parameters=first.final_parameters,
        initial_optimizer_state=first.final_optimizer_state,
        first_epoch=first_epochs,
    )
    accuracy = second.accuracy.reshape(seeds.size, caps.size, -1)
    return ReadoutCap(
        learning_rate=float(learning_rate),
        phase_epochs=(first_epochs, second_epochs),
        seeds=seeds,
        caps=caps,
        first_phase_epochs=first.recorded_epochs,
        first_phase_accuracy=first.accuracy[:: caps.size],
        epochs=second.recorded_epochs,
        accuracy=accuracy,
        final_accuracy=final_epoch_metrics(second).accuracy.reshape(seeds.size, caps.size),
    )

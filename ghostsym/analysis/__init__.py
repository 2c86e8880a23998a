"""Ghosts inside trained networks (public subpackage ``ghostsym.analysis``).

Connects the theory to networks:

- **Slow points of a network** (:func:`find_network_slow_points`, :func:`network_slow_points`):
  batched minimisation of q(x) = 1/2 |f(x)|^2 for x' = -x + tanh(W x + b) from visited states,
  Newton refinement, deduplication, Jacobian spectra, each point reduced to z' = r + z^2 and
  classified by the sign of r. Low-rank networks are searched on their exact latent flow
  (:class:`LatentFlow`). ``ghostsym ghost --network FILE.npz`` prints the same.
- **The rank-one latent passage** (:func:`rank_one_latent_passage`): kappa' = -kappa +
  n^T tanh(m kappa + b) reduced at the slow point on the way from kappa_0 to the readout, with
  the predicted passage time t = G(z_1) - G(z_0) (:func:`passage_time_jax`, any sign of r),
  vectorised over many networks (seeds x training snapshots).
- **Constructed networks** with a known fold, ghost or node-saddle pair
  (:func:`rank_one_network_near_fold`).
- **Ghosts across training** (:func:`analyse_rank_one_training`): every snapshot of a rank-one
  training run reduced on its path, the predicted vs measured epoch of the abrupt drop, and the
  fixed-point count over training.
- **The learning-rate law** (:func:`learning_rate_law`): critical SGD learning rates of trained
  rank-one networks against the delay T, measured (:func:`measure_critical_learning_rate`) and
  predicted as eta_c = alpha_c / |d rho/d theta|^2 (:func:`predict_critical_learning_rate`).
- **Mitigations** (:func:`rank_sweep`, :func:`confidence_recovery`, :func:`readout_cap`).

Units: the paper's networks are the Euler scheme x <- x + alpha f(x) of the flow
f(x) = -x + tanh(W x + b) with alpha = dt/tau = 0.5, so a continuous time t is t/alpha steps.

>>> import ghostsym.analysis as analysis
>>> constructed = analysis.rank_one_network_near_fold(size=20, unfolding=1e-3, seed=1)
>>> constructed.network.rank
1
"""

from ._constructions import FoldNetwork, rank_one_network_near_fold
from ._latent import (
    LatentPassage,
    latent_fixed_point_count,
    latent_flow,
    rank_one_latent_passage,
    reduce_latent_path,
    simulate_crossing_jax,
)
from ._learning_rate_law import (
    CriticalLearningRateMeasurement,
    CriticalLearningRatePrediction,
    LearningRateLaw,
    canonical_critical_rate,
    fit_exponent,
    learning_rate_law,
    measure_critical_learning_rate,
    predict_critical_learning_rate,
    pretrain_rank_one,
)
from ._mitigations import (
    ConfidenceRecovery,
    RankSweep,
    ReadoutCap,
    confidence_recovery,
    rank_sweep,
    readout_cap,
)
from ._network import (
    LatentFlow,
    RecurrentNetwork,
    latent_factors,
    latent_vector_field,
    load_network,
    load_states,
    network_vector_field,
)
from ._passage import CanonicalAntiderivatives, canonical_antiderivatives, passage_time_jax
from ._slow_points import (
    find_network_slow_points,
    latent_grid,
    network_slow_points,
    visited_states,
)
from ._training_ghosts import (
    GhostsAcrossTraining,
    analyse_rank_one_training,
    first_epoch,
    idealised_loss,
)

__all__ = [
    "latent_factors",
    "latent_vector_field",
    "network_vector_field",
    "RecurrentNetwork",
    "LatentFlow",
    "load_network",
    "load_states",
    "visited_states",
    "find_network_slow_points",
    "network_slow_points",
    "FoldNetwork",
    "rank_one_network_near_fold",
    "LatentPassage",
    "latent_flow",
    "rank_one_latent_passage",
    "reduce_latent_path",
    "simulate_crossing_jax",
    "latent_fixed_point_count",
    "CanonicalAntiderivatives",
    "canonical_antiderivatives",
    "passage_time_jax",
    "latent_grid",
    "GhostsAcrossTraining",
    "analyse_rank_one_training",
    "idealised_loss",
    "first_epoch",
    "canonical_critical_rate",
    "CriticalLearningRatePrediction",
    "predict_critical_learning_rate",
    "CriticalLearningRateMeasurement",
    "measure_critical_learning_rate",
    "pretrain_rank_one",
    "LearningRateLaw",
    "learning_rate_law",
    "fit_exponent",
    "RankSweep",
    "rank_sweep",
    "ConfidenceRecovery",
    "confidence_recovery",
    "ReadoutCap",
    "readout_cap",
]
from ._transitions import (  # noqa: E402
    INITIAL_WINDOW,
    MINIMUM_DROP,
    PATH_FRACTION,
    PLATEAU_WINDOW,
    SEPARATION,
    TRANSITION_FRACTION,
    InteriorExtremum,
    LatentReadoutLowRankNetwork,
    PrecedenceSummary,
    SnapshotSlowPoints,
    Transition,
    batched_interior_extrema,
    blocked_before,
    first_crossing_above,
    interior_extrema,
    latent_flow_of,
    precedence_summary,
    rank_one_flow_grid,
    sign_flip_count,
    snapshot_slow_points,
    transition_epoch,
    wilson_interval,
    zero_crossings,
)

__all__ += [
    "INITIAL_WINDOW",
    "PLATEAU_WINDOW",
    "MINIMUM_DROP",
    "TRANSITION_FRACTION",
    "SEPARATION",
    "PATH_FRACTION",
    "LatentReadoutLowRankNetwork",
    "Transition",
    "transition_epoch",
    "wilson_interval",
    "SnapshotSlowPoints",
    "latent_flow_of",
    "snapshot_slow_points",
    "PrecedenceSummary",
    "precedence_summary",
    "sign_flip_count",
    "zero_crossings",
    "first_crossing_above",
    "blocked_before",
    "InteriorExtremum",
    "interior_extrema",
    "batched_interior_extrema",
    "rank_one_flow_grid",
]

"""ghostsym.network: the paper's recurrent networks and tasks, trained as vectorised populations.

Models are frozen specs plus parameter pytrees (NamedTuples) with pure functions over them;
tasks are frozen specs that know their trials, loss normalisation and accuracy rule; training
runs a whole population (learning rates x seeds x confidences) as one compiled JAX computation.

Models (see :mod:`ghostsym.network._models` for the equations):
    :class:`RankOneNetwork` (paper R1), :class:`LowRankNetwork` (RK), :class:`FullRankNetwork`
    (RF, and the task RNN via :meth:`FullRankNetwork.for_working_memory`); their parameters
    :class:`RankOneParameters`, :class:`LowRankParameters`, :class:`FullRankParameters`.
    Each model has ``initialise(seed, confidence=..., dtype=...)``, ``update`` (the map),
    ``vector_field(parameters, x)`` (f(x) = -x + tanh(W x + b), JAX-traceable, for slow-point
    finders), ``recurrent_matrix(parameters)`` and ``trajectory(...)``.
Tasks:
    :class:`DelayedActivation` (delay T and response R in steps), :class:`DelayedCueDiscrimination`
    (DCDT), :class:`DelayedMatchToSample` (DMTS); windows in ms at dt = 5 ms.
Latent flow of rank-one networks:
    :func:`latent_flow` f(kappa) = -kappa + n^T tanh(m kappa + b); :func:`latent_slow_point`
    (slow point on the way to the readout threshold and its canonical parameter r).
Training:
    :func:`train_population` -> :class:`PopulationTraining` (its blocks of runs train
    concurrently, a thread per core; :func:`training_threads` sets the default for a region);
    :func:`simulate_trials`, :func:`network_loss`, :func:`check_gradients`;
    :func:`classify_runs` -> :class:`RunOutcomes` (learned / collapsed / plateau /
    unsettled / diverged, by explicit loss rules);
    :func:`summarise_by_setting`; :func:`save_network` (the ``.npz`` format of
    :func:`ghostsym.analysis.load_network`).
Theory inside training:
    :func:`train_canonical_population` (x' = r + x^2 trained on the derived dL/dr in JAX);
    rank-one populations log, every recorded epoch next to the loss, r = b d - lambda^2/4 of
    the latent slow point (the derived expression lambdified to JAX) and the latent clearance.
Sweeps:
    :class:`SweepConfig`, :func:`run_sweep`, :func:`load_sweep` (``ghostsym sweep CONFIG.toml``);
    :func:`build_model` / :func:`build_task` from names and settings; ``scheduler=`` (or
    :func:`use_scheduler` around any training) runs blocks of runs as tasks on a Dask cluster.
Compilation:
    :func:`enable_compilation_cache` (JAX's persistent cache in the user's cache directory,
    for entry points; opt out with ``GHOSTSYM_NO_COMPILATION_CACHE=1``).

>>> from ghostsym.network import RankOneNetwork, DelayedActivation, network_loss
>>> model = RankOneNetwork()
>>> round(float(network_loss(model, DelayedActivation(), model.initialise(40))), 2)
1.0
"""

from ._canonical_training import CanonicalTraining, train_canonical_population
from ._checks import GradientCheck, check_gradients, gradient_check_cases
from ._compilation import compilation_cache_directory, enable_compilation_cache
from ._distributed import use_scheduler
from ._export import network_arrays, save_network
from ._latent import (
    LatentFactors,
    LatentSlowPoint,
    latent_flow,
    latent_flow_slope,
    latent_initial_state,
    latent_slow_point,
)
from ._models import (
    SATURATION_LEVEL,
    FullRankNetwork,
    FullRankParameters,
    LowRankNetwork,
    LowRankParameters,
    RankOneNetwork,
    RankOneParameters,
)
from ._outcomes import (
    OUTCOME_LABELS,
    FinalEpochMetrics,
    RunOutcomes,
    SettingSummary,
    classify_losses,
    classify_runs,
    final_epoch_metrics,
    summarise_by_setting,
)
from ._sweeps import (
    MODEL_NAMES,
    SweepConfig,
    SweepGroup,
    SweepResult,
    SweepStatus,
    build_model,
    build_task,
    load_sweep,
    run_sweep,
)
from ._tasks import DelayedActivation, DelayedCueDiscrimination, DelayedMatchToSample
from ._training import (
    PopulationTraining,
    TrialRecord,
    network_loss,
    simulate_trials,
    train_population,
    training_threads,
    tree_index,
)

__all__ = [
    "SATURATION_LEVEL",
    "RankOneNetwork",
    "LowRankNetwork",
    "FullRankNetwork",
    "RankOneParameters",
    "LowRankParameters",
    "FullRankParameters",
    "DelayedActivation",
    "DelayedCueDiscrimination",
    "DelayedMatchToSample",
    "LatentFactors",
    "latent_flow",
    "latent_flow_slope",
    "latent_initial_state",
    "latent_slow_point",
    "LatentSlowPoint",
    "train_population",
    "training_threads",
    "PopulationTraining",
    "simulate_trials",
    "TrialRecord",
    "network_loss",
    "check_gradients",
    "GradientCheck",
    "gradient_check_cases",
    "tree_index",
    "classify_runs",
    "final_epoch_metrics",
    "FinalEpochMetrics",
    "classify_losses",
    "RunOutcomes",
    "OUTCOME_LABELS",
    "SettingSummary",
    "summarise_by_setting",
    "save_network",
    "network_arrays",
    "train_canonical_population",
    "CanonicalTraining",
    "SweepConfig",
    "SweepStatus",
    "SweepGroup",
    "SweepResult",
    "run_sweep",
    "load_sweep",
    "build_model",
    "build_task",
    "MODEL_NAMES",
    "use_scheduler",
    "enable_compilation_cache",
    "compilation_cache_directory",
]

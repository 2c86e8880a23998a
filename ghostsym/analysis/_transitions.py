"""Do ghosts precede abrupt transitions? Definitions, slow points across training, rank-one scans.

The paper's abstract says that ghost points precede abrupt learning transitions in low-rank
RNNs (Fig. 4) and shows ghosts in full-rank task RNNs (Fig. 5). To test "precede" every notion
is defined here, in advance, without reference to any slow point:

- **Transition epoch** (:func:`transition_epoch`), per seed, from the seed's own loss curve:
  the first ``INITIAL_WINDOW`` (5 %) of the recorded epochs are the initial relaxation onto the
  plateau (no transition is dated there); the plateau level P is the median loss over the
  records from 5 % to ``PLATEAU_WINDOW`` (25 %) of training; the floor F is the lowest value of
  the 5-record running median after the initial window; if P - F < ``MINIMUM_DROP`` P (10 %) the
  seed *never left the plateau*; otherwise the transition epoch is the first recorded epoch
  after the initial window at which the 5-record running median (centred) of the loss falls
  below P - ``TRANSITION_FRACTION`` (P - F) (a quarter of the way down), so that a short step
  followed by a long climb is dated by the step.
  (A first version measured P over the first 5 % of records and dated the first raw record below
  the level; on the first quick runs it dated the initial relaxation onto the plateau, and then
  single noisy records of DMTS, as the transition, which the loss curves alone show. The plateau
  window was moved past the relaxation and the crossing is read on the same running median as
  the floor. Nothing else was changed after those runs.)
- **Slow points** of the autonomous flow (input 0) f(x) = -x + tanh(W x + b): for the K = 2
  low-rank RNN on the exact latent flow F(kappa) = -kappa + P tanh(M kappa + b) (thin SVD
  W = U S V^T, M = U_K S_K, P = V_K^T, kappa = P x, the paper's reduction), for full rank on all
  N dimensions; each point reduced to z' = r + z^2 (r = c d - lambda^2/4).
- **One slow direction**: with lambda_1, lambda_2 the two eigenvalues of Df nearest zero (for
  the latent flow the N - K directions orthogonal to it relax at rate exactly 1, so lambda_2 is
  the smaller of the latent one and 1), |lambda_2| >= ``SEPARATION`` |lambda_1| (a factor 2).
- **Ghost**: r > 0 and one slow direction. Fixed point: r <= 0.
- **On the trials' path**: the distance from the point to the nearest visited state (latent
  coordinates for low rank, the full state for full rank) is at most ``PATH_FRACTION`` (10 %)
  of the trajectory scale, the root-mean-square distance of the visited states from their mean.
- **First-ghost epoch**: the first snapshot epoch with a ghost on the path; **ghost first**: it
  is earlier than the transition epoch (a seed without a transition or without a ghost is not a
  "ghost first" seed; every seed is counted).
- **Precursor rate against a base rate** (:func:`precedence_summary`): the precursor rate is
  the fraction of transitioning seeds with a ghost on the path at their last snapshot before the
  transition; the base rate is the fraction of control snapshots with a ghost on the path, the
  control snapshots being all snapshots of the seeds without a transition and, for seeds with a
  transition, all snapshots except that last one before it. Ghosts *precede* transitions when
  the Wilson 95 % interval of the precursor rate lies above that of the base rate.

For rank-one networks (Fig. 3) the paper's protocol is implemented: f(kappa) on
``linspace(-15, 15, 1000)``, fixed points as sign flips (:func:`sign_flip_count`), and interior
extrema (:func:`interior_extrema`) refined by Newton on f' = 0 inside their grid bracket; an
extremum at a grid end (or one whose refinement leaves its bracket) is not a slow point.

>>> transition_epoch(np.r_[np.ones(50), np.full(50, 0.1)], np.arange(100)).epoch
50
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._jax import float64
from .._statistics import wilson_interval
from ..errors import InvalidInputError
from ..network import LatentFactors, LowRankNetwork, LowRankParameters, latent_flow
from ._network import latent_factors, latent_vector_field, network_vector_field

__all__ = [
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
    "InteriorExtremum",
    "interior_extrema",
    "batched_interior_extrema",
    "rank_one_flow_grid",
]

#: Fraction of the recorded epochs taken by the initial relaxation onto the plateau.
INITIAL_WINDOW = 0.05
#: The plateau level is the median loss from INITIAL_WINDOW to this fraction of the records.
PLATEAU_WINDOW = 0.25
#: A seed whose loss never falls by this fraction of its plateau never left the plateau.
MINIMUM_DROP = 0.1
#: The transition is dated where the loss is this fraction of the way from plateau to floor.
TRANSITION_FRACTION = 0.25
#: One slow direction: the second-slowest eigenvalue is at least this many times faster.
SEPARATION = 2.0
#: On the path: within this fraction of the trajectory scale of a visited state.
PATH_FRACTION = 0.1


# --- the K = 2 task RNN of Fig. 4 ----------------------------------------------------------
@dataclass(frozen=True)
class LatentReadoutLowRankNetwork(LowRankNetwork):
    """The paper's low-rank task RNN (Fig. 4): W = m n^T of rank K, readout from kappa = n^T x.

    Column convention of the paper's row-vector code ``r @ S_l @ S_r``: n = S_l (N x K, entries
    N(0, 1/N)), m = S_r^T (N x K, entries N(0, 1)), so W has entries of variance K/N; bias
    b ~ N(0, ``bias_scale``^2) (0.1 in the paper); W_in Xavier-uniform; the readout
    g(w_out^T (n^T x) + b_out) reads the K-dimensional projection before each update, with
    w_out (K,) and b_out drawn as PyTorch's ``Linear(K, 1)`` (U(-1/sqrt K, 1/sqrt K)).

    >>> model = LatentReadoutLowRankNetwork(size=20)
    >>> p = model.initialise(0)
    >>> p.m.shape, p.readout_weights.shape, model.readout_timing
    ((20, 2), (2,), 'before-update')
    """

    rank: int = 2
    input_size: int = 1
    readout_timing: str = "before-update"
    bias_scale: float = 0.1

    kind = "low-rank-latent-readout"

    def _draw(self, seed, confidence) -> LowRankParameters:
        streams = np.random.default_rng(seed).spawn(6)
        size, rank = self.size, self.rank
        input_bound = math.sqrt(6.0 / (max(self.input_size, 1) + size))
        readout_bound = 1.0 / math.sqrt(rank)
        return LowRankParameters(
            m=streams[0].standard_normal((size, rank)),
            n=streams[1].standard_normal((size, rank)) / math.sqrt(size),
            b=streams[5].standard_normal(size) * self.bias_scale,
            input_weights=streams[2].uniform(-input_bound, input_bound, (size, self.input_size)),
            readout_weights=streams[3].uniform(-readout_bound, readout_bound, (rank,)),
            readout_bias=streams[4].uniform(-readout_bound, readout_bound, ()),
            confidence=np.asarray(confidence, dtype=np.float64),
        )

    def readout_drive(self, parameters, state):
        return parameters.readout_weights @ (parameters.n.T @ state) + parameters.readout_bias


# --- the transition ------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    """The abrupt transition of one loss curve (definitions in the module docstring).

    transition epoch = first recorded epoch e after the initial window whose centred 5-record
    running median of the loss is below P - TRANSITION_FRACTION (P - F).

    Attributes:
        plateau: P, the median loss from the initial window to the plateau window's end.
        floor: F, the lowest 5-record running median after the window.
        epoch: the transition epoch, or None when the seed never left the plateau.
        left_plateau: P - F >= MINIMUM_DROP P.
    """

    plateau: float
    floor: float
    epoch: int | None
    left_plateau: bool

    def to_json(self) -> dict:
        return {
            "plateau": self.plateau,
            "floor": self.floor,
            "epoch": self.epoch,
            "left_plateau": self.left_plateau,
        }


def _running_median(values: np.ndarray, width: int) -> np.ndarray:
    if values.size < width:
        return np.array([np.median(values)])
    windows = np.lib.stride_tricks.sliding_window_view(values, width)
    return np.median(windows, axis=-1)


def transition_epoch(loss, epochs) -> Transition:
    """The transition of one seed's loss curve ``loss`` recorded at ``epochs``.

    >>> epochs = np.arange(200)
    >>> step_then_climb = np.r_[np.ones(40), np.full(10, 0.6), np.linspace(0.6, 0.05, 150)]
    >>> transition_epoch(step_then_climb, epochs).epoch  # the step, not the climb
    40
    >>> transition_epoch(np.ones(200) + 0.01 * np.sin(epochs), epochs).left_plateau
    False
    """
    loss = np.asarray(loss, dtype=np.float64)
    epochs = np.asarray(epochs)
    if loss.ndim != 1 or loss.shape != epochs.shape or loss.size < 8:
        raise InvalidInputError(
            f"loss and epochs must be 1-D of one length >= 8, got {loss.shape} and {epochs.shape}"
        )
    window = max(1, int(math.ceil(INITIAL_WINDOW * loss.size)))
    plateau_end = max(window + 3, int(math.ceil(PLATEAU_WINDOW * loss.size)))
    finite = np.where(np.isfinite(loss), loss, np.inf)
    plateau = float(np.median(finite[window:plateau_end]))
    floor = float(np.min(_running_median(finite[window:], 5)))
    left = bool(np.isfinite(plateau) and plateau - floor >= MINIMUM_DROP * plateau)
    if not left:
        return Transition(plateau, floor, None, False)
    level = plateau - TRANSITION_FRACTION * (plateau - floor)
    smoothed = _running_median(finite[window:], 5)
    below = np.flatnonzero(smoothed < level)
    centre = min(2, finite.size - window - 1)  # the running median of records j .. j + 4
    return Transition(plateau, floor, int(epochs[window + below[0] + centre]), True)


# --- slow points of one snapshot ------------------------------------------------------------
def latent_flow_of(recurrent_weights, bias, rank: int):
    """(M, P): the paper's reduction M = U_K S_K, P = V_K^T of W = U S V^T (K = ``rank``).

    kappa = P x then obeys kappa' = -kappa + P tanh(M kappa + b) exactly (W x = M P x).

    >>> weights = np.outer([1.0, 2.0, 0.0], [0.5, 0.0, 1.0])
    >>> M, P = latent_flow_of(weights, np.zeros(3), 1)
    >>> bool(np.allclose(M @ P, weights))
    True
    """
    return latent_factors(recurrent_weights, rank)


@dataclass(frozen=True)
class SnapshotSlowPoints:
    """Slow points of one network snapshot, classified against the trials' path.

    Attributes:
        points (k, D): positions (latent kappa for low rank, the state for full rank).
        speeds (k,): |f| at each point; r (k,): canonical parameter r = c d - lambda^2/4.
        slow_eigenvalues (k,): lambda_1; second_eigenvalues (k,): |lambda_2| (module docstring).
        one_slow_direction (k,): |lambda_2| >= SEPARATION |lambda_1|.
        ghost (k,): r > 0 and one slow direction.
        distances (k,): distance to the nearest visited state; scale: the trajectory scale.
        on_path (k,): distance <= PATH_FRACTION scale.

    Minima whose eigenvalue nearest zero is complex or defective (no one-dimensional slow flow)
    are left out by the finder, as in :func:`~ghostsym.analysis.find_network_slow_points`.
    """

    points: np.ndarray
    speeds: np.ndarray
    r: np.ndarray
    slow_eigenvalues: np.ndarray
    second_eigenvalues: np.ndarray
    one_slow_direction: np.ndarray
    ghost: np.ndarray
    distances: np.ndarray
    scale: float
    on_path: np.ndarray

    @property
    def ghost_on_path(self) -> bool:
        """A ghost (r > 0, one slow direction) lies on the trials' path."""
        return bool(np.any(self.ghost & self.on_path))

    def to_json(self) -> dict:
        return {
            "points": self.points.tolist(),
            "speeds": self.speeds.tolist(),
            "r": self.r.tolist(),
            "ghost": self.ghost.tolist(),
            "on_path": self.on_path.tolist(),
            "scale": self.scale,
        }


def _subsample(states: np.ndarray, count: int) -> np.ndarray:
    pick = np.unique(np.linspace(0, states.shape[0] - 1, min(count, states.shape[0])).astype(int))
    return states[pick]


def snapshot_slow_points(
    recurrent_weights,
    bias,
    visited,
    *,
    rank: int | None = None,
    starts: int = 32,
    grid: int = 10,
    seed: int = 0,
    max_iterations: int = 200,
) -> SnapshotSlowPoints:
    """Slow points of f(x) = -x + tanh(W x + b) near the visited states (k, N), classified.

    ``rank``: search the exact K-dimensional latent flow (K = rank, the paper's Fig. 4
    reduction) and measure distances in kappa = P x; None: search all N dimensions (Fig. 5).
    Starts: ``starts`` visited states (evenly spaced in the given order) plus, for the latent
    search, a ``grid`` x ``grid`` lattice over the visited states' bounding box widened by half
    its size on each side; the full search adds the same states with N(0, 0.01^2) noise (seeded).

    >>> weights = np.outer([2.0, 0.0], [1.0, 0.8])  # F = -k + tanh(2k - 1) + 0.8 tanh(10)
    >>> found = snapshot_slow_points(weights, np.array([-1.0, 10.0]), np.zeros((4, 2)), rank=1)
    >>> found.points.shape[1], bool(found.ghost.any())
    (1, True)
    """
    from .._jax import jax
    from ..errors import GhostsymError
    from ..reduction._slow_points import find_slow_points

    weights = np.asarray(recurrent_weights, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    visited = np.asarray(visited, dtype=np.float64)
    if visited.ndim != 2 or visited.shape[1] != weights.shape[0]:
        raise InvalidInputError(
            f"visited states must be (k, {weights.shape[0]}), got {visited.shape}"
        )
    rng = np.random.default_rng(seed)
    if rank is not None:
        expansion, projection = latent_flow_of(weights, bias, rank)
        coordinates = visited @ projection.T
        field = jax.tree_util.Partial(latent_vector_field, expansion, projection, bias)
        low, high = coordinates.min(axis=0), coordinates.max(axis=0)
        width = np.maximum(high - low, 1e-3)
        axes = [
            np.linspace(lo - w / 2, hi + w / 2, grid)
            for lo, hi, w in zip(low, high, width, strict=True)
        ]
        lattice = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, rank)
        initial = np.vstack([_subsample(coordinates, starts), lattice])
    else:
        coordinates = visited
        field = jax.tree_util.Partial(network_vector_field, weights, bias)
        chosen = _subsample(coordinates, starts)
        initial = np.vstack([chosen, chosen + 0.01 * rng.standard_normal(chosen.shape)])
    try:
        found = find_slow_points(
            field,
            initial,
            skip_degenerate=True,
            max_iterations=max_iterations,
            deduplication_distance=1e-4,
        )
    except GhostsymError:
        found = ()
    dimension = coordinates.shape[1]
    centre = coordinates.mean(axis=0)
    scale = float(np.sqrt(np.mean(np.sum((coordinates - centre) ** 2, axis=1))))
    points = np.array([p.point for p in found]).reshape(-1, dimension)
    speeds = np.array([p.speed for p in found])
    r = np.array([p.r for p in found])
    slow = np.array([p.eigenvalue for p in found])
    second = np.array(
        [np.abs(p.eigenvalues[1]) if p.eigenvalues.size > 1 else np.inf for p in found]
    )
    if rank is not None and rank < weights.shape[0]:
        second = np.minimum(second, 1.0)  # the N - K orthogonal directions relax at rate 1
    one_slow = second >= SEPARATION * np.abs(slow)
    if points.shape[0]:
        gaps = np.linalg.norm(points[:, None, :] - coordinates[None, :, :], axis=-1)
        distances = gaps.min(axis=1)
    else:
        distances = np.zeros(0)
    return SnapshotSlowPoints(
        points=points,
        speeds=speeds,
        r=r,
        slow_eigenvalues=slow,
        second_eigenvalues=second,
        one_slow_direction=one_slow.astype(bool),
        ghost=((r > 0) & one_slow).astype(bool),
        distances=distances,
        scale=scale,
        on_path=(distances <= PATH_FRACTION * scale).astype(bool),
    )


# --- precedence -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PrecedenceSummary:
    """Do ghosts on the trials' path precede the transitions? (module docstring definitions)

    Attributes:
        seeds: number of seeds S; transitions: seeds that left the plateau.
        transition_epochs (S,): transition epoch (-1: never left the plateau).
        first_ghost_epochs (S,): first snapshot epoch with a ghost on the path (-1: none).
        ghost_first (S,): first-ghost epoch < transition epoch (False without either).
        ghost_first_count, ghost_first_interval: count among transitioning seeds, Wilson 95 %.
        precursor_count, precursor_interval: transitioning seeds with a ghost on the path at
            their last snapshot before the transition (Wilson 95 %).
        base_count, base_total, base_interval: control snapshots with a ghost on the path.
        precedes: the precursor interval lies entirely above the base-rate interval.
    """

    seeds: int
    transitions: int
    transition_epochs: np.ndarray
    first_ghost_epochs: np.ndarray
    ghost_first: np.ndarray
    ghost_first_count: int
    ghost_first_interval: tuple
    precursor_count: int
    precursor_interval: tuple
    base_count: int
    base_total: int
    base_interval: tuple
    precedes: bool

    @property
    def ghost_first_fraction(self) -> float:
        """Seeds with the ghost first / seeds with a transition (nan without transitions)."""
        return self.ghost_first_count / self.transitions if self.transitions else math.nan

    @property
    def precursor_rate(self) -> float:
        return self.precursor_count / self.transitions if self.transitions else math.nan

    @property
    def base_rate(self) -> float:
        return self.base_count / self.base_total if self.base_total else math.nan

    def to_json(self) -> dict:
        return {
            "seeds": self.seeds,
            "transitions": self.transitions,
            "transition_epochs": self.transition_epochs.tolist(),
            "first_ghost_epochs": self.first_ghost_epochs.tolist(),
            "ghost_first_count": self.ghost_first_count,
            "ghost_first_interval": list(self.ghost_first_interval),
            "precursor_count": self.precursor_count,
            "precursor_interval": list(self.precursor_interval),
            "base_count": self.base_count,
            "base_total": self.base_total,
            "base_interval": list(self.base_interval),
            "precedes": self.precedes,
        }


def precedence_summary(transition_epochs, snapshot_epochs, ghost_on_path) -> PrecedenceSummary:
    """Summarise ghosts on the path (S seeds x P snapshots, bool) against transitions (S,).

    ``transition_epochs``: per seed, the transition epoch or -1 (never left the plateau).

    >>> summary = precedence_summary([30, -1], [0, 10, 20, 40], [[0, 0, 1, 0], [0, 0, 0, 0]])
    >>> summary.first_ghost_epochs.tolist(), summary.precursor_count, summary.base_count
    ([20, -1], 1, 0)
    """
    transitions = np.asarray(transition_epochs, dtype=np.int64)
    epochs = np.asarray(snapshot_epochs, dtype=np.int64)
    ghosts = np.asarray(ghost_on_path, dtype=bool)
    if ghosts.shape != (transitions.size, epochs.size):
        raise InvalidInputError(
            f"ghost_on_path must be (seeds, snapshots) = ({transitions.size}, {epochs.size}), "
            f"got {ghosts.shape}"
        )
    first = np.where(ghosts.any(axis=1), epochs[np.argmax(ghosts, axis=1)], -1)
    has_transition = transitions >= 0
    ghost_first = has_transition & (first >= 0) & (first < transitions)
    control = np.ones_like(ghosts)
    precursor = 0
    counted = 0
    for seed in np.flatnonzero(has_transition):
        before = np.flatnonzero(epochs < transitions[seed])
        if before.size == 0:  # no snapshot before the transition: nothing to forecast from
            continue
        counted += 1
        last = before[-1]
        precursor += int(ghosts[seed, last])
        control[seed, last] = False
    base_count, base_total = int(ghosts[control].sum()), int(control.sum())
    transitions_count = int(has_transition.sum())
    precursor_interval = wilson_interval(precursor, transitions_count)
    base_interval = wilson_interval(base_count, base_total)
    precedes = bool(
        transitions_count > 0 and base_total > 0 and precursor_interval[0] > base_interval[1]
    )
    return PrecedenceSummary(
        seeds=int(transitions.size),
        transitions=transitions_count,
        transition_epochs=transitions,
        first_ghost_epochs=first,
        ghost_first=ghost_first,
        ghost_first_count=int(ghost_first.sum()),
        ghost_first_interval=wilson_interval(int(ghost_first.sum()), transitions_count),
        precursor_count=precursor,
        precursor_interval=precursor_interval,
        base_count=base_count,
        base_total=base_total,
        base_interval=base_interval,
        precedes=precedes,
    )


# --- rank one: the paper's f(kappa) scan ---------------------------------------------------
@float64
def rank_one_flow_grid(m, n, b, grid) -> np.ndarray:
    """f(kappa) = -kappa + n^T tanh(m kappa + b) on ``grid`` for networks (..., N): (..., G).

    Evaluated with JAX in float64, in equal chunks of networks (:func:`_flow_grid_chunks`).
    Each network's row is computed on its own, so the chunking changes no value.

    >>> values = rank_one_flow_grid(np.ones((2, 3)), np.ones((2, 3)) / 3, np.zeros((2, 3)), [0.5])
    >>> values.shape, round(float(values[0, 0]), 6)
    ((2, 1), -0.037883)
    """

    m, n, b = (np.asarray(value, dtype=np.float64) for value in (m, n, b))
    grid = np.asarray(grid, dtype=np.float64)
    batch, size = m.shape[:-1], m.shape[-1]
    flat = [value.reshape(-1, size) for value in (m, n, b)]
    evaluate = _compiled_flow_grid()
    count = flat[0].shape[0]
    chunk = _flow_grid_chunks(count, grid.size * size)
    padded = -(-count // chunk) * chunk
    if padded > count:  # pad to one compiled shape (on the host), repeating the last network
        flat = [np.concatenate([v, np.repeat(v[-1:], padded - count, axis=0)]) for v in flat]
    out = np.empty((count, grid.size))
    for start in range(0, count, chunk):
        stop = min(count, start + chunk)
        values = evaluate(*(value[start : start + chunk] for value in flat), grid)
        out[start:stop] = np.asarray(values)[: stop - start]
    return out.reshape(batch + (grid.size,))


#: At most this many tanh evaluations (networks x grid points x N) per compiled call.
_FLOW_GRID_BUDGET = 20_000_000


def _flow_grid_chunks(count: int, per_network: int) -> int:
    """Networks per compiled call: the fewest calls within :data:`_FLOW_GRID_BUDGET`, of
    equal size, so that fewer padding rows than calls are computed and thrown away (a fixed
    chunk of the whole budget padded the last call up to a full chunk: 1,201 snapshots cost
    1,400 rows). One compiled shape per network count.

    >>> _flow_grid_chunks(1201, 1000 * 100), _flow_grid_chunks(901, 1000 * 100)
    (172, 181)
    >>> _flow_grid_chunks(3, 10)
    3
    """
    limit = max(1, _FLOW_GRID_BUDGET // max(1, per_network))
    calls = -(-max(1, count) // limit)
    return -(-max(1, count) // calls)


_FLOW_GRID_CACHE: list = []


def _compiled_flow_grid():
    """One jitted f(kappa) on a grid for a chunk of networks; the grid is an argument, so the
    kernel is compiled once per shape, not once per call."""
    from .._jax import jax

    if not _FLOW_GRID_CACHE:

        def evaluate(m, n, b, kappa):
            factors = LatentFactors(m[:, None, :], n[:, None, :], b[:, None, :])
            return latent_flow(factors, kappa[None, :])

        _FLOW_GRID_CACHE.append(jax.jit(evaluate))
    return _FLOW_GRID_CACHE[0]


def sign_flip_count(values) -> np.ndarray:
    """The paper's fixed-point count: sign flips of f > 0 along the last axis.

    >>> sign_flip_count(np.array([[1.0, -1.0, 1.0], [1.0, 2.0, 3.0]])).tolist()
    [2, 0]
    """
    positive = np.asarray(values) > 0
    return np.count_nonzero(positive[..., 1:] != positive[..., :-1], axis=-1)


def zero_crossings(grid, values) -> np.ndarray:
    """Positions of the sign flips of f > 0 on one grid (linear interpolation).

    >>> zero_crossings([0.0, 1.0, 2.0], [1.0, -1.0, -3.0]).tolist()
    [0.5]
    """
    grid = np.asarray(grid, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    positive = values > 0
    index = np.flatnonzero(positive[1:] != positive[:-1])
    return _interpolated_zero(grid, index, values[index], values[index + 1])


def _interpolated_zero(grid, index, left, right) -> np.ndarray:
    """Where the line through (grid[index], left) and (grid[index + 1], right) crosses zero
    (the bracket's midpoint when left == right)."""
    weight = np.where(right != left, left / np.where(right != left, left - right, 1.0), 0.5)
    return grid[index] + weight * (grid[index + 1] - grid[index])


def first_crossing_above(grid, values, start) -> np.ndarray:
    """For each row of ``values`` (..., G) on ``grid`` (G,): the first of its
    :func:`zero_crossings` above ``start`` (...,), nan where there is none.

    The crossings of all rows are computed at once, only where the sign flips, by the
    interpolation :func:`zero_crossings` uses (so the positions are the same floating-point
    numbers).

    >>> first_crossing_above([0.0, 1.0, 2.0, 3.0], [[1.0, -1.0, 1.0, 1.0]] * 2, [0.0, 0.7])
    array([0.5, 1.5])
    >>> first_crossing_above([0.0, 1.0, 2.0], [[1.0, -1.0, -3.0]], [0.5]).tolist()  # 0.5 > 0.5?
    [nan]
    """
    grid = np.asarray(grid, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    start = np.asarray(start, dtype=np.float64)
    batch = values.shape[:-1]
    rows = values.reshape(-1, grid.size)
    positive = rows > 0
    row, index = np.nonzero(positive[:, 1:] != positive[:, :-1])  # row-major: sorted by row
    crossings = _interpolated_zero(grid, index, rows[row, index], rows[row, index + 1])
    above = crossings > np.broadcast_to(start, batch).reshape(-1)[row]
    owners, first = np.unique(row[above], return_index=True)
    out = np.full(rows.shape[0], np.nan)
    out[owners] = crossings[above][first]
    return out.reshape(batch)


def blocked_before(grid, values, start, threshold: float = 1.0) -> np.ndarray:
    """For each row of ``values`` (..., G) on ``grid`` (G,): whether f <= 0 at a grid point
    strictly between ``start`` (...,) and ``threshold`` (a fixed point bars the way up).

    >>> blocked_before([0.0, 0.5, 1.0], [[1.0, -0.1, 1.0], [1.0, 0.1, -1.0]], [0.2, 0.2]).tolist()
    [True, False]
    """
    grid = np.asarray(grid, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    start = np.asarray(start, dtype=np.float64)
    inside = (grid > start[..., None]) & (grid < threshold)
    return np.any(inside & (values <= 0), axis=-1)


@dataclass(frozen=True)
class InteriorExtremum:
    """A refined interior extremum of f(kappa): f'(kappa_e) = 0 inside its grid bracket.

    Attributes:
        kappa: kappa_e; value: d = f(kappa_e); curvature: f''(kappa_e);
        r: the canonical parameter r = c d - lambda^2/4 with lambda = f'(kappa_e) (~0) and
            c = f''(kappa_e)/2; r > 0: a ghost (a minimum above zero or a maximum below it).
        kind: ``"ghost"`` (r > 0) or ``"not-ghost"`` (r <= 0: the quadratic model of f crosses
            zero there, so the extremum does not delay a passage as a ghost does).
    """

    kappa: float
    value: float
    slope: float
    curvature: float
    r: float
    kind: str

    def to_json(self) -> dict:
        return dict(self.__dict__)


def interior_extrema(m, n, b, grid, values=None, *, newton_steps: int = 30) -> tuple:
    """Interior extrema of f(kappa) = -kappa + n^T tanh(m kappa + b) sampled on ``grid``.

    A grid index i is a candidate when 0 < i < G - 1 and f[i] is a strict local minimum or
    maximum of the samples (f[i] < both neighbours, or > both). Each candidate is refined by
    Newton on f' = 0 (derivatives by JAX autodiff, float64) and kept only if it stays inside
    the bracket (grid[i - 1], grid[i + 1]) with |f'| <= 1e-9 (1 + |f''|). An endpoint of the grid
    is never an extremum, so a minimum at the end of a path (e.g. kappa = 0.9999999999999999 with
    f' = -0.45) is not a slow point.

    >>> m, n, b = np.array([2.0, 0.0]), np.array([1.0, 0.8]), np.array([-1.0, 10.0])
    >>> [(round(e.kappa, 6), e.kind) for e in interior_extrema(m, n, b, np.linspace(-1, 1, 101))]
    [(0.059313, 'ghost'), (0.940687, 'not-ghost')]
    >>> interior_extrema(m, n, b, np.linspace(-1.0, 0.0, 50))  # decreasing to the grid end
    ()
    """
    m, n, b = (np.asarray(value, dtype=np.float64)[None] for value in (m, n, b))
    values = None if values is None else np.asarray(values, dtype=np.float64)[None]
    found = batched_interior_extrema(m, n, b, grid, values, newton_steps=newton_steps)
    return tuple(
        InteriorExtremum(
            float(found["kappa"][i]),
            float(found["value"][i]),
            float(found["slope"][i]),
            float(found["curvature"][i]),
            float(found["r"][i]),
            "ghost" if found["r"][i] > 0 else "not-ghost",
        )
        for i in range(found["network"].size)
    )


@float64
def batched_interior_extrema(m, n, b, grid, values=None, *, newton_steps: int = 30) -> dict:
    """:func:`interior_extrema` for many networks at once (m, n, b: (R, N); values (R, G)).

    Returns a dict of 1-D arrays over the accepted extrema: ``network`` (row index), ``kappa``,
    ``value`` (d = f), ``slope`` (f'), ``curvature`` (f''), ``r`` (= c d - lambda^2/4 with
    lambda = f', c = f''/2, the derived expression). Newton runs vmapped and jitted.

    >>> m, n, b = np.array([[2.0, 0.0]]), np.array([[1.0, 0.8]]), np.array([[-1.0, 10.0]])
    >>> found = batched_interior_extrema(m, n, b, np.linspace(-1, 1, 101))
    >>> found["network"].tolist(), np.round(found["kappa"], 6).tolist()
    ([0, 0], [0.059313, 0.940687])
    """
    from ..reduction._normal_form import slow_point_canonical_parameter

    m, n, b = (np.atleast_2d(np.asarray(value, dtype=np.float64)) for value in (m, n, b))
    grid = np.asarray(grid, dtype=np.float64)
    if values is None:
        values = rank_one_flow_grid(m, n, b, grid)
    values = np.asarray(values, dtype=np.float64).reshape(m.shape[0], grid.size)
    inner = values[:, 1:-1]
    extremum = ((inner < values[:, :-2]) & (inner < values[:, 2:])) | (
        (inner > values[:, :-2]) & (inner > values[:, 2:])
    )
    rows, columns = np.nonzero(extremum)
    columns = columns + 1
    empty = {key: np.zeros(0) for key in ("kappa", "value", "slope", "curvature", "r")}
    if rows.size == 0:
        return {"network": np.zeros(0, dtype=np.int64), **empty}
    kappa, first, second, value, valid = _refine_extrema(
        m[rows],
        n[rows],
        b[rows],
        grid[columns],
        grid[columns - 1],
        grid[columns + 1],
        newton_steps,
    )
    canonical = slow_point_canonical_parameter().lambdify("numpy")
    first, second, value = (np.asarray(x)[valid] for x in (first, second, value))
    return {
        "network": rows[valid],
        "kappa": np.asarray(kappa)[valid],
        "value": value,
        "slope": first,
        "curvature": second,
        "r": np.asarray(canonical(value, first, second / 2), dtype=np.float64),
    }


#: Candidates are refined in chunks of this many rows (the last one padded by repeating its
#: last row), so the vmapped Newton kernel is compiled once per network size, not once per
#: candidate count; each row is computed on its own, so the padding changes no result.
_REFINEMENT_CHUNK = 256


def _refine_extrema(m, n, b, start, low, high, newton_steps):
    """Newton on f' = 0 for each candidate row: NumPy arrays (kappa, f', f'', f, valid)."""

    refine = _compiled_refinement(int(newton_steps))
    arrays = [np.asarray(value, dtype=np.float64) for value in (m, n, b, start, low, high)]
    count = arrays[0].shape[0]
    padded = -(-count // _REFINEMENT_CHUNK) * _REFINEMENT_CHUNK
    arrays = [np.concatenate([a, np.repeat(a[-1:], padded - count, axis=0)]) for a in arrays]
    outputs = [
        refine(*(a[i : i + _REFINEMENT_CHUNK] for a in arrays))
        for i in range(0, padded, _REFINEMENT_CHUNK)
    ]
    return tuple(
        np.concatenate([np.asarray(output[j]) for output in outputs])[:count] for j in range(5)
    )


_REFINEMENT_CACHE: dict = {}


def _compiled_refinement(newton_steps: int):
    from .._jax import jax, jnp

    if newton_steps in _REFINEMENT_CACHE:
        return _REFINEMENT_CACHE[newton_steps]

    def one(m, n, b, start, low, high):
        def flow(kappa):
            return latent_flow(LatentFactors(m, n, b), kappa)

        slope = jax.grad(flow)
        curvature = jax.grad(slope)

        def step(_, carry):
            kappa, inside = carry
            second = curvature(kappa)
            moved = kappa - slope(kappa) / jnp.where(second != 0, second, 1.0)
            inside = inside & (second != 0) & (moved > low) & (moved < high)
            return jnp.where(inside, moved, kappa), inside

        kappa, inside = jax.lax.fori_loop(0, newton_steps, step, (start, jnp.asarray(True)))
        first, second = slope(kappa), curvature(kappa)
        valid = inside & (jnp.abs(first) <= 1e-9 * (1.0 + jnp.abs(second)))
        return kappa, first, second, flow(kappa), valid

    compiled = jax.jit(jax.vmap(one))
    _REFINEMENT_CACHE[newton_steps] = compiled
    return compiled

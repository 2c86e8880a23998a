"""Slow points of a recurrent network: from visited states to reduced, classified points.

Recipe (the paper's, made systematic): start from states the network visits (plus a little
noise), minimise q(x) = 1/2 |f(x)|^2 for all starts at once, refine with Newton, deduplicate,
and reduce each point to z' = r + z^2 (:func:`ghostsym.reduce_at_slow_point`), so that the
sign of r, not a hand-set speed threshold, says ghost (r > 0) or node-saddle pair (r <= 0).

For a network of rank K < N the search runs on the exact latent flow (K dimensions, see
:class:`~ghostsym.analysis.LatentFlow`), whose slow points are exactly those of the full flow;
each one is lifted to the full state and reduced there, so the returned points carry the full
N-dimensional Jacobian spectrum.

>>> from ghostsym.analysis import rank_one_network_near_fold
>>> ghost = rank_one_network_near_fold(size=20, unfolding=1e-3, seed=1).network
>>> points = find_network_slow_points(ghost)
>>> sorted(point.kind for point in points)
['fixed-point', 'ghost']
"""

from __future__ import annotations

import numpy as np

from .._jax import float64
from ..errors import DegenerateError, InvalidInputError, require_choice, require_nonnegative
from ._network import RecurrentNetwork, load_network, load_states

__all__ = ["visited_states", "latent_grid", "find_network_slow_points", "network_slow_points"]

METHODS = ("auto", "latent", "full")


def visited_states(
    network: RecurrentNetwork,
    initial_states=None,
    *,
    steps: int = 200,
    count: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """States the discrete-time network visits, at most ``count`` of them, shape (k, N).

    Trials start from ``initial_states``, else from the network's own ``initial_states``, else
    from the origin, the paper's start (every unit at -0.3), its mirror (+0.3) and five states
    with N(0, 0.5^2) entries drawn from ``seed``. States are taken evenly in time along each
    trajectory, so slow regions (where trajectories linger) are well covered.

    >>> network = RecurrentNetwork(np.zeros((3, 3)), np.zeros(3))
    >>> visited_states(network, count=8).shape
    (8, 3)
    """
    if initial_states is None:
        initial_states = network.initial_states
    if initial_states is None:
        size = network.size
        rng = np.random.default_rng(seed)
        initial_states = np.vstack(
            [np.zeros(size), np.full(size, -0.3), np.full(size, 0.3)]
            + list(0.5 * rng.standard_normal((5, size)))
        )
    trajectory = network.simulate(initial_states, steps)  # (steps + 1, k, N)
    states = trajectory.reshape(-1, network.size)
    pick = np.unique(np.linspace(0, states.shape[0] - 1, min(count, states.shape[0])).astype(int))
    return states[pick]


def latent_grid(latent, size: int) -> np.ndarray:
    """Extra starts on a grid of the latent space, for latent dimension K <= 2 (else none).

    Every fixed point has |kappa| = |P tanh(M kappa + b)| <= |tanh(.)| <= sqrt(N) (P has
    orthonormal rows) and slow points lie within their speed of that ball, so a grid over
    [-sqrt(N) - 1, sqrt(N) + 1]^K (201 points for K = 1, 41 x 41 for K = 2) leaves no basin of
    q unvisited in one or two dimensions; visited states alone can miss points trials never
    approach (e.g. a node-saddle pair away from the trials' path).
    """
    bound = np.sqrt(size) + 1.0
    if latent.dimension == 1:
        return np.linspace(-bound, bound, 201)[:, None]
    if latent.dimension == 2:
        axis = np.linspace(-bound, bound, 41)
        return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    return np.empty((0, latent.dimension))


@float64
def find_network_slow_points(
    network: RecurrentNetwork,
    near_states=None,
    *,
    method: str = "auto",
    noise: float = 1e-2,
    seed: int = 0,
    count: int = 64,
) -> tuple:
    """Slow points of x' = -x + tanh(W x + b), each reduced and classified by the sign of r.

    ``near_states`` (k, N): states to start from (default: :func:`visited_states`); each gets
    N(0, noise^2) noise drawn from ``seed`` (the states themselves are kept as starts too).
    ``method``: ``"latent"`` searches the exact latent flow of a low-rank network and lifts the
    points (adding the :func:`latent_grid` starts when K <= 2), ``"full"`` searches all N
    dimensions, ``"auto"`` picks latent when rank(W) < N.
    Returns :class:`~ghostsym.SlowPoint` objects of the full flow, slowest first. Points whose
    reduction is degenerate (a complex or defective eigenvalue nearest zero, e.g. a slow focus:
    no one-dimensional slow flow, so no canonical r) are left out.

    >>> from ghostsym.analysis import rank_one_network_near_fold
    >>> pair = rank_one_network_near_fold(size=20, unfolding=-1e-3, seed=1).network
    >>> [point.kind for point in find_network_slow_points(pair)]
    ['fixed-point', 'fixed-point', 'fixed-point']
    """
    from ..reduction._numeric import reduce_at_slow_point
    from ..reduction._slow_points import find_slow_points

    require_choice("method", method, METHODS)
    noise = require_nonnegative("noise", noise)
    if near_states is None:
        near_states = visited_states(network, count=count, seed=seed)
    near_states = np.atleast_2d(np.asarray(near_states, dtype=np.float64))
    if near_states.shape[1] != network.size:
        raise InvalidInputError(
            f"near states must have shape (k, {network.size}), got {near_states.shape}"
        )
    rng = np.random.default_rng(seed)
    starts = np.vstack([near_states, near_states + noise * rng.standard_normal(near_states.shape)])
    full_field = network.vector_field()
    if method == "full" or (method == "auto" and network.rank >= network.size):
        return find_slow_points(full_field, starts, skip_degenerate=True)
    latent = network.latent_flow()
    latent_starts = np.vstack([latent.project(starts), latent_grid(latent, network.size)])
    found = find_slow_points(latent.vector_field(), latent_starts, skip_degenerate=True)
    reduced = []
    for point in found:
        try:
            reduced.append(reduce_at_slow_point(full_field, latent.lift(point.point)))
        except DegenerateError:  # (as the finder does) no one-dimensional slow flow here
            continue
    return tuple(sorted(reduced, key=lambda point: point.speed))


@float64
def network_slow_points(network_file, near_states_file=None, **options) -> tuple:
    """Slow points of the network stored in ``network_file`` (``.npz``: ``W`` or ``m`` and ``n``,
    and ``b``; see :func:`~ghostsym.analysis.load_network`), started near the states in
    ``near_states_file`` (``.npy``, (k, N)) or near states the network visits.

    This is what ``ghostsym ghost --network FILE.npz [--near-states FILE.npy]`` prints.

    >>> import os, tempfile
    >>> from ghostsym.analysis import rank_one_network_near_fold
    >>> constructed = rank_one_network_near_fold(size=20, unfolding=1e-3, seed=1)
    >>> path = os.path.join(tempfile.mkdtemp(), "ghost.npz")
    >>> np.savez(path, m=constructed.m, n=constructed.n, b=constructed.b)
    >>> sorted(point.kind for point in network_slow_points(path))
    ['fixed-point', 'ghost']
    """
    network = load_network(network_file)
    near_states = None if near_states_file is None else load_states(near_states_file, network.size)
    return find_network_slow_points(network, near_states, **options)

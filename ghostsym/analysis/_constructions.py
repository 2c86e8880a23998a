"""Networks constructed with a known fold, ghost or node-saddle pair (for checks and examples).

A rank-one network whose latent flow F(kappa) = -kappa + n^T tanh(m kappa + b + delta) has an
S-shaped nonlinearity steeper than the leak (n^T m > 1) has a local minimum of F; shifting every
bias by delta moves that minimum up through zero. At delta_fold the minimum touches zero (a
saddle-node fold); delta = delta_fold + u gives a ghost for u > 0 and a node-saddle pair for u < 0.

>>> constructed = rank_one_network_near_fold(size=20, unfolding=1e-2, seed=1)
>>> constructed.network.rank, constructed.minimum_value > 0
(1, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ..errors import DegenerateError, InvalidInputError, require_finite
from ..network._latent import LatentFactors, latent_flow, latent_flow_slope
from ._network import RecurrentNetwork

__all__ = ["FoldNetwork", "rank_one_network_near_fold"]


@dataclass(frozen=True, eq=False)
class FoldNetwork:
    """A rank-one network at bias shift delta_fold + u from its fold.

    F(kappa) = -kappa + n^T tanh(m kappa + b0 + delta); at delta = delta_fold the local minimum
    of F is zero. ``unfolding`` u > 0: a ghost (min F > 0); u < 0: a node-saddle pair.

    Attributes:
        network: the network, W = m n^T and b = b0 + delta_fold + u.
        m, n, b: the factors and the bias.
        fold_bias_shift: delta_fold.
        unfolding: u.
        minimum_location: kappa at the local minimum of F.
        minimum_value: F there (> 0 for a ghost, < 0 for a node-saddle pair).
    """

    network: RecurrentNetwork
    m: np.ndarray
    n: np.ndarray
    b: np.ndarray
    fold_bias_shift: float
    unfolding: float
    minimum_location: float
    minimum_value: float


def _local_minimum(m, n, b) -> tuple[float, float]:
    """(kappa, F(kappa)) at the local minimum of the latent flow (F' from - to +)."""
    factors = LatentFactors(m, n, b)
    bound = np.abs(n).sum() + 1.0
    kappa = np.linspace(-bound, bound, 4001)
    slope = latent_flow_slope(factors, kappa)
    rising = np.flatnonzero((slope[:-1] < 0) & (slope[1:] >= 0))
    if rising.size != 1:
        raise DegenerateError(
            f"the latent flow must have exactly one local minimum, found {rising.size}"
        )

    def derivative(value):
        return float(latent_flow_slope(factors, value))

    location = brentq(derivative, kappa[rising[0]], kappa[rising[0] + 1], xtol=1e-15, rtol=1e-15)
    return location, float(latent_flow(factors, location))


def rank_one_network_near_fold(
    size: int = 100, unfolding: float = 1e-3, seed: int = 0, *, gain: float = 2.0
) -> FoldNetwork:
    """A rank-one network of ``size`` units at bias shift ``unfolding`` from a fold.

    m_i = gain (1 + 0.3 xi_i), n_i = (1.5/N)(1 + 0.3 eta_i), b0_i = 0.2 zeta_i with standard
    normal xi, eta, zeta drawn from ``seed`` (so n^T m ~ 1.5 gain > 1: an S-shaped flow);
    delta_fold by Brent's method on min F(delta) = 0, to 1e-15.

    >>> ghost = rank_one_network_near_fold(size=20, unfolding=1e-2, seed=1)
    >>> pair = rank_one_network_near_fold(size=20, unfolding=-1e-2, seed=1)
    >>> ghost.minimum_value > 0 > pair.minimum_value
    True
    """
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 2:
        raise InvalidInputError(f"size must be an integer >= 2, got {size!r}")
    unfolding = require_finite("unfolding", unfolding)
    rng = np.random.default_rng(seed)
    m = gain * (1.0 + 0.3 * rng.standard_normal(size))
    n = 1.5 / size * (1.0 + 0.3 * rng.standard_normal(size))
    b0 = 0.2 * rng.standard_normal(size)

    def minimum_value(shift):
        return _local_minimum(m, n, b0 + shift)[1]

    low, high = -1.0, 1.0
    while minimum_value(low) > 0:  # widen the bracket until it holds the fold
        low *= 2
    while minimum_value(high) < 0:
        high *= 2
    fold_shift = brentq(minimum_value, low, high, xtol=1e-15, rtol=1e-15)
    b = b0 + fold_shift + unfolding
    location, value = _local_minimum(m, n, b)
    return FoldNetwork(
        network=RecurrentNetwork.from_factors(m, n, b),
        m=m,
        n=n,
        b=b,
        fold_bias_shift=float(fold_shift),
        unfolding=unfolding,
        minimum_location=float(location),
        minimum_value=float(value),
    )

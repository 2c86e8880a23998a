"""A user's recurrent network as data: x' = f(x) = -x + tanh(W x + b), and its latent flow.

The paper's networks are the discrete-time maps x <- x + alpha f(x) with alpha = dt/tau = 0.5
(the Euler scheme of f with step alpha). Slow points are properties of the continuous-time flow
f, which is what :func:`~ghostsym.analysis.find_network_slow_points` analyses.

Low-rank networks have an exact latent flow. With the thin SVD W = U S V^T of rank K,
M = U_K S_K and P = V_K^T (orthonormal rows), kappa = P x obeys

    kappa' = F(kappa) = -kappa + P tanh(M kappa + b),

and the rest of the state, x_perp = (I - P^T P) x, relaxes to (I - P^T P) tanh(M kappa + b) at
rate 1. So |f(x)|^2 = |F(kappa)|^2 + |x_perp - (I - P^T P) tanh(M kappa + b)|^2: the slow points
of f are the slow points kappa_g of F lifted to x_g = P^T kappa_g + (I - P^T P) tanh(M kappa_g + b),
with the same speed, and (the Jacobian being block-triangular in (kappa, x_perp)) the same
slow eigenvalue, drift, quadratic coefficient and canonical parameter r.

>>> import numpy as np
>>> network = RecurrentNetwork.from_factors(np.ones(3), np.ones(3) / 3, np.zeros(3))
>>> network.size, network.rank
(3, 1)
>>> latent = network.latent_flow()
>>> latent.projection.shape
(1, 3)
"""

from __future__ import annotations

import hashlib
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError, require_finite_array, require_positive

__all__ = ["RecurrentNetwork", "LatentFlow", "load_network", "load_states"]


@dataclass(frozen=True, eq=False)
class RecurrentNetwork:
    """The continuous-time network x' = f(x) = -x + tanh(W x + b) (column convention: W x).

    Attributes:
        recurrent_weights: W, shape (N, N).
        bias: b, shape (N,).
        initial_states: states the network's trials start from, shape (k, N), or None.
        time_step: alpha = dt/tau of the discrete-time network x <- x + alpha f(x).
        factors: (m, n) with W = m n (m: (N, K), n: (K, N)) when the file gave factors, else None.
    """

    recurrent_weights: np.ndarray
    bias: np.ndarray
    initial_states: np.ndarray | None = None
    time_step: float = 0.5
    factors: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self):
        weights = require_finite_array("W", self.recurrent_weights)
        bias = require_finite_array("b", self.bias)
        if weights.ndim != 2 or weights.shape[0] != weights.shape[1]:
            raise InvalidInputError(f"W must be a square (N, N) matrix, got shape {weights.shape}")
        if bias.shape != (weights.shape[0],):
            raise InvalidInputError(
                f"b must have shape ({weights.shape[0]},) to match W, got {bias.shape}"
            )
        require_positive("time_step", self.time_step)
        object.__setattr__(self, "recurrent_weights", weights)
        object.__setattr__(self, "bias", bias)
        if self.initial_states is not None:
            states = require_finite_array("initial states", self.initial_states)
            states = np.atleast_2d(states)
            if states.shape[1] != weights.shape[0]:
                raise InvalidInputError(
                    f"initial states must have {weights.shape[0]} columns, got {states.shape}"
                )
            object.__setattr__(self, "initial_states", states)

    @classmethod
    def from_factors(cls, m, n, b, **options) -> RecurrentNetwork:
        """W = m n^T from vectors (rank one), or W = m n from m: (N, K) and n: (K, N) (or (N, K),
        then W = m n^T).

        >>> RecurrentNetwork.from_factors(np.ones((4, 2)), np.ones((2, 4)), np.zeros(4)).rank
        1
        """
        m = require_finite_array("m", m)
        n = require_finite_array("n", n)
        if m.ndim == 1:
            m = m[:, None]
        if n.ndim == 1:
            n = n[None, :]
        if n.shape[1] != m.shape[0] and n.shape[0] == m.shape[0]:
            n = n.T  # given as (N, K): W = m n^T
        if n.shape != (m.shape[1], m.shape[0]):
            raise InvalidInputError(
                f"factors must be m: (N, K) and n: (K, N) (or vectors), got {m.shape} and {n.shape}"
            )
        return cls(m @ n, b, factors=(m, n), **options)

    @property
    def size(self) -> int:
        """Number of units N."""
        return int(self.recurrent_weights.shape[0])

    @property
    def rank(self) -> int:
        """Numerical rank of W (singular values above the float64 rounding level)."""
        return int(np.linalg.matrix_rank(self.recurrent_weights))

    def vector_field(self):
        """f(x) = -x + tanh(W x + b) as a JAX-traceable function of x with shape (N,).

        The same network (same W and b) gets the same function object back, so compiled
        derivatives of it (cached per function by the reduction) are reused.

        >>> field = RecurrentNetwork(np.zeros((2, 2)), np.ones(2)).vector_field()
        >>> np.round(np.asarray(field(np.zeros(2))), 4).tolist()
        [0.7616, 0.7616]
        """
        return _full_field(_fingerprint(self.recurrent_weights, self.bias), self)

    def flow(self, states) -> np.ndarray:
        """f at an array of states (..., N), with NumPy."""
        states = np.asarray(states, dtype=np.float64)
        return -states + np.tanh(states @ self.recurrent_weights.T + self.bias)

    def simulate(self, initial_states, steps: int) -> np.ndarray:
        """States of the discrete-time network x <- x + alpha f(x), shape (steps + 1, k, N).

        >>> RecurrentNetwork(np.zeros((2, 2)), np.zeros(2)).simulate(np.ones(2), 3).shape
        (4, 1, 2)
        """
        states = np.atleast_2d(np.asarray(initial_states, dtype=np.float64))
        trajectory = [states]
        for _ in range(int(steps)):
            states = states + self.time_step * self.flow(states)
            trajectory.append(states)
        return np.stack(trajectory)

    def latent_flow(self) -> LatentFlow:
        """The exact latent flow kappa' = -kappa + P tanh(M kappa + b) from the thin SVD of W."""
        expansion, projection = latent_factors(self.recurrent_weights, self.rank)
        return LatentFlow(expansion=expansion, projection=projection, bias=self.bias)


def latent_factors(recurrent_weights, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """(M, P) = (U_K S_K, V_K^T) of W = U S V^T truncated to K = ``rank`` (the paper's Fig. 4
    reduction): kappa = P x obeys kappa' = -kappa + P tanh(M kappa + b) exactly when rank W = K.

    >>> weights = np.outer([1.0, 2.0, 0.0], [0.5, 0.0, 1.0])
    >>> M, P = latent_factors(weights, 1)
    >>> bool(np.allclose(M @ P, weights))
    True
    """
    from ..reduction._threads import one_blas_thread

    with one_blas_thread():  # the same numbers; no wait for a busy core
        left, singular, right = np.linalg.svd(np.asarray(recurrent_weights, dtype=np.float64))
    return left[:, :rank] * singular[:rank], right[:rank]


def network_vector_field(recurrent_weights, bias, x):
    """f(x) = -x + tanh(W x + b) with JAX (traceable; the parameters may be pytree leaves).

    >>> velocity = network_vector_field(np.zeros((2, 2)), np.ones(2), np.zeros(2))
    >>> np.asarray(velocity, dtype=float).round(4)
    array([0.7616, 0.7616])
    """
    from .._jax import jnp

    return -x + jnp.tanh(recurrent_weights @ x + bias)


def latent_vector_field(expansion, projection, bias, kappa):
    """F(kappa) = -kappa + P tanh(M kappa + b) with JAX (traceable), M: (N, K), P: (K, N).

    >>> float(latent_vector_field(np.ones((1, 1)), np.ones((1, 1)), np.zeros(1), np.zeros(1))[0])
    0.0
    """
    from .._jax import jnp

    return -kappa + projection @ jnp.tanh(expansion @ kappa + bias)


@dataclass(frozen=True, eq=False)
class LatentFlow:
    """kappa' = F(kappa) = -kappa + P tanh(M kappa + b), kappa = P x, P with orthonormal rows.

    Attributes:
        expansion: M = U_K S_K, shape (N, K).
        projection: P = V_K^T, shape (K, N).
        bias: b, shape (N,).
    """

    expansion: np.ndarray
    projection: np.ndarray
    bias: np.ndarray

    @property
    def dimension(self) -> int:
        """Latent dimension K (the rank of W)."""
        return int(self.projection.shape[0])

    def vector_field(self):
        """F as a JAX-traceable function of kappa with shape (K,) (one object per flow).

        >>> network = RecurrentNetwork.from_factors(np.ones(2), np.ones(2), np.zeros(2))
        >>> field = network.latent_flow().vector_field()
        >>> np.asarray(field(np.zeros(1))).tolist()
        [0.0]
        """
        key = _fingerprint(self.expansion, self.projection, self.bias)
        return _latent_field(key, self)

    def project(self, states) -> np.ndarray:
        """kappa = P x for states (..., N)."""
        return np.asarray(states, dtype=np.float64) @ self.projection.T

    def lift(self, kappa) -> np.ndarray:
        """The state x with P x = kappa on which the fast directions are at rest:
        x = P^T kappa + (I - P^T P) tanh(M kappa + b) (shape (..., N)).

        >>> network = RecurrentNetwork.from_factors(np.ones(2), np.ones(2), np.zeros(2))
        >>> latent = network.latent_flow()
        >>> np.allclose(latent.project(latent.lift(np.array([0.3]))), 0.3)
        True
        """
        kappa = np.asarray(kappa, dtype=np.float64)
        rates = np.tanh(kappa @ self.expansion.T + self.bias)
        along = kappa @ self.projection
        return along + rates - (rates @ self.projection.T) @ self.projection


def _fingerprint(*arrays) -> str:
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        digest.update(str(np.shape(array)).encode())
    return digest.hexdigest()


#: One function object per distinct flow (by fingerprint), least recently used dropped first.
_FIELD_CACHE: OrderedDict = OrderedDict()
_FIELD_CACHE_SIZE = 32


def _cached_field(key: str, build):
    if key in _FIELD_CACHE:
        _FIELD_CACHE.move_to_end(key)
        return _FIELD_CACHE[key]
    function = _FIELD_CACHE[key] = build()
    if len(_FIELD_CACHE) > _FIELD_CACHE_SIZE:
        _FIELD_CACHE.popitem(last=False)
    return function


def _full_field(key: str, network: RecurrentNetwork):
    # A Partial whose parameters are pytree leaves: the reduction's jitted kernels are compiled
    # once per network size, not once per network.
    def build():
        from .._jax import jax

        # device_put, not jnp.asarray: the same values without a copy kernel compiled per shape
        weights, bias = jax.device_put(network.recurrent_weights), jax.device_put(network.bias)
        return jax.tree_util.Partial(network_vector_field, weights, bias)

    return _cached_field("full" + key, build)


def _latent_field(key: str, latent: LatentFlow):
    def build():
        from .._jax import jax

        expansion, projection = jax.device_put(latent.expansion), jax.device_put(latent.projection)
        bias = jax.device_put(latent.bias)
        return jax.tree_util.Partial(latent_vector_field, expansion, projection, bias)

    return _cached_field("latent" + key, build)


def load_network(path) -> RecurrentNetwork:
    """Read a network from an ``.npz`` file.

    Keys: ``W`` (N, N) or ``m`` and ``n`` (W = m n^T for vectors; m: (N, K), n: (K, N) or
    (N, K)); ``b`` (N,) (zeros if absent); optional ``x0`` (initial states, (N,) or (k, N)) and
    ``alpha`` (time step of the discrete-time network, default 0.5).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> np.savez(path, m=np.ones(3), n=np.ones(3) / 3, b=np.zeros(3))
    >>> load_network(path).rank
    1
    """
    path = Path(path)
    _require_file(path, "network file")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise InvalidInputError(
            f"cannot read {str(path)!r} as an .npz archive ({_reason(error)})"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InvalidInputError(
            f"{str(path)!r} holds a single array (.npy), not an .npz archive of named arrays"
        )
    with archive:
        keys = set(archive.files)
        if "W" not in keys and not {"m", "n"} <= keys:
            raise InvalidInputError(
                f"{str(path)!r} holds keys {sorted(keys)}; expected 'W' (or 'm' and 'n') and 'b'"
            )
        arrays = {key: _array(archive, key, path) for key in ("W", "m", "n", "b", "x0", "alpha")}
    options = {}
    if arrays["x0"] is not None:
        options["initial_states"] = arrays["x0"]
    if arrays["alpha"] is not None:
        alpha = arrays["alpha"]
        if alpha.shape not in ((), (1,)):
            raise InvalidInputError(
                f"alpha must be one number, got an array of shape {alpha.shape}"
            )
        options["time_step"] = require_finite_array("alpha", alpha).item()
    if arrays["W"] is not None:
        weights = require_finite_array("W", arrays["W"])
        if weights.ndim != 2 or weights.shape[0] != weights.shape[1] or weights.shape[0] == 0:
            raise InvalidInputError(
                f"W must be a square (N, N) matrix, N >= 1, got {weights.shape}"
            )
        bias = arrays["b"] if arrays["b"] is not None else np.zeros(weights.shape[0])
        return RecurrentNetwork(weights, bias, **options)
    m = require_finite_array("m", arrays["m"])
    if m.size == 0 or m.ndim not in (1, 2):
        raise InvalidInputError(f"m must be a non-empty vector or (N, K) matrix, got {m.shape}")
    bias = arrays["b"] if arrays["b"] is not None else np.zeros(m.shape[0])
    return RecurrentNetwork.from_factors(m, arrays["n"], bias, **options)


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    if "allow_pickle" in text:  # numpy's guess for any file that is neither zip nor .npy
        return "not a zip archive of arrays, and not a .npy array; pickled data is never loaded"
    return text if len(text) <= 120 else text[:117] + "..."


def _require_file(path: Path, what: str) -> None:
    if path.is_dir():
        raise InvalidInputError(f"{what} {str(path)!r} is a directory, not a file")
    if not path.is_file():
        raise InvalidInputError(f"{what} {str(path)!r} does not exist")


def _array(archive, key: str, path: Path):
    """One array of an .npz archive (None if absent), read without pickles."""
    if key not in archive.files:
        return None
    try:
        return archive[key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise InvalidInputError(
            f"cannot read the array {key!r} of {str(path)!r} ({_reason(error)})"
        ) from None


def load_states(path, size: int) -> np.ndarray:
    """Read visited states (k, N) (or one state (N,)) from a ``.npy`` file, checked against N."""
    path = Path(path)
    _require_file(path, "states file")
    try:
        states = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise InvalidInputError(
            f"cannot read {str(path)!r} as a .npy array ({_reason(error)})"
        ) from None
    if isinstance(states, np.lib.npyio.NpzFile):
        states.close()
        raise InvalidInputError(f"{str(path)!r} is an .npz archive; expected one .npy array")
    states = np.atleast_2d(require_finite_array("near states", states))
    if states.ndim != 2 or states.shape[1] != size:
        raise InvalidInputError(
            f"near states must have shape (k, {size}) for this network, got {states.shape}"
        )
    return states

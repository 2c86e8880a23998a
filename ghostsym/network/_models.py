"""The paper's recurrent networks as data (frozen specs) plus parameter pytrees and pure functions.

Every model is the leaky tanh network (column convention, time in steps of dt)::

    x_{t+1} = (1 - alpha) x_t + alpha tanh(W x_t + W_in u_t + b + xi_t),   alpha = dt / tau

with W rank one (W = m n^T), rank K (W = m n^T with m, n of shape N x K) or full. Its
continuous-time vector field, the flow the slow-point finder studies, is
f(x) = -x + tanh(W x + W_in u + b) (the map above is x + alpha f(x)).

Readouts:

- :class:`RankOneNetwork` (paper R1) reads its latent coordinate kappa = n^T x *after* each
  update: y_t = sigmoid(c (kappa_{t+1} - 1)), c the output confidence (fixed or trainable);
- :class:`LowRankNetwork` (RK) and :class:`FullRankNetwork` (RF, and the task RNN TR) read
  g(w_out^T x + b_out) with g = sigmoid or tanh (chosen by the task), after the update
  (delayed-activation family) or before it (task RNN, ``readout_timing="before-update"``);
  with ``readout_cap=True`` the readout weight and bias are divided by ||w_out||_1 / c before
  every forward pass (the paper's confidence cap; c = inf means no cap).

Initialisations follow the paper's published code: m, n ~ N(0, 1/N) and b = 0
for R1/RK; W ~ N(0, 1/N), w_out, b_out ~ N(0, 1/N) for RF; Xavier-uniform W, W_in, w_out and
PyTorch's default biases for the task RNN. There is no explicit 1/N in the forward pass, so a
learning rate means what it means in the paper. Draws use NumPy (PCG64 streams spawned from the
int seed): a network depends only on its seed, and nothing is compiled to draw it.

Layout note: the paper writes row vectors (``x @ m @ n``); ghostsym uses columns. For rank K
that swaps the names of the two factors (ours: W = m n^T, selection vectors in n, output
vectors in m); both factors have the same N(0, 1/N) law, so the networks are the same.

>>> from ghostsym.network import RankOneNetwork
>>> model = RankOneNetwork()
>>> parameters = model.initialise(0)
>>> parameters.m.shape, float(parameters.confidence)
((100,), 10.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._jax import float64, jax, jnp
from ..errors import InvalidInputError, require_choice, require_positive

__all__ = [
    "RankOneParameters",
    "LowRankParameters",
    "FullRankParameters",
    "RankOneNetwork",
    "LowRankNetwork",
    "FullRankNetwork",
    "READOUT_FUNCTIONS",
    "READOUT_TIMINGS",
    "as_key",
    "SATURATION_LEVEL",
]

Array = jax.Array

#: Output nonlinearities g of the readout g(w_out^T x + b_out).
READOUT_FUNCTIONS = ("sigmoid", "tanh")
#: When the readout looks at the state: after the update (R1/RK/RF) or before it (task RNN).
READOUT_TIMINGS = ("after-update", "before-update")
#: |tanh| above this counts as a saturated rate.
SATURATION_LEVEL = 0.99


def as_key(seed) -> Array:
    """A JAX PRNG key from an int seed (a key passes through unchanged).

    >>> as_key(3).shape
    (2,)
    """
    if isinstance(seed, jax.Array | np.ndarray) and np.shape(seed) == (2,):
        return jnp.asarray(seed, dtype=jnp.uint32)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InvalidInputError(f"seed must be an int (or a PRNG key), got {seed!r}")
    if seed < 0:
        raise InvalidInputError(f"seed must be >= 0, got {seed}")
    return jax.random.PRNGKey(int(seed))


def _normal(stream, shape, scale):
    # Drawn in float64 and cast later, so float32 and float64 training start from one network.
    return stream.standard_normal(shape) * scale


def _uniform(stream, shape, bound):
    return stream.uniform(-bound, bound, shape)


def _streams(seed: int, count: int):
    """Independent NumPy generators for the parameter arrays of one seed (PCG64, spawned).

    NumPy rather than JAX draws: no compilation, and a network depends only on its seed.
    """
    return np.random.default_rng(seed).spawn(count)


def _xavier_bound(fan_in: int, fan_out: int) -> float:
    # torch.nn.init.xavier_uniform_: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
    return float(np.sqrt(6.0 / (fan_in + fan_out)))


def _readout(function: str, drive):
    return jax.nn.sigmoid(drive) if function == "sigmoid" else jnp.tanh(drive)


def _capped_readout(weights, bias, confidence):
    """w, b_out divided by ||w||_1 / c (c = inf: unchanged), as the paper's cap does in place."""
    scale = jnp.where(jnp.isfinite(confidence), confidence / jnp.sum(jnp.abs(weights)), 1.0)
    scale = scale.astype(weights.dtype)
    return weights * scale, bias * scale


class RankOneParameters(NamedTuple):
    """Parameters of :class:`RankOneNetwork`: W = m n^T, bias b, output confidence c.

    Shapes: m, n, b: (N,); confidence: () (a leaf so that it can differ per run or be trained).
    """

    m: Array
    n: Array
    b: Array
    confidence: Array


class LowRankParameters(NamedTuple):
    """Parameters of :class:`LowRankNetwork`: W = m n^T with m, n of shape (N, K).

    ``input_weights`` (N, I) (I = 0 without inputs); ``readout_weights`` (N,);
    ``readout_bias`` (); ``confidence`` (): the cap c of ||w_out||_1 (used with ``readout_cap``).
    """

    m: Array
    n: Array
    b: Array
    input_weights: Array
    readout_weights: Array
    readout_bias: Array
    confidence: Array


class FullRankParameters(NamedTuple):
    """Parameters of :class:`FullRankNetwork`: a full recurrent matrix W (N, N).

    ``b`` is the bias of the dynamics (the task RNN's input bias); the other fields as in
    :class:`LowRankParameters`.
    """

    recurrent_weights: Array
    b: Array
    input_weights: Array
    readout_weights: Array
    readout_bias: Array
    confidence: Array


@dataclass(frozen=True)
class _Network:
    """Shared behaviour: the leaky update, trajectories and the vector field."""

    size: int = 100
    leak: float = 0.5

    def __post_init__(self):
        if isinstance(self.size, bool) or not isinstance(self.size, int | np.integer):
            raise InvalidInputError(f"size must be an int, got {self.size!r}")
        if self.size < 1:
            raise InvalidInputError(f"size must be >= 1, got {self.size}")
        leak = require_positive("leak", self.leak)
        if leak > 1:
            raise InvalidInputError(f"leak (alpha = dt/tau) must be in (0, 1], got {self.leak}")

    # --- subclasses define these ------------------------------------------------------------
    kind = "network"
    input_size = 0
    #: c when none is given: the R1 readout gain (10), or no readout cap (inf).
    default_confidence = float("inf")

    def recurrent_drive(self, parameters, state):  # W x
        raise NotImplementedError

    def readout_drive(self, parameters, state):  # the argument of the output nonlinearity
        raise NotImplementedError

    # --- shared -------------------------------------------------------------------------------
    def recurrent_matrix(self, parameters) -> Array:
        """The N x N recurrent matrix W (column convention: the update uses W x)."""
        raise NotImplementedError

    def _draw(self, seed: int, confidence):  # float64 NumPy parameters of one seed
        raise NotImplementedError

    @float64
    def initialise(self, seed: int, confidence: float | None = None, dtype=jnp.float64):
        """Parameters drawn as in the paper (see the class docstring) from an int ``seed``.

        ``confidence``: c (default :attr:`default_confidence`); ``dtype``: the leaves' dtype
        (the draw is float64 and then cast, so float32 and float64 training start from the
        same network). Draws use NumPy's PCG64 streams spawned from the seed.
        """
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise InvalidInputError(f"seed must be an int, got {seed!r}")
        if seed < 0:
            raise InvalidInputError(f"seed must be >= 0, got {seed}")
        if confidence is None:
            confidence = self.default_confidence
        parameters = self._draw(int(seed), float(confidence))
        return self.cast(parameters, dtype)

    def prepare(self, parameters):
        """Parameters as the forward pass uses them (the readout cap, if any, applied)."""
        return parameters

    def _input_drive(self, parameters, inputs):
        if self.input_size == 0:
            return 0.0
        return parameters.input_weights @ inputs

    def rates(self, parameters, state, inputs=None, noise=None):
        """The firing rates tanh(W x + W_in u + b + noise) that one update mixes in."""
        pre = self.recurrent_drive(parameters, state) + parameters.b
        if inputs is not None and self.input_size:
            pre = pre + self._input_drive(parameters, inputs)
        if noise is not None:
            pre = pre + noise
        return jnp.tanh(pre)

    def update(self, parameters, state, inputs=None, noise=None):
        """One step of the map: (1 - alpha) x + alpha tanh(W x + W_in u + b + noise).

        >>> from ghostsym.network import FullRankNetwork
        >>> model = FullRankNetwork(size=3)
        >>> p = model.initialise(1)
        >>> model.update(p, jnp.zeros(3)).shape
        (3,)
        """
        rates = self.rates(parameters, state, inputs, noise)
        return (1 - self.leak) * state + self.leak * rates

    def vector_field(self, parameters, state, inputs=None):
        """The continuous-time flow f(x) = -x + tanh(W x + W_in u + b); JAX-traceable in x.

        The discrete map is x + alpha f(x), so f's zeros are the map's fixed points and its
        slow points are the map's slow points. ``inputs`` defaults to none (the delay period).

        >>> from ghostsym.network import RankOneNetwork
        >>> model = RankOneNetwork(size=4)
        >>> p = model.initialise(0)
        >>> x = jnp.full(4, 0.1)
        >>> bool(jnp.allclose(model.update(p, x), x + model.leak * model.vector_field(p, x)))
        True
        """
        pre = self.recurrent_drive(parameters, state) + parameters.b
        if inputs is not None and self.input_size:
            pre = pre + self._input_drive(parameters, inputs)
        return -state + jnp.tanh(pre)

    def trajectory(
        self, parameters, inputs, initial_state, noise=None, readout="sigmoid", unroll: int = 1
    ):
        """Run one trial; returns ``(outputs (S,), states (S, N))``.

        ``inputs``: (S, I) (S steps); ``noise``: (S, N) or None; ``states[t]`` is the state
        after update t. ``outputs[t]`` reads the state after update t (``"after-update"``) or
        before it (``"before-update"``). Use :meth:`prepare` first if the readout is capped.

        >>> from ghostsym.network import RankOneNetwork
        >>> model = RankOneNetwork(size=5)
        >>> outputs, states = model.trajectory(model.initialise(0), jnp.zeros((40, 0)),
        ...                                    jnp.full(5, -0.3))
        >>> outputs.shape, states.shape
        ((40,), (40, 5))
        """
        outputs, _, states = self.run_trial(
            parameters, inputs, initial_state, noise, readout, unroll, keep_states=True
        )
        return outputs, states

    def run_trial(
        self,
        parameters,
        inputs,
        initial_state,
        noise=None,
        readout="sigmoid",
        unroll: int = 1,
        keep_states: bool = False,
    ):
        """One trial for training: ``(outputs (S,), saturated (S,), states (S, N) or None)``.

        ``saturated[t]`` is the fraction of units whose rate |tanh(...)| exceeds 0.99 at update
        t (counted inside the scan, so training need not keep the states).
        """
        require_choice("readout", readout, READOUT_FUNCTIONS)
        before = getattr(self, "readout_timing", "after-update") == "before-update"

        def step(state, step_inputs):
            step_input, step_noise = step_inputs
            if before:
                output = _readout(readout, self.readout_drive(parameters, state))
            rates = self.rates(parameters, state, step_input, step_noise)
            new_state = (1 - self.leak) * state + self.leak * rates
            if not before:
                output = _readout(readout, self.readout_drive(parameters, new_state))
            saturated = jnp.mean((jnp.abs(rates) > SATURATION_LEVEL).astype(rates.dtype))
            return new_state, (output, saturated, new_state if keep_states else None)

        xs = (inputs, noise)
        _, (outputs, saturated, states) = jax.lax.scan(step, initial_state, xs, unroll=unroll)
        return outputs, saturated, states

    def trainable(self, parameters):
        """A pytree of bools: which leaves gradient descent updates (all but the confidence)."""
        return type(parameters)(*(name != "confidence" for name in parameters._fields))

    @float64
    def cast(self, parameters, dtype):
        """All leaves as ``dtype`` (float32 for fast training, float64 for checks)."""
        return jax.tree.map(lambda leaf: jnp.asarray(leaf, dtype=dtype), parameters)


@dataclass(frozen=True)
class RankOneNetwork(_Network):
    """Paper R1: rank-one network with the latent readout sigmoid(c (kappa - 1)).

    kappa_t = n^T x_t; x_{t+1} = (1 - alpha) x_t + alpha tanh(m kappa_t + b + xi_t);
    y_t = sigmoid(c (kappa_{t+1} - 1)). The latent coordinate obeys the exact 1-D map
    kappa_{t+1} = kappa_t + alpha f(kappa_t), f(kappa) = -kappa + n^T tanh(m kappa + b)
    (see :func:`ghostsym.network.latent_flow`). Initialisation: m, n ~ N(0, 1/N), b = 0,
    c = 10. Trainable: m, n, b, and c if ``trainable_confidence``. ``threshold`` is the readout
    threshold (paper: 1).

    >>> model = RankOneNetwork(size=10, trainable_confidence=True)
    >>> model.trainable(model.initialise(0))
    RankOneParameters(m=True, n=True, b=True, confidence=True)
    """

    threshold: float = 1.0
    trainable_confidence: bool = False

    kind = "rank-one"
    default_confidence = 10.0

    def _draw(self, seed, confidence) -> RankOneParameters:
        # m, n ~ N(0, 1/N) (randn / sqrt N), b = 0
        key_m, key_n = _streams(seed, 2)
        scale = 1.0 / np.sqrt(self.size)
        parameters = RankOneParameters(
            m=_normal(key_m, (self.size,), scale),
            n=_normal(key_n, (self.size,), scale),
            b=np.zeros(self.size),
            confidence=np.asarray(confidence, dtype=np.float64),
        )
        return parameters

    def recurrent_drive(self, parameters, state):
        return parameters.m * (parameters.n @ state)

    def readout_drive(self, parameters, state):
        return parameters.confidence * (parameters.n @ state - self.threshold)

    def recurrent_matrix(self, parameters) -> Array:
        """W = m n^T.

        >>> model = RankOneNetwork(size=3)
        >>> model.recurrent_matrix(model.initialise(0)).shape
        (3, 3)
        """
        return jnp.outer(parameters.m, parameters.n)

    def run_trial(
        self,
        parameters,
        inputs,
        initial_state,
        noise=None,
        readout="sigmoid",
        unroll: int = 1,
        keep_states: bool = False,
    ):
        """One trial, carrying kappa = n^T x so each step costs one dot product.

        Same contract as :meth:`_Network.run_trial`; the readout must be ``"sigmoid"``.

        >>> model = RankOneNetwork(size=4)
        >>> y, x = model.trajectory(model.initialise(2), jnp.zeros((3, 0)), jnp.full(4, -0.3))
        >>> bool(jnp.allclose(y, jax.nn.sigmoid(10.0 * (x @ model.initialise(2).n - 1))))
        True
        """
        if readout != "sigmoid":
            raise InvalidInputError(
                f"the rank-one network's readout is sigmoid(c (kappa - 1)); got readout={readout!r}"
            )
        m, n, b, c = parameters
        alpha = self.leak

        def step(carry, step_noise):
            state, kappa = carry
            pre = m * kappa + b
            if step_noise is not None:
                pre = pre + step_noise
            rates = jnp.tanh(pre)
            state = (1 - alpha) * state + alpha * rates
            kappa = n @ state
            output = jax.nn.sigmoid(c * (kappa - self.threshold))
            saturated = jnp.mean((jnp.abs(rates) > SATURATION_LEVEL).astype(rates.dtype))
            return (state, kappa), (output, saturated, state if keep_states else None)

        length = inputs.shape[0]
        carry = (initial_state, n @ initial_state)
        _, (outputs, saturated, states) = jax.lax.scan(
            step, carry, noise, length=length, unroll=unroll
        )
        return outputs, saturated, states

    def trainable(self, parameters):
        return RankOneParameters(True, True, True, bool(self.trainable_confidence))


@dataclass(frozen=True)
class LowRankNetwork(_Network):
    """Paper RK: W = m n^T with rank K; readout g(w_out^T x + b_out) after each update.

    Initialisation: m, n ~ N(0, 1/N) entry-wise, b = 0, w_out ~ N(0, 1/N), b_out ~ N(0, 1/N),
    W_in (if ``input_size``) Xavier-uniform. ``readout_cap``: divide w_out, b_out by
    ||w_out||_1 / c before every forward pass.

    >>> model = LowRankNetwork(size=20, rank=3)
    >>> p = model.initialise(0)
    >>> p.m.shape, model.recurrent_matrix(p).shape
    ((20, 3), (20, 20))
    """

    rank: int = 1
    input_size: int = 0
    readout_timing: str = "after-update"
    readout_cap: bool = False

    kind = "low-rank"

    def __post_init__(self):
        super().__post_init__()
        if isinstance(self.rank, bool) or not isinstance(self.rank, int | np.integer):
            raise InvalidInputError(f"rank must be an int, got {self.rank!r}")
        if not 1 <= self.rank <= self.size:
            raise InvalidInputError(f"rank must be in 1..size={self.size}, got {self.rank}")
        if self.input_size < 0:
            raise InvalidInputError(f"input_size must be >= 0, got {self.input_size}")
        require_choice("readout_timing", self.readout_timing, READOUT_TIMINGS)

    def _draw(self, seed, confidence) -> LowRankParameters:
        keys = _streams(seed, 5)
        scale = 1.0 / np.sqrt(self.size)
        shape = (self.size, self.rank)
        parameters = LowRankParameters(
            m=_normal(keys[0], shape, scale),
            n=_normal(keys[1], shape, scale),
            b=np.zeros(self.size),
            input_weights=_uniform(
                keys[2],
                (self.size, self.input_size),
                _xavier_bound(max(self.input_size, 1), self.size),
            ),
            readout_weights=_normal(keys[3], (self.size,), scale),
            readout_bias=_normal(keys[4], (), scale),
            confidence=np.asarray(confidence, dtype=np.float64),
        )
        return parameters

    def recurrent_drive(self, parameters, state):
        return parameters.m @ (parameters.n.T @ state)

    def readout_drive(self, parameters, state):
        return parameters.readout_weights @ state + parameters.readout_bias

    def recurrent_matrix(self, parameters) -> Array:
        return parameters.m @ parameters.n.T

    def prepare(self, parameters):
        """Apply the readout cap ||w_out||_1 = c (when ``readout_cap``)."""
        if not self.readout_cap:
            return parameters
        weights, bias = _capped_readout(
            parameters.readout_weights, parameters.readout_bias, parameters.confidence
        )
        return parameters._replace(readout_weights=weights, readout_bias=bias)


@dataclass(frozen=True)
class FullRankNetwork(_Network):
    """Paper RF (delayed activation) and TR-full (working-memory tasks): full W.

    ``initialisation="gaussian"`` (RF): W ~ N(0, 1/N), b = 0, w_out, b_out ~ N(0, 1/N).
    ``initialisation="xavier"`` (task RNN): W, W_in, w_out Xavier-uniform, b ~ U(-1/sqrt(I),
    1/sqrt(I)) and b_out ~ U(-1/sqrt(N), 1/sqrt(N)) (PyTorch's ``nn.Linear`` bias defaults).
    :meth:`for_working_memory` builds the paper's task RNN (Xavier, readout before update).

    >>> model = FullRankNetwork.for_working_memory()
    >>> model.initialisation, model.readout_timing, model.input_size
    ('xavier', 'before-update', 1)
    """

    input_size: int = 0
    initialisation: str = "gaussian"
    readout_timing: str = "after-update"
    readout_cap: bool = False

    kind = "full-rank"

    def __post_init__(self):
        super().__post_init__()
        if self.input_size < 0:
            raise InvalidInputError(f"input_size must be >= 0, got {self.input_size}")
        require_choice("initialisation", self.initialisation, ("gaussian", "xavier"))
        require_choice("readout_timing", self.readout_timing, READOUT_TIMINGS)

    @classmethod
    def for_working_memory(
        cls, size: int = 100, leak: float = 0.5, input_size: int = 1, readout_cap: bool = False
    ) -> FullRankNetwork:
        """The paper's full-rank task RNN (Fig 5, 7, 8C): Xavier init, readout before update."""
        return cls(
            size=size,
            leak=leak,
            input_size=input_size,
            initialisation="xavier",
            readout_timing="before-update",
            readout_cap=readout_cap,
        )

    def _draw(self, seed, confidence) -> FullRankParameters:
        keys = _streams(seed, 5)
        size, inputs = self.size, self.input_size
        if self.initialisation == "gaussian":
            scale = 1.0 / np.sqrt(size)
            recurrent = _normal(keys[0], (size, size), scale)
            bias = np.zeros(size)
            readout_weights = _normal(keys[3], (size,), scale)
            readout_bias = _normal(keys[4], (), scale)
        else:
            recurrent = _uniform(keys[0], (size, size), _xavier_bound(size, size))
            bias = _uniform(keys[1], (size,), 1.0 / np.sqrt(max(inputs, 1)))
            readout_weights = _uniform(keys[3], (size,), _xavier_bound(size, 1))
            readout_bias = _uniform(keys[4], (), 1.0 / np.sqrt(size))
        parameters = FullRankParameters(
            recurrent_weights=recurrent,
            b=bias,
            input_weights=_uniform(keys[2], (size, inputs), _xavier_bound(max(inputs, 1), size)),
            readout_weights=readout_weights,
            readout_bias=readout_bias,
            confidence=np.asarray(confidence, dtype=np.float64),
        )
        return parameters

    def recurrent_drive(self, parameters, state):
        return parameters.recurrent_weights @ state

    def readout_drive(self, parameters, state):
        return parameters.readout_weights @ state + parameters.readout_bias

    def recurrent_matrix(self, parameters) -> Array:
        return parameters.recurrent_weights

    def prepare(self, parameters):
        """Apply the readout cap ||w_out||_1 = c (when ``readout_cap``).

        >>> model = FullRankNetwork(size=4, readout_cap=True)
        >>> p = model.prepare(model.initialise(0, confidence=3.0))
        >>> round(float(jnp.sum(jnp.abs(p.readout_weights))), 6)
        3.0
        """
        if not self.readout_cap:
            return parameters
        weights, bias = _capped_readout(
            parameters.readout_weights, parameters.readout_bias, parameters.confidence
        )
        return parameters._replace(readout_weights=weights, readout_bias=bias)

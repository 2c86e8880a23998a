"""The paper's tasks: delayed activation, DCDT and DMTS, with their losses and accuracies.

A task is a frozen dataclass that knows its trials (inputs, targets, initial states, noise),
the output nonlinearity its targets need, its loss normalisation and its accuracy rule, all as
in the paper's published code:

- :class:`DelayedActivation` (R1/RK/RF): no input; target 0 for ``delay`` steps, then 1 for
  ``response`` steps; loss sum_t (y_t - target_t)^2 / delay (the paper's "/ T"); every unit
  starts at ``initial_state`` (-0.3); accuracy = fraction of steps with (y > 0.5) == target.
- :class:`DelayedCueDiscrimination` (DCDT): cue +-1 for the input window, delay, then the
  target is the cue's sign during the reaction window (0 before); tanh output; accuracy with
  outputs binarised to {-1, 0, 1} at +-0.33.
- :class:`DelayedMatchToSample` (DMTS): two cues +-1 separated by the delay; target 1 during
  the reaction window when they match, else 0; sigmoid output; accuracy with a 0.5 threshold.

Working-memory windows are given in ms with dt = 5 ms (step counts int(ms / dt), checked to be
whole); loss = mean over trials x steps (``nn.MSELoss``); initial rates r_0 = tanh(sigma_0 z),
z ~ N(0, 1), fresh every epoch; recurrent noise xi ~ N(0, sigma^2) inside the tanh, fresh every
epoch and drawn in the training dtype (float32 and float64 training see different draws).

>>> task = DelayedActivation()
>>> task.steps, task.targets().tolist()[0][18:22]
(40, [0.0, 0.0, 1.0, 1.0])
>>> DelayedCueDiscrimination().steps  # 30 + 80 + 50 ms at 5 ms
32
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._jax import jax, jnp
from ..errors import InvalidInputError, require_nonnegative, require_positive
from ._threefry import use_straight_threefry

__all__ = [
    "DelayedActivation",
    "DelayedCueDiscrimination",
    "DelayedMatchToSample",
    "TASK_NAMES",
]


def _require_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidInputError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise InvalidInputError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


@dataclass(frozen=True)
class DelayedActivation:
    """Delayed activation: stay off for ``delay`` steps, then on for ``response`` steps.

    Loss (paper): L = (1/B) sum_trials sum_t (y_t - target_t)^2 / delay; with one trial (no
    noise) a network that never switches on has L = response / delay (= 1 at R = T).
    ``noise`` adds xi ~ N(0, noise^2) inside the tanh; then ``trials`` noisy trials are used.

    >>> DelayedActivation(delay=10, response=5).targets().shape
    (1, 15)
    """

    delay: int = 20
    response: int = 20
    initial_state: float = -0.3
    noise: float = 0.0
    trials: int = 1

    name = "delayed-activation"
    readout = "sigmoid"
    input_size = 0

    def __post_init__(self):
        _require_count("delay", self.delay)
        _require_count("response", self.response)
        _require_count("trials", self.trials)
        if not math.isfinite(float(self.initial_state)):
            raise InvalidInputError(f"initial_state must be finite, got {self.initial_state!r}")
        require_nonnegative("noise", self.noise)

    @property
    def steps(self) -> int:
        """Trial length delay + response."""
        return self.delay + self.response

    @property
    def random(self) -> bool:
        """Whether trials change from epoch to epoch (noise)."""
        return self.noise > 0

    def inputs(self) -> np.ndarray:
        """(B, S, 0): no input."""
        return np.zeros((self.trials, self.steps, 0))

    def targets(self) -> np.ndarray:
        """(B, S): 0 for the delay, 1 for the response window."""
        target = np.concatenate([np.zeros(self.delay), np.ones(self.response)])
        return np.tile(target, (self.trials, 1))

    def initial_states(self, key, size: int, dtype=jnp.float64):
        """(B, N): every unit at ``initial_state`` (the paper's x_0 = -0.3)."""
        del key
        return jnp.full((self.trials, size), self.initial_state, dtype=dtype)

    def noise_samples(self, key, size: int, dtype=jnp.float64):
        """(B, S, N) recurrent noise, or None without noise (drawn in ``dtype``)."""
        if not self.noise > 0:
            return None
        shape = (self.trials, self.steps, size)
        use_straight_threefry()
        return self.noise * jax.random.normal(key, shape, dtype=dtype)

    def loss(self, outputs, targets):
        """sum_t (y - target)^2 / delay, averaged over trials.

        >>> task = DelayedActivation()
        >>> float(task.loss(jnp.zeros((1, 40)), jnp.asarray(task.targets())))
        1.0
        """
        return jnp.mean(jnp.sum((outputs - targets) ** 2, axis=-1)) / self.delay

    def accuracy(self, outputs, targets):
        """Fraction of steps (and trials) with (y > 0.5) == target (paper Fig 8B)."""
        return jnp.mean(((outputs > 0.5).astype(outputs.dtype) == targets).astype(outputs.dtype))


@dataclass(frozen=True)
class _WorkingMemoryTask:
    """Shared windows, noise and initial rates of DCDT and DMTS (times in ms)."""

    input_ms: float = 30.0
    delay_ms: float = 80.0
    reaction_ms: float = 50.0
    step_ms: float = 5.0
    trials_per_type: int = 1
    noise: float = 0.0
    initial_spread: float = 0.0

    input_size = 1

    def __post_init__(self):
        require_positive("step_ms", self.step_ms)
        for name in ("input_ms", "delay_ms", "reaction_ms"):
            self._window_steps(name)
        _require_count("trials_per_type", self.trials_per_type)
        require_nonnegative("noise", self.noise)
        require_nonnegative("initial_spread", self.initial_spread)

    def _window_steps(self, name: str) -> int:
        milliseconds = require_positive(name, getattr(self, name))
        ratio = milliseconds / self.step_ms
        steps = int(round(ratio))
        if steps < 1 or abs(ratio - steps) > 1e-9 * max(1.0, ratio):
            raise InvalidInputError(
                f"{name}={milliseconds} ms must be a whole number (>= 1) of steps of "
                f"{self.step_ms} ms, got {ratio:g} steps"
            )
        return steps

    @property
    def input_steps(self) -> int:
        return self._window_steps("input_ms")

    @property
    def delay_steps(self) -> int:
        return self._window_steps("delay_ms")

    @property
    def reaction_steps(self) -> int:
        return self._window_steps("reaction_ms")

    @property
    def random(self) -> bool:
        return self.noise > 0 or self.initial_spread > 0

    def _trial_types(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def inputs(self) -> np.ndarray:
        """(B, S, 1): the trial types interleaved [type 1, type 2, ..., type 1, ...]."""
        inputs, _ = self._trial_types()
        return np.tile(inputs, (self.trials_per_type, 1))[..., None]

    def targets(self) -> np.ndarray:
        """(B, S) targets, in the order of :meth:`inputs`."""
        _, targets = self._trial_types()
        return np.tile(targets, (self.trials_per_type, 1))

    @property
    def trials(self) -> int:
        return self._trial_types()[0].shape[0] * self.trials_per_type

    def initial_states(self, key, size: int, dtype=jnp.float64):
        """(B, N): r_0 = tanh(sigma_0 z), z ~ N(0, 1) (zeros when sigma_0 = 0)."""
        if not self.initial_spread > 0:
            return jnp.zeros((self.trials, size), dtype=dtype)
        use_straight_threefry()
        draws = jax.random.normal(key, (self.trials, size), dtype=jnp.float64)
        return jnp.tanh(self.initial_spread * draws).astype(dtype)

    def noise_samples(self, key, size: int, dtype=jnp.float64):
        """(B, S, N) recurrent noise xi ~ N(0, noise^2), or None without noise.

        Drawn in ``dtype``, the training dtype: a float64 draw cast to float32 costs several
        times the float32 draw, and fresh noise every epoch is most of a noisy task's work.
        """
        if not self.noise > 0:
            return None
        shape = (self.trials, self.steps, size)
        use_straight_threefry()
        return self.noise * jax.random.normal(key, shape, dtype=dtype)

    def loss(self, outputs, targets):
        """Mean squared error over trials x steps (``nn.MSELoss``)."""
        return jnp.mean((outputs - targets) ** 2)


@dataclass(frozen=True)
class DelayedCueDiscrimination(_WorkingMemoryTask):
    """DCDT: report the sign of a +-1 cue after a delay (tanh output, ternary accuracy).

    Defaults are the Fig 7 windows (30/80/50 ms: 6 + 16 + 10 = 32 steps).

    >>> task = DelayedCueDiscrimination(input_ms=10, delay_ms=50, reaction_ms=50)
    >>> task.steps, task.inputs()[:, :3, 0].tolist(), task.targets()[:, -1].tolist()
    (22, [[1.0, 1.0, 0.0], [-1.0, -1.0, 0.0]], [1.0, -1.0])
    """

    name = "dcdt"
    readout = "tanh"

    @property
    def steps(self) -> int:
        return self.input_steps + self.delay_steps + self.reaction_steps

    def _trial_types(self):
        cue, reaction = self.input_steps, self.reaction_steps
        inputs = np.zeros((2, self.steps))
        targets = np.zeros((2, self.steps))
        for row, sign in enumerate((1.0, -1.0)):
            inputs[row, :cue] = sign
            targets[row, self.steps - reaction :] = sign
        return inputs, targets

    def accuracy(self, outputs, targets):
        """Outputs binarised to {-1, 0, 1} at +-0.33, compared with the targets at every step.

        >>> task = DelayedCueDiscrimination()
        >>> float(task.accuracy(jnp.asarray(task.targets()) * 0.5, jnp.asarray(task.targets())))
        1.0
        """
        binary = jnp.where(outputs >= 0.33, 1.0, jnp.where(outputs <= -0.33, -1.0, 0.0))
        return jnp.mean((binary == targets).astype(outputs.dtype))


@dataclass(frozen=True)
class DelayedMatchToSample(_WorkingMemoryTask):
    """DMTS: two +-1 cues separated by the delay; output 1 if they match (sigmoid output).

    Trial types in the paper's order: (+, +), (-, -), (-, +), (+, -). Defaults: Fig 7 windows
    (6 + 16 + 6 + 10 = 38 steps).

    >>> task = DelayedMatchToSample()
    >>> task.steps, task.targets()[:, -1].tolist()
    (38, [1.0, 1.0, 0.0, 0.0])
    """

    name = "dmts"
    readout = "sigmoid"

    @property
    def steps(self) -> int:
        return 2 * self.input_steps + self.delay_steps + self.reaction_steps

    def _trial_types(self):
        cue, delay, reaction = self.input_steps, self.delay_steps, self.reaction_steps
        pairs = ((1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0))
        inputs = np.zeros((4, self.steps))
        targets = np.zeros((4, self.steps))
        for row, (first, second) in enumerate(pairs):
            inputs[row, :cue] = first
            inputs[row, cue + delay : 2 * cue + delay] = second
            if first == second:
                targets[row, self.steps - reaction :] = 1.0
        return inputs, targets

    def accuracy(self, outputs, targets):
        """Fraction of steps (and trials) with (y > 0.5) == target."""
        return jnp.mean(((outputs > 0.5).astype(outputs.dtype) == targets).astype(outputs.dtype))


#: Task names used by sweeps and the CLI.
TASK_NAMES = {
    "delayed-activation": DelayedActivation,
    "dcdt": DelayedCueDiscrimination,
    "dmts": DelayedMatchToSample,
}

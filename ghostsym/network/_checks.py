"""Gradients of every model and loss against central finite differences, in float64.

:func:`check_gradients` compares the gradient training uses with central differences along one
random direction per trainable parameter leaf; :func:`gradient_check_cases` lists the (model,
task) pairs ``ghostsym gradient-check`` and the tests cover: every model family, every task,
noise, random initial rates, a trainable confidence and the readout cap.

>>> [case[0] for case in gradient_check_cases()][:2]
['rank-one / delayed activation', 'rank-one, trainable c / noisy delayed activation']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._jax import float64, jax, jnp
from ._models import FullRankNetwork, LowRankNetwork, RankOneNetwork, as_key
from ._tasks import DelayedActivation, DelayedCueDiscrimination, DelayedMatchToSample
from ._training import _check_pairing, _loss_and_aux, _loss_and_gradient

__all__ = ["GradientCheck", "check_gradients", "gradient_check_cases"]


@dataclass(frozen=True)
class GradientCheck:
    """Autodiff vs central finite differences of the loss, one random direction per leaf.

    For each trainable leaf p_i and a random unit direction v in that leaf: autodiff gives
    g_i . v, finite differences (L(p + h v) - L(p - h v)) / (2 h). ``relative_errors`` maps leaf
    names to |ad - fd| / max(|ad|, |fd|); ``maximum_relative_error`` is the largest.
    """

    model: str
    task: str
    step: float
    autodiff: dict
    finite_difference: dict
    relative_errors: dict
    maximum_relative_error: float


@lru_cache(maxsize=32)
def _value_and_gradient(model, task):
    """Compiled float64 (loss, gradient) per (model, task): the loss of the plain forward pass
    (:func:`~ghostsym.network.network_loss`'s, which the differences use) and the gradient as
    training computes it (for full-rank networks, dL/dW assembled after the time loop)."""

    def loss(point, key):
        return _loss_and_aux(model, task, point, key, jnp.float64)[0]

    def gradient(point, key):
        return _loss_and_gradient(model, task, point, key, jnp.float64)[1]

    return jax.jit(loss), jax.jit(gradient)


@float64
def check_gradients(
    model, task, parameters=None, *, seed: int = 0, step: float = 1e-5, key=0
) -> GradientCheck:
    """Check the training gradient of the task loss against central differences, in float64.

    >>> from ghostsym.network import RankOneNetwork, DelayedActivation
    >>> model = RankOneNetwork(size=6)
    >>> check = check_gradients(model, DelayedActivation(delay=4, response=4),
    ...                         model.initialise(0, confidence=1.0))
    >>> check.maximum_relative_error < 1e-6
    True
    """
    _check_pairing(model, task)
    if parameters is None:
        parameters = model.initialise(seed)
    parameters = model.cast(parameters, jnp.float64)
    noise_key = as_key(key)

    compiled_loss, compiled_gradient = _value_and_gradient(model, task)

    def loss(point):
        return compiled_loss(point, noise_key)

    gradient = compiled_gradient(parameters, noise_key)
    trainable = model.trainable(parameters)
    rng = np.random.default_rng(seed)
    autodiff, finite, errors = {}, {}, {}
    for name, leaf, grad_leaf, is_trainable in zip(
        parameters._fields, parameters, gradient, trainable, strict=True
    ):
        if not is_trainable or np.size(leaf) == 0:
            continue
        direction = rng.standard_normal(np.shape(leaf))
        direction /= np.linalg.norm(direction)
        direction = jnp.asarray(direction)
        forward = parameters._replace(**{name: leaf + step * direction})
        backward = parameters._replace(**{name: leaf - step * direction})
        fd = float((loss(forward) - loss(backward)) / (2 * step))
        ad = float(jnp.sum(grad_leaf * direction))
        scale = max(abs(ad), abs(fd), 1e-300)
        autodiff[name], finite[name], errors[name] = ad, fd, abs(ad - fd) / scale
    return GradientCheck(
        model=model.kind,
        task=task.name,
        step=step,
        autodiff=autodiff,
        finite_difference=finite,
        relative_errors=errors,
        maximum_relative_error=max(errors.values()),
    )


def gradient_check_cases():
    """(name, model, task, parameters) for every model family and task, at small sizes.

    Parameters are chosen off flat regions: the rank-one readout uses c = 1 (at c = 10 the
    initial output sits on the sigmoid's flat tail and the gradient is ~1e-4), the capped
    readout a finite cap c = 2.
    """
    short = DelayedActivation(delay=6, response=6)
    noisy = DelayedActivation(delay=6, response=6, noise=0.05, trials=2)
    dcdt = DelayedCueDiscrimination(
        input_ms=10, delay_ms=20, reaction_ms=15, noise=0.01, initial_spread=0.1
    )
    dmts = DelayedMatchToSample(input_ms=10, delay_ms=15, reaction_ms=10)
    cases = (
        ("rank-one / delayed activation", RankOneNetwork(size=12), short),
        (
            "rank-one, trainable c / noisy delayed activation",
            RankOneNetwork(size=12, trainable_confidence=True),
            noisy,
        ),
        ("rank-3 / delayed activation", LowRankNetwork(size=12, rank=3), short),
        ("full rank / delayed activation", FullRankNetwork(size=12), short),
        ("task RNN / DCDT (noise, random r0)", FullRankNetwork.for_working_memory(size=12), dcdt),
        (
            "task RNN, capped readout / DCDT",
            FullRankNetwork.for_working_memory(size=12, readout_cap=True),
            dcdt,
        ),
        ("task RNN / DMTS", FullRankNetwork.for_working_memory(size=12), dmts),
        ("rank-2 with input / DMTS", LowRankNetwork(size=12, rank=2, input_size=1), dmts),
    )
    return tuple(
        (
            name,
            model,
            task,
            model.initialise(1, confidence=1.0 if model.kind == "rank-one" else 2.0),
        )
        for name, model, task in cases
    )

"""Figures of the canonical-ghost experiments (``ghostsym.experiments.theory``).

Each function takes the experiment's :class:`~ghostsym.experiments.ExperimentOutcome` and a
directory and returns the PNG and PDF paths it wrote.

>>> import tempfile
>>> from ghostsym.experiments.theory import run_descent
>>> paths = plot_descent(run_descent("quick"), tempfile.mkdtemp())
>>> sorted(path.suffix for path in paths)
['.pdf', '.png']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import save_figure, subplots

__all__ = [
    "plot_passage_times",
    "plot_loss_landscape",
    "plot_descent",
    "plot_learning_rate_scan",
    "plot_critical_learning_rate_law",
    "plot_finite_confidence",
]


def plot_passage_times(outcome, directory) -> list[Path]:
    """t*(r): closed form (line) against the ODE solver (points), and their relative error."""
    arrays = outcome.arrays
    figure, (left, right) = subplots(1, 2, figsize=(9, 3.6))
    left.loglog(arrays["r"], arrays["closed_form"], label="$\\pi/(2\\sqrt{r})$")
    left.loglog(arrays["r"], arrays["ode"], "o", label="solve_ivp")
    left.set(xlabel="$r$", ylabel="blow-up time $t^*$")
    left.legend(loc="upper right")
    error = np.abs(arrays["closed_form"] / arrays["ode"] - 1)
    right.loglog(arrays["r"], np.maximum(error, 1e-17), "o-")
    right.set(xlabel="$r$", ylabel="relative difference")
    figure.suptitle(outcome.title)
    return list(save_figure(figure, directory, outcome.name))


def plot_loss_landscape(outcome, directory) -> list[Path]:
    """L/T against r/r*: the idealised loss and the paper's Euler simulation for each gain."""
    arrays, numbers = outcome.arrays, outcome.numbers
    T = outcome.config["T"]
    scale = numbers["optimum"]
    figure, axes = subplots(figsize=(6, 4))
    axes.plot(arrays["r"] / scale, arrays["idealised"] / T, "k", label="idealised $L/T$")
    for gain, curve in zip(arrays["gains"], arrays["simulated"], strict=True):
        axes.plot(arrays["r"] / scale, curve / T, ".", label=f"Euler, $a = {gain:g}$")
    axes.axvline(1.0, color="tab:orange", ls="--", label="$r^*$")
    axes.axvline(numbers["no_learning_boundary"] / scale, color="tab:red", ls=":", label="$r_{NL}$")
    axes.set(xlabel="$r / r^*$", ylabel="loss / T")
    axes.legend(loc="upper right")
    axes.set_title(outcome.title)
    return list(save_figure(figure, directory, outcome.name))


def plot_descent(outcome, directory) -> list[Path]:
    """r/r* and L/T against the step for the two learning rates of the paper's Fig. 2."""
    arrays = outcome.arrays
    figure, (left, right) = subplots(1, 2, figsize=(9, 3.6))
    for index, rate in enumerate(arrays["learning_rates"]):
        left.plot(arrays["steps"], arrays["r_over_optimum"][:, index], label=f"$\\eta = {rate:g}$")
        right.plot(arrays["steps"], arrays["loss_over_T"][:, index], label=f"$\\eta = {rate:g}$")
    left.axhline(1.0, color="k", lw=0.5)
    left.axhline(0.25, color="tab:red", ls=":", label="$r_{NL}$")
    left.set(xlabel="step", ylabel="$r / r^*$", yscale="log")
    right.set(xlabel="step", ylabel="loss / T")
    left.legend(loc="upper right")
    figure.suptitle(outcome.title)
    return list(save_figure(figure, directory, outcome.name))


def plot_learning_rate_scan(outcome, directory) -> list[Path]:
    """Mean L/T at each checkpoint against the learning rate (Fig. 2d), and the stuck fraction."""
    arrays, numbers = outcome.arrays, outcome.numbers
    figure, (left, right) = subplots(1, 2, figsize=(9, 3.6))
    for checkpoint, curve in zip(arrays["checkpoints"], arrays["mean_loss"], strict=True):
        left.loglog(arrays["learning_rates"], np.maximum(curve, 1e-6), label=f"epoch {checkpoint}")
    right.semilogx(arrays["learning_rates"], arrays["stuck_fraction"], "o-")
    for axes in (left, right):
        axes.axvline(numbers["critical_learning_rate"], color="k", ls="--", label="$\\alpha_c$")
        axes.set_xlabel("learning rate")
    left.set_ylabel("mean loss / T")
    right.set_ylabel("fraction stuck in the no-learning zone")
    left.legend(loc="lower left", fontsize=8)
    figure.suptitle(outcome.title)
    return list(save_figure(figure, directory, outcome.name))


def plot_critical_learning_rate_law(outcome, directory) -> list[Path]:
    """Numeric critical learning rate (points) against the closed form (lines), log-log."""
    arrays = outcome.arrays
    figure, axes = subplots(figsize=(6, 4.2))
    labels = [key.removeprefix("numeric_") for key in arrays if key.startswith("numeric_")]
    for label in labels:
        (line,) = axes.loglog(arrays["T"], arrays[f"closed_form_{label}"], lw=1)
        axes.loglog(
            arrays["T"], arrays[f"numeric_{label}"], "o", color=line.get_color(), label=label
        )
    axes.set(xlabel="delay $T$", ylabel="critical learning rate")
    axes.legend(title="lines: closed form", fontsize=8, loc="lower left")
    axes.set_title(outcome.title)
    return list(save_figure(figure, directory, outcome.name))


def plot_finite_confidence(outcome, directory) -> list[Path]:
    """|dL/dr| normalised by its maximum against r/r*, one curve per gain (Fig. 8A)."""
    arrays = outcome.arrays
    scale = np.pi**2 / (4 * outcome.config["T"] ** 2)
    figure, axes = subplots(figsize=(6, 4))
    for gain, gradient in zip(arrays["gains"], arrays["gradient"], strict=True):
        relative = np.abs(gradient) / np.abs(gradient).max()
        axes.semilogy(arrays["r"] / scale, np.maximum(relative, 1e-16), label=f"$a = {gain:g}$")
    axes.axvline(0.25, color="tab:red", ls=":", label="$r_{NL}$")
    axes.set(xlabel="$r / r^*$", ylabel="$|dL/dr|$ / max", ylim=(1e-12, 2))
    axes.legend(fontsize=8, loc="lower right")
    axes.set_title(outcome.title)
    return list(save_figure(figure, directory, outcome.name))

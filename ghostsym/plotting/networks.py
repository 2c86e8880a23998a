"""Figures of the network experiments (``ghostsym.experiments.networks``).

Each function takes the experiment's :class:`~ghostsym.experiments.ExperimentOutcome` and a
directory and returns the PNG and PDF paths it wrote.

>>> import tempfile
>>> from ghostsym.experiments._claims import ExperimentOutcome
>>> curves = np.ones((2, 5))
>>> outcome = ExperimentOutcome("demo", "Demo", (), arrays={"epochs": np.arange(5),
...     "loss": curves, "gradient_norm": curves, "labels": np.array(["plateau", "learned"])})
>>> sorted(path.suffix for path in plot_rank_one_collapse(outcome, tempfile.mkdtemp()))
['.pdf', '.png']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import save_figure, subplots

__all__ = [
    "plot_rank_one_plateau",
    "plot_rank_one_collapse",
    "plot_learning_rate_sweep",
    "plot_working_memory",
]

_COLOURS = {
    "learned": "tab:green",
    "collapsed": "tab:red",
    "plateau": "tab:grey",
    "unsettled": "tab:orange",
    "diverged": "black",
}


def plot_rank_one_plateau(outcome, directory) -> list[Path]:
    """Loss (log) and the latent clearance / canonical parameter r against the epoch, lr 0.003."""
    a = outcome.arrays
    figure, (top, bottom) = subplots(2, 1, figsize=(7, 5.5), sharex=True)
    for index, seed in enumerate(a["slow_seeds"]):
        (line,) = top.semilogy(a["slow_epochs"], a["slow_loss"][index], label=f"seed {seed}")
        bottom.plot(a["slow_epochs"], a["slow_latent_clearance"][index], color=line.get_color())
        bottom.plot(
            a["slow_epochs"], a["slow_canonical_parameter"][index], "--", color=line.get_color()
        )
    top.set(ylabel="loss", title="rank-one network, lr 0.003: plateau, then an abrupt drop")
    top.legend(fontsize=8)
    bottom.axhline(0, color="black", lw=0.8)
    bottom.set(
        xlabel="epoch",
        ylabel="latent flow",
        title="clearance min f on [$\\kappa_0$, 1] (solid), canonical $r$ (dashed)",
    )
    return list(save_figure(figure, directory, "rank_one_plateau"))


def plot_rank_one_collapse(outcome, directory) -> list[Path]:
    """Loss and gradient norm of every seed at lr 0.02, coloured by outcome."""
    a = outcome.arrays
    figure, (top, bottom) = subplots(2, 1, figsize=(7, 5.5), sharex=True)
    for index, label in enumerate(a["labels"]):
        colour = _COLOURS.get(str(label), "tab:blue")
        top.semilogy(a["epochs"], a["loss"][index], color=colour, lw=0.8, alpha=0.8)
        bottom.semilogy(
            a["epochs"],
            np.maximum(a["gradient_norm"][index], 1e-12),
            color=colour,
            lw=0.8,
            alpha=0.8,
        )
    for label, colour in _COLOURS.items():
        top.plot([], [], color=colour, label=label)
    top.legend(fontsize=8, ncol=3)
    top.set(ylabel="loss", title="rank-one network, lr 0.02: learning, then collapse")
    bottom.set(xlabel="epoch", ylabel="gradient norm")
    return list(save_figure(figure, directory, "rank_one_collapse"))


def plot_learning_rate_sweep(outcome, directory) -> list[Path]:
    """Final loss against learning rate, rank-one and full-rank (seeds as points, median line)."""
    a = outcome.arrays
    figure, axes = subplots(1, 2, figsize=(10, 4), sharey=True)
    for axis, family, title in (
        (axes[0], "rank_one", "rank one"),
        (axes[1], "full_rank", "full rank"),
    ):
        rates = a[f"{family}_learning_rates"]
        final = a[f"{family}_loss"][:, -1]
        unique = np.unique(rates)
        medians = [np.median(final[rates == rate]) for rate in unique]
        seeds = int(np.max([np.sum(rates == rate) for rate in unique]))
        axis.loglog(rates, final, "o", color="tab:blue", alpha=0.5, label="one run (seed)")
        plural = "s" if seeds > 1 else ""
        axis.loglog(
            unique, medians, "-", color="tab:orange", label=f"median over {seeds} seed{plural}"
        )
        epochs = a[f"{family}_epochs"][-1] + (a[f"{family}_epochs"][1] - a[f"{family}_epochs"][0])
        axis.set(xlabel="learning rate", title=f"{title} ({epochs} epochs)")
        axis.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("final loss")
    return list(save_figure(figure, directory, "learning_rate_sweep"))


def plot_working_memory(outcome, directory) -> list[Path]:
    """Final accuracy and peak saturated fraction against learning rate, DCDT and DMTS."""
    a = outcome.arrays
    figure, (left, right) = subplots(1, 2, figsize=(10, 4))
    for task in ("dcdt", "dmts"):
        rates = a[f"{task}_learning_rates"]
        unique = np.unique(rates)
        accuracy = [np.median(a[f"{task}_accuracy"][rates == r, -1]) for r in unique]
        saturation = [np.median(a[f"{task}_saturation"][rates == r].max(axis=1)) for r in unique]
        left.semilogx(unique, accuracy, "o-", label=task.upper())
        right.semilogx(unique, saturation, "o-", label=task.upper())
    left.set(xlabel="learning rate", ylabel="final accuracy (median)", ylim=(0, 1.05))
    right.set(xlabel="learning rate", ylabel="peak fraction |tanh| > 0.99 (median)")
    left.legend()
    return list(save_figure(figure, directory, "working_memory"))

"""Figures of the ghost-analysis experiments (trained networks, the paper's Figs. 3, 6 and 8):
latent flows, drops, the rate law, and the mitigations. Each function takes an
:class:`~ghostsym.experiments.ExperimentOutcome` and a directory and returns the written paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import colormaps, save_figure, subplots

__all__ = [
    "plot_network_slow_points",
    "plot_learning_rate_law",
    "plot_mitigation_rank",
    "plot_mitigation_confidence",
    "plot_mitigation_readout_cap",
]


def plot_network_slow_points(outcome, directory) -> list[Path]:
    """Latent flow of the constructed ghost and node-saddle pair, slow point marked."""
    arrays = outcome.arrays
    figure, axes = subplots(figsize=(5.0, 3.6))
    axes.plot(arrays["kappa"], arrays["ghost_flow"], label="ghost (u > 0)")
    axes.plot(arrays["kappa"], arrays["pair_flow"], label="node-saddle pair (u < 0)")
    axes.axhline(0, color="k", lw=0.6)
    axes.axvline(float(arrays["ghost_location"][0]), color="gray", ls=":", lw=0.8)
    axes.set_xlabel(r"$\kappa$")
    axes.set_ylabel(r"$F(\kappa) = -\kappa + n^\top \tanh(m\kappa + b)$")
    axes.set_ylim(-0.05, 0.2)
    axes.set_title("constructed rank-one networks (N = 100)")
    axes.legend(fontsize=8)
    return list(save_figure(figure, directory, "network_slow_points"))


def plot_learning_rate_law(outcome, directory) -> list[Path]:
    """Critical learning rate against T (log-log): measured, predicted, theory slope."""
    arrays = outcome.arrays
    delays = np.asarray(arrays["delays"], dtype=float)
    figure, axes = subplots(figsize=(5.0, 4.0))
    for row, delay in enumerate(delays):
        measured = arrays["measured"][row]
        predicted = arrays["predicted"][row]
        axes.plot(
            np.full(measured.size, delay) * 0.97, measured, "o", color="tab:blue", alpha=0.5, ms=4
        )
        axes.plot(
            np.full(predicted.size, delay) * 1.03, predicted, "s", color="tab:red", alpha=0.5, ms=4
        )
    medians = {
        key: np.array([np.nanmedian(row) for row in arrays[key]])
        for key in ("measured", "predicted", "naive")
    }
    numbers = outcome.numbers
    axes.loglog(
        delays,
        medians["measured"],
        "-",
        color="tab:blue",
        label=f"measured (slope {numbers['measured_exponent']:.2f})",
    )
    axes.loglog(
        delays,
        medians["predicted"],
        "-",
        color="tab:red",
        label=r"$\alpha_c/|\partial\rho/\partial\theta|^2$ "
        f"(slope {numbers['predicted_exponent']:.2f})",
    )
    axes.loglog(
        delays,
        medians["naive"],
        ":",
        color="tab:gray",
        label=f"naive r (slope {numbers['naive_exponent']:.2f})",
    )
    reference = medians["measured"][0] * (delays / delays[0]) ** numbers["canonical_exponent"]
    axes.loglog(
        delays,
        reference,
        "k--",
        lw=0.8,
        label=f"canonical slope {numbers['canonical_exponent']:.0f}",
    )
    axes.set_xlabel("delay T (steps)")
    axes.set_ylabel(r"critical learning rate $\eta_c$")
    axes.legend(fontsize=7)
    return list(save_figure(figure, directory, "critical_learning_rate_vs_delay"))


def plot_mitigation_rank(outcome, directory) -> list[Path]:
    """Fraction of networks that learn against the rank, one line per learning rate."""
    arrays = outcome.arrays
    figure, axes = subplots(figsize=(5.0, 3.6))
    for column, rate in enumerate(arrays["learning_rates"]):
        axes.semilogx(arrays["ranks"], arrays["fractions"][:, column], "o-", label=f"lr {rate:g}")
    axes.set_xlabel("trainable rank K")
    axes.set_ylabel("fraction learned")
    axes.set_ylim(-0.05, 1.05)
    axes.legend(fontsize=8)
    return list(save_figure(figure, directory, "mitigation_rank"))


def plot_mitigation_confidence(outcome, directory) -> list[Path]:
    """Recovery curves (mean accuracy) per confidence, and the recovered fraction against c."""
    arrays = outcome.arrays
    figure, (left, right) = subplots(1, 2, figsize=(9.0, 3.6))
    colours = colormaps["plasma"](np.linspace(0, 0.9, len(arrays["confidences"])))
    for curve, confidence, colour in zip(
        arrays["mean_accuracy"], arrays["confidences"], colours, strict=True
    ):
        left.plot(curve, color=colour, label=f"c = {confidence:.3g}")
    left.set_xlabel("epoch after the collapse")
    left.set_ylabel("mean accuracy (collapsed runs)")
    left.legend(fontsize=6, ncol=2)
    right.semilogx(arrays["confidences"], arrays["fractions"], "o-", label="collapsed runs")
    right.semilogx(
        arrays["confidences"], arrays["never_learned_fractions"], "s:", label="never-learned runs"
    )
    right.set_xlabel("confidence c during the continuation")
    right.set_ylabel("fraction recovered")
    right.legend(fontsize=8)
    return list(save_figure(figure, directory, "mitigation_confidence"))


def plot_mitigation_readout_cap(outcome, directory) -> list[Path]:
    """Mean accuracy over both phases, one line per readout cap."""
    arrays = outcome.arrays
    figure, axes = subplots(figsize=(6.0, 3.6))
    axes.plot(
        arrays["first_phase_epochs"],
        arrays["first_phase_accuracy"],
        color="k",
        label="phase 1 (no cap)",
    )
    for curve, cap in zip(arrays["mean_accuracy"], arrays["caps"], strict=True):
        axes.plot(arrays["epochs"], curve, label=f"cap {cap:g}")
    axes.set_xlabel("epoch")
    axes.set_ylabel("mean accuracy")
    axes.legend(fontsize=8)
    return list(save_figure(figure, directory, "mitigation_readout_cap"))

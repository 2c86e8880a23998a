"""Figures of the ghost-analysis experiments (trained networks, the paper's Figs. 3, 6 and 8):
latent flows, drops, the rate law, and the mitigations. Each function takes an
:class:`~ghostsym.experiments.ExperimentOutcome` and a directory and returns the written paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import colormaps, save_figure, sparse_log_ticks, subplots

__all__ = [
    "plot_network_slow_points",
    "plot_learning_rate_law",
    "plot_mitigation_rank",
    "plot_mitigation_confidence",
    "plot_mitigation_readout_cap",
]


def plot_network_slow_points(outcome, directory) -> list[Path]:
    """Latent flow F(kappa) of the constructed ghost and node-saddle pair (the paper's Fig. 3).

    The two flows differ only by about 1e-4 near the slow point, so one panel shows both over
    the whole range (ghost solid, pair dashed with markers) and a second panel zooms on the slow
    point, where the ghost stays above zero (no fixed point) and the pair crosses it twice.
    """
    arrays = outcome.arrays
    kappa = np.asarray(arrays["kappa"], dtype=float)
    ghost, pair = np.asarray(arrays["ghost_flow"]), np.asarray(arrays["pair_flow"])
    location = float(arrays["ghost_location"][0])
    figure, (whole, zoom) = subplots(1, 2, figsize=(9.0, 3.6))
    styles = (
        (ghost, "ghost (u > 0): no fixed point", dict(color="tab:blue", ls="-", lw=1.6)),
        (
            pair,
            "node-saddle pair (u < 0): two fixed points",
            dict(color="tab:orange", ls="--", lw=1.4, marker="o", ms=3, markevery=0.04),
        ),
    )
    for flow, label, style in styles:
        whole.plot(kappa, flow, label=label, **style)
    whole.axhline(0, color="k", lw=0.6)
    whole.axvline(location, color="gray", ls=":", lw=0.8, label="slow point")
    whole.set_ylim(-0.05, 0.2)
    whole.set_xlabel(r"$\kappa$")
    whole.set_ylabel(r"$F(\kappa) = -\kappa + n^\top \tanh(m\kappa + b)$")
    whole.set_title("whole range: the two curves coincide", fontsize=9)
    whole.legend(fontsize=7, loc="upper center")
    # zoom: where both flows are within 20 times their distance from zero at the slow point
    scale = max(abs(ghost.min()), abs(pair.min()))
    near = np.flatnonzero(np.maximum(np.abs(ghost), np.abs(pair)) <= 20 * scale)
    window = slice(max(near.min() - 1, 0), near.max() + 2) if near.size else slice(None)
    for flow, label, style in styles:
        zoom.plot(kappa[window], flow[window], label=label, **{**style, "markevery": 1})
    zoom.axhline(0, color="k", lw=0.6)
    zoom.axvline(location, color="gray", ls=":", lw=0.8)
    zoom.plot(kappa[np.argmin(ghost)], ghost.min(), "v", color="tab:blue", ms=7)
    zoom.annotate(
        f"ghost\nminimum\n{ghost.min():.2g} > 0",
        (kappa[np.argmin(ghost)], ghost.min()),
        xytext=(kappa[np.argmin(ghost)], 3.2 * scale),
        fontsize=7,
        ha="center",
        arrowprops=dict(arrowstyle="->", lw=0.6),
    )
    zoom.set_ylim(1.6 * min(pair.min(), 0.0), 6 * scale)
    zoom.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    zoom.set_xlabel(r"$\kappa$")
    zoom.set_title("close-up of the slow point", fontsize=9)
    figure.suptitle("constructed rank-one networks (N = 100)", fontsize=10)
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
    axes.plot([], [], "o", color="tab:blue", alpha=0.5, ms=4, label="measured, one per seed")
    axes.plot([], [], "s", color="tab:red", alpha=0.5, ms=4, label="predicted, one per seed")
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
        label=f"measured, median (slope {numbers['measured_exponent']:.2f})",
    )
    axes.loglog(
        delays,
        medians["predicted"],
        "-",
        color="tab:red",
        label=r"predicted $\alpha_c/|\partial\rho/\partial\theta|^2$, median "
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
    sparse_log_ticks(axes.xaxis)
    axes.set_xlabel("delay T (steps)")
    axes.set_ylabel(r"critical learning rate $\eta_c$")
    axes.legend(fontsize=7)
    return list(save_figure(figure, directory, "critical_learning_rate_vs_delay"))


def plot_mitigation_rank(outcome, directory) -> list[Path]:
    """Fraction of networks that learn against the rank, one line per learning rate.

    Learning rates often share a fraction (all zero, all one), so each line has its own marker
    and line style and is shifted vertically by a small offset (stated on the axis) so that no
    line hides another; the offsets are drawing aids, the fractions are the unshifted values.
    """
    arrays = outcome.arrays
    rates = np.asarray(arrays["learning_rates"], dtype=float)
    offsets = 0.025 * (np.arange(rates.size) - (rates.size - 1) / 2)
    markers, lines = "os^Dv<>", ("-", "--", "-.", ":")
    figure, axes = subplots(figsize=(5.4, 3.8))
    for column, rate in enumerate(rates):
        axes.semilogx(
            arrays["ranks"],
            np.asarray(arrays["fractions"][:, column], dtype=float) + offsets[column],
            marker=markers[column % len(markers)],
            ls=lines[column % len(lines)],
            ms=6 - column % 3,
            mfc="none" if column % 2 else None,
            label=f"lr {rate:g} (shifted {offsets[column]:+.3f})",
        )
    axes.set_xlabel("trainable rank K")
    axes.set_ylabel("fraction learned (lines shifted apart)")
    axes.set_ylim(-0.1, 1.1)
    axes.legend(fontsize=8, loc="center left")
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

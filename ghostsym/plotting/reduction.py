"""Figures of the reduction experiments: bottleneck-time errors and the network ghost."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import save_figure, sparse_log_ticks, subplots

__all__ = ["plot_bottleneck", "plot_network_ghost"]


def plot_bottleneck(outcome, directory) -> list[Path]:
    """|measured/predicted - 1| against |mu - mu0| (log-log) per system, with slope 1/2."""
    distances = np.asarray(outcome.arrays["distances"])
    figure, axes = subplots(figsize=(5.0, 3.8))
    for key, errors in outcome.arrays.items():
        if key.startswith("relative_error_"):
            label = key.removeprefix("relative_error_")
            axes.loglog(distances, np.abs(errors), "o-", label=label)
    reference = np.abs(np.asarray(outcome.arrays["relative_error_2-D"]))
    axes.loglog(
        distances,
        reference[0] * np.sqrt(distances / distances[0]),
        "k--",
        lw=0.8,
        label="slope 1/2",
    )
    axes.set_xlabel(r"$|\mu - \mu_0|$")
    axes.set_ylabel(r"$|T_{\mathrm{measured}} / (\pi/\sqrt{ab(\mu-\mu_0)}) - 1|$")
    axes.set_title("bottleneck time: reduction vs full system")
    axes.legend(fontsize=8)
    return list(save_figure(figure, directory, "reduction_bottleneck"))


def plot_network_ghost(outcome, directory) -> list[Path]:
    """Predicted pi/sqrt(r) and simulated passage times of the rank-one network against r."""
    arrays = outcome.arrays
    figure, axes = subplots(figsize=(5.0, 3.8))
    order = np.argsort(arrays["r_found"])
    axes.loglog(
        arrays["r_found"][order],
        arrays["predicted_passage"][order],
        "-",
        label=r"$\pi/\sqrt{r}$ (reduction of the full network)",
    )
    axes.loglog(
        arrays["r_found"][order],
        arrays["simulated_passage"][order],
        "o",
        label="simulated passage (N-dim flow)",
    )
    sparse_log_ticks(axes.xaxis, axes.yaxis)
    axes.set_xlabel("$r$")
    axes.set_ylabel("passage time")
    axes.set_title(f"rank-one network, N = {outcome.numbers['size']}")
    axes.legend(fontsize=8)
    return list(save_figure(figure, directory, "reduction_network_ghost"))

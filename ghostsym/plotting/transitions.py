"""Figures of the transition experiments (paper Figs. 3, 4, 5 in their spirit).

- :func:`plot_task_transitions`: per task, the loss and accuracy of every seed with the paper's
  (rescaled) snapshot epochs marked and each seed's transition epoch, and, for the example seed,
  the trial trajectories at those snapshots in the latent kappa plane (K = 2) or the first two
  principal components (full rank) with the slow points found there (ghosts red, fixed points
  blue; filled when on the trials' path).
- :func:`plot_rank_one_flow_scan`: f(kappa) at chosen epochs around one seed's drop, the
  fixed-point count through training, and the fixed-point position against the threshold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import colormaps, save_figure, subplots, tight_layout

__all__ = ["plot_task_transitions", "plot_rank_one_flow_scan"]


def plot_task_transitions(outcome, directory) -> list[Path]:
    """Loss/accuracy with snapshot epochs marked, and slow points over trial trajectories."""
    arrays = outcome.arrays
    paths: list[Path] = []
    for task in ("dcdt", "dmts"):
        if f"{task}_loss" not in arrays:
            continue
        paths += _plot_task_loss(outcome, task, directory)

        trajectories = arrays[f"{task}_example_trajectories"]
        points = arrays[f"{task}_example_points"]
        ghost = arrays[f"{task}_example_ghost"]
        on_path = arrays[f"{task}_example_on_path"]
        count = trajectories.shape[0]
        figure, axes_row = subplots(1, count, figsize=(2.6 * count, 2.6), squeeze=False)
        for column, axes in enumerate(axes_row[0]):
            for trial in trajectories[column]:
                axes.plot(trial[:, 0], trial[:, 1], color="0.5", lw=0.6)
                axes.plot(trial[0, 0], trial[0, 1], ".", color="0.3", ms=3)
            valid = np.isfinite(points[column][:, 0])
            for point, is_ghost, near in zip(
                points[column][valid], ghost[column][valid], on_path[column][valid], strict=True
            ):
                colour = "tab:red" if is_ghost else "tab:blue"
                axes.plot(
                    point[0],
                    point[1],
                    "o",
                    ms=6,
                    mec=colour,
                    mfc=colour if near else "none",
                )
            epoch = arrays[f"{task}_paper_snapshots"][column]
            axes.set_title(f"epoch {int(epoch)}", fontsize=8)
            axes.tick_params(labelsize=6)
        seed = int(arrays[f"{task}_example_seed"][0])
        figure.suptitle(
            f"{task.upper()}, seed {seed}: trials and slow points (red ghost, blue fixed point; "
            "filled: on the path)",
            fontsize=8,
        )
        paths += save_figure(figure, directory, f"{outcome.name}_{task}_slow_points")
    return paths


def _plot_task_loss(outcome, task: str, directory) -> list[Path]:
    """Loss and accuracy of every seed: seeds with a transition in colour (legend: seed and
    transition epoch, marked by a triangle on the loss), the others in thin grey; the paper's
    rescaled snapshot epochs as light vertical lines."""
    arrays = outcome.arrays
    epochs = arrays[f"{task}_epochs"]
    loss, accuracy = arrays[f"{task}_loss"], arrays[f"{task}_accuracy"]
    transitions = np.asarray(arrays[f"{task}_transition_epochs"])
    seeds = arrays.get(f"{task}_seeds")
    if seeds is None:  # outcomes stored before the seeds were: seeds are seed, seed + 1, ...
        seeds = int(outcome.config.get("seed", 0)) + np.arange(loss.shape[0])
    figure, (loss_axes, accuracy_axes) = subplots(1, 2, figsize=(10.0, 3.8))
    still = np.flatnonzero(transitions < 0)
    for index in still:
        for axes, values in ((loss_axes, loss), (accuracy_axes, accuracy)):
            axes.plot(epochs, values[index], color="0.6", lw=0.6, alpha=0.7)
    if still.size:
        loss_axes.plot([], [], color="0.6", lw=0.8, label=f"{still.size} seeds without transition")
    moved = np.flatnonzero(transitions >= 0)
    colours = colormaps["tab10"](np.arange(moved.size) % 10)
    for index, colour in zip(moved, colours, strict=True):
        transition = transitions[index]
        loss_axes.plot(
            epochs,
            loss[index],
            color=colour,
            lw=0.9,
            label=f"seed {int(seeds[index])}: transition at epoch {int(transition)}",
        )
        accuracy_axes.plot(epochs, accuracy[index], color=colour, lw=0.9)
        at = int(np.argmin(np.abs(epochs - transition)))
        loss_axes.plot(epochs[at], loss[index][at], "v", color=colour, ms=7, mec="k", mew=0.5)
    for axes in (loss_axes, accuracy_axes):
        for number, epoch in enumerate(arrays[f"{task}_paper_snapshots"]):
            axes.axvline(
                epoch,
                color="0.75",
                ls="--",
                lw=0.6,
                zorder=0,
                label="paper's snapshot epochs (rescaled)" if number == 0 else None,
            )
        axes.set_xlabel("epoch")
    loss_axes.set_yscale("log")
    loss_axes.set_ylabel("loss (triangle: transition)")
    accuracy_axes.set_ylabel("accuracy")
    handles, labels = loss_axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
    figure.suptitle(f"{outcome.title}: {task.upper()}", fontsize=9)
    tight_layout(figure)
    return list(save_figure(figure, directory, f"{outcome.name}_{task}_loss"))


def plot_rank_one_flow_scan(outcome, directory) -> list[Path]:
    """f(kappa) around one seed's drop; fixed-point counts and positions through training."""
    arrays = outcome.arrays
    paths: list[Path] = []
    for prefix, label in (("fast", "lr 0.02"), ("slow", "lr 0.003")):
        if f"{prefix}_grid" not in arrays:
            continue
        figure, (flow_axes, count_axes, position_axes) = subplots(1, 3, figsize=(12.0, 3.4))
        grid = arrays[f"{prefix}_grid"]
        shown = (grid >= -9) & (grid <= 9)
        colours = colormaps["viridis"](np.linspace(0, 0.9, len(arrays[f"{prefix}_example_epochs"])))
        for flow, epoch, colour in zip(
            arrays[f"{prefix}_example_flows"],
            arrays[f"{prefix}_example_epochs"],
            colours,
            strict=True,
        ):
            flow_axes.plot(grid[shown], flow[shown], color=colour, label=f"epoch {int(epoch)}")
        flow_axes.axhline(0, color="k", lw=0.6)
        flow_axes.axvline(1.0, color="tab:orange", lw=0.8)
        flow_axes.set_ylim(-1, 3)
        flow_axes.set_xlabel(r"$\kappa$")
        flow_axes.set_ylabel(r"$f(\kappa)$")
        flow_axes.legend(fontsize=7)
        epochs = arrays[f"{prefix}_flow_epochs"]
        for index, counts in enumerate(arrays[f"{prefix}_counts"]):
            count_axes.plot(epochs, counts + 0.04 * index, lw=0.7)
            position_axes.plot(epochs, arrays[f"{prefix}_nearest_fixed_point"][index], lw=0.7)
            transition = arrays[f"{prefix}_transition_epochs"][index]
            if transition >= 0:
                position_axes.axvline(transition, color="0.7", ls=":", lw=0.6)
        count_axes.set_xlabel("epoch")
        count_axes.set_ylabel("fixed points (sign flips of f)")
        position_axes.axhline(1.0, color="tab:orange", lw=0.8)
        position_axes.set_xlabel("epoch (dotted: drops)")
        position_axes.set_ylabel(r"fixed point above $\kappa_0$")
        figure.suptitle(f"rank-one network, {label}: f on linspace(-15, 15, 1000)", fontsize=9)
        paths += save_figure(figure, directory, f"rank_one_flow_scan_{prefix}")
    return paths

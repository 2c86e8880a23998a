# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Ghosts in a trained network
#
# The paper's rank-one network (N = 100 units, $W = m n^\top$, leak $\alpha = 0.5$) learns the
# delayed-activation task: output off for 20 steps, on for 20. Its latent coordinate
# $\kappa = n^\top x$ obeys the exact one-dimensional flow
# $\dot\kappa = F(\kappa) = -\kappa + n^\top \tanh(m\kappa + b)$, and the output is
# $\sigma(c(\kappa - 1))$. The theory says the delay is implemented by a **ghost**: a slow
# point with $r > 0$ on the way to the threshold, passed in a time $\approx \pi/\sqrt r$.
#
# Here we train one network (about ten seconds with JAX), find its slow points in all 100
# dimensions, reduce them to $\dot z = r + z^2$ and compare the predicted passage time with
# what the network does.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import ghostsym
import ghostsym.analysis as analysis
import ghostsym.network as network

model, task = network.RankOneNetwork(size=100), network.DelayedActivation(delay=20, response=20)
snapshot_epochs = (0, 30000, 36000, 38000, 40000)
training = network.train_population(
    model,
    task,
    learning_rates=np.array([0.003]),
    seeds=40,
    epochs=40000,
    record_every=100,
    snapshot_epochs=snapshot_epochs,
    log_canonical_parameter=False,
)
print(
    f"trained in {training.wall_time:.1f} s; loss {training.loss[0, 0]:.3f} -> {training.loss[0, -1]:.4f}"
)

# %% [markdown]
# A long plateau, then abrupt learning (the paper: near $\approx 100/\eta$ epochs):

# %%
first_drop = int(training.recorded_epochs[np.argmax(training.loss[0] < 0.5)])
figure, axes = plt.subplots(figsize=(6, 3))
axes.semilogy(training.recorded_epochs, training.loss[0], label="loss")
axes.semilogy(
    training.recorded_epochs,
    training.gradient_norm[0] / training.gradient_norm[0].max(),
    label="gradient norm / max",
)
axes.axvline(first_drop, color="grey", ls=":")
axes.set(
    xlabel="epoch",
    title=f"rank-one network, lr 0.003: loss drops at epoch {first_drop} "
    f"({first_drop * 0.003:.0f}/lr)",
)
axes.legend()
plt.show()

# %% [markdown]
# ## The latent flow during training
#
# Before learning, the only fixed point of $F$ lies below the readout threshold
# $\kappa = 1$: the latent state stops there, the output never switches and the loss is flat.
# Learning pushes that fixed point past the threshold; what is left on the path from
# $\kappa_0$ is a region where $F$ is small but positive, a ghost. The number of fixed points
# never rises (the paper's fixed-point test): the delay is not built from a new
# node-saddle pair.

# %%
snapshots = training.snapshots
m_all, n_all, b_all = (np.asarray(getattr(snapshots, name)[0], dtype=np.float64) for name in "mnb")
kappa = np.linspace(-4.0, 3.0, 1400)
figure, axes = plt.subplots(figsize=(6, 3.5))
for index, epoch in enumerate(snapshot_epochs):
    flow = analysis.latent_flow(kappa, m_all[index], n_all[index], b_all[index])
    axes.plot(kappa, flow, label=f"epoch {epoch}")
axes.axhline(0, color="k", lw=0.5)
axes.axvline(1.0, color="tab:orange", ls="--", lw=1, label="readout threshold")
axes.plot(-0.3 * n_all[-1].sum(), 0, "ro", label=r"$\kappa_0$ (trained)")
axes.set(xlabel=r"$\kappa$", ylabel=r"$F(\kappa)$", ylim=(-0.6, 0.6), title="latent flow")
axes.legend(fontsize=8)
plt.show()
counts = analysis.latent_fixed_point_count(m_all, n_all, b_all)
print(
    "fixed points of F at the snapshots:", dict(zip(snapshot_epochs, counts.tolist(), strict=True))
)

# %% [markdown]
# ## Slow points in all 100 dimensions
#
# `find_network_slow_points` minimises $q(x) = \tfrac12|f(x)|^2$ for
# $f(x) = -x + \tanh(Wx + b)$ from states the network visits, refines with Newton steps and
# reduces each minimum to the canonical form with automatic derivatives; the sign of $r$
# separates ghosts from fixed points.

# %%
m, n, b = m_all[-1], n_all[-1], b_all[-1]
trained = analysis.RecurrentNetwork(np.outer(m, n), b, time_step=model.leak)
slow_points = analysis.find_network_slow_points(trained, count=16)
rows = [
    "| kind | r | speed | kappa = n·x | nearest eigenvalues | passage time |",
    "|---|---|---|---|---|---|",
]
for point in slow_points:
    eigenvalues = ", ".join(f"{value.real:+.3g}" for value in point.eigenvalues[:3])
    rows.append(
        f"| {point.kind} | {point.r:.4g} | {point.speed:.3g} | {n @ point.point:.4f} | "
        f"{eigenvalues} | {point.passage_time:.4g} |"
    )
display(Markdown("\n".join(rows)))
ghosts = [point for point in slow_points if point.kind == "ghost"]
display(ghostsym.canonical_form().bottleneck_time)
assert ghosts and max(counts) == 1

# %% [markdown]
# ## Predicted against measured passage
#
# $\pi/\sqrt r$ above is the *full* bottleneck passage ($-\infty \to +\infty$ in $z$). The
# network only travels from $\kappa_0$ to the threshold, so the prediction is the partial
# passage $G(z_1) - G(z_0)$ of the canonical form along that path, converted to network
# updates ($\Delta t = \alpha = 0.5$). The network's own trajectory gives the measured
# number; the task asks for 20.

# %%
passage = analysis.rank_one_latent_passage(m_all, n_all, b_all, time_step=model.leak)
rows = ["| epoch | r on the path | predicted steps | network steps |", "|---|---|---|---|"]
rows += [
    f"| {epoch} | {r:.4g} | {predicted:.2f} | {simulated:.2f} |"
    for epoch, r, predicted, simulated in zip(
        snapshot_epochs,
        passage.canonical_parameter,
        passage.predicted_steps,
        passage.simulated_steps,
        strict=True,
    )
]
display(Markdown("\n".join(rows)))
record = network.simulate_trials(model, task, network.tree_index(training.final_parameters, 0))
figure, axes = plt.subplots(figsize=(6, 3))
axes.plot(np.asarray(record.outputs[0]), label="network output")
axes.plot(np.asarray(task.targets()[0]), "k--", label="target")
axes.axvline(passage.simulated_steps[-1], color="tab:green", ls=":", label="latent crossing")
axes.set(xlabel="time step", title="the trained network waits 20 steps at its ghost")
axes.legend()
plt.show()

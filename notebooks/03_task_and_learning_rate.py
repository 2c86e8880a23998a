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
# # 3. The task loss, the no-learning zone and the critical learning rate
#
# The delayed-activation task asks the output to stay off for a delay $T$ and switch on for a
# response window $R$ (the paper uses $R = T$). In the infinite-confidence limit the output
# switches when the ghost's state blows up, at $t^*(r) = \pi / (2\sqrt r)$, so the loss is
# the timing error $|T - t^*(r)|$, capped at $R$ when the switch comes too late.
#
# From that one fact `ghostsym` derives, with SymPy: the optimum $r^*$, the **no-learning
# boundary** $r_{\mathrm{NL}}$ below which the loss is flat, the gradient (a kink at the
# optimum) and the **critical learning rate** $\alpha_c$ above which one gradient step from
# the optimum lands in the flat zone, together with its exponent in $T$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from scipy.integrate import solve_ivp

import ghostsym
from ghostsym import notation

theory = ghostsym.delayed_activation_theory()  # R = T, un-normalised loss
for name in (
    "switch_time",
    "optimum",
    "no_learning_boundary",
    "loss",
    "gradient",
    "gradient_at_optimum",
    "critical_learning_rate",
    "critical_exponent",
):
    expression = getattr(theory, name)
    display(Markdown(f"**{expression.description}**"), expression)

# %% [markdown]
# With a general response window $R$ the critical learning rate and its exponents (at fixed
# $R/T$, and at fixed $R$ as $T \to \infty$) are:

# %%
general = ghostsym.delayed_activation_theory(R=notation.R)
display(general.critical_learning_rate, general.fixed_window_exponent, general.asymptotic_exponent)
display(
    Markdown("The paper plots $L/T$; its gradient changes the exponent by one:"),
    ghostsym.delayed_activation_theory(normalised=True).critical_learning_rate,
)

# %% [markdown]
# ## The loss, checked against simulated switch times
#
# An independent oracle: integrate $\dot x = r + x^2$ from $x = 0$ with SciPy until $x$
# reaches a large threshold, read the switch time, and compute the timing error directly.

# %%
T = 100.0
numbers = ghostsym.delayed_activation_theory(T=T).numbers()
r_star, r_nl = numbers.optimum, numbers.no_learning_boundary


def simulated_switch_time(r_value, threshold=1e7):
    event = lambda time, state: state[0] - threshold  # noqa: E731
    event.terminal = True
    solution = solve_ivp(
        lambda time, state: [r_value + state[0] ** 2],
        (0.0, 2 * T),
        [0.0],
        events=event,
        rtol=1e-11,
        atol=1e-12,
    )
    return solution.t_events[0][0] if solution.t_events[0].size else np.inf


r_grid = r_star * np.array([-0.5, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 4.0])
simulated = np.array([min(abs(T - simulated_switch_time(value)), T) for value in r_grid])
closed = ghostsym.task_loss(r_grid, T)
print("max |closed form - simulation|:", np.max(np.abs(closed - simulated)))
assert np.allclose(closed, simulated, atol=1e-5)

# %% [markdown]
# ... and the gradient against central finite differences of the loss (away from the kinks):

# %%
r_smooth = r_star * np.array([0.1, 0.2, 0.3, 0.6, 0.9, 1.2, 2.0, 5.0])
step = 1e-6 * r_smooth
finite_difference = (
    ghostsym.task_loss(r_smooth + step, T) - ghostsym.task_loss(r_smooth - step, T)
) / (2 * step)
derived = ghostsym.task_gradient(r_smooth, T)
rows = ["| r / r* | dL/dr (derived) | central difference | difference |", "|---|---|---|---|"]
rows += [
    f"| {u:g} | {g:.6e} | {d:.6e} | {g - d:+.1e} |"
    for u, g, d in zip(r_smooth / r_star, derived, finite_difference, strict=True)
]
display(Markdown("\n".join(rows)))
assert np.allclose(derived, finite_difference, rtol=1e-6, atol=1e-9)

# %%
r_plot = np.linspace(-0.5, 4.2, 2000) * r_star
figure, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(r_plot / r_star, ghostsym.task_loss(r_plot, T, normalised=True), color="k")
axes[0].plot(r_grid / r_star, simulated / T, "o", color="tab:orange", label="solve_ivp")
axes[1].plot(r_plot / r_star, ghostsym.task_gradient(r_plot, T), color="k")
for ax in axes:
    ax.axvspan(
        r_plot[0] / r_star, r_nl / r_star, color="tab:red", alpha=0.12, label="no-learning zone"
    )
    ax.axvline(1.0, color="tab:orange", ls="--", lw=1)
    ax.set_xlabel("r / r*")
axes[0].set(ylabel="L / T", title=f"task loss, T = R = {T:g}")
axes[1].set(ylabel="dL/dr", title="its gradient: zero below r_NL, a kink at r*")
axes[0].legend()
plt.show()

# %% [markdown]
# ## Gradient descent on $r$: below and above $\alpha_c$
#
# The paper's 1-D experiment: $T = 100$, start at $10\,r^*$, 3000 steps. At
# $\alpha = 10^{-10} < \alpha_c$ descent learns and then oscillates around $r^*$; at
# $\alpha = 10^{-9} > \alpha_c \approx 9.13\times 10^{-10}$ it learns, then one step lands in
# the no-learning zone, where the gradient is exactly zero: it stays there.

# %%
print(f"alpha_c(T=100) = {numbers.critical_learning_rate:.4e}")
rates = np.array([1e-10, 1e-9])
descent = ghostsym.gradient_descent(rates, T, steps=3000, record_every=5)
for index in range(rates.size):
    print(descent.run(index))  # None, not a -1, for an event that never happened
figure, axes = plt.subplots(figsize=(6, 3.5))
for index, rate in enumerate(rates):
    axes.semilogy(descent.recorded_steps, descent.trajectory[:, index], label=f"η = {rate:.0e}")
axes.axhline(r_star, color="tab:orange", ls="--", label="r*")
axes.axhline(r_nl, color="tab:red", ls=":", label="r_NL = r*/4")
axes.set(xlabel="step", ylabel="r", title="gradient descent on r (T = 100)")
axes.legend()
plt.show()

# %% [markdown]
# ## The critical learning rate, found by simulation, and its exponent
#
# `numeric_critical_learning_rate` bisects on the learning rate by simulating descent from the
# paper's noisy starts $10 r^* + \mathcal N(0, r^*/10)$, without using the closed form.
# Its fitted slope in $\log T$ should be the derived exponent $-5$ ($-4$ for $L/T$).

# %%
delays = np.array([10.0, 30.0, 100.0, 300.0, 1000.0])
rows = ["| loss | T | simulated α_c | closed form | rel. error |", "|---|---|---|---|---|"]
for normalised in (False, True):
    estimate = ghostsym.numeric_critical_learning_rate(
        delays, starts=8, steps=3000, normalised=normalised
    )
    slope = np.polyfit(np.log(delays), np.log(estimate.estimate), 1)[0]
    exponent = float(
        ghostsym.delayed_activation_theory(normalised=normalised).critical_exponent.expression
    )
    label = "L/T" if normalised else "L"
    rows += [
        f"| {label} | {d:g} | {e:.4e} | {c:.4e} | {e / c - 1:+.1e} |"
        for d, e, c in zip(delays, estimate.estimate, estimate.closed_form, strict=True)
    ]
    rows.append(
        f"| {label} | fitted slope | **{slope:.4f}** | derived exponent **{exponent:g}** | |"
    )
    assert abs(slope - exponent) < 0.01
display(Markdown("\n".join(rows)))

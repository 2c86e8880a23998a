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
# # 1. The canonical form of a ghost and its passage times
#
# Near a ghost (the remnant of a saddle-node bifurcation) every flow reduces to
# $\dot x = r + x^2$. For $r > 0$ there is no fixed point, but the state lingers near
# $x = 0$ for a time that grows like $r^{-1/2}$: this slow passage is the *ghost*.
# For $r < 0$ a node and a saddle appear at $\mp\sqrt{-r}$, and $r = 0$ is the fold.
#
# Every formula below is **derived by SymPy** inside `ghostsym` (antiderivatives, limits,
# integrals), not typed in. This notebook displays them, checks them against the ODE
# symbolically and against an independent numerical integration, and measures the $-1/2$
# exponent from data.

# %%

import matplotlib.pyplot as plt
import numpy as np
import sympy
from IPython.display import Markdown, display
from scipy.integrate import solve_ivp

import ghostsym
from ghostsym import notation

form = ghostsym.canonical_form()
for expression in (form.flow, form.trajectory, form.passage_time, form.escape_time):
    display(Markdown(f"**{expression.description}**"), expression)

# %% [markdown]
# The blow-up time from $x_0 = 0$ and the full bottleneck time from $-\infty$ to $+\infty$:

# %%
display(form.blow_up_time, form.bottleneck_time)

# %% [markdown]
# ## The trajectory solves the ODE (exact SymPy identity)
#
# Substitute the derived ghost-branch trajectory into $\dot x - (r + x^2)$ and simplify:
# the residual is exactly zero. The same holds on the node ($r<0$) and fold ($r=0$) branches.

# %%
r, t = notation.r, notation.t
for branch, r_value in ((form.trajectory, r), (form.node_trajectory, r), (form.fold_trajectory, 0)):
    x_of_t = branch.expression
    right_hand_side = form.flow.expression.subs({notation.x: x_of_t, r: r_value})
    residual = sympy.simplify(sympy.diff(x_of_t, t) - right_hand_side)
    print(f"{branch.description:45s} residual = {residual}")
    assert residual == 0

# %% [markdown]
# ## The blow-up time is a limit of the passage time
#
# $t^*$ is the passage time from $0$ to $x_1 \to +\infty$; SymPy takes the limit:

# %%
positive_r = sympy.Symbol("r", positive=True)  # the ghost branch: r > 0
passage_from_zero = form.passage_time.expression.subs({notation.x0: 0, r: positive_r})
limit = sympy.limit(passage_from_zero, notation.x1, sympy.oo).subs(positive_r, r)
display(sympy.Eq(sympy.Symbol("t^{*}"), limit))
assert sympy.simplify(limit - form.blow_up_time.expression) == 0

# %% [markdown]
# ## Independent numerical check: integrate the ODE with SciPy
#
# Integrate $\dot x = r + x^2$ from $x_0$ until $x$ reaches $X$ (an event) with tight
# tolerances and compare with the closed-form passage time.


# %%
def simulated_passage_time(r_value, start, end):
    event = lambda time, state: state[0] - end  # noqa: E731
    event.terminal = True
    solution = solve_ivp(
        lambda time, state: [r_value + state[0] ** 2],
        (0.0, 1e6),
        [start],
        events=event,
        rtol=1e-12,
        atol=1e-12,
    )
    return solution.t_events[0][0]


rows = []
for r_value, start, end in [(1e-2, 0.0, 10.0), (1e-3, -5.0, 5.0), (0.25, 1.0, 30.0)]:
    closed, simulated = (
        ghostsym.passage_time(r_value, start, end),
        simulated_passage_time(r_value, start, end),
    )
    rows.append(
        f"| {r_value:g} | {start:g} → {end:g} | {closed:.10f} | {simulated:.10f} | "
        f"{abs(closed / simulated - 1):.1e} |"
    )
    assert abs(closed / simulated - 1) < 1e-8
display(
    Markdown(
        "| r | passage | closed form | solve_ivp | rel. difference |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows)
    )
)

# %% [markdown]
# ## The $r^{-1/2}$ law, measured
#
# Fit the slope of $\log t^*$ against $\log r$ from *simulated* blow-up times (to a large
# threshold, corrected by the tail $1/X$) over three decades of $r$:

# %%
r_values = np.logspace(-4, -1, 7)
threshold = 1e6
simulated = np.array([simulated_passage_time(value, 0.0, threshold) for value in r_values])
simulated += 1.0 / threshold  # the passage X -> infinity takes about 1/X
slope = np.polyfit(np.log(r_values), np.log(simulated), 1)[0]
print(f"fitted exponent of t*(r): {slope:.5f}   (theory: -1/2)")
assert abs(slope + 0.5) < 1e-3

# %% [markdown]
# ## The three regimes
#
# Trajectories from $x_0 = 0$: the ghost ($r>0$) lingers near 0 and then escapes at $t^*$;
# at the fold ($r=0$) and beyond ($r<0$) the state never leaves.

# %%
times = np.linspace(0.0, 80.0, 4000)
figure, axes = plt.subplots(figsize=(6, 3.5))
for r_value in (1e-2, 3e-3, 0.0, -3e-3):
    axes.plot(
        times, ghostsym.canonical_trajectory(r_value, times, start=-2.0), label=f"r = {r_value:g}"
    )
    if r_value > 0:
        axes.axvline(ghostsym.escape_time(r_value, -2.0), color="grey", lw=0.5, ls=":")
axes.set(ylim=(-2.5, 3), xlabel="t", ylabel="x(t)", title="x' = r + x², x(0) = -2")
axes.legend()
plt.show()

# %% [markdown]
# ## Exporting LaTeX
#
# Every formula is a `DerivedExpression`: `.latex()` gives the LaTeX in the package's
# notation, `.lambdify(backend)` a NumPy / mpmath / JAX function. At 30 digits with mpmath:

# %%
print(form.escape_time.latex())
import mpmath

mpmath.mp.dps = 30
escape = form.escape_time.lambdify("mpmath")
print(escape(sympy.Rational(1, 100), -2))
print(form.escape_time.evaluate({r: sympy.Rational(1, 100), notation.x0: -2}, precision=30))

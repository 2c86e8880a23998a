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
# # 2. Reducing an n-dimensional system to the canonical form
#
# Any flow $\dot{\mathbf x} = f(\mathbf x, \mu)$ near a fold $(\mathbf x_0, \mu_0)$, where the
# Jacobian $Df$ has a simple zero eigenvalue with right vector $q$ and **left** vector $p$
# ($p^\top q = 1$), reduces along the slow direction $y = p^\top(\mathbf x - \mathbf x_0)$ to
# $\dot y \approx a(\mu - \mu_0) + b y^2$ with $a = p^\top \partial_\mu f$ and
# $b = \tfrac12 p^\top D^2 f[q, q]$. With $z = b y$ this is the canonical form with
# $r = ab(\mu - \mu_0)$, and the bottleneck takes $\pi/\sqrt{ab(\mu-\mu_0)}$.
#
# Past the fold there is no fixed point, only a slow point (a minimum of the speed
# $\tfrac12|f|^2$); there the reduction picks up a drift $d = p^\top f(\mathbf x_g)$ and the
# eigenvalue $\lambda$ nearest zero, and completing the square gives $r = b d - \lambda^2/4$.
#
# Below, the formulas as `ghostsym` derives them, then a **worked example of your own
# system**: replace the equations in the next-but-one cell with yours.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy
from IPython.display import Markdown, display
from scipy.integrate import solve_ivp

import ghostsym

display(ghostsym.fold_canonical_parameter(), ghostsym.fold_bottleneck_time())

# %% [markdown]
# ## Your system
#
# A three-variable system: $x$ is driven by $\mu$ and its own square, $y$ follows $x$, and $z$
# is a read-out that does not feed back. Its Jacobian is **not symmetric** (non-normal), so
# the left and right null vectors differ, which matters below.

# %%
x, y, z, mu = sympy.symbols("x y z mu", real=True)
variables = [x, y, z]
equations = [mu - y + x**2, 2 * (x - y), -3 * z + x * y]
display(
    *[sympy.Eq(sympy.Symbol(rf"\dot{{{v}}}"), e) for v, e in zip(variables, equations, strict=True)]
)

# %% [markdown]
# `locate_folds` solves $f = 0$ together with $\det Df = 0$ and reduces every fold exactly:

# %%
folds = ghostsym.locate_folds(equations, variables, mu)
fold = folds[0]
display(
    Markdown(
        f"{len(folds)} fold(s). At $\\mathbf x_0 = {sympy.latex(fold.point)}$, "
        f"$\\mu_0 = {sympy.latex(fold.parameter_value)}$; eigenvalues of $Df$: "
        f"${sympy.latex([sympy.nsimplify(value) for value in fold.eigenvalues])}$"
    )
)
display(
    Markdown(
        f"$p = {sympy.latex(fold.left_vector)}$, $q = {sympy.latex(fold.right_vector)}$, "
        f"$a = {sympy.latex(fold.unfolding_coefficient)}$, "
        f"$b = {sympy.latex(fold.quadratic_coefficient)}$, "
        f"$ab = {sympy.latex(fold.coefficient_product)}$"
    )
)
display(fold.canonical_parameter, fold.bottleneck_time)

# %% [markdown]
# ## Check against simulation
#
# Just past the fold, $\mu = \mu_0 + \varepsilon$, integrate the full 3-D system from the
# origin until $x$ escapes (reaches 5) with SciPy. The passage time is the bottleneck time
# plus an $O(1)$ offset from the finite start and end: fit $t(\varepsilon) = A\,\varepsilon^{-1/2} + B$
# and compare $A$ with the reduction's $\pi/\sqrt{ab}$.

# %%
right_hand_side = sympy.lambdify((variables, mu), equations)
mu0 = float(fold.parameter_value)


def simulated_passage(epsilon):
    escaped = lambda time, state: state[0] - 5.0  # noqa: E731
    escaped.terminal = True
    solution = solve_ivp(
        lambda time, state: right_hand_side(state, mu0 + epsilon),
        (0.0, 1e7),
        [0.0, 0.0, 0.0],
        events=escaped,
        rtol=1e-10,
        atol=1e-12,
        method="LSODA",
    )
    return solution.t_events[0][0]


epsilons = np.logspace(-6, -3, 7)
passages = np.array([simulated_passage(epsilon) for epsilon in epsilons])
amplitude, offset = np.linalg.lstsq(
    np.column_stack([epsilons**-0.5, np.ones_like(epsilons)]), passages, rcond=None
)[0]
slope = np.polyfit(np.log(epsilons), np.log(passages - offset), 1)[0]
predicted = float(sympy.pi / sympy.sqrt(fold.coefficient_product))
print(f"fitted amplitude A = {amplitude:.5f},  reduction pi/sqrt(ab) = {predicted:.5f}")
print(f"exponent of (t - B) in epsilon: {slope:.5f}  (theory -1/2)")
assert abs(amplitude / predicted - 1) < 2e-3 and abs(slope + 0.5) < 5e-3

# %% [markdown]
# ### Why the left vector
#
# Projecting with the right vector $q$ instead of $p$ (a common shortcut that is exact only
# for a symmetric Jacobian) gives a different product $ab$ and a wrong passage time:

# %%
q = sympy.Matrix(fold.right_vector)
wrong_a = (q.T * sympy.Matrix(fold.parameter_derivative))[0]
wrong_b = (q.T * sympy.Matrix(fold.second_derivative))[0] / 2
wrong = float(sympy.pi / sympy.sqrt(sympy.nsimplify(wrong_a * wrong_b)))
print(
    f"ab with q: {sympy.nsimplify(wrong_a * wrong_b)}  -> amplitude {wrong:.4f} "
    f"(measured {amplitude:.4f}; with p: {predicted:.4f})"
)

# %% [markdown]
# ### Only $ab$ is invariant
#
# Rescale the coordinates, $x = 2u$, $y = 3v$, $z = w/5$: $a$ and $b$ change (they depend on
# how $q$ is normalised) but $ab$, hence $r$ and the passage time, do not.

# %%
u, v, w = sympy.symbols("u v w", real=True)
scale = {x: 2 * u, y: 3 * v, z: w / 5}
rescaled = [
    equations[0].subs(scale) / 2,
    equations[1].subs(scale) / 3,
    equations[2].subs(scale) * 5,
]
other = ghostsym.locate_folds(rescaled, [u, v, w], mu)[0]
print("a:", fold.unfolding_coefficient, "->", other.unfolding_coefficient)
print("b:", fold.quadratic_coefficient, "->", other.quadratic_coefficient)
print("ab:", fold.coefficient_product, "->", other.coefficient_product)
assert sympy.simplify(other.coefficient_product - fold.coefficient_product) == 0

# %% [markdown]
# ## At a ghost: no fixed point, a slow point
#
# At $\mu = \mu_0 + 10^{-4}$ the fold has gone. `reduce_ghost` minimises the speed (exact
# Hessian, 30 digits) and completes the square; to leading order $r \approx ab\,\varepsilon$.

# %%
epsilon = sympy.Rational(1, 10**4)
ghost = ghostsym.reduce_ghost(
    equations,
    variables,
    dict(zip(variables, fold.point, strict=True)),
    values={mu: fold.parameter_value + epsilon},
)
display(ghost.canonical_parameter)
print(
    f"kind = {ghost.kind}, r = {sympy.N(ghost.r, 12)}, ab*epsilon = {fold.coefficient_product * epsilon}, "
    f"passage time = {sympy.N(ghost.passage_time, 10)}"
)

# %% [markdown]
# ## The same, numerically, through automatic differentiation
#
# For large systems (a trained RNN) there is no closed form: `jax_vector_field` turns the
# equations into a JAX function (or pass your own JAX function), and `reduce_fold_numeric` /
# `find_slow_points` do the reduction with automatic derivatives in float64.

# %%
field = ghostsym.jax_vector_field(equations, variables, mu)
numeric = ghostsym.reduce_fold_numeric(field, np.array([0.5, 0.5, 1 / 12]), mu0)
print(f"numeric fold: a = {numeric.a:.12f}, b = {numeric.b:.12f}, ab = {numeric.ab:.12f}")
ghost_field = ghostsym.jax_vector_field(equations, variables, values={mu: mu0 + 1e-4})
slow_points = ghostsym.find_slow_points(ghost_field, np.array([[0.4, 0.4, 0.0], [0.6, 0.6, 0.1]]))
for point in slow_points:
    print(
        f"slow point {np.round(point.point, 6)}: kind {point.kind}, r = {point.r:.6e}, "
        f"passage time {point.passage_time:.4f}"
    )
assert abs(numeric.ab - float(fold.coefficient_product)) < 1e-9

# %%
figure, axes = plt.subplots(figsize=(5.5, 3.5))
axes.loglog(epsilons, passages, "o", label="solve_ivp (3-D system)")
axes.loglog(
    epsilons, amplitude * epsilons**-0.5 + offset, "-", label=r"$A\varepsilon^{-1/2}+B$ fit"
)
axes.loglog(epsilons, predicted * epsilons**-0.5, "--", label=r"$\pi/\sqrt{ab\,\varepsilon}$")
axes.set(
    xlabel=r"$\varepsilon = \mu - \mu_0$",
    ylabel="passage time",
    title="bottleneck passage past the fold",
)
axes.legend()
plt.show()

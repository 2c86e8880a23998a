"""Central notation: every SymPy symbol ghostsym uses, with its assumptions and LaTeX name.

All derivations import their symbols from here, and every LaTeX rendering passes
:data:`SYMBOL_NAMES` to :func:`sympy.latex`, so one edit here changes the notation of the
whole package, the derivation document and the notebooks.

>>> from ghostsym import notation
>>> notation.r.is_real, notation.T.is_positive
(True, True)
>>> notation.latex(notation.learning_rate / notation.T**5)
'\\\\frac{\\\\eta}{T^{5}}'
"""

from __future__ import annotations

import sympy

__all__ = [
    "SYMBOL_NAMES",
    "DESCRIPTIONS",
    "latex",
    "r",
    "x",
    "x0",
    "x1",
    "X",
    "t",
    "T",
    "R",
    "ratio",
    "learning_rate",
    "gain",
    "mu",
    "mu0",
    "y",
    "z",
    "unfolding_coefficient",
    "quadratic_coefficient",
    "eigenvalue",
    "drift",
    "steps",
    "r_start",
]

# --- canonical form x' = r + x^2 ------------------------------------------------------------
r = sympy.Symbol("r", real=True)
x = sympy.Symbol("x", real=True)
x0 = sympy.Symbol("x_0", real=True)
x1 = sympy.Symbol("x_1", real=True)
X = sympy.Symbol("X", positive=True)
t = sympy.Symbol("t", nonnegative=True)

# --- delayed-activation task ----------------------------------------------------------------
T = sympy.Symbol("T", positive=True)
R = sympy.Symbol("R", positive=True)
ratio = sympy.Symbol("rho", positive=True)
learning_rate = sympy.Symbol("eta", positive=True)
gain = sympy.Symbol("gain", positive=True)
steps = sympy.Symbol("n", nonnegative=True)
r_start = sympy.Symbol("r_0", positive=True)

# --- normal-form reduction ------------------------------------------------------------------
mu = sympy.Symbol("mu", real=True)
mu0 = sympy.Symbol("mu_0", real=True)
y = sympy.Symbol("y", real=True)
z = sympy.Symbol("z", real=True)
unfolding_coefficient = sympy.Symbol("a", real=True)
quadratic_coefficient = sympy.Symbol("b", real=True)
eigenvalue = sympy.Symbol("lambda", real=True)
drift = sympy.Symbol("d", real=True)

#: LaTeX name of every symbol whose SymPy name is not already its LaTeX name.
SYMBOL_NAMES: dict[sympy.Symbol, str] = {
    x0: "x_0",
    x1: "x_1",
    ratio: r"\rho",
    learning_rate: r"\eta",
    gain: "a",
    r_start: "r_0",
    mu: r"\mu",
    mu0: r"\mu_0",
    eigenvalue: r"\lambda",
}

#: One-line meaning of every symbol, used by the derivation document and the notebooks.
DESCRIPTIONS: dict[sympy.Symbol, str] = {
    r: "canonical parameter of x' = r + x^2 (r > 0: ghost, r < 0: node and saddle)",
    x: "state of the canonical form",
    x0: "initial state",
    x1: "final state of a passage",
    X: "readout threshold of the finite-confidence output",
    t: "time",
    T: "delay of the delayed-activation task",
    R: "response window of the delayed-activation task",
    ratio: "response window over delay, R/T",
    learning_rate: "learning rate of gradient descent",
    gain: "output confidence (sigmoid gain)",
    steps: "number of gradient-descent steps",
    r_start: "start of gradient descent on r",
    mu: "bifurcation parameter",
    mu0: "bifurcation parameter at the fold",
    y: "coordinate along the slow direction",
    z: "rescaled slow coordinate, z = b y",
    unfolding_coefficient: "unfolding coefficient a = p^T df/dmu",
    quadratic_coefficient: "quadratic coefficient b = 1/2 p^T D^2 f[q, q]",
    eigenvalue: "eigenvalue of the Jacobian nearest zero",
    drift: "drift p^T f(x_g) at a slow point",
}


def latex(expression: sympy.Basic, **settings) -> str:
    """Render ``expression`` as LaTeX in ghostsym's notation.

    >>> latex(mu - mu0)
    '\\\\mu - \\\\mu_0'
    """
    names = {**SYMBOL_NAMES, **settings.pop("symbol_names", {})}
    return sympy.latex(expression, symbol_names=names, **settings)


# --- learning dynamics of the canonical ghost (the paper's Fig. 2) -------------------------
scaled_r = sympy.Symbol("u", positive=True)
learning_rate_ratio = sympy.Symbol("kappa", positive=True)

SYMBOL_NAMES.update({learning_rate_ratio: r"\kappa"})
DESCRIPTIONS.update(
    {
        scaled_r: "r in units of the optimum, u = r / r*",
        learning_rate_ratio: "learning rate in units of the critical one, kappa = eta / alpha_c",
    }
)
__all__ += ["scaled_r", "learning_rate_ratio"]

"""Test systems with folds (2-D, 3-D, 12-D) and a brute-force passage-time oracle (solve_ivp).

Shared by the reduction tests; the fold of every system sits at x = 0, mu = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy
from scipy.integrate import solve_ivp

MU = sympy.Symbol("mu", real=True)


@dataclass(frozen=True)
class FoldSystem:
    name: str
    equations: tuple[sympy.Expr, ...]
    variables: tuple[sympy.Symbol, ...]
    fast_field: object = None  # an equivalent NumPy f(x, mu), when lambdify is too slow

    @property
    def at(self) -> dict:
        return {**{v: 0 for v in self.variables}, MU: 0}

    @property
    def dimension(self) -> int:
        return len(self.variables)

    @property
    def numpy_field(self):
        if self.fast_field is not None:
            return self.fast_field
        function = sympy.lambdify((self.variables, MU), list(self.equations), "numpy")
        return lambda state, mu: np.array(function(state, mu), dtype=np.float64)


def non_normal_2d() -> FoldSystem:
    """x' = mu + x^2 + 3 y, y' = -y + x^2: Df = [[0, 3], [0, -1]], p = (1, 3), q = (1, 0)."""
    x, y = sympy.symbols("x y", real=True)
    return FoldSystem("2-D non-normal", (MU + x**2 + 3 * y, -y + x**2), (x, y))


def coupled_3d() -> FoldSystem:
    """Upper-triangular (non-normal) linear part, eigenvalues 0, -1, -2, mixed nonlinearity."""
    x, y, z = sympy.symbols("x y z", real=True)
    return FoldSystem(
        "3-D",
        (
            MU + x**2 + 2 * y - z + x * z,
            -y + x**2 + y**2 + MU * x,
            -2 * z + x**2 + y + sympy.sin(x * y),
        ),
        (x, y, z),
    )


@cache
def random_fold(dimension: int = 12, seed: int = 7) -> FoldSystem:
    """x' = A x + mu c + quadratic terms + tanh(x_1 x_2) e_1, A = S diag(0, -1, ...) S^-1.

    S = I + R/10 with small random integers R (exact rationals), so A is non-normal and p != q;
    the other eigenvalues lie in [-1, -2.5], well separated from the slow one. The same
    components build the SymPy equations and a vectorised NumPy field (for fast integration).
    """
    rng = np.random.default_rng(seed)
    variables = sympy.symbols(f"x0:{dimension}", real=True)
    state = sympy.Matrix(variables)
    transform = (
        sympy.eye(dimension) + sympy.Matrix(rng.integers(-2, 3, (dimension, dimension))) / 10
    )
    decay = [0] + [-1 - sympy.Rational(3 * i, 2 * (dimension - 1)) for i in range(1, dimension)]
    linear = transform * sympy.diag(*decay) * transform.inv()
    forcing = sympy.Matrix(rng.integers(1, 4, dimension)) / 3
    square = [sympy.Rational(int(rng.integers(2, 6)), 2) for _ in range(dimension)]
    pairs = rng.integers(0, dimension, (dimension, 2))
    cross = [sympy.Rational(int(rng.integers(-3, 4)), 4) for _ in range(dimension)]
    equations = [
        (linear * state)[i]
        + MU * forcing[i]
        + square[i] * variables[0] ** 2
        + cross[i] * variables[pairs[i, 0]] * variables[pairs[i, 1]]
        for i in range(dimension)
    ]
    equations[1] += sympy.tanh(variables[1] * variables[2])

    linear_float = np.array(linear.evalf(20).tolist(), dtype=np.float64)
    forcing_float = np.array([float(v) for v in forcing])
    square_float = np.array([float(v) for v in square])
    cross_float = np.array([float(v) for v in cross])

    def fast_field(x, mu):
        value = linear_float @ x + mu * forcing_float + square_float * x[0] ** 2
        value = value + cross_float * x[pairs[:, 0]] * x[pairs[:, 1]]
        value[1] += math.tanh(x[1] * x[2])
        return value

    return FoldSystem(f"{dimension}-D random", tuple(equations), tuple(variables), fast_field)


def measured_passage_time(
    field, point, parameter, left_vector, right_vector, b_sign, section
) -> float:
    """Time the full system takes from p^T (x - x0) = -sign(b) Y (started at x0 - sign(b) Y q)
    to p^T (x - x0) = +sign(b) Y: DOP853, rtol 1e-11, atol 1e-13."""

    def leave(_, state):
        return b_sign * float(left_vector @ (state - point)) - section

    leave.terminal, leave.direction = True, 1
    start = point - b_sign * section * right_vector
    solution = solve_ivp(
        lambda _, state: field(state, parameter),
        (0.0, 1e7),
        start,
        method="DOP853",
        rtol=1e-11,
        atol=1e-13,
        events=leave,
    )
    if solution.status != 1:
        raise AssertionError(f"the trajectory did not cross the exit section: {solution.message}")
    return float(solution.t_events[0][0])


def passage_errors(system: FoldSystem, fold, distances, section: float) -> np.ndarray:
    """Relative errors measured/predicted - 1 of the bottleneck time at |mu - mu0| = distance.

    ``fold`` is a symbolic FoldReduction or a NumericFoldReduction of ``system``; mu is put on
    the ghost side, ab (mu - mu0) = |ab| distance > 0.
    """
    if hasattr(fold, "point_values"):
        x0, mu0 = fold.point_values()
        predict = fold.predicted_bottleneck_time
    else:
        x0, mu0, predict = fold.point, fold.parameter_value, fold.bottleneck_time
    p = np.array([float(v) for v in fold.left_vector])
    q = np.array([float(v) for v in fold.right_vector])
    sign = math.copysign(1.0, fold.ab)
    errors = []
    for distance in distances:
        parameter = mu0 + sign * distance
        measured = measured_passage_time(
            system.numpy_field, x0, parameter, p, q, math.copysign(1.0, fold.b), section
        )
        errors.append(measured / predict(parameter) - 1.0)
    return np.array(errors)


def fitted_slope(distances, errors) -> float:
    return float(np.polyfit(np.log(distances), np.log(np.abs(errors)), 1)[0])

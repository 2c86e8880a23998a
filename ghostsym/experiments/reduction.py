"""Experiments of the normal-form reduction: predicted bottleneck times against direct
integration of the full system, symbolic vs autodiff reductions, and a rank-one network's ghost.

The test systems live here too (the tests use the same ones):

* :func:`non_normal_2d`: x' = mu + x^2 + 3 y, y' = -y + x^2 (Df = [[0, 3], [0, -1]], p != q);
* :func:`coupled_3d`: a non-normal 3-D system with eigenvalues 0, -1, -2;
* :func:`random_fold`: a 12-D system x' = A x + mu c + quadratic terms + tanh(x_1 x_2) e_1 with a
  random non-normal A = S diag(0, -1, ...) S^-1 (exact rationals);
* :class:`RankOneFoldFamily`: x' = -x + tanh(m n^T x + beta u), near the fold in beta of its
  latent flow kappa' = -kappa + n^T tanh(m kappa + beta u).

Why the error has slope 1/2: the full passage between fixed sections takes
pi/sqrt(r) + C + O(sqrt r), where C = O(1) collects the finite sections and the
non-quadratic terms; so the relative error is C sqrt(r)/pi, and r = ab (mu - mu0).

>>> [experiment.name for experiment in EXPERIMENTS]
['reduction-bottleneck', 'reduction-network-ghost']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.optimize
import sympy

from ..reduction._symbolic import fold_bottleneck_time
from ..theory._canonical import canonical_form
from . import NO_TRAINING, Scale, experiment
from ._claims import Findings, boolean_claim, compare_claim
from ._oracles import crossing_time, exact_latent_canonical_parameter, fitted_slope
from ._tolerances import tolerance

__all__ = [
    "EXPERIMENTS",
    "FoldSystem",
    "RankOneFoldFamily",
    "non_normal_2d",
    "coupled_3d",
    "random_fold",
    "measured_passage_time",
    "passage_errors",
    "run_bottleneck",
    "run_network_ghost",
]

MU = sympy.Symbol("mu", real=True)


# --- test systems ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FoldSystem:
    """A system x' = f(x, mu) with a fold at x = 0, mu = 0 (SymPy equations + a NumPy field)."""

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
        """f(x, mu) in NumPy (independent of JAX: the integration oracle uses it)."""
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


# --- the brute-force oracle: integrate the full system through the bottleneck ----------------
def measured_passage_time(
    field, point, parameter, left_vector, right_vector, b_sign, section
) -> float:
    """Time the full system takes from x0 - sign(b) Y q to p^T (x - x0) = +sign(b) Y.

    :func:`~ghostsym.experiments.crossing_time` (DOP853, rtol 1e-11, atol 1e-13) on
    x' = field(x, parameter).

    >>> round(measured_passage_time(lambda x, mu: mu + x**2, np.zeros(1), 1.0, np.ones(1),
    ...                             np.ones(1), 1.0, 1e3), 3)  # ~ pi for r = 1
    3.14
    """
    start = point - b_sign * section * right_vector
    normal = b_sign * np.asarray(left_vector, dtype=np.float64)
    return crossing_time(
        lambda state: field(state, parameter), start, normal, float(normal @ point) + section
    )


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


# --- a family of rank-one networks through a fold of their latent flow ----------------------
class RankOneFoldFamily:
    """Rank-one networks W = m n^T, b = beta u (m, n, u seeded), with beta near the fold beta0
    of the latent flow F(kappa) = -kappa + n^T tanh(m kappa + beta u).

    The networks are :class:`ghostsym.analysis.RecurrentNetwork` objects and F is
    :func:`ghostsym.analysis.latent_flow`; beta0 solves F = F' = 0 with F' by autodiff. The
    exact ghost (kappa_g and r at the minimum of F) comes from the mpmath oracle
    :func:`~ghostsym.experiments.exact_latent_canonical_parameter`; the ghost in R^N is the lift
    of kappa_g (the fast directions at rest), where the speed is smallest.

    >>> family = RankOneFoldFamily(20, seed=1)
    >>> kappa, r, point = family.exact_ghost(family.beta(1e-3))
    >>> r > 0, point.shape
    (True, (20,))
    """

    def __init__(self, size: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.m = 1.0 + 0.3 * rng.standard_normal(size)
        self.n = (2.0 / size) * (1.0 + 0.3 * rng.standard_normal(size))
        self.u = 1.0 + 0.2 * rng.standard_normal(size)
        solution = scipy.optimize.fsolve(
            lambda v: [self.latent(v[0], v[1]), self._latent_slope(v[0], v[1])],
            [-1.0, 0.5],
            xtol=1e-12,  # beta0 is only needed to << the unfoldings used (>= 1e-6 relative)
        )
        self.fold_kappa, self.fold_beta = (float(v) for v in solution)

    @property
    def size(self) -> int:
        return int(self.m.size)

    def latent(self, kappa, beta):
        """F(kappa) at bias beta u."""
        from ..analysis import latent_flow

        return latent_flow(kappa, self.m, self.n, beta * self.u)

    def _latent_slope(self, kappa, beta) -> float:
        from .._jax import jax, jnp
        from ..analysis import latent_flow

        m, n, b = (jnp.asarray(v) for v in (self.m, self.n, beta * self.u))
        return float(jax.grad(lambda k: latent_flow(k, m, n, b))(float(kappa)))

    def beta(self, unfolding: float) -> float:
        """beta on the ghost side for unfolding > 0, on the fixed-point side for < 0."""
        return self.fold_beta * (1.0 + unfolding)

    def network(self, beta: float):
        """The network x' = -x + tanh(m n^T x + beta u) as a RecurrentNetwork."""
        from ..analysis import RecurrentNetwork

        return RecurrentNetwork.from_factors(self.m, self.n, beta * self.u)

    def field(self, beta: float):
        """The JAX vector field of :meth:`network`."""
        return self.network(beta).vector_field()

    def exact_ghost(self, beta: float) -> tuple[float, float, np.ndarray]:
        """kappa_g, r (mpmath oracle, 30 digits) and x_g, the lift of kappa_g to R^N."""
        kappa, r = exact_latent_canonical_parameter(self.m, self.n, beta * self.u, self.fold_kappa)
        latent = self.network(beta).latent_flow()
        coordinate = latent.project(self.n * kappa / (self.n @ self.n))
        return kappa, r, latent.lift(coordinate)

    def starts(self, beta: float, count: int = 12) -> np.ndarray:
        """States on the slow manifold x = tanh(m kappa + b), kappa in [-2.5, 2.5]."""
        kappas = np.linspace(-2.5, 2.5, count)
        return np.tanh(np.outer(kappas, self.m) + beta * self.u)

    def simulated_passage(self, beta: float, kappa_g: float, half_width: float = 1.0) -> float:
        """Time of the full N-dim flow from kappa_g - w (on x = tanh(m kappa + b)) to
        kappa_g + w (:func:`~ghostsym.experiments.crossing_time`, rtol 1e-10)."""
        start = np.tanh(self.m * (kappa_g - half_width) + beta * self.u)
        return crossing_time(
            self.network(beta).flow, start, self.n, kappa_g + half_width, rtol=1e-10, atol=1e-12
        )


# --- experiments -----------------------------------------------------------------------------
SYSTEMS = (non_normal_2d, coupled_3d, random_fold)


@experiment(
    name="reduction-bottleneck",
    title="Normal-form reduction: bottleneck times against the full systems",
    figure="ghostsym.plotting.reduction:plot_bottleneck",
    cost=NO_TRAINING,
)
def run_bottleneck(scale: Scale, seed: int) -> Findings:
    """Bottleneck time vs integration (2-D, 3-D, 12-D), symbolic vs numeric, p vs q."""
    from ..reduction._numeric import jax_vector_field, reduce_fold_numeric
    from ..reduction._symbolic import reduce_fold

    distances = np.logspace(-3, -5, 3) if scale == "quick" else np.logspace(-3, -7, 9)
    claims, numbers, arrays = [], {}, {"distances": distances}
    details = f"sections p^T x = -/+0.1, DOP853 rtol 1e-11, |mu - mu0| in {distances.tolist()}"
    for make in SYSTEMS:
        system = make()  # fixed systems: the seed only enters the network experiment
        symbolic = reduce_fold(system.equations, system.variables, MU, at=system.at)
        field = jax_vector_field(system.equations, system.variables, MU)
        numeric = reduce_fold_numeric(field, np.zeros(system.dimension), 0.0)
        key = system.name.split()[0]
        disagreement = max(
            abs(numeric.ab - symbolic.ab),
            abs(numeric.a - symbolic.a),
            abs(numeric.b - symbolic.b),
            float(np.max(np.abs(numeric.left_vector - [float(v) for v in symbolic.left_vector]))),
        )
        errors = passage_errors(system, numeric, distances, section=0.1)
        slope = fitted_slope(distances, errors)
        arrays[f"relative_error_{key}"] = errors
        numbers.update(
            {
                f"ab_{key}": symbolic.ab,
                f"symbolic_numeric_difference_{key}": disagreement,
                f"slope_{key}": slope,
                f"smallest_relative_error_{key}": float(errors[-1]),
            }
        )
        claims += [
            compare_claim(
                f"{system.name}: symbolic and autodiff reductions agree (a, b, ab, p)",
                0.0,
                disagreement,
                tolerance=tolerance("symbolic-autodiff-reduction"),
                source="ghostsym",
                kind="consistency",
                details="max abs difference",
            ),
            compare_claim(
                f"{system.name}: relative error of pi/sqrt(ab(mu-mu0)) has slope 1/2",
                0.5,
                slope,
                tolerance=tolerance("bottleneck-error-slope"),
                formula=fold_bottleneck_time(),
                source="ghostsym",
                kind="beyond",
                details=details,
            ),
            compare_claim(
                f"{system.name}: measured/predicted bottleneck time -> 1",
                1.0,
                1.0 + float(errors[-1]),
                tolerance=tolerance(f"bottleneck-time-{scale}"),
                formula=fold_bottleneck_time(),
                source="ghostsym",
                kind="beyond",
                details=f"at |mu - mu0| = {distances[-1]:g}",
            ),
        ]
        if key == "2-D":
            _, _, product_q = numeric.projected_coefficients(numeric.right_vector)
            parameter = distances[-1]
            measured = (1.0 + errors[-1]) * numeric.bottleneck_time(parameter)
            wrong = math.pi / math.sqrt(product_q * parameter)
            numbers.update({"ab_projected_with_q_2-D": product_q})
            claims.append(
                compare_claim(
                    "non-normal 2-D fold: projecting with q (ab = 1) instead of p (ab = 4) "
                    "mispredicts the bottleneck time by sqrt(ab_q / ab_p): measured/q-prediction",
                    math.sqrt(product_q / numeric.ab),
                    measured / wrong,
                    formula=fold_bottleneck_time(),
                    tolerance=tolerance(f"bottleneck-time-{scale}"),
                    source="ghostsym",
                    kind="beyond",
                    details=f"at |mu - mu0| = {parameter:g}; measured/p-prediction "
                    f"{measured / numeric.bottleneck_time(parameter):.4f}",
                )
            )
    return Findings(tuple(claims), numbers, arrays, {"sections": 0.1})


@experiment(
    name="reduction-network-ghost",
    title="Ghost of a rank-one network: full reduction vs latent flow vs simulation",
    figure="ghostsym.plotting.reduction:plot_network_ghost",
    cost=NO_TRAINING,
)
def run_network_ghost(scale: Scale, seed: int) -> Findings:
    """A rank-one network (N = 100 quick, 300 full) near a ghost: finder vs exact latent r,
    predicted vs simulated passage, the fixed-point pair on the other side of the fold."""
    from ..reduction._slow_points import find_slow_points

    network = RankOneFoldFamily(100 if scale == "quick" else 300, seed=seed)
    unfoldings = (2e-4, 2e-5) if scale == "quick" else (2e-3, 2e-4, 2e-5, 2e-6)
    claims, rows = [], []
    for unfolding in unfoldings:
        beta = network.beta(unfolding)
        kappa, r_exact, _ = network.exact_ghost(beta)
        [ghost] = [
            p
            for p in find_slow_points(network.field(beta), network.starts(beta))
            if p.kind == "ghost"
        ]
        simulated = network.simulated_passage(beta, kappa)
        rows.append((unfolding, r_exact, ghost.r, ghost.passage_time, simulated))
    rows = np.array(rows)
    relative_r = np.abs(rows[:, 2] / rows[:, 1] - 1)
    passage_ratio = rows[:, 4] / rows[:, 3]
    claims.append(
        compare_claim(
            f"rank-one network (N = {network.size}): full-system r equals the latent 1-D r",
            0.0,
            float(relative_r.max()),
            tolerance=tolerance("latent-reduction-r"),
            source="ghostsym",
            kind="consistency",
            details="max relative difference over the unfoldings",
        )
    )
    claims.append(
        compare_claim(
            "rank-one network: simulated passage / (pi/sqrt(r)) at the smallest r",
            1.0,
            float(passage_ratio[-1]),
            tolerance=tolerance("network-passage"),
            formula=canonical_form().bottleneck_time,
            source="ghostsym",
            kind="beyond",
            details="full N-dim flow from kappa_g - 1 to kappa_g + 1, DOP853 rtol 1e-10",
        )
    )
    pair_beta = network.beta(-2e-3)
    fixed = find_slow_points(network.field(pair_beta), network.starts(pair_beta))
    near = [p for p in fixed if abs(network.n @ p.point - network.fold_kappa) < 0.3]
    claims.append(
        boolean_claim(
            "rank-one network past the fold: a node-saddle pair, classified by r < 0",
            "2 fixed points with r < 0, slow eigenvalues of opposite sign",
            f"{len(near)} near the fold, kinds {[p.kind for p in near]}",
            len(near) == 2
            and all(p.kind == "fixed-point" for p in near)
            and near[0].eigenvalue * near[1].eigenvalue < 0,
            source="ghostsym",
            kind="beyond",
        )
    )
    return Findings(
        tuple(claims),
        {
            "size": network.size,
            "max_relative_r_difference": float(relative_r.max()),
            "passage_ratio_smallest_r": float(passage_ratio[-1]),
        },
        {
            "unfolding": rows[:, 0],
            "r_exact": rows[:, 1],
            "r_found": rows[:, 2],
            "predicted_passage": rows[:, 3],
            "simulated_passage": rows[:, 4],
        },
        {"size": network.size},
    )


EXPERIMENTS = (run_bottleneck.experiment, run_network_ghost.experiment)

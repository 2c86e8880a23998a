"""The one latent slow point (ghostsym.network.latent_slow_point) against a 30-digit oracle.

Two implementations used to exist: a 128-point grid with 3 Newton steps clipped to one grid
spacing (the training engine's) and a 512-point grid with 25 Newton steps towards minima (the
analysis layer's). The second is the one kept. These tests show that every caller's setting
now matches the mpmath oracle ``exact_latent_canonical_parameter`` to 1e-10 relative, and that
no case got worse than the previous engine numerics, reproduced below as a baseline only.
"""

import itertools

import numpy as np
import pytest

from ghostsym._jax import float64, jax, jnp
from ghostsym.analysis import rank_one_network_near_fold, reduce_latent_path
from ghostsym.experiments.ghosts import exact_latent_canonical_parameter
from ghostsym.network import (
    LatentFactors,
    latent_flow,
    latent_flow_slope,
    latent_slow_point,
)
from ghostsym.reduction import slow_point_canonical_parameter

# (grid points, Newton steps) of each caller: the training engine records r with a 128-point
# grid; rank_one_latent_passage defaults to 512 and 25; the training-ghosts analysis uses 128, 20
CALLER_SETTINGS = {
    "training engine": (128, 25),
    "analysis": (512, 25),
    "across training": (128, 20),
}
TOLERANCE = 1e-10  # relative, fixed in advance (float64 rounding of r = F F''/2 near a fold)
CASES = list(itertools.product((2.0, 10.0), (1e-2, -1e-2, -1e-3), (0, 1), (-1.5,))) + [
    (2.0, -1e-2, 0, -3.0),
    (10.0, 1e-3, 1, -3.0),
]


@jax.jit
def _previous_engine_r(factors, start, threshold=1.0, grid_points=128, newton_steps=3):
    """The engine's former numerics (argmin |f| on the grid, Newton clipped to one spacing)."""
    canonical = slow_point_canonical_parameter().lambdify("jax")
    start = jnp.asarray(start, dtype=jnp.float64)
    lower, upper = jnp.minimum(start, threshold), jnp.maximum(start, threshold)
    grid = jnp.linspace(0.0, 1.0, grid_points) * (upper - lower) + lower
    spacing = (upper - lower) / (grid_points - 1)
    kappa = grid[jnp.argmin(jnp.abs(latent_flow(factors, grid)))]

    def flow(point):
        return latent_flow(factors, point)

    slope = jax.grad(flow)
    curvature = jax.grad(slope)
    for _ in range(newton_steps):
        second = curvature(kappa)
        step = jnp.where(second == 0, 0.0, slope(kappa) / jnp.where(second == 0, 1.0, second))
        kappa = jnp.clip(kappa - jnp.clip(step, -spacing, spacing), lower, upper)
    return canonical(flow(kappa), slope(kappa), curvature(kappa) / 2)


@float64
def _errors():
    rows = []
    for gain, unfolding, seed, start in CASES:
        network = rank_one_network_near_fold(size=50, unfolding=unfolding, seed=seed, gain=gain)
        _, exact = exact_latent_canonical_parameter(
            network.m, network.n, network.b, network.minimum_location
        )
        factors = LatentFactors(*(jnp.asarray(a) for a in (network.m, network.n, network.b)))
        errors = {}
        for caller, (grid_points, newton_steps) in CALLER_SETTINGS.items():
            point = latent_slow_point(
                factors, start, grid_points=grid_points, newton_steps=newton_steps
            )
            errors[caller] = abs(float(point.canonical_parameter) / exact - 1)
        errors["previous"] = abs(float(_previous_engine_r(factors, start)) / exact - 1)
        rows.append(((gain, unfolding, seed, start), errors))
    return rows


@pytest.fixture(scope="module")
def errors():
    return _errors()


def test_every_caller_matches_the_30_digit_oracle(errors):
    for case, row in errors:
        for caller in CALLER_SETTINGS:
            assert row[caller] < TOLERANCE, (case, caller, row)


def test_no_case_got_worse_than_the_previous_engine_numerics(errors):
    # "worse" beyond float64 rounding: both below the tolerance counts as equal
    for case, row in errors:
        for caller in CALLER_SETTINGS:
            assert row[caller] <= max(row["previous"], TOLERANCE), (case, caller, row)
    # and the previous numerics did miss: a node-saddle pair's r was off by up to percents
    assert max(row["previous"] for _, row in errors) > 1e-3


@float64
def test_analysis_reduction_is_the_network_slow_point():
    network = rank_one_network_near_fold(size=20, unfolding=1e-2, seed=3)
    m, n, b = (jnp.asarray(a) for a in (network.m, network.n, network.b))
    kappa, drift, eigenvalue, quadratic, r, blocked, _ = reduce_latent_path(m, n, b, -2.0, 1.0)
    point = latent_slow_point(LatentFactors(m, n, b), -2.0, 1.0)
    assert float(kappa) == float(point.kappa) and float(r) == float(point.canonical_parameter)
    assert not bool(blocked) and float(drift) == float(point.drift) > 0


@float64
def test_downward_path_finds_the_maximum_of_the_flow():
    # f(kappa) = -kappa + 2 tanh(kappa - 0.6) = -g(-kappa): the mirror image of a ghost at 1.48
    factors = LatentFactors(jnp.array([1.0]), jnp.array([2.0]), jnp.array([-0.6]))
    mirrored = LatentFactors(jnp.array([1.0]), jnp.array([2.0]), jnp.array([0.6]))
    down = latent_slow_point(factors, 3.0, threshold=-1.0)
    up = latent_slow_point(mirrored, -3.0, threshold=1.0)
    assert float(down.kappa) == pytest.approx(-float(up.kappa), abs=1e-12)
    assert float(down.clearance) == pytest.approx(float(up.clearance), abs=1e-12)


@float64
def test_flow_and_slope_agree_between_numpy_jax_and_autodiff():
    rng = np.random.default_rng(4)
    m, n, b = rng.normal(size=(3, 7))
    kappa = np.linspace(-2.0, 2.0, 11)
    numpy_factors = LatentFactors(m, n, b)
    jax_factors = LatentFactors(*(jnp.asarray(a) for a in (m, n, b)))
    flow = latent_flow(numpy_factors, kappa)
    assert isinstance(flow, np.ndarray)
    np.testing.assert_allclose(latent_flow(jax_factors, kappa), flow, rtol=1e-13, atol=1e-14)
    slope = jax.vmap(jax.grad(lambda point: latent_flow(jax_factors, point)))(jnp.asarray(kappa))
    np.testing.assert_allclose(latent_flow_slope(numpy_factors, kappa), slope, rtol=1e-12)
    # a batch of networks, one kappa each, equals the networks one by one
    batch = LatentFactors(np.stack([m, -m]), np.stack([n, n]), np.stack([b, b]))
    rows = [latent_flow(LatentFactors(mm, n, b), 0.3) for mm in (m, -m)]
    np.testing.assert_allclose(latent_flow(batch, np.array([0.3, 0.3])), rows, rtol=1e-14)

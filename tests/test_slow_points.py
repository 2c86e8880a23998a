"""Batched slow-point finder: ghosts and fixed points of small systems and of a rank-one network.

The rank-one network x' = -x + tanh(m n^T x + b) has the exact latent flow
kappa' = F(kappa) = -kappa + n^T tanh(m kappa + b); its ghost x_g, p, q and r = F F''/2 follow
from F (see :class:`ghostsym.experiments.reduction.RankOneFoldFamily`), so the full
N-dimensional reduction must equal the one-dimensional one.
"""

import math
import time

import jax.numpy as jnp
import numpy as np
import pytest

import ghostsym
from ghostsym import (
    ComplexSlowEigenvalueError,
    MinimisationDidNotConvergeError,
    find_slow_points,
    minimise_speed,
    reduce_at_slow_point,
)
from ghostsym.experiments.reduction import RankOneFoldFamily


@pytest.fixture(scope="module")
def network():
    return RankOneFoldFamily(100)


@pytest.fixture(scope="module")
def ghost_case(network):
    beta = network.beta(2e-5)
    field = network.field(beta)
    return beta, field, find_slow_points(field, network.starts(beta))


def test_network_ghost_matches_the_exact_latent_reduction(network, ghost_case):
    beta, _, points = ghost_case
    kappa, r_exact, point_exact = network.exact_ghost(beta)
    assert r_exact > 0
    ghosts = [point for point in points if point.kind == "ghost"]
    assert len(ghosts) == 1
    ghost = ghosts[0]
    assert ghost.r == pytest.approx(r_exact, rel=1e-8)
    np.testing.assert_allclose(ghost.point, point_exact, atol=1e-9)
    assert network.n @ ghost.point == pytest.approx(kappa, abs=1e-9)
    # at a true speed minimum J^T f = 0 with f != 0, so lambda = 0 and p is parallel to n
    assert abs(ghost.eigenvalue) < 1e-9
    cosine = ghost.left_vector @ network.n / np.linalg.norm(ghost.left_vector)
    assert abs(cosine) / np.linalg.norm(network.n) == pytest.approx(1.0, abs=1e-9)
    # the reduction of the 1-D latent flow gives the same r
    latent_m, latent_n = jnp.asarray(network.m), jnp.asarray(network.n)
    latent_b = jnp.asarray(beta * network.u)

    def latent(k):
        return -k + jnp.sum(latent_n * jnp.tanh(latent_m * k[0] + latent_b))

    assert reduce_at_slow_point(latent, [kappa]).r == pytest.approx(ghost.r, rel=1e-8)


def test_network_ghost_passage_time_matches_simulation(network, ghost_case):
    """Full N = 100 system from kappa = kappa_g - 1 to kappa_g + 1 (DOP853) vs pi/sqrt(r)."""
    beta, _, points = ghost_case
    ghost = next(point for point in points if point.kind == "ghost")
    measured = network.simulated_passage(beta, network.n @ ghost.point, half_width=1.0)
    assert measured == pytest.approx(ghost.passage_time, rel=0.01)
    assert ghost.passage_time == pytest.approx(math.pi / math.sqrt(ghost.r))


def test_network_fixed_point_pair_is_classified_by_r(network):
    """On the other side of the fold F crosses zero twice near kappa0: a node and a saddle."""
    beta = network.beta(-2e-3)
    points = find_slow_points(network.field(beta), network.starts(beta))
    near_fold = [p for p in points if abs(network.n @ p.point - network.fold_kappa) < 0.3]
    assert len(near_fold) == 2
    assert all(point.kind == "fixed-point" for point in points)
    for point in points:
        assert point.speed < 1e-12
        assert point.r == pytest.approx(-(point.eigenvalue**2) / 4, rel=1e-6)  # d = 0
        assert math.isinf(point.passage_time)
    # node and saddle: the slow eigenvalues have opposite signs
    assert near_fold[0].eigenvalue * near_fold[1].eigenvalue < 0


def test_reduction_scales_to_hundreds_of_units():
    large = RankOneFoldFamily(300, seed=3)
    beta = large.beta(1e-3)
    _, r_exact, point_exact = large.exact_ghost(beta)
    point = reduce_at_slow_point(large.field(beta), point_exact)
    assert point.kind == "ghost" and point.state_dimension == 300 and point.dimension == 1
    assert point.r == pytest.approx(r_exact, rel=1e-8)


# --- small systems ----------------------------------------------------------------------
def square_minus_one(x):
    return x**2 - 1.0


def test_fixed_points_and_ghosts_in_one_dimension():
    points = find_slow_points(square_minus_one, [[3.0], [-0.5], [0.9], [1.1]])
    assert [(round(float(p.point[0]), 12), p.kind, p.r) for p in points] == [
        (-1.0, "fixed-point", -1.0),
        (1.0, "fixed-point", -1.0),
    ]

    def ghost(x):
        return 0.01 + x**2 - x**3

    [found] = find_slow_points(ghost, np.linspace(-0.4, 0.4, 9)[:, None])
    assert found.kind == "ghost"
    assert found.r == pytest.approx(0.01, rel=1e-12) and abs(found.point[0]) < 1e-12


def test_starts_are_deduplicated_and_results_deterministic():
    starts = np.linspace(0.2, 3.0, 40)[:, None]
    first = find_slow_points(square_minus_one, starts)
    second = find_slow_points(square_minus_one, starts)
    assert len(first) == 1
    np.testing.assert_array_equal(first[0].point, second[0].point)
    assert first[0].r == second[0].r


def test_chunked_batches_give_the_same_points(monkeypatch):
    starts = np.linspace(-3.0, 3.0, 7)[:, None]
    whole = minimise_speed(square_minus_one, starts)
    monkeypatch.setattr(ghostsym.reduction._slow_points, "_BATCH_MEMORY", 3 * 32.0)  # batches of 2
    chunked = minimise_speed(square_minus_one, starts)
    for full, part in zip(whole, chunked, strict=True):
        np.testing.assert_array_equal(full, part)


def test_finder_failures_are_named():
    with pytest.raises(MinimisationDidNotConvergeError, match="did not converge"):
        find_slow_points(square_minus_one, [[30.0]], max_iterations=2)

    def focus(x):
        return jnp.array([-0.1 * x[0] - x[1], x[0] - 0.1 * x[1]])

    with pytest.raises(ComplexSlowEigenvalueError):
        find_slow_points(focus, [[0.3, 0.2]])
    assert find_slow_points(focus, [[0.3, 0.2]], skip_degenerate=True) == ()
    with pytest.raises(ghostsym.InvalidInputError, match="shape"):
        find_slow_points(square_minus_one, np.zeros((2, 2, 2)))
    with pytest.raises(ghostsym.InvalidInputError, match="deduplication_distance"):
        find_slow_points(square_minus_one, [[1.0]], deduplication_distance=0.0)


# --- slow points of any dimension, the noise floor of r, and convergence at degenerate minima


def two_slow_directions(x):
    """x' = 0.01 + x^2, y' = 0.01 + y^2: Df = 0 at the slow point (two zero eigenvalues)."""
    return jnp.array([0.01 + x[0] ** 2, 0.01 + x[1] ** 2])


def test_a_point_with_two_slow_directions_is_reported_as_two_dimensional():
    [point] = find_slow_points(two_slow_directions, [[0.5, 0.3], [-0.4, 0.2]])
    assert point.kind == "multi-dimensional" and point.dimension == 2
    assert math.isnan(point.r) and math.isnan(point.passage_time)
    assert np.allclose(point.point, 0.0, atol=1e-8)
    payload = point.to_json()
    assert payload["r"] is None and payload["passage_time"] is None and payload["dimension"] == 2
    assert payload["convergence_reason"].startswith("step below tolerance")
    basis = np.asarray(payload["slow_subspace"]).T  # both directions are slow: all of R^2
    assert basis.shape == (2, 2) and np.allclose(basis.T @ basis, np.eye(2), atol=1e-12)


def test_the_slow_subspace_of_a_two_dimensional_point_among_fast_directions():
    def flow(x):  # x, y slow (Df = 0 there), z fast: the slow subspace is the x-y plane
        return jnp.array([0.01 + x[0] ** 2, 0.01 + x[1] ** 2, x[0] ** 2 - x[2]])

    [point] = find_slow_points(flow, [[0.3, 0.2, 0.0]])
    assert point.kind == "multi-dimensional" and point.dimension == 2
    basis = point.slow_subspace
    projector = basis @ basis.T
    assert np.allclose(projector, np.diag([1.0, 1.0, 0.0]), atol=1e-8)


def test_symbolic_ghost_reduction_reports_the_two_dimensional_point_too():
    import sympy

    x, y = sympy.symbols("x y", real=True)
    small = sympy.Rational(1, 100)
    point = ghostsym.reduce_ghost([small + x**2, small + y**2], [x, y], {x: 0.5, y: 0.3})
    assert point.kind == "multi-dimensional" and point.dimension == 2 and point.r is sympy.nan


def test_one_slow_direction_among_fast_ones_is_one_dimensional():
    def flow(x):  # slow x, fast y: Df = diag(0, -1) at the ghost
        return jnp.array([0.04 + x[0] ** 2, x[0] ** 2 - x[1]])

    [point] = find_slow_points(flow, [[0.5, 0.0]])
    assert point.dimension == 1 and point.kind == "ghost" and point.r == pytest.approx(0.04)


def test_ghost_search_exactly_at_a_fold_converges_and_r_is_undetermined():
    import sympy

    x, y = sympy.symbols("x y", real=True)
    started = time.perf_counter()
    fold = ghostsym.reduce_ghost([x**2 + 3 * y, x**2 - y], [x, y], {x: 0.5, y: 0.1})
    assert time.perf_counter() - started < 10
    assert fold.convergence_reason is not None
    assert fold.kind == "undetermined" and abs(float(fold.r)) < float(fold.r_floor)
    assert all(abs(float(value)) < 1e-8 for value in fold.point)

    def numeric_fold(z):
        return jnp.array([z[0] ** 2 + 3 * z[1], z[0] ** 2 - z[1]])

    [point] = find_slow_points(numeric_fold, [[0.5, 0.1]])
    assert point.kind == "undetermined" and abs(point.r) < point.r_floor


def test_r_above_its_noise_floor_keeps_its_sign():
    def flow(x):
        return jnp.array([1e-6 + x[0] ** 2, x[0] ** 2 - x[1]])

    [point] = find_slow_points(flow, [[0.1, 0.0]])
    assert point.kind == "ghost" and point.r == pytest.approx(1e-6, rel=1e-9)
    assert point.r_floor < 1e-12


def test_reduction_runs_in_float64_whatever_the_callers_jax_setting():
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import jax\n"
        "from ghostsym.reduction import reduce_at_slow_point\n"
        "jax.config.update('jax_enable_x64', False)\n"
        "import jax.numpy as jnp\n"
        "assert jnp.zeros(1).dtype.name == 'float32'\n"
        "point = reduce_at_slow_point(lambda x: 1e-9 + x**2, [0.0])\n"
        "assert abs(point.r - 1e-9) < 1e-22, point.r\n"
        "assert jnp.zeros(1).dtype.name == 'float32'\n"
        "print('ok')\n"
    )
    worktree = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(worktree), "JAX_ENABLE_X64": "0"},
        timeout=120,
    )
    assert completed.returncode == 0 and completed.stdout.strip() == "ok", completed.stderr


def _random_network_field(size, seed):
    """f of a random full-rank network of ``size`` units, or (size 2) the exact latent flow
    of a random rank-2 network of 50 units, as the transitions experiments search them."""
    from ghostsym._jax import jax
    from ghostsym.analysis._network import (
        latent_factors,
        latent_vector_field,
        network_vector_field,
    )

    rng = np.random.default_rng(seed)
    units = 50
    if size == units:
        weights = 1.5 * rng.standard_normal((units, units)) / math.sqrt(units)
    else:
        weights = 3.0 * rng.standard_normal((units, size)) @ rng.standard_normal((size, units))
        weights /= units
    bias = 0.1 * rng.standard_normal(units)
    if size == units:
        return jax.tree_util.Partial(network_vector_field, weights, bias), rng
    expansion, projection = latent_factors(weights, size)
    return jax.tree_util.Partial(latent_vector_field, expansion, projection, bias), rng


@pytest.mark.parametrize("size, count", [(50, 24), (2, 124)])
def test_rounds_sized_to_the_active_starts_give_the_bits_of_the_full_batch(
    monkeypatch, size, count
):
    """Later rounds run only the starts still active, in batches of at least 8 rows; the
    numbers must be those of every round in the first round's batch (the former sizing)."""
    module = ghostsym.reduction._slow_points
    field, rng = _random_network_field(size, seed=3)
    starts = 4.0 * rng.standard_normal((count, size))
    used = []
    in_batches = module._in_batches

    def recording(function, field, arrays, *extra, batch):
        used.append(batch)
        return in_batches(function, field, arrays, *extra, batch=batch)

    monkeypatch.setattr(module, "_in_batches", recording)
    sized = module._minimise(field, starts, max_iterations=200, tolerance=1e-10)
    full = module._batch_size(count, size)
    assert min(used) < full  # some round ran fewer rows than the first one
    monkeypatch.setattr(module, "_batch_size", lambda active, dimension: full)
    fixed = module._minimise(field, starts, max_iterations=200, tolerance=1e-10)
    for one, other in zip(sized, fixed, strict=True):
        np.testing.assert_array_equal(one, other)

"""Slow points of networks: constructed ghosts and node-saddle pairs, against exact oracles."""

import math

import mpmath
import numpy as np
import pytest

from ghostsym.analysis import (
    RecurrentNetwork,
    find_network_slow_points,
    latent_fixed_point_count,
    load_network,
    network_slow_points,
    rank_one_network_near_fold,
)
from ghostsym.errors import InvalidInputError

mpmath.mp.dps = 30


def exact_latent_reduction(m, n, b, guess):
    """Oracle: the 1-D latent flow F in mpmath at 30 digits; at its local minimum F' = 0, so the
    canonical parameter is r = F * F''/2 (lambda = 0), independent of any code under test."""
    m, n, b = ([mpmath.mpf(float(v)) for v in array] for array in (m, n, b))

    def flow(kappa):
        return -kappa + mpmath.fsum(
            ni * mpmath.tanh(mi * kappa + bi) for mi, ni, bi in zip(m, n, b, strict=True)
        )

    slope = lambda kappa: mpmath.diff(flow, kappa)  # noqa: E731
    location = mpmath.findroot(slope, mpmath.mpf(guess))
    value, curvature = flow(location), mpmath.diff(flow, location, 2)
    return float(location), float(value * curvature / 2)


@pytest.fixture(scope="module")
def ghost_network():
    return rank_one_network_near_fold(size=100, unfolding=1e-3, seed=0)


@pytest.fixture(scope="module")
def ghost_points(ghost_network):
    return find_network_slow_points(ghost_network.network)


@pytest.fixture(scope="module")
def pair_network():
    return rank_one_network_near_fold(size=100, unfolding=-1e-3, seed=0)


def test_constructed_ghost_is_found_with_the_exact_latent_r(ghost_network, ghost_points):
    ghosts = [point for point in ghost_points if point.kind == "ghost"]
    assert len(ghosts) == 1
    [ghost] = ghosts
    location, r_exact = exact_latent_reduction(
        ghost_network.m, ghost_network.n, ghost_network.b, ghost_network.minimum_location
    )
    assert r_exact > 0
    assert ghost.r == pytest.approx(r_exact, rel=1e-6)
    # the found state sits on the latent slow point kappa = n^T x
    assert float(ghost_network.n @ ghost.point) == pytest.approx(location, abs=1e-7)
    # a ghost has no fixed point nearby: its speed is the latent drift (up to the n-scaling)
    assert ghost.speed > 0 and ghost.passage_time == pytest.approx(math.pi / math.sqrt(ghost.r))
    # the full N-dimensional Jacobian spectrum: the slow eigenvalue ~0, the other N-1 at -1
    assert ghost.eigenvalues.shape == (100,)
    assert abs(ghost.eigenvalues[0]) < 1e-7
    np.testing.assert_allclose(ghost.eigenvalues[1:].real, -1.0, atol=1e-9)


def test_constructed_node_saddle_pair_is_classified_as_fixed_points(pair_network):
    points = find_network_slow_points(pair_network.network)
    assert [point.kind for point in points] == ["fixed-point"] * 3
    assert len(points) == latent_fixed_point_count(pair_network.m, pair_network.n, pair_network.b)
    near_fold = sorted(points, key=lambda point: abs(pair_network.n @ point.point + 1.15))[:2]
    for point in near_fold:  # exact fixed points: d = 0 and r = -lambda^2/4 < 0
        assert point.speed < 1e-12 and point.r == pytest.approx(-(point.eigenvalue**2) / 4)
    # node and saddle straddle the fold's minimum, one eigenvalue of each sign
    assert sorted(np.sign(point.eigenvalue) for point in near_fold) == [-1.0, 1.0]


def test_full_and_latent_searches_agree_on_rank_two_network():
    """Rank two: latent search (SVD) and the full N-dimensional search find the same ghost."""
    base = rank_one_network_near_fold(size=20, unfolding=2e-2, seed=3)
    rng = np.random.default_rng(5)
    extra = 0.02 * np.outer(rng.standard_normal(20), rng.standard_normal(20)) / 20
    network = RecurrentNetwork(base.network.recurrent_weights + extra, base.b)
    assert network.rank == 2
    latent = find_network_slow_points(network, method="latent")
    full = find_network_slow_points(network, method="full", near_states=latent_starts(latent))
    ghosts_latent = [p for p in latent if p.kind == "ghost"]
    ghosts_full = [p for p in full if p.kind == "ghost"]
    assert len(ghosts_latent) == len(ghosts_full) == 1
    assert ghosts_full[0].r == pytest.approx(ghosts_latent[0].r, rel=1e-8)
    np.testing.assert_allclose(ghosts_full[0].point, ghosts_latent[0].point, atol=1e-7)


def latent_starts(points):
    """Start the full search 0.05 away from the latent answers (an independent descent)."""
    rng = np.random.default_rng(0)
    return np.vstack([p.point + 0.05 * rng.standard_normal(p.point.shape) for p in points])


def test_network_file_forms_and_near_states(tmp_path):
    small = rank_one_network_near_fold(size=20, unfolding=1e-3, seed=1)  # as the doctests
    factors = tmp_path / "factors.npz"
    np.savez(factors, m=small.m, n=small.n, b=small.b)
    matrix = tmp_path / "matrix.npz"
    np.savez(matrix, W=small.network.recurrent_weights, b=small.b, x0=np.full(20, -0.3))
    assert load_network(matrix).initial_states.shape == (1, 20)
    np.testing.assert_array_equal(
        load_network(factors).recurrent_weights, load_network(matrix).recurrent_weights
    )
    from_matrix = network_slow_points(matrix)
    assert sorted(p.kind for p in from_matrix) == ["fixed-point", "ghost"]
    [ghost] = [p for p in from_matrix if p.kind == "ghost"]
    near = tmp_path / "near.npy"
    np.save(near, ghost.point[None, :] + 0.01)  # start next to the ghost only
    from_near = network_slow_points(matrix, near)
    assert "ghost" in [p.kind for p in from_near]
    assert [p.r for p in from_near if p.kind == "ghost"][0] == pytest.approx(ghost.r, rel=1e-9)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"b": np.zeros(3)}, "expected 'W'"),
        ({"W": np.zeros((3, 2)), "b": np.zeros(3)}, "square"),
        ({"W": np.zeros((3, 3)), "b": np.zeros(2)}, "shape (3,)"),
        ({"W": np.full((2, 2), np.nan), "b": np.zeros(2)}, "finite"),
        ({"m": np.ones(3), "n": np.ones(4), "b": np.zeros(3)}, "factors"),
    ],
)
def test_bad_network_files_raise_clear_errors(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_network(path)


def test_missing_files_and_bad_states(tmp_path, ghost_network):
    with pytest.raises(InvalidInputError, match="does not exist"):
        network_slow_points(tmp_path / "absent.npz")
    path = tmp_path / "net.npz"
    np.savez(path, m=ghost_network.m, n=ghost_network.n, b=ghost_network.b)
    states = tmp_path / "states.npy"
    np.save(states, np.zeros((4, 7)))
    with pytest.raises(InvalidInputError, match=r"shape \(k, 100\)"):
        network_slow_points(path, states)
    with pytest.raises(InvalidInputError, match="method"):
        find_network_slow_points(ghost_network.network, method="guess")

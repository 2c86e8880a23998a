"""The rank-one latent passage: canonical passage times, reduction on the path, crossings."""

import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ghostsym import analysis
from ghostsym import passage_time as scalar_passage_time
from ghostsym.analysis import (
    latent_fixed_point_count,
    latent_flow,
    rank_one_latent_passage,
    rank_one_network_near_fold,
    reduce_latent_path,
)
from ghostsym.errors import InvalidInputError

mpmath.mp.dps = 30
passage_time_jax = jax.jit(analysis.passage_time_jax)  # one compilation for all the checks


@pytest.mark.parametrize("r", [0.3, 1e-4, 0.0, -1e-4, -0.3])
def test_passage_time_matches_mpmath_quadrature_and_the_scalar_form(r):
    ends = [(-5.0, 4.0), (0.7, 2.0), (-3.0, -0.6), (-0.2, 0.2)]
    for start, end in ends:
        ours = float(passage_time_jax(r, start, end))
        assert ours == scalar_passage_time(r, start, end) or math.isclose(
            ours, scalar_passage_time(r, start, end), rel_tol=1e-12
        )
        blocked = r <= 0 and any(start <= root <= end for root in (math.sqrt(-r), -math.sqrt(-r)))
        if blocked:
            assert math.isinf(ours)
            continue
        # split at the peak x = 0 of the integrand (width sqrt|r|) so the quadrature resolves it
        nodes = [start, 0.0, end] if start < 0 < end else [start, end]
        exact = float(mpmath.quad(lambda x: 1 / (x**2 + r), nodes))  # noqa: B023
        if exact < 0:  # between node and saddle the flow runs down: no upward passage
            assert math.isinf(ours)
        else:
            assert ours == pytest.approx(exact, rel=1e-10)


def test_passage_time_runs_backwards_between_the_roots():
    """Between node and saddle the flow runs down: start above end takes a finite time."""
    time = float(passage_time_jax(-1.0, 0.5, -0.5))
    assert time == pytest.approx(float(mpmath.quad(lambda x: -1 / (x**2 - 1), [-0.5, 0.5])))
    assert math.isinf(float(passage_time_jax(-1.0, -0.5, 0.5)))  # upward there: wrong way
    assert math.isinf(float(passage_time_jax(1.0, 2.0, 1.0)))  # x' > 0 everywhere for r > 0


def test_passage_time_gradient_matches_finite_differences():
    gradient = jax.jit(jax.grad(analysis.passage_time_jax, argnums=(0, 1, 2)))
    for r, a, b in [(0.05, -1.0, 2.0), (-0.04, 0.5, 3.0), (0.02, 0.1, 0.4)]:
        analytic = np.array([float(g) for g in gradient(r, a, b)])
        step = 1e-6
        numeric = np.array(
            [
                (passage_time_jax(r + step, a, b) - passage_time_jax(r - step, a, b)) / (2 * step),
                (passage_time_jax(r, a + step, b) - passage_time_jax(r, a - step, b)) / (2 * step),
                (passage_time_jax(r, a, b + step) - passage_time_jax(r, a, b - step)) / (2 * step),
            ],
            dtype=float,
        )
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6)


@pytest.fixture(scope="module")
def constructed():
    return {u: rank_one_network_near_fold(size=100, unfolding=u, seed=0) for u in (1e-3, -1e-3)}


def test_path_reduction_finds_the_exact_slow_point(constructed):
    net = constructed[1e-3]
    passage = rank_one_latent_passage(net.m, net.n, net.b, initial_kappa=-3.0)
    assert passage.kinds == "ghost" and not passage.blocked
    assert float(passage.slow_kappa) == pytest.approx(net.minimum_location, abs=1e-9)
    assert float(passage.drift) == pytest.approx(net.minimum_value, rel=1e-9)
    assert abs(float(passage.eigenvalue)) < 1e-10
    blocked = rank_one_latent_passage(
        constructed[-1e-3].m, constructed[-1e-3].n, constructed[-1e-3].b, initial_kappa=-3.0
    )
    assert blocked.kinds == "fixed-point" and blocked.blocked
    assert math.isinf(float(blocked.passage_time)) and math.isinf(float(blocked.simulated_steps))


def exact_latent_time(m, n, b, start, end):
    """Oracle: integrate kappa' = F(kappa) with solve_ivp (DOP853) until kappa = end."""

    def event(_, kappa):
        return kappa[0] - end

    event.terminal = True
    solution = solve_ivp(
        lambda _, kappa: latent_flow(kappa, m, n, b),
        (0.0, 1e6),
        [start],
        method="DOP853",
        events=event,
        rtol=1e-12,
        atol=1e-12,
    )
    return float(solution.t_events[0][0])


def test_canonical_passage_converges_to_the_exact_latent_passage():
    """The canonical time from kappa_0 to the threshold approaches the exact one as the ghost
    approaches its fold: the O(1) time away from the ghost over t ~ pi/sqrt(r) gives a
    relative error ~ sqrt(r), i.e. slope 1/2 against the unfolding u (r is linear in u)."""
    unfoldings = np.array([1e-3, 1e-4, 1e-5, 1e-6])
    errors = []
    for u in unfoldings:
        net = rank_one_network_near_fold(size=40, unfolding=float(u), seed=4)
        passage = rank_one_latent_passage(net.m, net.n, net.b, initial_kappa=-3.0)
        exact = exact_latent_time(net.m, net.n, net.b, -3.0, 1.0)
        errors.append(abs(float(passage.passage_time) / exact - 1))
    slope = np.polyfit(np.log(unfoldings), np.log(errors), 1)[0]
    assert slope == pytest.approx(0.5, abs=0.1)
    assert errors[-1] < 0.01


def test_simulated_crossing_matches_the_full_discrete_network():
    """The latent map is exact: N-dimensional updates x <- x + alpha f(x) from x0 = -0.3 cross
    n^T x = 1 at the step the one-dimensional simulation reports."""
    net = rank_one_network_near_fold(size=50, unfolding=1e-2, seed=1)
    m, n, b = net.m, net.n, net.b
    passage = rank_one_latent_passage(m, n, b, initial_kappa=-3.0, simulation_steps=300)
    x = -3.0 * n / (n @ n)  # any state with n^T x = -3: the latent map does not see the rest
    kappa_before, step = float(n @ x), 0
    while step < 300:
        x = x + 0.5 * (-x + np.tanh(m * (n @ x) + b))
        step += 1
        if n @ x >= 1.0:
            break
        kappa_before = float(n @ x)
    assert step < 300  # it crosses, after lingering at the ghost
    expected = step - 1 + (1.0 - kappa_before) / (float(n @ x) - kappa_before)
    assert float(passage.simulated_steps) == pytest.approx(expected, abs=1e-9)


def test_path_reduction_gradients_match_finite_differences(constructed):
    net = constructed[1e-3]
    m, n, b = (jnp.asarray(a) for a in (net.m, net.n, net.b))

    def outputs(bias):
        kappa, drift, _, _, r, _, time = reduce_latent_path(m, n, bias, -3.0, 1.0)
        return jnp.stack([kappa, drift, r, time])

    outputs = jax.jit(outputs)
    jacobian = np.asarray(jax.jit(jax.jacfwd(outputs))(b))
    direction = np.random.default_rng(0).standard_normal(b.shape[0])
    step = 1e-6
    numeric = (
        np.asarray(outputs(b + step * direction)) - np.asarray(outputs(b - step * direction))
    ) / (2 * step)
    np.testing.assert_allclose(jacobian @ direction, numeric, rtol=1e-5)


def test_fixed_point_count_and_batch_shapes(constructed):
    ghost, pair = constructed[1e-3], constructed[-1e-3]
    stacked = [
        np.stack([ghost.m, pair.m]),
        np.stack([ghost.n, pair.n]),
        np.stack([ghost.b, pair.b]),
    ]
    assert latent_fixed_point_count(*stacked).tolist() == [1, 3]
    passage = rank_one_latent_passage(*(np.stack([a, a, a]) for a in stacked))
    assert passage.canonical_parameter.shape == (3, 2)
    with pytest.raises(InvalidInputError, match="common shape"):
        rank_one_latent_passage(ghost.m, ghost.n[:10], ghost.b)
    with pytest.raises(InvalidInputError, match="time_step"):
        rank_one_latent_passage(ghost.m, ghost.n, ghost.b, time_step=0.0)

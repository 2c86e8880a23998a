"""Ghosts across training, the learning-rate law's prediction, mitigations and the CLI."""

import json
import math
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ghostsym import task_loss
from ghostsym.analysis import (
    analyse_rank_one_training,
    canonical_critical_rate,
    first_epoch,
    fit_exponent,
    idealised_loss,
    network_slow_points,
    predict_critical_learning_rate,
    rank_one_network_near_fold,
    reduce_latent_path,
)
from ghostsym.cli import main
from ghostsym.errors import InvalidInputError
from ghostsym.network import DelayedActivation, RankOneNetwork, RankOneParameters, network_loss


@pytest.fixture(scope="module")
def through_the_fold():
    """A rank-one network (N = 40) carried through its fold by a rising bias: the 'training
    run' of a ghost-mediated drop, with the real network loss (c = 10) at every step."""
    base = rank_one_network_near_fold(size=40, unfolding=0.0, seed=4)
    shifts = np.linspace(-0.02, 0.2, 45)
    b = base.b[None, None, :] + shifts[None, :, None]
    m, n = (np.broadcast_to(v, b.shape).copy() for v in (base.m, base.n))
    start = -3.0 / base.n.sum()  # every unit at this value: kappa_0 = -3, below the fold
    task = DelayedActivation(delay=20, response=20, initial_state=start)
    model = RankOneNetwork(size=40)

    def loss(bias):
        parameters = RankOneParameters(jnp.asarray(base.m), jnp.asarray(base.n), bias, 10.0)
        return network_loss(model, task, parameters)

    losses = np.asarray(jax.jit(jax.vmap(loss))(jnp.asarray(b[0])))[None]
    epochs = np.arange(shifts.size)
    result = analyse_rank_one_training(
        SimpleNamespace(m=m, n=n, b=b),
        epochs,
        losses,
        epochs,
        delay=20,
        response=20,
        initial_state=start,
    )
    return result, shifts, base


def test_predicted_drop_matches_the_measured_drop_through_a_fold(through_the_fold):
    result, shifts, base = through_the_fold
    kinds = result.passage.kinds[0]
    # before the fold a node-saddle pair blocks the path; after it, a ghost
    assert set(kinds[shifts < -0.001]) == {"fixed-point"}
    assert set(kinds[shifts > 0.001]) == {"ghost"}
    assert np.all(result.passage.blocked[0][shifts < -0.001])
    assert result.dropped.tolist() == [True]
    assert abs(int(result.predicted_drop_epoch[0]) - int(result.measured_drop_epoch[0])) <= 2
    assert result.predicted_entry_epoch[0] <= result.predicted_drop_epoch[0]
    assert result.kinds_at_drop().tolist() == ["ghost"]
    assert result.new_fixed_points_before_drop().tolist() == [False]  # the pair disappears
    assert result.fixed_point_counts[0, 0] == 3 and result.fixed_point_counts[0, -1] == 1
    ratio = result.passage_ratio_at_drop()
    assert 0.8 < ratio[0] < 1.2  # canonical passage vs the network's Euler steps


def test_idealised_loss_and_first_epoch():
    assert idealised_loss([20.5, 25.5, 60.0, np.inf], 20, 20).tolist() == [0.0, 0.25, 1.0, 1.0]
    assert idealised_loss([10.5], 20, 10).tolist() == [0.5]
    assert first_epoch([3, 4, 5], [[0, 0, 1], [0, 0, 0]]).tolist() == [5, -1]


def test_canonical_critical_rate_is_the_one_step_threshold_of_the_network_loss():
    """Oracle: the network's idealised loss as a function of rho, L(rho) = |t*(rho)/alpha -
    (T + 1/2)| / T with t* = pi/(2 sqrt rho); one gradient step from rho* must land exactly on
    rho_NL (t* = alpha (T + R + 1/2)) at the critical rate: (rho* - rho_NL) / |dL/drho|."""
    alpha = 0.5
    for delay, response in [(10, 10), (20, 20), (40, 30)]:
        optimum = (math.pi / (2 * alpha * (delay + 0.5))) ** 2
        boundary = (math.pi / (2 * alpha * (delay + response + 0.5))) ** 2

        def loss(rho, delay=delay):
            return abs(math.pi / (2 * math.sqrt(rho)) / alpha - (delay + 0.5)) / delay

        step = optimum * 1e-7
        slope = (loss(optimum + step) - loss(optimum + 2 * step)) / step  # just above rho*
        expected = (optimum - boundary) / abs(slope)
        assert canonical_critical_rate(delay, response) == pytest.approx(expected, rel=1e-5)
        # the network's loss is the canonical un-normalised loss at T' = alpha (T + 1/2),
        # R' = alpha R, divided by alpha T: that is why alpha_c is scaled by alpha T
        rhos = np.linspace(1.01 * boundary, 3 * optimum, 7)
        canonical = task_loss(rhos, alpha * (delay + 0.5), alpha * response) / (alpha * delay)
        np.testing.assert_allclose([loss(rho) for rho in rhos], canonical, rtol=1e-12)


def test_matched_parameter_gradient_matches_finite_differences():
    """|d rho/d theta|^2 (autodiff through the latent reduction) against central differences
    of rho over all 3N parameters, rho evaluated by the same reduction (jitted)."""
    # the doctest's two-unit network: a ghost at kappa = 0.059 on the path from -0.54 to 1
    m, n, b = np.array([[2.0, 0.0]]), np.array([[1.0, 0.8]]), np.array([[-1.0, 10.0]])
    start = -0.3
    prediction = predict_critical_learning_rate(m, n, b, delay=20, response=20)

    @jax.jit
    def rho(theta):
        mm, nn, bb = theta[:2], theta[2:4], theta[4:]
        time = reduce_latent_path(mm, nn, bb, start * jnp.sum(nn), 1.0)[6]
        return (jnp.pi / (2 * time)) ** 2

    theta = np.concatenate([m[0], n[0], b[0]])
    step = 1e-6
    gradient = np.array(
        [
            (float(rho(theta + step * e)) - float(rho(theta - step * e))) / (2 * step)
            for e in np.eye(theta.size)
        ]
    )
    assert prediction.matched_gradient_squared[0] == pytest.approx(gradient @ gradient, rel=1e-6)
    assert prediction.predicted[0] == pytest.approx(
        prediction.canonical_rate / prediction.matched_gradient_squared[0]
    )
    assert prediction.passage_time[0] == pytest.approx(
        math.pi / (2 * math.sqrt(prediction.matched_parameter[0]))
    )
    assert float(rho(theta)) == pytest.approx(prediction.matched_parameter[0], rel=1e-12)


def test_fit_exponent_recovers_a_power_law_and_rejects_bad_values():
    rng = np.random.default_rng(1)
    delays = np.array([10, 20, 40, 80])
    values = [3.0 * d**-4.0 * np.exp(0.05 * rng.standard_normal(6)) for d in delays]
    slope, (low, high) = fit_exponent(delays, values, samples=300)
    assert slope == pytest.approx(-4.0, abs=0.1) and low < -3.8 and high > -4.2
    with pytest.raises(InvalidInputError, match="finite, positive"):
        fit_exponent(delays, [np.array([1.0]), np.array([]), np.array([1.0]), np.array([1.0])])


def test_fit_exponent_bootstrap_is_the_per_resample_loop_bit_for_bit():
    # the bootstrap draws each resample from the generator in turn and fits one line per
    # resample; the vectorised medians and fit must give those numbers exactly
    rng = np.random.default_rng(7)
    delays = np.array([10, 14, 20, 40, 80])
    values = [
        np.exp(rng.normal(size=size) - 4 * np.log(d))
        for d, size in zip(delays, [3, 1, 4, 2, 5], strict=True)
    ]
    logs, groups = np.log(delays), [np.log(v) for v in values]
    draws = np.random.default_rng(3)
    slopes = [
        np.polyfit(logs, [np.median(draws.choice(g, g.size)) for g in groups], 1)[0]
        for _ in range(250)
    ]
    expected = tuple(float(x) for x in np.percentile(slopes, [2.5, 97.5]))
    slope, interval = fit_exponent(delays, values, samples=250, seed=3)
    assert interval == expected
    assert slope == float(np.polyfit(logs, [np.median(g) for g in groups], 1)[0])


def test_final_loss_kernel_is_compiled_once_per_model_and_task_and_is_the_network_loss():
    from ghostsym._jax import float64
    from ghostsym.analysis._learning_rate_law import _compiled_final_loss, _final_loss

    model, task = RankOneNetwork(size=6), DelayedActivation(delay=4, response=4)
    # equal (hashable) model and task objects share one compiled kernel; another task does not
    assert _compiled_final_loss(model, task) is _compiled_final_loss(
        RankOneNetwork(size=6), DelayedActivation(delay=4, response=4)
    )
    assert _compiled_final_loss(model, task) is not _compiled_final_loss(
        model, DelayedActivation(delay=5, response=5)
    )

    @float64
    def losses():
        drawn = [model.cast(model.initialise(seed), jnp.float64) for seed in (0, 1)]
        batched = jax.tree.map(lambda *leaves: jnp.stack(leaves), *drawn)
        one_by_one = [float(network_loss(model, task, p)) for p in drawn]
        return _final_loss(model, task, batched), one_by_one

    batched, one_by_one = losses()
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-12)


def test_ghost_cli_with_a_network_file(tmp_path, capsys):
    network = rank_one_network_near_fold(size=20, unfolding=1e-3, seed=1)  # as the doctests
    path = tmp_path / "net.npz"
    np.savez(path, m=network.m, n=network.n, b=network.b)
    assert main(["ghost", "--network", str(path), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    kinds = [point["kind"] for point in payload["slow_points"]]
    expected = network_slow_points(path)
    assert kinds == [point.kind for point in expected] and "ghost" in kinds
    ghost = [point for point in payload["slow_points"] if point["kind"] == "ghost"][0]
    assert ghost["r"] == pytest.approx([p.r for p in expected if p.kind == "ghost"][0])
    assert len(ghost["x"]) == 20
    assert main(["ghost", "--network", str(tmp_path / "absent.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_analyse_cli_rejects_bad_requests(capsys):
    with pytest.raises(SystemExit):
        main(["analyse", "no-such-experiment"])
    assert main(["analyse", "network-slow-points", "--format", "latex"]) == 2
    assert "text or json" in capsys.readouterr().err


@pytest.mark.slow
def test_analyse_cli_runs_network_slow_points(tmp_path, capsys):
    assert main(["analyse", "network-slow-points", "--out", str(tmp_path), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    [experiment] = payload["experiments"]
    assert [claim["verdict"] for claim in experiment["claims"]] == ["reproduced"] * 2
    assert experiment["figures"], "the experiment draws its figure"
    assert all((tmp_path / path).exists() for path in experiment["figures"])

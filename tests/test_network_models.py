"""Models and tasks of ghostsym.network against independent NumPy/SciPy oracles."""

import numpy as np
import pytest
import scipy.optimize

from ghostsym.errors import InvalidInputError
from ghostsym.network import (
    SATURATION_LEVEL,
    DelayedActivation,
    DelayedCueDiscrimination,
    DelayedMatchToSample,
    FullRankNetwork,
    LowRankNetwork,
    RankOneNetwork,
    RankOneParameters,
    check_gradients,
    gradient_check_cases,
    latent_flow,
    latent_slow_point,
    network_loss,
    simulate_trials,
)


def _numpy(parameters):
    return type(parameters)(*(np.asarray(leaf, dtype=np.float64) for leaf in parameters))


# --- gradients of every model and loss vs finite differences (float64) -------------------------
@pytest.mark.parametrize("case", gradient_check_cases(), ids=lambda case: case[0])
def test_gradient_matches_central_differences(case):
    name, model, task, parameters = case
    check = check_gradients(model, task, parameters, seed=3)
    assert set(check.relative_errors) >= {"b"}
    assert check.maximum_relative_error < 1e-6, (name, check.relative_errors)
    assert all(abs(ad) > 1e-6 for ad in check.autodiff.values())  # informative points


def test_gradient_check_has_the_power_to_see_a_one_percent_error():
    _, model, task, parameters = gradient_check_cases()[0]
    check = check_gradients(model, task, parameters, seed=5)
    for name, autodiff in check.autodiff.items():
        wrong = 1.01 * autodiff
        error = abs(wrong - check.finite_difference[name]) / abs(check.finite_difference[name])
        assert error > 1e-3


# --- forward passes vs NumPy re-implementations ------------------------------------------------
def _rank_one_numpy_loss(p, delay, response, alpha=0.5, x0=-0.3):
    x = np.full(p.m.size, x0)
    outputs = []
    for _ in range(delay + response):
        kappa = p.n @ x
        x = (1 - alpha) * x + alpha * np.tanh(p.m * kappa + p.b)
        outputs.append(1 / (1 + np.exp(-p.confidence * (p.n @ x - 1))))
    target = np.r_[np.zeros(delay), np.ones(response)]
    return np.sum((np.array(outputs) - target) ** 2) / delay


def test_rank_one_loss_matches_numpy_forward_pass():
    model = RankOneNetwork(size=30)
    for seed, c in ((0, 10.0), (5, 1.5)):
        parameters = model.initialise(seed, confidence=c)
        parameters = parameters._replace(b=parameters.b + 0.3)
        expected = _rank_one_numpy_loss(_numpy(parameters), 7, 9)
        got = float(network_loss(model, DelayedActivation(delay=7, response=9), parameters))
        assert got == pytest.approx(expected, rel=1e-12)


def test_task_rnn_dcdt_loss_matches_numpy_forward_pass():
    # Readout *before* the update, inputs, MSE over trials x steps, tanh readout.
    model = FullRankNetwork.for_working_memory(size=15)
    task = DelayedCueDiscrimination(input_ms=10, delay_ms=25, reaction_ms=20)
    p = _numpy(model.initialise(4))
    inputs, targets = task.inputs(), task.targets()
    total = 0.0
    for trial in range(task.trials):
        r = np.zeros(15)
        for t in range(task.steps):
            output = np.tanh(p.readout_weights @ r + p.readout_bias)
            total += (output - targets[trial, t]) ** 2
            r = 0.5 * r + 0.5 * np.tanh(
                p.recurrent_weights @ r + p.input_weights @ inputs[trial, t] + p.b
            )
    expected = total / (task.trials * task.steps)
    assert float(network_loss(model, task, model.initialise(4))) == pytest.approx(expected, 1e-12)


def test_low_rank_and_full_rank_recurrent_matrices_and_vector_field():
    for model in (
        LowRankNetwork(size=10, rank=3),
        FullRankNetwork(size=10),
        RankOneNetwork(size=10),
    ):
        parameters = model.initialise(1)
        p = _numpy(parameters)
        weights = np.asarray(model.recurrent_matrix(parameters))
        x = np.linspace(-0.5, 0.7, 10)
        expected_field = -x + np.tanh(weights @ x + p.b)
        assert np.allclose(model.vector_field(parameters, x), expected_field, atol=1e-14)
        # the map is the Euler step of the flow with step alpha
        assert np.allclose(model.update(parameters, x), x + model.leak * expected_field, atol=1e-14)
    low = LowRankNetwork(size=10, rank=3)
    assert np.linalg.matrix_rank(np.asarray(low.recurrent_matrix(low.initialise(0)))) == 3


def test_rank_one_latent_coordinate_obeys_the_exact_one_dimensional_map():
    model, task = RankOneNetwork(size=40), DelayedActivation()
    parameters = model.initialise(7)
    parameters = parameters._replace(m=parameters.m * 4, b=parameters.b + 0.2)
    record = simulate_trials(model, task, parameters)
    kappa_network = np.asarray(record.states[0] @ parameters.n)
    kappa = -0.3 * float(np.sum(parameters.n))
    iterated = []
    for _ in range(task.steps):
        kappa = kappa + model.leak * float(latent_flow(parameters, kappa))
        iterated.append(kappa)
    assert np.allclose(kappa_network, iterated, rtol=1e-12, atol=1e-12)
    # the recovered rates are tanh values: bounded, and the saturation count agrees
    rates = np.asarray(record.rates)
    assert np.all(np.abs(rates) <= 1 + 1e-12)
    direct = np.tanh(
        np.outer(np.r_[-0.3 * np.sum(parameters.n), kappa_network[:-1]], parameters.m)
        + np.asarray(parameters.b)
    )
    assert np.allclose(rates[0], direct, atol=1e-10)
    assert SATURATION_LEVEL == 0.99


def test_initialisation_statistics_match_the_paper():
    size, seeds = 100, 40
    rank_one = np.stack([np.asarray(RankOneNetwork().initialise(s).m) for s in range(seeds)])
    assert rank_one.var() == pytest.approx(1 / size, rel=0.1)
    assert np.all(np.asarray(RankOneNetwork().initialise(0).b) == 0)
    gaussian = np.asarray(FullRankNetwork().initialise(0).recurrent_weights)
    assert gaussian.var() == pytest.approx(1 / size, rel=0.05)
    xavier = FullRankNetwork.for_working_memory().initialise(0)
    bound = np.sqrt(6 / (2 * size))
    weights = np.asarray(xavier.recurrent_weights)
    assert np.abs(weights).max() <= bound and weights.var() == pytest.approx(bound**2 / 3, 0.05)
    assert np.abs(np.asarray(xavier.b)).max() <= 1.0  # PyTorch default bias, fan-in 1
    # same seed, same network; float32 is the float64 draw rounded
    a, b = RankOneNetwork().initialise(3), RankOneNetwork().initialise(3, dtype=np.float32)
    assert np.array_equal(np.asarray(a.m, np.float32), np.asarray(b.m))


def test_readout_cap_sets_the_l1_norm():
    model = FullRankNetwork.for_working_memory(size=20, readout_cap=True)
    raw = model.initialise(0, confidence=0.5)
    capped = model.prepare(raw)
    assert float(np.sum(np.abs(capped.readout_weights))) == pytest.approx(0.5, rel=1e-12)
    scale = 0.5 / np.sum(np.abs(np.asarray(raw.readout_weights)))
    assert float(capped.readout_bias) == pytest.approx(float(raw.readout_bias) * scale, 1e-12)
    uncapped = model.prepare(model.initialise(0, confidence=np.inf))
    assert np.array_equal(np.asarray(uncapped.readout_weights), np.asarray(raw.readout_weights))


# --- latent slow point vs an independent SciPy reduction ----------------------------------------
def test_latent_slow_point_matches_scipy_on_a_constructed_ghost():
    # f(kappa) = -kappa + sum_i n_i tanh(m_i kappa + b_i) with a known ghost near -1.48
    parameters = RankOneParameters(
        np.array([1.0, 0.5]), np.array([1.6, 0.8]), np.array([0.6, 0.3]), 10.0
    )

    def flow(kappa):
        return -kappa + parameters.n @ np.tanh(parameters.m * kappa + parameters.b)

    found = scipy.optimize.minimize_scalar(flow, bracket=(-2.5, -1.5, -0.5), tol=1e-12)
    h = 1e-4
    curvature = (flow(found.x + h) - 2 * flow(found.x) + flow(found.x - h)) / h**2
    expected_r = curvature / 2 * flow(found.x)  # lambda = 0 at the minimum
    point = latent_slow_point(parameters, -3.0, threshold=1.0)
    assert float(point.kappa) == pytest.approx(found.x, abs=1e-6)
    assert float(point.canonical_parameter) == pytest.approx(expected_r, rel=1e-6)
    assert expected_r > 0
    # a fixed-point pair (the flow crosses zero on the way) gives r < 0
    blocked = parameters._replace(b=np.array([0.3, 0.15]))
    assert float(latent_slow_point(blocked, -3.0, threshold=1.0).canonical_parameter) < 0


# --- tasks -------------------------------------------------------------------------------------
def test_working_memory_tasks_follow_the_paper_layout():
    dcdt = DelayedCueDiscrimination(trials_per_type=2)
    assert (dcdt.input_steps, dcdt.delay_steps, dcdt.reaction_steps, dcdt.steps) == (6, 16, 10, 32)
    inputs, targets = dcdt.inputs()[..., 0], dcdt.targets()
    assert inputs.shape == (4, 32)
    assert np.array_equal(inputs[:, 0], [1, -1, 1, -1])  # types interleaved
    assert np.all(targets[:, :22] == 0) and np.array_equal(targets[:, -1], [1, -1, 1, -1])
    dmts = DelayedMatchToSample()
    inputs, targets = dmts.inputs()[..., 0], dmts.targets()
    assert dmts.steps == 38 and np.array_equal(inputs[:, 22], [1, -1, 1, -1])
    assert np.array_equal(inputs[:, 0], [1, -1, -1, 1])
    assert np.array_equal(targets[:, -1], [1, 1, 0, 0]) and np.all(targets[:, :28] == 0)
    with pytest.raises(InvalidInputError, match="whole number"):
        DelayedCueDiscrimination(delay_ms=12.0)
    with pytest.raises(InvalidInputError):
        DelayedActivation(delay=0)


def test_accuracy_rules():
    dcdt = DelayedCueDiscrimination(input_ms=5, delay_ms=5, reaction_ms=10)
    targets = np.asarray(dcdt.targets())
    outputs = targets * 0.34
    assert float(dcdt.accuracy(outputs, targets)) == 1.0
    outputs = targets * 0.32  # inside the dead zone: only the zero targets are right
    assert float(dcdt.accuracy(outputs, targets)) == pytest.approx(np.mean(targets == 0))
    task = DelayedActivation(delay=2, response=2)
    target = np.asarray(task.targets())
    assert float(task.accuracy(np.array([[0.4, 0.6, 0.6, 0.6]]), target)) == 0.75
    assert float(task.loss(np.array([[0.0, 0.0, 1.0, 0.0]]), target)) == 0.5


def test_bad_pairings_and_settings_raise():
    with pytest.raises(InvalidInputError, match="input_size"):
        network_loss(
            RankOneNetwork(size=4), DelayedCueDiscrimination(), RankOneNetwork(size=4).initialise(0)
        )
    with pytest.raises(InvalidInputError, match="rank"):
        LowRankNetwork(size=4, rank=5)
    with pytest.raises(InvalidInputError, match="leak"):
        RankOneNetwork(leak=1.5)
    with pytest.raises(InvalidInputError, match="seed"):
        RankOneNetwork().initialise(-1)

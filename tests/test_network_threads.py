"""Blocks of runs trained concurrently in threads: the same numbers, bit for bit, as one block
after another; the thread count's default and its checks; Ctrl-C stops the threads promptly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import ghostsym.network._sweeps as sweeps
import ghostsym.network._training as training
from ghostsym._io import MANIFEST_NAME
from ghostsym._jax import jax
from ghostsym.errors import InvalidInputError
from ghostsym.network import (
    DelayedActivation,
    DelayedCueDiscrimination,
    FullRankNetwork,
    LowRankNetwork,
    RankOneNetwork,
    SweepConfig,
    run_sweep,
    train_population,
    training_threads,
)

TASK = DelayedActivation(delay=4, response=4)
CASES = {
    "rank-one": (RankOneNetwork(size=10), TASK, {}),
    "low-rank": (LowRankNetwork(size=10, rank=2), TASK, {}),
    "full-rank": (
        FullRankNetwork.for_working_memory(size=8),
        DelayedCueDiscrimination(input_ms=10, delay_ms=20, reaction_ms=15),
        {"optimizer": "adam"},
    ),
}


@pytest.fixture(autouse=True)
def _no_compilation_cache(monkeypatch):
    monkeypatch.setenv("GHOSTSYM_NO_COMPILATION_CACHE", "1")


def _train(case, dtype, threads, **settings):
    model, task, extra = CASES[case]
    return train_population(
        model,
        task,
        learning_rates=[0.02, 0.2, 0.05, 0.5, 0.1],
        seeds=[0, 1, 2, 3, 4],
        epochs=12,
        record_every=3,
        epochs_per_chunk=6,
        runs_per_block=2,  # three blocks, the last one padded
        snapshot_epochs=[3, 12],
        dtype=dtype,
        threads=threads,
        **{**extra, **settings},
    )


def _assert_identical(got, expected):
    for name in (
        "loss",
        "gradient_norm",
        "accuracy",
        "saturation",
        "canonical_parameter",
        "latent_clearance",
        "minimum_loss",
        "minimum_loss_epoch",
        "maximum_accuracy",
        "diverged",
        "divergence_epoch",
    ):
        a, b = getattr(got, name), getattr(expected, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name
    for tree in ("final_parameters", "final_optimizer_state", "snapshots"):
        leaves = jax.tree.leaves(getattr(got, tree))
        expected_leaves = jax.tree.leaves(getattr(expected, tree))
        assert len(leaves) == len(expected_leaves) > 0, tree
        for a, b in zip(leaves, expected_leaves, strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), tree


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_two_threads_give_the_numbers_of_one_bit_for_bit(case, dtype):
    one = _train(case, dtype, threads=1)
    two = _train(case, dtype, threads=2)
    assert one.final_parameters[0].dtype == np.dtype(dtype)  # float64 honoured in the threads
    assert one.loss.shape == (5, 4) and one.snapshots[0].shape[:2] == (5, 2)
    _assert_identical(two, one)


def test_more_threads_than_blocks_and_continuing_from_a_state(capsys):
    one = _train("rank-one", "float32", threads=1)
    many = _train("rank-one", "float32", threads=7, progress=True)
    _assert_identical(many, one)
    assert "6/6" in capsys.readouterr().err  # every chunk of every block counted once
    # continuing from final parameters and optimiser state, in threads, is also the same
    model, task, _ = CASES["rank-one"]
    later = {
        threads: train_population(
            model,
            task,
            learning_rates=one.learning_rates,
            seeds=one.seeds,
            epochs=6,
            first_epoch=12,
            runs_per_block=2,
            initial_parameters=one.final_parameters,
            initial_optimizer_state=one.final_optimizer_state,
            threads=threads,
        )
        for threads in (1, 2)
    }
    assert np.array_equal(later[1].loss, later[2].loss)
    assert np.array_equal(later[1].final_parameters.m, later[2].final_parameters.m)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "2", np.float64(2.0)])
def test_invalid_thread_counts_are_refused_naming_the_option(value):
    model, task, _ = CASES["rank-one"]
    with pytest.raises(InvalidInputError, match=r"^threads must be an integer >= 1, got"):
        train_population(model, task, learning_rates=[0.1], seeds=[0], epochs=2, threads=value)
    with pytest.raises(InvalidInputError, match=r"^threads must be an integer >= 1, got"):
        with training_threads(value):
            pass
    with pytest.raises(InvalidInputError, match=r"^--threads must be an integer >= 1, got"):
        run_sweep(SweepConfig.from_mapping(_SWEEP), "unused", threads=value)
    assert not Path("unused").exists()


def test_threads_with_a_block_runner_is_refused_and_the_runner_still_runs_the_blocks():
    ran = []

    def runner(starts):
        ran.append(len(starts))
        return [training.train_block(start) for start in starts]

    token = training._BLOCK_RUNNER.set(runner)
    try:
        with pytest.raises(InvalidInputError, match="^threads sets the training threads"):
            _train("rank-one", "float32", threads=2)
        assert ran == []
        through_runner = _train("rank-one", "float32", threads=None)
    finally:
        training._BLOCK_RUNNER.reset(token)
    assert ran == [3]
    _assert_identical(through_runner, _train("rank-one", "float32", threads=2))


def test_default_is_the_cores_of_this_process_or_the_context_setting(monkeypatch):
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert training.available_cores() == cores
    assert training.thread_count(None, 100) == min(cores, 100)
    assert training.thread_count(None, 1) == 1
    with training_threads(3):
        assert training.thread_count(None, 100) == 3
        assert training.thread_count(5, 100) == 5  # an explicit count wins
        with training_threads(None):
            assert training.thread_count(None, 100) == min(cores, 100)
        assert training.thread_count(None, 100) == 3
    assert training.thread_count(None, 100) == min(cores, 100)


def test_workers_see_the_callers_context_and_float64_setting(monkeypatch):
    seen = []
    real_train_block = training.train_block

    def recording_train_block(start, **keywords):
        seen.append(
            (
                threading.current_thread().name,
                training._TRAINING_THREADS.get(),
                bool(jax.config.jax_enable_x64),
            )
        )
        return real_train_block(start, **keywords)

    monkeypatch.setattr(training, "train_block", recording_train_block)
    with training_threads(2):
        _train("rank-one", "float64", threads=None)
    assert len(seen) == 3
    assert all(name.startswith("ghostsym-training") for name, _, _ in seen), seen
    assert all(setting == 2 and x64 for _, setting, x64 in seen), seen
    seen.clear()
    with training_threads(1):
        _train("rank-one", "float32", threads=None)
    assert [name for name, _, _ in seen] == ["MainThread"] * 3


@pytest.fixture
def float64_off_for_the_process():
    """JAX's process-wide float64 off (the suite turns it on), as in a library user's program:
    then only ``train_population``'s own per-thread float64 setting makes 64-bit seeds and
    float64 training possible, and its worker threads must inherit it."""
    jax.config.update("jax_enable_x64", False)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_threads_inherit_the_per_thread_float64_setting(float64_off_for_the_process, dtype):
    one = _train("rank-one", dtype, threads=1)
    two = _train("rank-one", dtype, threads=2)
    assert two.final_parameters.m.dtype == np.dtype(dtype)
    _assert_identical(two, one)


def test_an_interrupt_in_one_thread_stops_the_others_after_their_chunk(monkeypatch):
    calls, after_interrupt = [], []
    real_run_chunk = training._Plan.run_chunk
    interrupted = threading.Event()

    def run_chunk(self, chunk, state, snapshots):
        if interrupted.is_set():
            after_interrupt.append(chunk)
        calls.append(chunk)
        if len(calls) == 3:
            interrupted.set()
            raise KeyboardInterrupt
        return real_run_chunk(self, chunk, state, snapshots)

    monkeypatch.setattr(training._Plan, "run_chunk", run_chunk)
    model, task, _ = CASES["rank-one"]
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        train_population(
            model,
            task,
            learning_rates=[0.1] * 8,
            seeds=range(8),
            epochs=400,
            record_every=2,
            epochs_per_chunk=2,  # 200 chunks per block: the whole run would take long
            runs_per_block=2,
            threads=2,
        )
    # the other thread started at most the chunk it was in the middle of
    assert len(after_interrupt) <= 1, after_interrupt
    assert len(calls) <= 4
    assert time.perf_counter() - started < 60
    assert not [t for t in threading.enumerate() if t.name.startswith("ghostsym-training")]


def test_an_error_in_one_thread_is_raised_once_the_others_stopped():
    def work(item, stop_point):
        if item == 1:
            raise ValueError("block 1 failed")
        for _ in range(10_000):
            time.sleep(0.001)
            stop_point()
        return item

    started = time.perf_counter()
    with pytest.raises(ValueError, match="block 1 failed"):
        training.run_in_threads(work, [0, 1, 2, 3], threads=2)
    assert time.perf_counter() - started < 5  # not the 10 s of a whole item
    assert not [t for t in threading.enumerate() if t.name.startswith("ghostsym-training")]


# --- sweeps -------------------------------------------------------------------------------------
_SWEEP = {
    "name": "threads",
    "model": "rank-one",
    "epochs": 40,
    "record_every": 5,
    "epochs_per_chunk": 10,
    "runs_per_block": 2,
    "snapshot_epochs": [20],
    "model_settings": {"size": 10},
    "task_settings": {"delay": [4, 5], "response": 4},
    "population": {"learning_rates": {"logspace": [-2, 0, 3]}, "seeds": {"range": [0, 2]}},
}


def _arrays(directory):
    with np.load(Path(directory) / "results.npz") as data:
        return {key: data[key] for key in data.files}


def _assert_same_results(got, expected):
    got, expected = _arrays(got), _arrays(expected)
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        assert got[key].dtype == value.dtype, key
        assert np.array_equal(got[key], value, equal_nan=True), key


def _files_on_disk(directory: Path) -> list[str]:
    return sorted(
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and path.name != MANIFEST_NAME
    )


@pytest.fixture(scope="module")
def one_thread_sweep(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sweep") / "one"
    status = run_sweep(SweepConfig.from_mapping(_SWEEP), directory, progress=False, threads=1)
    assert status.complete and status.chunks_done == status.chunks_total == 24
    return directory


def test_a_threaded_sweep_equals_one_thread_and_its_manifest_lists_every_file(
    one_thread_sweep, tmp_path
):
    directory = tmp_path / "two"
    config = SweepConfig.from_mapping(_SWEEP)
    status = run_sweep(config, directory, progress=False, threads=2, keep_checkpoints=True)
    assert status.complete and status.chunks_done == 24
    _assert_same_results(directory, one_thread_sweep)
    manifest = json.loads((directory / MANIFEST_NAME).read_text())
    files = _files_on_disk(directory)
    assert len(files) == 2 + 6  # results, sweep.json, 2 groups x 3 blocks of checkpoints
    assert sorted(manifest["files"]) == files
    metadata = json.loads((directory / "sweep.json").read_text())
    assert metadata["status"] == "complete" and metadata["chunks_done"] == 24
    # what the manifest says is what is on disk
    import hashlib

    for name, entry in manifest["files"].items():
        data = (directory / name).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_max_chunks_is_shared_out_in_block_order_whatever_the_thread_count(
    one_thread_sweep, tmp_path
):
    config = SweepConfig.from_mapping(_SWEEP)
    states = {}
    for threads in (1, 2):
        directory = tmp_path / f"partial-{threads}"
        status = run_sweep(config, directory, max_chunks=7, progress=False, threads=threads)
        assert not status.complete and status.chunks_done == 7
        checkpoints = directory / "checkpoints"
        states[threads] = {}
        for path in checkpoints.iterdir():
            with np.load(path) as data:
                states[threads][path.name] = int(data["completed_chunks"])
        final = run_sweep(config, directory, progress=False, threads=threads)
        assert final.complete
        _assert_same_results(directory, one_thread_sweep)
    assert states[1] == states[2] == {"group-000-block-000.npz": 4, "group-000-block-001.npz": 3}


def test_ctrl_c_inside_a_threaded_sweep_leaves_it_resumable(one_thread_sweep, tmp_path):
    config = SweepConfig.from_mapping(_SWEEP)
    directory = tmp_path / "ctrl-c"
    real_save, saves, after_interrupt = sweeps._save_checkpoint, [], []

    def save_then_interrupt(*arguments):
        if len(saves) >= 3:
            after_interrupt.append(1)
        real_save(*arguments)
        saves.append(1)
        if len(saves) == 3:
            raise KeyboardInterrupt

    sweeps_save = pytest.MonkeyPatch()
    sweeps_save.setattr(sweeps, "_save_checkpoint", save_then_interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_sweep(config, directory, progress=False, threads=2)
    finally:
        sweeps_save.undo()
    assert len(after_interrupt) <= 1  # the other thread finished its chunk, then stopped
    metadata = json.loads((directory / "sweep.json").read_text())
    assert metadata["status"] == "interrupted"
    assert metadata["chunks_done"] == len(saves)
    assert not (directory / "results.npz").exists()
    assert not [t for t in threading.enumerate() if t.name.startswith("ghostsym-training")]
    final = run_sweep(config, directory, progress=False, threads=2)
    assert final.complete
    _assert_same_results(directory, one_thread_sweep)


def test_threads_with_a_scheduler_is_refused_before_anything_is_written(tmp_path):
    config = SweepConfig.from_mapping(_SWEEP)
    with pytest.raises(InvalidInputError, match="--threads does not apply with --scheduler"):
        run_sweep(config, tmp_path / "out", scheduler="local:1", threads=2)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sweep", "c.toml", "--out", "o", "--threads", "0"], "argument --threads: expected"),
        (["sweep", "c.toml", "--out", "o", "--threads", "-2"], "argument --threads: expected"),
        (["sweep", "c.toml", "--out", "o", "--threads", "1.5"], "argument --threads: expected"),
        (["train", "rank-one", "--threads", "0"], "argument --threads: expected"),
        (["train", "rank-one", "--threads", "two"], "argument --threads: expected"),
        (
            ["sweep", "c.toml", "--out", "o", "--threads", "2", "--scheduler", "local:2"],
            "--threads does not apply with --scheduler",
        ),
        (["train", "canonical", "--threads", "2"], "--threads does not apply to the canonical"),
    ],
)
def test_cli_threads_errors_are_one_line(argv, expected, capsys, tmp_path, monkeypatch):
    from ghostsym import cli

    monkeypatch.chdir(tmp_path)
    try:
        status = cli.main(argv)
    except SystemExit as exit_info:  # argparse's own errors
        status = exit_info.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err
    assert not (tmp_path / "o").exists()


def test_cli_train_with_threads_prints_the_same_runs(capsys):
    from ghostsym import cli

    outputs = []
    for threads in ("1", "2"):
        argv = ["train", "rank-one", "--size", "8", "--delay", "3", "--epochs", "20"]
        argv += ["--lr", "0.05", "0.5", "--seeds", "20", "--format", "json", "--threads", threads]
        assert cli.main(argv) == 0
        payload = json.loads(capsys.readouterr().out)
        outputs.append(payload["runs"])
    assert outputs[0] == outputs[1] and len(outputs[0]) == 40


# --- Ctrl-C on a real process -------------------------------------------------------------------
_LONG = """
name = "ctrl-c-threads"
model = "rank-one"
epochs = 3000
record_every = 25
epochs_per_chunk = 50
runs_per_block = 2
[model_settings]
size = 8
[task_settings]
delay = 4
response = 4
[population]
learning_rates = [0.05, 0.5]
seeds = [0, 1]
"""


@pytest.mark.slow
def test_sigint_to_a_threaded_sweep_stops_it_promptly_and_the_rerun_completes(tmp_path):
    import ghostsym

    config = tmp_path / "long.toml"
    config.write_text(_LONG)
    out = tmp_path / "interrupted"
    command = [sys.executable, "-m", "ghostsym", "sweep", str(config), "--out", str(out)]
    command += ["--no-progress", "--threads", "2"]
    environment = dict(os.environ, GHOSTSYM_NO_COMPILATION_CACHE="1")
    root = str(Path(ghostsym.__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join([root, environment.get("PYTHONPATH", "")])

    def chunks_done():
        try:
            return json.loads((out / "sweep.json").read_text())["chunks_done"]
        except (OSError, ValueError, KeyError):
            return 0

    # a child started in the background inherits SIGINT ignored: give it the default handler
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None and chunks_done() < 4:
        time.sleep(0.02)
    assert process.poll() is None, "the sweep finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    _, stderr = process.communicate(timeout=120)
    assert time.perf_counter() - sent < 20, "the threads did not stop after their chunk"
    assert process.returncode == 130, stderr[-2000:]
    metadata = json.loads((out / "sweep.json").read_text())
    assert metadata["status"] == "interrupted", stderr[-2000:]
    assert 4 <= metadata["chunks_done"] < metadata["chunks_total"] == 120
    finished = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert finished.returncode == 0, finished.stderr[-2000:]
    straight = tmp_path / "straight"
    run_sweep(SweepConfig.from_toml(config), straight, progress=False, threads=1)
    _assert_same_results(out, straight)

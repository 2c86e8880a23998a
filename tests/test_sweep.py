"""Sweeps: TOML configs, atomic resumable results (bit for bit), and the ``ghostsym sweep`` CLI."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ghostsym import cli
from ghostsym.errors import InvalidInputError
from ghostsym.network import SweepConfig, load_sweep, run_sweep

CONFIG = """
name = "tiny"
model = "rank-one"
epochs = 40
record_every = 5
epochs_per_chunk = 10
runs_per_block = 3
snapshot_epochs = [20]

[model_settings]
size = 10

[task_settings]
delay = [4, 5]
response = 4

[population]
learning_rates = {logspace = [-2, 0, 2]}
seeds = {range = [0, 2]}
"""


@pytest.fixture(autouse=True)
def _no_compilation_cache(monkeypatch):
    """The CLI enables JAX's persistent cache; keep the tests out of the user's cache."""
    monkeypatch.setenv("GHOSTSYM_NO_COMPILATION_CACHE", "1")


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("config") / "tiny.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="module")
def uninterrupted(config_file, tmp_path_factory):
    directory = tmp_path_factory.mktemp("sweep") / "straight"
    status = run_sweep(SweepConfig.from_toml(config_file), directory, progress=False)
    assert status.complete and status.chunks_done == status.chunks_total == 16
    return directory


def _arrays(directory):
    with np.load(Path(directory) / "results.npz") as data:
        return {key: data[key] for key in data.files}


def test_config_parsing_and_grid(config_file):
    config = SweepConfig.from_toml(config_file)
    assert config.learning_rates == (0.01, 1.0) and config.seeds == (0, 1)
    assert [group["task_settings"] for group in config.groups()] == [
        {"delay": 4, "response": 4},
        {"delay": 5, "response": 4},
    ]
    rates, seeds, confidences = config.population()
    assert rates.tolist() == [0.01, 0.01, 1.0, 1.0] and seeds.tolist() == [0, 1, 0, 1]
    assert confidences is None
    assert SweepConfig.from_mapping(config.to_json()) == config
    with pytest.raises(InvalidInputError, match="unknown sweep key .epoch."):
        SweepConfig.from_mapping({**config.to_json(), "epoch": 3})
    with pytest.raises(InvalidInputError, match="model"):
        SweepConfig.from_mapping({**config.to_json(), "model": "rank-two"})
    with pytest.raises(InvalidInputError, match="task_settings"):
        SweepConfig.from_mapping({**config.to_json(), "task_settings": {"delya": 3}})


def test_interrupted_sweep_resumes_to_identical_results(config_file, uninterrupted, tmp_path):
    config = SweepConfig.from_toml(config_file)
    directory = tmp_path / "resumed"
    first = run_sweep(config, directory, max_chunks=3, progress=False)
    assert not first.complete and first.chunks_done == 3
    assert json.loads((directory / "sweep.json").read_text())["status"] == "interrupted"
    assert not (directory / "results.npz").exists()
    second = run_sweep(config, directory, max_chunks=6, progress=False)  # crosses a group
    assert second.chunks_done == 9
    final = run_sweep(config, directory, progress=False)
    assert final.complete
    expected, got = _arrays(uninterrupted), _arrays(directory)
    assert sorted(got) == sorted(expected)
    for key in expected:
        assert np.array_equal(got[key], expected[key], equal_nan=True), key
    assert not (directory / "checkpoints").exists()
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_results_metadata_and_loading(config_file, uninterrupted):
    metadata = json.loads((uninterrupted / "sweep.json").read_text())
    assert metadata["status"] == "complete" and metadata["wall_time_seconds"] > 0
    assert {"ghostsym", "jax", "jaxlib", "optax", "numpy", "python"} <= set(metadata["versions"])
    assert metadata["run_seeds"] == [0, 1, 0, 1]
    result = load_sweep(uninterrupted)
    assert len(result.groups) == 2
    training = result.groups[1].training
    assert training.task.delay == 5 and training.loss.shape == (4, 8)
    assert training.parameters_at(20).m.shape == (4, 10)
    assert training.canonical_parameter.shape == (4, 8)
    # a finished sweep is not re-run, and a different sweep may not reuse the directory
    assert run_sweep(SweepConfig.from_toml(config_file), uninterrupted, progress=False).complete
    other = SweepConfig.from_mapping({**SweepConfig.from_toml(config_file).to_json(), "epochs": 20})
    with pytest.raises(InvalidInputError, match="different sweep"):
        run_sweep(other, uninterrupted, progress=False)


def test_cli_prints_the_outcome_table(config_file, uninterrupted, capsys):
    assert cli.main(["sweep", str(config_file), "--out", str(uninterrupted), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "tiny: complete" in out and "delay=5" in out and "collapsed" in out
    assert (
        cli.main(
            [
                "sweep",
                str(config_file),
                "--out",
                str(uninterrupted),
                "--format",
                "json",
                "--no-progress",
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert [len(group["learning_rates"]) for group in payload["groups"]] == [2, 2]
    assert cli.main(["sweep", "/nonexistent.toml", "--out", str(uninterrupted)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_table_reports_the_last_epoch_not_the_last_record(config_file, tmp_path, capsys):
    """With record_every = epochs the only record is the untrained network (epoch 0); the
    table's final loss must be the trained network's, evaluated after the last epoch."""
    config = config_file.read_text().replace("record_every = 5", "record_every = 40")
    config = config.replace("epochs_per_chunk = 10", "epochs_per_chunk = 40")
    path = tmp_path / "one-record.toml"
    path.write_text(config)
    out = tmp_path / "sweep"
    argv = ["sweep", str(path), "--out", str(out), "--format", "json", "--no-progress"]
    assert cli.main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    from ghostsym.network import final_epoch_metrics, load_sweep

    for group, loaded in zip(payload["groups"], load_sweep(out).groups, strict=True):
        training = loaded.training
        assert training.loss.shape[1] == 1  # one record: the initial network
        final = final_epoch_metrics(training)
        for row in group["learning_rates"]:
            runs = np.isclose(training.learning_rates, row["learning_rate"])
            assert row["median_final_loss"] == pytest.approx(float(np.median(final.loss[runs])))
        assert not np.allclose(final.loss, training.loss[:, -1])  # so the test can fail


@pytest.mark.slow
def test_killed_process_resumes_to_identical_results(config_file, uninterrupted, tmp_path):
    directory = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "ghostsym",
        "sweep",
        str(config_file),
        "--out",
        str(directory),
        "--no-progress",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = directory / "checkpoints"
    deadline = time.time() + 300
    while time.time() < deadline and not (checkpoints.exists() and any(checkpoints.iterdir())):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (directory / "results.npz").exists()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    expected, got = _arrays(uninterrupted), _arrays(directory)
    for key in expected:
        assert np.array_equal(got[key], expected[key], equal_nan=True), key


def test_keyboard_interrupt_records_interrupted_and_the_rerun_completes(
    config_file, uninterrupted, tmp_path, monkeypatch
):
    import ghostsym.network._sweeps as sweeps

    config = SweepConfig.from_toml(config_file)
    directory = tmp_path / "ctrl-c"
    real_save, saves = sweeps._save_checkpoint, []

    def save_then_interrupt(*arguments):
        real_save(*arguments)
        saves.append(1)
        if len(saves) == 5:  # Ctrl-C in the middle of the second group
            raise KeyboardInterrupt

    monkeypatch.setattr(sweeps, "_save_checkpoint", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):  # one block after another: the count is exact
        run_sweep(config, directory, progress=False, threads=1)
    monkeypatch.undo()
    metadata = json.loads((directory / "sweep.json").read_text())
    # the fifth chunk's checkpoint was written just before the interrupt: it counts
    assert metadata["status"] == "interrupted" and metadata["chunks_done"] == 5
    final = run_sweep(config, directory, progress=False)
    assert final.complete
    expected, got = _arrays(uninterrupted), _arrays(directory)
    for key in expected:
        assert np.array_equal(got[key], expected[key], equal_nan=True), key


def test_corrupt_or_changed_checkpoints_are_recomputed_with_a_warning(
    config_file, uninterrupted, tmp_path, capsys
):
    from ghostsym._io import open_output_directory

    config = SweepConfig.from_toml(config_file)
    directory = tmp_path / "corrupt"
    run_sweep(config, directory, max_chunks=6, progress=False)
    checkpoints = sorted((directory / "checkpoints").iterdir())
    assert len(checkpoints) == 2
    # truncated behind ghostsym's back: the manifest no longer matches it
    checkpoints[0].write_bytes(checkpoints[0].read_bytes()[:100])
    # unreadable although recorded (a damaged disk): ghostsym's own bytes that are no archive
    manifest = open_output_directory(directory, command="sweep", stored=("checkpoints/",))
    manifest.write_bytes(checkpoints[1], b"PK\x03\x04 not a zip archive")
    final = run_sweep(config, directory, progress=False)
    err = capsys.readouterr().err
    assert final.complete
    assert f"checkpoint checkpoints/{checkpoints[0].name} is not used: it changed" in err
    assert f"checkpoints/{checkpoints[1].name} is not used: it is unreadable" in err
    expected, got = _arrays(uninterrupted), _arrays(directory)
    for key in expected:
        assert np.array_equal(got[key], expected[key], equal_nan=True), key


def test_a_user_made_results_file_is_never_overwritten(config_file, tmp_path, capsys):
    directory = tmp_path / "user"
    directory.mkdir()
    (directory / "results.npz").write_bytes(b"my own results")
    argv = ["sweep", str(config_file), "--out", str(directory), "--no-progress"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "results.npz was not written by ghostsym" in err
    assert sorted(p.name for p in directory.iterdir()) == ["results.npz"]
    assert (directory / "results.npz").read_bytes() == b"my own results"


def test_an_empty_grid_is_refused_not_complete(config_file):
    config = SweepConfig.from_toml(config_file).to_json()
    with pytest.raises(InvalidInputError, match="task_settings.delay is an empty list"):
        SweepConfig.from_mapping({**config, "task_settings": {"delay": []}})
    with pytest.raises(InvalidInputError, match="population.learning_rates gives no values"):
        SweepConfig.from_mapping({**config, "population": {"learning_rates": []}})
    with pytest.raises(InvalidInputError, match="population.seeds gives no values"):
        SweepConfig.from_mapping(
            {**config, "population": {"learning_rates": [0.1], "seeds": {"range": [3, 3]}}}
        )

"""Sweeps and populations on a Dask cluster (real scheduler and worker processes on localhost),
and the persistent compilation cache."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ghostsym.errors import InvalidInputError
from ghostsym.network import (
    DelayedActivation,
    RankOneNetwork,
    SweepConfig,
    enable_compilation_cache,
    run_sweep,
    train_population,
    use_scheduler,
)
from ghostsym.network._distributed import parse_scheduler

ROOT = Path(__file__).resolve().parents[1]

# Three blocks per group, two groups: six tasks, each long enough (20,000 epochs) that a worker
# can be killed while it trains one.
CONFIG = """
name = "cluster"
model = "rank-one"
epochs = 20000
record_every = 500
epochs_per_chunk = 5000
runs_per_block = 2
snapshot_epochs = [10000]

[model_settings]
size = 10

[task_settings]
delay = [4, 5]
response = 4

[population]
learning_rates = {logspace = [-2, 0, 3]}
seeds = {range = [0, 2]}
"""


def _environment(tmp_path):
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [environment.get("PYTHONPATH")])]
    )
    environment["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return environment


def _arrays(directory):
    with np.load(Path(directory) / "results.npz") as data:
        return {key: data[key] for key in data.files}


def test_scheduler_option_is_checked():
    assert parse_scheduler(" local:3 ") == ("local", 3)
    for bad in ("local:0", "local:two", "", "tcp://a b:1"):
        with pytest.raises(InvalidInputError, match="--scheduler"):
            parse_scheduler(bad)
    with pytest.raises(InvalidInputError, match="--max-chunks"):
        run_sweep(_config(), "/nonexistent-directory", max_chunks=1, scheduler="local:1")


def _config():
    import tomllib

    return SweepConfig.from_mapping(tomllib.loads(CONFIG))


@pytest.mark.slow
def test_compilation_cache_is_opt_in_by_entry_points_and_opt_out_by_environment(tmp_path):
    program = (
        "import jax, ghostsym.network as n;"
        "print(jax.config.jax_compilation_cache_dir);"
        "print(n.enable_compilation_cache());"
        "n.train_population(n.RankOneNetwork(size=4), n.DelayedActivation(2, 2),"
        " learning_rates=[0.1], seeds=[0], epochs=2)"
    )
    environment = _environment(tmp_path)
    used = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True
    )
    assert used.returncode == 0, used.stderr
    before, enabled = used.stdout.split()
    directory = tmp_path / "cache" / "ghostsym" / "jax"
    assert before == "None" and Path(enabled) == directory  # not at import, by the call
    assert any(directory.iterdir())  # compiled programs were stored
    for opt_out in ("1", "true"):  # opted out: JAX's settings are not touched
        assert enable_compilation_cache({"GHOSTSYM_NO_COMPILATION_CACHE": opt_out}) is None


def _start(command, environment, log):
    return subprocess.Popen(
        [sys.executable, "-m", *command], env=environment, stdout=log, stderr=subprocess.STDOUT
    )


@pytest.mark.slow
def test_cluster_sweep_equals_local_sweep_bit_for_bit_with_a_worker_killed(tmp_path):
    distributed = pytest.importorskip("distributed")
    config_path = tmp_path / "cluster.toml"
    config_path.write_text(CONFIG)
    local = tmp_path / "local"
    assert run_sweep(_config(), local, progress=False).complete

    environment = _environment(tmp_path)
    scheduler_file = tmp_path / "scheduler.json"
    log = (tmp_path / "cluster.log").open("w")
    processes = []
    try:
        processes.append(
            _start(
                [
                    "distributed.cli.dask_scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(scheduler_file),
                ],
                environment,
                log,
            )
        )
        deadline = time.time() + 60
        while not scheduler_file.exists() and time.time() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        workers = {
            name: _start(
                [
                    "distributed.cli.dask_worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--name",
                    name,
                    "--no-dashboard",
                ],
                environment,
                log,
            )
            for name in ("first", "second")
        }
        processes.extend(workers.values())
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
            names = {
                info["name"]: worker for worker, info in client.scheduler_info()["workers"].items()
            }
            out = tmp_path / "cluster"
            sweep = _start(
                [
                    "ghostsym",
                    "sweep",
                    str(config_path),
                    "--out",
                    str(out),
                    "--no-progress",
                    "--scheduler",
                    address,
                ],
                environment,
                log,
            )
            processes.append(sweep)
            deadline = time.time() + 120
            while time.time() < deadline:  # wait until the second worker trains a block
                if any(
                    str(key).startswith("ghostsym-block")
                    for key in client.processing().get(names["second"], ())
                ):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("no block reached the second worker")
            workers["second"].kill()
            workers["second"].wait()
            assert sweep.wait(timeout=240) == 0
            expected, got = _arrays(local), _arrays(out)
            assert sorted(got) == sorted(expected)
            for key in expected:
                assert np.array_equal(got[key], expected[key], equal_nan=True), key
            assert json.loads((out / "sweep.json").read_text())["status"] == "complete"

            # any training, handed to the cluster: same numbers as here
            model, task = RankOneNetwork(size=8), DelayedActivation(delay=4, response=4)
            arguments = dict(
                learning_rates=np.logspace(-2, 0, 5),
                seeds=np.arange(5),
                epochs=200,
                record_every=20,
                runs_per_block=2,
            )
            here = train_population(model, task, **arguments)
            with use_scheduler(address):
                there = train_population(model, task, **arguments)
            assert np.array_equal(here.loss, there.loss)
            assert np.array_equal(here.final_parameters.m, there.final_parameters.m)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        log.close()

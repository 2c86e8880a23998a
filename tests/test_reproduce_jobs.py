"""``reproduce(jobs=N)`` / ``ghostsym reproduce --jobs N``: experiments in worker processes.

The same numbers, claims and stored arrays as in one process; resuming; a failing or dying
worker costs only its experiment; bad ``--jobs`` values are one-line errors.
"""

from __future__ import annotations

import json
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import reproduce_support.experiments as helpers

import ghostsym
import ghostsym.experiments as registry
from ghostsym import cli
from ghostsym.errors import InvalidInputError
from ghostsym.experiments import Experiment
from ghostsym.report import _reproduce, _workers

# Registered experiments that take about a second each at the quick scale (none trains).
FAST = ["fig2-descent", "fig2-learning-rate-scan", "canonical-passage-times"]


def _claim_rows(result):
    keys = ("claim", "theory", "measured", "tolerance", "margin", "verdict", "experiment")
    rows = json.loads(result.report.results.read_text())["claims"]
    return [{key: row[key] for key in keys} for row in rows]


@pytest.fixture(scope="module")  # workers take seconds to start: the tests using it are slow
def both(tmp_path_factory):
    """The fast experiments run with jobs=1 and with jobs=2, each into its own directory."""
    root = tmp_path_factory.mktemp("jobs")
    options = {"only": FAST, "derivations": False, "progress": False}
    one = ghostsym.reproduce(root / "one", jobs=1, **options)
    two = ghostsym.reproduce(root / "two", jobs=2, **options)
    return one, two


@pytest.mark.slow
def test_two_workers_give_what_one_process_gives(both):
    one, two = both
    assert one.succeeded and two.succeeded, (one.failures, two.failures)
    assert [record.name for record in two.records] == FAST  # registry order, not finish order
    assert [record.status for record in two.records] == ["ran"] * len(FAST)
    assert _claim_rows(two) == _claim_rows(one)
    for first, second in zip(one.records, two.records, strict=True):
        assert first.outcome.numbers == second.outcome.numbers
        assert [p.name for p in first.figures] == [p.name for p in second.figures]
        assert all(path.is_file() for path in second.figures)
        with (
            np.load(one.directory / "experiments" / f"{first.name}.npz") as expected,
            np.load(two.directory / "experiments" / f"{second.name}.npz") as got,
        ):
            assert sorted(got.files) == sorted(expected.files)
            for key in expected.files:
                assert np.array_equal(got[key], expected[key], equal_nan=True), key


@pytest.mark.slow
def test_compile_seconds_are_measured_in_workers_only(both):
    one, two = both
    ran_here = json.loads(one.report.results.read_text())["experiments"]
    ran_there = json.loads(two.report.results.read_text())["experiments"]
    assert all(ran_here[name]["compile_seconds"] is None for name in FAST)
    for name in FAST:
        seconds = ran_there[name]["compile_seconds"]
        assert isinstance(seconds, float) and 0.0 <= seconds <= ran_there[name]["wall_time"]


@pytest.mark.slow
def test_a_second_run_resumes_everything_without_workers(both, monkeypatch):
    _, two = both
    stored = {p: p.stat().st_mtime_ns for p in (two.directory / "experiments").iterdir()}

    def no_worker(self):
        raise AssertionError("a worker was started although everything was stored")

    monkeypatch.setattr(_workers.WorkerPool, "_start_worker", no_worker)
    again = ghostsym.reproduce(two.directory, only=FAST, derivations=False, progress=False, jobs=2)
    assert again.succeeded and [r.status for r in again.records] == ["resumed"] * len(FAST)
    assert {p: p.stat().st_mtime_ns for p in stored} == stored
    assert _claim_rows(again) == _claim_rows(two)


def test_failing_and_dying_workers_cost_only_their_experiment(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(registry, "EXPERIMENT_MODULES", (helpers.MODULE,))
    # a function of a module that exists only in this process: workers cannot unpickle it
    parent_only = types.ModuleType("ghostsym_parent_only")
    parent_only.steady = types.FunctionType(helpers.steady.__code__, helpers.steady.__globals__)
    parent_only.steady.__module__ = parent_only.__name__
    monkeypatch.setitem(sys.modules, parent_only.__name__, parent_only)
    unreadable = Experiment("unreadable", "Unreadable", parent_only.steady)
    monkeypatch.setattr(helpers, "EXPERIMENTS", (*helpers.EXPERIMENTS, helpers.DIE, unreadable))
    out = tmp_path / "report"
    argv = ["reproduce", "--out", str(out), "--no-derivations", "--no-progress"]
    status = cli.main([*argv, "--jobs", "2"])
    captured = capsys.readouterr()
    assert status == 1, captured.err
    assert captured.err.count("\n") == 1 and "explode, die, unreadable" in captured.err
    results = json.loads((out / "results.json").read_text())
    experiments = results["experiments"]
    assert list(experiments) == ["steady", "explode", "second", "die", "unreadable"]
    assert {name: entry["status"] for name, entry in experiments.items()} == {
        "steady": "ran",
        "explode": "failed",
        "second": "ran",
        "die": "failed",
        "unreadable": "failed",
    }
    assert experiments["unreadable"]["error"].startswith(
        "worker process could not read the task 'unreadable': ModuleNotFoundError"
    )
    assert experiments["explode"]["error"] == "RuntimeError: exploded at seed 0"
    assert "Traceback" in experiments["explode"]["traceback"]
    assert experiments["die"]["error"] == ("worker process died (exit code -9) while running die")
    assert experiments["die"]["compile_seconds"] is None
    assert isinstance(experiments["steady"]["compile_seconds"], float)
    assert [row["verdict"] for row in results["claims"] if row["experiment"] == "die"] == [
        "not run"
    ]
    for name in ("steady", "second"):
        assert [Path(path).name for path in experiments[name]["figures"]] == [
            "curve.png",
            "curve.pdf",
        ]
    assert not (out / "experiments" / "die.npz").exists()
    # the manifest lists what the workers drew: the same directory is accepted and resumed
    status = cli.main([*argv, "--jobs", "1", "--only", "steady", "second"])
    assert status == 0, capsys.readouterr().err
    results = json.loads((out / "results.json").read_text())
    assert [entry["status"] for entry in results["experiments"].values()] == ["resumed"] * 2


@pytest.mark.parametrize(
    "option", [["--jobs", "0"], ["--jobs", "-1"], ["--jobs", "x"], ["--jobs", "2.5"]]
)
def test_bad_jobs_is_one_line_naming_the_option(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as exit_status:
        cli.main(["reproduce", "--out", str(tmp_path / "o"), *option])
    error = capsys.readouterr().err
    assert exit_status.value.code == 2
    assert error.count("\n") == 1 and "argument --jobs: expected an integer >= 1" in error
    assert not (tmp_path / "o").exists()


def test_jobs_with_a_scheduler_is_refused(tmp_path, capsys):
    argv = ["reproduce", "--out", str(tmp_path / "o"), "--jobs", "2", "--scheduler", "local:1"]
    status = cli.main(argv)
    error = capsys.readouterr().err
    assert status == 2 and error.count("\n") == 1, error
    assert "--jobs 2" in error and "--scheduler" in error
    assert not (tmp_path / "o").exists()
    with pytest.raises(InvalidInputError, match="jobs=2"):
        ghostsym.reproduce(tmp_path / "o", jobs=2, scheduler="local:1")


@pytest.mark.parametrize("jobs", [0, -2, True, 1.5, "2"])
def test_the_api_refuses_bad_jobs(tmp_path, jobs):
    with pytest.raises(InvalidInputError, match="jobs"):
        ghostsym.reproduce(tmp_path / "o", jobs=jobs, experiments=[helpers.STEADY])
    assert not (tmp_path / "o").exists()


def test_unpicklable_experiments_are_refused_with_jobs_above_one(tmp_path):
    local = Experiment("local", "Local", lambda scale, seed: helpers.steady(scale, seed))
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(local)
    with pytest.raises(InvalidInputError, match=r"jobs=2 .*'local' is not .*use jobs=1"):
        ghostsym.reproduce(tmp_path / "o", experiments=[local], jobs=2, progress=False)
    assert not (tmp_path / "o").exists()
    result = ghostsym.reproduce(
        tmp_path / "o", experiments=[local], jobs=1, derivations=False, progress=False
    )
    assert result.succeeded


def test_longest_experiments_start_first():
    def experiment(name, network_epochs):
        return Experiment(name, name, helpers.steady, cost={"quick": network_epochs})

    listed = [experiment("a", 0), experiment("b", 10), experiment("c", 0), experiment("d", 500)]
    order = _reproduce._longest_first(listed, "quick", None)
    assert [e.name for e in order] == ["d", "b", "a", "c"]


def test_the_default_is_the_usable_cpus_capped(monkeypatch):
    import os

    from ghostsym.cli import reproduce as command

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(32)), False)
    assert command.default_jobs(21) == command.MAXIMUM_DEFAULT_JOBS == 8
    assert command.default_jobs(3) == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, False)
    assert command.default_jobs(21) == 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert command.default_jobs(21) == 4


def test_help_describes_jobs(capsys):
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--jobs N" in text and "worker processes" in text and "--scheduler" in text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))

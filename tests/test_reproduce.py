"""``reproduce`` / ``ghostsym reproduce``: orchestration, resuming, failures, derivations.tex.

Most tests use synthetic experiments (fast, and they count how often they are run); one test
runs the cheapest registered experiment of the real registry through the command line.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from reproduce_support.experiments import draw_curve  # noqa: E402

import ghostsym  # noqa: E402
import ghostsym.experiments as registry  # noqa: E402
from ghostsym import cli  # noqa: E402
from ghostsym.errors import InvalidInputError  # noqa: E402
from ghostsym.experiments import (  # noqa: E402
    VERDICTS,
    Experiment,  # noqa: E402
    ExperimentOutcome,
    compare_claim,
)
from ghostsym.report import (  # noqa: E402
    DERIVATION_RECORD,
    latex_problems,  # noqa: E402
    source_fingerprint,
)

FAKE_MODULE = "ghostsym_fake_experiments"


class Counter:
    """A synthetic experiment that records every call; its number depends on the seed."""

    def __init__(self, name, fail=False, interrupt=False):
        self.name, self.fail, self.interrupt, self.calls = name, fail, interrupt, []

    def __call__(self, scale, seed):
        self.calls.append((scale, seed))
        if self.interrupt:
            raise KeyboardInterrupt
        if self.fail:
            raise RuntimeError(f"{self.name} exploded at seed {seed}")
        draw = float(np.random.default_rng(seed).normal())
        claim = compare_claim(f"{self.name} sum", 3.0, 1.0 + 2.0, atol=1e-12, source="test")
        return ExperimentOutcome(
            "whatever",  # reproduce files it under the registered name
            f"Experiment {self.name}",
            (claim,),
            numbers={"draw": draw, "scale": scale},
            arrays={"curve": np.linspace(0.0, draw, 4)},
            config={"seed": seed},
        )


def broken_figure(outcome, directory):
    raise ValueError("no such panel")


@pytest.fixture
def fake_plots(monkeypatch):
    # a dotted name: bare names are looked up in ghostsym.plotting
    package, module = types.ModuleType("ghostsym_fake"), types.ModuleType("ghostsym_fake.plots")
    module.draw_curve, module.broken_figure = draw_curve, broken_figure
    package.plots = module
    monkeypatch.setitem(sys.modules, "ghostsym_fake", package)
    monkeypatch.setitem(sys.modules, "ghostsym_fake.plots", module)
    return "ghostsym_fake.plots"


def _experiments(fake_plots, **counters):
    return [
        Experiment(name, f"Experiment {name}", counter, figure=f"{fake_plots}:draw_curve")
        for name, counter in counters.items()
    ]


def _run(directory, experiments, **options):
    options.setdefault("derivations", False)
    options.setdefault("progress", False)
    return ghostsym.reproduce(directory, experiments=experiments, **options)


def test_runs_experiments_writes_everything(tmp_path, fake_plots):
    first, second = Counter("one"), Counter("two")
    result = _run(tmp_path, _experiments(fake_plots, one=first, two=second), seed=5)
    assert result.succeeded and [r.status for r in result.records] == ["ran", "ran"]
    assert first.calls == [("quick", 5)] and second.calls == [("quick", 5)]
    for name in ("one", "two"):
        assert (tmp_path / "experiments" / f"{name}.npz").exists()
        assert (tmp_path / "experiments" / f"{name}.json").exists()
        assert (tmp_path / "figures" / name / "curve.png").exists()
        assert (tmp_path / "figures" / name / "curve.pdf").exists()
    results = json.loads(result.report.results.read_text())
    assert [row["experiment"] for row in results["claims"]] == ["one", "two"]
    assert all(row["verdict"] == "reproduced" for row in results["claims"])
    assert results["complete"] is True and results["seed"] == 5
    assert results["experiments"]["one"]["figures"] == [
        "figures/one/curve.png",
        "figures/one/curve.pdf",
    ]
    assert results["experiments"]["one"]["wall_time"] > 0
    assert "data:image/png;base64," in result.report.html.read_text()


def test_same_seed_same_numbers(tmp_path, fake_plots):
    numbers = []
    for directory in ("a", "b"):
        result = _run(tmp_path / directory, _experiments(fake_plots, one=Counter("one")), seed=2)
        numbers.append(result.records[0].outcome.numbers["draw"])
    assert numbers[0] == numbers[1]


def test_resume_loads_instead_of_rerunning(tmp_path, fake_plots):
    counter = Counter("one")
    experiments = _experiments(fake_plots, one=counter)
    first = _run(tmp_path, experiments, seed=1)
    shutil.rmtree(tmp_path / "figures")  # figures are redrawn from the stored outcome
    second = _run(tmp_path, experiments, seed=1)
    assert len(counter.calls) == 1 and second.records[0].status == "resumed"
    assert second.records[0].outcome.numbers == first.records[0].outcome.numbers
    np.testing.assert_array_equal(
        second.records[0].outcome.arrays["curve"], first.records[0].outcome.arrays["curve"]
    )
    assert second.records[0].outcome.claims == first.records[0].outcome.claims
    assert (tmp_path / "figures" / "one" / "curve.png").exists()
    # a different seed, a different scale, --force, or a changed fingerprint each re-run it
    _run(tmp_path, experiments, seed=2)
    _run(tmp_path, experiments, seed=2, scale="full")
    _run(tmp_path, experiments, seed=2, scale="full", force=True)
    stored = tmp_path / "experiments" / "one.json"
    payload = json.loads(stored.read_text())
    payload["fingerprint"] = "0.0.0+stale"
    stored.write_text(json.dumps(payload))
    _run(tmp_path, experiments, seed=2, scale="full")
    assert counter.calls == [
        ("quick", 1),
        ("quick", 2),
        ("full", 2),
        ("full", 2),
        ("full", 2),
    ]


def test_interrupted_run_resumes_where_it_stopped(tmp_path, fake_plots):
    first, second = Counter("one"), Counter("two", interrupt=True)
    experiments = _experiments(fake_plots, one=first, two=second)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, experiments)
    partial = json.loads((tmp_path / "results.json").read_text())
    assert partial["complete"] is False and list(partial["experiments"]) == ["one"]
    second.interrupt = False
    result = _run(tmp_path, experiments)
    assert [record.status for record in result.records] == ["resumed", "ran"]
    assert len(first.calls) == 1 and len(second.calls) == 2


def test_failing_experiment_is_recorded_as_not_run(tmp_path, fake_plots):
    good, bad = Counter("good"), Counter("bad", fail=True)
    result = _run(tmp_path, _experiments(fake_plots, bad=bad, good=good), seed=4)
    assert not result.succeeded and result.failures == ("bad",)
    record = result.records[0]
    assert record.status == "failed" and "bad exploded at seed 4" in record.error
    assert [claim.verdict for claim in record.outcome.claims] == ["not run"]
    assert "RuntimeError" in record.outcome.claims[0].details
    assert result.records[1].status == "ran"  # the run went on
    assert not (tmp_path / "experiments" / "bad.json").exists()  # a later run retries it
    results = json.loads(result.report.results.read_text())
    assert results["experiments"]["bad"]["status"] == "failed"
    assert "Traceback" in results["experiments"]["bad"]["traceback"]
    assert results["verdicts"] == {"reproduced": 1, "not reproduced": 0, "not run": 1}
    bad.fail = False
    again = _run(tmp_path, _experiments(fake_plots, bad=bad, good=good), seed=4)
    assert again.succeeded and [r.status for r in again.records] == ["ran", "resumed"]


def test_figure_failure_keeps_claims_but_fails_the_run(tmp_path, fake_plots):
    experiment = Experiment("one", "One", Counter("one"), figure=f"{fake_plots}:broken_figure")
    result = _run(tmp_path, [experiment])
    record = result.records[0]
    assert record.status == "ran" and record.error.startswith("figure: ValueError")
    assert [claim.verdict for claim in record.outcome.claims] == ["reproduced"]
    assert not result.succeeded


def test_only_selects_and_rejects_unknown_names(tmp_path, fake_plots):
    first, second = Counter("one"), Counter("two")
    result = _run(tmp_path, _experiments(fake_plots, one=first, two=second), only=["two"])
    assert [record.name for record in result.records] == ["two"] and first.calls == []
    with pytest.raises(InvalidInputError, match="unknown experiment 'three'"):
        _run(tmp_path, _experiments(fake_plots, one=first), only=["three"])
    with pytest.raises(InvalidInputError, match="scale"):
        _run(tmp_path, [], scale="medium")
    with pytest.raises(InvalidInputError, match="seed"):
        _run(tmp_path, [], seed=-1)


def test_source_fingerprint_follows_computational_code_only(tmp_path):
    assert re.fullmatch(re.escape(ghostsym.__version__) + r"\+[0-9a-f]{16}", source_fingerprint())
    package = Path(ghostsym.__file__).resolve().parent
    copy = tmp_path / "ghostsym"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    original = source_fingerprint(copy)
    assert original == source_fingerprint()  # the copy hashes like the installed package
    # presentation code (the report, figures, CLI) may change without invalidating outcomes
    (copy / "plotting" / "theory.py").write_text("# restyled\n", encoding="utf-8")
    (copy / "report" / "_report.py").write_text("# rewritten\n", encoding="utf-8")
    assert source_fingerprint(copy) == original
    # an experiment's or the engine's code may not
    experiments = copy / "experiments" / "theory.py"
    experiments.write_text(experiments.read_text() + "\n# changed\n", encoding="utf-8")
    assert source_fingerprint(copy) != original


@pytest.fixture
def fake_registry(monkeypatch, fake_plots):
    """The registry holds only the synthetic experiments (for the command-line tests)."""
    module = types.ModuleType(FAKE_MODULE)
    module.EXPERIMENTS = tuple(
        _experiments(fake_plots, one=Counter("one"), bad=Counter("bad", fail=True))
    )
    monkeypatch.setitem(sys.modules, FAKE_MODULE, module)
    monkeypatch.setattr(registry, "EXPERIMENT_MODULES", (FAKE_MODULE,))
    return module


def test_cli_exit_status_and_output(tmp_path, fake_registry, capsys):
    out = tmp_path / "report"
    argv = ["reproduce", "--out", str(out), "--only", "one", "--no-progress", "--no-derivations"]
    status = cli.main(argv)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert re.search(r"^  ran +one$", captured.out, re.MULTILINE), captured.out
    assert re.search(r"claims: +\d+ \(\d+ reproduced", captured.out)
    assert (out / "report.md").exists()
    assert not (out / "derivations.tex").exists()
    status = cli.main(["reproduce", "--out", str(out), "--no-progress", "--seed", "1"])
    captured = capsys.readouterr()
    assert status == 1  # an experiment failed at run time: not an input error
    assert captured.err.count("\n") == 1 and "bad" in captured.err
    assert (out / "report.md").exists() and (out / "derivations.tex").exists()
    assert cli.main(["reproduce", "--list"]) == 0
    assert "one" in capsys.readouterr().out
    assert cli.main(["reproduce", "--only", "one"]) == 2  # --out is required
    assert "--out" in capsys.readouterr().err


def test_cli_rejects_both_scales_and_bad_seed(capsys):
    for argv in (["--quick", "--full"], ["--seed", "-3"], ["--seed", "x"]):
        with pytest.raises(SystemExit):
            cli.main(["reproduce", "--out", "x", *argv])
    capsys.readouterr()


def test_derivations_tex_is_well_formed_and_compiles(tmp_path):
    result = ghostsym.reproduce(tmp_path, experiments=[], progress=False)
    record = result.records[0]
    assert record.name == DERIVATION_RECORD and record.status == "ran", record.error
    text = (tmp_path / "derivations.tex").read_text()
    assert text == ghostsym.derivation_document()
    assert text.lstrip().startswith("\\documentclass") and text.rstrip().endswith("\\end{document}")
    assert latex_problems(text) == ()
    assert text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}")
    begins = re.findall(r"\\begin\{([^}]+)\}", text)
    ends = re.findall(r"\\end\{([^}]+)\}", text)
    assert sorted(begins) == sorted(ends)
    claims = {claim.claim: claim.verdict for claim in record.outcome.claims}
    assert claims["derivations.tex is well-formed (balanced braces and environments)"] == (
        "reproduced"
    )
    if shutil.which("pdflatex") is None:
        assert claims["derivations.tex compiles with pdflatex"] == "not run"
        pytest.skip("pdflatex is not on PATH: compiling derivations.tex was not tested")
    assert claims["derivations.tex compiles with pdflatex"] == "reproduced"
    assert (tmp_path / "derivations.pdf").read_bytes().startswith(b"%PDF")


def _cheapest_registered_experiment():
    experiments = registry.all_experiments()
    if not experiments:
        return None
    # theory experiments are closed-form checks: the cheapest kind; else take the first one
    for experiment in experiments:
        if "theory" in experiment.run.__module__ or "canonical" in experiment.name:
            return experiment
    return experiments[0]


def test_reproduce_real_registry_subset(tmp_path):
    experiment = _cheapest_registered_experiment()
    if experiment is None:
        pytest.skip("no experiment is registered yet")
    command = [sys.executable, "-m", "ghostsym", "reproduce", "--quick"]
    command += ["--out", str(tmp_path), "--only", experiment.name, "--no-progress"]
    command += ["--no-derivations"]  # derivations.tex is tested on its own above
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    rows = [row for row in results["claims"] if row["experiment"] == experiment.name]
    assert rows and all(row["verdict"] in VERDICTS for row in rows)
    assert results["experiments"][experiment.name]["status"] == "ran"
    # a second run (in-process: cheaper) resumes it from the stored outcome
    again = ghostsym.reproduce(tmp_path, only=[experiment.name], derivations=False, progress=False)
    assert [record.status for record in again.records] == ["resumed"]
    assert [claim.to_json() for claim in again.claims] == [
        {
            key: row[key]
            for key in (
                "claim",
                "theory",
                "measured",
                "tolerance",
                "verdict",
                "source",
                "details",
                "kind",
                "margin",
                "formula",
            )
        }
        for row in rows
    ]


def test_plan_estimates_from_a_stored_quick_run_or_a_timing_constant(tmp_path):
    from ghostsym.experiments import Findings, experiment
    from ghostsym.report import plan, write_outcome

    @experiment(name="planned", title="Planned", cost={"quick": 10, "full": 1000})
    def run_planned(scale, seed):
        return Findings(())

    @experiment(name="untimed", title="Untimed")
    def run_untimed(scale, seed):
        return Findings(())

    chosen = [run_planned.experiment, run_untimed.experiment]
    timed, untimed = plan("full", experiments=chosen, per_network_epoch=1e-3)
    assert (timed.network_epochs, timed.estimated_seconds) == (1000, pytest.approx(1.0))
    assert "per network-epoch" in timed.basis
    assert untimed.network_epochs == 0 and untimed.estimated_seconds is None
    # a quick outcome stored by an earlier run: its wall time scaled by the network-epochs
    outcome = dataclasses.replace(run_planned("quick", 0), wall_time=2.0)
    write_outcome(tmp_path / "experiments", outcome, scale="quick", seed=0, fingerprint="x")
    [stored] = plan("full", directory=tmp_path, experiments=chosen[:1], per_network_epoch=1e-3)
    assert stored.estimated_seconds == pytest.approx(200.0)
    assert stored.basis.startswith("stored quick run")


def test_corrupt_stored_outcomes_are_run_again_with_a_warning(tmp_path, fake_plots, capsys):
    from ghostsym._io import open_output_directory

    first, second = Counter("one"), Counter("two")
    experiments = _experiments(fake_plots, one=first, two=second)
    _run(tmp_path, experiments)
    store = tmp_path / "experiments"
    # truncated behind ghostsym's back (BadZipFile if it were read)
    (store / "one.npz").write_bytes((store / "one.npz").read_bytes()[:50])
    # ghostsym's own record of bytes that are no JSON (a damaged disk): unreadable
    manifest = open_output_directory(tmp_path, command="reproduce", stored=("experiments/",))
    manifest.write_bytes(store / "two.json", b'{"format": 1, "na')
    capsys.readouterr()
    result = _run(tmp_path, experiments)
    err = capsys.readouterr().err
    assert result.succeeded and [r.status for r in result.records] == ["ran", "ran"]
    assert len(first.calls) == 2 and len(second.calls) == 2
    assert "warning: the stored outcome of one changed since ghostsym wrote it" in err
    assert "warning: the stored outcome of two is unreadable" in err
    again = _run(tmp_path, experiments)  # rewritten: resumed from now on, silently
    assert [r.status for r in again.records] == ["resumed", "resumed"]
    assert "warning" not in capsys.readouterr().err


def test_an_interrupted_report_names_what_did_not_run(tmp_path, fake_plots):
    counters = {"one": Counter("one"), "two": Counter("two", interrupt=True), "three": Counter("3")}
    experiments = _experiments(fake_plots, **counters)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, experiments)
    lines = (tmp_path / "report.md").read_text().splitlines()
    assert lines[2].startswith("**Incomplete run (interrupted): 1 of 3 experiments ran")
    assert "Not run: two, three." in lines[2] and "resumes the run" in lines[2]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["status"] == "interrupted" and results["experiments_not_run"] == [
        "two",
        "three",
    ]
    counters["two"].interrupt = False
    result = _run(tmp_path, experiments)
    assert [r.status for r in result.records] == ["resumed", "ran", "ran"]
    assert "Incomplete" not in result.report.markdown.read_text()
    assert json.loads(result.report.results.read_text())["status"] == "complete"


def test_a_user_report_is_never_overwritten(tmp_path, fake_plots):
    counter = Counter("one")
    (tmp_path / "report.md").write_text("my notes on the paper")
    with pytest.raises(InvalidInputError, match="report.md was not written by ghostsym"):
        _run(tmp_path, _experiments(fake_plots, one=counter))
    assert counter.calls == [] and sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]
    result = _run(tmp_path, _experiments(fake_plots, one=counter), force=True)
    assert result.succeeded and "my notes" not in (tmp_path / "report.md").read_text()

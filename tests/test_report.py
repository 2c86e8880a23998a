"""The report writer on synthetic outcomes: claims table, self-contained HTML, JSON schema,
stored outcomes and atomic writes."""

from __future__ import annotations

import base64
import json
import math
import os
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ghostsym.errors import InvalidInputError  # noqa: E402
from ghostsym.experiments import (  # noqa: E402
    VERDICTS,
    ExperimentOutcome,
    boolean_claim,
    compare_claim,
    not_run,
)
from ghostsym.plotting import save_figure  # noqa: E402
from ghostsym.report import (  # noqa: E402
    ExperimentRecord,
    StoredOutcomeError,
    atomic_write_text,
    claim_rows,
    latex_problems,
    load_outcome,
    outcome_files,
    write_outcome,
    write_report,
)

REQUIRED_CLAIM_KEYS = {"claim", "theory", "measured", "tolerance", "verdict"}
ALLOWED_CLAIM_KEYS = REQUIRED_CLAIM_KEYS | {
    "source",
    "details",
    "experiment",
    "kind",
    "margin",
    "figure",
    "formula",
}


def _strict_json(text: str):
    """Parse JSON refusing NaN/Infinity tokens (they are not JSON)."""

    def refuse(token):
        raise ValueError(f"non-JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def _outcomes():
    first = ExperimentOutcome(
        "alpha",
        "Alpha: a closed form",
        (
            compare_claim("optimum r* | T=100", 2.4674e-4, 2.4675e-4, rtol=1e-3),
            compare_claim("exponent", -5.0, -4.0, atol=0.05, source="ghostsym"),
            not_run("full-scale sweep", "skipped at quick scale"),
        ),
        numbers={"r_star": 2.4674e-4, "steps": 3000, "divergent": float("nan"), "ok": True},
        arrays={"loss": np.linspace(0, 1, 5), "mask": np.array([True, False])},
        config={"T": 100.0, "learning_rates": (1e-10, 1e-9)},
        wall_time=1.25,
    )
    second = ExperimentOutcome(
        "beta",
        "Beta: a network",
        (boolean_claim("lr 1e-9 collapses", "stuck", "stuck", True),),
        numbers={"epochs": 10},
        wall_time=0.5,
    )
    return first, second


def _figure(directory):
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.plot([0, 1], [1, 0])
    return save_figure(figure, directory, "line")


def test_claims_table_has_one_row_per_claim_with_verdicts(tmp_path):
    first, second = _outcomes()
    records = [ExperimentRecord(first, "ran"), ExperimentRecord(second, "resumed")]
    files = write_report(tmp_path, records, scale="quick", seed=3, wall_time=2.0)
    markdown = files.markdown.read_text()
    table = [line for line in markdown.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(table) == 4
    verdicts = [line.split(" | ")[7] for line in table]
    assert verdicts == ["reproduced", "not reproduced", "not run", "reproduced"]
    margins = [line.split(" | ")[6] for line in table]
    assert margins == ["0.959", "-19", "-", "-"]  # 1 - 1e-8/(1e-3 * 2.4674e-4); 1 - 1/0.05
    # the pipe inside a claim is escaped, so the row keeps its 10 columns
    assert "optimum r* \\| T=100" in table[0]
    assert all(line.count(" | ") == 9 for line in table)
    assert "scale: `quick`, seed: `3`" in markdown
    assert "## Alpha: a closed form" in markdown and "## Beta: a network" in markdown


def test_results_json_schema(tmp_path):
    first, second = _outcomes()
    records = [ExperimentRecord(first, "ran"), ExperimentRecord(second, "ran")]
    files = write_report(tmp_path, records, scale="full", seed=1, extra={"complete": True})
    results = _strict_json(files.results.read_text())
    assert results["scale"] == "full" and results["seed"] == 1 and results["complete"] is True
    assert len(results["claims"]) == 4
    for row in results["claims"]:
        assert REQUIRED_CLAIM_KEYS <= set(row) <= ALLOWED_CLAIM_KEYS
        assert row["verdict"] in VERDICTS
        assert row["experiment"] in {"alpha", "beta"}
    assert results["verdicts"] == {"reproduced": 2, "not reproduced": 1, "not run": 1}
    alpha = results["experiments"]["alpha"]
    assert alpha["numbers"]["r_star"] == pytest.approx(2.4674e-4)
    assert alpha["numbers"]["divergent"] == "nan"  # not a NaN token: results.json stays JSON
    assert alpha["config"]["learning_rates"] == [1e-10, 1e-9]
    assert alpha["wall_time"] == pytest.approx(1.25)
    assert alpha["arrays"] == ["loss", "mask"]
    assert results["package_versions"]["numpy"] == np.__version__


def test_claim_rows_carry_the_experiment_name():
    first, _ = _outcomes()
    rows = claim_rows([ExperimentRecord(first, "ran")])
    assert [row["experiment"] for row in rows] == ["alpha"] * 3
    assert rows[1]["measured"] == -4.0 and rows[2]["theory"] is None


def test_html_is_self_contained_and_embeds_figures(tmp_path):
    first, second = _outcomes()
    png, pdf = _figure(tmp_path / "figures" / "alpha")
    records = [ExperimentRecord(first, "ran", figures=(png, pdf)), ExperimentRecord(second, "ran")]
    files = write_report(tmp_path, records, scale="quick", derivations="derivations.tex")
    page = files.html.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # no network (or any external) resource: no remote URLs, scripts, stylesheets or file links
    assert not re.search(r"(src|href)\s*=\s*\"(?!data:)", page)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(embedded) == 1
    assert base64.b64decode(embedded[0]) == png.read_bytes()
    assert page.count('class="not-reproduced"') == 1 and page.count('class="reproduced"') == 2
    # the markdown links the PNG relative to the report directory
    assert "](figures/alpha/line.png)" in files.markdown.read_text()
    assert "derivations.tex" in page


def test_html_escapes_text(tmp_path):
    outcome = ExperimentOutcome("gamma", "<b>", (boolean_claim("x < y & z", "a<b", "a<b", True),))
    page = write_report(tmp_path, [ExperimentRecord(outcome, "ran")], scale="quick").html
    text = page.read_text()
    assert "x &lt; y &amp; z" in text and "<h2>&lt;b&gt;</h2>" in text


def test_duplicate_names_and_bad_status_are_refused(tmp_path):
    first, _ = _outcomes()
    with pytest.raises(InvalidInputError, match="unique"):
        write_report(
            tmp_path, [ExperimentRecord(first, "ran"), ExperimentRecord(first, "ran")], scale="q"
        )
    with pytest.raises(InvalidInputError, match="status"):
        ExperimentRecord(first, "done")


def test_stored_outcome_round_trip(tmp_path):
    first, _ = _outcomes()
    bad = compare_claim("diverged", 1.0, float("inf"), rtol=0.1)
    outcome = ExperimentOutcome(
        first.name, first.title, first.claims + (bad,), first.numbers, first.arrays, first.config
    )
    files = write_outcome(
        tmp_path, outcome, scale="quick", seed=7, fingerprint="v+abc", figures=["f.png"]
    )
    assert files == outcome_files(tmp_path, "alpha")
    _strict_json(files.metadata.read_text())  # stored metadata is strict JSON too
    stored = load_outcome(tmp_path, "alpha")
    assert stored.outcome.claims == outcome.claims[:3] + (stored.outcome.claims[3],)
    assert math.isinf(stored.outcome.claims[3].measured)
    assert math.isnan(stored.outcome.numbers["divergent"])
    assert stored.outcome.numbers["steps"] == 3000 and stored.outcome.numbers["ok"] is True
    np.testing.assert_array_equal(stored.outcome.arrays["loss"], outcome.arrays["loss"])
    assert stored.outcome.arrays["mask"].dtype == bool
    assert stored.metadata["seed"] == 7 and stored.metadata["scale"] == "quick"
    assert stored.metadata["fingerprint"] == "v+abc"
    assert stored.metadata["figures"] == ("f.png",)
    assert "numpy" in stored.metadata["package_versions"]


def test_stored_outcome_errors(tmp_path):
    first, _ = _outcomes()
    with pytest.raises(StoredOutcomeError):
        load_outcome(tmp_path, "alpha")
    files = write_outcome(tmp_path, first, scale="quick", seed=0)
    files.metadata.write_text(files.metadata.read_text()[:-20])  # truncated JSON
    with pytest.raises(StoredOutcomeError, match="cannot read"):
        load_outcome(tmp_path, "alpha")
    files = write_outcome(tmp_path, first, scale="quick", seed=0)
    np.savez(files.arrays, loss=np.zeros(2))  # arrays no longer match the metadata
    with pytest.raises(StoredOutcomeError, match="arrays"):
        load_outcome(tmp_path, "alpha")
    objects = ExperimentOutcome("objects", "O", (), arrays={"bad": np.array([{}], dtype=object)})
    with pytest.raises(InvalidInputError, match="numeric"):
        write_outcome(tmp_path, objects, scale="quick", seed=0)
    with pytest.raises(InvalidInputError, match="experiment name"):
        outcome_files(tmp_path, "../escape")


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    atomic_write_text(target, "old")

    def interrupted(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.md"]  # no temp files


def test_atomic_npz_write_leaves_no_partial_outcome(tmp_path, monkeypatch):
    first, _ = _outcomes()
    monkeypatch.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        write_outcome(tmp_path, first, scale="quick", seed=0)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    with pytest.raises(StoredOutcomeError):
        load_outcome(tmp_path, "alpha")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("\\documentclass{article}\\begin{document}x\\end{document}", None),
        ("\\documentclass{article}\\begin{document}\\{x\\end{document}", None),
        ("\\documentclass{article}\\begin{document}% {\nx\\end{document}", None),
        ("\\documentclass{article}\\begin{document}x}\\end{document}", "without"),
        ("\\documentclass{article}\\begin{document}\\begin{equation}x\\end{document}", "closes"),
        ("\\documentclass{article}\\begin{document}x", "never closed"),
        ("\\begin{document}x\\end{document}", "documentclass"),
        ("\\documentclass{article}\\begin{document}\\end{align}\\end{document}", "closes"),
    ],
)
def test_latex_problems(text, problem):
    problems = latex_problems(text)
    if problem is None:
        assert problems == ()
    else:
        assert any(problem in item for item in problems), problems


def test_claims_are_grouped_paper_by_figure_then_beyond_then_consistency(tmp_path):
    claims = (
        compare_claim("c", 0.0, 0.0, atol=1e-9, source="ghostsym", kind="consistency"),
        boolean_claim("f3", "a", "a", True, source="paper Fig. 3B"),
        compare_claim("b", 1.0, 3.0, atol=0.5, source="ghostsym", kind="beyond"),
        boolean_claim("f2", "a", "b", False, source="paper Fig. 2D"),
        boolean_claim("abs", "a", "a", True, source="paper abstract"),
    )
    outcome = ExperimentOutcome("mixed", "Mixed", claims)
    files = write_report(tmp_path, [ExperimentRecord(outcome, "ran")], scale="quick")
    results = _strict_json(files.results.read_text())
    assert [row["claim"] for row in results["claims"]] == ["abs", "f2", "f3", "b", "c"]
    assert [row["figure"] for row in results["claims"]] == ["abstract", "Fig. 2", "Fig. 3", "", ""]
    assert results["verdicts_by_kind"]["paper"] == {
        "reproduced": 2,
        "not reproduced": 1,
        "not run": 0,
    }
    assert results["verdicts_by_kind"]["beyond"]["not reproduced"] == 1
    assert results["verdicts_by_kind"]["consistency"]["reproduced"] == 1
    assert list(results["paper_verdicts_by_figure"]) == ["abstract", "Fig. 2", "Fig. 3"]
    assert results["paper_verdicts_by_figure"]["Fig. 2"]["not reproduced"] == 1
    assert results["claims"][3]["margin"] == -3.0  # 1 - 2/0.5
    markdown = files.markdown.read_text()
    headings = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Claims of the paper: abstract",
        "### Claims of the paper: Fig. 2",
        "### Claims of the paper: Fig. 3",
        "### Results beyond the paper",
        "### Consistency checks of derivations and code",
    ]
    assert "- paper claims by figure: abstract: 1 reproduced; Fig. 2: 1 not reproduced" in markdown


def test_an_interrupted_run_says_so_at_the_top(tmp_path):
    first, _ = _outcomes()
    files = write_report(tmp_path, [ExperimentRecord(first, "ran")], scale="quick", planned=3)
    lines = files.markdown.read_text().splitlines()
    assert lines[0] == "# ghostsym reproduction report"
    assert lines[2].startswith("**Incomplete run: 1 of 3 experiments ran")
    assert "Incomplete run: 1 of 3" in files.html.read_text()
    results = _strict_json(files.results.read_text())
    assert results["experiments_done"] == 1 and results["experiments_planned"] == 3
    complete = write_report(tmp_path, [ExperimentRecord(first, "ran")], scale="quick", planned=1)
    assert "Incomplete" not in complete.markdown.read_text()

"""Every claim row's kind and source, and every tolerance the experiments use, read statically
from the experiment modules (no experiment is run)."""

import re
from pathlib import Path

import pytest

import ghostsym.experiments as experiments
from ghostsym.errors import InvalidInputError
from ghostsym.experiments import CLAIM_KINDS, SCALES, TOLERANCES, Tolerance, tolerance

MODULES = sorted(Path(experiments.__file__).parent.glob("*.py"))
SOURCES = re.compile(r"^(ghostsym|paper abstract|paper Figs?\. \d+[A-H]?( \([a-z -]+\))?)$")


def _text():
    return {path.name: path.read_text(encoding="utf-8") for path in MODULES}


def test_every_claim_source_names_the_paper_figure_or_ghostsym():
    for name, text in _text().items():
        for source in re.findall(r'\bsource="([^"]*)"', text):
            assert SOURCES.match(source), f"{name}: source {source!r}"
        for kind in re.findall(r'\bkind="([^"]*)"', text):
            assert kind in CLAIM_KINDS, f"{name}: kind {kind!r}"


def test_no_internal_documents_are_cited():
    pattern = re.compile(r"BRIEF|EXPERIMENTS\.md|EXPERIMENTS \d|\bissue \d")
    for name, text in _text().items():
        assert not pattern.search(text), f"{name}: {pattern.search(text).group()}"


def test_every_tolerance_used_is_registered_with_a_reason():
    used = set()
    for text in _text().values():
        used |= set(re.findall(r'tolerance\("([a-z0-9-]+)"\)', text))
        for template in re.findall(r'tolerance\(f"([a-z0-9-]+)\{scale\}"\)', text):
            used |= {template + scale for scale in SCALES}
    assert used, "the experiments use registered tolerances"
    assert used <= set(TOLERANCES), sorted(used - set(TOLERANCES))
    for entry in TOLERANCES.values():
        assert entry.reason and len(entry.reason) > 20, entry.name


def test_tolerance_registry_rejects_bad_entries():
    with pytest.raises(InvalidInputError):
        Tolerance("x", 0.0, "relative", "a reason")
    with pytest.raises(InvalidInputError):
        Tolerance("x", 1.0, "percent", "a reason")
    with pytest.raises(InvalidInputError, match="unknown tolerance"):
        tolerance("no-such-tolerance")


def test_ratios_are_compared_in_log_space():
    ratio = Tolerance("factor-two", 1.0, "log", "a factor 2")
    half = experiments.compare_claim("r", 1.0, 0.5, tolerance=ratio)
    double = experiments.compare_claim("r", 1.0, 2.0, tolerance=ratio)
    # symmetric in log space: 1/2 and 2 are both on the boundary; 2.5 is outside, 0 too
    assert half.margin == pytest.approx(0.0) and double.margin == pytest.approx(0.0)
    assert half.verdict == double.verdict == "reproduced"
    assert experiments.compare_claim("r", 1.0, 2.5, tolerance=ratio).verdict == "not reproduced"
    assert experiments.compare_claim("r", 1.0, 0.0, tolerance=ratio).margin == float("-inf")


def test_fraction_claims_count_every_run_with_wilson_intervals():
    low, high = experiments.wilson_interval(0, 12)
    assert low == pytest.approx(0.0, abs=1e-15) and high == pytest.approx(0.2425, abs=1e-4)
    row = experiments.fraction_claim("most", 8, 20, at_least=0.5)
    assert row.verdict == "not reproduced" and row.margin == pytest.approx(-0.2)
    assert row.measured == "8/20 = 0.40 [0.22, 0.61] (Wilson 95%)"
    assert experiments.fraction_claim("all", 3, 3, at_least=1.0).margin == 1.0
    assert experiments.fraction_claim("none ran", 0, 0, at_least=0.5).verdict == "not reproduced"

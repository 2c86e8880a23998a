"""Compiling derivations.tex: one pdflatex pass unless references need a second."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ghostsym.report import _reproduce

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not on PATH")

_LABELLED = r"""\documentclass{article}
\usepackage{amsmath}
\begin{document}
\begin{equation}\label{eq:passage}
t^* = \frac{\pi}{2\sqrt{r}}
\end{equation}
%s
\end{document}
"""


@pytest.fixture
def passes(monkeypatch):
    """The stdout of every pdflatex pass _compile_latex makes."""
    outputs = []
    real_run = subprocess.run

    def run(*arguments, **keywords):
        result = real_run(*arguments, **keywords)
        outputs.append(result.stdout)
        return result

    monkeypatch.setattr(_reproduce.subprocess, "run", run)
    return outputs


def test_labels_without_references_compile_in_one_pass(tmp_path, passes):
    source = tmp_path / "labelled.tex"
    source.write_text(_LABELLED % "No reference here.", encoding="utf-8")
    assert _reproduce._compile_latex(source) == (True, "")
    assert len(passes) == 1
    assert "Rerun to get cross-references right" in passes[0]  # asked, but nothing refers
    assert source.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_references_get_the_second_pass_they_ask_for(tmp_path, passes):
    source = tmp_path / "referring.tex"
    source.write_text(_LABELLED % r"Equation~\eqref{eq:passage} is the passage time.", "utf-8")
    assert _reproduce._compile_latex(source) == (True, "")
    assert len(passes) == 2
    assert "undefined references" in passes[0]
    assert "undefined references" not in passes[1] and "Rerun to get" not in passes[1]


def test_the_written_derivations_compile_in_one_pass(tmp_path, passes):
    """derivations.tex labels its equations and refers to none of them."""
    path = tmp_path / "derivations.tex"
    path.write_text(_reproduce._derivation_latex(), encoding="utf-8")
    assert _reproduce._compile_latex(path) == (True, "")
    assert len(passes) == 1


def test_a_failing_document_reports_its_log_tail(tmp_path, passes):
    source = tmp_path / "broken.tex"
    source.write_text(_LABELLED % r"\undefinedcommand", encoding="utf-8")
    succeeded, tail = _reproduce._compile_latex(source)
    assert not succeeded and "Undefined control sequence" in " ".join(passes[0].split())
    assert len(passes) == 1 and tail

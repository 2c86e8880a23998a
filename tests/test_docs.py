"""The documentation site builds with warnings as errors and shows what it promises.

One Sphinx build (``python -m sphinx -W -b html docs OUT``, no network, notebooks not executed)
serves every test: the API pages document the public names, the command-line page lists every
command of the real parser, the derivation page carries every equation SymPy derives, and the
notebook pages show the outputs stored in ``notebooks/*.ipynb``.
"""

from __future__ import annotations

import doctest
import html
import importlib
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import ghostsym
from ghostsym.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The HTML output of one warning-free build of the documentation."""
    output = tmp_path_factory.mktemp("docs") / "html"
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", DOCS, output],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, f"sphinx failed:\n{build.stdout}\n{build.stderr}"
    return output


def page_html(site: Path, name: str) -> str:
    """A built page's HTML."""
    path = site / f"{name}.html"
    assert path.is_file(), f"{name}.html was not built"
    return path.read_text(encoding="utf-8")


def page_text(site: Path, name: str) -> str:
    """A built page's text: tags removed, then entities decoded (``&lt;`` -> ``<``)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page_html(site, name)))


def test_every_page_is_built(site):
    for name in ("index", "quickstart", "derivations", "cli", "api/index", "notebooks/index"):
        assert (site / f"{name}.html").is_file(), name
    assert (site / "_images" / "rank_one_plateau.png").is_file()


def test_api_reference_documents_the_public_names(site):
    top = page_html(site, "api/ghostsym")
    for name in ("canonical_form", "DerivedExpression", "reduce_fold", "critical_learning_rate"):
        assert f'id="ghostsym.{name}"' in top, name
    # each subpackage has a page that names its public objects
    subpackages = (
        "theory",
        "reduction",
        "network",
        "analysis",
        "experiments",
        "document",
        "report",
    )
    for subpackage in subpackages:
        module = importlib.import_module(f"ghostsym.{subpackage}")
        text = page_html(site, f"api/{subpackage}")
        assert f'id="module-ghostsym.{subpackage}"' in text
        for name in module.__all__:
            if not name.startswith("__"):
                assert name in text, f"ghostsym.{subpackage}.{name}"
    # an object exported by ghostsym and a subpackage is documented once, on the ghostsym page
    theory = page_html(site, "api/theory")
    assert 'href="ghostsym.html#ghostsym.canonical_form"' in theory
    assert 'id="ghostsym.theory.canonical_form"' not in theory
    network = page_html(site, "api/network")
    assert 'id="ghostsym.network.RankOneNetwork"' in network


def test_cli_reference_lists_every_command(site):
    text, markup = page_text(site, "cli"), page_html(site, "cli")
    parser = build_parser()
    commands = next(action for action in parser._actions if action.dest == "command")
    assert "normal-form" in commands.choices
    for name in commands.choices:
        assert f'id="command-ghostsym-{name}"' in markup, name
        assert f"usage: ghostsym {name}" in text, name
    assert "--equations" in text and "--T" in text


def test_derivation_page_carries_every_derived_equation(site):
    text = page_text(site, "derivations")
    sections = ghostsym.derivation_sections()
    assert len(sections) > 5
    equations = 0
    for section in sections:
        assert section.title in text, section.title
        for block in section.blocks:
            if isinstance(block, str):
                continue
            latex = block.latex() if callable(block.latex) else block.latex
            assert latex in text, latex
            equations += 1
    assert equations > 20
    assert r"\alpha_{c} = \frac{3 \pi^{4}}{32 T^{5}}" in text
    assert '\\"' not in text  # LaTeX accents of the prose (M\\"obius) are rendered, not shown raw


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_page_shows_the_stored_outputs(site, notebook):
    text, markup = (
        page_text(site, f"notebooks/{notebook.stem}"),
        page_html(site, f"notebooks/{notebook.stem}"),
    )
    cells = nbformat.read(notebook, as_version=4).cells
    title = next(cell.source for cell in cells if cell.cell_type == "markdown").splitlines()[0]
    assert title.lstrip("# ") in text
    outputs = [output for cell in cells for output in cell.get("outputs", [])]
    images = sum("image/png" in output.get("data", {}) for output in outputs)
    assert len(re.findall(r"<img [^>]*src=\"[^\"]*_images/", markup)) >= images
    streams = [output.text for output in outputs if output.output_type == "stream"]
    for stream in streams:
        first_line = stream.strip().splitlines()[0].strip()
        assert first_line in text, first_line
    assert images or streams, "the notebook has no stored outputs"


def test_quick_start_examples_are_current(capsys):
    """The quick start's Python session and ``ghostsym theory`` output are what ghostsym gives."""
    quick_start = DOCS / "quickstart.rst"
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    failed, attempted = doctest.testfile(str(quick_start), module_relative=False, optionflags=flags)
    assert attempted > 5 and failed == 0
    capsys.readouterr()  # doctest reports failures on stdout
    shown = quick_start.read_text(encoding="utf-8").split("$ ghostsym theory --T 100\n", 1)[1]
    shown_lines = [line.strip() for line in shown.split("\n\n", 1)[0].splitlines()]
    assert main(["theory", "--T", "100"]) == 0
    printed = [line.strip() for line in capsys.readouterr().out.strip().splitlines()]
    assert printed == shown_lines

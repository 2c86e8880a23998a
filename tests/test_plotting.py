"""ghostsym.plotting's saving: PNG and PDF cropped exactly as ``bbox_inches="tight"`` crops them,
with one draw per file."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from ghostsym.errors import InvalidInputError
from ghostsym.plotting import (
    save_figure,
    sparse_log_ticks,
    subplots,
    tight_bounding_box,
    tight_layout,
)


def _busy_figure(layout=tight_layout):
    """Text reaching past every edge: log axes with mathtext labels, a suptitle, a legend
    outside the axes on the right, long tick labels, and a title; like the report's figures."""
    figure, (left, right) = subplots(1, 2, figsize=(6.0, 3.0))
    epochs = np.arange(1, 2001)
    for seed in range(3):
        left.plot(epochs, np.exp(-epochs / (300.0 + 100 * seed)) + 1e-4, label=f"seed {seed}")
        right.plot(epochs, 1 - np.exp(-epochs / (200.0 + 50 * seed)))
    left.axvline(500, color="0.75", ls="--", lw=0.6, label="snapshot")
    left.set_yscale("log")
    left.set_ylabel(r"loss $L/T$")
    right.set_xscale("log")
    sparse_log_ticks(right.xaxis)
    right.set_title("accuracy, long title reaching out", fontsize=8)
    handles, labels = left.get_legend_handles_labels()
    figure.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
    figure.suptitle("a suptitle above both panels")
    layout(figure)
    return figure


def _page_size(pdf) -> list[float]:
    box = re.search(rb"/MediaBox \[\s*([\d.\s-]+)\]", pdf.read_bytes()).group(1)
    return [float(value) for value in box.split()]


def test_save_figure_crops_like_bbox_inches_tight(tmp_path):
    """The PNG is pixel-identical and the PDF page the same size (to 0.01 in) as savefig's own
    tight cropping, although the layout pass savefig adds per file is not made."""
    figure = _busy_figure()
    png, pdf = save_figure(figure, tmp_path / "ours", "busy")
    reference = tmp_path / "reference"
    reference.mkdir()
    figure.savefig(reference / "busy.png", dpi=130, bbox_inches="tight")
    figure.savefig(reference / "busy.pdf", bbox_inches="tight")

    ours = np.asarray(Image.open(png).convert("RGBA"))
    theirs = np.asarray(Image.open(reference / "busy.png").convert("RGBA"))
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)
    page, reference_page = _page_size(pdf), _page_size(reference / "busy.pdf")
    assert max(abs(a - b) for a, b in zip(page, reference_page, strict=True)) / 72 < 0.01
    # the outside legend is inside the crop: wider than the axes' figure width alone
    assert page[2] / 72 > 6.0


def test_tight_bounding_box_leaves_the_figure_as_it_was(tmp_path):
    figure = _busy_figure()
    dpi, size = figure.dpi, tuple(figure.get_size_inches())
    png_box, pdf_box = tight_bounding_box(figure, "png"), tight_bounding_box(figure, "pdf")
    assert figure.dpi == dpi and tuple(figure.get_size_inches()) == size
    # both boxes hold the same content, measured with different text renderers
    assert abs(png_box.width - pdf_box.width) < 0.05 and abs(png_box.height - pdf_box.height) < 0.05


def test_tight_layout_places_the_axes_as_figure_tight_layout_does():
    ours, theirs = _busy_figure(), _busy_figure(lambda figure: figure.tight_layout())
    for mine, reference in zip(ours.axes, theirs.axes, strict=True):
        assert np.allclose(mine.get_position().bounds, reference.get_position().bounds, atol=1e-12)
    assert ours.get_layout_engine() is None


def test_figures_with_a_layout_engine_are_left_to_savefig():
    figure, _ = subplots(layout="constrained")
    assert tight_bounding_box(figure, "png") == "tight"


def test_tight_bounding_box_names_the_formats_it_knows():
    figure, _ = subplots()
    with pytest.raises(InvalidInputError, match="file_format must be one of 'png', 'pdf'"):
        tight_bounding_box(figure, "svg")


def test_mathtext_is_parsed_once_for_every_renderer_and_figure(tmp_path, monkeypatch):
    """Measuring and drawing PNG and PDF (four renderers) of a second figure with the same
    mathtext labels parses nothing new, with any parser."""
    from matplotlib.mathtext import MathTextParser

    parsed = []
    parse = MathTextParser._parse_cached

    def counting(self, text, *arguments):
        parsed.append(text)
        return parse(self, text, *arguments)

    monkeypatch.setattr(MathTextParser, "_parse_cached", counting)

    def draw(name):
        figure, axes = subplots(figsize=(3, 2))
        axes.loglog([1e-3, 1e2], [1e-4, 1e1])
        axes.set_xlabel(r"$\kappa_0 / r^*$ (a label only this test uses)")
        tight_layout(figure)
        return save_figure(figure, tmp_path, name)

    draw("first")
    assert r"$\kappa_0 / r^*$ (a label only this test uses)" in parsed
    parsed.clear()
    draw("second")
    assert parsed == []

"""Figures (presentation layer), drawn on matplotlib's Agg canvas without pyplot.

Figures are :class:`matplotlib.figure.Figure` objects rendered by the Agg back end directly, so
drawing them neither needs a display nor changes matplotlib's global backend. Each module draws
the figures of one experiment family from an :class:`~ghostsym.experiments.ExperimentOutcome`
and writes PNG and PDF files.
"""

import functools
import math
from pathlib import Path

from matplotlib import colormaps, rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import RendererPdf
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine, TightLayoutEngine
from matplotlib.mathtext import MathTextParser
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..errors import require_choice

__all__ = [
    "PNG_DOTS_PER_INCH",
    "SHARED_MATHTEXT_PARSERS",
    "MemoisingMathTextParser",
    "SharedMathTextFigure",
    "colormaps",
    "save_figure",
    "share_mathtext_parser",
    "sparse_log_ticks",
    "subplots",
    "tight_bounding_box",
    "tight_layout",
]

#: Resolution of the PNG files (the HTML report embeds them).
PNG_DOTS_PER_INCH = 130


class SharedMathTextFigure(Figure):
    """A figure whose renderers share the mathtext parsers of :data:`SHARED_MATHTEXT_PARSERS`.

    Each matplotlib renderer parses mathtext (log tick labels such as ``$10^{-3}$``, symbols in
    axis labels) with a parser of its own, whose results only it reuses; saving a figure as PNG
    and PDF measures and draws it with four renderers, and every figure gets new ones. Parsing
    is a pure function of the string, resolution and font, so one parser serves them all.

    >>> figure, axes = subplots()
    >>> figure.canvas.draw()
    >>> figure.canvas.get_renderer().mathtext_parser in SHARED_MATHTEXT_PARSERS.values()
    True
    """

    def draw(self, renderer):
        share_mathtext_parser(renderer)
        super().draw(renderer)


def share_mathtext_parser(renderer) -> None:
    """Let ``renderer`` (Agg, PDF, or one wrapping either) parse mathtext with the parser of
    :data:`SHARED_MATHTEXT_PARSERS` that gives what its own gives (paths or a raster image).

    Agg parses with its ``mathtext_parser``, the vector back ends with their text-to-path
    converter's; a renderer with neither, or with a parser of another kind, is left as it is.

    >>> from matplotlib.backends.backend_agg import RendererAgg
    >>> renderer = RendererAgg(10, 10, 72)
    >>> share_mathtext_parser(renderer)
    >>> renderer.mathtext_parser in SHARED_MATHTEXT_PARSERS.values()
    True
    """
    text_to_path = getattr(renderer, "_text2path", None)
    for owner in (renderer, text_to_path):
        parser = getattr(owner, "mathtext_parser", None)
        if isinstance(parser, MathTextParser):
            owner.mathtext_parser = SHARED_MATHTEXT_PARSERS.get(
                getattr(parser, "_output_type", None), parser
            )


class MemoisingMathTextParser(MathTextParser):
    """A mathtext parser that remembers its last 1024 results (matplotlib's parsers share a
    cache of 50, fewer than the distinct labels of a report's figures at two resolutions).

    The key is what matplotlib's own cache keys on: the string, the resolution, a copy of the
    font properties, the antialiasing (the argument and :rc:`text.antialiased`) and the glyph
    hinting settings.

    >>> parser = MemoisingMathTextParser("path")
    >>> parser.parse("$10^{-3}$", 72) is parser.parse("$10^{-3}$", 72)
    True
    """

    def __init__(self, output: str):
        super().__init__(output)
        self._remembered = functools.lru_cache(maxsize=1024)(self._parse_once)

    def parse(self, s, dpi=72, prop=None, *, antialiased=None):
        font = prop.copy() if prop is not None else None
        settings = tuple(
            rcParams[key] for key in ("text.antialiased", "text.hinting", "text.hinting_factor")
        )
        return self._remembered(s, dpi, font, antialiased, settings)

    def _parse_once(self, s, dpi, font, antialiased, _settings):
        return super().parse(s, dpi, font, antialiased=antialiased)


#: The mathtext parsers every renderer of a :class:`SharedMathTextFigure` uses, by the kind of
#: output its own parser gives (matplotlib's Agg and PDF renderers parse to paths).
SHARED_MATHTEXT_PARSERS = {
    "vector": MemoisingMathTextParser("path"),
    "raster": MemoisingMathTextParser("agg"),
}


def subplots(nrows: int = 1, ncols: int = 1, **keywords):
    """A new figure on an Agg canvas and its axes, like ``pyplot.subplots`` without global state.

    >>> figure, axes = subplots(1, 2, figsize=(4, 2))
    >>> len(axes), isinstance(figure.canvas, FigureCanvasAgg)
    (2, True)
    """
    figure_keywords = {
        key: keywords.pop(key)
        for key in ("figsize", "dpi", "layout", "constrained_layout", "tight_layout")
        if key in keywords
    }
    figure = SharedMathTextFigure(**figure_keywords)
    FigureCanvasAgg(figure)
    return figure, figure.subplots(nrows, ncols, **keywords)


def save_figure(figure, directory, name: str) -> tuple[Path, Path]:
    """Write ``figure`` as ``name.png`` and ``name.pdf`` in ``directory``, return the paths.

    Both are cropped like ``bbox_inches="tight"`` (see :func:`tight_bounding_box`).

    >>> import tempfile
    >>> figure, axes = subplots()
    >>> png, pdf = save_figure(figure, tempfile.mkdtemp(), "empty")
    >>> png.suffix, pdf.exists()
    ('.png', True)
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    png, pdf = directory / f"{name}.png", directory / f"{name}.pdf"
    figure.savefig(png, dpi=PNG_DOTS_PER_INCH, bbox_inches=tight_bounding_box(figure, "png"))
    figure.savefig(pdf, bbox_inches=tight_bounding_box(figure, "pdf"))
    return png, pdf


def tight_bounding_box(figure, file_format: str):
    """The box (inches) ``savefig(..., bbox_inches="tight")`` crops ``figure`` to, for a PNG at
    :data:`PNG_DOTS_PER_INCH` or a PDF.

    ``savefig`` finds that box by laying the whole figure out (a draw without output) and then
    measuring it; the measurement alone gives the same box, for about half the work. Text sizes
    depend on the renderer (hinted raster glyphs at the PNG's resolution, unhinted outlines in
    PDF points), so each format is measured with its own renderer; the padding is ``savefig``'s
    (:rc:`savefig.pad_inches`). A figure with a layout engine, or not on an Agg canvas, gets
    ``"tight"`` back (its layout is redone at save time).

    >>> figure, axes = subplots(figsize=(4, 3))
    >>> _ = axes.set_xlabel("x")
    >>> box = tight_bounding_box(figure, "png")
    >>> bool(3 < box.width < 4 and 2 < box.height < 3), figure.dpi == 100
    (True, True)
    """
    require_choice("file_format", file_format, ("png", "pdf"))
    engine = figure.get_layout_engine()
    if not isinstance(figure.canvas, FigureCanvasAgg) or not (
        engine is None or isinstance(engine, PlaceHolderLayoutEngine)  # one that lays nothing out
    ):
        return "tight"
    original = figure.dpi
    try:
        if file_format == "png":
            figure.set_dpi(PNG_DOTS_PER_INCH)
            renderer = figure.canvas.get_renderer()
            share_mathtext_parser(renderer)
        else:
            figure.set_dpi(72)  # PDF points
            width, height = figure.get_size_inches()
            # the renderer print_pdf draws with; measuring text needs no file to write to
            renderer = RendererPdf(None, original, 72 * height, 72 * width)
            share_mathtext_parser(renderer)
        box = figure.get_tightbbox(renderer)
    finally:
        figure.set_dpi(original)
    return box.padded(rcParams["savefig.pad_inches"])


def tight_layout(figure) -> None:
    """Fit the subplots, titles and labels inside ``figure``, like ``figure.tight_layout()``.

    ``Figure.tight_layout`` leaves a placeholder layout engine on the figure, and ``savefig``
    then lays the whole figure out once more (a draw without output) before every file; this
    applies the same layout and leaves the figure without an engine.

    >>> figure, axes = subplots(figsize=(3, 2))
    >>> _ = axes.set_ylabel("a label")
    >>> tight_layout(figure)
    >>> figure.get_layout_engine() is None, bool(figure.subplotpars.left > 0.1)
    (True, True)
    """
    if isinstance(figure.canvas, FigureCanvasAgg):  # the renderer the layout measures with
        share_mathtext_parser(figure.canvas.get_renderer())
    TightLayoutEngine().execute(figure)


def sparse_log_ticks(*axes_axes) -> None:
    """Label a log axis at 1, 2 and 5 times powers of ten only, so labels never collide.

    Matplotlib labels minor ticks of a log axis spanning less than a decade, and those labels
    overlap; this keeps unlabelled minor ticks at every integer multiple.

    >>> figure, axes = subplots()
    >>> _ = axes.loglog([6e-6, 7e-5], [400.0, 1200.0])
    >>> sparse_log_ticks(axes.xaxis, axes.yaxis)
    >>> print(power_of_ten_label(2e-5), power_of_ten_label(1000.0))
    $2\\times10^{-5}$ $10^{3}$
    """
    for axis in axes_axes:
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(power_of_ten_label))
        axis.set_minor_locator(LogLocator(base=10, subs="all"))
        axis.set_minor_formatter(NullFormatter())


def power_of_ten_label(value: float, _position=None) -> str:
    """A log-axis tick label ``m x 10^k`` in mathtext (``10^k`` when m = 1).

    >>> print(power_of_ten_label(5e-5), power_of_ten_label(0.1))
    $5\\times10^{-5}$ $10^{-1}$
    """
    if not value > 0:
        return ""
    exponent = int(math.floor(math.log10(value) + 1e-9))
    mantissa = round(value / 10.0**exponent, 6)
    if mantissa == 1:
        return f"$10^{{{exponent}}}$"
    return f"${mantissa:g}\\times10^{{{exponent}}}$"

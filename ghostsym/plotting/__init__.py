"""Figures (presentation layer), drawn on matplotlib's Agg canvas without pyplot.

Figures are :class:`matplotlib.figure.Figure` objects rendered by the Agg back end directly, so
drawing them neither needs a display nor changes matplotlib's global backend. Each module draws
the figures of one experiment family from an :class:`~ghostsym.experiments.ExperimentOutcome`
and writes PNG and PDF files.
"""

import math
from pathlib import Path

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

__all__ = ["colormaps", "save_figure", "sparse_log_ticks", "subplots"]


def subplots(nrows: int = 1, ncols: int = 1, **keywords):
    """A new figure on an Agg canvas and its axes, like ``pyplot.subplots`` without global state.

    >>> figure, axes = subplots(1, 2, figsize=(4, 2))
    >>> len(axes), type(figure.canvas).__name__
    (2, 'FigureCanvasAgg')
    """
    figure_keywords = {
        key: keywords.pop(key)
        for key in ("figsize", "dpi", "layout", "constrained_layout", "tight_layout")
        if key in keywords
    }
    figure = Figure(**figure_keywords)
    FigureCanvasAgg(figure)
    return figure, figure.subplots(nrows, ncols, **keywords)


def save_figure(figure, directory, name: str) -> tuple[Path, Path]:
    """Write ``figure`` as ``name.png`` and ``name.pdf`` in ``directory``, return the paths.

    >>> import tempfile
    >>> figure, axes = subplots()
    >>> png, pdf = save_figure(figure, tempfile.mkdtemp(), "empty")
    >>> png.suffix, pdf.exists()
    ('.png', True)
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    png, pdf = directory / f"{name}.png", directory / f"{name}.pdf"
    figure.savefig(png, dpi=130, bbox_inches="tight")
    figure.savefig(pdf, bbox_inches="tight")
    return png, pdf


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

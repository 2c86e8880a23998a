"""Figures (presentation layer), drawn on matplotlib's Agg canvas without pyplot.

Figures are :class:`matplotlib.figure.Figure` objects rendered by the Agg back end directly, so
drawing them neither needs a display nor changes matplotlib's global backend. Each module draws
the figures of one experiment family from an :class:`~ghostsym.experiments.ExperimentOutcome`
and writes PNG and PDF files.
"""

from pathlib import Path

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["colormaps", "save_figure", "subplots"]


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

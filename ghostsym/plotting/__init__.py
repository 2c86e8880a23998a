"""Figures (presentation layer): matplotlib with the Agg backend, never imported by theory code.

Each module draws the figures of one experiment family from an
:class:`~ghostsym.claims.ExperimentOutcome` and writes PNG and PDF files.
"""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["save_figure"]


def save_figure(figure, directory, name: str) -> tuple[Path, Path]:
    """Write ``figure`` as ``name.png`` and ``name.pdf`` in ``directory``, close it, return paths.

    >>> import tempfile
    >>> figure, axes = plt.subplots()
    >>> png, pdf = save_figure(figure, tempfile.mkdtemp(), "empty")
    >>> png.suffix, pdf.exists()
    ('.png', True)
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    png, pdf = directory / f"{name}.png", directory / f"{name}.pdf"
    figure.savefig(png, dpi=130, bbox_inches="tight")
    figure.savefig(pdf, bbox_inches="tight")
    plt.close(figure)
    return png, pdf

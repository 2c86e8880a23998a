"""Show the notebooks of ``notebooks/`` in the documentation without copying them.

A ``docs/notebooks/NAME.nblink`` file holds one line of JSON,
``{"path": "../notebooks/NAME.ipynb"}`` (relative to ``docs/``). myst-nb reads it through
:func:`read_notebook_link` (registered in ``conf.py`` as the reader of the ``.nblink`` format)
and so renders the real notebook with its stored outputs; this extension also makes Sphinx
rebuild the page when the notebook changes.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

DOCS = Path(__file__).resolve().parent.parent


def notebook_path(link_text: str) -> Path:
    """The notebook a ``.nblink`` file points at (its ``path``, relative to ``docs/``)."""
    try:
        relative = json.loads(link_text)["path"]
    except (ValueError, KeyError, TypeError) as error:
        raise ExtensionError(f'a .nblink file must be JSON {{"path": ...}}: {error}') from error
    path = (DOCS / relative).resolve()
    if not path.is_file():
        raise ExtensionError(f"notebook link points at a missing file: {path}")
    return path


def read_notebook_link(text: str) -> nbformat.NotebookNode:
    """myst-nb reader of the ``.nblink`` format: the linked notebook, outputs as stored."""
    return nbformat.read(notebook_path(text), as_version=4)


def _note_notebook_dependency(app: Sphinx, docname: str, source: list[str]) -> None:
    if Path(app.env.doc2path(docname)).suffix == ".nblink":
        app.env.note_dependency(str(notebook_path(source[0])))


def setup(app: Sphinx) -> dict:
    app.connect("source-read", _note_notebook_dependency)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

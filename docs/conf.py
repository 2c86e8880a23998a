"""Sphinx configuration of the ghostsym documentation.

Build it (warnings are errors) from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing is fetched from the network while building: the API pages are read from the package's
docstrings, every equation of the derivation chain is rendered from SymPy by ``ghostsym`` at build
time, the command-line reference is generated from ``ghostsym.cli.build_parser()`` and the
notebooks are shown with the outputs stored in ``notebooks/*.ipynb`` (never executed here).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# The extensions of this site live in docs/_ext; the package is imported from the source tree
# so that a build from a checkout documents that checkout.
sys.path[:0] = [str(DOCS / "_ext"), str(ROOT)]

import ghostsym  # noqa: E402

project = "ghostsym"
author = "ghostsym developers"
copyright = "2026, ghostsym developers"
version = release = ghostsym.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_nb",
    "ghostsym_api",
    "ghostsym_cli",
    "ghostsym_derivations",
    "ghostsym_notebooks",
]

root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
# Keep "--option", quotes and apostrophes as written (command lines, help texts, equations).
smartquotes = False

# -- API reference ----------------------------------------------------------------------------
# Objects are documented by the ghostsym-api directive (docs/_ext/ghostsym_api.py); autosummary
# only draws the summary tables, it writes no stub files into the source tree.
autosummary_generate = False
# The documented modules, in the order that decides where a re-exported object is documented.
ghostsym_api_modules = [
    "ghostsym",
    "ghostsym.theory",
    "ghostsym.reduction",
    "ghostsym.network",
    "ghostsym.analysis",
    "ghostsym.experiments",
    "ghostsym.document",
    "ghostsym.report",
]
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autoclass_content = "class"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True
napoleon_use_rtype = False
add_module_names = False
python_display_short_literal_types = True

# -- Notebooks --------------------------------------------------------------------------------
# The notebooks live in ../notebooks; each docs/notebooks/*.nblink names one of them and is read
# as that notebook (docs/_ext/ghostsym_notebooks.py). Their stored outputs are shown as they are.
nb_execution_mode = "off"
nb_custom_formats = {".nblink": "ghostsym_notebooks.read_notebook_link"}
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs carry $...$ math
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# -- HTML -------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"ghostsym {release}"
html_static_path: list[str] = []
html_show_sourcelink = False

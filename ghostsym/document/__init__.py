r"""The LaTeX derivation document: every equation of the derivation chain, rendered from SymPy.

>>> from ghostsym.document import derivation_document
>>> derivation_document().startswith("\\documentclass")
True
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "DocumentSection": "_build",
        "Equation": "_build",
        "render_section": "_build",
        "build_document": "_build",
        "theory_sections": "_theory",
        "reduction_sections": "_reduction",
        "SECTION_BUILDERS": "_derivation",
        "derivation_sections": "_derivation",
        "derivation_document": "_derivation",
    },
)

"""The whole derivation document: the section builders of every theory module, in order.

Each entry of :data:`SECTION_BUILDERS` is a callable returning a tuple of
:class:`~ghostsym.document.DocumentSection`, in reading order.

>>> document = derivation_document()
>>> document.startswith("\\\\documentclass") and "\\\\alpha_{c}" in document
True
"""

from __future__ import annotations

from ._build import DocumentSection, build_document
from ._reduction import reduction_sections
from ._theory import theory_sections

__all__ = ["SECTION_BUILDERS", "derivation_sections", "derivation_document"]

#: Section builders in reading order: canonical form and task, then the normal-form reduction.
SECTION_BUILDERS = (theory_sections, reduction_sections)


def derivation_sections() -> tuple[DocumentSection, ...]:
    """All sections of the builders, in the order of :data:`SECTION_BUILDERS`.

    >>> derivation_sections()[0].title
    'The canonical form of a ghost'
    """
    return tuple(section for builder in SECTION_BUILDERS for section in builder())


def derivation_document() -> str:
    """The complete LaTeX document (``\\\\documentclass`` to ``\\\\end{document}``)."""
    return build_document(derivation_sections())

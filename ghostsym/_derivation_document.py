"""The whole derivation document: the section builders of every theory module, in order.

Each entry of :data:`SECTION_BUILDERS` is ``"module:function"`` of a callable returning a tuple
of :class:`~ghostsym.document.DocumentSection`; an entry whose module is not installed yet is
skipped, so parts of the theory written later join the document without changing this code.

>>> document = derivation_document()
>>> document.startswith("\\\\documentclass") and "\\\\alpha_{c}" in document
True
"""

from __future__ import annotations

import importlib
import importlib.util

from .document import DocumentSection, build_document

__all__ = ["SECTION_BUILDERS", "derivation_sections", "derivation_document"]

#: Section builders in reading order: canonical form and task, then the normal-form reduction.
SECTION_BUILDERS: tuple[str, ...] = (
    "ghostsym._theory_document:theory_sections",
    "ghostsym._reduction_document:reduction_sections",
)


def derivation_sections() -> tuple[DocumentSection, ...]:
    """All sections of the available builders, in the order of :data:`SECTION_BUILDERS`.

    >>> derivation_sections()[0].title
    'The canonical form of a ghost'
    """
    sections: list[DocumentSection] = []
    for entry in SECTION_BUILDERS:
        module_name, _, function_name = entry.partition(":")
        if importlib.util.find_spec(module_name) is None:
            continue  # that part of the theory is not in this installation yet
        builder = getattr(importlib.import_module(module_name), function_name)
        sections.extend(builder())
    return tuple(sections)


def derivation_document() -> str:
    """The complete LaTeX document (``\\\\documentclass`` to ``\\\\end{document}``)."""
    return build_document(derivation_sections())

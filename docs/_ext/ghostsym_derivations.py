"""The ``ghostsym-derivations`` directive: the derivation chain, rendered at build time.

The directive calls :func:`ghostsym.derivation_sections` (the same sections as the LaTeX
document of ``ghostsym.derivation_document()``) and turns every section into a docutils
section: prose blocks become paragraphs with inline math, derived expressions and equations
become display math. No equation is typed into the documentation; each one is printed by SymPy
while the site is built.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

# Inline math in the prose: $...$ (a backslash-escaped \$ is not a delimiter).
_INLINE_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)

_UMLAUTS = dict(zip("aouAOU", "äöüÄÖÜ", strict=True))

# The LaTeX text-mode commands the prose may use, with their plain-text rendering.
_TEXT_COMMANDS = (
    (re.compile(r"\\\"\{?([aouAOU])\}?"), lambda match: _UMLAUTS[match.group(1)]),
    (re.compile(r"\\'\{?e\}?"), lambda match: "é"),
    (re.compile(r"\\(emph|textit|textbf|text)\{([^{}]*)\}"), lambda match: match.group(2)),
    (re.compile(r"\\([%&$#_])"), lambda match: match.group(1)),
    (re.compile(r"---"), lambda match: "\u2014"),
    (re.compile(r"--"), lambda match: "\u2013"),
    (re.compile(r"~"), lambda match: "\u00a0"),
)


def latex_text_to_plain(text: str) -> str:
    """Plain text of a LaTeX prose fragment (outside math), or a ValueError if unknown."""
    for pattern, replacement in _TEXT_COMMANDS:
        text = pattern.sub(replacement, text)
    leftover = re.search(r"\\[A-Za-z\"'`^~]+", text)
    if leftover:
        raise ValueError(f"LaTeX command {leftover.group(0)!r} in prose has no HTML rendering")
    return text


def prose_paragraph(text: str) -> nodes.paragraph:
    """A paragraph of text and inline math from one prose block of the derivation document."""
    paragraph = nodes.paragraph()
    position = 0
    for match in _INLINE_MATH.finditer(text):
        paragraph += nodes.Text(latex_text_to_plain(text[position : match.start()]))
        paragraph += nodes.math(match.group(1), match.group(1))
        position = match.end()
    paragraph += nodes.Text(latex_text_to_plain(text[position:]))
    return paragraph


def display_math(latex: str, docname: str, label: str = "") -> nodes.math_block:
    """A displayed equation (MathJax renders it); ``label`` becomes its HTML anchor."""
    block = nodes.math_block(latex, latex, docname=docname, number=None, label=None)
    block["nowrap"] = False
    if label:
        block["ids"].append(nodes.make_id(f"equation-{label}"))
    return block


class DerivationsDirective(SphinxDirective):
    """Insert every section of :func:`ghostsym.derivation_sections` into the page."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        import ghostsym

        sections: list[nodes.section] = []
        for section in ghostsym.derivation_sections():
            node = nodes.section()
            node["ids"].append(nodes.make_id(f"derivation-{section.title}"))
            node += nodes.title(section.title, section.title)
            for block in section.blocks:
                try:
                    node += self._block_node(block)
                except ValueError as error:
                    logger.warning(f"{section.title}: {error}", location=self.get_location())
            if section.subsection and sections:
                sections[-1] += node
            else:
                sections.append(node)
        return sections

    def _block_node(self, block) -> nodes.Element:
        if isinstance(block, str):
            return prose_paragraph(block)
        latex = block.latex() if callable(block.latex) else block.latex
        return display_math(latex, self.env.docname, getattr(block, "label", ""))


def setup(app: Sphinx) -> dict:
    app.add_directive("ghostsym-derivations", DerivationsDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

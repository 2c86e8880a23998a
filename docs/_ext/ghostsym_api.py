"""The ``ghostsym-api`` directive: the reference of one public module, from its ``__all__``.

``.. ghostsym-api:: ghostsym.theory`` renders the module's docstring, a summary table of every
public name and the full autodoc entry of each object the page owns. An object exported by
several documented modules (``ghostsym.canonical_form`` is also ``ghostsym.theory``'s) is
documented once, under the first module of ``ghostsym_api_modules`` (conf.py) that exports it;
the other modules' tables link to that entry. No stub file is written into the source tree.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
from functools import cache

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

#: Values whose ``repr`` is longer than this are documented without their value.
_LONGEST_VALUE = 80


def public_names(module: types.ModuleType) -> list[str]:
    """The module's public names: its ``__all__`` (without dunders), else every plain name."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    return [name for name in names if not name.startswith("__")]


def _is_shared(value: object) -> bool:
    """Whether ``value`` is an object that can be exported under several names."""
    return inspect.isclass(value) or inspect.isroutine(value) or inspect.ismodule(value)


@cache
def owners(modules: tuple[str, ...]) -> dict[int, str]:
    """``id(object) -> full name`` of the entry documenting each shared object."""
    found: dict[int, str] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in public_names(module):
            value = getattr(module, name)
            if _is_shared(value):
                found.setdefault(id(value), f"{module_name}.{name}")
    return found


def _entry(name: str, value: object, modules: tuple[str, ...]) -> list[str]:
    """reST of the autodoc entry of ``name`` in the current module."""
    if inspect.ismodule(value):
        if value.__name__ in modules:
            return []  # it has a page of its own; the summary table links to it
        # a small public module without a page of its own (ghostsym.notation): inline
        return [f".. rubric:: {value.__name__}", "", *module_reference(value.__name__, modules)]
    if inspect.isclass(value):
        kind = "autoexception" if issubclass(value, BaseException) else "autoclass"
        lines = [f".. {kind}:: {name}", "   :members:"]
        if _informative_bases(getattr(value, "__orig_bases__", value.__bases__)):
            lines.append("   :show-inheritance:")
        return [*lines, ""]
    if inspect.isroutine(value):
        return [f".. autofunction:: {name}", ""]
    lines = [f".. autodata:: {name}"]
    if len(repr(value)) > _LONGEST_VALUE:
        lines.append("   :no-value:")
    return [*lines, ""]


def module_reference(module_name: str, modules: tuple[str, ...]) -> list[str]:
    """reST of the reference of ``module_name``: docstring, summary table, entries."""
    module = importlib.import_module(module_name)
    owned = owners(modules)
    lines = [f".. automodule:: {module_name}", "", f".. currentmodule:: {module_name}", ""]
    names = public_names(module)
    rows, entries, submodules = [], [], []
    for name in names:
        value = getattr(module, name)
        full_name = f"{module_name}.{name}"
        owner = owned.get(id(value), full_name) if _is_shared(value) else full_name
        if inspect.ismodule(value):
            owner = value.__name__
        # autosummary wants the current module's own names without the module prefix
        rows.append(f"   {name}" if owner == full_name else f"   ~{owner}")
        if owner == full_name:
            target = submodules if inspect.ismodule(value) else entries
            target.extend(_entry(name, value, modules))
    if rows:
        lines += [".. rubric:: Summary", "", ".. autosummary::", "", *rows, ""]
    if entries:
        lines += [".. rubric:: Reference", "", *entries]
    # last: an automodule changes the current module of the entries after it
    return lines + submodules


class ApiDirective(SphinxDirective):
    """Document one public module of ghostsym (see the module docstring)."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        modules = tuple(self.config.ghostsym_api_modules)
        lines = module_reference(self.arguments[0], modules)
        container = nodes.section()
        container.document = self.state.document
        source = self.get_source_info()[0]
        content = StringList(lines, source=f"{source} (ghostsym-api {self.arguments[0]})")
        nested_parse_with_titles(self.state, content, container)
        return container.children


# Inline literals and interpreted text (roles), inside which a "|" is literal already.
_INLINE_LITERAL = re.compile(r"(``.+?``|(?::[\w:.+-]+:)?`[^`]+`_{0,2})")


def _escape_bars(line: str) -> str:
    parts = _INLINE_LITERAL.split(line)
    parts[::2] = [re.sub(r"(?<!\\)\|", r"\\|", part) for part in parts[::2]]
    return "".join(parts)


def escape_absolute_value_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """Escape the ``|`` of plain-text absolute values (``|f|``) in docstrings.

    In reST ``|name|`` is a substitution reference; the package's docstrings use bars for
    absolute values and norms. Bars inside inline literals, roles, doctest blocks, literal
    blocks and table rows are left as they are.
    """
    literal_indent = None  # indentation of the paragraph that opened a literal block
    in_doctest = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if not stripped or indent > literal_indent:
                continue
            literal_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
        if in_doctest:
            in_doctest = bool(stripped)
            continue
        if stripped.endswith("::"):
            literal_indent = indent
        if stripped.startswith(("|", "+-", "+=")) and stripped.endswith(("|", "+")):
            continue
        if "|" in line:
            lines[index] = _escape_bars(line)


def drop_inherited_type_docstrings(app, what, name, obj, options, lines: list[str]) -> None:
    """Drop the docstring of a constant's type (a tuple's "Built-in immutable sequence...")."""
    if what not in ("data", "attribute") or _is_shared(obj):
        return
    type_doc = inspect.getdoc(type(obj)) or ""
    if type_doc and "\n".join(lines).strip() == type_doc.strip():
        lines.clear()


def _informative_bases(bases) -> list:
    """The bases worth showing: not ``object``, not private ones like ``_Network``."""
    return [
        base
        for base in bases
        if base is not object and not getattr(base, "__name__", "").startswith("_")
    ]


def hide_private_bases(app, name, obj, options, bases: list) -> None:
    """List only informative bases after "Bases:" (see :func:`_informative_bases`)."""
    bases[:] = _informative_bases(bases)


def _skip_named_tuple_fields(app, what, name, obj, skip, options):
    """Leave out NamedTuple fields whose only documentation is "Alias for field number N"."""
    if (getattr(obj, "__doc__", None) or "").startswith("Alias for field number"):
        return True
    return None


def setup(app: Sphinx) -> dict:
    app.add_config_value("ghostsym_api_modules", ["ghostsym"], "env")
    app.add_directive("ghostsym-api", ApiDirective)
    app.connect("autodoc-skip-member", _skip_named_tuple_fields)
    app.connect("autodoc-process-bases", hide_private_bases)
    # after napoleon (priority 500), which turns Google-style sections into reST
    app.connect("autodoc-process-docstring", drop_inherited_type_docstrings)
    app.connect("autodoc-process-docstring", escape_absolute_value_bars, priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

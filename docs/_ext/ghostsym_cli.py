"""The ``ghostsym-cli`` directive: the command-line reference, read from the argument parser.

The directive walks ``ghostsym.cli.build_parser()`` (the parser ``ghostsym`` itself runs) and
renders, for the main command and every sub-command, its description, its usage line and one
entry per argument with the argument's help, choices and default. Help texts are shown as plain
text, exactly as ``--help`` prints them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
from contextlib import contextmanager

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: Width of the usage lines (argparse wraps them at the terminal width otherwise).
USAGE_WIDTH = 80


@contextmanager
def _terminal_width(columns: int):
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, one-line help, parser)`` of each sub-command, in the order ``--help`` lists."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                if name in helps:  # aliases are listed once, under their first name
                    found.append((name, helps[name], subparser))
    return found


def _invocation(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The argument as ``--help`` shows it, e.g. ``--format {text,json}``."""
    return parser._get_formatter()._format_action_invocation(action)


def _help_text(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    text = action.help or ""
    if "%" in text:
        values = {**vars(action), "prog": parser.prog}
        for name, value in list(values.items()):
            if isinstance(value, (list, tuple)):
                values[name] = ", ".join(map(str, value))
        text = text % values
    notes = []
    if action.choices is not None and action.metavar is not None:  # else shown in the term
        notes.append("one of " + ", ".join(map(str, action.choices)))
    if action.required and action.option_strings:
        notes.append("required")
    default = action.default
    if (
        action.option_strings
        and action.nargs != 0
        and default not in (None, argparse.SUPPRESS)
        and str(default) not in text
    ):
        notes.append(f"default {default}")
    if notes:
        text = f"{text} ({'; '.join(notes)})" if text else "; ".join(notes).capitalize()
    return text


def _arguments(parser: argparse.ArgumentParser) -> nodes.definition_list:
    listing = nodes.definition_list()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        if action.help == argparse.SUPPRESS:
            continue
        term = nodes.term()
        term += nodes.literal(text=_invocation(parser, action))
        definition = nodes.definition()
        definition += inline_text(_help_text(parser, action))
        listing += nodes.definition_list_item("", term, definition)
    return listing


# ``literal`` and :role:`target` in help texts and descriptions (module docstrings)
_INLINE_MARKUP = re.compile(r"``(.+?)``|:[\w:.+-]+:`~?([^`]+)`")


def inline_text(text: str) -> nodes.paragraph:
    """A paragraph of ``text``, its ``literals`` and :role:`targets` shown as code."""
    paragraph = nodes.paragraph()
    position = 0
    for match in _INLINE_MARKUP.finditer(text):
        paragraph += nodes.Text(text[position : match.start()])
        paragraph += nodes.literal(text=match.group(1) or match.group(2))
        position = match.end()
    paragraph += nodes.Text(text[position:])
    return paragraph


def _command_id(parser: argparse.ArgumentParser) -> str:
    return nodes.make_id(f"command-{parser.prog}")


def _command_index(subcommands) -> nodes.bullet_list:
    """A bullet list linking to each sub-command's section, with its one-line help."""
    listing = nodes.bullet_list()
    for name, summary, subparser in subcommands:
        item = nodes.paragraph()
        reference = nodes.reference("", "", internal=True, refid=_command_id(subparser))
        reference += nodes.literal(text=name)
        item += reference
        if summary:
            item += nodes.Text(f": {summary}")
        listing += nodes.list_item("", item)
    return listing


def command_section(summary: str, parser: argparse.ArgumentParser) -> nodes.section:
    """The section of one command: description, usage, arguments, then its sub-commands."""
    section = nodes.section(ids=[_command_id(parser)])
    section += nodes.title(text=parser.prog)
    description = parser.description or summary
    if description:
        for paragraph in description.split("\n\n"):
            section += inline_text(" ".join(paragraph.split()))
    with _terminal_width(USAGE_WIDTH):
        usage = parser.format_usage().strip()
    section += nodes.literal_block(usage, usage, language="text")
    arguments = _arguments(parser)
    if arguments.children:
        section += arguments
    if parser.epilog:
        section += inline_text(" ".join(parser.epilog.split()))
    subcommands = _subcommands(parser)
    if subcommands:
        section += _command_index(subcommands)
    for _, sub_summary, subparser in subcommands:
        section += command_section(sub_summary, subparser)
    return section


class CliDirective(SphinxDirective):
    """``.. ghostsym-cli:: module:function``: the reference of the parser the function returns."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        module_name, _, function_name = self.arguments[0].partition(":")
        parser = getattr(importlib.import_module(module_name), function_name)()
        return [command_section("", parser)]


def setup(app: Sphinx) -> dict:
    app.add_directive("ghostsym-cli", CliDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

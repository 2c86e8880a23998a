"""The ``ghostsym`` command: a thin layer over the public API.

Each sub-command lives in a module ``ghostsym.cli.<name>`` with a ``register`` function that
adds its parser and sets ``handler``; handlers print through :func:`ghostsym.cli._common.emit`.
This module only dispatches and is the one error boundary of every command:

- ghostsym's errors (:class:`~ghostsym.errors.GhostsymError`: bad input, degenerate maths)
  become one line ``ghostsym COMMAND: error: ...`` and exit status 2, as argparse's usage errors;
- any other failure (a file that cannot be written, a bug) becomes one line
  ``ghostsym COMMAND: error: <what failed>`` and exit status 1; the traceback is printed only
  with ``--debug`` (``ghostsym --debug COMMAND ...`` or ``ghostsym COMMAND ... --debug``);
- Ctrl-C prints ``interrupted; run the same command again to resume`` and exits 130;
- a reader that goes away (``ghostsym ... | head``) ends the command quietly (exit 1).

Every parser shares :class:`PlainHelpFormatter`: help without reStructuredText markup, with
each option's default shown.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import traceback

from .. import __version__
from .._jax import enable_float64, prefer_sequential_scheduling
from ..errors import GhostsymError, RunFailedError

#: Sub-command modules, in the order ``ghostsym --help`` lists them.
COMMAND_MODULES = (
    "ghostsym.cli.theory",
    "ghostsym.cli.reproduce",
    "ghostsym.cli.normal_form",
    "ghostsym.cli.ghost",
    "ghostsym.cli.train",
    "ghostsym.cli.sweep",
    "ghostsym.cli.analysis",
)

#: Exit statuses: usage or input error, runtime failure, interrupted (128 + SIGINT).
EXIT_INPUT_ERROR = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
INTERRUPTED_MESSAGE = "interrupted; run the same command again to resume"

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`(~?)([^`<]+?)(?:\s*<[^`]*>)?`")
_LITERAL = re.compile(r"``([^`]+)``")


def plain_text(text: str) -> str:
    """``text`` without reStructuredText markup (roles, double-backquoted literals).

    >>> plain_text("see :mod:`ghostsym.network`, :func:`~ghostsym.theory.fold` and ``--lr 1``")
    'see ghostsym.network, fold and --lr 1'
    """

    def role(match: re.Match) -> str:
        target = match.group(2).strip()
        return target.rsplit(".", 1)[-1] if match.group(1) else target

    return _LITERAL.sub(r"\1", _ROLE.sub(role, text))


def _shows_default(action: argparse.Action) -> bool:
    default = action.default
    if default is None or default is False or default is argparse.SUPPRESS:
        return False
    if isinstance(action, argparse._HelpAction | argparse._VersionAction):
        return False
    if isinstance(action, argparse._StoreConstAction):  # flags: "default: quick" misleads
        return False
    return bool(action.option_strings) or action.nargs in ("?", "*")


class PlainHelpFormatter(argparse.HelpFormatter):
    """Help for people: no reStructuredText markup, and every option's default shown.

    A default is added as ``(default: ...)`` unless the help text already names it.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if _shows_default(action) and "default" not in text.lower():
            text = f"{text} (default: %(default)s)".strip()
        return text

    def _expand_help(self, action: argparse.Action) -> str:
        return plain_text(super()._expand_help(action))

    def _format_text(self, text: str) -> str:
        return super()._format_text(plain_text(text))

    def _format_action(self, action: argparse.Action) -> str:
        if action.help is None and _shows_default(action):
            action.help = "(default: %(default)s)"  # argparse prints nothing for help=None
        return super()._format_action(action)


class _OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``ghostsym CMD: error: ...``) and
    whose help is plain (:class:`PlainHelpFormatter`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", PlainHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(EXIT_INPUT_ERROR, f"{self.prog}: error: {_one_line(message)}\n")

    def parse_args(self, args=None, namespace=None):
        """Like argparse's, but an unrecognised argument is reported under the command's name."""
        arguments, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(arguments, "command", None)
            prog = f"{self.prog} {command}" if command else self.prog
            message = f"unrecognized arguments: {' '.join(extras)}"
            self.exit(EXIT_INPUT_ERROR, f"{prog}: error: {_one_line(message)}\n")
        return arguments


class _CommandParser(_OneLineErrorParser):
    """The parser of one sub-command: also accepts ``--debug`` after the command."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="on a failure, print the full traceback",
        )


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (all sub-commands registered).

    >>> parser = build_parser()
    >>> parser.prog
    'ghostsym'
    >>> parser.parse_args(["theory", "--T", "100", "--debug"]).debug
    True
    """
    parser = _OneLineErrorParser(
        prog="ghostsym",
        description="Derive and test the ghost mechanism of abrupt learning in RNNs.",
    )
    parser.add_argument("--version", action="version", version=f"ghostsym {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="on a failure, print the full traceback"
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser
    )
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _one_line(message) -> str:
    return " ".join(str(message).split())


def _command_name(argv: list[str]) -> str:
    """The sub-command named in ``argv`` (for messages before parsing has finished)."""
    words = [word for word in argv if not word.startswith("-")]
    return f"ghostsym {words[0]}" if words else "ghostsym"


def _failure_text(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename is not None:
        reason = error.strerror or type(error).__name__
        return f"could not access {error.filename}: {reason}"
    detail = _one_line(error)
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0 on success, 2 on a usage or input error (argparse's usage errors exit 2 through
    ``SystemExit``), 1 on a runtime failure, 130 when interrupted.

    >>> main(["theory", "--T", "1e308"])
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    prefix = _command_name(argv)
    debug = "--debug" in argv
    try:
        arguments = build_parser().parse_args(argv)
        prefix, debug = f"ghostsym {arguments.command}", arguments.debug
        enable_float64()  # closed-form checks in float64; training still chooses float32 itself
        prefer_sequential_scheduling()  # before JAX computes: small kernels, one thread
        arguments.handler(arguments)
    except GhostsymError as error:
        print(f"{prefix}: error: {_one_line(error)}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return EXIT_FAILURE if isinstance(error, RunFailedError) else EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print(f"{prefix}: {INTERRUPTED_MESSAGE}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (``ghostsym ... | head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except Exception as error:  # the boundary: one line, the traceback only with --debug
        hint = "" if debug else " (run with --debug for the traceback)"
        print(f"{prefix}: error: {_failure_text(error)}{hint}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return EXIT_FAILURE
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

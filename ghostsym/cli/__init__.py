"""The ``ghostsym`` command: a thin layer over the public API.

Each sub-command lives in a module ``ghostsym.cli.<name>`` with a ``register`` function that
adds its parser and sets ``handler``; handlers print through :func:`ghostsym.cli._common.emit`.
This module only dispatches and is the one error boundary: ghostsym's errors become a one-line
message ``ghostsym COMMAND: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from .._jax import enable_float64
from ..errors import GhostsymError

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


class _OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``ghostsym CMD: error: ...``)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (all sub-commands registered).

    >>> parser = build_parser()
    >>> parser.prog
    'ghostsym'
    """
    parser = _OneLineErrorParser(
        prog="ghostsym",
        description="Derive and test the ghost mechanism of abrupt learning in RNNs.",
    )
    parser.add_argument("--version", action="version", version=f"ghostsym {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success, 2 on a usage error)."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    enable_float64()  # closed-form checks in float64; training still chooses float32 itself
    try:
        arguments.handler(arguments)
    except GhostsymError as error:
        print(f"ghostsym {arguments.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (``ghostsym ... | head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

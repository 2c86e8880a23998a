"""Shared pieces of the command-line interface: output (:func:`emit`) and argument parsing."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from .._io import json_text
from ..errors import InvalidInputError

FORMATS = ("text", "latex", "json")


def add_format_argument(parser: argparse.ArgumentParser, formats=FORMATS) -> None:
    """Add ``--format`` with the choices ``formats`` (default text) for :func:`emit`."""
    parser.add_argument(
        "--format", choices=formats, default="text", help="output format (default: text)"
    )


def finite_float(text: str) -> float:
    """argparse type: a finite float, with a message naming the bad text."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def seed(text: str) -> int:
    """argparse type: a random seed, an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a seed >= 0, got {text!r}")
    return value


def parse_assignments(items: list[str] | None, option: str) -> dict[str, str]:
    """Parse ``name=value`` words (e.g. ``--at x=0 mu=1``) into a dict of strings."""
    assignments: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InvalidInputError(f"{option} expects name=value, got {item!r}")
        assignments[name.strip()] = value.strip()
    return assignments


def to_json(payload) -> str:
    """JSON text in ghostsym's one convention (:mod:`ghostsym._io`: non-finite floats as the
    strings "inf", "-inf", "nan"; NumPy values as plain numbers and lists).

    >>> print(to_json({"t": float("inf")}))
    {
      "t": "inf"
    }
    """
    return json_text(payload)


def emit(
    result,
    output_format: str,
    *,
    text: Callable[[object], str] | str | None = None,
    latex: Callable[[object], str] | str | None = None,
) -> None:
    """Print ``result`` as ``"text"``, ``"json"`` or ``"latex"`` (the one output path of the CLI).

    JSON is ``result.to_json()`` (or a mapping or list as it is) in ghostsym's convention
    (:func:`to_json`); text and LaTeX come from ``text`` and ``latex``: a string, or a function
    of ``result``. A format the command has no rendering for is a usage error.

    >>> from ghostsym.theory import delayed_activation_theory
    >>> numbers = delayed_activation_theory(T=100).numbers()
    >>> emit(numbers, "text", text=lambda n: f"r* = {n.optimum:.4g}")
    r* = 0.0002467
    >>> emit({"steps": float("inf")}, "json")
    {
      "steps": "inf"
    }
    """
    if output_format == "json":
        print(to_json(result))
        return
    renderers = {"text": text, "latex": latex}
    require_format(output_format, [name for name in FORMATS if renderers.get(name, True)])
    renderer = renderers[output_format]
    print(renderer(result) if callable(renderer) else renderer)


def require_format(output_format: str, available) -> None:
    """Refuse ``output_format`` unless it is one of ``available`` (before any long work).

    >>> require_format("latex", ("text", "json"))
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --format latex is not available here; use text or json
    """
    if output_format not in available:
        raise InvalidInputError(
            f"--format {output_format} is not available here; use {' or '.join(available)}"
        )

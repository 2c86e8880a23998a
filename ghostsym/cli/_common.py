"""Shared pieces of the command-line interface: output formats and number parsing."""

from __future__ import annotations

import argparse
import math

from .._io import json_text
from ..errors import InvalidInputError

FORMATS = ("text", "latex", "json")


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
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

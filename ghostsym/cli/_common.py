"""Shared pieces of the command-line interface: output formats and number parsing."""

from __future__ import annotations

import argparse
import json
import math

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
    """JSON with non-finite floats refused (they would not be valid JSON)."""
    return json.dumps(payload, indent=2, allow_nan=False, default=_jsonable)


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")

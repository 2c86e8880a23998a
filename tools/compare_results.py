"""Compare two ``results.json`` files of ``ghostsym reproduce`` value by value.

Every leaf (number, string, boolean, null) is compared exactly, after walking both documents in
the same order; wall times, creation stamps, output directories and the source fingerprint are
ignored, as are strings that name files (paths change with ``--out``). Every difference is
printed, one a line: ``<location>: <before> -> <after>`` (with the relative difference for
numbers). The exit code is 0 when nothing but the ignored fields differs, 1 otherwise.

Usage::

    python tools/compare_results.py BEFORE/results.json AFTER/results.json [--tolerance 0]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

IGNORED_KEYS = frozenset({"wall_time", "created", "out_directory", "fingerprint"})
PATH_SUFFIXES = (".png", ".pdf", ".npz", ".json", ".tex", ".html", ".md", ".csv")


def _is_path(value) -> bool:
    return isinstance(value, str) and ("/" in value or value.endswith(PATH_SUFFIXES))


def _as_number(value):
    """A float for numbers and for the string spellings of non-finite numbers, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in {
        "inf",
        "+inf",
        "-inf",
        "nan",
        "infinity",
        "-infinity",
    }:
        return float(value.strip().lower().replace("infinity", "inf"))
    return None


def _numbers_differ(before: float, after: float, tolerance: float) -> bool:
    if math.isnan(before) or math.isnan(after):
        return not (math.isnan(before) and math.isnan(after))
    if before == after:
        return False
    if math.isinf(before) or math.isinf(after):
        return True
    scale = max(abs(before), abs(after))
    return abs(before - after) > tolerance * scale


def compare(
    before, after, location: str = "", tolerance: float = 0.0, ignored=IGNORED_KEYS
) -> list[str]:
    """Every difference between ``before`` and ``after`` below ``location``, one line each.

    >>> compare({"a": 1.0, "wall_time": 3}, {"a": 1.5, "wall_time": 4})
    ['a: 1.0 -> 1.5 (relative 0.333)']
    >>> compare({"x": [1, 2]}, {"x": [1]})
    ['x: 2 entries -> 1 entries', 'x[1]: 2 -> (missing)']
    """
    differences: list[str] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [key for key in after if key not in before]:
            if key in ignored:
                continue
            where = f"{location}/{key}" if location else str(key)
            if key not in after:
                differences.append(f"{where}: {_short(before[key])} -> (missing)")
            elif key not in before:
                differences.append(f"{where}: (missing) -> {_short(after[key])}")
            else:
                differences += compare(before[key], after[key], where, tolerance, ignored)
        return differences
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            differences.append(f"{location}: {len(before)} entries -> {len(after)} entries")
        for index in range(max(len(before), len(after))):
            where = f"{location}[{index}]"
            if index >= len(after):
                differences.append(f"{where}: {_short(before[index])} -> (missing)")
            elif index >= len(before):
                differences.append(f"{where}: (missing) -> {_short(after[index])}")
            else:
                differences += compare(before[index], after[index], where, tolerance, ignored)
        return differences
    if _is_path(before) and _is_path(after):
        return differences
    first, second = _as_number(before), _as_number(after)
    if first is not None and second is not None:
        if _numbers_differ(first, second, tolerance):
            relative = ""
            if math.isfinite(first) and math.isfinite(second) and max(abs(first), abs(second)):
                relative = f" (relative {abs(first - second) / max(abs(first), abs(second)):.3g})"
            differences.append(f"{location}: {before!r} -> {after!r}{relative}")
        elif type(before) is not type(after):
            differences.append(f"{location}: {before!r} -> {after!r} (same value, other type)")
        return differences
    if before != after or type(before) is not type(after):
        differences.append(f"{location}: {_short(before)} -> {_short(after)}")
    return differences


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="relative tolerance for numbers (default 0: exact)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="KEY",
        help="also ignore this key wherever it occurs (repeatable)",
    )
    arguments = parser.parse_args(argv)
    ignored = IGNORED_KEYS | set(arguments.ignore)
    before = json.loads(arguments.before.read_text())
    after = json.loads(arguments.after.read_text())
    differences = compare(before, after, tolerance=arguments.tolerance, ignored=ignored)
    for line in differences:
        print(line)
    print(f"{len(differences)} difference(s) (ignored: {', '.join(sorted(ignored))}, paths)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())

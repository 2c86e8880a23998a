"""Shared pieces of the command-line interface: output (:func:`emit`) and argument parsing."""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .._io import json_text
from ..errors import InvalidInputError

FORMATS = ("text", "latex", "json")


def add_format_argument(parser: argparse.ArgumentParser, formats=FORMATS) -> None:
    """Add ``--format`` with the choices ``formats`` (default text) for :func:`emit`."""
    parser.add_argument(
        "--format", choices=formats, default="text", help="output format (default: text)"
    )


#: The largest integer option value ghostsym accepts (seeds, counts, sizes): 2**31 - 1, so that
#: every integer fits the 32-bit integers of JAX random keys and NumPy index arithmetic.
MAX_INTEGER = 2**31 - 1


def _bound_text(minimum, maximum, include_minimum: bool, include_maximum: bool) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>=' if include_minimum else '>'} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<=' if include_maximum else '<'} {maximum:g}")
    return " and ".join(parts)


def finite_float(
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    include_minimum: bool = True,
    include_maximum: bool = True,
) -> Callable[[str], float]:
    """An argparse ``type=`` for option ``name``: a finite real number within the bounds.

    NaN, infinities, complex numbers and words are refused; ``minimum``/``maximum`` are
    inclusive unless ``include_minimum``/``include_maximum`` is false. argparse prefixes the
    message with the option (``argument --T: expected a finite number > 0, got 'nan'``).

    >>> delay = finite_float("--T", 0, include_minimum=False)
    >>> delay("100")
    100.0
    >>> delay("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a finite number > 0, got 'nan'
    >>> finite_float("--rate", 0, 1)("2")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a finite number >= 0 and <= 1, got '2'
    """
    bounds = _bound_text(minimum, maximum, include_minimum, include_maximum)
    expected = f"a finite number {bounds}".rstrip()

    def parse(text: str) -> float:
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value != 0 and abs(value) < sys.float_info.min:  # subnormal: digits already lost
            raise argparse.ArgumentTypeError(
                f"expected {expected}, got {text!r} (below the smallest normal float64, "
                f"{sys.float_info.min:.3g}, in absolute value)"
            )
        inside = math.isfinite(value)
        if inside and minimum is not None:
            inside = value >= minimum if include_minimum else value > minimum
        if inside and maximum is not None:
            inside = value <= maximum if include_maximum else value < maximum
        if not inside:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = f"finite_float({name})"
    return parse


def bounded_int(
    name: str, minimum: int | None = 0, maximum: int = MAX_INTEGER
) -> Callable[[str], int]:
    """An argparse ``type=`` for option ``name``: a decimal integer in [minimum, maximum].

    ``maximum`` is at most :data:`MAX_INTEGER` (2**31 - 1); ``minimum=None`` allows any
    integer down to -MAX_INTEGER.

    >>> bounded_int("--seed")("7")
    7
    >>> bounded_int("--seed")("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected an integer >= 0 and <= 2147483647, got '-1'
    """
    low = -MAX_INTEGER if minimum is None else int(minimum)
    high = min(int(maximum), MAX_INTEGER)
    expected = f"an integer >= {low} and <= {high}"

    def parse(text: str) -> int:
        stripped = str(text).strip()
        digits = stripped[1:] if stripped[:1] in "+-" else stripped
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        value = int(stripped)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = f"bounded_int({name})"
    return parse


def positive_int(name: str, maximum: int = MAX_INTEGER) -> Callable[[str], int]:
    """An argparse ``type=`` for option ``name``: an integer in [1, maximum].

    >>> positive_int("--epochs")("6000")
    6000
    >>> positive_int("--epochs")("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected an integer >= 1 and <= 2147483647, got '0'
    """
    return bounded_int(name, 1, maximum)


#: argparse ``type=`` for a random seed: an integer in [0, 2**31 - 1].
seed = bounded_int("--seed", 0, MAX_INTEGER)


def add_threads_argument(parser: argparse.ArgumentParser, note: str = "") -> None:
    """``--threads N``: blocks of runs trained at the same time (see ``training_threads``).

    >>> parser = argparse.ArgumentParser()
    >>> add_threads_argument(parser)
    >>> parser.parse_args(["--threads", "2"]).threads
    2
    """
    parser.add_argument(
        "--threads",
        metavar="N",
        type=positive_int("--threads", 4096),
        default=None,
        help="blocks of runs trained at the same time, one per thread (the results do not "
        f"depend on it); default: the CPUs this process may use{note}",
    )


def output_file(path, option: str) -> Path:
    """Check, before computing, that ``option``'s file ``path`` can be written; return it.

    The parent directory must exist and be writable, and ``path`` must not be a directory
    (an existing file is replaced).

    >>> import tempfile, pathlib
    >>> folder = tempfile.mkdtemp()
    >>> output_file(pathlib.Path(folder) / "network.npz", "--save-network").name
    'network.npz'
    >>> output_file(folder, "--save-network")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --save-network expects a file name, but ... is a directory
    """
    target = Path(path)
    if str(path).strip() == "":
        raise InvalidInputError(f"{option} expects a file name, got the empty name")
    if target.is_dir():
        raise InvalidInputError(f"{option} expects a file name, but {target} is a directory")
    if target.exists() and not os.access(target, os.W_OK):
        raise InvalidInputError(f"{option} expects a writable file, but {target} is read-only")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidInputError(f"{option} expects a file in an existing directory, got {target}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidInputError(f"{option} expects a writable place, but {parent} is not writable")
    return target


def output_directory(path, option: str) -> Path:
    """Check, before computing, that ``option``'s directory ``path`` can be written; return it.

    ``path`` is an existing writable directory, or does not exist yet and its parent is an
    existing writable directory (the command creates it). A file is refused.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> output_directory(folder / "figures", "--out").name
    'figures'
    >>> (folder / "notes.txt").write_text("mine")
    4
    >>> output_directory(folder / "notes.txt", "--out")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --out expects a directory, but ... is a file
    """
    target = Path(path)
    if str(path).strip() == "":
        raise InvalidInputError(f"{option} expects a directory, got the empty name")
    if target.exists() and not target.is_dir():
        raise InvalidInputError(f"{option} expects a directory, but {target} is a file")
    place = target if target.is_dir() else target.parent
    if not place.is_dir():
        raise InvalidInputError(
            f"{option} expects a directory whose parent exists, but {place} does not exist"
        )
    if not os.access(place, os.W_OK | os.X_OK):
        raise InvalidInputError(f"{option} expects a writable place, but {place} is not writable")
    return target


def track_given_options(parser: argparse.ArgumentParser) -> None:
    """Make ``parser`` record which options the user actually gave, in ``arguments.given``.

    ``arguments.given`` is a frozenset of option destinations (``"lr"``, ``"first_seed"``, ...),
    so a command can refuse options that do not apply to what was chosen, even when the value
    given equals the default. Call after every ``add_argument``.

    >>> parser = argparse.ArgumentParser()
    >>> _ = parser.add_argument("--size", type=int, default=100)
    >>> track_given_options(parser)
    >>> parser.parse_args([]).given, parser.parse_args(["--size", "100"]).given
    (frozenset(), frozenset({'size'}))
    """
    for action in parser._actions:
        if action.option_strings and action.dest not in ("help", "debug"):
            action.__class__ = _recording_action(type(action))
    parser.set_defaults(given=frozenset())


@functools.cache
def _recording_action(action_class: type) -> type:
    class Recording(action_class):
        def __call__(self, parser, namespace, values, option_string=None):
            namespace.given = frozenset(getattr(namespace, "given", ())) | {self.dest}
            super().__call__(parser, namespace, values, option_string)

    Recording.__name__ = action_class.__name__
    return Recording


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

"""Pieces shared by ``ghostsym normal-form`` and ``ghostsym ghost``: option names for messages,
``NAME=VALUE`` options, equations that start with a minus sign, and stage reports on standard
error."""

from __future__ import annotations

import sys
import threading
import time

from ..errors import InvalidInputError
from ..reduction._parsing import check_name

#: How the command line names the API's inputs in error messages.
OPTION_NAMES = {
    "equations": "--equations item",
    "variables": "--vars",
    "parameter": "--param",
    "values": "--set",
    "at": "--at",
    "near": "--near",
}


def name_value_pairs(items: list[str] | None, option: str, *, hint: str = "") -> dict[str, str]:
    """``NAME=VALUE`` words of one option as {name: value text}, refusing malformed words,
    names that are not names and a name given twice (``hint`` is added to that message).

    >>> name_value_pairs(["x=0", "mu=1/2"], "--at")
    {'x': '0', 'mu': '1/2'}
    >>> name_value_pairs(["x=0", "x=3"], "--near", hint="; repeat --near for several starts")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --near gives x twice (x=0 and x=3); repeat --near for \
several starts
    >>> name_value_pairs(["mu"], "--set")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --set expects name=value (e.g. mu=0.5), got 'mu'
    """
    pairs: dict[str, str] = {}
    for item in items or []:
        name, separator, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not separator or not name or not value:
            raise InvalidInputError(f"{option} expects name=value (e.g. mu=0.5), got {item!r}")
        check_name(name, option)
        if name in pairs:
            raise InvalidInputError(
                f"{option} gives {name} twice ({name}={pairs[name]} and {name}={value}){hint}"
            )
        pairs[name] = value
    return pairs


def allow_leading_minus(parser) -> None:
    """Let words such as ``-y`` or ``-x*y`` be values (equations), not unknown options.

    argparse reads any word that starts with ``-`` as an option unless it contains a space or
    looks like a negative number; these commands have no one-letter options besides ``-h``,
    so a word with a single leading minus is an expression.
    """
    original = parser._parse_optional

    def parse_optional(word):
        if word.startswith("-") and not word.startswith("--") and word != "-h" and len(word) > 1:
            return None
        return original(word)

    parser._parse_optional = parse_optional


class StageReporter:
    """Stage reports of long symbolic work on standard error.

    With ``verbose`` every stage is printed as it starts; otherwise a stage is printed only
    once it has run for ``after`` seconds, and again every ``every`` seconds while it runs, so
    fast commands print nothing extra.
    """

    def __init__(self, command: str, verbose: bool, after: float = 5.0, every: float = 10.0):
        self.command = command
        self.verbose = verbose
        self.after = after
        self.every = every
        self.stage = None
        self.since = time.perf_counter()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def __call__(self, message: str) -> None:
        with self.lock:
            self.stage = message
            self.since = time.perf_counter()
            self.printed = False
        if self.verbose:
            self._print(message)

    def _print(self, message: str) -> None:
        print(f"ghostsym {self.command}: {message}", file=sys.stderr, flush=True)

    def _watch(self) -> None:
        last = 0.0
        while not self.stopped.wait(0.5):
            with self.lock:
                stage, since = self.stage, self.since
            if stage is None or self.verbose:
                continue
            running = time.perf_counter() - since
            if running >= self.after and time.perf_counter() - last >= self.every:
                self._print(f"{stage} (running {running:.0f} s)")
                last = time.perf_counter()

    def close(self) -> None:
        self.stopped.set()

"""Pieces shared by ``ghostsym normal-form`` and ``ghostsym ghost``: option names for messages,
equations that start with a minus sign, and stage reports on standard error."""

from __future__ import annotations

import sys
import threading
import time

#: How the command line names the API's inputs in error messages.
OPTION_NAMES = {
    "equations": "--equations item",
    "variables": "--vars",
    "parameter": "--param",
    "values": "--set",
    "at": "--at",
    "near": "--near",
}


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

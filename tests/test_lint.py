"""The code base stays ``ruff check`` clean."""

import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ruff_check_is_clean():
    if shutil.which("ruff") is None:
        pytest.fail("ruff is not installed; it is a declared test dependency")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "ghostsym", "tests", "benchmarks", "derivations"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr

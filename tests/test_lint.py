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


def test_layers_contract_is_kept():
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.fail("lint-imports is not installed; import-linter is a declared test dependency")
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_package_root_keeps_at_most_ten_modules():
    modules = sorted(path.name for path in (ROOT / "ghostsym").glob("*.py"))
    assert len(modules) <= 10, modules

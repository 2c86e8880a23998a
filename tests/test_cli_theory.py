"""``ghostsym theory``: output formats, JSON keys and values, and one-line errors."""

import json
import math
import subprocess
import sys

import pytest

from ghostsym.cli import main

KEYS = {"T", "R", "normalised", "r_opt", "r_nl", "grad_at_opt", "critical_lr", "critical_exponent"}


def run(capsys, *arguments):
    status = main(["theory", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    ("arguments", "T", "R", "normalised"),
    [
        (["--T", "100"], 100.0, 100.0, False),
        (["--T", "40", "--R", "10", "--normalised"], 40.0, 10.0, True),
        (["--T", "7.5", "--R", "30"], 7.5, 30.0, False),
    ],
)
def test_json_has_exactly_the_documented_keys_and_the_derived_values(
    capsys, arguments, T, R, normalised
):
    status, out, err = run(capsys, *arguments, "--format", "json")
    assert status == 0 and err == ""
    payload = json.loads(out)
    assert set(payload) == KEYS | {"latex"}
    assert set(payload["latex"]) == KEYS - {"T", "R", "normalised"}
    scale = T if normalised else 1.0
    optimum = math.pi**2 / (4 * T**2)
    boundary = math.pi**2 / (4 * (T + R) ** 2)
    gradient = math.pi / (4 * optimum**1.5) / scale
    assert payload["T"] == T and payload["R"] == R and payload["normalised"] is normalised
    assert payload["r_opt"] == pytest.approx(optimum, rel=1e-14)
    assert payload["r_nl"] == pytest.approx(boundary, rel=1e-14)
    assert payload["grad_at_opt"] == pytest.approx(gradient, rel=1e-13)
    assert payload["critical_lr"] == pytest.approx((optimum - boundary) / gradient, rel=1e-13)
    assert payload["critical_exponent"] == (-4.0 if normalised else -5.0)
    assert all(isinstance(value, str) and value for value in payload["latex"].values())


def test_text_and_latex_formats(capsys):
    status, text, _ = run(capsys, "--T", "100")
    assert status == 0
    assert "alpha_c" in text and "9.132102e-10" in text
    status, latex, _ = run(capsys, "--T", "100", "--format", "latex")
    assert status == 0
    assert "\\begin{align*}" in latex and "\\frac{3 \\pi^{4}}{32 T^{5}}" in latex


@pytest.mark.parametrize(
    "arguments", [["--T", "-1"], ["--T", "0"], ["--T", "10", "--R", "-3"], ["--T", "5", "--R", "0"]]
)
def test_bad_values_give_one_line_error_and_exit_2(capsys, arguments):
    status, out, err = run(capsys, *arguments)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("ghostsym theory: error:") and "> 0" in err


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "ten"])
def test_non_finite_values_are_rejected_by_the_parser(capsys, text):
    with pytest.raises(SystemExit) as raised:
        main(["theory", f"--T={text}"])
    assert raised.value.code == 2
    assert "expected a" in capsys.readouterr().err


def test_console_entry_point_end_to_end():
    good = subprocess.run(
        [sys.executable, "-m", "ghostsym", "theory", "--T", "100", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["critical_lr"] == pytest.approx(3 * math.pi**4 / 32e10)

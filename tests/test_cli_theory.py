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


def parse_error(capsys, *arguments):
    """(exit status, stderr) of an argparse usage error (argparse exits through SystemExit)."""
    with pytest.raises(SystemExit) as raised:
        main(["theory", *arguments])
    return raised.value.code, capsys.readouterr()


@pytest.mark.parametrize(
    "arguments",
    [
        ["--T", "-1"],
        ["--T", "0"],
        ["--T", "10", "--R", "-3"],
        ["--T", "5", "--R", "0"],
        ["--T", "1e-320"],  # subnormal: digits already lost in the input
        ["--T", "1+2j"],
        ["--T=-inf"],
    ],
)
def test_bad_values_give_one_line_error_and_exit_2(capsys, arguments):
    code, captured = parse_error(capsys, *arguments)
    assert code == 2 and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("ghostsym theory: error: argument --")
    assert "expected a finite number > 0" in captured.err


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "ten"])
def test_non_finite_values_are_rejected_by_the_parser(capsys, text):
    code, captured = parse_error(capsys, f"--T={text}")
    assert code == 2
    assert "expected a" in captured.err


# the representable delays for R = T, from the closed forms typed independently of ghostsym's
# derivation, in mpmath: alpha_c = 3 pi^4/(32 T^5) (un-normalised) or 3 pi^4/(32 T^4) (L/T)
# reaches the largest float64 at the smallest T and the smallest normal float64 at the largest
def oracle_range(power):
    import mpmath

    mpmath.mp.dps = 40
    constant = 3 * mpmath.pi**4 / 32
    tiny, huge = mpmath.mpf(sys.float_info.min), mpmath.mpf(sys.float_info.max)
    return float((constant / huge) ** (mpmath.mpf(1) / power)), float(
        (constant / tiny) ** (mpmath.mpf(1) / power)
    )


@pytest.mark.parametrize(("normalised", "power"), [(False, 5), (True, 4)])
def test_representable_delay_range_matches_the_closed_forms(normalised, power):
    from ghostsym.theory import representable_delay_range

    low, high = representable_delay_range(normalised=normalised)
    expected_low, expected_high = oracle_range(power)
    assert low == pytest.approx(expected_low, rel=1e-6)
    assert high == pytest.approx(expected_high, rel=1e-6)


@pytest.mark.parametrize(
    ("arguments", "quantity"),
    [
        (["--T", "1e308"], "r* = 2.467e-616"),
        (["--T", "1e200", "--format", "json"], "r* = 2.467e-400"),
        (["--T", "1e70", "--format", "latex"], "alpha_c = 9.132e-350"),
        (["--T", "1e-70"], "alpha_c = 9.132e+350"),
        (["--T", "1e60", "--R", "1e300"], "r_NL = 2.467e-600"),
    ],
)
def test_numbers_outside_float64_are_refused_never_printed(capsys, arguments, quantity):
    status, out, err = run(capsys, *arguments)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("ghostsym theory: error: --")
    assert quantity in err


def test_out_of_range_message_names_the_representable_delays(capsys):
    status, _, err = run(capsys, "--T", "1e308")
    low, high = oracle_range(5)
    assert status == 2
    assert f"use --T in [{low:.4g}, {high:.4g}]" in err


@pytest.mark.parametrize("normalised", [False, True])
def test_edges_of_the_range_are_printed_and_just_outside_refused(capsys, normalised):
    low, high = oracle_range(4 if normalised else 5)
    flag = ["--normalised"] if normalised else []
    for inside in (low * 1.001, high / 1.001):
        status, out, _ = run(capsys, "--T", repr(inside), "--format", "json", *flag)
        assert status == 0
        payload = json.loads(out)
        assert all(math.isfinite(payload[key]) for key in ("r_opt", "r_nl", "critical_lr"))
        assert sys.float_info.min <= payload["critical_lr"] <= sys.float_info.max
    for outside in (low / 1.001, high * 1.001):
        status, out, _ = run(capsys, "--T", repr(outside), *flag)
        assert status == 2 and out == ""


def test_console_entry_point_end_to_end():
    good = subprocess.run(
        [sys.executable, "-m", "ghostsym", "theory", "--T", "100", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["critical_lr"] == pytest.approx(3 * math.pi**4 / 32e10)

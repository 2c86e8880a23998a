"""Property tests of the command line's value parsers: random bad input gives exit status 2,
one line ``ghostsym CMD: error: ...`` on stderr, no traceback, and no file written.

Every example runs ``main`` in-process with an empty temporary directory as the working
directory; everything is refused before any computation, so each example takes milliseconds.
"""

import argparse
import math
import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghostsym.cli import main
from ghostsym.cli._common import MAX_INTEGER, bounded_int, finite_float, positive_int

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def empty_directory(tmp_path):
    before = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def refused(capsys, directory, argv):
    """Assert ``argv`` is refused cleanly; return the one error line."""
    try:
        status = main(argv)
    except SystemExit as exit_info:
        status = exit_info.code
    captured = capsys.readouterr()
    assert status == 2, (argv, captured.err)
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, (argv, captured.err)
    assert lines[0].startswith(f"ghostsym {argv[0]}: error: "), lines[0]
    assert "Traceback" not in captured.err
    assert list(directory.iterdir()) == []
    return lines[0]


def not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


#: text float() refuses, spelled-out non-finite values, complex numbers, subnormals
bad_real_text = st.one_of(
    st.text(max_size=12).filter(not_a_number),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "+inf", "Infinity", "1e999", "-1e999"]),
    st.builds(lambda a, b: f"{a}+{b}j", st.integers(-9, 9), st.integers(1, 9)),
    st.floats(min_value=5e-324, max_value=2.2e-308, exclude_max=True).map(repr),
)
non_positive = st.floats(max_value=0, allow_nan=False, allow_infinity=False).map(repr)
bad_positive_text = st.one_of(bad_real_text, non_positive)


@EXAMPLES
@given(text=bad_positive_text, option=st.sampled_from(["--T", "--R"]))
def test_theory_refuses_every_bad_number(capsys, empty_directory, text, option):
    argv = ["theory", "--T", "100", f"{option}={text}"]
    assert option in refused(capsys, empty_directory, argv)


@EXAMPLES
@given(exponent=st.floats(min_value=61.8, max_value=308.25), small=st.booleans())
def test_theory_refuses_delays_whose_numbers_leave_float64(
    capsys, empty_directory, exponent, small
):
    # outside [3.48e-62, 5.28e61] (R = T, un-normalised), and a normal float64 itself
    delay = 10.0 ** (-exponent if small else exponent)
    if not sys.float_info.min <= delay <= sys.float_info.max:
        return
    line = refused(capsys, empty_directory, ["theory", f"--T={delay!r}", "--format", "json"])
    assert "--T" in line and "use --T in [3.477e-62, 5.28e+61]" in line


integer_options = st.sampled_from(
    ["--seeds", "--first-seed", "--epochs", "--record-every", "--size", "--delay", "--response"]
)
bad_integer_text = st.one_of(
    st.integers(max_value=-1).map(str),
    st.integers(min_value=MAX_INTEGER + 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8).filter(lambda t: not t.strip().lstrip("+-").isdigit()),
)


@EXAMPLES
@given(option=integer_options, text=bad_integer_text)
def test_train_refuses_bad_integers(capsys, empty_directory, option, text):
    line = refused(capsys, empty_directory, ["train", "rank-one", f"{option}={text}"])
    assert option in line


@EXAMPLES
@given(option=st.sampled_from(["--lr", "--confidence", "--learned-below"]), text=bad_positive_text)
def test_train_refuses_bad_reals(capsys, empty_directory, option, text):
    line = refused(capsys, empty_directory, ["train", "rank-one", f"{option}={text}"])
    assert option in line


@EXAMPLES
@given(
    model=st.sampled_from(["rank-one", "low-rank", "full-rank", "canonical"]),
    extra=st.sampled_from(
        [
            ["--normalised"],
            ["--rank", "1"],
            ["--confidence", "2"],
            ["--trainable-confidence"],
            ["--delay-ms", "40"],
            ["--run-index", "0"],
            ["--task", "dmts", "--delay", "5"],
        ]
    ),
)
def test_train_refuses_options_that_do_not_apply(capsys, empty_directory, model, extra):
    applies = {
        "--normalised": model == "canonical",
        "--rank": model == "low-rank",
        "--confidence": model == "rank-one",
        "--trainable-confidence": model == "rank-one",
        "--delay-ms": False,  # the default task is delayed activation
        "--run-index": False,  # without --save-network
        "--task": False,  # dmts with --delay: --delay (or the task, for rank-one) is refused
    }
    if applies[extra[0]]:
        return
    refused(capsys, empty_directory, ["train", model, *extra])


@EXAMPLES
@given(text=bad_integer_text)
def test_gradient_check_refuses_bad_seeds(capsys, empty_directory, text):
    assert "--seed" in refused(capsys, empty_directory, ["gradient-check", f"--seed={text}"])


# --- the type helpers themselves ------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    value=st.floats(allow_nan=True, allow_infinity=True),
    low=st.floats(-1e6, 1e6),
    width=st.floats(0, 1e6),
    include_minimum=st.booleans(),
    include_maximum=st.booleans(),
)
def test_finite_float_accepts_exactly_the_finite_normal_numbers_within_bounds(
    value, low, width, include_minimum, include_maximum
):
    high = low + width
    parse = finite_float(
        "--x", low, high, include_minimum=include_minimum, include_maximum=include_maximum
    )
    above = value >= low if include_minimum else value > low
    below = value <= high if include_maximum else value < high
    normal = value == 0 or abs(value) >= sys.float_info.min
    if math.isfinite(value) and normal and above and below:
        assert parse(repr(value)) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError):
            parse(repr(value))


@settings(max_examples=200, deadline=None)
@given(value=st.integers(-(2**70), 2**70), low=st.integers(-5, 5), high=st.integers(0, 2**40))
def test_bounded_int_accepts_exactly_the_integers_within_bounds(value, low, high):
    parse = bounded_int("--n", low, high)
    if low <= value <= min(high, MAX_INTEGER):
        assert parse(str(value)) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError):
            parse(str(value))
    if value >= 1 and value <= MAX_INTEGER:
        assert positive_int("--n")(str(value)) == value

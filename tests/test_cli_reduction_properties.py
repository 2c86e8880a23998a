"""Property tests of the value parsers behind ``ghostsym ghost`` and ``ghostsym normal-form``
(``--set``, ``--near``, ``--at``, ``--from``, ``--periodic``, equations), with hypothesis.

Random text gives either a valid parse, whose numbers are finite and real, or an
InvalidInputError, never another exception; random bad option values at the command line give
exit status 2, one line on standard error, nothing on standard output and no file.
"""

from __future__ import annotations

import math
import os

import pytest
import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ghostsym.cli import main
from ghostsym.cli._reduction_options import name_value_pairs
from ghostsym.errors import InvalidInputError
from ghostsym.reduction._parsing import CONSTANTS, FUNCTIONS
from ghostsym.reduction._symbolic import parse_system, reduce_fold, reduce_ghost
from ghostsym.reduction._trajectory import parse_periods

FAST = settings(max_examples=60, deadline=None)
CLI = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- strategies ----------------------------------------------------------------------------
numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.sampled_from(["0.5", "1e-3", "2e5", ".5", "1.", "1e308", "1e-320"]),
)
tokens = st.one_of(
    numbers,
    st.sampled_from(["x", "y", "mu", "pi", "E", "I", "oo", "nan", "zoo", "k", "lambda"]),
    st.sampled_from(["+", "-", "*", "/", "**", "(", ")", ",", "=", "^", ".", " ", "[", "]"]),
    st.sampled_from([f"{name}(" for name in FUNCTIONS] + ["foo(", "__import__("]),
)
#: Text that looks like an expression: tokens of the grammar, in any order.
expression_like = st.lists(tokens, min_size=1, max_size=12).map("".join)
#: Any text at all, ASCII and not.
any_text = st.one_of(st.text(max_size=40), expression_like)

positive = st.integers(1, 99).map(str)
unknown_names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: name not in FUNCTIONS and name not in CONSTANTS
)
#: Values that are never a finite real number.
bad_values = st.one_of(
    st.sampled_from(["1/0", "oo", "zoo", "nan", "inf", "-inf", "1e400", "-1e999", "log(0)"]),
    st.builds(lambda v, n: f"({v})*{n}", st.sampled_from(["1/0", "oo", "log(0)"]), positive),
    st.builds(lambda n: f"{n} + {n}*I", positive),
    st.builds(lambda n: f"sqrt(-{n})", positive),
    st.builds(lambda n: f"log(-{n})", positive),
    st.builds(lambda n: f"asin({n} + 1)", positive),
    unknown_names,
    st.text(alphabet="()+-*/^.,[]{}:;!@#$%&", min_size=1, max_size=8),
    st.builds(
        lambda a, c, b: a + c + b,
        st.text(alphabet="0123456789x+-", max_size=4),
        st.characters(min_codepoint=128, max_codepoint=0x2FFF),
        st.text(alphabet="0123456789", max_size=4),
    ),
)
#: Words that are not NAME=VALUE at all.
bad_words = st.one_of(
    st.text(alphabet="abcxyz0123456789 .+", min_size=1, max_size=10).filter(lambda w: "=" not in w),
    st.builds(lambda v: "=" + v, st.text(max_size=5)),
    st.builds(lambda n: n + "=", st.sampled_from(["x", "mu", "s"])),
    st.builds(lambda n, v: f"{n}={v}", st.sampled_from(["1x", "x-y", "exp", "x y"]), positive),
)


def finite_real(value) -> bool:
    number = sympy.N(value, 30)
    return bool(number.is_real) and math.isfinite(float(number))


# --- parsers -------------------------------------------------------------------------------
@FAST
@given(st.lists(any_text, max_size=4))
def test_name_value_pairs_parse_or_refuse(words):
    try:
        pairs = name_value_pairs(words, "--set")
    except InvalidInputError as error:
        assert "\n" not in str(error) and str(error).startswith("--set")
        return
    assert len(pairs) == len(words) and all(pairs.values())


@FAST
@given(any_text)
@example("exp(710)")  # finite as a number, inf in float64
@example("-10**309")
def test_set_values_are_finite_reals_or_refused(text):
    try:
        f, _, _ = parse_system(
            ["x + k"], ["x"], None, {"k": text}, option_names={"values": "--set"}
        )
    except InvalidInputError as error:
        assert str(error).startswith("--set k") and "\n" not in str(error)
        return
    assert finite_real(f[0].subs(sympy.Symbol("x", real=True), 0))


@FAST
@given(any_text)
def test_equations_parse_or_are_refused(text):
    try:
        f, _, _ = parse_system([text], ["x"], "mu", option_names={"equations": "--equations item"})
    except InvalidInputError as error:
        assert str(error).startswith("--equations item") and "\n" not in str(error)
        return
    assert isinstance(f[0], sympy.Expr)
    assert not f[0].has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


@FAST
@given(any_text)
@example("exp(710)")  # finite as a number, inf in float64
@example("-10**309")
def test_at_values_are_finite_reals_or_refused(text):
    x, mu = sympy.symbols("x mu", real=True)
    try:
        fold = reduce_fold(["mu + x**2"], ["x"], "mu", at={"x": text, "mu": "0"},
                           option_names={"at": "--at"})  # fmt: skip
    except InvalidInputError as error:
        assert str(error).startswith("--at x") and "\n" not in str(error)
        return
    except ArithmeticError:  # a real number that is not the fold: a named degeneracy
        return
    assert all(finite_real(value) for value in fold.point)


@FAST
@given(any_text)
@example("exp(710)")  # finite as a number, inf in float64
@example("-10**309")
def test_near_values_are_finite_reals_or_refused(text):
    try:
        ghost = reduce_ghost(["0.01 + x**2"], ["x"], {"x": text}, minimise=False,
                             option_names={"near": "--near"})  # fmt: skip
    except InvalidInputError as error:
        assert str(error).startswith("--near") and "\n" not in str(error)
        return
    except ArithmeticError:  # e.g. no one-dimensional reduction there: a named degeneracy
        return
    assert all(finite_real(value) for value in ghost.point)


@FAST
@given(any_text)
@example("exp(710)")  # finite as a number, inf in float64
@example("-10**309")
def test_periods_are_positive_finite_or_refused(text):
    try:
        periods = parse_periods({"x": text}, ["x"], "--periodic")
    except InvalidInputError as error:
        assert str(error).startswith("--periodic") and "\n" not in str(error)
        return
    assert math.isfinite(periods[0]) and periods[0] > 0


# --- the command line ----------------------------------------------------------------------
GHOST = ["ghost", "--equations", "mu + x**2", "--vars", "x"]
FOLD = ["normal-form", "--equations", "mu + x**2", "--vars", "x", "--param", "mu"]

#: (where the bad value goes) -> argv around it.
PLACES = {
    "--set": lambda v: [*GHOST, "--set", f"mu={v}", "--near", "x=0"],
    "--near": lambda v: [*GHOST, "--set", "mu=0.1", "--near", f"x={v}"],
    "--from": lambda v: [*GHOST, "--set", "mu=0.1", "--from", f"x={v}", "--duration", "1"],
    "--periodic": lambda v: [*GHOST, "--set", "mu=0.1", "--near", "x=0", "--periodic", f"x={v}"],
    "--at": lambda v: [*FOLD, "--at", "x=0", f"mu={v}"],
    "--at --numeric": lambda v: [*FOLD, "--numeric", "--at", f"x={v}", "mu=0"],
    "normal-form --set": lambda v: [
        "normal-form", "--equations", "mu + s*x**2", "--vars", "x", "--param", "mu",
        "--at", "x=0", "mu=0", "--set", f"s={v}",
    ],
}  # fmt: skip
WORD_PLACES = {
    "--set": lambda w: [*GHOST, "--set", w, "--near", "x=0"],
    "--near": lambda w: [*GHOST, "--set", "mu=0.1", "--near", w],
    "--at": lambda w: [*FOLD, "--at", w],
}


def assert_clean_refusal(argv, capsys, folder):
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse's own usage errors
        status = stop.code
    captured = capsys.readouterr()
    assert status == 2, (argv, captured.err)
    assert captured.out == ""
    assert captured.err.startswith(f"ghostsym {argv[0]}: error: "), captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert os.listdir(folder) == []


@pytest.mark.parametrize("place", sorted(PLACES))
def test_bad_values_exit_2_with_one_line_and_no_file(place, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    @CLI
    @given(bad_values)
    def check(value):
        assert_clean_refusal(PLACES[place](value), capsys, tmp_path)

    check()


@pytest.mark.parametrize("place", sorted(WORD_PLACES))
def test_malformed_assignments_exit_2_with_one_line(place, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    @CLI
    @given(bad_words)
    def check(word):
        assert_clean_refusal(WORD_PLACES[place](word), capsys, tmp_path)

    check()

"""Hostile input: every string a user types is read by the safe parser, never evaluated.

Each payload must give a clean InvalidInputError (one line at the command line, exit 2) and no
side effect: a marker file that the payload would create does not appear.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from ghostsym.cli import main
from ghostsym.errors import InvalidInputError
from ghostsym.reduction._parsing import parse_expression
from ghostsym.reduction._symbolic import parse_system

WORKTREE = Path(__file__).resolve().parents[1]
X, MU = sympy.symbols("x mu", real=True)
NAMES = {"x": X, "mu": MU}


def payloads(marker: Path) -> dict[str, str]:
    """Named payloads; each would create ``marker`` if it were ever evaluated."""
    touch = f"open('{marker}', 'w')"
    system = f"__import__('os').system('touch {marker}')"
    return {
        "import": system,
        "import-bare": "__import__",
        "open": touch,
        "exec": f'exec("{touch}")',
        "eval": f'eval("{touch}")',
        "lambda": f"(lambda: {touch})()",
        "attribute-globals": "x.func.__globals__",
        "attribute-class": "().__class__.__bases__[0].__subclasses__()",
        "subscript": "x[0]",
        "list-comprehension": f"[{touch} for _ in (1,)]",
        "generator": f"sum({touch} for _ in (1,))",
        "walrus": f"(y := {touch})",
        "f-string": "f'{" + touch + "}'",
        "string": "'abc'",
        "bytes": "b'abc'",
        "keyword-argument": "exp(x, evaluate=False)",
        "starred": "exp(*[x])",
        "comparison": "x < 1",
        "boolean": "x and mu",
        "conditional": "x if mu else 1",
        "tuple": "x, mu",
        "bit-xor": "x ^ 2",
        "power-tower": "9**9**9**9",
        "huge-exponent": "x**(10**100)",
        "huge-literal": "1" * 2000,
        "huge-power": "10**999 * 10**999",
        "deep-parentheses": "(" * 500 + "x" + ")" * 500,
        "deep-unary": "-" * 300 + "x",
        "long-text": "+".join(["x"] * 3000),
        "unicode-fullwidth": "\uff58 + 1",
        "unicode-homoglyph": "\u0445 + mu",
        "unicode-zero-width": "x\u200b + 1",
        "null-byte": "x\x00",
        "newline-statement": f"x\n{system}",
        "semicolon": f"x; {system}",
        "dunder-name": "__builtins__",
        "sympy-function": "Function('f')(x)",
        "sympify-call": f'sympify("{system}")',
        "integrate-call": "integrate(x, x)",
        "complex-literal": "1j",
        "infinity": "1e400",
        "division-by-zero": "1/0",
        "empty": "",
        "blank": "   ",
        "incomplete": "x +",
        "call-of-call": "exp(x)(mu)",
        "getattr": "getattr(x, 'func')",
        "globals": "globals()",
        "breakpoint": "breakpoint()",
        "await": "await x",
        "yield": "(yield x)",
        "slice": "x[1:2]",
        "set": "{x}",
        "dict": "{x: 1}",
        "ellipsis": "...",
        "matmul": "x @ mu",
        "shift": "x << 2",
        "invert": "~x",
        "not": "not x",
    }


def test_every_named_payload_is_refused_without_side_effects(tmp_path):
    marker = tmp_path / "pwned"
    for name, text in payloads(marker).items():
        with pytest.raises(InvalidInputError) as error:
            parse_expression(text, NAMES, option="--equations item 1")
        message = str(error.value)
        assert message.startswith("--equations item 1"), name
        assert "\n" not in message, name
        assert not marker.exists(), name


def test_payloads_in_values_and_equations_of_the_api(tmp_path):
    marker = tmp_path / "pwned"
    for text in payloads(marker).values():
        with pytest.raises(InvalidInputError):
            parse_system([text], ["x"], "mu")
        with pytest.raises(InvalidInputError):
            parse_system(["x + k"], ["x"], "mu", {"k": text})
    assert not marker.exists()


def test_the_tower_of_powers_is_refused_in_well_under_a_second():
    started = time.perf_counter()
    with pytest.raises(InvalidInputError, match="exponent"):
        parse_expression("9**9**9**9", NAMES, option="--at mu")
    assert time.perf_counter() - started < 0.2


def test_command_line_payloads_exit_2_with_one_line(tmp_path, capsys):
    marker = tmp_path / "pwned"
    base = ["--equations", "x**2 + mu", "--vars", "x", "--param", "mu"]
    for text in payloads(marker).values():
        if not text.strip() or "\x00" in text:
            continue  # argv cannot carry NUL; blank words are tested as "name=value" below
        for argv in (
            ["normal-form", *base, "--at", "x=0", f"mu={text}"],
            ["normal-form", "--equations", text, "--vars", "x", "--param", "mu"],
            ["normal-form", *base, "--at", "x=0", "mu=0", "--set", f"k={text}"],
            ["ghost", "--equations", "x**2 + 0.01", "--vars", "x", "--near", f"x={text}"],
        ):
            try:
                status = main(argv)
            except SystemExit as exit_info:  # argparse's own one-line usage errors
                status = exit_info.code
            captured = capsys.readouterr()
            assert status == 2, (argv, captured)
            assert captured.out == "" and captured.err.count("\n") == 1, (argv, captured)
            assert captured.err.startswith("ghostsym "), captured.err
    assert not marker.exists()


def test_the_documented_attack_does_not_run(tmp_path):
    marker = tmp_path / "pwned"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ghostsym",
            "normal-form",
            "--equations",
            "x**2+mu",
            "--vars",
            "x",
            "--param",
            "mu",
            "--at",
            "x=0",
            f"mu=__import__('os').system('touch {marker}')",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(WORKTREE)},
        timeout=120,
    )
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and "--at mu" in completed.stderr
    assert not marker.exists()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_parses_or_is_refused_cleanly(text):
    try:
        result = parse_expression(text, NAMES, option="--equations item 1")
    except InvalidInputError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(result, sympy.Expr)
    assert result.free_symbols <= {X, MU}


ALPHABET = "xmu0123456789.+-*/()eE ,^*_[]'\"=:;lambdaexpsqrt"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_random_expression_like_text_parses_or_is_refused_cleanly(text):
    started = time.perf_counter()
    try:
        result = parse_expression(text, NAMES, option="--equations item 1")
    except InvalidInputError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(result, sympy.Expr)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("name", ["lambda", "E", "I", "S", "N", "Q"])
def test_names_sympy_reserves_work_as_variables(name):
    f, variables, parameter = parse_system([f"{name}**2 + mu"], [name], "mu")
    [symbol] = variables
    assert symbol.name == name and f[0] == symbol**2 + parameter


def test_reserved_names_work_end_to_end(capsys):
    status = main(
        [
            "normal-form",
            "--equations",
            "lambda + x**2",
            "--vars",
            "x",
            "--param",
            "lambda",
            "--at",
            "x=0",
            "lambda=0",
            "--format",
            "json",
        ]
    )
    assert status == 0 and '"ab": 1.0' in capsys.readouterr().out


def test_function_names_cannot_be_variables():
    with pytest.raises(InvalidInputError, match="function name"):
        parse_system(["exp + 1"], ["exp"], None)


def test_undeclared_e_is_euler_and_pi_is_pi():
    value = parse_expression("E + pi", {}, option="--at x")
    assert value == sympy.E + sympy.pi


def test_allowed_grammar_builds_the_expected_expression():
    text = "-x + 2*mu**3/4 - exp(-x) + sqrt(2)*sin(x)*cos(mu) + tanh(x) + Abs(mu) + 0.25"
    expected = (
        -X
        + MU**3 / 2
        - sympy.exp(-X)
        + sympy.sqrt(2) * sympy.sin(X) * sympy.cos(MU)
        + sympy.tanh(X)
        + sympy.Abs(MU)
        + sympy.Rational(1, 4)
    )
    assert (
        sympy.simplify(parse_expression(text, NAMES, option="--equations item 1") - expected) == 0
    )

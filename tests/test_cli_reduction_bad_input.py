"""Bad input to ``ghostsym ghost`` and ``ghostsym normal-form``: each case exits with status 2,
prints one line ``ghostsym CMD: error: ...`` naming the option (or the degeneracy) and what was
expected, prints nothing on standard output, and writes no file.

The table :data:`CASES` is the record of what was tried (command, bad input, expected message);
``python tests/test_cli_reduction_bad_input.py`` prints it with the actual exit status and message.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ghostsym.cli import main

MU_X = ["--equations", "mu + x**2", "--vars", "x"]
FOLD = ["--equations", "mu + x**2", "--vars", "x", "--param", "mu"]
TRAJECTORY = [*MU_X, "--set", "mu=0.1", "--from", "x=0"]

#: (identifier, argv, fragment of the expected message). ``{files}`` is the folder of the bad
#: network files made by :func:`bad_files`.
CASES = [
    # --- ghost: --set -------------------------------------------------------------------
    ("set-division-by-zero", ["ghost", *MU_X, "--set", "mu=1/0", "--near", "x=0"],
     "--set mu: cannot read '1/0': division by zero"),
    ("set-oo", ["ghost", *MU_X, "--set", "mu=oo", "--near", "x=0"], "--set mu: cannot read 'oo'"),
    ("set-zoo", ["ghost", *MU_X, "--set", "mu=zoo", "--near", "x=0"], "unknown name 'zoo'"),
    ("set-nan", ["ghost", *MU_X, "--set", "mu=nan", "--near", "x=0"], "unknown name 'nan'"),
    ("set-inf", ["ghost", *MU_X, "--set", "mu=inf", "--near", "x=0"], "unknown name 'inf'"),
    ("set-complex", ["ghost", *MU_X, "--set", "mu=1 + I", "--near", "x=0"], "unknown name 'I'"),
    ("set-overflow", ["ghost", *MU_X, "--set", "mu=1e400", "--near", "x=0"], "is not finite"),
    ("set-imaginary", ["ghost", *MU_X, "--set", "mu=sqrt(-1)", "--near", "x=0"],
     "--set mu: 'sqrt(-1)' is not a real number"),
    ("set-beyond-float64", ["ghost", *MU_X, "--set", "mu=exp(710)", "--near", "x=0"],
     "--set mu: 'exp(710)' = 2.23E+308 is outside the float64 range (|value| <= 1.80e+308)"),
    ("near-beyond-float64", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=-exp(710)"],
     "--near x: '-exp(710)' = -2.23E+308 is outside the float64 range"),
    ("from-beyond-float64", ["ghost", *MU_X, "--set", "mu=0.1", "--from", "x=10**309",
     "--duration", "1"], "outside the float64 range"),
    ("set-log-zero", ["ghost", *MU_X, "--set", "mu=log(0)", "--near", "x=0"],
     "--set mu: 'log(0)' is not finite"),
    ("set-unused-name", ["ghost", *MU_X, "--set", "mu=0.1", "nu=3", "--near", "x=0"],
     "--set names nu, which does not appear in the equations (parameters there: mu)"),
    ("set-twice", ["ghost", *MU_X, "--set", "mu=0.1", "mu=3", "--near", "x=0"],
     "--set gives mu twice (mu=0.1 and mu=3)"),
    ("set-a-variable", ["ghost", *MU_X, "--set", "mu=1", "x=1", "--near", "x=0"],
     "--set x: x is a variable (--vars); --set gives parameters"),
    ("set-empty-value", ["ghost", *MU_X, "--set", "mu=", "--near", "x=0"],
     "--set expects name=value"),
    ("set-no-equals", ["ghost", *MU_X, "--set", "mu", "--near", "x=0"], "--set expects name=value"),
    ("set-bad-name", ["ghost", *MU_X, "--set", "1mu=2", "--near", "x=0"], "'1mu' is not a name"),
    ("set-missing", ["ghost", *MU_X, "--near", "x=0"],
     "needs numbers for ['mu'] (give them with --set)"),
    # --- ghost: --near ------------------------------------------------------------------
    ("near-text", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=abc"],
     "--near x: cannot read 'abc': unknown name 'abc'"),
    ("near-undeclared", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=0", "y=3"],
     "--near names y, which is not a variable (variables: x)"),
    ("near-twice", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=0", "x=3"],
     "--near gives x twice (x=0 and x=3); for several starts repeat --near"),
    ("near-missing-variable", ["ghost", "--equations", "x", "y", "--vars", "x", "y",
                               "--near", "x=0"], "--near must give every variable; missing ['y']"),
    ("near-overflow", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=1e400"], "is not finite"),
    ("near-complex", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=2*I"], "unknown name 'I'"),
    ("near-and-from", ["ghost", *TRAJECTORY, "--near", "x=0", "--duration", "1"],
     "give either --near (starts) or --from"),
    ("near-missing", ["ghost", *MU_X, "--set", "mu=0.1"], "--near is required with --equations"),
    # --- ghost: equations and --vars -----------------------------------------------------
    ("unknown-function", ["ghost", "--equations", "mu + foo(x)", "--vars", "x", "--set",
                          "mu=0.1", "--near", "x=0"], "a call of 'foo'"),
    ("attribute", ["ghost", "--equations", "x.real", "--vars", "x", "--near", "x=0"],
     "attribute access"),
    ("equation-count", ["ghost", "--equations", "x", "x", "--vars", "x", "--near", "x=0"],
     "need one equation per variable, got 2 for 1"),
    ("equation-empty", ["ghost", "--equations", " ", "--vars", "x", "--near", "x=0"],
     "--equations item 1: the expression is empty"),
    ("equation-infinite", ["ghost", "--equations", "x + 1/0", "--vars", "x", "--near", "x=0"],
     "division by zero"),
    ("equation-non-ascii", ["ghost", "--equations", "x\u00b2", "--vars", "x", "--near", "x=0"],
     "character U+00B2 is not allowed"),
    ("vars-twice", ["ghost", "--equations", "x", "x", "--vars", "x", "x", "--near", "x=0"],
     "--vars: variables must be distinct"),
    ("vars-function-name", ["ghost", "--equations", "exp", "--vars", "exp", "--near", "exp=0"],
     "--vars: 'exp' is a function name"),
    ("vars-missing", ["ghost", "--equations", "x", "--near", "x=0"], "--vars is required"),
    # --- ghost: --from, --duration, --window, --periodic -----------------------------------
    ("from-undeclared", ["ghost", *MU_X, "--set", "mu=0.1", "--from", "x=0", "y=1",
                         "--duration", "1"], "--from names ['y'], which are not variables"),
    ("from-nan", ["ghost", *MU_X, "--set", "mu=0.1", "--from", "x=nan", "--duration", "1"],
     "--from x: cannot read 'nan'"),
    ("from-twice", ["ghost", *MU_X, "--set", "mu=0.1", "--from", "x=0", "x=1", "--duration", "1"],
     "--from gives x twice"),
    ("from-beyond-escape", ["ghost", *MU_X, "--set", "mu=0.1", "--from", "x=1e7", "--duration",
                            "1"], "--from: every |x_i| must be below 1e+06"),
    ("from-without-duration", ["ghost", *TRAJECTORY], "--from needs --duration"),
    ("duration-nan", ["ghost", *TRAJECTORY, "--duration", "nan"],
     "argument --duration: expected a finite number > 0, got 'nan'"),
    ("duration-negative", ["ghost", *TRAJECTORY, "--duration", "-1"],
     "argument --duration: expected a finite number > 0"),
    ("duration-huge", ["ghost", *TRAJECTORY, "--duration", "1e300"],
     "--duration must be at most 100000 (the trajectory is sampled 20 times per unit time)"),
    ("duration-without-from", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=0",
                               "--duration", "5"], "--duration goes with --from"),
    ("window-without-from", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=0", "--window", "5"],
     "--window goes with --from"),
    ("window-one", ["ghost", *TRAJECTORY, "--duration", "1", "--window", "1"],
     "window must be > 1"),
    ("periodic-zero", ["ghost", *TRAJECTORY, "--duration", "1", "--periodic", "x=0"],
     "--periodic x must be a finite number > 0"),
    ("periodic-text", ["ghost", *TRAJECTORY, "--duration", "1", "--periodic", "x=abc"],
     "--periodic x: cannot read 'abc'"),
    ("periodic-undeclared", ["ghost", *TRAJECTORY, "--duration", "1", "--periodic", "y=1"],
     "--periodic names 'y', which is not a variable"),
    ("periodic-infinite", ["ghost", *MU_X, "--set", "mu=0.1", "--near", "x=0",
                           "--periodic", "x=1/0"], "--periodic x: cannot read '1/0'"),
    # --- ghost: degenerate mathematics -----------------------------------------------------
    ("f-undefined-at-start", ["ghost", "--equations", "1/x", "--vars", "x", "--near", "x=0"],
     "no slow point found (from x=0: f is not defined at x = [0]"),
    ("f-not-real", ["ghost", "--equations", "log(x)", "--vars", "x", "--near", "x=-1"],
     "f is not real at x = [-1]"),
    ("no-slow-point-exp", ["ghost", "--equations", "exp(x)", "--vars", "x", "--near", "x=0"],
     "no resolved slow point"),
    ("no-slow-point-decay", ["ghost", "--equations", "1/(1 + x**2)", "--vars", "x",
                             "--near", "x=0.5"], "no resolved slow point"),
    ("degenerate-zero-cubic", ["ghost", "--equations", "x**3", "--vars", "x", "--near", "x=0.5"],
     "no resolved slow point"),
    ("b-too-small", ["ghost", "--equations", "x**3 + 0.01", "--vars", "x", "--near", "x=0.5"],
     "is too small"),
    ("constant-field", ["ghost", "--equations", "1", "--vars", "x", "--near", "x=0.5"],
     "f is locally constant"),
    ("trajectory-leaves-domain", ["ghost", "--equations", "-sqrt(x)", "--vars", "x", "--from",
                                  "x=1", "--duration", "10"], "not real and finite at t ="),
    ("trajectory-start-undefined", ["ghost", "--equations", "log(x)", "--vars", "x", "--from",
                                    "x=-1", "--duration", "1"], "not real and finite at the start"),
    ("r-overflows", ["ghost", "--equations", "mu + 1e200*x**2", "--vars", "x", "--set",
                     "mu=1e200", "--near", "x=0"], "r = 1.0e+400 is outside the float64 range"),
    ("r-underflows", ["ghost", *MU_X, "--set", "mu=1e-320", "--near", "x=0"],
     "r = 1.0e-320 is outside the float64 range"),
    # --- ghost --network ---------------------------------------------------------------------
    ("network-empty", ["ghost", "--network", "{files}/empty.npz"],
     "--network: cannot read '{files}/empty.npz' as an .npz archive"),
    ("network-truncated", ["ghost", "--network", "{files}/truncated.npz"],
     "--network: cannot read '{files}/truncated.npz' as an .npz archive"),
    ("network-directory", ["ghost", "--network", "{files}/folder.npz"],
     "--network: network file '{files}/folder.npz' is a directory"),
    ("network-missing", ["ghost", "--network", "{files}/absent.npz"], "does not exist"),
    ("network-text", ["ghost", "--network", "{files}/text.npz"],
     "--network: cannot read '{files}/text.npz' as an .npz archive (not a zip archive"),
    ("network-single-array", ["ghost", "--network", "{files}/single.npy"],
     "holds a single array (.npy), not an .npz archive"),
    ("network-missing-key", ["ghost", "--network", "{files}/no-weights.npz"],
     "expected 'W' (or 'm' and 'n') and 'b'"),
    ("network-complex", ["ghost", "--network", "{files}/complex.npz"],
     "--network: W must contain real numbers, got complex128 entries"),
    ("network-complex-factor", ["ghost", "--network", "{files}/complex-factor.npz"],
     "--network: m must contain real numbers, got complex128 entries"),
    ("network-nan", ["ghost", "--network", "{files}/nan.npz"],
     "--network: W must contain only finite numbers, found nan (9 of 9 entries)"),
    ("network-inf-bias", ["ghost", "--network", "{files}/inf-bias.npz"],
     "--network: b must contain only finite numbers"),
    ("network-text-weights", ["ghost", "--network", "{files}/text-weights.npz"],
     "--network: W must contain real numbers, got text entries"),
    ("network-boolean", ["ghost", "--network", "{files}/boolean.npz"],
     "--network: W must contain real numbers, got boolean entries"),
    ("network-object", ["ghost", "--network", "{files}/object.npz"],
     "--network: cannot read the array 'W'"),
    ("network-not-square", ["ghost", "--network", "{files}/not-square.npz"],
     "--network: W must be a square (N, N) matrix"),
    ("network-empty-weights", ["ghost", "--network", "{files}/empty-weights.npz"],
     "--network: W must be a square (N, N) matrix, N >= 1, got (0, 0)"),
    ("network-bias-shape", ["ghost", "--network", "{files}/bias-shape.npz"],
     "--network: b must have shape (3,)"),
    ("network-alpha-vector", ["ghost", "--network", "{files}/alpha-vector.npz"],
     "--network: alpha must be one number"),
    ("network-with-near", ["ghost", "--network", "{files}/good.npz", "--near", "x=1"],
     "go with --equations, not --network"),
    ("near-states-complex", ["ghost", "--network", "{files}/good.npz", "--near-states",
                             "{files}/complex-states.npy"],
     "--near-states: near states must contain real numbers"),
    ("near-states-shape", ["ghost", "--network", "{files}/good.npz", "--near-states",
                           "{files}/short-states.npy"], "--near-states: near states must have"),
    ("near-states-archive", ["ghost", "--network", "{files}/good.npz", "--near-states",
                             "{files}/good.npz"], "is an .npz archive; expected one .npy array"),
    ("near-states-empty", ["ghost", "--network", "{files}/good.npz", "--near-states",
                           "{files}/empty.npz"], "--near-states: cannot read"),
    # --- normal-form -------------------------------------------------------------------------
    ("at-division-by-zero", ["normal-form", *FOLD, "--at", "x=0", "mu=1/0"],
     "--at mu: cannot read '1/0': division by zero"),
    ("at-oo", ["normal-form", *FOLD, "--at", "x=0", "mu=oo"], "--at mu: cannot read 'oo'"),
    ("at-complex", ["normal-form", *FOLD, "--at", "x=1+I", "mu=0"], "--at x: cannot read '1+I'"),
    ("at-twice", ["normal-form", *FOLD, "--at", "x=0", "mu=0", "mu=1"],
     "--at gives mu twice (mu=0 and mu=1)"),
    ("at-missing", ["normal-form", *FOLD, "--at", "x=0"],
     "--at must give every variable and the parameter; missing ['mu']"),
    ("at-undeclared", ["normal-form", *FOLD, "--at", "x=0", "mu=0", "y=2"],
     "--at names 'y', which is not a variable or the parameter"),
    ("at-no-equals", ["normal-form", *FOLD, "--at", "x0"], "--at expects name=value"),
    ("nf-set-unused", ["normal-form", *FOLD, "--at", "x=0", "mu=0", "--set", "s=3"],
     "--set names s, which does not appear in the equations (they have no parameters)"),
    ("nf-set-parameter", ["normal-form", *FOLD, "--at", "x=0", "mu=0", "--set", "mu=3"],
     "--set mu: mu is the bifurcation parameter (--param); give its value with --at"),
    ("nf-set-variable", ["normal-form", *FOLD, "--at", "x=0", "mu=0", "--set", "x=3"],
     "--set x: x is a variable (--vars)"),
    ("nf-set-twice", ["normal-form", "--equations", "mu + s*x**2", "--vars", "x", "--param", "mu",
                      "--at", "x=0", "mu=0", "--set", "s=3", "s=4"], "--set gives s twice"),
    ("nf-set-overflow", ["normal-form", "--equations", "mu + s*x**2", "--vars", "x", "--param",
                         "mu", "--at", "x=0", "mu=0", "--set", "s=1e400"], "is not finite"),
    ("param-in-vars", ["normal-form", "--equations", "x**2", "--vars", "x", "--param", "x",
                       "--at", "x=0"], "--param x is also listed in --vars"),
    ("param-function-name", ["normal-form", *MU_X, "--param", "exp"], "is a function name"),
    ("param-not-a-name", ["normal-form", *MU_X, "--param", "m u"], "'m u' is not a name"),
    ("timeout-zero", ["normal-form", *FOLD, "--timeout", "0"], "argument --timeout"),
    ("timeout-nan", ["normal-form", *FOLD, "--timeout", "nan"], "argument --timeout"),
    ("timeout-overflow", ["normal-form", *FOLD, "--timeout", "1e400"], "argument --timeout"),
    ("tolerance-zero", ["normal-form", *FOLD, "--tolerance", "0"], "argument --tolerance"),
    ("starts-zero", ["normal-form", *FOLD, "--starts", "0"], "argument --starts"),
    ("box-inf", ["normal-form", *FOLD, "--box", "inf"], "argument --box"),
    ("seed-negative", ["normal-form", *FOLD, "--seed", "-1"], "argument --seed"),
    ("timeout-with-at", ["normal-form", *FOLD, "--at", "x=0", "mu=0", "--timeout", "5"],
     "--timeout does not apply with --at (exact)"),
    ("search-options-with-at", ["normal-form", *FOLD, "--at", "x=0", "mu=0", "--numeric",
                                "--starts", "5", "--seed", "2"],
     "--starts, --seed do not apply with --at --numeric"),
    ("timeout-with-numeric", ["normal-form", *FOLD, "--numeric", "--timeout", "5"],
     "it does not apply with --numeric"),
    ("nf-ab-overflows", ["normal-form", "--equations", "1e300*mu + 1e300*x**2", "--vars", "x",
                         "--param", "mu", "--at", "x=0", "mu=0", "--format", "json"],
     "ab = 1.0e+600 is outside the float64 range"),
    ("nf-unknown-function", ["normal-form", "--equations", "mu + foo(x)", "--vars", "x",
                             "--param", "mu", "--at", "x=0", "mu=0"], "a call of 'foo'"),
    ("nf-b-zero", ["normal-form", "--equations", "mu + x**3", "--vars", "x", "--param", "mu",
                   "--at", "x=0", "mu=0"], "b = 0 at the fold x=0, mu=0"),
    ("nf-a-zero", ["normal-form", "--equations", "x**2", "--vars", "x", "--param", "mu",
                   "--at", "x=0", "mu=0"], "a = p^T df/dmu = 0"),
    ("nf-no-fold", ["normal-form", "--equations", "1 + x**2", "--vars", "x", "--param", "mu"],
     "no real fold"),
    ("nf-not-simple", ["normal-form", "--equations", "x**2 + y**2 + mu", "x*y", "--vars", "x", "y",
                       "--param", "mu", "--at", "x=0", "y=0", "mu=0"],
     "the zero eigenvalue is not simple"),
    ("nf-not-a-fold", ["normal-form", *FOLD, "--at", "x=1", "mu=0"], "not a fold: f = [1] != 0"),
    ("nf-numeric-overflow", ["normal-form", *FOLD, "--numeric", "--at", "x=1e300", "mu=0"],
     "not a fold: |f| = inf"),
    ("nf-undefined", ["normal-form", "--equations", "mu + 1/x", "--vars", "x", "--param", "mu",
                      "--at", "x=0", "mu=0"], "not a fold"),
]  # fmt: skip


def bad_files(folder: Path) -> None:
    """Write the network and states files the ``{files}`` cases name into ``folder``."""
    size = 3
    m, n = np.array([1.0, 0.5, -0.25]), np.array([0.2, 0.4, 0.1])
    np.savez(folder / "good.npz", m=m, n=n, b=np.zeros(size))
    (folder / "empty.npz").write_bytes(b"")
    data = (folder / "good.npz").read_bytes()
    (folder / "truncated.npz").write_bytes(data[: len(data) // 2])
    (folder / "folder.npz").mkdir()
    (folder / "text.npz").write_text("W = [[1, 0], [0, 1]]\n")
    np.save(folder / "single.npy", np.eye(size))
    np.savez(folder / "no-weights.npz", weights=np.eye(size))
    np.savez(folder / "complex.npz", W=np.eye(size) * (1 + 1j), b=np.zeros(size))
    np.savez(folder / "complex-factor.npz", m=m * (1 + 1j), n=n, b=np.zeros(size))
    np.savez(folder / "nan.npz", W=np.full((size, size), np.nan), b=np.zeros(size))
    np.savez(folder / "inf-bias.npz", W=np.eye(size), b=np.array([np.inf, 0, 0]))
    np.savez(folder / "text-weights.npz", W=np.array([["a", "b"], ["c", "d"]]), b=np.zeros(2))
    np.savez(folder / "boolean.npz", W=np.eye(size, dtype=bool), b=np.zeros(size))
    with zipfile.ZipFile(folder / "object.npz", "w") as archive:  # a pickled object array
        with archive.open("W.npy", "w") as stream:
            np.lib.format.write_array(stream, np.array([1, None], dtype=object))
    np.savez(folder / "not-square.npz", W=np.ones((3, 4)), b=np.zeros(3))
    np.savez(folder / "empty-weights.npz", W=np.zeros((0, 0)), b=np.zeros(0))
    np.savez(folder / "bias-shape.npz", W=np.eye(size), b=np.zeros(size + 1))
    np.savez(folder / "alpha-vector.npz", W=np.eye(size), b=np.zeros(size), alpha=np.ones(2))
    np.save(folder / "complex-states.npy", np.ones(size) * (1 + 1j))
    np.save(folder / "short-states.npy", np.ones(size + 2))


def run_case(argv, files: Path, capsys):
    """(status, standard output, standard error) of ``ghostsym`` with ``argv``."""
    status = main([word.replace("{files}", str(files)) for word in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-files")
    bad_files(folder)
    return folder


@pytest.mark.parametrize(
    ("argv", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    argv, message, files, capsys, tmp_path, monkeypatch, recwarn
):
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(files))
    try:
        status, out, err = run_case(argv, files, capsys)
    except SystemExit as stop:  # argparse: usage errors exit through SystemExit
        status, captured = stop.code, capsys.readouterr()
        out, err = captured.out, captured.err
    command = argv[0]
    assert status == 2, err
    assert out == ""
    assert err.startswith(f"ghostsym {command}: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert message.replace("{files}", str(files)) in err
    assert os.listdir(tmp_path) == [] and sorted(os.listdir(files)) == before
    # a warning would be printed on standard error beside the one-line message
    assert [str(w.message) for w in recwarn if issubclass(w.category, RuntimeWarning)] == []


def test_the_table_has_at_least_fifteen_cases_per_command():
    commands = [case[1][0] for case in CASES]
    assert commands.count("ghost") >= 15 and commands.count("normal-form") >= 15


if __name__ == "__main__":  # the table for the closing note (markdown)
    import contextlib
    import io
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        bad_files(Path(folder))
        print("| command | bad input | exit | message |\n|---|---|---|---|")
        for _, argv, _ in CASES:
            words = [word.replace("{files}", "DIR") for word in argv]
            error = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(error):
                try:
                    status = main([word.replace("{files}", folder) for word in argv])
                except SystemExit as stop:
                    status = stop.code
            message = error.getvalue().strip().replace(folder, "DIR").replace("|", "\\|")
            shown = " ".join(f'"{w}"' if " " in w or not w else w for w in words[1:])
            print(f"| {argv[0]} | `{shown}` | {status} | {message} |")
    sys.exit(0)

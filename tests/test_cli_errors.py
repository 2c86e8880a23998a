"""The command line's one error boundary, plain help, and the train / gradient-check checks.

Input problems: one line ``ghostsym CMD: error: ...``, exit 2. Runtime failures: one line, exit
1, the traceback only with ``--debug``. Ctrl-C: exit 130. "final" numbers of ``train`` are those
of the last epoch, checked against the engine's own record of that epoch.
"""

import argparse
import dataclasses
import json
import math
import re

import numpy as np
import pytest

import ghostsym.cli.theory
from ghostsym.cli import build_parser, main
from ghostsym.errors import InvalidInputError


def outcome(capsys, argv):
    """(exit status, stdout, stderr) of ``main(argv)``, whether argparse exits or main returns."""
    try:
        status = main(argv)
    except SystemExit as exit_info:
        status = exit_info.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(err, command):
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"ghostsym {command}: error: "), err
    assert "Traceback" not in err


# --- the boundary ------------------------------------------------------------------------------
def raising(error):
    def handler(arguments):
        raise error

    return handler


def test_ghostsym_errors_exit_2_on_one_line(capsys, monkeypatch):
    monkeypatch.setattr(ghostsym.cli.theory, "theory_command", raising(InvalidInputError("a\nb")))
    status, out, err = outcome(capsys, ["theory", "--T", "100"])
    assert status == 2 and out == ""
    assert_one_line_error(err, "theory")
    assert err.strip().endswith("error: a b")


def test_other_failures_exit_1_on_one_line_without_traceback(capsys, monkeypatch):
    monkeypatch.setattr(ghostsym.cli.theory, "theory_command", raising(RuntimeError("boom")))
    status, out, err = outcome(capsys, ["theory", "--T", "100"])
    assert status == 1 and out == ""
    assert_one_line_error(err, "theory")
    assert "RuntimeError: boom" in err and "--debug" in err


@pytest.mark.parametrize(
    "argv", [["--debug", "theory", "--T", "100"], ["theory", "--T", "100", "--debug"]]
)
def test_debug_before_or_after_the_command_prints_the_traceback(capsys, monkeypatch, argv):
    monkeypatch.setattr(ghostsym.cli.theory, "theory_command", raising(RuntimeError("boom")))
    status, _, err = outcome(capsys, argv)
    assert status == 1
    assert err.startswith("ghostsym theory: error: RuntimeError: boom")
    assert "Traceback (most recent call last)" in err


def test_an_unwritable_output_exits_1_naming_the_file(capsys, monkeypatch, tmp_path):
    target = tmp_path / "out.json"
    error = PermissionError(13, "Permission denied", str(target))
    monkeypatch.setattr(ghostsym.cli.theory, "theory_command", raising(error))
    status, _, err = outcome(capsys, ["theory", "--T", "100"])
    assert status == 1
    assert_one_line_error(err, "theory")
    assert f"could not access {target}: Permission denied" in err


def test_ctrl_c_exits_130_and_says_how_to_resume(capsys, monkeypatch):
    monkeypatch.setattr(ghostsym.cli.theory, "theory_command", raising(KeyboardInterrupt()))
    status, out, err = outcome(capsys, ["theory", "--T", "100"])
    assert status == 130 and out == ""
    assert err.strip() == "ghostsym theory: interrupted; run the same command again to resume"


def test_usage_errors_stay_one_line_exit_2(capsys):
    for argv in (["theory"], ["no-such-command"], ["theory", "--T", "1", "--bogus"], []):
        status, out, err = outcome(capsys, argv)
        assert status == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "error:" in err
    assert err.startswith("ghostsym: error:")
    status, _, err = outcome(capsys, ["theory", "--T", "1", "--bogus"])
    assert err.startswith("ghostsym theory: error: unrecognized arguments: --bogus")


# --- help ----------------------------------------------------------------------------------------
MARKUP = re.compile(r"``|:(mod|func|class|meth|attr|data|ref|doc):`")
INTERNAL = re.compile(r"work item|\bissues?\b|\bbrief\b|internal document", re.IGNORECASE)


def command_parsers():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [("ghostsym", parser), *subparsers.choices.items()]


def test_every_help_is_plain_text_without_internal_references():
    for name, parser in command_parsers():
        text = parser.format_help()
        assert not MARKUP.search(text), (name, MARKUP.search(text).group(0))
        assert not INTERNAL.search(text), (name, INTERNAL.search(text).group(0))


def test_every_option_with_a_default_shows_it():
    skipped = (argparse._HelpAction, argparse._VersionAction, argparse._StoreConstAction)
    for name, parser in command_parsers():
        for action in parser._actions:
            default = action.default
            if not action.option_strings or default in (None, False, argparse.SUPPRESS):
                continue
            if isinstance(action, skipped):  # flags: their "default" is the other flag's value
                continue
            shown = " ".join(parser._get_formatter()._format_action(action).split())
            assert "default" in shown.lower(), (name, shown)
            assert str(default) in shown or "default" in (action.help or ""), (name, shown)


def test_train_help_names_the_default_rates_and_the_collapse_option(capsys):
    status, out, _ = outcome(capsys, ["train", "--help"])
    assert status == 0
    text = " ".join(out.split())
    assert "rank-one on delayed-activation: lr 0.01" in text
    assert "--lr 0.02" in text


# --- train and gradient-check: refused before any training -------------------------------------
REFUSED = [
    (["train", "rank-one", "--normalised"], "--normalised applies to the canonical model"),
    (["train", "full-rank", "--normalised"], "--normalised applies to the canonical model"),
    (["train", "canonical", "--task", "dmts"], "--task dmts does not apply"),
    (["train", "canonical", "--task", "dcdt"], "--task dcdt does not apply"),
    (["train", "canonical", "--seeds", "3"], "--seeds does not apply"),
    (["train", "canonical", "--size", "10"], "--size does not apply"),
    (["train", "canonical", "--dtype", "float64"], "--dtype does not apply"),
    (["train", "canonical", "--save-network", "n.npz"], "--save-network does not apply"),
    (["train", "rank-one", "--task", "dcdt"], "--task dcdt does not apply to the rank-one"),
    (["train", "full-rank", "--confidence", "3"], "--confidence applies to the rank-one"),
    (["train", "low-rank", "--trainable-confidence"], "--trainable-confidence applies"),
    (["train", "rank-one", "--rank", "2"], "--rank applies to the low-rank model"),
    (["train", "low-rank", "--rank", "200", "--size", "100"], "--rank must be <= --size"),
    (["train", "full-rank", "--task", "dcdt", "--delay", "5"], "--delay applies to the"),
    (["train", "full-rank", "--task", "dmts", "--response", "5"], "--response applies to"),
    (["train", "full-rank", "--delay-ms", "50"], "--delay-ms applies to the dcdt and dmts"),
    (["train", "rank-one", "--run-index", "1"], "--run-index applies only with --save-network"),
    (["train", "rank-one", "--epochs", "105"], "must be a multiple of --record-every"),
    (["train", "rank-one", "--lr-logspace", "-4", "-1", "2.5"], "COUNT must be an integer"),
    (["train", "rank-one", "--lr-logspace", "-400", "-1", "3"], "outside float64"),
    (["train", "rank-one", "--first-seed", "2147483647", "--seeds", "2"], "--first-seed + --seeds"),
    (["train", "rank-one", "--seeds", "2", "--save-network", "n.npz", "--run-index", "2"], "0..1"),
    (["train", "rank-one", "--first-seed", "99999999999999999999"], "argument --first-seed"),
    (["train", "rank-one", "--seeds", "0"], "argument --seeds"),
    (["train", "rank-one", "--lr", "0"], "argument --lr"),
    (["train", "rank-one", "--lr", "nan"], "argument --lr"),
    (["train", "rank-one", "--lr", "1+1j"], "argument --lr"),
    (["train", "rank-one", "--confidence", "inf"], "argument --confidence"),
    (["train", "rank-one", "--learned-below", "0.95"], "argument --learned-below"),
    (["train", "rank-one", "--epochs", "1e3"], "argument --epochs"),
    (["gradient-check", "--seed", "-1"], "argument --seed"),
    (["gradient-check", "--seed", "99999999999999999999"], "argument --seed"),
    (["gradient-check", "--seed", "1.5"], "argument --seed"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_bad_train_and_gradient_check_options_are_refused(
    capsys, tmp_path, monkeypatch, argv, message
):
    monkeypatch.chdir(tmp_path)
    status, out, err = outcome(capsys, argv)
    assert status == 2 and out == ""
    assert_one_line_error(err, argv[0])
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_save_network_into_a_directory_is_refused_before_training(capsys, tmp_path, monkeypatch):
    import ghostsym.network

    def no_training(*args, **kwargs):  # the check must come first: training is never reached
        raise AssertionError("trained before checking --save-network")

    monkeypatch.setattr(ghostsym.network, "train_population", no_training)
    for target, expected in ((tmp_path, "is a directory"), (tmp_path / "no" / "n.npz", "existing")):
        argv = ["train", "rank-one", "--save-network", str(target)]
        status, _, err = outcome(capsys, argv)
        assert status == 2
        assert_one_line_error(err, "train")
        assert "--save-network" in err and expected in err
    assert list(tmp_path.iterdir()) == []


# --- final = the last epoch ----------------------------------------------------------------------
#: float32 training: the same computation compiled in two layouts agrees to rounding level
FLOAT32_AGREEMENT = 1e-5


@pytest.mark.parametrize(
    ("kind", "task_name"), [("rank-one", "delayed-activation"), ("low-rank", "dcdt")]
)
def test_final_numbers_are_those_the_engine_records_at_the_last_epoch(kind, task_name):
    from ghostsym.network import build_model, build_task, final_epoch_metrics, train_population

    task = build_task(task_name, {})
    model = build_model(kind, task, {"size": 12})
    longer = train_population(  # records epoch 10 and keeps the parameters there
        model,
        task,
        learning_rates=[0.2, 0.05],
        seeds=[3, 4],
        epochs=20,
        record_every=10,
        snapshot_epochs=[10],
    )
    # the same runs stopped after 10 epochs: what train_population(epochs=10) returns
    short = dataclasses.replace(
        longer,
        epochs=10,
        recorded_epochs=longer.recorded_epochs[:1],
        loss=longer.loss[:, :1],
        final_parameters=longer.parameters_at(10),
    )
    final = final_epoch_metrics(short)
    assert final.epoch == 10 and longer.recorded_epochs[1] == 10
    names = ["loss", "gradient_norm", "accuracy", "saturation"]
    if kind == "rank-one":  # the latent slow point training logs, at the last epoch too
        names += ["canonical_parameter", "latent_clearance"]
    else:
        assert final.canonical_parameter is None
    for name in names:
        expected = getattr(longer, name)[:, 1]
        np.testing.assert_allclose(getattr(final, name), expected, rtol=FLOAT32_AGREEMENT)
    if task_name == "dcdt":  # it moves within ten epochs: the last recorded epoch differs
        change = np.abs(final.loss - short.loss[:, -1]) / short.loss[:, -1]
        assert np.all(change > 100 * FLOAT32_AGREEMENT)


def test_train_reports_the_last_epoch_not_the_last_recorded_one(capsys):
    from ghostsym.network import build_model, build_task, train_population

    argv = ["train", "low-rank", "--task", "dcdt", "--size", "12", "--lr", "0.2", "--seeds", "2"]
    argv += ["--epochs", "10", "--record-every", "10", "--format", "json"]
    status, out, _ = outcome(capsys, argv)
    assert status == 0
    runs = json.loads(out)["runs"]
    task = build_task("dcdt", {})
    model = build_model("low-rank", task, {"size": 12})
    oracle = train_population(
        model, task, learning_rates=[0.2, 0.2], seeds=[0, 1], epochs=20, record_every=10
    )
    for index, run in enumerate(runs):
        loss, initial = float(oracle.loss[index, 1]), float(oracle.loss[index, 0])
        gradient = float(oracle.gradient_norm[index, 1])
        assert run["final_loss"] == pytest.approx(loss, rel=FLOAT32_AGREEMENT)
        assert run["final_gradient_norm"] == pytest.approx(gradient, rel=FLOAT32_AGREEMENT)
        assert abs(run["final_loss"] - initial) > 100 * FLOAT32_AGREEMENT * initial


def test_a_learning_rate_the_training_dtype_cannot_hold_is_refused(capsys):
    argv = ["train", "rank-one", "--lr", "1e39", "--epochs", "20"]
    status, _, err = outcome(capsys, argv)
    assert status == 2
    assert_one_line_error(err, "train")
    assert "--lr 1e+39 is not a normal float32 number" in err


def test_a_diverged_run_is_reported_as_diverged_with_no_final_numbers(
    capsys, tmp_path, monkeypatch
):
    # networks saturate rather than diverge, so the engine is driven into a real divergence:
    # the rates reach it multiplied by 1e40, beyond float32 (inf), after the CLI's checks
    import ghostsym.network

    real = ghostsym.network.train_population

    def overflowing(model, task, *, learning_rates, **settings):
        return real(model, task, learning_rates=np.asarray(learning_rates) * 1e40, **settings)

    monkeypatch.setattr(ghostsym.network, "train_population", overflowing)
    argv = ["train", "rank-one", "--size", "12", "--lr", "1", "--seeds", "2"]
    argv += ["--epochs", "20", "--record-every", "10"]
    with pytest.warns(RuntimeWarning, match="overflow"):
        status, out, err = outcome(capsys, [*argv, "--format", "json"])
    assert status == 0, err
    for run in json.loads(out)["runs"]:
        assert run["outcome"] == "diverged" and run["divergence_epoch"] >= 0
        assert run["final_loss"] == "nan" and run["final_gradient_norm"] == "nan"
    with pytest.warns(RuntimeWarning, match="overflow"):
        status, out, _ = outcome(capsys, argv)
    assert status == 0 and "2 of 2 runs diverged" in out
    target = tmp_path / "network.npz"
    with pytest.warns(RuntimeWarning, match="overflow"):
        status, _, err = outcome(capsys, [*argv, "--save-network", str(target)])
    assert status == 2 and "diverged at epoch" in err
    assert not target.exists()


def test_a_step_that_freezes_the_network_is_said_so(capsys):
    argv = ["train", "rank-one", "--size", "12", "--lr", "1e30", "--seeds", "1"]
    status, out, _ = outcome(capsys, [*argv, "--epochs", "20", "--record-every", "10"])
    assert status == 0
    assert "gradient of exactly 0" in out and "every tanh rate saturated" in out


def test_canonical_default_rate_is_a_tenth_of_the_derived_critical_rate(capsys):
    status, out, _ = outcome(capsys, ["train", "canonical", "--delay", "100", "--format", "json"])
    assert status == 0
    payload = json.loads(out)
    critical = 3 * math.pi**4 / (32 * 100**5)  # alpha_c = 3 pi^4 / (32 T^5), typed as oracle
    assert payload["critical_learning_rate"] == pytest.approx(critical, rel=1e-12)
    (run,) = payload["runs"]
    assert run["learning_rate"] == pytest.approx(critical / 10, rel=1e-12)
    assert run["outcome"] == "learned"


# --- the shared output checks (called before computing) ------------------------------------------
def test_output_file_and_directory_checks(tmp_path):
    from ghostsym.cli._common import output_directory, output_file

    existing_file = tmp_path / "notes.txt"
    existing_file.write_text("not ghostsym's")
    assert output_file(tmp_path / "new.npz", "--save-network") == tmp_path / "new.npz"
    assert output_file(existing_file, "--save-network") == existing_file
    assert output_directory(tmp_path, "--out") == tmp_path
    assert output_directory(tmp_path / "new", "--out") == tmp_path / "new"
    refusals = [
        (output_file, tmp_path, "--save-network expects a file name"),
        (output_file, "", "--save-network expects a file name"),
        (output_file, tmp_path / "missing" / "n.npz", "in an existing directory"),
        (output_file, existing_file / "n.npz", "in an existing directory"),
        (output_directory, existing_file, "--out expects a directory, but"),
        (output_directory, "", "--out expects a directory, got the empty name"),
        (output_directory, tmp_path / "missing" / "deeper", "whose parent exists"),
    ]
    for check, path, message in refusals:
        option = "--save-network" if check is output_file else "--out"
        with pytest.raises(InvalidInputError, match=re.escape(message)):
            check(path, option)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert existing_file.read_text() == "not ghostsym's"


@pytest.mark.slow
def test_default_rank_one_rate_learns_and_the_collapse_regime_is_one_option_away(capsys):
    """Every seed of the default run learns and stays learned; --lr 0.02 (Fig. 3B) collapses."""
    status, out, _ = outcome(capsys, ["train", "rank-one", "--format", "json"])
    assert status == 0
    payload = json.loads(out)
    assert payload["epochs"] == 25000 and len(payload["runs"]) == 10
    assert [run["outcome"] for run in payload["runs"]] == ["learned"] * 10
    argv = ["train", "rank-one", "--lr", "0.02", "--epochs", "6000", "--format", "json"]
    status, out, _ = outcome(capsys, argv)
    assert status == 0
    outcomes = [run["outcome"] for run in json.loads(out)["runs"]]
    assert outcomes.count("collapsed") >= 1

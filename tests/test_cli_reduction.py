"""``ghostsym normal-form`` and ``ghostsym ghost`` through ``ghostsym.cli.main``."""

import json
import math

import pytest

from ghostsym.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


NON_NORMAL = ["--equations", "mu + x**2 + s*y", "-y + x**2", "--vars", "x", "y", "--param", "mu"]


def test_normal_form_json_at_a_point(capsys):
    status, out, _ = run(
        capsys,
        "normal-form",
        *NON_NORMAL,
        "--at",
        "x=0",
        "y=0",
        "mu=0",
        "--set",
        "s=3",
        "--format",
        "json",
    )
    assert status == 0
    payload = json.loads(out)
    assert (payload["a"], payload["b"], payload["ab"]) == (1.0, 4.0, 4.0)
    assert payload["p"] == [1.0, 3.0] and payload["q"] == [1.0, 0.0]
    assert payload["exact"] == {"a": "1", "b": "4", "ab": "4"}
    assert "p^T q = 1" in payload["convention"]
    assert sorted(payload["eigenvalues"]) == [-1.0, 0.0]
    assert payload["at"] == {"x": 0.0, "y": 0.0, "mu": 0.0}
    assert payload["bottleneck_time"] == "pi/(2*sqrt(mu))"


def test_normal_form_locates_folds_without_a_point(capsys):
    status, out, _ = run(
        capsys,
        "normal-form",
        "--equations",
        "mu - x**2 + x**3",
        "--vars",
        "x",
        "--param",
        "mu",
        "--format",
        "json",
    )
    assert status == 0
    folds = json.loads(out)["folds"]
    assert [fold["at"] for fold in folds] == [{"x": 0.0, "mu": 0.0}, {"x": 2 / 3, "mu": 4 / 27}]
    assert [fold["ab"] for fold in folds] == [-1.0, 1.0]
    assert folds[1]["exact"]["ab"] == "1"


def test_normal_form_text_and_latex(capsys):
    status, out, _ = run(capsys, "normal-form", *NON_NORMAL, "--at", "x=0", "y=0", "mu=0")
    assert status == 0 and "ab = s + 1" in out and "fold at x=0, y=0, mu=0" in out
    status, out, _ = run(
        capsys,
        "normal-form",
        *NON_NORMAL,
        "--at",
        "x=0",
        "y=0",
        "mu=0",
        "--set",
        "s=1/2",
        "--format",
        "latex",
    )
    assert status == 0 and "\\begin{aligned}" in out and "ab = \\frac{3}{2}" in out


def test_normal_form_keeps_free_parameters_symbolic(capsys):
    status, out, _ = run(
        capsys, "normal-form", *NON_NORMAL, "--at", "x=0", "y=0", "mu=0", "--format", "json"
    )
    payload = json.loads(out)
    assert status == 0 and payload["ab"] is None and payload["exact"]["ab"] == "s + 1"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--equations", "mu*x - x**3", "--vars", "x", "--param", "mu", "--at", "x=0", "mu=0"],
            "pitchfork",
        ),
        (
            ["--equations", "mu - x", "--vars", "x", "--param", "mu", "--at", "x=0", "mu=0"],
            "no eigenvalue at zero",
        ),
        (["--equations", "mu + x**2", "--vars", "x", "--param", "mu", "--at", "x=0"], "missing"),
        (["--equations", "mu + x**2 +", "--vars", "x", "--param", "mu"], "cannot parse"),
        (["--equations", "mu + x**2", "--vars", "x", "--param", "mu", "--at", "x0"], "name=value"),
    ],
)
def test_normal_form_errors_are_one_line(capsys, argv, message):
    status, out, err = run(capsys, "normal-form", *argv)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1 and err.startswith("ghostsym normal-form:")


def test_ghost_json_reports_a_ghost(capsys):
    status, out, _ = run(
        capsys,
        "ghost",
        "--equations",
        "d + x**2 + 3*y",
        "-y + x**2",
        "--vars",
        "x",
        "y",
        "--set",
        "d=0.01",
        "--near",
        "x=0.3",
        "y=0",
        "--near",
        "x=-0.2",
        "y=0.5",
        "--format",
        "json",
    )
    assert status == 0
    [point] = json.loads(out)["slow_points"]  # both starts find the same ghost
    assert point["kind"] == "ghost"
    assert point["r"] == pytest.approx(0.04, rel=1e-12)  # slow flow 0.01 + 4 x^2
    assert point["passage_time"] == pytest.approx(math.pi / 0.2, rel=1e-12)
    assert abs(point["lambda"]) < 1e-12 and point["speed"] > 0
    assert set(point) >= {"x", "speed", "r", "lambda", "kind", "passage_time"}


def test_ghost_reports_fixed_points_with_null_passage_time(capsys):
    status, out, _ = run(
        capsys,
        "ghost",
        "--equations",
        "-0.01 + x**2",
        "--vars",
        "x",
        "--near",
        "x=0.3",
        "--near",
        "x=-0.3",
        "--format",
        "json",
    )
    points = json.loads(out)["slow_points"]
    assert status == 0 and [p["kind"] for p in points] == ["fixed-point", "fixed-point"]
    assert sorted(p["x"][0] for p in points) == pytest.approx([-0.1, 0.1])
    assert all(p["passage_time"] is None and p["r"] == pytest.approx(-0.01) for p in points)
    status, out, _ = run(
        capsys, "ghost", "--equations", "-0.01 + x**2", "--vars", "x", "--near", "x=0.3"
    )
    assert status == 0 and "fixed-point" in out and "inf" in out
    status, out, _ = run(
        capsys,
        "ghost",
        "--equations",
        "0.01 + x**2",
        "--vars",
        "x",
        "--near",
        "x=0.3",
        "--format",
        "latex",
    )
    assert status == 0 and "\\text{ghost at }" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--equations", "0.01 + x**2", "--vars", "x"], "--near is required"),
        (["--equations", "0.01 + x**2", "--near", "x=1"], "--vars is required"),
        (["--equations", "1 - x**2", "--vars", "x", "--near", "x=0"], "not minimal"),
        (["--equations", "k + x**2", "--vars", "x", "--near", "x=0"], "needs numbers"),
        (["--network", "net.npz", "--vars", "x"], "go with --equations"),
    ],
)
def test_ghost_errors_are_one_line(capsys, argv, message):
    status, out, err = run(capsys, "ghost", *argv)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_ghost_sources_are_mutually_exclusive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["ghost", "--equations", "x", "--network", "net.npz", "--vars", "x"])
    assert exit_info.value.code == 2
    assert "not allowed with" in capsys.readouterr().err

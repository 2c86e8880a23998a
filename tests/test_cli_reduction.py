"""``ghostsym normal-form`` and ``ghostsym ghost`` through ``ghostsym.cli.main``."""

import json
import math

import numpy as np
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


def test_ghost_reports_fixed_points_with_infinite_passage_time(capsys):
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
    assert all(p["passage_time"] == "inf" and p["r"] == pytest.approx(-0.01) for p in points)
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


# --- fold location, the numeric mode, degenerate points, ergonomics, trajectories


def test_equations_may_start_with_a_minus_sign(capsys):
    status, out, _ = run(
        capsys,
        "normal-form",
        "--equations",
        "-y",
        "x**2 + mu",
        "--vars",
        "y",
        "x",
        "--param",
        "mu",
        "--format",
        "json",
    )
    assert status == 0
    [fold] = json.loads(out)["folds"]
    assert fold["at"] == {"y": 0.0, "x": 0.0, "mu": 0.0} and fold["ab"] == 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--equations", "x**2 + k", "--vars", "x", "--param", "mu", "--set", "k=x"], "--set k"),
        (
            ["--equations", "x**2 + mu", "--vars", "x", "--param", "mu", "--at", "x=0", "z=1"],
            "--at names 'z'",
        ),
        (
            ["--equations", "x**2 + mu", "--vars", "x", "--param", "mu", "--at", "x=0", "mu=q"],
            "--at mu",
        ),
        (["--equations", "x**2 + mu", "x", "--vars", "x", "--param", "mu"], "--equations"),
        (["--equations", "x**2 + mu", "--vars", "exp", "--param", "mu"], "--vars"),
        (["--equations", "x**2 + mu", "--vars", "x", "--param", "x"], "--param x"),
    ],
)
def test_messages_use_the_command_line_option_names(capsys, argv, message):
    status, out, err = run(capsys, "normal-form", *argv)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert message in err


def test_degenerate_points_in_a_search_are_listed_and_skipped(capsys):
    status, out, _ = run(
        capsys,
        "normal-form",
        "--equations",
        "x*(mu + x - x**2)",
        "--vars",
        "x",
        "--param",
        "mu",
        "--format",
        "json",
    )
    payload = json.loads(out)
    assert status == 0 and [fold["at"] for fold in payload["folds"]] == [{"x": 0.5, "mu": -0.25}]
    [skipped] = payload["skipped"]
    assert skipped["kind"].startswith("transcritical") and skipped["at"] == {"x": 0.0, "mu": 0.0}
    assert payload["complete"] is True and "Gröbner" in payload["methods"][0]


def test_numeric_mode_refines_an_approximate_fold(capsys):
    status, out, _ = run(
        capsys,
        "normal-form",
        "--equations",
        "a/(1+v**2) - u",
        "b/(1+u**2) - v",
        "--vars",
        "u",
        "v",
        "--param",
        "a",
        "--set",
        "b=2.5",
        "--numeric",
        "--at",
        "u=2.2",
        "v=0.43",
        "a=2.7",
        "--format",
        "json",
    )
    payload = json.loads(out)
    assert status == 0 and payload["residual"] <= payload["tolerance"] == 1e-9
    assert payload["at"]["a"] == pytest.approx(2.3866948772942393, abs=1e-12)
    assert payload["exact"] is None and payload["start"] == {"u": 2.2, "v": 0.43, "a": 2.7}


def test_the_symbolic_at_rejects_an_inexact_fold_but_numeric_accepts_it(capsys):
    base = ["--equations", "mu - x**2 + x**3", "--vars", "x", "--param", "mu"]
    status, _, err = run(capsys, "normal-form", *base, "--at", "x=0.6666666667", "mu=0.148148")
    assert status == 2 and "not a fold" in err
    status, out, _ = run(
        capsys, "normal-form", *base, "--at", "x=0.6666666667", "mu=0.148148", "--numeric"
    )
    assert status == 0 and "residual" in out and "mu=0.14814814814" in out


def test_a_failing_start_is_reported_and_skipped(capsys):
    status, out, _ = run(
        capsys,
        "ghost",
        "--equations",
        "1 - x**2",
        "--vars",
        "x",
        "--near",
        "x=0",
        "--near",
        "x=0.5",
        "--format",
        "json",
    )
    payload = json.loads(out)
    assert status == 0 and [p["x"] for p in payload["slow_points"]] == [[1.0]]
    [failed] = payload["failed_starts"]
    assert failed["start"] == {"x": "0"} and "not minimal" in failed["reason"]


def test_ghost_exactly_at_a_fold_converges(capsys):
    status, out, _ = run(
        capsys,
        "ghost",
        "--equations",
        "x**2 + 3*y",
        "x**2 - y",
        "--vars",
        "x",
        "y",
        "--near",
        "x=0.5",
        "y=0.1",
        "--format",
        "json",
    )
    [point] = json.loads(out)["slow_points"]
    assert status == 0 and point["kind"] == "undetermined" and point["passage_time"] is None
    assert point["convergence_reason"] and point["dimension"] == 1


def test_periodic_variables_are_reported_in_the_fundamental_domain(capsys):
    theta = ["--equations", "1 - cos(theta) + I*(1 + cos(theta))", "--vars", "theta"]
    status, out, _ = run(
        capsys,
        "ghost",
        *theta,
        "--set",
        "I=0.01",
        "--near",
        "theta=2.5",
        "--periodic",
        "theta=2*pi",
        "--format",
        "json",
    )
    [point] = json.loads(out)["slow_points"]
    assert status == 0 and abs(point["x"][0]) < 1e-9 and point["kind"] == "ghost"


def test_ghosts_along_a_trajectory_of_the_theta_neuron(capsys):
    """theta' = 1 - cos(theta) + I (1 + cos(theta)) has period pi/sqrt(I) exactly; its ghost at
    theta = 0 reduces to r = I (1 - I), and every passage is one visit."""
    status, out, _ = run(
        capsys,
        "ghost",
        "--equations",
        "1 - cos(theta) + I*(1 + cos(theta))",
        "--vars",
        "theta",
        "--set",
        "I=0.01",
        "--from",
        "theta=2.5",
        "--duration",
        "100",
        "--periodic",
        "theta=2*pi",
        "--format",
        "json",
    )
    payload = json.loads(out)
    visits = payload["visits"]
    assert status == 0 and len(visits) == 3 and {visit["index"] for visit in visits} == {0}
    for visit in visits:
        assert visit["slow_point"]["kind"] == "ghost"
        assert abs(visit["slow_point"]["x"][0]) < 1e-9
        assert visit["slow_point"]["r"] == pytest.approx(0.01 * 0.99, rel=1e-12)
        assert visit["passage_time"] == pytest.approx(math.pi / math.sqrt(0.0099), rel=1e-12)
        assert visit["measured_dwell"] == pytest.approx(visit["predicted_dwell"], rel=0.02)
    period = visits[1]["time"] - visits[0]["time"]
    assert period == pytest.approx(math.pi / math.sqrt(0.01), rel=1e-3)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--equations", "x**2", "--vars", "x", "--from", "x=1"], "--from needs --duration"),
        (
            ["--equations", "x**2", "--vars", "x", "--near", "x=1", "--duration", "3"],
            "--duration goes with --from",
        ),
        (
            ["--equations", "x**2", "--vars", "x", "--near", "x=1", "--periodic", "y=1"],
            "--periodic names 'y'",
        ),
        (
            ["--equations", "x**2", "--vars", "x", "--near", "x=1", "--periodic", "x=-1"],
            "--periodic x",
        ),
    ],
)
def test_trajectory_option_errors_are_one_line(capsys, argv, message):
    status, out, err = run(capsys, "ghost", *argv)
    assert status == 2 and out == "" and err.count("\n") == 1 and message in err


def test_timeout_falls_back_to_the_numeric_route(capsys):
    status, out, _ = run(
        capsys,
        "normal-form",
        "--equations",
        "mu - x**2 + sin(x)**3",
        "--vars",
        "x",
        "--param",
        "mu",
        "--timeout",
        "0.001",
        "--starts",
        "32",
        "--format",
        "json",
    )
    payload = json.loads(out)
    assert status == 0 and payload["complete"] is False
    assert "time limit" in payload["methods"][0] and "numeric route" in payload["methods"][1]
    assert payload["folds"] and all(fold["exact"] is None for fold in payload["folds"])


def test_progress_reports_each_stage_on_standard_error(capsys):
    status, out, err = run(
        capsys,
        "normal-form",
        "--equations",
        "mu - x**2 + x**3",
        "--vars",
        "x",
        "--param",
        "mu",
        "--progress",
    )
    assert status == 0 and "fold at x=2/3, mu=4/27" in out
    assert "ghostsym normal-form: [" in err and "Gröbner basis" in err


def test_fold_location_with_a_free_parameter_stays_symbolic(capsys):
    status, out, _ = run(
        capsys,
        "normal-form",
        "--equations",
        "x**2 + mu + k",
        "-y",
        "--vars",
        "x",
        "y",
        "--param",
        "mu",
        "--format",
        "json",
    )
    payload = json.loads(out)
    [fold] = payload["folds"]
    assert status == 0 and fold["at"]["mu"] == "-k" and fold["exact"]["ab"] == "1"
    assert payload["complete"] is False and "free parameters k" in payload["methods"][0]


def test_no_real_fold_is_reported_as_proved_only_by_the_groebner_basis(capsys):
    status, _, err = run(
        capsys, "normal-form", "--equations", "x**2 + 1 + mu**2", "--vars", "x", "--param", "mu"
    )
    assert status == 2 and "has no real solution (proved: Gröbner basis" in err


def test_a_start_finds_the_slow_point_of_its_own_basin(capsys):
    """The theta neuron from theta = 2.5 (between the ghosts at 0 and 2 pi, nearer 0)."""
    status, out, _ = run(
        capsys,
        "ghost",
        "--equations",
        "1 - cos(theta) + I*(1 + cos(theta))",
        "--vars",
        "theta",
        "--set",
        "I=0.01",
        "--near",
        "theta=2.5",
        "--format",
        "json",
    )
    [point] = json.loads(out)["slow_points"]
    assert status == 0 and abs(point["x"][0]) < 1e-9


def test_network_states_are_summarised_with_their_latent_coordinate(capsys, tmp_path):
    """ghost --network on the constructed rank-one ghost (N = 100): the text gives one row per
    point with |x| and kappa = P x (P = n/|n| for a rank-one W = m n^T with sum(n) > 0) and a
    short summary of x, never the N components on one line; JSON has every component."""
    from ghostsym.analysis import rank_one_network_near_fold

    constructed = rank_one_network_near_fold(size=40, unfolding=1e-3, seed=0)
    path = tmp_path / "ghost.npz"
    np.savez(path, m=constructed.m, n=constructed.n, b=constructed.b)
    status, out, _ = run(capsys, "ghost", "--network", str(path), "--format", "json")
    payload = json.loads(out)
    assert status == 0 and payload["network"] == {"units": 40, "rank": 1}
    direction = constructed.n / np.linalg.norm(constructed.n)
    assert direction.sum() > 0
    for entry in payload["slow_points"]:
        x = np.array(entry["x"])
        assert x.shape == (40,) and entry["norm"] == pytest.approx(np.linalg.norm(x), rel=1e-12)
        assert entry["latent"] == [pytest.approx(float(direction @ x), abs=1e-12)]
    [ghost] = [entry for entry in payload["slow_points"] if entry["kind"] == "ghost"]
    # the construction's own latent location of the ghost (n^T x), independent of the search
    expected = constructed.minimum_location / np.linalg.norm(constructed.n)
    assert ghost["latent"][0] == pytest.approx(expected, abs=1e-6)

    status, text, _ = run(capsys, "ghost", "--network", str(path))
    lines = text.splitlines()
    assert status == 0 and "N = 40 units, rank W = 1" in lines[0]
    assert max(len(line) for line in lines) <= 160
    ghost_row = next(line for line in lines if line.split()[1:2] == ["ghost"])
    assert f"[{expected:.6g}]" in ghost_row
    summaries = [line for line in lines if " x = [" in line]
    assert len(summaries) == len(payload["slow_points"])
    assert all(line.count(",") <= 8 for line in summaries)  # 6 components, not 40

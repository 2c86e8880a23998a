"""Output directories: ghostsym never overwrites what it did not write.

Every directory a command writes carries a manifest of the files ghostsym wrote there
(``.ghostsym-manifest.json``: sizes and SHA-256 digests); a directory holding anything else,
or a file changed since, is refused before any computing unless ``--force``; a path that names
a file, lies under one or cannot be written is refused before any computing too.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import ghostsym.report._reproduce  # noqa: F401  (imported before any test patches its names)
from ghostsym import cli
from ghostsym._io import (
    MANIFEST_NAME,
    PARTIAL_SUFFIX,
    atomic_write_bytes,
    check_output_directory,
    file_digest,
    open_output_directory,
)
from ghostsym.errors import InvalidInputError

#: A place no one can create a directory in, root included.
UNWRITABLE = "/proc/ghostsym-cannot-write-here"


@pytest.fixture(autouse=True)
def _no_compilation_cache(monkeypatch):
    monkeypatch.setenv("GHOSTSYM_NO_COMPILATION_CACHE", "1")


def _tree(directory):
    """Every file under ``directory`` with its bytes (to prove nothing was written)."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


# --- the manifest ---------------------------------------------------------------------------
def test_manifest_records_what_ghostsym_wrote_and_refuses_the_rest(tmp_path):
    directory = tmp_path / "out"
    manifest = open_output_directory(directory, command="demo")
    manifest.write_text(directory / "report.md", "# report")
    manifest.write_bytes(directory / "data" / "a.bin", b"\x00\x01")
    recorded = json.loads((directory / MANIFEST_NAME).read_text())
    assert recorded["command"] == "demo"
    assert recorded["files"]["report.md"]["sha256"] == file_digest(directory / "report.md")
    assert recorded["files"]["data/a.bin"]["size"] == 2
    assert check_output_directory(directory, command="demo").foreign == ()
    # a file the user put there
    (directory / "notes.txt").write_text("mine")
    with pytest.raises(InvalidInputError, match=r"--out .*notes\.txt was not written by ghostsym"):
        check_output_directory(directory, command="demo")
    assert check_output_directory(directory, command="demo", force=True).foreign == ("notes.txt",)
    (directory / "notes.txt").unlink()
    # a file ghostsym wrote that the user edited (same size, other bytes)
    (directory / "report.md").write_text("# REPORT")
    with pytest.raises(InvalidInputError, match="report.md changed since ghostsym wrote it"):
        check_output_directory(directory, command="demo")
    # ... unless it is resumable state, which the caller recomputes
    check = check_output_directory(directory, command="demo", stored=("report.md",))
    assert check.changed == ("report.md",) and check.foreign == ()
    # another command's directory
    manifest.write_text(directory / "report.md", "# report")
    with pytest.raises(InvalidInputError, match="holds the output of 'ghostsym demo'"):
        check_output_directory(directory, command="sweep")


def test_a_directory_without_a_manifest_is_refused_unless_empty(tmp_path):
    assert check_output_directory(tmp_path, command="demo").exists
    (tmp_path / "results.npz").write_bytes(b"user data")
    with pytest.raises(InvalidInputError, match="results.npz was not written by ghostsym"):
        check_output_directory(tmp_path, command="demo")
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(InvalidInputError, match="unreadable"):
        check_output_directory(tmp_path, command="demo")
    # a symbolic link is never taken for a file ghostsym wrote
    other = tmp_path / "linked"
    other.mkdir()
    (other / "report.md").symlink_to(tmp_path / "results.npz")
    with pytest.raises(InvalidInputError, match="report.md was not written"):
        check_output_directory(other, command="demo")


@pytest.mark.parametrize("where", ["file", "under-file", "unwritable", "empty"])
def test_impossible_places_are_refused_before_anything_is_written(tmp_path, where):
    existing = tmp_path / "a-file"
    existing.write_text("x")
    target = {
        "file": existing,
        "under-file": existing / "sub" / "dir",
        "unwritable": UNWRITABLE,
        "empty": "",
    }[where]
    before = _tree(tmp_path)
    with pytest.raises(InvalidInputError, match="--out"):
        open_output_directory(target, command="demo")
    assert _tree(tmp_path) == before


def test_every_interruption_leaves_a_manifest_that_accepts_the_directory(tmp_path, monkeypatch):
    directory = tmp_path / "out"
    manifest = open_output_directory(directory, command="demo")
    manifest.write_text(directory / "state.json", "old")
    # interrupted after the manifest names the new content but before the file is replaced
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        manifest.write_text(directory / "state.json", "new content")
    monkeypatch.undo()
    assert (directory / "state.json").read_text() == "old"
    assert not [p for p in directory.iterdir() if p.name.endswith(PARTIAL_SUFFIX)]
    assert check_output_directory(directory, command="demo").foreign == ()
    # interrupted between an announced write by other code and its recording
    manifest.expect([directory / "figure.png"])
    (directory / "figure.png").write_bytes(b"png")
    manifest.expect_under(directory / "figures")
    (directory / "figures").mkdir()
    (directory / "figures" / "a.pdf").write_bytes(b"pdf")
    assert check_output_directory(directory, command="demo").foreign == ()
    # a killed atomic write leaves only a temporary file ghostsym recognises as its own
    (directory / f".x.abc{PARTIAL_SUFFIX}").write_bytes(b"half")
    assert check_output_directory(directory, command="demo").foreign == ()
    # once recorded, the figures are checked like every other file
    again = open_output_directory(directory, command="demo")
    again.record_under(directory / "figures", since=0.0)
    (directory / "figures" / "a.pdf").write_bytes(b"PDF")
    with pytest.raises(InvalidInputError, match="figures/a.pdf changed"):
        check_output_directory(directory, command="demo")


def test_atomic_write_temporaries_carry_the_partial_suffix(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(source, target):
        seen.append(os.path.basename(source))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write_bytes(tmp_path / "a.bin", b"1")
    assert seen and seen[0].startswith(".a.bin.") and seen[0].endswith(PARTIAL_SUFFIX)


# --- the commands -----------------------------------------------------------------------------
TINY = """
name = "tiny"
model = "rank-one"
epochs = 20
record_every = 5
epochs_per_chunk = 10
[model_settings]
size = 6
[population]
learning_rates = [0.1]
"""


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize("command", ["sweep", "reproduce", "analyse"])
@pytest.mark.parametrize("where", ["file", "under-file", "unwritable", "foreign", "edited"])
def test_commands_refuse_bad_output_directories_before_computing(
    tmp_path, capsys, monkeypatch, command, where
):
    import ghostsym.experiments as experiments
    import ghostsym.network._training as training

    def never(*args, **keywords):
        raise AssertionError("computing started before the output directory was checked")

    monkeypatch.setattr(training, "train_block", never)
    monkeypatch.setattr(experiments, "get_experiment", never)
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    existing = tmp_path / "a-file"
    existing.write_text("x")
    out = tmp_path / "out"
    if where in ("foreign", "edited"):
        out.mkdir()
        name = {"sweep": "results.npz", "reproduce": "report.md", "analyse": "figure.png"}
        if where == "edited":  # ghostsym wrote it, then the user changed it
            manifest = open_output_directory(out, command=command)
            manifest.write_text(out / name[command], "as ghostsym wrote it")
        (out / name[command]).write_text("the user's own")
    target = {"file": existing, "under-file": existing / "x", "unwritable": UNWRITABLE}
    target = str(target.get(where, out))
    argv = {
        "sweep": ["sweep", str(config), "--no-progress"],
        "reproduce": ["reproduce", "--only", "fig2-descent", "--no-progress"],
        "analyse": ["analyse", "network-slow-points"],
    }[command] + ["--out", target]
    if command == "reproduce":  # unknown names are refused even earlier; this one exists
        from ghostsym.experiments import Experiment

        stand_in = [Experiment("fig2-descent", "Never run", never)]
        monkeypatch.setattr("ghostsym.report._reproduce._select", lambda *arguments: stand_in)
    before = _tree(tmp_path)
    assert cli.main(argv) == 2
    _one_line_error(capsys, f"ghostsym {command}: error: --out {target}")
    assert _tree(tmp_path) == before
    assert not (out / MANIFEST_NAME).exists() or where == "edited"


def test_force_writes_into_a_directory_with_foreign_files_and_leaves_them(tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's notes")
    argv = ["sweep", str(config), "--out", str(out), "--no-progress", "--max-chunks", "0"]
    assert cli.main(argv) == 2
    _one_line_error(capsys, "notes.txt was not written by ghostsym", "--force")
    assert cli.main([*argv, "--force"]) == 0
    assert (out / "notes.txt").read_text() == "the user's notes"
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"
    files = json.loads((out / MANIFEST_NAME).read_text())["files"]
    assert "sweep.json" in files and "notes.txt" not in files
    assert cli.main(argv) == 2  # the notes are still not ghostsym's
    capsys.readouterr()


def test_reproduce_unknown_experiment_creates_nothing(tmp_path, capsys):
    out = tmp_path / "new" / "report"
    assert cli.main(["reproduce", "--out", str(out), "--only", "no-such-experiment"]) == 2
    _one_line_error(capsys, "unknown experiment 'no-such-experiment'")
    assert not (tmp_path / "new").exists()


def test_sweep_example_is_a_valid_config_the_command_accepts(tmp_path, capsys):
    assert cli.main(["sweep", "--example"]) == 0
    text = capsys.readouterr().out
    assert text.count("\n# ") >= 3 and "learning_rates" in text  # commented, every section
    config = tmp_path / "example.toml"
    config.write_text(text)
    out = tmp_path / "out"
    argv = ["sweep", str(config), "--out", str(out), "--max-chunks", "0", "--no-progress"]
    assert cli.main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "interrupted"
    recorded = json.loads((out / "sweep.json").read_text())["config"]
    assert recorded["model"] == "rank-one" and recorded["population"]["seeds"] == [0, 1, 2, 3]
    # every key the example shows (commented out or not) is one the loader knows
    from ghostsym.network._sweeps import _POPULATION, _TOP_LEVEL

    keys = {
        line.lstrip("# ").split("=")[0].strip()
        for line in text.splitlines()
        if "=" in line.split("#")[0] or line.startswith("# ") and " = " in line
    }
    keys = {key for key in keys if key.isidentifier()}
    assert keys <= _TOP_LEVEL | _POPULATION | {"size", "delay", "response"}
    assert (_TOP_LEVEL | _POPULATION) - {"model_settings", "task_settings", "population"} <= keys


def test_sweep_help_does_not_point_at_a_private_module(capsys):
    with pytest.raises(SystemExit):
        cli.main(["sweep", "--help"])
    text = capsys.readouterr().out
    assert "ghostsym.network._sweeps" not in text and "--example" in text


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "is not UTF-8 text"),
        (b"model = \n", "is not valid TOML"),
        (b"model = 'rank-one'\nepochs = 10\n[population]\nlearning_rates = [nan]\n", "finite"),
        (b"model = 'rank-one'\nepochs = -1\n[population]\nlearning_rates = [0.1]\n", "epochs"),
    ],
)
def test_sweep_config_errors_are_one_line_naming_the_file(tmp_path, capsys, content, expected):
    config = tmp_path / "bad.toml"
    config.write_bytes(content)
    out = tmp_path / "out"
    assert cli.main(["sweep", str(config), "--out", str(out)]) == 2
    _one_line_error(capsys, f"sweep config '{config}'", expected)
    assert not out.exists()


def test_sweep_config_that_is_a_directory_or_missing(tmp_path, capsys):
    assert cli.main(["sweep", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    _one_line_error(capsys, "is a directory, expected a TOML file")
    assert cli.main(["sweep", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o")]) == 2
    _one_line_error(capsys, "does not exist")
    if sys.platform.startswith("linux"):
        assert cli.main(["sweep", "/dev/zero", "--out", str(tmp_path / "o")]) == 2
        _one_line_error(capsys, "is not a regular file")
    assert not (tmp_path / "o").exists()


# --- Ctrl-C on a real process -------------------------------------------------------------------
LONG = """
name = "ctrl-c"
model = "rank-one"
epochs = 3000
record_every = 25
epochs_per_chunk = 50
[model_settings]
size = 8
[task_settings]
delay = 4
response = 4
[population]
learning_rates = [0.05, 0.5]
seeds = [0, 1]
"""


def _descendants(pid: int) -> set[int]:
    """Process ids of every living descendant of ``pid`` (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return {child.pid for child in psutil.Process(pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _interrupt_when(command, ready, environment, timeout=300.0, group=False, children=None):
    """Start ``command``, send SIGINT as soon as ``ready()`` holds, return (exit status, stderr).

    ``group``: start the command in its own process group and send SIGINT to the whole group,
    as a terminal does on Ctrl-C (worker processes receive it too). ``children``: a set that
    receives the process ids of the command's descendants just before the signal."""
    import signal
    import subprocess
    import time

    # A process started in the background by a non-interactive shell (a CI runner, ``cmd &``)
    # inherits SIGINT ignored, and exec keeps it ignored: give the child the default disposition
    # so that it sees Ctrl-C as a user's terminal would deliver it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            start_new_session=group,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None and not ready():
        time.sleep(0.02)
    assert process.poll() is None, "the command finished before it could be interrupted"
    if children is not None:
        children |= _descendants(process.pid)
    if group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


def _environment():
    from pathlib import Path

    import ghostsym

    environment = dict(os.environ, GHOSTSYM_NO_COMPILATION_CACHE="1")
    root = str(Path(ghostsym.__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join([root, environment.get("PYTHONPATH", "")])
    return environment


def _interrupted_status(returncode: int) -> None:
    assert returncode == 130, returncode


@pytest.mark.slow
def test_ctrl_c_on_a_sweep_then_the_same_command_resumes_and_completes(tmp_path):
    import subprocess

    import numpy as np

    from ghostsym.network import SweepConfig, run_sweep

    config = tmp_path / "long.toml"
    config.write_text(LONG)
    out = tmp_path / "interrupted"
    command = [sys.executable, "-m", "ghostsym", "sweep", str(config), "--out", str(out)]
    command.append("--no-progress")

    def two_chunks_done():
        try:
            return json.loads((out / "sweep.json").read_text())["chunks_done"] >= 2
        except (OSError, ValueError, KeyError):
            return False

    returncode, stderr = _interrupt_when(command, two_chunks_done, _environment())
    _interrupted_status(returncode)
    metadata = json.loads((out / "sweep.json").read_text())
    assert metadata["status"] == "interrupted", stderr[-2000:]
    assert 2 <= metadata["chunks_done"] < metadata["chunks_total"]
    assert not (out / "results.npz").exists()
    finished = subprocess.run(command, capture_output=True, text=True, env=_environment())
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert json.loads((out / "sweep.json").read_text())["status"] == "complete"
    straight = tmp_path / "straight"
    run_sweep(SweepConfig.from_toml(config), straight, progress=False)
    with np.load(out / "results.npz") as got, np.load(straight / "results.npz") as expected:
        assert sorted(got.files) == sorted(expected.files)
        for key in expected.files:
            assert np.array_equal(got[key], expected[key], equal_nan=True), key


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_on_reproduce_then_the_same_command_resumes_and_completes(tmp_path, jobs):
    import subprocess
    import time

    import ghostsym

    only = ["fig2-descent", "rank-one-collapse"]  # a cheap one, then one of ~10 s
    out = tmp_path / "interrupted"
    command = [sys.executable, "-m", "ghostsym", "reproduce", "--quick", "--only", *only]
    command += ["--out", str(out), "--no-derivations", "--no-progress", "--jobs", str(jobs)]

    def first_one_reported():
        try:
            return json.loads((out / "results.json").read_text())["experiments_done"] == 1
        except (OSError, ValueError, KeyError):
            return False

    children: set[int] = set()
    returncode, stderr = _interrupt_when(
        command, first_one_reported, _environment(), group=jobs > 1, children=children
    )
    _interrupted_status(returncode)
    if jobs > 1:  # Ctrl-C reached the whole group: the workers ended quietly with the command
        assert children, "no worker process was running"
        deadline = time.time() + 10.0  # the resource tracker leaves when the command has gone
        while [pid for pid in children if _alive(pid)] and time.time() < deadline:
            time.sleep(0.05)
        left = {pid: _command_line(pid) for pid in children if _alive(pid)}
        assert not left, left
        assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    assert results["status"] == "interrupted", stderr[-2000:]
    assert results["experiments_not_run"] == ["rank-one-collapse"]
    header = (out / "report.md").read_text().splitlines()[2]
    assert header.startswith("**Incomplete run (interrupted): 1 of 2 experiments ran")
    assert "Not run: rank-one-collapse." in header
    finished = subprocess.run(command, capture_output=True, text=True, env=_environment())
    assert finished.returncode == 0, finished.stderr[-2000:]
    resumed = json.loads((out / "results.json").read_text())
    assert resumed["status"] == "complete"
    assert [resumed["experiments"][name]["status"] for name in only] == ["resumed", "ran"]
    assert not (out / "report.md").read_text().splitlines()[2].startswith("**Incomplete")
    straight = ghostsym.reproduce(
        tmp_path / "straight", only=only, derivations=False, progress=False
    )
    expected = json.loads(straight.report.results.read_text())
    keys = ("claim", "theory", "measured", "tolerance", "margin", "verdict", "experiment")
    assert [{k: row[k] for k in keys} for row in resumed["claims"]] == [
        {k: row[k] for k in keys} for row in expected["claims"]
    ]
    for name in only:
        assert resumed["experiments"][name]["numbers"] == expected["experiments"][name]["numbers"]

"""Property tests of the sweep config loader: random bad configs give one clean error.

Random bad mappings and random TOML text raise :class:`InvalidInputError` and nothing else,
naming the key at fault; at the command line a random bad config file exits with status 2,
one line on standard error, and nothing written in ``--out``.
"""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghostsym import cli
from ghostsym.errors import InvalidInputError
from ghostsym.network import SweepConfig
from ghostsym.network._sweeps import _POPULATION, _TOP_LEVEL, MAXIMUM_EPOCHS, MAXIMUM_SEED

BASE = {
    "name": "property",
    "model": "rank-one",
    "epochs": 20,
    "record_every": 5,
    "epochs_per_chunk": 10,
    "model_settings": {"size": 4},
    "task_settings": {"delay": 3, "response": 3},
    "population": {"learning_rates": [0.1], "seeds": [0, 1]},
}

PROPERTIES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

not_integers = st.one_of(
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])
not_strings = st.one_of(st.integers(), st.floats(), st.booleans(), st.lists(st.text(), max_size=2))

#: (key path, strategy of values that are wrong for it); every value drawn must be refused.
BAD_VALUES = [
    (("epochs",), st.one_of(not_integers, st.integers(max_value=0))),
    (("epochs",), st.integers(min_value=MAXIMUM_EPOCHS + 1)),
    (("record_every",), st.one_of(not_integers, st.integers(max_value=0), st.integers(21))),
    (("epochs_per_chunk",), st.one_of(not_integers, st.integers(max_value=0))),
    (("runs_per_block",), st.one_of(not_integers, st.integers(max_value=0))),
    (("model",), st.one_of(not_strings, st.text(max_size=12))),
    (("task",), st.one_of(not_strings, st.text(max_size=12))),
    (("optimizer",), st.one_of(not_strings, st.text(max_size=12))),
    (("dtype",), st.one_of(not_strings, st.text(max_size=12))),
    (("name",), not_strings),
    (("snapshot_epochs",), st.one_of(st.integers(), st.text(max_size=3))),
    (("snapshot_epochs",), st.lists(st.integers(min_value=21), min_size=1, max_size=3)),
    (("snapshot_epochs",), st.lists(st.integers(max_value=-1), min_size=1, max_size=3)),
    (("model_settings",), st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers()))),
    (("model_settings", "size"), st.one_of(non_finite, st.just([]), st.integers(max_value=0))),
    (("model_settings", "size"), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)),
    (("task_settings", "delay"), st.one_of(non_finite, st.just([]), st.integers(max_value=0))),
    (("task_settings", "noise"), st.one_of(non_finite, st.floats(max_value=-1e-9))),
    (("population",), st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers()))),
    (("population", "learning_rates"), st.one_of(non_finite, st.floats(max_value=0.0))),
    (("population", "learning_rates"), st.lists(non_finite, min_size=1, max_size=3)),
    (("population", "learning_rates"), st.just([])),
    (("population", "learning_rates"), st.text(max_size=4)),
    (
        ("population", "learning_rates"),
        st.fixed_dictionaries(
            {"logspace": st.lists(st.one_of(non_finite, st.text(max_size=2)), max_size=4)}
        ),
    ),
    (
        ("population", "learning_rates"),
        st.fixed_dictionaries({"linspace": st.tuples(st.just(0.1), st.just(1.0), not_integers)}),
    ),
    (
        ("population", "learning_rates"),
        st.dictionaries(st.sampled_from(["geomspace", "list", "x"]), st.integers(), min_size=1),
    ),
    (("population", "seeds"), st.one_of(st.integers(max_value=-1), st.floats(), st.text())),
    (("population", "seeds"), st.integers(min_value=MAXIMUM_SEED + 1)),
    (
        ("population", "seeds"),
        st.fixed_dictionaries(
            {"range": st.lists(st.integers(-5, 5), max_size=4).filter(lambda a: len(a) not in (2,))}
        ),
    ),
    (("population", "confidences"), st.one_of(st.just(math.nan), st.floats(max_value=0.0))),
]


def _with(path, value) -> dict:
    config = {key: dict(item) if isinstance(item, dict) else item for key, item in BASE.items()}
    if len(path) == 1:
        config[path[0]] = value
    else:
        config[path[0]] = {**config[path[0]], path[1]: value}
    return config


def test_the_base_config_is_valid():
    assert SweepConfig.from_mapping(BASE).population_size == 2


@PROPERTIES
@given(data=st.data())
def test_a_bad_value_raises_invalid_input_naming_its_key(data):
    index = data.draw(st.integers(0, len(BAD_VALUES) - 1), label="case")
    path, strategy = BAD_VALUES[index]
    value = data.draw(strategy, label=".".join(path))
    with pytest.raises(InvalidInputError) as raised:
        SweepConfig.from_mapping(_with(path, value))
    assert path[-1] in str(raised.value)


@PROPERTIES
@given(
    key=st.text(min_size=1, max_size=12).filter(lambda k: k not in _TOP_LEVEL),
    section=st.sampled_from(["", "population"]),
    value=st.one_of(st.integers(), st.text(max_size=3)),
)
def test_an_unknown_key_is_refused_by_name(key, section, value):
    config = _with(("population",), dict(BASE["population"]))
    if section:
        if key in _POPULATION:
            return
        config["population"][key] = value
    else:
        config[key] = value
    with pytest.raises(InvalidInputError, match="unknown"):
        SweepConfig.from_mapping(config)


@PROPERTIES
@given(
    mapping=st.recursive(
        st.one_of(st.integers(), st.floats(), st.text(max_size=4), st.booleans()),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.sampled_from(sorted(_TOP_LEVEL | _POPULATION)), children),
        ),
        max_leaves=8,
    )
)
def test_random_mappings_fail_only_with_invalid_input(mapping):
    try:
        SweepConfig.from_mapping(mapping)
    except InvalidInputError:
        pass


@PROPERTIES
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_files_fail_only_with_invalid_input_naming_the_file(content):
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "random.toml"
        path.write_bytes(content)
        with pytest.raises(InvalidInputError) as raised:
            SweepConfig.from_toml(path)
        assert str(path) in str(raised.value)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


#: Lines that make a TOML config bad: (key, TOML value) at the top level or in [population].
BAD_LINES = st.one_of(
    st.tuples(st.just("epochs"), st.sampled_from(["0", "-3", "1.5", '"ten"', "nan", "[1]"])),
    st.tuples(st.just("record_every"), st.sampled_from(["0", "7", "inf", "true"])),
    st.tuples(st.just("model"), st.sampled_from(['"rank-two"', "1", "[]"])),
    st.tuples(st.just("unknown_key"), st.sampled_from(["1", '"x"'])),
    st.tuples(
        st.just("learning_rates"),
        st.sampled_from(["[]", "[-0.1]", "[nan]", "[inf]", "{logspace = [-1, 0]}", '"a"']),
    ),
    st.tuples(st.just("seeds"), st.sampled_from(["[-1]", "[0.5]", "{range = [4, 1]}", "[]"])),
)


@settings(max_examples=25, deadline=None)
@given(line=BAD_LINES, junk=st.binary(max_size=20))
def test_command_line_bad_configs_exit_2_with_one_line_and_write_nothing(line, junk):
    key, value = line
    top = {"model": '"rank-one"', "epochs": "20"}
    population = {"learning_rates": "[0.1]"}
    if key in ("learning_rates", "seeds"):
        population[key] = value
    else:
        top[key] = value
    text = "\n".join(f"{k} = {v}" for k, v in top.items())
    text += "\n[population]\n" + "\n".join(f"{k} = {v}" for k, v in population.items()) + "\n"
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "bad.toml"
        # half the time, random bytes after the config make it unreadable as well
        config.write_bytes(text.encode() + (junk if junk[:1] == b"\xff" else b""))
        out = Path(scratch) / "out"
        stderr, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            status = cli.main(["sweep", str(config), "--out", str(out), "--no-progress"])
        message = stderr.getvalue()
        assert status == 2, message
        assert message.count("\n") == 1 and message.startswith("ghostsym sweep: error: ")
        assert str(config) in message
        assert not out.exists()

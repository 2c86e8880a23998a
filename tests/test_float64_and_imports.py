"""Nothing global at import; float64 where the public JAX functions need it.

Both checks run in fresh interpreters: this suite's conftest turns JAX float64 on for the test
process, so only a subprocess can show what a user's session gets.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

# Public JAX-using functions, evaluated identically here and in a process without x64.
CALLS = r"""
import json, sys
import numpy as np
from ghostsym import analysis, network

m = np.array([2.0, 0.0, 0.5]); n = np.array([1.0, 0.8, 0.1]); b = np.array([-1.0, 10.0, 0.2])
values = {}
point = network.latent_slow_point(network.LatentFactors(m, n, b), -0.5, 1.0)
values["latent_slow_point"] = [point.kappa, point.canonical_parameter, point.clearance]
values["passage_time_jax"] = [analysis.passage_time_jax(np.array([0.3, -1.0]), 2.0, 3.0)]
values["reduce_latent_path"] = list(analysis.reduce_latent_path(m, n, b, -0.5, 1.0))
model, task = network.RankOneNetwork(size=3), network.DelayedActivation(delay=5)
parameters = network.RankOneParameters(m, n, b, np.float64(10.0))
values["network_loss"] = [network.network_loss(model, task, parameters)]
print(json.dumps({
    name: [[str(np.asarray(v).dtype), np.asarray(v, dtype=np.float64).ravel().tolist()]
           for v in results]
    for name, results in values.items()
}))
"""


def _run(code: str, **environment) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("JAX_")}
    env.update(PYTHONPATH=str(ROOT), **environment)
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.mark.slow  # a fresh interpreter compiles every function again (about 15 s)
def test_public_jax_functions_give_float64_without_x64_and_match_this_process():
    outside = json.loads(_run("import jax; assert not jax.config.jax_enable_x64\n" + CALLS))
    namespace: dict = {}
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(CALLS, namespace)  # noqa: S102 - the same fixed code, in this (x64) process
    inside = json.loads(printed.getvalue())
    assert outside.keys() == inside.keys()
    for name, results in outside.items():
        for (dtype, numbers), (dtype_here, numbers_here) in zip(results, inside[name], strict=True):
            assert dtype in ("float64", "bool") and dtype == dtype_here, (name, dtype)
            np.testing.assert_array_equal(numbers, numbers_here, err_msg=name)


def test_import_ghostsym_loads_no_heavy_module_and_changes_no_setting():
    probe = r"""
import json, sys
import ghostsym, ghostsym.theory
loaded = [name for name in ("jax", "optax", "matplotlib") if name in sys.modules]
import ghostsym.analysis, ghostsym.plotting  # these load JAX and matplotlib, and change nothing
import jax, matplotlib
print(json.dumps({"loaded": loaded, "x64": bool(jax.config.jax_enable_x64),
                  "backend": matplotlib.get_backend()}))
"""
    baseline = r"""
import json, jax, matplotlib
print(json.dumps({"loaded": [], "x64": bool(jax.config.jax_enable_x64),
                  "backend": matplotlib.get_backend()}))
"""
    result = json.loads(_run(probe, MPLBACKEND="svg"))
    expected = json.loads(_run(baseline, MPLBACKEND="svg"))
    assert result == expected, (result, expected)
    assert result["loaded"] == [] and result["x64"] is False


def test_theory_command_does_not_import_jax():
    code = (
        "import sys\nfrom ghostsym.cli import main\nstatus = main(['theory', '--T', '100'])\n"
        "print(status, sorted(m for m in ('jax', 'optax', 'matplotlib') if m in sys.modules))"
    )
    assert _run(code).splitlines()[-1] == "0 []"

"""Picklable synthetic experiments for tests/test_reproduce_jobs.py.

Worker processes of ``reproduce(jobs=N)`` are spawned: they receive an experiment by
reference to its module-level function, so the functions live in this importable module
(the test session puts ``tests/`` on ``sys.path``, and spawned workers inherit it).
"""

from __future__ import annotations

import os
import signal

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ghostsym.experiments import Experiment, ExperimentOutcome, compare_claim  # noqa: E402
from ghostsym.plotting import save_figure  # noqa: E402

MODULE = "reproduce_support.experiments"


def steady(scale, seed):
    """A seed-dependent draw and a claim that holds."""
    draw = float(np.random.default_rng(seed).normal())
    claim = compare_claim("1 + 2", 3.0, 1.0 + 2.0, atol=1e-12, source="test")
    return ExperimentOutcome(
        "steady", "Steady", (claim,), numbers={"draw": draw}, arrays={"curve": np.arange(4.0)}
    )


def explode(scale, seed):
    raise RuntimeError(f"exploded at seed {seed}")


def die(scale, seed):
    """Kill the process running the experiment (a worker killed from outside)."""
    os.kill(os.getpid(), signal.SIGKILL)


def draw_curve(outcome, directory):
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.plot(outcome.arrays["curve"])
    paths = list(save_figure(figure, directory, "curve"))
    plt.close(figure)
    return paths


STEADY = Experiment("steady", "Steady", steady, figure=f"{MODULE}:draw_curve")
EXPLODE = Experiment("explode", "Explode", explode)
DIE = Experiment("die", "Die", die)
SECOND = Experiment("second", "Second", steady, figure=f"{MODULE}:draw_curve")

#: What the registry holds when a test points ``EXPERIMENT_MODULES`` at this module.
EXPERIMENTS = (STEADY, EXPLODE, SECOND)

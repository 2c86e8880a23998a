"""CPU seconds of drawing every figure from the outcomes a reproduce run stored.

    python benchmarks/figure_drawing_time.py REPORT_DIRECTORY OUT_DIRECTORY

Loads each registered experiment's stored outcome from ``REPORT_DIRECTORY/experiments``, calls
its figure function into ``OUT_DIRECTORY/<name>`` and prints one line per experiment, slowest
first, then the total::

    experiment=NAME cpu_s=...
    total_cpu_s=... figures=N

Times are ``time.process_time()`` of this single process. matplotlib is imported and one small
figure (log axis, mathtext) is saved before timing, so font loading and the first use of the
mathtext parser are not charged to whichever figure comes first. Compare two versions by running
them alternately (A, B, A, B, ...) on the same stored outcomes.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

from ghostsym.experiments import all_experiments
from ghostsym.plotting import save_figure, subplots
from ghostsym.report import load_outcome


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a reproduce output directory")
    parser.add_argument("out", type=Path, help="where to write the figures")
    arguments = parser.parse_args(argv)

    drawings = []
    for experiment in all_experiments():
        if not experiment.figure:
            continue
        outcome = load_outcome(arguments.report / "experiments", experiment.name).outcome
        module, _, function = experiment.figure.partition(":")
        drawings.append(
            (experiment.name, getattr(importlib.import_module(module), function), outcome)
        )

    figure, axes = subplots()
    axes.semilogy([1.0, 2.0], [1e-3, 1.0])
    axes.set_title("$x^2$")
    save_figure(figure, arguments.out / "_warm_up", "warm_up")

    seconds = {}
    start = time.process_time()
    for name, draw, outcome in drawings:
        began = time.process_time()
        draw(outcome, arguments.out / name)
        seconds[name] = time.process_time() - began
    total = time.process_time() - start
    for name, value in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"experiment={name} cpu_s={value:.2f}")
    figures = sum(1 for path in arguments.out.rglob("*.png") if "_warm_up" not in path.parts)
    print(f"total_cpu_s={total:.2f} figures={figures}")


if __name__ == "__main__":
    main()

"""Timing of the numeric reduction and the slow-point finder on rank-one networks (N = 100-500),
and of fold location on real models (the two-gene toggle switch, MatCont's catalytic oscillator).

    python benchmarks/bench_reduction.py [--sizes 100 300 500] [--starts 32] [--folds]

Prints, per network size N: the first call of reduce_at_slow_point (compiling included), a
repeated call (one Jacobian by jacfwd + one dense eigendecomposition + two nested jvps), and
find_slow_points from k starts (batched damped Newton, then the reductions), plus |r - r_exact|
against the closed-form latent reduction. The field is a jax.tree_util.Partial, so a network of
the same size with new weights reuses the compiled code. With --folds: find_folds on each model,
symbolic (Gröbner basis + real-root isolation) and numeric (Levenberg-Marquardt from 256 starts),
with the folds' parameter values and the time taken.
"""

from __future__ import annotations

import argparse
import time

from ghostsym import find_slow_points, reduce_at_slow_point
from ghostsym.experiments.reduction import RankOneFoldFamily
from ghostsym.reduction import find_folds

#: (name, equations, variables, parameter, values) of the fold-location benchmarks.
FOLD_MODELS = (
    ("toggle switch", ["a/(1+v**2) - u", "b/(1+u**2) - v"], ["u", "v"], "a", {"b": 2.5}),
    (
        "catalytic oscillator",
        [
            "2*q1*(1 - x - y - s)**2 - 2*q5*x**2 - q3*x*y",
            "q2*(1 - x - y - s) - q6*y - q3*x*y",
            "q4*(1 - x - y - s) - k*q4*s",
        ],
        ["x", "y", "s"],
        "q2",
        {"q1": 2.5, "q3": 10, "q4": 0.0675, "q5": 1, "q6": 0.1, "k": 0.4},
    ),
)


def fold_timings() -> None:
    """Print the folds and the time of each route of find_folds on FOLD_MODELS."""
    print(f"{'model':>22s} {'method':>9s} {'time':>8s}  folds (parameter values)")
    for name, equations, variables, parameter, values in FOLD_MODELS:
        for method in ("symbolic", "numeric"):
            search, seconds = _timed(
                find_folds, equations, variables, parameter, values, method=method
            )
            found = ", ".join(f"{float(fold.parameter_value):.9g}" for fold in search.folds)
            print(f"{name:>22s} {method:>9s} {seconds:7.2f}s  {found}")


def _timed(function, *arguments, **keywords):
    began = time.perf_counter()
    result = function(*arguments, **keywords)
    return result, time.perf_counter() - began


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 500])
    parser.add_argument("--starts", type=int, default=32)
    parser.add_argument("--folds", action="store_true", help="time fold location instead")
    arguments = parser.parse_args(argv)
    if arguments.folds:
        fold_timings()
        return
    print(
        f"{'N':>5s} {'reduce 1st':>11s} {'reduce':>9s} {'find 1st':>9s} {'find':>9s} "
        f"{'|r/r_exact - 1|':>16s}"
    )
    for size in arguments.sizes:
        network = RankOneFoldFamily(size, seed=1)
        beta = network.beta(1e-3)
        _, r_exact, point = network.exact_ghost(beta)
        field = network.field(beta)
        _, first = _timed(reduce_at_slow_point, field, point)
        reduced, repeat = _timed(reduce_at_slow_point, field, point)
        starts = network.starts(beta, arguments.starts)
        _, find_first = _timed(find_slow_points, field, starts)
        other = network.field(network.beta(2e-3))  # new weights, same compiled code
        found, find_repeat = _timed(find_slow_points, other, starts)
        assert any(p.kind == "ghost" for p in found)
        print(
            f"{size:5d} {first:10.3f}s {repeat:8.3f}s {find_first:8.2f}s {find_repeat:8.2f}s "
            f"{abs(reduced.r / r_exact - 1):16.2e}"
        )


if __name__ == "__main__":
    main()

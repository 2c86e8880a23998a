"""Statistics shared by the analysis and the experiments: the Wilson score interval.

>>> low, high = wilson_interval(8, 20)
>>> round(low, 4), round(high, 4)
(0.2188, 0.6134)
"""

from __future__ import annotations

import math

__all__ = ["wilson_interval"]


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial fraction; ``(0, 1)`` (no information) for 0 trials.

    The bounds p solve (p̂ − p)² = z² p (1 − p) / n with z the two-sided normal quantile of
    ``confidence``.

    >>> [round(v, 4) for v in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    from scipy.stats import norm

    if trials <= 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    fraction = successes / trials
    denominator = 1 + z**2 / trials
    centre = (fraction + z**2 / (2 * trials)) / denominator
    half = z * math.sqrt(fraction * (1 - fraction) / trials + z**2 / (4 * trials**2)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)

"""Fold coefficients and ghost passages of classic systems, against their published values.

Each test names its source. Tolerances are fixed here, from what the source prints (digits
shown, its own locator tolerance), never from the data they judge.

Convention mapping. ghostsym reduces a fold with q the right and p the left null vector of
Df, |q| = 1 and p^T q = 1, and b = 1/2 p^T D^2 f[q, q], a = p^T df/dmu. MatCont's limit-point
coefficient is a = 1/2 p^T B(q, q) with <q, q> = 1 and <p, q> = 1 (Kuznetsov, "Elements of
Applied Bifurcation Theory", 3rd ed., Section 3.4, eq. (3.15)-(3.17) for the fold on the
centre manifold): the same quantity as ghostsym's b. The orientation of q is a free choice
(q -> -q sends p -> -p and b -> -b) that neither MatCont's manual nor ghostsym's convention
ties to the other's, so |b| is compared with |a|. Strogatz's one-dimensional expansions
x' = a (r - r_c) + b (x - x*)^2 are ghostsym's a and b directly (n = 1, q = p = 1).
"""

import math

import numpy as np
import pytest
import sympy

from ghostsym.reduction._folds import find_folds
from ghostsym.reduction._symbolic import reduce_ghost
from ghostsym.reduction._trajectory import ghosts_along_trajectory


def test_matcont_catalytic_oscillator_limit_points():
    """MatCont manual (Dhooge, Govaerts, Kuznetsov et al., "MATCONT and CL_MATCONT:
    continuation toolboxes in Matlab", section "Example: a catalytic oscillator", eq. (60),
    output of testequilcataloscill): with q1 = 2.5, q3 = 10, q4 = 0.0675, q5 = 1, q6 = 0.1,
    k = 0.4 and q2 free, the equilibrium curve has two limit points

        LP, x = (0.024717, 0.450257, 0.375018), q2 = 1.042049, a = -1.166509e-01
        LP, x = (0.054030, 0.302241, 0.459807), q2 = 1.052200, a =  1.346534e-01

    Tolerances: 1e-5 on the location (MatCont's default TestTolerance for locating special
    points) and 1e-3 relative on a (a is evaluated at MatCont's located point).
    """
    equations = [
        "2*q1*(1 - x - y - s)**2 - 2*q5*x**2 - q3*x*y",
        "q2*(1 - x - y - s) - q6*y - q3*x*y",
        "q4*(1 - x - y - s) - k*q4*s",
    ]
    values = {"q1": 2.5, "q3": 10, "q4": 0.0675, "q5": 1, "q6": 0.1, "k": 0.4}
    search = find_folds(equations, ["x", "y", "s"], "q2", values)
    assert search.complete  # Gröbner basis + real-root isolation: no fold is missed
    published = [
        ((0.024717, 0.450257, 0.375018), 1.042049, -1.166509e-01),
        ((0.054030, 0.302241, 0.459807), 1.052200, 1.346534e-01),
    ]
    physical = [fold for fold in search.folds if np.all(np.asarray(fold.point, float) >= 0)]
    assert len(search.folds) == 4  # the two others have s < 0, off MatCont's curve
    assert len(physical) == 2
    for fold, (point, q2, a) in zip(physical, published, strict=True):
        assert np.allclose(np.asarray(fold.point, float), point, atol=1e-5)
        assert float(fold.parameter_value) == pytest.approx(q2, abs=1e-5)
        assert abs(fold.b) == pytest.approx(abs(a), rel=1e-3)


def test_strogatz_example_3_1_2_saddle_node_of_r_minus_x_minus_exp():
    """Strogatz, "Nonlinear Dynamics and Chaos" (2nd ed.), Example 3.1.2: x' = r - x - e^{-x}
    has its saddle-node at x* = 0, r_c = 1, where the Taylor expansion gives
    x' ~ (r - 1) - x^2/2, i.e. a = 1, b = -1/2 (exact)."""
    search = find_folds(["r - x - exp(-x)"], ["x"], "r")
    [fold] = search.folds
    assert (fold.point, fold.parameter_value) == ((0,), 1)
    assert fold.unfolding_coefficient == 1
    assert fold.quadratic_coefficient == sympy.Rational(-1, 2)


def test_strogatz_section_3_7_spruce_budworm_fold_curve():
    """Strogatz, Section 3.7 (insect outbreak), x' = r x (1 - x/k) - x^2/(1 + x^2): the
    saddle-node bifurcation curves are given parametrically by r = 2x^3/(1+x^2)^2,
    k = 2x^3/(x^2 - 1) (x > 1). At k = 10 the two folds are where 2x^3 - 10x^2 + 10 = 0;
    tolerance 1e-10 (both sides are float64 roots of well-conditioned equations)."""
    search = find_folds(["r*x*(1 - x/k) - x**2/(1 + x**2)"], ["x"], "r", {"k": 10})
    roots = [float(x) for x in np.roots([2, -10, 0, 10]) if abs(x.imag) < 1e-12 and x.real > 1]
    expected = sorted((2 * x**3 / (1 + x**2) ** 2, x) for x in roots)
    folds = [fold for fold in search.folds if float(fold.point[0]) > 1]
    assert len(folds) == 2 and search.complete
    for fold, (r, x) in zip(folds, expected, strict=True):
        assert float(fold.parameter_value) == pytest.approx(r, abs=1e-10)
        assert float(fold.point[0]) == pytest.approx(x, abs=1e-10)
    # the equilibrium x = 0 (transcritical in r at r = 0) is listed as skipped, not fatal
    assert all(point.point["x"] == 0.0 for point in search.skipped)


def test_strogatz_section_4_3_nonuniform_oscillator_bottleneck():
    """Strogatz, Section 4.3: theta' = omega - a sin(theta) has period
    T = 2 pi / sqrt(omega^2 - a^2) (exact), and near onset the bottleneck estimate
    T ~ sqrt(2) pi / sqrt(a (omega - a)), which is pi/sqrt(r) for the ghost at theta = pi/2
    with r = a (omega - a)/2. Tolerances: r to 1e-25 (30-digit arithmetic); the trajectory's
    period to 1e-6 of the exact one; pi/sqrt(r) within 1% of T at omega - a = 0.01 a (the
    estimate's relative error is O((omega - a)/a))."""
    omega, a = 1.01, 1.0
    ghost = reduce_ghost(
        ["omega - a*sin(theta)"], ["theta"], {"theta": 1.2}, {"omega": "1.01", "a": 1}
    )
    assert float(ghost.point[0]) == pytest.approx(math.pi / 2, abs=1e-12)
    exact_a, exact_omega = sympy.Integer(1), sympy.Rational(101, 100)
    r_published = exact_a * (exact_omega - exact_a) / 2
    assert abs(ghost.r - r_published) < 1e-25
    period = 2 * math.pi / math.sqrt(omega**2 - a**2)
    result = ghosts_along_trajectory(
        ["omega - a*sin(theta)"],
        ["theta"],
        {"theta": 0.0},
        150.0,
        {"omega": "1.01", "a": 1},
        periodic={"theta": "2*pi"},
    )
    times = [visit.time for visit in result.visits]
    assert len(times) >= 3
    assert np.allclose(np.diff(times), period, rtol=1e-6)
    assert float(ghost.passage_time) == pytest.approx(period, rel=1e-2)


def test_theta_neuron_period_pi_over_sqrt_current():
    """Ermentrout and Kopell (1986), Ermentrout and Terman, "Mathematical Foundations of
    Neuroscience" (2010), Section 8.1: the theta neuron theta' = 1 - cos(theta) +
    (1 + cos(theta)) I fires with period pi/sqrt(I) for I > 0. ghostsym's ghost at theta = 0
    has r = I (1 - I) (exact: d = 2I, lambda = 0, b = (1 - I)/2), so pi/sqrt(r) -> pi/sqrt(I)
    as I -> 0. Tolerances: the measured period to 1e-6; r to 1e-25."""
    current = 0.0025
    result = ghosts_along_trajectory(
        ["1 - cos(theta) + I*(1 + cos(theta))"],
        ["theta"],
        {"theta": 2.5},
        250.0,
        {"I": "0.0025"},
        periodic={"theta": "2*pi"},
    )
    times = [visit.time for visit in result.visits]
    assert len(times) >= 3
    assert np.allclose(np.diff(times), math.pi / math.sqrt(current), rtol=1e-6)
    point = result.visits[0].slow_point
    assert abs(point.point[0]) < 1e-9 and point.r == pytest.approx(current * (1 - current), 1e-12)


def test_strogatz_section_4_3_bottleneck_time_of_the_normal_form():
    """Strogatz, Section 4.3 ("Ghosts and bottlenecks"), x' = r + x^2: the time through the
    bottleneck is pi/sqrt(r). Integrated from x = -1e3 until |x| > 1e6 the run takes
    (atan(1e6/sqrt r) - atan(-1e3/sqrt r))/sqrt r, within 1e-3 of pi/sqrt(r); the end of
    the integration must match that to 1e-6, and the dwell window its prediction to 1e-3."""
    r = 0.01
    result = ghosts_along_trajectory(["0.01 + x**2"], ["x"], {"x": -1000.0}, 100.0)
    [visit] = result.visits
    assert visit.slow_point.r == pytest.approx(r, rel=1e-12)
    assert visit.passage_time == pytest.approx(math.pi / math.sqrt(r), rel=1e-12)
    # the whole run from x0 to +1e6 takes (atan(1e6/sqrt r) - atan(x0/sqrt r)) / sqrt r
    total = (math.atan(1e6 / math.sqrt(r)) - math.atan(-1000.0 / math.sqrt(r))) / math.sqrt(r)
    assert result.end == pytest.approx(total, rel=1e-6)
    assert total == pytest.approx(visit.passage_time, rel=1e-3)
    assert visit.measured_dwell == pytest.approx(visit.predicted_dwell, rel=1e-3)

"""Experiments of ghosts inside trained networks and the learning-rate law in RNNs.

- ``network-slow-points``: the slow-point finder on networks constructed with a known ghost and
  a known node-saddle pair, against the exact latent reduction (mpmath, 30 digits).
- ``learning-rate-law``: critical SGD learning rate of trained rank-one networks against T, its
  exponent, and the prediction eta_c = alpha_c / |d rho/d theta|^2.
- ``mitigation-rank``, ``mitigation-confidence``, ``mitigation-readout-cap``: the paper's
  mitigations (Fig 6B, 8B, 8C) at reduced scale, as tables of fractions with seed counts.

Every ``run(scale, seed)`` uses the network seeds ``seed, seed + 1, ...``.

>>> [experiment.name for experiment in EXPERIMENTS][:2]
['network-slow-points', 'learning-rate-law']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import NO_TRAINING, Scale, experiment
from ._claims import Findings, boolean_claim, compare_claim, fraction_claim, fraction_text
from ._oracles import exact_latent_canonical_parameter
from ._tolerances import tolerance

__all__ = [
    "EXPERIMENTS",
    "run_network_slow_points",
    "run_learning_rate_law",
    "run_mitigation_rank",
    "run_mitigation_confidence",
    "run_mitigation_readout_cap",
]


# --- network-slow-points ----------------------------------------------------------------------
@experiment(
    name="network-slow-points",
    title="Slow points of constructed networks",
    figure="ghostsym.plotting.ghosts:plot_network_slow_points",
    cost=NO_TRAINING,
)
def run_network_slow_points(scale: Scale, seed: int) -> Findings:
    """Constructed ghost and node-saddle pair (N = 100): kinds and r against the exact oracle."""
    from ..analysis import find_network_slow_points, latent_fixed_point_count
    from ..analysis import rank_one_network_near_fold as construct

    unfoldings = (1e-3, 1e-4) if scale == "quick" else (1e-2, 1e-3, 1e-4, 1e-5)
    claims, numbers, arrays = [], {}, {}
    errors, kinds_ok = [], []
    for u in unfoldings:
        ghost = construct(size=100, unfolding=u, seed=seed)
        pair = construct(size=100, unfolding=-u, seed=seed)
        found = find_network_slow_points(ghost.network)
        ghosts = [p for p in found if p.kind == "ghost"]
        pair_points = find_network_slow_points(pair.network)
        _, r_exact = exact_latent_canonical_parameter(
            ghost.m, ghost.n, ghost.b, ghost.minimum_location
        )
        r_found = ghosts[0].r if len(ghosts) == 1 else math.nan
        errors.append(abs(r_found / r_exact - 1) if len(ghosts) == 1 else math.inf)
        expected = int(latent_fixed_point_count(pair.m, pair.n, pair.b))
        kinds_ok.append(
            len(ghosts) == 1 and [p.kind for p in pair_points] == ["fixed-point"] * expected
        )
        numbers[f"r_found_u{u:g}"] = r_found
        numbers[f"r_exact_u{u:g}"] = r_exact
        numbers[f"pair_points_u{u:g}"] = len(pair_points)
    worst = max(errors)
    claims.append(
        compare_claim(
            "finder's r of a constructed ghost = exact latent reduction (rel. 1e-6)",
            0.0,
            worst,
            tolerance=tolerance("finder-r-oracle"),
            source="ghostsym",
            kind="consistency",
            details=f"N = 100 rank-one, unfoldings {unfoldings}, oracle mpmath 30 digits",
        )
    )
    claims.append(
        boolean_claim(
            "constructed ghost found as one ghost; constructed pair as fixed points only",
            "ghost / fixed-point",
            "yes" if all(kinds_ok) else "no",
            all(kinds_ok),
            source="ghostsym",
            kind="consistency",
            details="classified by the sign of r, no speed threshold",
        )
    )
    # the flow of the smallest unfolding, for the figure
    ghost = construct(size=100, unfolding=unfoldings[-1], seed=seed)
    pair = construct(size=100, unfolding=-unfoldings[-1], seed=seed)
    from ..analysis import latent_flow

    kappa = np.linspace(ghost.minimum_location - 1.5, ghost.minimum_location + 1.5, 400)
    arrays = {
        "kappa": kappa,
        "ghost_flow": latent_flow(kappa, ghost.m, ghost.n, ghost.b),
        "pair_flow": latent_flow(kappa, pair.m, pair.n, pair.b),
        "ghost_location": np.array([ghost.minimum_location]),
    }
    numbers["largest_relative_error"] = worst
    return Findings(
        tuple(claims),
        numbers,
        arrays,
        {"unfoldings": str(unfoldings)},
    )


# --- learning-rate-law ------------------------------------------------------------------------
@dataclass(frozen=True)
class _LawScale:
    delays: tuple[int, ...]
    seeds: int
    pretrain_epochs: int
    sweep_epochs: int
    bootstrap_samples: int


_LAW = {
    "quick": _LawScale(
        (10, 20, 40, 80), seeds=3, pretrain_epochs=1000, sweep_epochs=100, bootstrap_samples=500
    ),
    "full": _LawScale(
        (10, 14, 20, 28, 40, 56, 80),
        seeds=8,
        pretrain_epochs=2000,
        sweep_epochs=300,
        bootstrap_samples=2000,
    ),
}


@experiment(
    name="learning-rate-law",
    title="The learning-rate law in rank-one networks",
    figure="ghostsym.plotting.ghosts:plot_learning_rate_law",
    cost={
        # per delay: pretraining, then 12 coarse + 12 refined SGD rates from each network
        scale: len(value.delays) * value.seeds * (value.pretrain_epochs + 24 * value.sweep_epochs)
        for scale, value in _LAW.items()
    },
)
def run_learning_rate_law(scale: Scale, seed: int) -> Findings:
    """eta_c(T) measured from trained networks vs eta_c = alpha_c / |d rho/d theta|^2."""
    from ..analysis import learning_rate_law
    from ..theory import network_critical_learning_rate

    settings = _LAW[scale]
    law = learning_rate_law(
        settings.delays,
        seed + np.arange(settings.seeds),
        pretrain_epochs=settings.pretrain_epochs,
        sweep_epochs=settings.sweep_epochs,
        bootstrap_samples=settings.bootstrap_samples,
        bootstrap_seed=seed,
    )
    medians = law.medians()
    low, high = law.measured_exponent_interval
    p_low, p_high = law.predicted_exponent_interval
    details = (
        f"T = {list(settings.delays)}, {settings.seeds} seeds (from {seed}), learned per "
        f"T: {law.learned_counts.tolist()}; bootstrap 95% intervals"
    )
    claims = [
        compare_claim(
            "exponent of eta_c(T) in rank-one networks = the exponent predicted for these "
            "networks by eta_c = alpha_c / |d rho/d theta|^2",
            law.predicted_exponent,
            law.measured_exponent,
            tolerance=tolerance("rate-law-exponent"),
            formula=network_critical_learning_rate(),
            source="ghostsym",
            kind="beyond",
            details=f"measured {law.measured_exponent:.2f} [{low:.2f}, {high:.2f}], predicted "
            f"{law.predicted_exponent:.2f} [{p_low:.2f}, {p_high:.2f}]; the 1-D canonical "
            f"exponent {law.canonical_exponent:g} and the naive one (r itself) "
            f"{law.naive_exponent:.2f} are not the network's prediction; {details}",
        ),
        compare_claim(
            "measured eta_c = predicted eta_c (geometric mean over T of the median ratio)",
            1.0,
            float(np.exp(np.mean(np.log(medians["measured"] / medians["predicted"])))),
            tolerance=tolerance("rate-law-prefactor"),
            formula=network_critical_learning_rate(),
            source="ghostsym",
            kind="beyond",
            details=details,
        ),
    ]
    numbers = {
        "measured_exponent": law.measured_exponent,
        "measured_exponent_low": low,
        "measured_exponent_high": high,
        "predicted_exponent": law.predicted_exponent,
        "predicted_exponent_low": p_low,
        "predicted_exponent_high": p_high,
        "naive_exponent": law.naive_exponent,
        "canonical_exponent": law.canonical_exponent,
    }
    for delay, measured, predicted, naive in zip(
        settings.delays, medians["measured"], medians["predicted"], medians["naive"], strict=True
    ):
        numbers[f"T{delay}_measured"] = float(measured)
        numbers[f"T{delay}_predicted"] = float(predicted)
        numbers[f"T{delay}_naive"] = float(naive)
    width = max(m.critical.size for m in law.measurements)

    def padded(values):
        out = np.full((len(values), width), np.nan)
        for row, value in enumerate(values):
            out[row, : value.size] = value
        return out

    arrays = {
        "delays": law.delays,
        "measured": padded([m.critical for m in law.measurements]),
        "lower": padded([m.lower for m in law.measurements]),
        "upper": padded([m.upper for m in law.measurements]),
        "predicted": padded([p.predicted for p in law.predictions]),
        "naive": padded([p.naive_prediction for p in law.predictions]),
        "canonical_rate": np.array([p.canonical_rate for p in law.predictions]),
        "matched_parameter": padded([p.matched_parameter for p in law.predictions]),
        "optimum_parameter": np.array([p.optimum_parameter for p in law.predictions]),
        "gradient_squared": padded([p.matched_gradient_squared for p in law.predictions]),
    }
    return Findings(
        tuple(claims),
        numbers,
        arrays,
        {**settings.__dict__},
    )


# --- mitigations ------------------------------------------------------------------------------
_RANK = {
    "quick": {
        "ranks": (1, 2, 5, 10, 100),
        "learning_rates": (0.01, 0.1, 1.0),
        "seeds": 3,
        "epochs": 1500,
    },
    # the paper's Fig. 6B: K in {1, 2, 3, 4, 5, 10, 30, 50, 100}, lr logspace(-3, 0, 10),
    # 10 seeds, 500,000 epochs
    "full": {
        "ranks": (1, 2, 3, 4, 5, 10, 30, 50, 100),
        "learning_rates": tuple(float(rate) for rate in np.logspace(-3, 0, 10)),
        "seeds": 10,
        "epochs": 500000,
    },
}


@experiment(
    name="mitigation-rank",
    title="Mitigation: trainable rank",
    figure="ghostsym.plotting.ghosts:plot_mitigation_rank",
    cost={
        scale: len(value["ranks"]) * len(value["learning_rates"]) * value["seeds"] * value["epochs"]
        for scale, value in _RANK.items()
    },
)
def run_mitigation_rank(scale: Scale, seed: int) -> Findings:
    """Fraction of rank-K networks that learn (final loss < 1% of initial) vs K and lr."""
    from ..analysis import rank_sweep

    settings = _RANK[scale]
    sweep = rank_sweep(
        settings["ranks"],
        settings["learning_rates"],
        seed + np.arange(settings["seeds"]),
        epochs=settings["epochs"],
    )
    fractions = sweep.fractions
    # every (learning rate, seed) run counts, pooled over the whole learning-rate grid
    runs = sweep.learned.shape[1] * sweep.learned.shape[2]
    lowest_rank = int(sweep.learned[0].sum())
    highest_rank = int(sweep.learned[-1].sum())
    claims = [
        boolean_claim(
            "more trainable rank rescues learning: over the learning-rate grid, the largest "
            "rank learns more often than rank one",
            f"fraction(K={sweep.ranks[-1]}) > fraction(K={sweep.ranks[0]})",
            f"K={sweep.ranks[0]}: {fraction_text(lowest_rank, runs)}; K={sweep.ranks[-1]}: "
            f"{fraction_text(highest_rank, runs)}",
            highest_rank > lowest_rank,
            tolerance="fractions over every run, compared as observed",
            source="paper Fig. 6B",
            kind="paper",
            details=f"learning rates {list(sweep.learning_rates)}, {sweep.seeds.size} seeds per "
            f"cell, {sweep.epochs} epochs (paper: 500k); learned = final loss < 1% of initial",
        )
    ]
    numbers = {
        f"K{k}_lr{lr:g}": float(fractions[i, j])
        for i, k in enumerate(sweep.ranks)
        for j, lr in enumerate(sweep.learning_rates)
    }
    numbers["seeds_per_cell"] = int(sweep.seeds.size)
    arrays = {
        "ranks": sweep.ranks,
        "learning_rates": sweep.learning_rates,
        "fractions": fractions,
        "final_loss": sweep.final_loss,
        "initial_loss": sweep.initial_loss,
    }
    return Findings(
        tuple(claims),
        numbers,
        arrays,
        {**{k: str(v) for k, v in settings.items()}},
    )


_CONFIDENCE = {"quick": {"seeds": 24, "confidences": 10}, "full": {"seeds": 100, "confidences": 30}}


@experiment(
    name="mitigation-confidence",
    title="Mitigation: lowering the output confidence",
    figure="ghostsym.plotting.ghosts:plot_mitigation_confidence",
    cost={
        scale: value["seeds"] * (6000 + 100 * value["confidences"])
        for scale, value in _CONFIDENCE.items()
    },
)
def run_mitigation_confidence(scale: Scale, seed: int) -> Findings:
    """Rank-one, lr 0.02, 6000 epochs at c = 10, then 100 epochs at each c in logspace(-3, 1)."""
    from ..analysis import confidence_recovery

    settings = _CONFIDENCE[scale]
    result = confidence_recovery(
        seed + np.arange(settings["seeds"]), confidences=np.logspace(-3, 1, settings["confidences"])
    )
    fractions = result.fractions("collapsed")
    collapsed = int(result.collapsed.sum())
    low = result.confidences < 1.0
    recovered = result.recovered["collapsed"]  # (collapsed seeds, confidences)
    low_recovered = int(recovered[:, low].sum()) if collapsed else 0
    low_runs = collapsed * int(low.sum())
    high_recovered = int(recovered[:, -1].sum()) if collapsed else 0
    claims = [
        fraction_claim(
            "a lowered confidence (every c < 1 pooled) recovers collapsed networks within 100 "
            "epochs",
            low_recovered,
            low_runs,
            at_least=0.5,
            source="paper Fig. 8B",
            kind="paper",
            details=f"{settings['seeds']} seeds, {collapsed} learned then collapsed, each "
            f"continued at {int(low.sum())} confidences below 1; recovered = accuracy > 0.5 "
            "after 100 epochs",
        ),
        fraction_claim(
            "without lowering the confidence (c = 10) collapsed networks stay collapsed",
            high_recovered,
            collapsed,
            at_most=0.2,
            source="paper Fig. 8B",
            kind="paper",
            details=f"{collapsed} collapsed seeds continued at c = 10 for 100 epochs",
        ),
    ]
    numbers = {
        "seeds": int(result.seeds.size),
        "collapsed": collapsed,
        "never_learned": int(result.never_learned.sum()),
    }
    for c, fraction in zip(result.confidences, fractions, strict=True):
        numbers[f"recovered_c{c:.3g}"] = float(fraction)
    plateau = result.fractions("never-learned")
    for c, fraction in zip(result.confidences, plateau, strict=True):
        numbers[f"never_learned_recovered_c{c:.3g}"] = float(fraction)
    mean_curves = (
        result.accuracy["collapsed"].mean(axis=0)
        if collapsed
        else np.zeros((result.confidences.size, result.recovery_epochs))
    )
    arrays = {
        "confidences": result.confidences,
        "fractions": fractions,
        "never_learned_fractions": plateau,
        "mean_accuracy": mean_curves,
    }
    return Findings(
        tuple(claims),
        numbers,
        arrays,
        {**settings},
    )


_CAP = {
    "quick": {"seeds": 3, "phase_epochs": (300, 300), "trials_per_type": 2, "record_every": 20},
    "full": {  # the paper's Fig. 8C: 100 seeds, 10k + 10k epochs, batch 20
        "seeds": 100,
        "phase_epochs": (10000, 10000),
        "trials_per_type": 10,
        "record_every": 200,
    },
}


@experiment(
    name="mitigation-readout-cap",
    title="Mitigation: capping the readout",
    figure="ghostsym.plotting.ghosts:plot_mitigation_readout_cap",
    # five caps (0.1, 0.5, 1, 3, none), each a copy of the seed's run through both phases
    cost={scale: value["seeds"] * sum(value["phase_epochs"]) * 5 for scale, value in _CAP.items()},
)
def run_mitigation_readout_cap(scale: Scale, seed: int) -> Findings:
    """Full-rank DCDT, Adam lr 0.1, then a readout cap ||w_out||_1 = c."""
    from ..analysis import readout_cap

    settings = _CAP[scale]
    result = readout_cap(
        seed + np.arange(settings["seeds"]),
        phase_epochs=settings["phase_epochs"],
        trials_per_type=settings["trials_per_type"],
        record_every=settings["record_every"],
    )
    fractions = result.fractions
    finite = np.isfinite(result.caps)
    seeds_count = int(result.seeds.size)
    capped = int(round(float(fractions[finite].sum()) * seeds_count))
    uncapped = int(round(float(fractions[~finite].sum()) * seeds_count))
    capped_runs, uncapped_runs = int(finite.sum()) * seeds_count, int((~finite).sum()) * seeds_count
    capped_fraction = capped / capped_runs if capped_runs else math.nan
    uncapped_fraction = uncapped / uncapped_runs if uncapped_runs else math.nan
    claims = [
        boolean_claim(
            "capping ||w_out||_1 restores learning after Adam lr 0.1 breaks it (every finite "
            "cap pooled against no cap)",
            "fraction(capped) > fraction(uncapped)",
            f"capped {fraction_text(capped, capped_runs)}; no cap "
            f"{fraction_text(uncapped, uncapped_runs)}",
            bool(capped_fraction > uncapped_fraction),
            tolerance="fractions over every run, compared as observed",
            source="paper Fig. 8C",
            kind="paper",
            details=f"caps {[float(c) for c in result.caps[finite]]}; {settings['seeds']} seeds, "
            f"phases {settings['phase_epochs']} epochs, batch {2 * settings['trials_per_type']} "
            "(paper: 100 seeds, 10k + 10k, batch 20); recovered = final accuracy >= 0.9",
        )
    ]
    numbers = {
        "seeds": int(result.seeds.size),
        "first_phase_final_accuracy_mean": float(result.first_phase_accuracy[:, -1].mean()),
    }
    for cap, fraction in zip(result.caps, fractions, strict=True):
        numbers[f"recovered_cap{cap:g}"] = float(fraction)
    arrays = {
        "caps": result.caps,
        "fractions": fractions,
        "epochs": result.epochs,
        "mean_accuracy": result.accuracy.mean(axis=0),
        "first_phase_epochs": result.first_phase_epochs,
        "first_phase_accuracy": result.first_phase_accuracy.mean(axis=0),
    }
    return Findings(
        tuple(claims),
        numbers,
        arrays,
        {
            "seeds": settings["seeds"],
            "phase_epochs": str(settings["phase_epochs"]),
            "trials_per_type": settings["trials_per_type"],
        },
    )


EXPERIMENTS = (
    run_network_slow_points.experiment,
    run_learning_rate_law.experiment,
    run_mitigation_rank.experiment,
    run_mitigation_confidence.experiment,
    run_mitigation_readout_cap.experiment,
)

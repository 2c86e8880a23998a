"""What the report shows a reader: each claim's derived formula (LaTeX in report.md, SymPy's
presentation MathML in report.html, both stored with the outcome), and figures whose curves
can be told apart (legends, panels, offsets, tick labels)."""

from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy

import ghostsym.experiments as experiments
from ghostsym import notation
from ghostsym.errors import InvalidInputError
from ghostsym.experiments import (
    ClaimFormula,
    ExperimentOutcome,
    boolean_claim,
    compare_claim,
    fraction_claim,
    not_run,
)
from ghostsym.report import ExperimentRecord, load_outcome, write_outcome, write_report
from ghostsym.theory import canonical_form, delayed_activation_theory

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def _mathml_tree(markup: str) -> ElementTree.Element:
    """Parse MathML as XML: HTML's named entities (SymPy writes &pi;, &InvisibleTimes;)
    become their characters first."""
    import html

    named = re.sub(r"&[A-Za-z][A-Za-z0-9]*;", lambda match: html.unescape(match.group()), markup)
    return ElementTree.fromstring(named)


# --- the formula of a claim -------------------------------------------------------------------
def test_formula_renders_the_derived_expression_in_latex_and_mathml():
    derived = canonical_form().blow_up_time
    formula = ClaimFormula.of(derived)
    assert formula.latex == derived.latex()  # t^{*} = \frac{\pi}{2 \sqrt{r}}
    assert formula.srepr == sympy.srepr(derived.expression)
    assert formula.text == "t^* = pi/(2*sqrt(r))"
    tree = _mathml_tree(formula.mathml)
    assert tree.tag == f"{MATHML}math"
    tags = {element.tag.removeprefix(MATHML) for element in tree.iter()}
    assert {"mfrac", "msqrt", "msup", "mo"} <= tags  # t^*, =, pi over 2 sqrt(r)
    assert "π" in "".join(tree.itertext())


def test_the_formula_shown_is_the_closed_form_an_independent_oracle_gives():
    """The blow-up time on the claim is the integral of dx/(r + x^2) from 0 to infinity,
    computed by mpmath at 30 digits (not by SymPy)."""
    claim = compare_claim("t*", 1.0, 1.0, rtol=1e-9, formula=canonical_form().blow_up_time)
    assert claim.formula.srepr == sympy.srepr(canonical_form().blow_up_time.expression)
    closed = canonical_form().blow_up_time.lambdify("mpmath")
    with mpmath.workdps(30):
        for r in ("1e-6", "0.01", "3"):
            value = mpmath.mpf(r)
            integral = mpmath.quad(lambda x, v=value: 1 / (v + x**2), [0, 1, mpmath.inf])
            assert abs(closed(value) / integral - 1) < mpmath.mpf("1e-25")


def test_symbols_show_in_the_package_notation():
    """MathML uses the same letters as the LaTeX: eta as the Greek letter, mu_0 subscripted,
    the gain as a."""
    steps = ClaimFormula.of(delayed_activation_theory().descent_steps)
    assert "\\eta" in steps.latex and "η" in "".join(_mathml_tree(steps.mathml).itertext())
    expression = notation.gain * (notation.mu - notation.mu0)
    tree = _mathml_tree(ClaimFormula.of(expression).mathml)
    text = "".join(tree.itertext())
    assert "gain" not in text and "a" in text and "μ" in text


def test_every_claim_constructor_takes_a_formula_and_text_is_refused():
    derived = delayed_activation_theory().critical_learning_rate
    rows = [
        compare_claim("c", 1.0, 1.0, rtol=0.1, formula=derived),
        fraction_claim("f", 1, 2, at_least=0.5, formula=derived),
        boolean_claim("b", "x", "x", True, formula=derived),
        not_run("n", "skipped", formula=derived),
    ]
    assert {row.formula.latex for row in rows} == {"\\alpha_{c} = \\frac{3 \\pi^{4}}{32 T^{5}}"}
    assert all(row.to_json()["formula"]["latex"] == row.formula.latex for row in rows)
    with pytest.raises(InvalidInputError, match="SymPy expression"):
        compare_claim("c", 1.0, 1.0, rtol=0.1, formula="pi/(2 sqrt r)")
    assert compare_claim("c", 1.0, 1.0, rtol=0.1).to_json()["formula"] is None


def test_stored_outcomes_keep_the_formula_and_old_ones_load_without(tmp_path):
    claim = compare_claim("t*", 1.0, 1.0, rtol=1e-9, formula=canonical_form().blow_up_time)
    outcome = ExperimentOutcome("demo", "Demo", (claim,))
    files = write_outcome(tmp_path, outcome, scale="quick", seed=0)
    assert load_outcome(tmp_path, "demo").outcome.claims[0].formula == claim.formula
    payload = json.loads(files.metadata.read_text())
    del payload["claims"][0]["formula"]  # written before claims had formulas
    files.metadata.write_text(json.dumps(payload))
    assert load_outcome(tmp_path, "demo").outcome.claims[0].formula is None


def _report(tmp_path, claims):
    outcome = ExperimentOutcome("demo", "Demo", tuple(claims))
    return write_report(tmp_path, [ExperimentRecord(outcome, "ran")], scale="quick")


def test_markdown_shows_latex_and_keeps_the_table_columns(tmp_path):
    claims = [
        compare_claim("t*", 1.0, 1.0, rtol=1e-9, formula=canonical_form().blow_up_time),
        compare_claim(
            "kink", 1.0, 1.0, rtol=1e-9, formula=delayed_activation_theory().gradient_at_optimum
        ),
        compare_claim("none", 1.0, 1.0, rtol=1e-9),
    ]
    markdown = _report(tmp_path, claims).markdown.read_text()
    rows = [line for line in markdown.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == 3 and len({row.count(" | ") for row in rows}) == 1
    cells = [row.split(" | ")[2] for row in rows]
    assert cells[0] == "$t^{*} = \\frac{\\pi}{2 \\sqrt{r}}$"
    # |dL/dr| at r*: the bars become \vert, so no | splits the cell
    assert cells[1].startswith("$\\left\\vert") and "|" not in cells[1]
    assert cells[2] == "-"


def test_html_embeds_mathml_and_stays_self_contained(tmp_path):
    claims = [
        compare_claim("t*", 1.0, 1.0, rtol=1e-9, formula=canonical_form().blow_up_time),
        compare_claim("r*", 1.0, 1.0, rtol=1e-9, formula=delayed_activation_theory().optimum),
    ]
    page = _report(tmp_path, claims).html.read_text()
    found = re.findall(r"<math .*?</math>", page)
    assert len(found) == 2
    for markup in found:
        assert _mathml_tree(markup).tag == f"{MATHML}math"
    assert "<script" not in page.lower() and not re.search(r"(src|href)=\"https?:", page)


def test_a_tampered_stored_formula_is_shown_as_text_not_markup(tmp_path):
    claim = compare_claim("t*", 1.0, 1.0, rtol=1e-9, formula=canonical_form().blow_up_time)
    outcome = ExperimentOutcome("demo", "Demo", (claim,))
    files = write_outcome(tmp_path, outcome, scale="quick", seed=0)
    payload = json.loads(files.metadata.read_text())
    for markup in (
        "<math><mi>r</mi><script>alert(1)</script></math>",
        '<math><mi onclick="alert(1)">r</mi></math>',
        '<math><mi>r</mi></math><img src="x">',
    ):
        payload["claims"][0]["formula"]["mathml"] = markup
        files.metadata.write_text(json.dumps(payload))
        loaded = load_outcome(tmp_path, "demo").outcome
        page = write_report(
            tmp_path / "report", [ExperimentRecord(loaded, "resumed")], scale="quick"
        )
        text = page.html.read_text()
        assert "alert(1)" not in text and '<img src="x"' not in text
        assert "<code>t^{*} = \\frac{\\pi}{2 \\sqrt{r}}</code>" in text


def _claim_calls():
    """(module, line, claim text, has a formula) of every claim built in the experiments."""
    constructors = {"compare_claim", "boolean_claim", "fraction_claim", "not_run"}
    found = []
    for path in sorted(Path(experiments.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") in constructors):
                continue
            if not node.args:
                continue
            first = node.args[0]
            parts = [first] if isinstance(first, ast.Constant) else getattr(first, "values", [])
            if isinstance(first, ast.BinOp):  # "..." "..." split over lines is one Constant
                parts = [first.left, first.right]
            text = "".join(p.value for p in parts if isinstance(p, ast.Constant))
            has_formula = any(keyword.arg == "formula" for keyword in node.keywords)
            found.append((path.name, node.lineno, text, has_formula))
    return found


#: Plain-text formulas in a claim's wording: a square root, powers of pi, a closed form.
PLAIN_FORMULA = re.compile(r"sqrt|pi\^|pi/|\^\(|/\(")


def test_claims_that_quote_a_formula_carry_the_derived_one():
    calls = _claim_calls()
    assert len(calls) > 20  # the scan sees the experiments' claims
    quoted = [(name, line, text) for name, line, text, has in calls if PLAIN_FORMULA.search(text)]
    assert len(quoted) >= 6
    missing = [
        (name, line, text)
        for name, line, text, has in calls
        if PLAIN_FORMULA.search(text) and not has
    ]
    assert missing == []


# --- figures --------------------------------------------------------------------------------
@pytest.fixture
def drawn(monkeypatch):
    """The figures the plotting functions save, by name (the files are written as usual)."""
    import ghostsym.plotting as plotting

    figures = {}

    def keep(figure, directory, name):
        figures[name] = figure
        return plotting.save_figure(figure, directory, name)

    for module in ("ghosts", "networks", "reduction", "transitions"):
        monkeypatch.setattr(f"ghostsym.plotting.{module}.save_figure", keep)
    return figures


def _legend_texts(figure) -> list[str]:
    legends = [axes.get_legend() for axes in figure.axes] + list(figure.legends)
    return [text.get_text() for legend in legends if legend for text in legend.get_texts()]


def _tick_labels_overlap(figure) -> list[tuple[str, str]]:
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    collisions = []
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            labels = [
                label
                for label in axis.get_majorticklabels() + axis.get_minorticklabels()
                if label.get_visible() and label.get_text()
            ]
            boxes = [(label.get_text(), label.get_window_extent(renderer)) for label in labels]
            inside = axes.get_window_extent(renderer).expanded(1.0, 1.0)
            span = (inside.x0 - 1, inside.x1 + 1) if axis is axes.xaxis else None
            if span:  # labels outside the x range are not drawn
                boxes = [(t, b) for t, b in boxes if span[0] <= (b.x0 + b.x1) / 2 <= span[1]]
            else:
                boxes = [
                    (t, b) for t, b in boxes if inside.y0 - 1 <= (b.y0 + b.y1) / 2 <= inside.y1 + 1
                ]
            for index, (text, box) in enumerate(boxes):
                for other, other_box in boxes[index + 1 :]:
                    if box.overlaps(other_box):
                        collisions.append((text, other))
    return collisions


def test_network_slow_points_separates_the_ghost_from_the_pair(drawn, tmp_path):
    from ghostsym.plotting.ghosts import plot_network_slow_points

    kappa = np.linspace(-2.5, 0.5, 400)
    ghost = (kappa + 1.06) ** 2 + 8e-5  # the two flows of the paper's Fig. 3: a 1e-4 apart
    pair = (kappa + 1.06) ** 2 - 4e-5
    outcome = ExperimentOutcome(
        "network-slow-points",
        "slow points",
        (),
        arrays={
            "kappa": kappa,
            "ghost_flow": ghost,
            "pair_flow": pair,
            "ghost_location": np.array([-1.06]),
        },
    )
    plot_network_slow_points(outcome, tmp_path)
    figure = drawn["network_slow_points"]
    whole, zoom = figure.axes
    low, high = zoom.get_ylim()
    assert low < pair.min() < 0 < ghost.min() < high < 1e-3  # the close-up resolves both
    assert any("ghost" in text for text in _legend_texts(figure))
    assert any("node-saddle" in text for text in _legend_texts(figure))
    styles = {line.get_linestyle() for line in whole.get_lines() if len(line.get_xdata()) > 2}
    assert {"-", "--"} <= styles


def test_mitigation_rank_draws_equal_fractions_apart(drawn, tmp_path):
    from ghostsym.plotting.ghosts import plot_mitigation_rank

    fractions = np.zeros((5, 3))
    fractions[-1, 1] = 1.0  # lr 0.01 and lr 1 never learn: the same values
    outcome = ExperimentOutcome(
        "mitigation-rank",
        "rank",
        (),
        arrays={
            "ranks": np.array([1, 2, 5, 10, 100]),
            "learning_rates": np.array([0.01, 0.1, 1]),
            "fractions": fractions,
        },
    )
    plot_mitigation_rank(outcome, tmp_path)
    (axes,) = drawn["mitigation_rank"].axes
    curves = [np.asarray(line.get_ydata()) for line in axes.get_lines()]
    assert len(curves) == 3
    for index, curve in enumerate(curves):
        for other in curves[index + 1 :]:
            assert np.min(np.abs(curve - other)) > 0.01  # no line hides another
    # the shift is a drawing aid: each line is its fractions plus one constant, stated in words
    for column, curve in enumerate(curves):
        shift = curve - fractions[:, column]
        assert np.ptp(shift) < 1e-12 and abs(shift[0]) <= 0.05
    assert "shifted" in axes.get_ylabel()
    assert len(set(line.get_marker() for line in axes.get_lines())) == 3


def test_learning_rate_sweep_says_what_dots_and_lines_are(drawn, tmp_path):
    from ghostsym.plotting.networks import plot_learning_rate_sweep

    rates = np.repeat([1e-3, 1e-2, 1e-1], 2)
    loss = np.abs(np.random.default_rng(0).normal(size=(6, 4))) + 1e-3
    arrays = {}
    for family in ("rank_one", "full_rank"):
        arrays |= {
            f"{family}_learning_rates": rates,
            f"{family}_loss": loss,
            f"{family}_epochs": np.arange(4) * 10,
        }
    plot_learning_rate_sweep(ExperimentOutcome("sweep", "sweep", (), arrays=arrays), tmp_path)
    for axes in drawn["learning_rate_sweep"].axes:
        texts = [text.get_text() for text in axes.get_legend().get_texts()]
        assert any("seed" in text for text in texts) and any("median" in text for text in texts)


def test_reduction_network_ghost_tick_labels_do_not_collide(drawn, tmp_path):
    from ghostsym.plotting.reduction import plot_network_ghost

    r = np.array([6.58e-5, 6.58e-6])  # a decade: matplotlib would label 3, 4, 6 x 10^-5
    outcome = ExperimentOutcome(
        "reduction-network-ghost",
        "network ghost",
        (),
        numbers={"size": 100},
        arrays={
            "r_found": r,
            "predicted_passage": np.pi / np.sqrt(r),
            "simulated_passage": np.pi / np.sqrt(r) * 0.99,
        },
    )
    plot_network_ghost(outcome, tmp_path)
    figure = drawn["reduction_network_ghost"]
    assert _tick_labels_overlap(figure) == []
    labelled = [label.get_text() for label in figure.axes[0].xaxis.get_majorticklabels()]
    assert sum(bool(text) for text in labelled) >= 2


def test_task_transition_loss_names_every_seed_that_moved(drawn, tmp_path):
    from ghostsym.plotting.transitions import _plot_task_loss

    epochs = np.arange(0, 1000, 10)
    loss = np.tile(np.linspace(1.0, 0.5, epochs.size), (4, 1))
    arrays = {
        "dmts_epochs": epochs,
        "dmts_loss": loss,
        "dmts_accuracy": 1 - loss,
        "dmts_transition_epochs": np.array([300, -1, 640, -1]),
        "dmts_paper_snapshots": np.array([0, 200, 800]),
        "dmts_seeds": np.array([7, 8, 9, 10]),
    }
    _plot_task_loss(ExperimentOutcome("t", "transitions", (), arrays=arrays), "dmts", tmp_path)
    texts = _legend_texts(drawn["t_dmts_loss"])
    assert "seed 7: transition at epoch 300" in texts
    assert "seed 9: transition at epoch 640" in texts
    assert "2 seeds without transition" in texts
    assert any("snapshot" in text for text in texts)


def test_a_function_named_after_a_greek_letter_is_shown_as_the_letter():
    """eta_c = alpha_c / rho'(theta)^2: MathML shows the function rho as the letter, as LaTeX."""
    from ghostsym.experiments import ClaimFormula
    from ghostsym.theory import network_critical_learning_rate

    formula = ClaimFormula.of(network_critical_learning_rate())
    assert "<mi>&#961;</mi>" in formula.mathml and "<mi>rho</mi>" not in formula.mathml
    assert r"\rho{\left(\theta \right)}" in formula.latex
    assert formula.text == "eta_c = alpha_c/Derivative(rho(theta), theta)**2"

"""The reproduction report (presentation): claims table, figures, numbers, stored outcomes.

:func:`write_report` turns the records of a ``ghostsym reproduce`` run into three files:

- ``report.md``: the claims tables (claim, theory, measured, tolerance, margin, verdict): the
  paper's claims first, grouped by figure, then results beyond the paper, then internal
  consistency checks; then one section per experiment with its numbers and figures;
- ``report.html``: the same, self-contained (inline CSS, figures embedded as base64 PNG, no
  network resources);
- ``results.json``: every number of the report, with a top-level ``claims`` list whose entries
  carry ``claim``, ``theory``, ``measured``, ``tolerance``, ``verdict``, ``kind``, ``margin``
  (and ``source``, ``figure``, ``details``, ``experiment``, and ``formula``: the derived formula
  the claim tests as LaTeX, MathML, plain text and srepr, or null), and verdict counts per kind and,
  for the paper's claims, per figure.

:func:`write_outcome` / :func:`load_outcome` store one experiment's outcome as ``<name>.npz``
(arrays) plus ``<name>.json`` (claims, numbers, config, seed, scale, package versions, wall
time), which is what makes a reproduce run resumable. Every file is written atomically (a
temporary file in the same directory, then :func:`os.replace`), so an interrupted run never
leaves a half-written file behind.

>>> import tempfile
>>> from ghostsym.experiments._claims import ExperimentOutcome, compare_claim
>>> outcome = ExperimentOutcome("demo", "Demo", (compare_claim("x", 1.0, 1.0, rtol=1e-9),))
>>> files = write_report(tempfile.mkdtemp(), [ExperimentRecord(outcome, "ran")], scale="quick")
>>> files.markdown.name, files.html.name, files.results.name
('report.md', 'report.html', 'results.json')
"""

from __future__ import annotations

import base64
import datetime
import html
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._io import (
    atomic_write_bytes,
    atomic_write_text,
    json_ready,
    npz_bytes,
    package_versions,
    read_json,
    write_json,
)
from ..errors import GhostsymError, InvalidInputError, require_choice
from ..experiments._claims import CLAIM_KINDS, VERDICTS, Claim, ExperimentOutcome

__all__ = [
    "STATUSES",
    "ExperimentRecord",
    "ReportFiles",
    "StoredOutcome",
    "OutcomeFiles",
    "StoredOutcomeError",
    "write_report",
    "write_outcome",
    "load_outcome",
    "outcome_files",
    "atomic_write_text",
    "atomic_write_bytes",
    "package_versions",
    "latex_problems",
    "claim_rows",
]

#: How an experiment of a reproduce run ended: run now, loaded from a previous run, or raised.
STATUSES = ("ran", "resumed", "failed")

#: Version of the stored-outcome file layout; a change invalidates stored outcomes.
STORAGE_FORMAT = 1


class StoredOutcomeError(GhostsymError):
    """A stored outcome is missing, unreadable, or does not match its metadata."""


# --- records --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExperimentRecord:
    """One experiment of a reproduce run, as the report shows it.

    Attributes:
        outcome: what the experiment returned (for a failed one: a single "not run" claim).
        status: one of :data:`STATUSES`.
        figures: figure files drawn for it (PNG and PDF).
        error: the error text if the experiment or its figure raised, else ``""``.
        traceback: the full traceback of that error (written to ``results.json`` only).
        compile_seconds: seconds JAX spent compiling (tracing, lowering, backend compilation)
            while the experiment ran in a worker process of ``reproduce(jobs=N)``; ``None``
            when not measured (an experiment run in the calling process, or resumed).

    >>> from ghostsym.experiments._claims import ExperimentOutcome
    >>> ExperimentRecord(ExperimentOutcome("a", "A", ()), "ran").name
    'a'
    """

    outcome: ExperimentOutcome
    status: str
    figures: tuple[Path, ...] = ()
    error: str = ""
    traceback: str = ""
    compile_seconds: float | None = None

    def __post_init__(self):
        require_choice("status", self.status, STATUSES)
        object.__setattr__(self, "figures", tuple(Path(path) for path in self.figures))

    @property
    def name(self) -> str:
        return self.outcome.name

    @property
    def title(self) -> str:
        return self.outcome.title


@dataclass(frozen=True)
class ReportFiles:
    """Paths of the three report files written by :func:`write_report`."""

    markdown: Path
    html: Path
    results: Path


@dataclass(frozen=True)
class OutcomeFiles:
    """Paths of one stored outcome: ``<name>.npz`` (arrays) and ``<name>.json`` (the rest)."""

    arrays: Path
    metadata: Path


@dataclass(frozen=True)
class StoredOutcome:
    """An outcome loaded from disk with the metadata it was stored with.

    ``metadata`` holds ``scale``, ``seed``, ``fingerprint``, ``package_versions``, ``wall_time``,
    ``figures`` (paths relative to the report directory) and ``created``.
    """

    outcome: ExperimentOutcome
    metadata: Mapping[str, object] = field(default_factory=dict)


# --- stored outcomes ------------------------------------------------------------------------
def outcome_files(directory, name: str) -> OutcomeFiles:
    """Where the outcome called ``name`` is stored under ``directory``.

    >>> outcome_files("out", "demo").arrays.as_posix()
    'out/demo.npz'
    """
    if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise InvalidInputError(
            f"experiment name must be letters, digits, '-', '_' or '.', got {name!r}"
        )
    directory = Path(directory)
    return OutcomeFiles(directory / f"{name}.npz", directory / f"{name}.json")


def write_outcome(
    directory,
    outcome: ExperimentOutcome,
    *,
    scale: str,
    seed: int,
    fingerprint: str = "",
    figures: Sequence[str] = (),
) -> OutcomeFiles:
    """Store ``outcome`` as ``<name>.npz`` + ``<name>.json`` in ``directory``, atomically.

    The arrays file is written first and the JSON last, so a JSON file present means the
    outcome is complete. Arrays must be numeric (they load back without pickle).

    >>> import tempfile
    >>> from ghostsym.experiments._claims import ExperimentOutcome
    >>> outcome = ExperimentOutcome("demo", "Demo", (), arrays={"x": np.arange(3.0)})
    >>> files = write_outcome(tempfile.mkdtemp(), outcome, scale="quick", seed=0)
    >>> load_outcome(files.metadata.parent, "demo").outcome.arrays["x"].tolist()
    [0.0, 1.0, 2.0]
    """
    files = outcome_files(directory, outcome.name)
    arrays = {}
    for key, value in outcome.arrays.items():
        array = np.asarray(value)
        if array.dtype == object:
            raise InvalidInputError(
                f"array {key!r} of experiment {outcome.name!r} must be numeric, got dtype object"
            )
        arrays[str(key)] = array
    atomic_write_bytes(files.arrays, npz_bytes(arrays, compressed=True))
    payload = {
        "format": STORAGE_FORMAT,
        "name": outcome.name,
        "title": outcome.title,
        "scale": scale,
        "seed": int(seed),
        "fingerprint": fingerprint,
        "created": _now(),
        "wall_time": float(outcome.wall_time),
        "package_versions": package_versions(),
        "config": json_ready(dict(outcome.config)),
        "numbers": json_ready(dict(outcome.numbers)),
        "claims": [json_ready(_claim_fields(claim)) for claim in outcome.claims],
        "arrays": sorted(arrays),
        "figures": [str(path) for path in figures],
    }
    write_json(files.metadata, payload)
    return files


def _claim_fields(claim: Claim) -> dict:
    return {
        "claim": claim.claim,
        "theory": claim.theory,
        "measured": claim.measured,
        "tolerance": claim.tolerance,
        "verdict": claim.verdict,
        "source": claim.source,
        "details": claim.details,
        "kind": claim.kind,
        "margin": claim.margin,
        "formula": claim.formula.to_json() if claim.formula else None,
    }


def load_outcome(directory, name: str) -> StoredOutcome:
    """The outcome ``name`` stored in ``directory`` by :func:`write_outcome`.

    Raises :class:`StoredOutcomeError` when a file is missing, unreadable (truncated, not an
    archive, bad JSON) or the two files disagree.
    """
    files = outcome_files(directory, name)
    try:
        payload = read_json(files.metadata)
    except (OSError, ValueError) as error:  # ValueError: truncated or not UTF-8 / JSON
        raise StoredOutcomeError(f"cannot read {files.metadata}: {error}") from None
    if not isinstance(payload, dict):
        raise StoredOutcomeError(f"{files.metadata} is not a stored outcome of {name!r}")
    if payload.get("format") != STORAGE_FORMAT or payload.get("name") != name:
        raise StoredOutcomeError(f"{files.metadata} is not a stored outcome of {name!r}")
    try:
        with np.load(files.arrays, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise StoredOutcomeError(
            f"cannot read {files.arrays}: {type(error).__name__}: {error}"
        ) from None
    if sorted(arrays) != list(payload.get("arrays", ())):
        raise StoredOutcomeError(f"{files.arrays} does not hold the arrays {files.metadata} lists")
    try:
        claims = tuple(Claim(**fields) for fields in payload["claims"])
        outcome = ExperimentOutcome(
            name=name,
            title=payload["title"],
            claims=claims,
            numbers=payload["numbers"],
            arrays=arrays,
            config=payload["config"],
            wall_time=float(payload["wall_time"]),
        )
        metadata = {
            key: payload[key]
            for key in ("scale", "seed", "fingerprint", "created", "wall_time", "package_versions")
        }
        metadata["figures"] = tuple(payload["figures"])
    except (TypeError, ValueError, KeyError, GhostsymError) as error:
        raise StoredOutcomeError(
            f"bad stored outcome in {files.metadata}: {type(error).__name__}: {error}"
        ) from None
    return StoredOutcome(outcome, metadata)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


# --- the report -----------------------------------------------------------------------------
def claim_figure(source: str) -> str:
    """The figure of the paper that a claim's source names, "abstract", or an empty string.

    A figure is returned as ``"Fig. 3"``.

    >>> claim_figure("paper Fig. 3B"), claim_figure("paper abstract"), claim_figure("ghostsym")
    ('Fig. 3', 'abstract', '')
    """
    found = re.search(r"Figs?\.\s*(\d+)", source)
    if found:
        return f"Fig. {found.group(1)}"
    return "abstract" if "abstract" in source else ""


def _row_order(row: dict) -> tuple:
    kind = CLAIM_KINDS.index(row["kind"]) if row["kind"] in CLAIM_KINDS else len(CLAIM_KINDS)
    figure = row["figure"]
    number = -1 if figure == "abstract" else int(figure.split()[-1]) if figure else 99
    return (kind, number if row["kind"] == "paper" else 0)


def claim_rows(records: Iterable[ExperimentRecord]) -> list[dict]:
    """The top-level ``claims`` list of ``results.json``: one dict per claim, the paper's claims
    first (by figure), then those beyond the paper, then consistency checks; within a group in
    the experiments' order.

    >>> from ghostsym.experiments._claims import ExperimentOutcome, not_run
    >>> record = ExperimentRecord(ExperimentOutcome("a", "A", (not_run("c", "skipped"),)), "ran")
    >>> claim_rows([record])[0]["verdict"], claim_rows([record])[0]["experiment"]
    ('not run', 'a')
    """
    rows = []
    for record in records:
        for claim in record.outcome.claims:
            row = {**json_ready(_claim_fields(claim)), "experiment": record.name}
            row["figure"] = claim_figure(claim.source) if claim.kind == "paper" else ""
            rows.append(row)
    return sorted(rows, key=_row_order)


def _verdict_counts(rows: Sequence[dict]) -> dict[str, int]:
    return {verdict: sum(row["verdict"] == verdict for row in rows) for verdict in VERDICTS}


def verdict_summary(rows: Sequence[dict]) -> dict:
    """Verdict counts: ``total``, ``by_kind`` (paper, beyond, consistency) and
    ``paper_by_figure`` (the paper's claims per figure, in figure order).

    >>> rows = [{"verdict": "reproduced", "kind": "paper", "figure": "Fig. 2"}]
    >>> verdict_summary(rows)["paper_by_figure"]["Fig. 2"]["reproduced"]
    1
    """
    paper = [row for row in rows if row["kind"] == "paper"]
    figures = list(dict.fromkeys(row["figure"] or "unattributed" for row in paper))
    return {
        "total": _verdict_counts(rows),
        "by_kind": {
            kind: _verdict_counts([row for row in rows if row["kind"] == kind])
            for kind in CLAIM_KINDS
        },
        "paper_by_figure": {
            figure: _verdict_counts(
                [row for row in paper if (row["figure"] or "unattributed") == figure]
            )
            for figure in figures
        },
    }


def _summary_text(summary: dict) -> list[str]:
    def counts(values: dict) -> str:
        return ", ".join(f"{values[v]} {v}" for v in VERDICTS if values[v]) or "none"

    lines = [f"verdicts: {counts(summary['total'])}"]
    lines += [f"{kind} claims: {counts(values)}" for kind, values in summary["by_kind"].items()]
    lines.append(
        "paper claims by figure: "
        + "; ".join(
            f"{figure}: {counts(values)}" for figure, values in summary["paper_by_figure"].items()
        )
    )
    return lines


_GROUP_TITLES = {
    "paper": "Claims of the paper",
    "beyond": "Results beyond the paper",
    "consistency": "Consistency checks of derivations and code",
}


def _groups(rows: list[dict]) -> list[tuple[str, list[tuple[int, dict]]]]:
    """(heading, [(row number, row)]) per table: paper claims by figure, beyond, consistency."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    for index, row in enumerate(rows, start=1):
        if row["kind"] == "paper":
            heading = f"{_GROUP_TITLES['paper']}: {row['figure'] or 'unattributed'}"
        else:
            heading = _GROUP_TITLES.get(row["kind"], row["kind"])
        groups.setdefault(heading, []).append((index, row))
    return list(groups.items())


def _progress_line(run: dict) -> str:
    """The first line of an interrupted run's report (empty when the run is complete)."""
    planned = run.get("planned")
    if planned is None or run["experiments_done"] >= planned:
        return ""
    missing = run.get("not_run") or []
    which = f" Not run: {', '.join(missing)}." if missing else ""
    state = " (interrupted)" if run.get("status") == "interrupted" else ""
    return (
        f"**Incomplete run{state}: {run['experiments_done']} of {planned} experiments ran; "
        f"the claims of the others are missing below.{which} Running the same command again "
        "resumes the run.**"
    )


def _format_value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if isinstance(value, int | np.integer) and abs(number) < 1e15:
            return str(int(value))
        return f"{number:.6g}" if math.isfinite(number) else str(number)
    return str(value)


def _relative(path: Path, directory: Path) -> str:
    try:
        return Path(path).resolve().relative_to(directory.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _md_cell(value) -> str:
    return _format_value(value).replace("|", "\\|").replace("\n", " ")


def _markdown(
    directory: Path, records: Sequence[ExperimentRecord], run: dict, rows: list[dict]
) -> str:
    lines = ["# ghostsym reproduction report", ""]
    if _progress_line(run):
        lines += [_progress_line(run), ""]
    lines += [
        "Dinc et al., *A ghost mechanism: An analytical model of abrupt learning in recurrent "
        "networks*, arXiv:2501.02378. Every verdict below was computed by this run.",
        "",
        f"- scale: `{run['scale']}`, seed: `{run['seed']}`, created: {run['created']}",
        f"- wall time: {run['wall_time']:.1f} s; experiments: {len(records)} "
        f"({', '.join(f'{n} {s}' for s, n in run['status_counts'].items() if n)})",
        *[f"- {line}" for line in _summary_text(verdict_summary(rows))],
        f"- versions: {', '.join(f'{k} {v}' for k, v in run['package_versions'].items())}",
    ]
    if run.get("derivations"):
        lines.append(f"- derivations: [{run['derivations']}]({run['derivations']})")
    lines += ["", "## Claims", ""]
    for heading, group in _groups(rows):
        lines += [f"### {heading}", "", _markdown_claims_table(group), ""]
    for record in records:
        lines += [f"## {record.title}", ""]
        lines.append(
            f"Experiment `{record.name}`: {record.status}, {float(record.outcome.wall_time):.1f} s."
        )
        if record.error:
            lines += ["", f"**Error:** `{record.error}`"]
        lines.append("")
        if record.outcome.numbers:
            lines += ["| number | value |", "|---|---|"]
            lines += [
                f"| {_md_cell(key)} | {_md_cell(value)} |"
                for key, value in record.outcome.numbers.items()
            ]
            lines.append("")
        for path in record.figures:
            if path.suffix == ".png":
                relative = _relative(path, directory)
                lines += [f"![{path.stem}]({relative})", ""]
    return "\n".join(lines) + "\n"


_COLUMNS = ("claim", "formula", "theory", "measured", "tolerance", "margin", "verdict", "source")


def _markdown_claims_table(rows: list[tuple[int, dict]]) -> str:
    header = "| # | " + " | ".join(_COLUMNS) + " | experiment |"
    lines = [header, "|" + "---|" * (len(_COLUMNS) + 2)]
    for index, row in rows:
        cells = [str(index)]
        for key in _COLUMNS:
            if key == "formula":
                cells.append(_markdown_formula(row.get("formula")))
            else:
                cells.append(_md_cell(_margin_text(row) if key == "margin" else row[key]))
        cells.append(f"`{row['experiment']}`")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _markdown_formula(formula) -> str:
    r"""``$latex$`` for a claim's formula, ``-`` without one. A ``|`` would end the table cell,
    so bars are written ``\vert`` (the same symbol in LaTeX).

    >>> print(_markdown_formula({"latex": r"\left|x\right| = 1"}), _markdown_formula(None))
    $\left\vert x\right\vert = 1$ -
    """
    if not formula or not formula.get("latex"):
        return "-"
    latex = " ".join(str(formula["latex"]).replace("|", "\\vert ").split())
    return f"${latex}$"


#: MathML that may enter report.html as markup: SymPy's presentation elements and attributes.
_MATHML_TAG = re.compile(
    r"</?(?:math|mi|mn|mo|ms|mtext|mspace|mrow|mfrac|msqrt|mroot|mstyle|mpadded|mphantom|"
    r"mfenced|menclose|msub|msup|msubsup|munder|mover|munderover|mtable|mtr|mtd)"
    r"(?:\s+(?:xmlns|display|open|close|separators|stretchy|fence|"
    r"mathvariant|form|accent|accentunder|lspace|rspace|linethickness|columnalign|"
    r'separator|largeop|movablelimits)="[^"<>&]*")*\s*/?>'
)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")


def _html_formula(formula) -> str:
    """A claim's formula for report.html: its MathML when it is SymPy's presentation markup
    and nothing else (a stored file edited by hand cannot inject HTML), else the LaTeX as
    escaped code, else ``-``.

    >>> _html_formula({"mathml": "<math><mi>r</mi></math>", "latex": "r"})
    '<math><mi>r</mi></math>'
    >>> _html_formula({"mathml": "<math><script>x</script></math>", "latex": "r"})
    '<code>r</code>'
    """
    if not formula:
        return "-"
    markup = str(formula.get("mathml") or "")
    remainder = _ENTITY.sub("", _MATHML_TAG.sub("", markup))
    if markup.startswith("<math") and not any(c in remainder for c in "<>&"):
        return markup
    latex = formula.get("latex")
    return f"<code>{html.escape(str(latex))}</code>" if latex else "-"


_CSS = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; max-width: 72rem;
       margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.reproduced { background: #e3f4e3; } td.not-reproduced { background: #fbe3e3; }
td.not-run { background: #f4f0dc; }
code { background: #f5f5f5; padding: 0 0.2rem; }
pre { background: #f8f8f8; padding: 0.5rem; overflow-x: auto; font-size: 0.8rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
.error { color: #a00000; }
math { font-size: 1.15em; math-style: normal; }
"""


def _margin_text(row: dict) -> str:
    margin = row.get("margin")
    if margin is None:
        return "-"
    value = float(margin)
    return f"{value:.3g}" if math.isfinite(value) else str(value)


def _html(directory: Path, records: Sequence[ExperimentRecord], run: dict, rows: list[dict]) -> str:
    escape = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>ghostsym reproduction report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>ghostsym reproduction report</h1>",
    ]
    if _progress_line(run):
        parts.append(f'<p class="error">{escape(_progress_line(run).strip("*"))}</p>')
    parts += [
        "<p>Dinc et al., <em>A ghost mechanism: An analytical model of abrupt learning in "
        "recurrent networks</em>, arXiv:2501.02378. Every verdict below was computed by this "
        "run.</p><ul>",
        f"<li>scale: <code>{escape(run['scale'])}</code>, seed: <code>{run['seed']}</code>, "
        f"created: {escape(run['created'])}</li>",
        f"<li>wall time: {run['wall_time']:.1f} s; experiments: {len(records)}</li>",
        *[f"<li>{escape(line)}</li>" for line in _summary_text(verdict_summary(rows))],
        "<li>versions: "
        + escape(", ".join(f"{k} {v}" for k, v in run["package_versions"].items()))
        + "</li>",
    ]
    if run.get("derivations"):
        parts.append(
            f"<li>derivations (LaTeX, every equation generated from SymPy): "
            f"<code>{escape(run['derivations'])}</code></li>"
        )
    parts += ["</ul>", "<h2>Claims</h2>"]
    for heading, group in _groups(rows):
        parts += [f"<h3>{escape(heading)}</h3>", "<table><thead><tr>"]
        parts += [f"<th>{heading}</th>" for heading in ("#", *_COLUMNS)]
        parts += ["<th>experiment</th></tr></thead><tbody>"]
        for index, row in group:
            css = row["verdict"].replace(" ", "-")
            cells = [escape(str(index)), escape(_format_value(row["claim"]))]
            cells.append(_html_formula(row.get("formula")))
            cells += [
                escape(_format_value(row[key])) for key in ("theory", "measured", "tolerance")
            ]
            cells.append(escape(_margin_text(row)))
            parts.append(
                "<tr>"
                + "".join(f"<td>{cell}</td>" for cell in cells)
                + f'<td class="{css}">{escape(row["verdict"])}</td>'
                + f"<td>{escape(row['source'])}</td>"
                + f"<td><code>{escape(row['experiment'])}</code></td></tr>"
            )
        parts.append("</tbody></table>")
    for record in records:
        parts.append(f"<h2>{escape(record.title)}</h2>")
        parts.append(
            f"<p>Experiment <code>{escape(record.name)}</code>: {escape(record.status)}, "
            f"{float(record.outcome.wall_time):.1f} s.</p>"
        )
        if record.error:
            parts.append(f'<p class="error">Error: <code>{escape(record.error)}</code></p>')
        if record.outcome.numbers:
            parts.append("<table><thead><tr><th>number</th><th>value</th></tr></thead><tbody>")
            parts += [
                f"<tr><td>{escape(str(key))}</td><td>{escape(_format_value(value))}</td></tr>"
                for key, value in record.outcome.numbers.items()
            ]
            parts.append("</tbody></table>")
        for path in record.figures:
            if path.suffix == ".png" and path.exists():
                encoded = base64.b64encode(path.read_bytes()).decode("ascii")
                parts.append(
                    f'<figure><img alt="{escape(path.stem)}" '
                    f'src="data:image/png;base64,{encoded}">'
                    f"<figcaption>{escape(path.stem)}</figcaption></figure>"
                )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(
    directory,
    records: Sequence[ExperimentRecord],
    *,
    scale: str,
    seed: int = 0,
    wall_time: float = 0.0,
    derivations: str = "",
    extra: Mapping[str, object] | None = None,
    planned: int | Sequence[str] | None = None,
    status: str = "",
) -> ReportFiles:
    """Write ``report.md``, ``report.html`` and ``results.json`` for ``records`` in ``directory``.

    Args:
        directory: the report directory (figures are linked relative to it).
        records: the experiments, in report order.
        scale, seed: the run's settings.
        wall_time: seconds the whole run took.
        derivations: file name of the LaTeX derivation document, if one was written.
        extra: further top-level entries of ``results.json`` (e.g. derivation checks).
        planned: how many experiments the run means to run, or their names; when fewer
            records (other than the derivation-document check) are given, the report says at
            its top that the run is incomplete, how many ran and (given names) which did not.
        status: the run's state for that line and ``results.json`` (e.g. ``"interrupted"``).

    ``results.json`` holds ``claims`` (every row: ``claim``, ``theory``, ``measured``,
    ``tolerance``, ``verdict``, ``kind``, ``margin``, ``source``, ``figure``, ``details``,
    ``experiment``), ``verdicts`` (counts), ``verdicts_by_kind``, ``paper_verdicts_by_figure``,
    ``experiments_done`` and ``experiments_planned``,
    and per experiment its ``numbers``, ``config``, ``wall_time``, ``compile_seconds`` (null
    when not measured), ``status``, ``error`` and ``figures``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    records = list(records)
    names = [record.name for record in records]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"experiment names must be unique, got {names}")
    rows = claim_rows(records)
    planned_names = None if planned is None or isinstance(planned, int) else list(planned)
    if planned_names is not None:
        planned = len(planned_names)
    run = {
        "scale": scale,
        "seed": int(seed),
        "created": _now(),
        "wall_time": float(wall_time),
        "package_versions": package_versions(),
        "status_counts": {
            status: sum(record.status == status for record in records) for status in STATUSES
        },
        "derivations": derivations,
        "planned": planned,
        "not_run": [name for name in planned_names or () if name not in names],
        "status": status,
        "experiments_done": sum(record.name != "derivation-document" for record in records),
    }
    summary = verdict_summary(rows)
    results = {
        "ghostsym_version": run["package_versions"]["ghostsym"],
        **{key: run[key] for key in ("scale", "seed", "created", "wall_time", "package_versions")},
        "derivations": derivations or None,
        "verdicts": summary["total"],
        "verdicts_by_kind": summary["by_kind"],
        "paper_verdicts_by_figure": summary["paper_by_figure"],
        "experiments_done": run["experiments_done"],
        "experiments_planned": planned,
        "experiments_not_run": run["not_run"],
        **({"status": status} if status else {}),
        "claims": rows,
        "experiments": {
            record.name: {
                "title": record.title,
                "status": record.status,
                "wall_time": float(record.outcome.wall_time),
                "compile_seconds": record.compile_seconds,
                "numbers": json_ready(dict(record.outcome.numbers)),
                "config": json_ready(dict(record.outcome.config)),
                "arrays": sorted(record.outcome.arrays),
                "figures": [_relative(path, directory) for path in record.figures],
                "error": record.error or None,
                "traceback": record.traceback or None,
            }
            for record in records
        },
        **json_ready(dict(extra or {})),
    }
    files = ReportFiles(
        directory / "report.md", directory / "report.html", directory / "results.json"
    )
    write_json(files.results, results)
    atomic_write_text(files.markdown, _markdown(directory, records, run, rows))
    atomic_write_text(files.html, _html(directory, records, run, rows))
    return files


# --- LaTeX well-formedness --------------------------------------------------------------------
def latex_problems(text: str) -> tuple[str, ...]:
    """Structural problems of a LaTeX document: unbalanced braces or environments, no preamble.

    An empty tuple means well-formed at this level (it does not replace compiling it).

    >>> latex_problems("\\\\documentclass{article}\\\\begin{document}x\\\\end{document}")
    ()
    >>> latex_problems("\\\\documentclass{article}\\\\begin{document}{x\\\\end{document}")
    ('unbalanced braces: 1 "{" left open',)
    """
    problems: list[str] = []
    stripped = _strip_latex_comments(text)
    if not stripped.lstrip().startswith("\\documentclass"):
        problems.append("does not start with \\documentclass")
    if not stripped.rstrip().endswith("\\end{document}"):
        problems.append("does not end with \\end{document}")
    depth = 0
    cleaned = re.sub(r"\\[{}]", "", stripped)  # escaped braces are text, not groups
    for index, character in enumerate(cleaned):
        if character == "{":
            depth += 1
        elif character == "}":
            depth -= 1
            if depth < 0:
                problems.append(f"unbalanced braces: '}}' without '{{' near character {index}")
                depth = 0
    if depth > 0:
        problems.append(f'unbalanced braces: {depth} "{{" left open')
    stack: list[str] = []
    for match in re.finditer(r"\\(begin|end)\{([^{}]+)\}", stripped):
        kind, environment = match.groups()
        if kind == "begin":
            stack.append(environment)
        elif not stack:
            problems.append(f"\\end{{{environment}}} without \\begin")
        elif stack[-1] != environment:
            problems.append(f"\\end{{{environment}}} closes \\begin{{{stack[-1]}}}")
            stack.pop()
        else:
            stack.pop()
    problems += [f"\\begin{{{environment}}} never closed" for environment in stack]
    return tuple(problems)


def _strip_latex_comments(text: str) -> str:
    # A % not preceded by a backslash starts a comment running to the end of the line.
    return "\n".join(re.sub(r"(?<!\\)%.*", "", line) for line in text.splitlines())

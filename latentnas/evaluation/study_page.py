"""The report of one study: PNG figures and one self-contained HTML page (figures embedded, no external asset).

:func:`write_report` writes into a folder ``progress.png`` (regret, best so far or hypervolume per unique
architecture), ``front.png`` (several objectives only), ``latent_map.png`` (the space's encodings in 2-D with the
search's path) and ``report.html`` (the figures as ``data:`` URIs and a table of the study's facts).

Example:
    >>> study = optuna.load_study(study_name="nasbench201-cifar10-latent-bo-seed0", storage=open_storage(url))
    >>> write_report(study, "report/")["html"]
    PosixPath('report/report.html')
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
from pathlib import Path
from typing import Any

import optuna

from latentnas import __version__
from latentnas.errors import LatentNASError
from latentnas.evaluation.latent_map import latent_map
from latentnas.evaluation.runs import TOP_FRACTION
from latentnas.evaluation.study_figures import metric_label, plot_front, plot_map, plot_progress, title
from latentnas.evaluation.study_report import Evaluated, StudyReport, analyze

logger = logging.getLogger(__name__)

#: The files a report writes, by role.
FILES = {"progress": "progress.png", "front": "front.png", "map": "latent_map.png", "html": "report.html"}


def write_report(study: optuna.Study, out: str | Path, *, checkpoint: str | Path | None = None,
                 storage: str | None = None, latent: bool = True) -> dict[str, Any]:
    """Writes the report of ``study`` into the folder ``out`` (created if needed; its report files replaced).

    Args:
        study: A study written by latentnas (it records its space), with at least one completed trial.
        out: The folder.
        checkpoint: The encoder to map the space with; default: the space's shipped one. Where the study records
            another encoder (sha256), the map says so.
        storage: The storage URL, shown on the page (its password hidden).
        latent: Draw the latent map (the slow part on a large space).

    Returns:
        ``{"files": {role: path}, "report": StudyReport, "notes": [...]}``.

    Raises:
        InvalidArgumentError: The study records no space or has no completed trial.
    """
    report = analyze(study)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {"progress": plot_progress(report, folder / FILES["progress"])}
    if report.multi_objective:
        files["front"] = plot_front(report, folder / FILES["front"])
    encoder = None
    if latent:
        files_map, encoder = _map(report, folder / FILES["map"], checkpoint)
        files.update(files_map)
    files["html"] = folder / FILES["html"]
    files["html"].write_text(page(report, files, storage=storage, encoder=encoder), encoding="utf-8")
    return {"files": files, "report": report, "notes": list(report.notes)}


def _map(report: StudyReport, path: Path, checkpoint: str | Path | None) -> tuple[dict[str, Path], str | None]:
    """The latent map, or a note saying why there is none; and the line that says which encoder drew it."""
    try:
        lmap = latent_map(report.space, checkpoint)
    except LatentNASError as err:  # no shipped encoder for the space, or the given one is for another space
        report.notes.append(f"no latent map: {err}")
        return {}, None
    expected = study_encoder(report)
    warning = None
    if expected is not None and expected != lmap.sha256:
        warning = (f"the study's encoder (sha256 {expected[:12]}) is not this one: the map and path use "
                   f"{lmap.encoder} instead; pass --checkpoint with the study's encoder")
        report.notes.append(warning)
    line = f"{lmap.encoder}, sha256 {lmap.sha256[:16]}" + (
        " (the study's)" if expected == lmap.sha256 else " (not the study's)" if expected else
        " (the sampler used none; the space's default)")
    return {"map": plot_map(report, lmap, path, warning=warning)}, line


def study_encoder(report: StudyReport) -> str | None:
    """The sha256 of the encoder the study's sampler searched with (identity, else the sampler's description)."""
    sha = report.identity.get("encoder_sha256")
    if not sha and isinstance(report.sampler, dict):
        sha = report.sampler.get("checkpoint_sha256")
    return str(sha) if sha else None


def redact(url: str) -> str:
    """A storage URL without its password: ``postgresql://u:secret@h/db -> postgresql://u:***@h/db``."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


# ------------------------------------------------------------------------------------------------------- html
def page(report: StudyReport, files: dict[str, Path], *, storage: str | None = None,
         encoder: str | None = None) -> str:
    """The HTML page: a facts table, the best architecture(s), every figure embedded as a base64 PNG."""
    rows = facts(report, storage=storage, encoder=encoder)
    figures = "\n".join(
        f'<figure><img alt="{html.escape(role)}" src="data:image/png;base64,'
        f'{base64.b64encode(files[role].read_bytes()).decode("ascii")}"></figure>'
        for role in ("progress", "front", "map") if role in files)
    best = best_rows(report)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(report.name)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 1em auto; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }} code {{ font-size: 0.9em; word-break: break-all; }}
img {{ max-width: 100%; }} figure {{ margin: 1em 0; }} .note {{ color: #b00; }}
</style></head><body>
<h1>{html.escape(title(report))}</h1>
<table>{"".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)}</table>
{"<ul class='note'>" + notes + "</ul>" if notes else ""}
<h2>{"Found front" if report.multi_objective else "Best architecture"}</h2>
{best}
<h2>Figures</h2>
{figures}
<p><small>latentnas {html.escape(__version__)} report</small></p>
</body></html>
"""


def facts(report: StudyReport, *, storage: str | None = None, encoder: str | None = None) -> list[tuple[str, str]]:
    """``(label, html)`` rows: study, storage, space, sampler, benchmark, objectives, encoder, trial counts."""
    esc = html.escape
    sampler = report.sampler
    rows = [("study", f"<code>{esc(report.name)}</code>")]
    if storage:
        rows.append(("storage", f"<code>{esc(redact(storage))}</code>"))
    size = report.space.size() if report.space.is_finite else None
    rows.append(("space", esc(report.space.name) + (f" ({size:,} encodings)" if size else "")))
    if isinstance(sampler, dict):
        config = json.dumps(sampler.get("config", {}), sort_keys=True)
        rows.append(("sampler", f"{esc(str(sampler.get('sampler')))}, seed {esc(str(sampler.get('seed')))}"
                                f"<br><code>{esc(config)}</code>"))
    else:
        rows.append(("sampler", esc(str(sampler))))
    identity = {k: v for k, v in report.identity.items() if v is not None and k != "encoder_sha256"}
    rows.append(("identity", f"<code>{esc(json.dumps(identity, sort_keys=True))}</code>" if identity else "none"))
    table = report.table
    if table is not None:
        column = f", column {table.column}" if table.column else ""
        rows.append(("table", f"{esc(table.benchmark)} / {esc(table.dataset)}{esc(column)}: {table.size:,} "
                              "architectures" + (f", optimum {table.optimum:.4f}, top {100 * TOP_FRACTION:g} % from "
                                                f"{table.top_threshold:.4f}" if table.optimum is not None
                                                and table.top_threshold is not None else "")))
    objectives = ", ".join(f"{metric_label(report, i)} {d}d" for i, d in enumerate(report.directions))
    rows.append(("objectives", esc(objectives)))
    if report.constraints:
        rows.append(("constraints", esc(", ".join(report.constraints))))
    if encoder:
        rows.append(("encoder (map)", esc(encoder)))
    c = report.counts
    rows.append(("trials", f"{c['trials']} trials: <b>{c['unique']} unique architectures</b>, {c['duplicates']} "
                           f"duplicates, {c['failed']} failed, {c['pruned']} pruned, {c['running']} running"))
    return rows


def best_rows(report: StudyReport) -> str:
    """The best architecture (or the found front) as an HTML table."""
    esc = html.escape
    table = report.table
    header = ["trial", "unique #", "architecture", *report.metrics, "test"]
    if table is not None and table.optimum is not None:
        header.append("better rows in the table")

    def row(e: Evaluated) -> str:
        position = next(i for i, x in enumerate(report.evaluated) if x.number == e.number) + 1
        cells = [str(e.number), str(position), f"<code>{esc(e.arch)}</code>", *(f"{v:.6g}" for v in e.values),
                 "-" if e.test is None else f"{e.test:.4f}"]
        if table is not None and table.optimum is not None:
            cells.append(f"{table.top_percent(e.values[0]):.3g} %")
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    best = report.best()
    if not best:
        return "<p>No feasible architecture yet.</p>"
    head = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"
    return f"<table>{head}{''.join(row(e) for e in best)}</table>"

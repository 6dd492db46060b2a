"""`report.html`: the web page's views of a scan, as one static file with no outside requests.

`copytrace scan --report` writes it beside the Parquet outputs; from Python,
`write_report` takes a `ScanResult` or the folder a scan wrote (read with
`copytrace.io.output.read_scan`). It holds the families list (sortable), and
for every family its timeline, who-copied-whom tree and side-by-side
comparisons, rendered by the same templates and views as `copytrace serve`.
Styles and the small sorting script are inlined, so the file opens anywhere;
all document text is escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from copytrace.io.output import ScanResult, read_scan
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, PASSAGE_SCHEMA


def _table(result, name: str, schema: pa.Schema) -> tuple[pa.Table, str | None]:
    table = result.tables.get(name)
    if table is None:
        return schema.empty_table(), f"{name}: not produced by this scan"
    return table, None


def _family_subset(family: dict, documents, pairs, passages, edges, edits):
    ids = pa.array(family["members"], pa.string())
    pick = lambda t, col: t.filter(pc.is_in(t[col], value_set=ids))  # noqa: E731
    return pick(documents, "id"), pick(pairs, "a"), pick(passages, "a"), pick(edges, "copy"), pick(edits, "copy")


def render_report(result: ScanResult | str | Path, max_families: int = 500) -> str:
    """The report of a `ScanResult` (or of the output folder a scan wrote) as one HTML string."""
    from copytrace.faces.server.views import STATIC, environment, family_rows, family_view

    if not isinstance(result, ScanResult):
        result = read_scan(result)
    passages, no_passages = _table(result, "passages", PASSAGE_SCHEMA)
    edges, no_edges = _table(result, "edges", EDGE_SCHEMA)
    edits, no_edits = _table(result, "edits", EDIT_SCHEMA)
    notes = [n for n in (no_passages, no_edges, no_edits) if n]
    documents = result.documents
    families = result.families.filter(pc.greater(result.families["size"], 1))
    rows = family_rows(families, documents, "size")
    if len(rows) > max_families:
        notes.append(f"showing the {max_families} largest of {len(rows)} families")
        rows = rows[:max_families]
    by_number = {f["family"]: f for f in families.to_pylist()}
    views = []
    for row in rows:
        family = {**by_number[row["family"]], "explained": None}
        if not family.get("original") and no_edges:
            family["explained"] = f"not traced: {no_edges}"
        views.append(family_view(family, *_family_subset(family, documents, result.pairs, passages, edges, edits)))
    in_family = {m: f["family"] for f in by_number.values() for m in f["members"]}
    shown = {r["family"] for r in rows}
    doc_rows = [{**d, "family_anchor": in_family.get(d["id"]) if in_family.get(d["id"]) in shown else None}
                for d in documents.select(["id", "title", "source", "date"]).to_pylist()]
    env = environment()
    return env.get_template("report.html").render(
        standalone=True, inline_css=(STATIC / "copytrace.css").read_text(encoding="utf-8"),
        inline_js=(STATIC / "copytrace.js").read_text(encoding="utf-8"),
        families=rows, views=views, documents=doc_rows, stats=result.stats, notes=notes)


def write_report(result: ScanResult | str | Path, path: str | Path) -> Path:
    """Write the report of a ScanResult or an output folder to `report.html` (or the given file name); its path."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    path.write_text(render_report(result), encoding="utf-8")
    return path

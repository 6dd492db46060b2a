"""`report.html`: the web page's views of a scan, as one static file with no outside requests.

`copytrace scan --report` writes it beside the Parquet outputs; from Python,
`write_report` takes a `ScanResult` or the folder a scan wrote (read table by
table, and of the documents only the rows shown: `io.output.ScanOutput`). It
has the shape of the served pages: the families list (sortable), and for
every family its who-copied-whom tree (outlet, date, lag, relation, credit
and coverage on every node), a timeline of pickups and the side-by-side views
of its first tree edges, rendered by the same templates and views as
`copytrace serve`. It holds each family's tree, not every pair, so it stays
small for big families; a document index lists the members of the families shown.
Styles and the small sorting script are inlined, so the file opens anywhere;
all document text is escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from copytrace.io.output import ScanOutput, ScanOutputError, ScanResult
from copytrace.io.records import REJECT_SCHEMA
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


def family_report_view(family: dict, documents, pairs, passages, edges, edits, max_pairs: int) -> dict:
    """A family as the family page shows it (tree rows, timeline) and the side-by-side views of its
    first `max_pairs` tree edges in tree order (the page fetches any pair on demand; a file cannot)."""
    from copytrace.faces.server.tree import family_summary, timeline_svg, tree_rows
    from copytrace.faces.server.views import comparison

    meta = documents.select([c for c in ("id", "source", "date", "title") if c in documents.column_names]).to_pylist()
    edge_rows = edges.to_pylist()
    rows = tree_rows(meta, family.get("original"), family.get("tree") or [], edge_rows)
    texts = {d["id"]: d for d in documents.to_pylist()}
    p_rows, ed_rows = passages.to_pylist(), edits.to_pylist()
    by_pair = {(e["source"], e["copy"]): e for e in edge_rows}
    shown = [r for r in rows if r["parent"]][:max_pairs]
    comparisons = [comparison(texts[r["parent"]], texts[r["id"]], p_rows, ed_rows, by_pair.get((r["parent"], r["id"])))
                   for r in shown if r["parent"] in texts and r["id"] in texts]
    return {"family": family["family"], "size": family["size"], "original": family.get("original"),
            "explained": family.get("explained"), "rows": rows, "summary": family_summary(rows),
            "timeline": timeline_svg(rows), "comparisons": comparisons,
            "more_pairs": max(0, sum(1 for r in rows if r["parent"]) - len(comparisons))}


LISTED = ("id", "title", "source", "date")  # what the families list and the document index show


def _listing(documents) -> pa.Table:
    """The listed columns of every document; an engine's documents read column by column, no text."""
    return documents.select([c for c in LISTED if c in documents.column_names])


def _report_inputs(result: ScanResult | str | Path):
    """(result without its documents read, every document's listing, a function giving the whole rows of
    some ids). A scan's folder is read table by table, its documents by the rows asked for; a result's
    documents once, by one mask over the members shown (an engine's come shard by shard)."""
    if isinstance(result, ScanResult):
        documents = result.documents
        return result, _listing(documents), lambda ids: documents.filter(pc.is_in(documents["id"], value_set=ids))
    scan = ScanOutput(result)
    rest = ScanResult(pa.table({}), scan.table("pairs"), scan.table("families"), REJECT_SCHEMA.empty_table(),
                      scan.stats(), {n: scan.table(n) for n in ("passages", "edges", "edits") if n in scan})
    try:
        listing = scan.table("documents", list(LISTED))
    except ScanOutputError:  # an output without some of them (JSONL written by hand): read it whole
        listing = _listing(scan.table("documents"))
    return rest, listing, lambda ids: scan.table("documents", id=ids.to_pylist())


def render_report(result: ScanResult | str | Path, max_families: int = 500, max_pairs: int = 10,
                  max_rows: int = 400) -> str:
    """The report of a `ScanResult` (or of the output folder a scan wrote) as one HTML string.

    Shaped as the served pages: the families list, then each family's tree (first `max_rows` rows),
    its timeline of pickups and the side-by-side views of its first `max_pairs` tree edges; so its
    size grows with copies, not with pairs. Only the texts of the families shown are read."""
    from copytrace.faces.server.views import STATIC, environment, family_rows

    result, listing, rows_of = _report_inputs(result)
    passages, no_passages = _table(result, "passages", PASSAGE_SCHEMA)
    edges, no_edges = _table(result, "edges", EDGE_SCHEMA)
    edits, no_edits = _table(result, "edits", EDIT_SCHEMA)
    notes = [n for n in (no_passages, no_edges, no_edits) if n]
    families = result.families.filter(pc.greater(result.families["size"], 1))
    rows = family_rows(families, listing, "size")
    if len(rows) > max_families:
        notes.append(f"showing the {max_families} largest of {len(rows)} families")
        rows = rows[:max_families]
    by_number = {f["family"]: f for f in families.to_pylist()}
    shown = {r["family"] for r in rows}
    documents = rows_of(pa.array(sorted({m for f in shown for m in by_number[f]["members"]}), pa.string()))
    views = []
    for row in rows:
        family = {**by_number[row["family"]], "explained": None}
        if not family.get("original") and no_edges:
            family["explained"] = f"not traced: {no_edges}"
        views.append(family_report_view(family, *_family_subset(family, documents, result.pairs, passages, edges,
                                                                edits), max_pairs))
    in_family = {m: f["family"] for f in by_number.values() for m in f["members"]}
    doc_rows = [{**d, "family_anchor": in_family.get(d["id"])} for d in listing.to_pylist()
                if in_family.get(d["id"]) in shown]
    env = environment()
    return env.get_template("report.html").render(
        standalone=True, inline_css=(STATIC / "copytrace.css").read_text(encoding="utf-8"),
        inline_js=(STATIC / "copytrace.js").read_text(encoding="utf-8"), max_rows=max_rows,
        families=rows, views=views, documents=doc_rows, stats=result.stats, notes=notes)


def write_report(result: ScanResult | str | Path, path: str | Path) -> Path:
    """Write the report of a ScanResult or an output folder to `report.html` (or the given file name); its path."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    path.write_text(render_report(result), encoding="utf-8")
    return path

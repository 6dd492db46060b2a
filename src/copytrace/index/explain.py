"""The explain stages (passages, then provenance) as the index and the web faces call them.

These are the scan's own units (`stages.align.align_pairs`,
`stages.align.drop_unaligned_quotes`, `stages.provenance.trace`) with the
index's settings; here their outputs are only laid out as the index stores
them (`_conform`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, FAMILY_SCHEMA, PASSAGE_SCHEMA
from copytrace.settings import ScanSettings


@dataclass
class Explained:
    """Passages, directed edges, edits and family trees of a set of verified pairs."""

    passages: pa.Table = field(default_factory=PASSAGE_SCHEMA.empty_table)
    edges: pa.Table = field(default_factory=EDGE_SCHEMA.empty_table)
    edits: pa.Table = field(default_factory=EDIT_SCHEMA.empty_table)
    families: pa.Table = field(default_factory=FAMILY_SCHEMA.empty_table)
    missing: list[str] = field(default_factory=list)


def _conform(table, schema: pa.Schema) -> pa.Table:
    """Select and cast the schema's columns, so stored tables keep one layout."""
    if table is None:
        return schema.empty_table()
    columns = []
    for f in schema:
        if f.name in table.column_names:
            columns.append(table[f.name].cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def passages_of(documents: pa.Table, pairs: pa.Table, settings: ScanSettings) -> pa.Table:
    """Aligned passages of every pair (columns a, b naming documents by id)."""
    if pairs.num_rows == 0:
        return PASSAGE_SCHEMA.empty_table()
    from copytrace.stages.align import align_pairs

    return _conform(align_pairs(documents, pairs, settings.align), PASSAGE_SCHEMA)


def confirmed_quotes(documents: pa.Table, pairs: pa.Table, settings: ScanSettings) -> tuple[pa.Table, pa.Table]:
    """The pairs that stay, as in a scan: every family link, and each possible quote (`family_link`
    false) only if alignment finds a passage in it. Returns (pairs, passages of the quotes kept)."""
    import pyarrow.compute as pc

    from copytrace.stages.align import drop_unaligned_quotes

    quotes = pairs.filter(pc.invert(pairs["family_link"]))
    if quotes.num_rows == 0:
        return pairs, PASSAGE_SCHEMA.empty_table()
    passages = passages_of(documents, quotes, settings)
    return drop_unaligned_quotes(pairs, passages), passages


def planned_pairs(members: pa.Table, pairs: pa.Table, settings: ScanSettings) -> pa.Table:
    """The pairs a scan would align for these families (`provenance.plan_explain`): a large family's tree
    edges, every pair of a small one, every possible quote."""
    if pairs.num_rows == 0:
        return pairs
    from copytrace.stages.provenance import plan_explain

    return plan_explain(members, pairs, settings.provenance).to_align(pairs)


def link_edges(links: pa.Table) -> pa.Table:
    """Cross-family links as edge rows (`in_tree` false, filed under the source's family, or the copy's when
    the source has none, e.g. a searched text): the index keeps them in its edges table, outside every tree."""
    import pyarrow.compute as pc

    if links.num_rows == 0:
        return EDGE_SCHEMA.empty_table()
    family = pc.coalesce(links["source_family"], links["copy_family"])
    rows = links.append_column("family", family).append_column("in_tree", pa.array([False] * links.num_rows))
    return _conform(rows, EDGE_SCHEMA)


def trace_of(documents: pa.Table, pairs: pa.Table, passages: pa.Table, settings: ScanSettings) -> Explained:
    """Directed edges, edits and family trees from documents (with `family`), pairs and their passages."""
    out = Explained(passages=passages)
    if pairs.num_rows == 0:
        return out
    from copytrace.stages.provenance import trace

    traced = trace(documents, pairs, passages, settings.provenance)
    out.edges = pa.concat_tables([_conform(traced.edges, EDGE_SCHEMA), link_edges(traced.links)])
    out.edits = _conform(traced.edits, EDIT_SCHEMA)
    out.families = _conform(traced.families, FAMILY_SCHEMA)
    return out

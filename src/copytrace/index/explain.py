"""The explain stages (passages, then provenance) as the index and the web faces use them.

Alignment (`copytrace.stages.align`) and provenance (`copytrace.stages.provenance`) are
separate modules. When one of them is not part of this build, matches are
still returned with their verified figures, and `Explained.missing` says
which part is absent and why, so every face can show it instead of silently
showing a match without passages.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import pyarrow as pa

from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, FAMILY_SCHEMA, PASSAGE_SCHEMA


@dataclass
class Explained:
    """Passages, directed edges, edits and family trees of a set of verified pairs."""

    passages: pa.Table = field(default_factory=PASSAGE_SCHEMA.empty_table)
    edges: pa.Table = field(default_factory=EDGE_SCHEMA.empty_table)
    edits: pa.Table = field(default_factory=EDIT_SCHEMA.empty_table)
    families: pa.Table = field(default_factory=FAMILY_SCHEMA.empty_table)
    missing: list[str] = field(default_factory=list)


def _stage(module: str, name: str):
    try:
        return getattr(importlib.import_module(f"copytrace.{module}"), name), None
    except ImportError as err:
        return None, f"copytrace.{module} is not available in this build ({err})"
    except AttributeError:
        return None, f"copytrace.{module} has no {name}()"


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


def _part(result, name: str, position: int):
    if isinstance(result, dict):
        return result.get(name)
    if hasattr(result, name):
        return getattr(result, name)
    if isinstance(result, (tuple, list)) and len(result) > position:
        return result[position]
    return None


def passages_of(documents: pa.Table, pairs: pa.Table) -> tuple[pa.Table, str | None]:
    """Aligned passages of every pair, or an empty table and the reason alignment is absent."""
    if pairs.num_rows == 0:
        return PASSAGE_SCHEMA.empty_table(), None
    align_pairs, problem = _stage("align", "align_pairs")
    if align_pairs is None:
        return PASSAGE_SCHEMA.empty_table(), f"passages: {problem}"
    return _conform(align_pairs(documents, pairs), PASSAGE_SCHEMA), None


def trace_of(documents: pa.Table, pairs: pa.Table, passages: pa.Table) -> Explained:
    """Directed edges, edits and family trees from documents, pairs and their passages."""
    out = Explained(passages=passages)
    if pairs.num_rows == 0:
        return out
    trace, problem = _stage("provenance", "trace")
    if trace is None:
        out.missing.append(f"provenance: {problem}")
        return out
    traced = trace(documents, pairs, passages)
    out.edges = _conform(_part(traced, "edges", 0), EDGE_SCHEMA)
    out.edits = _conform(_part(traced, "edits", 1), EDIT_SCHEMA)
    out.families = _conform(_part(traced, "families", 2), FAMILY_SCHEMA)
    return out

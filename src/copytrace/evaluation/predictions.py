"""A copytrace output folder (or a peer's, written the same way) for scoring.

Read through `copytrace.io.output.ScanOutput`: each table may be Parquet or
JSONL. A table that is absent, or lacks the columns a measure needs, makes
that measure "not available" rather than 0. A folder that is missing, holds
none of the tables, or holds an unreadable one is a `ScanOutputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from copytrace.io.output import ScanOutput, ScanOutputError

TABLES = ("documents", "pairs", "families", "edges", "passages")


def has(table: pa.Table | None, *columns: str) -> bool:
    return table is not None and all(c in table.column_names for c in columns)


@dataclass
class Predictions:
    folder: Path
    tables: dict[str, pa.Table | None] = field(default_factory=dict)

    def table(self, name: str) -> pa.Table | None:
        return self.tables.get(name)

    def rows(self, name: str, *columns: str) -> list[dict]:
        table = self.tables.get(name)
        if table is None:
            return []
        return table.select([c for c in columns if c in table.column_names]).to_pylist()

    def available(self) -> dict[str, bool]:
        return {name: self.tables.get(name) is not None for name in TABLES}


def read_predictions(folder: Path) -> Predictions:
    output = ScanOutput(folder)
    tables = {name: output.get(name) for name in TABLES}
    if tables["pairs"] is None and tables["families"] is None and tables["documents"] is None:
        raise ScanOutputError(f"{output.folder}: no pairs, families or documents table "
                              "(is it a copytrace output folder?)")
    # Cross-family links (reuse between families, kept outside the trees) are directed pairs too:
    # the pair, direction and credit measures count them with the edges.
    links = output.get("links")
    if links is not None and links.num_rows and tables["edges"] is not None:
        cols = [c for c in tables["edges"].column_names if c in links.column_names]
        tables["edges"] = pa.concat_tables([tables["edges"].select(cols), links.select(cols)])
    return Predictions(output.folder, tables)


def offset_map(given: str, given_text: str) -> list[int] | None:
    """Map each character of an output `given` text to its offset in the input text `given_text`.

    Cleaning keeps whole lines, in order (chrome lines out, blank runs
    collapsed, trailing spaces cut), so each output line is found in the
    input at or after the previous one. None when a line cannot be found.
    """
    mapping: list[int] = []
    pos = 0
    lines = given.split("\n")
    for k, line in enumerate(lines):
        at = given_text.find(line, pos) if line else pos
        if at < 0:
            return None
        mapping.extend(range(at, at + len(line)))
        pos = at + len(line)
        if k < len(lines) - 1:
            mapping.append(min(pos, len(given_text) - 1) if given_text else 0)  # the newline after the line
    return mapping


def offset_maps(pred: Predictions, texts: dict[str, str]) -> tuple[dict[str, list[int]], list[str]]:
    """Offset maps for documents whose output text differs from the input text; ids that cannot be mapped."""
    maps, unmapped = {}, []
    for row in pred.rows("documents", "id", "text"):
        doc, text = row["id"], row.get("text")
        if text is None or doc not in texts or text == texts[doc]:
            continue
        mapping = offset_map(text, texts[doc])
        if mapping is None:
            unmapped.append(doc)
        else:
            maps[doc] = mapping
    return maps, unmapped


def map_span(maps: dict[str, list[int]], doc: str, start: int, end: int) -> tuple[int, int]:
    mapping = maps.get(doc)
    if mapping is None or end <= start or not mapping:
        return start, end
    start, last = min(start, len(mapping) - 1), min(end - 1, len(mapping) - 1)
    return mapping[start], mapping[last] + 1

"""Read a copytrace output folder (or a peer's, written the same way) for scoring.

Each table may be Parquet or JSONL. A table that is absent, or lacks the
columns a measure needs, makes that measure "not available" rather than 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ("documents", "pairs", "families", "edges", "passages")


def read_table(folder: Path, name: str) -> pa.Table | None:
    parquet, jsonl = folder / f"{name}.parquet", folder / f"{name}.jsonl"
    if parquet.exists():
        return pq.read_table(parquet)
    if jsonl.exists():
        with open(jsonl, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return pa.Table.from_pylist(rows) if rows else pa.table({})
    return None


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
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such output folder")
    tables = {}
    for name in TABLES:
        try:
            tables[name] = read_table(folder, name)
        except (pa.ArrowInvalid, OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{folder / name}: unreadable ({str(err).splitlines()[0]})") from None
    if tables["pairs"] is None and tables["families"] is None and tables["documents"] is None:
        raise FileNotFoundError(f"{folder}: no pairs, families or documents table (is it a copytrace output folder?)")
    return Predictions(folder, tables)


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

"""A scan's results: the tables in memory (`ScanResult`), written to one folder, and read back.

The one writer and the one reader of a scan's output folder: `explain`, the
evaluation, the report and the server read through `read_scan`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

OUTPUT_FORMATS = ("parquet", "jsonl")


@dataclass
class ScanResult:
    """The tables a scan produces, and its counts. `write` saves them to one folder."""

    documents: pa.Table
    pairs: pa.Table
    families: pa.Table
    rejects: pa.Table
    stats: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)  # further outputs of later stages, by name

    def family_of(self, doc_id: str) -> int:
        mask = pc.equal(self.documents["id"], doc_id)
        found = self.documents.filter(mask)
        if found.num_rows == 0:
            raise KeyError(doc_id)
        return found["family"][0].as_py()

    def all_tables(self) -> dict[str, pa.Table]:
        return {"documents": self.documents, "pairs": self.pairs, "families": self.families, **self.tables}

    def write(self, out_dir: str | Path, format: str = "parquet") -> Path:
        if format not in OUTPUT_FORMATS:
            raise ValueError(f"format must be one of {OUTPUT_FORMATS}, got {format!r}")
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        tables = self.all_tables()
        if format == "parquet":
            from concurrent.futures import ThreadPoolExecutor

            # Encoding and compressing a Parquet file is one thread: the documents (their texts) on one
            # core, every other table on the other.
            largest = max(tables, key=lambda name: tables[name].nbytes)
            rest = [name for name in tables if name != largest]
            with ThreadPoolExecutor(2) as pool:
                done = [pool.submit(pq.write_table, tables[largest], out / f"{largest}.parquet"),
                        pool.submit(lambda: [pq.write_table(tables[n], out / f"{n}.parquet") for n in rest])]
                for future in done:
                    future.result()
        else:
            for name, table in tables.items():
                write_jsonl(table, out / f"{name}.jsonl")
        write_jsonl(self.rejects, out / "rejects.jsonl")
        (out / "summary.json").write_text(json.dumps(self.stats, indent=2, sort_keys=True) + "\n")
        return out


def write_jsonl(table: pa.Table, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for batch in table.to_batches(max_chunksize=4096):
            for row in batch.to_pylist():
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def scan_stats(result: ScanResult, settings, started: float, *, read: int, text_bytes: int, candidate_pairs: int,
               extra: dict | None = None) -> dict:
    """summary.json of a scan: what was read, found and kept, the LSH parameters, the time."""
    families = result.families
    lsh = settings.lsh
    return {
        "documents_read": read,
        "documents_used": result.documents.num_rows,
        "documents_rejected": result.rejects.num_rows,
        "text_bytes": text_bytes,
        "candidate_pairs": candidate_pairs,
        "kept_pairs": result.pairs.num_rows,
        "families": families.num_rows,
        "families_with_copies": int(pc.sum(pc.greater(families["size"], 1)).as_py() or 0),
        "lsh": {"bands": lsh.bands, "rows": lsh.rows, "threshold": lsh.threshold},
        "seconds": round(time.perf_counter() - started, 3),
        "passages": result.tables["passages"].num_rows if "passages" in result.tables else None,
        **(extra or {}),
    }

"""What the scale engines share after the candidates: exact figures, explain chunks, and the result tables.

The figures come from `verify.overlap_figures`, passages and provenance
from `pipeline.explain`, pairs from `stages.pairs_table`: the engines only
decide which documents are in memory at a time.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..progress import Progress
from ..schemas import FAMILY_SCHEMA
from ..stages import PAIR_SCHEMA, ScanSettings, pairs_table
from ..verify import overlap_figures
from .shards import DocumentStore, WorkDir, done_info, is_done, mark_done, read_arrow, write_arrow, write_parquet

FIGURES = ("jaccard", "containment_a_in_b", "containment_b_in_a", "shared_shingles")


def pair_figures(store, a: np.ndarray, b: np.ndarray, hasher) -> dict:
    """Exact overlap figures of pairs (a[k], b[k]) of document numbers, from their recomputed shingle sets."""
    involved = np.unique(np.concatenate([a, b]))
    texts = store.take(involved, ["text"])["text"].to_pylist()
    values, offsets = hasher.shingle_sets(texts)
    return overlap_figures(values, offsets, np.searchsorted(involved, a), np.searchsorted(involved, b))


def named_pairs(store, kept: pa.Table) -> pa.Table:
    """Pairs with document ids, as `stages.pairs_table` makes them (every row is a kept pair)."""
    a, b = kept["a"].to_numpy(), kept["b"].to_numpy()
    involved = np.unique(np.concatenate([a, b])) if len(a) else np.empty(0, np.int64)
    ids = np.asarray(store.take(involved, ["id"])["id"].to_pylist(), dtype=object)
    figures = {name: kept[name].to_numpy() for name in FIGURES}
    every = np.ones(len(a), dtype=bool)
    return pairs_table(ids, np.searchsorted(involved, a), np.searchsorted(involved, b),
                       kept["bands_shared"].to_numpy(), figures, every)


def families_of(ids: pa.Array | pa.ChunkedArray, family: np.ndarray) -> pa.Table:
    """`stages.families_table` in Arrow: no Python string per document, for corpora of millions."""
    order = np.argsort(family, kind="stable")
    numbers, starts, sizes = np.unique(family[order], return_index=True, return_counts=True)
    offsets = np.append(starts, len(order)).astype(np.int32)
    members = pa.ListArray.from_arrays(pa.array(offsets), pc.take(ids, pa.array(order)).combine_chunks()
                                       if isinstance(ids, pa.ChunkedArray) else pc.take(ids, pa.array(order)))
    return pa.table({"family": pa.array(numbers, pa.int64()), "size": pa.array(sizes, pa.int64()),
                     "members": members.cast(pa.list_(pa.string()))})


def document_table(shard: pa.Table, family: np.ndarray, n_shingles: np.ndarray) -> pa.Table:
    """A document shard as the in-memory path's documents table: text and facts, family, sizes."""
    documents = shard.drop_columns(["doc"]).append_column("family", pa.array(family, pa.int64()))
    documents = documents.append_column("n_chars", pc.utf8_length(documents["text"]).cast(pa.int64()))
    return documents.append_column("n_shingles", pa.array(n_shingles, pa.int64()))


def explain_tables(documents: pa.Table, pairs: pa.Table, settings: ScanSettings) -> dict[str, pa.Table]:
    """Passages and provenance of whole families: `pipeline.explain` over one chunk of families."""
    from ..pipeline import explain

    families = families_of(documents["id"], documents["family"].to_numpy())
    return explain(documents, pairs, families, settings, Progress())


def family_chunks(family: np.ndarray, max_docs: int) -> list[np.ndarray]:
    """Documents of the families with copies, whole families per chunk, about `max_docs` documents each."""
    sizes = np.bincount(family)
    docs = np.flatnonzero(sizes[family] > 1)
    if len(docs) == 0:
        return []
    docs = docs[np.argsort(family[docs], kind="stable")]
    ends = np.flatnonzero(np.diff(family[docs])) + 1  # a family ends where the number changes
    chunks, start = [], 0
    for end in list(ends) + [len(docs)]:
        if end - start >= max_docs or end == len(docs):
            chunks.append(np.sort(docs[start:end]))
            start = end
    return chunks


def _explain_chunk_on_disk(spec: dict) -> dict:
    """One explain chunk of the local engine: read its documents, explain them, write the tables."""
    out: Path = spec["out"]
    marker = out / "tables.parquet"
    if is_done(marker):
        return done_info(marker)
    store = DocumentStore(spec["doc_paths"])
    documents = document_table(store.take(spec["docs"]), spec["family"], spec["n_shingles"])
    tables = explain_tables(documents, spec["pairs"], spec["settings"])
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        write_parquet(out / f"{name}.parquet", table)
    info = {name: table.num_rows for name, table in tables.items()}
    write_parquet(marker, pa.table({"table": list(info), "rows": list(info.values())}), info)
    return info


def explain_specs(store, kept: pa.Table, pairs: pa.Table, family: np.ndarray, n_shingles: np.ndarray,
                  max_docs: int):
    """(documents, pairs of those documents) of each chunk of families with copies."""
    pair_family = family[kept["a"].to_numpy()]
    order = np.argsort(pair_family, kind="stable")
    sorted_family = pair_family[order]
    for docs in family_chunks(family, max_docs):
        numbers = np.unique(family[docs])
        lo, hi = np.searchsorted(sorted_family, numbers[0]), np.searchsorted(sorted_family, numbers[-1], "right")
        rows = np.sort(order[lo:hi])
        yield docs, pairs.take(pa.array(rows, pa.int64()))


def explain_chunks(work: WorkDir, store: DocumentStore, kept: pa.Table, pairs: pa.Table, family: np.ndarray,
                   n_shingles: np.ndarray, settings: ScanSettings, max_docs: int, progress, map_chunks) -> dict:
    """Explain every family with copies, chunk by chunk; return the concatenated tables."""
    if not settings.explain:
        return {}
    folder = work.stage("explain")
    specs = [{"out": folder / f"chunk-{k:06d}", "doc_paths": store.paths, "docs": docs, "pairs": chunk_pairs,
              "family": family[docs], "n_shingles": n_shingles[docs], "settings": settings}
             for k, (docs, chunk_pairs) in enumerate(explain_specs(store, kept, pairs, family, n_shingles,
                                                                   max_docs))]
    with progress.task("explain", total=len(specs)) as advance:
        map_chunks(_explain_chunk_on_disk, specs)
        advance(len(specs))
    tables: dict[str, list] = {}
    for spec in specs:
        for name in done_info(spec["out"] / "tables.parquet"):
            tables.setdefault(name, []).append(pq.read_table(spec["out"] / f"{name}.parquet"))
    return {name: pa.concat_tables(parts) for name, parts in tables.items()}


def with_singletons(traced: pa.Table, families: pa.Table) -> pa.Table:
    """Traced families plus every single document as a family of its own, with itself as the original."""
    single = families.filter(pc.equal(families["size"], 1))
    originals = pc.list_element(single["members"], 0)
    rows = pa.table({"family": single["family"], "size": single["size"], "members": single["members"],
                     "original": originals,
                     "tree": pa.array([[]] * single.num_rows, FAMILY_SCHEMA.field("tree").type)},
                    schema=FAMILY_SCHEMA)
    return pa.concat_tables([traced.cast(FAMILY_SCHEMA), rows]).sort_by("family")


def output_documents(work: WorkDir, store: DocumentStore, family: np.ndarray, n_shingles: np.ndarray) -> pa.Table:
    """The documents table, written shard by shard and memory-mapped back: texts stay on disk."""
    folder = work.stage("output")
    parts = []
    for i, path in enumerate(store.paths):
        lo, hi = int(store.starts[i]), int(store.starts[i + 1])
        out = folder / f"documents-{i:05d}.arrow"
        write_arrow(out, document_table(store.table(i), family[lo:hi], n_shingles[lo:hi]))
        parts.append(read_arrow(out))
    return pa.concat_tables(parts)


def assemble(work: WorkDir, store: DocumentStore, counts, kept: pa.Table, pairs: pa.Table, family: np.ndarray,
             n_shingles: np.ndarray, explained: dict, settings: ScanSettings, extra: dict, started: float):
    """The ScanResult of an engine run, with the in-memory path's tables and stats."""
    from ..pipeline import ScanResult

    families = families_of(store.column("id"), family)
    tables = dict(explained)
    if "families" in tables:
        families = with_singletons(tables.pop("families"), families)
    rejects = pq.read_table(work.stage("documents") / "rejects.parquet")
    documents = output_documents(work, store, family, n_shingles)
    stats = {
        "documents_read": counts.read,
        "documents_used": counts.used,
        "documents_rejected": counts.rejected,
        "text_bytes": counts.text_bytes,
        "candidate_pairs": extra.pop("candidate_pairs"),
        "kept_pairs": pairs.num_rows,
        "families": families.num_rows,
        "families_with_copies": int(pc.sum(pc.greater(families["size"], 1)).as_py() or 0),
        "lsh": {"bands": settings.lsh.bands, "rows": settings.lsh.rows, "threshold": settings.lsh.threshold},
        "seconds": round(time.perf_counter() - started, 3),
        "passages": tables["passages"].num_rows if "passages" in tables else None,
        **extra,
    }
    return ScanResult(documents, pairs.cast(PAIR_SCHEMA), families, rejects, stats, tables)

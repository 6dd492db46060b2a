"""`scan`: the main job, from input files to verified pairs and story families."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.stages.align import align_pairs
from copytrace.stages.provenance import trace
from copytrace.stages.clean import CleanSettings, clean_ingested
from copytrace.io import FieldMap, Ingested, InputError, read_inputs
from copytrace.io.output import ScanResult
from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.stages.families import families_table, find_families
from copytrace.stages.candidates import find_candidates
from copytrace.stages.verify import pairs_table, verify
from copytrace.stages.fingerprint import sketch


def scan(
    paths,
    *,
    fields: FieldMap | None = None,
    metadata: str | Path | None = None,
    settings: ScanSettings | None = None,
    max_doc_bytes: int | None = None,
    progress: Progress | None = None,
    clean: CleanSettings | bool = True,
    engine: str = "memory",
    work_dir: str | Path | None = None,
    memory: str | int = "4GB",
    address: str | None = None,
) -> ScanResult:
    """Find reused text among the documents under `paths`.

    `clean`: HTML is always reduced to its main text; chrome removal runs
    unless `clean` is False (or a CleanSettings with chrome_removal=False).

    `engine`: "memory" (everything in this process), "local" (out of core:
    shards in `work_dir`, memory under `memory`, resumable) or "ray" (Ray
    Data, on the cluster at `address`); see `copytrace.engines`.

    Raises `InputError` for an unreadable path or when no usable document
    was read; bad records never raise, they are returned in `rejects`.
    """
    settings = settings or ScanSettings()
    progress = progress or Progress()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if engine != "memory":
        from copytrace.engines import make_engine

        return make_engine(engine, work_dir=work_dir, memory=memory, address=address).scan(
            paths, fields, metadata, settings, max_doc_bytes, progress, clean)
    started = time.perf_counter()
    kwargs = {} if max_doc_bytes is None else {"max_doc_bytes": max_doc_bytes}
    with progress.task("ingest") as advance:
        ingested = read_inputs(paths, fields, metadata, **kwargs, advance=advance)
    ingested, removed_lines = clean_ingested(ingested, clean, progress)
    if ingested.used == 0:
        first = ingested.rejects.slice(0, 1).to_pylist()
        example = f"; first: {first[0]['file']}:{first[0]['record']}: {first[0]['reason']}" if first else ""
        raise InputError(
            f"no usable document among {ingested.read} records read "
            f"({ingested.rejects.num_rows} rejected{example})"
        )
    result = analyse(ingested, settings, progress, started)
    result.tables["removed_lines"] = removed_lines
    result.stats["removed_lines"] = removed_lines.num_rows
    return result


def analyse(ingested: Ingested, settings: ScanSettings, progress: Progress, started: float | None = None) -> ScanResult:
    """Fingerprint, candidates, verification and families over ingested documents."""
    started = started or time.perf_counter()
    docs = ingested.documents
    texts = docs["text"].combine_chunks() if docs.num_rows else pa.array([], pa.large_string())
    ids = np.asarray(docs["id"].to_pylist(), dtype=object)
    hasher = settings.hasher

    sketches = sketch(texts, settings, progress)  # signatures and anchors in one tokenizing pass
    signatures, shingle_counts = sketches.signatures, sketches.shingle_counts
    a, b, bands = find_candidates(signatures, texts, settings, progress, sketches.anchors)
    figures = verify(texts, a, b, hasher, progress)
    containment_max = np.maximum(figures["containment_a_in_b"], figures["containment_b_in_a"])
    links = settings.keep.keep(figures["shared_shingles"], containment_max)
    quotes = settings.keep.possible_quote(figures["shared_shingles"], containment_max) & settings.explain
    kept = links | quotes
    family = find_families(len(ids), a, b, links)

    documents = docs.drop_columns(["html"]).append_column("family", pa.array(family, pa.int64()))
    documents = documents.append_column("n_chars", pc.utf8_length(documents["text"]).cast(pa.int64()))
    documents = documents.append_column("n_shingles", pa.array(shingle_counts, pa.int64()))
    pairs = pairs_table(ids, a, b, bands, figures, kept, links)
    families = families_table(ids, family)
    tables = explain(documents, pairs, families, settings, progress) if settings.explain else {}
    families = tables.pop("families", families)
    pairs = tables.pop("pairs", pairs)
    stats = {
        "documents_read": ingested.read,
        "documents_used": ingested.used,
        "documents_rejected": ingested.rejects.num_rows,
        "text_bytes": int(pc.sum(pc.binary_length(texts)).as_py() or 0),
        "candidate_pairs": int(len(a)),
        "kept_pairs": pairs.num_rows,
        "families": families.num_rows,
        "families_with_copies": int(pc.sum(pc.greater(families["size"], 1)).as_py() or 0),
        "lsh": {"bands": settings.lsh.bands, "rows": settings.lsh.rows, "threshold": settings.lsh.threshold},
        "seconds": round(time.perf_counter() - started, 3),
    }
    stats["passages"] = tables["passages"].num_rows if "passages" in tables else None
    return ScanResult(documents, pairs, families, ingested.rejects, stats, tables)


def drop_unaligned_quotes(pairs: pa.Table, passages: pa.Table) -> tuple[pa.Table, pa.Table]:
    """A possible quote (a pair that does not link families) stays only if it has a passage."""
    aligned = set(zip(passages["a"].to_pylist(), passages["b"].to_pylist()))
    has_passage = pa.array([(x, y) in aligned for x, y in zip(pairs["a"].to_pylist(), pairs["b"].to_pylist())],
                           pa.bool_())
    return pairs.filter(pc.or_(pairs["family_link"], has_passage)), passages


def explain(documents: pa.Table, pairs: pa.Table, families: pa.Table, settings: ScanSettings,
            progress: Progress) -> dict[str, pa.Table]:
    """Passages of every kept pair, then provenance: edges, edits, and families with their original."""
    passages = align_pairs(documents, pairs, settings.align, progress)
    pairs, passages = drop_unaligned_quotes(pairs, passages)
    tables = {"passages": passages, "pairs": pairs}
    traced = trace(documents, pairs, passages, settings.provenance)
    tables.update({"edges": traced.edges, "edits": traced.edits, "families": traced.families})
    return tables

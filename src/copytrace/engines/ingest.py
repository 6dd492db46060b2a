"""The ingest stage of the scale engines: inputs read into raw shards, then cleaned into document shards.

Reading is one stream in the main process (`io.stream_documents`, cut into
shards of about `Budget.text_per_shard` of text); extraction, template
learning and cleaning run on every worker (`engines.cleaning`), each
source's chrome template learnt over the whole corpus before any shard is
cleaned. Every shard has its done marker (`engines.shards`), so a killed
ingest resumes; a finished one is not read again.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from copytrace.engines.shards import (
    Budget,
    WorkDir,
    doc_codec,
    done_info,
    drop_shard,
    is_done,
    mark_done,
    release_memory,
    write_arrow,
    write_parquet,
)
from copytrace.ingest_total import input_bytes
from copytrace.io import InputError, stream_documents
from copytrace.io.records import DEFAULT_MAX_DOC_BYTES, REJECT_SCHEMA
from copytrace.progress import ingest_task


@dataclass
class IngestCounts:
    read: int = 0
    used: int = 0
    rejected: int = 0
    text_bytes: int = 0
    shards: int = 0
    codec: str = "zstd"  # of the document shards (`doc_codec`)


def ingest(work: WorkDir, paths, fields, metadata, max_doc_bytes: int | None, budget: Budget,
           progress, settings, pool_map=None, on_shard=None) -> IngestCounts:
    """Stream the inputs into cleaned document shards; a finished ingest is not read again.

    Reading is one stream (`io.stream_documents`, shard by shard); extraction, template learning and cleaning run
    on every worker (`engines.cleaning`), with each source's chrome template
    learnt over the whole corpus before any shard is cleaned. `pool_map`
    maps a function over worker processes (default: a pool of `budget.workers`). `on_shard(path)` is told
    of each document shard this run writes, as soon as it is written (the next stage may start on it).
    """
    import shutil

    folder = work.stage("documents")
    summary = folder / "rejects.parquet"
    if is_done(summary):
        return IngestCounts(**done_info(summary))
    raw_paths, read_rejects = _raw_shards(work, paths, fields, metadata, max_doc_bytes, budget, progress)
    counts = IngestCounts(codec=doc_codec(work.root, input_bytes(paths)))
    _clean_shards(work, raw_paths, counts, budget, progress, settings, pool_map, on_shard)
    parts = [read_rejects.cast(REJECT_SCHEMA)]
    parts += [pq.read_table(folder / f"part-{i:05d}.rejects.parquet").cast(REJECT_SCHEMA) for i in range(counts.shards)]
    rejects = pa.concat_tables(parts)
    counts.rejected = rejects.num_rows
    counts.read = counts.used + counts.rejected
    write_parquet(summary, rejects, counts.__dict__)
    shutil.rmtree(work.stage("raw"), ignore_errors=True)  # raw copies: the document shards hold the text now
    return counts


def _document_shard(work: WorkDir, i: int) -> Path:
    """The document shard of raw shard i."""
    return work.stage("documents") / f"part-{i:05d}.arrow"


def _raw_shards(work: WorkDir, paths, fields, metadata, max_doc_bytes: int | None, budget: Budget, progress
                ) -> tuple[list[Path], pa.Table]:
    """The inputs read into raw shards of about `budget.text_per_shard` of text (scratch, uncompressed): their
    paths, and the rejects of reading. A resumed run reads its inputs again but writes only the shards not yet
    cleaned; a shard is written while the next is read (both release the GIL): one shard more in memory at most."""
    scratch = work.stage("raw")
    raw_paths, read_rejects = [], REJECT_SCHEMA.empty_table()
    with ingest_task(progress, paths) as advance, ThreadPoolExecutor(1) as writer:
        writing = None
        for table in stream_documents(paths, fields, metadata, max_doc_bytes or DEFAULT_MAX_DOC_BYTES,
                                      batch_bytes=budget.text_per_shard):
            if table.schema.equals(REJECT_SCHEMA):
                read_rejects = table
                break
            path = scratch / f"part-{len(raw_paths):05d}.raw.arrow"
            if not is_done(path) and not is_done(_document_shard(work, len(raw_paths))):
                if writing is not None:
                    writing.result()
                writing = writer.submit(write_arrow, path, table)
            raw_paths.append(path)
            advance(table.num_rows)
            del table
            release_memory()
        if writing is not None:
            writing.result()
    return raw_paths, read_rejects


def _clean_shards(work: WorkDir, raw_paths: list[Path], counts: IngestCounts, budget: Budget, progress, settings,
                  pool_map, on_shard) -> None:
    """Raw shards extracted, their templates learnt, then cleaned into document shards in the workers; each
    numbered in order here (its `first_doc`), `counts` added up, its scratch copies removed."""
    from copytrace.engines.cleaning import (
        clean_one, extract_shard, learn_templates_sharded, line_keys_path, worker_pool)

    folder = work.stage("documents")
    final = functools.partial(_document_shard, work)
    extracted = [p.with_name(p.name.replace(".raw.", ".extracted.")) for p in raw_paths]
    with progress.task("clean", total=len(raw_paths)) as advance, worker_pool(budget.workers, pool_map) as pool_map:
        todo = [i for i in range(len(raw_paths)) if not is_done(final(i))]
        for i, path in zip(todo, pool_map(extract_shard, [(raw_paths[i], extracted[i], settings) for i in todo])):
            extracted[i] = path  # the raw shard itself where it held no HTML
        templates = work.stage("raw") / "templates.json"
        # Learnt before any shard is cleaned (and marked done then): a resumed run has it whole.
        learn_templates_sharded([extracted[i] for i in todo], settings, budget.workers, pool_map, templates)
        keys = [[line_keys_path(extracted[i], part) for part in range(budget.workers)] for i in range(len(raw_paths))]
        specs = [(extracted[i], final(i), folder, settings, templates if is_done(templates) else None,
                  counts.codec, keys[i]) for i in todo]
        cleaned = iter(pool_map(clean_one, specs))
        for i in range(len(raw_paths)):
            if is_done(final(i)):
                info = done_info(final(i))
            else:
                info = {**next(cleaned), "first_doc": counts.used, "codec": counts.codec}
                mark_done(final(i), info)
                if on_shard is not None:
                    on_shard(final(i))
                # The document shard holds the text now: its scratch copies go, so the disk holds one copy.
                for copy in {raw_paths[i], extracted[i]}:
                    copy.unlink(missing_ok=True)
                for path in keys[i]:
                    drop_shard(path)
            counts.shards += 1
            counts.used += info["docs"]
            counts.text_bytes += info["text_bytes"]
            advance(1)


def require_documents(work: WorkDir, counts: IngestCounts) -> None:
    """Raise `InputError` when the ingest kept no document (with the first reject, as the memory engine says)."""
    if counts.used:
        return
    first = pq.read_table(work.stage("documents") / "rejects.parquet").slice(0, 1).to_pylist()
    example = f"; first: {first[0]['file']}:{first[0]['record']}: {first[0]['reason']}" if first else ""
    raise InputError(f"no usable document among {counts.read} records read ({counts.rejected} rejected{example})")

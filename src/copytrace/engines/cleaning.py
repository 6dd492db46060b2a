"""Ingest with cleaning over shards, on every core, with chrome templates learnt over the whole corpus.

1. read: the inputs are streamed (one process: readers go record by record)
   into raw shards, Arrow IPC files of about `text_per_shard` of text;
2. extract: shards holding HTML are reduced to their main text, shard by
   shard in worker processes (`clean_stage` without chrome removal);
3. learn: each worker counts template lines (`clean.templates.TemplateCounter`)
   for its share of the sources, over every shard, so a source's template is
   learnt from all its pages, as the in-memory path learns it;
4. clean: every shard is cleaned with those templates in worker processes,
   then numbered in order and written as a document shard.

Each step leaves shards with done markers, so a killed ingest resumes.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import replace
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copytrace.io.records import REJECT_SCHEMA
from copytrace.engines.shards import (
    atomic_write,
    done_info,
    is_done,
    mark_done,
    read_arrow,
    write_arrow,
    write_parquet,
)


def clean_options(clean):
    from copytrace.stages.clean import CleanSettings

    if isinstance(clean, bool) or clean is None:
        return CleanSettings(chrome_removal=clean is not False)
    return clean


@contextmanager
def worker_pool(workers: int, given=None):
    """A map over worker processes (spawn: the parent's numba threads do not survive a fork), or in-process."""
    if given is not None:
        yield given
        return
    if workers <= 1:
        yield map
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        yield pool.map


def _has_html(table: pa.Table) -> bool:
    return "html" in table.column_names and table["html"].null_count < table.num_rows


def extract_shard(spec: tuple[Path, Path, object]) -> Path:
    """The shard with HTML reduced to main text (extraction rejects beside it); a plain-text shard as it is."""
    from copytrace.stages.clean import clean_stage

    raw_path, out, clean = spec
    if is_done(out):
        return out
    raw = read_arrow(raw_path)
    if not _has_html(raw):
        return raw_path
    options = clean_options(clean)
    extracted = clean_stage(raw, replace(options, chrome_removal=False))
    rejects = pa.Table.from_pylist([r.as_dict() for r in extracted.rejects], schema=REJECT_SCHEMA)
    write_parquet(out.with_suffix(".rejects.parquet"), rejects)
    write_arrow(out, extracted.documents)
    return out


def _share_of(group: str | None, part: int, parts: int) -> bool:
    return group is not None and zlib.crc32(group.encode()) % parts == part


def learn_share(spec: tuple[list[Path], int, int, object]) -> dict:
    """Templates of the sources that fall in share `part` of `parts`, over every shard."""
    from copytrace.stages.clean import source_group
    from copytrace.stages.clean.templates import TemplateCounter

    paths, part, parts, clean = spec
    options = clean_options(clean)
    counter = TemplateCounter(options.chrome.min_repeat)
    for path in paths:
        table = read_arrow(path)  # memory-mapped: the counter reads the text column where it lies
        columns = table.select(["source", "url"]).to_pydict()
        groups = [source_group(s, u, options.aliases) for s, u in zip(columns["source"], columns["url"])]
        counter.add_batch([g if _share_of(g, part, parts) else None for g in groups], table["text"])
    return counter.templates()


def learn_templates_sharded(paths: list[Path], clean, workers: int, pool_map, out: Path) -> dict | None:
    """Per-source template lines over all shards (`clean.learn_templates`, split by source over workers)."""
    options = clean_options(clean)
    if not options.chrome_removal:
        return None
    if not options.chrome.repeated:
        return {}
    if is_done(out):
        return json.loads(out.read_text())
    templates: dict = {}
    for share in pool_map(learn_share, [(paths, part, workers, clean) for part in range(workers)]):
        templates.update(share)
    atomic_write(out, lambda tmp: tmp.write_text(json.dumps(templates)))
    mark_done(out)
    return templates


def clean_one(spec: tuple[Path, Path, Path, object, Path | None]) -> dict:
    """Clean one extracted shard with the corpus' templates: the unnumbered shard, its rejects and removed lines."""
    from copytrace.stages.clean import clean_stage

    path, out, folder, clean, templates_path = spec
    if is_done(out):
        return done_info(out)
    templates = json.loads(templates_path.read_text()) if templates_path else None
    cleaned = clean_stage(read_arrow(path), clean_options(clean), templates=templates)
    rejects = pa.Table.from_pylist([r.as_dict() for r in cleaned.rejects], schema=REJECT_SCHEMA)
    stem = out.name.split(".")[0]
    write_parquet(folder / f"{stem}.rejects.parquet", rejects)
    write_parquet(folder / f"{stem}.removed.parquet", cleaned.removed)
    docs = cleaned.documents.drop_columns(["html"])
    info = {"docs": docs.num_rows, "rejected": rejects.num_rows,
            "text_bytes": int(pc.sum(pc.binary_length(docs["text"])).as_py() or 0)}
    write_arrow(out, docs, info)
    return info


def number_shard(cleaned: Path, out: Path, first_doc: int) -> None:
    """The document shard: the cleaned shard with its documents' numbers in the corpus."""
    docs = read_arrow(cleaned)
    docs = docs.add_column(0, "doc", pa.array(np.arange(first_doc, first_doc + docs.num_rows, dtype=np.int64)))
    write_arrow(out, docs, done_info(cleaned))


def extraction_rejects(paths: list[Path]) -> list[pa.Table]:
    """Rejects of the extraction step (documents whose HTML had no main text)."""
    found = [path.with_suffix(".rejects.parquet") for path in paths]
    return [pq.read_table(p) for p in found if p.exists()]

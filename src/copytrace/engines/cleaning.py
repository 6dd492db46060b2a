"""The clean stage scheduled over shards, on every core, with chrome templates learnt over the whole corpus.

1. extract: shards holding HTML are reduced to their main text, shard by
   shard in worker processes (`clean_stage` without chrome removal);
2. learn: each worker counts template lines (`clean.templates.TemplateCounter`)
   for its share of the sources, over every shard, so a source's template is
   learnt from all its pages, as the memory engine learns it;
3. clean: every shard is cleaned with those templates in worker processes
   (`clean_stage`) and written as a document shard there; the main process
   numbers the shards in order (`first_doc` in each one's done marker).

Rejects keep the memory engine's order: each shard's extraction and chrome
rejects are merged by the row they came from. Each step leaves shards with
done markers, so a killed ingest resumes.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copytrace.engines.shards import (atomic_write, done_info, is_done, mark_done, read_arrow, write_arrow,
                                     write_document_shard, write_parquet)
from copytrace.io.records import REJECT_SCHEMA
from copytrace.parallel import pool_stopped_on_error, process_pool
from copytrace.settings import ScanSettings


@contextmanager
def worker_pool(workers: int, given=None):
    """A map over worker processes (spawn: the parent's numba threads do not survive a fork), or in-process."""
    if given is not None:
        yield given
        return
    if workers <= 1:
        yield map
        return
    with pool_stopped_on_error(process_pool(workers)) as pool:  # workers that die with this process
        yield pool.map


def warm_worker() -> None:
    """The clean stage's modules imported and compiled kernels loaded in this worker (about 1 s of a worker's
    first shard otherwise): the local engine asks it of each worker while its main process still reads the
    input, on a core the reading leaves idle."""
    from copytrace.stages.clean.scan import scan_lines
    from copytrace.stages.clean.take_out import take_out
    from copytrace.stages.clean.templates import key_hashes, line_hashes, with_group

    texts = pa.array(["Sign up for our newsletter\n\nA line of text, 2026."], pa.large_string())
    rows = np.arange(1, dtype=np.int64)
    wanted = np.sort(with_group(key_hashes(["sign up for our newsletter"]), np.zeros(1, dtype=np.int64)))
    scan_lines(texts, rows, np.zeros(1, dtype=np.int64), wanted)
    line_hashes(texts, rows, lambda row: texts[row].as_py())
    take_out(texts, [0], [[0]])


def _has_html(table: pa.Table) -> bool:
    return "html" in table.column_names and table["html"].null_count < table.num_rows


def _numbered(table: pa.Table) -> pa.Table:
    """The shard with its rows numbered (`row`), so that rejects can be put back in input order."""
    if "row" in table.column_names:
        return table
    return table.append_column("row", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _rejects(cleaned, before: pa.Table) -> pa.Table:
    """The stage's rejects, each with the row of `before` it came from (the rows that did not come out)."""
    gone = np.setdiff1d(before["row"].to_numpy(), cleaned.documents["row"].to_numpy())
    table = pa.Table.from_pylist([r.as_dict() for r in cleaned.rejects], schema=REJECT_SCHEMA)
    return table.append_column("row", pa.array(gone, pa.int64()))


def _rejects_path(shard: Path) -> Path:
    return shard.with_suffix(".rejects.parquet")


def extract_shard(spec: tuple[Path, Path, ScanSettings]) -> Path:
    """The shard with HTML reduced to main text (its rejects beside it); a plain-text shard as it is."""
    from copytrace.stages.clean import clean_stage

    raw_path, out, settings = spec
    if is_done(out):
        return out
    raw = read_arrow(raw_path)
    if not _has_html(raw):
        return raw_path
    raw = _numbered(raw)
    extracted = clean_stage(raw, replace(settings.clean, chrome_removal=False), aliases=settings.aliases)
    write_parquet(_rejects_path(out), _rejects(extracted, raw))
    write_arrow(out, extracted.documents)
    return out


def learn_share(spec: tuple[list[Path], int, int, ScanSettings]) -> dict:
    """Templates of the sources that fall in share `part` of `parts`, over every shard (memory-mapped); each
    shard's line keys of those sources written beside it (`line_keys_path`), for its cleaning to read back."""
    from copytrace.stages.clean import learn_templates

    paths, part, parts, settings = spec

    def keep(k, keys):  # an empty table where the share has no source in the shard: the shard's keys are whole
        row, line, key = (keys.row, keys.line, keys.hash) if keys is not None else (
            np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint64))
        write_arrow(line_keys_path(paths[k], part), pa.table({"row": row, "line": line, "hash": key}),
                    {"parts": parts})
    return learn_templates((read_arrow(path) for path in paths), settings.clean, settings.aliases, (part, parts),
                           line_keys=keep)


def line_keys_path(shard: Path, part: int) -> Path:
    """Where learning share `part` leaves the template key hashes of a shard's lines (`LineKeys`)."""
    return shard.with_name(f"{shard.name.split('.')[0]}.keys-{part:02d}.arrow")


def _line_keys(paths: list[Path]):
    """The line keys learning left for a shard (every share's, merged), or None unless every share's is there,
    of a split into as many shares (a run resumed with another number of workers, after its templates were
    learnt, finds some missing or of other shares): the shard is then hashed as it is cleaned."""
    from copytrace.stages.clean.templates import LineKeys

    if not paths or not all(is_done(p) and done_info(p).get("parts") == len(paths) for p in paths):
        return None
    parts = [read_arrow(p) for p in paths]
    return LineKeys.merged([LineKeys(t["row"].to_numpy(), t["line"].to_numpy(), t["hash"].to_numpy())
                            for t in parts])


def learn_templates_sharded(paths: list[Path], settings: ScanSettings, workers: int, pool_map, out: Path) -> None:
    """Per-source template lines over all shards (`clean.learn_templates`, split by source over workers), to `out`."""
    options = settings.clean
    if not (options.chrome_removal and options.chrome.repeated) or is_done(out):
        return
    templates: dict = {}
    for share in pool_map(learn_share, [(paths, part, workers, settings) for part in range(workers)]):
        templates.update(share)
    atomic_write(out, lambda tmp: tmp.write_text(json.dumps(templates)))
    mark_done(out)


def clean_one(spec: tuple[Path, Path, Path, ScanSettings, Path | None, str, list[Path]]) -> dict:
    """Clean one extracted shard with the corpus' templates into its document shard (compressed with `codec`,
    not yet marked done: the main process numbers it), its rejects and removed lines beside it. `key_paths`:
    the line keys learning left for it (`line_keys_path`, one a share)."""
    from copytrace.stages.clean import clean_stage

    path, out, folder, settings, templates_path, codec, key_paths = spec
    templates = json.loads(templates_path.read_text()) if templates_path else None
    shard = _numbered(read_arrow(path))
    cleaned = clean_stage(shard, settings.clean, templates=templates, aliases=settings.aliases,
                          line_keys=_line_keys(key_paths) if templates is not None else None)
    rejects = _rejects(cleaned, shard)
    if _rejects_path(path).exists():  # extraction's rejects, merged in input order
        rejects = pa.concat_tables([pq.read_table(_rejects_path(path)), rejects]).sort_by("row")
    stem = out.name.split(".")[0]
    write_parquet(folder / f"{stem}.rejects.parquet", rejects.drop_columns(["row"]))
    write_parquet(folder / f"{stem}.removed.parquet", cleaned.removed)
    docs = cleaned.documents.drop_columns(["html", "row"])
    # Written (and compressed, if at all) here, on every worker, not by the main process: a shard's documents
    # are numbered by its place among the shards (`first_doc` in its done marker), known only once the shards
    # before it are cleaned, so no shard holds its numbers.
    write_document_shard(out, docs, codec=codec, done=False)
    return {"docs": docs.num_rows, "rejected": rejects.num_rows,
            "text_bytes": int(pc.sum(pc.binary_length(docs["text"])).as_py() or 0)}

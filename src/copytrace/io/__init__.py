"""Ingest stage: files and folders in, one document table and a rejects table out.

A folder is walked recursively in sorted order; each file is read by the
reader registered for its suffix. Files and folders whose names start with
"." or "_" are not documents: a `_metadata.jsonl` or `_metadata.csv` beside
the documents is a sidecar of known facts (outlet, url, date, title) keyed by
document id, applied to documents that lack them.
"""

from __future__ import annotations

import csv
import errno
import gzip
import json
import os
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from copytrace.io.records import (
    DEFAULT_MAX_DOC_BYTES,
    DOCUMENT_SCHEMA,
    REJECT_SCHEMA,
    Collector,
    FieldMap,
    Record,
    Reject,
    Rows,
)
from copytrace.io.tabular import CSV_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, read_csv, read_jsonl, read_parquet
from copytrace.io.text_files import TEXT_SUFFIXES, read_text_file
from copytrace.io.feeds import FEED_SUFFIXES, read_feed
from copytrace.io.html import HTML_SUFFIXES, read_html_file, with_html_rows
from copytrace.io.warc import WARC_SUFFIXES, read_warc

__all__ = [
    "DOCUMENT_SCHEMA",
    "REJECT_SCHEMA",
    "FieldMap",
    "InputError",
    "Ingested",
    "Record",
    "Reject",
    "check_paths",
    "input_listing",
    "iter_items",
    "known_facts",
    "read_inputs",
    "register_reader",
]

SIDECAR_NAMES = ("_metadata.jsonl", "_metadata.csv")
METADATA_PARTS = ("url", "source", "date", "title")

# What a corrupt or truncated file raises from a reader (gzip or WARC cut short, bytes that are not the format).
UNREADABLE = (EOFError, zlib.error, ValueError, csv.Error, pa.ArrowException)

# A reader takes (path, display name, field map, max document bytes) and yields Records or Rejects.
ReaderFn = Callable[[Path, str, FieldMap, int], Iterator[Record | Reject]]
_READERS: list[tuple[tuple[str, ...], ReaderFn]] = []


class InputError(Exception):
    """An input path that cannot be read at all (the run stops with this one-line message)."""


def register_reader(suffixes: Iterable[str], reader: ReaderFn) -> None:
    """Register a reader for file names ending in any of `suffixes` (longest suffix wins)."""
    _READERS.append((tuple(s.lower() for s in suffixes), reader))


def _text_reader(path: Path, name: str, fields: FieldMap, max_bytes: int):
    return read_text_file(path, name, name, fields, max_bytes)


register_reader(TEXT_SUFFIXES, _text_reader)
register_reader(JSONL_SUFFIXES, with_html_rows(read_jsonl))
register_reader(CSV_SUFFIXES, with_html_rows(read_csv))
register_reader(PARQUET_SUFFIXES, with_html_rows(read_parquet))
register_reader(HTML_SUFFIXES, read_html_file)
register_reader(WARC_SUFFIXES, read_warc)
register_reader(FEED_SUFFIXES, read_feed)


def reader_for(path: Path) -> ReaderFn | None:
    name = path.name.lower()
    best, best_len = None, -1
    for suffixes, reader in _READERS:
        for suffix in suffixes:
            if name.endswith(suffix) and len(suffix) > best_len:
                best, best_len = reader, len(suffix)
    return best


@dataclass
class Ingested:
    """What ingest produced: documents, rejects and counts."""

    documents: pa.Table
    rejects: pa.Table
    read: int
    skipped_files: int = 0

    @property
    def used(self) -> int:
        return self.documents.num_rows


def shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by the OS as surrogate escapes) as backslash escapes.

    Such a name cannot be written to Arrow or JSON as it is; escaped, it stays
    one stable id per file ("bad\\xffname.txt") and the file is still read.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def _os_reason(err: OSError, what: str = "cannot read") -> str:
    if err.errno == errno.ENAMETOOLONG:
        return f"path too long for the system (PATH_MAX): {what.removeprefix('cannot ')} failed, not read"
    if err.errno == errno.ELOOP:
        return "symlink loop: the link leads back to itself"
    return f"{what}: {(err.strerror or str(err)).lower()}"


def _listing(folder: str) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _walk(target: Path) -> Iterator[tuple[Path, str] | Reject]:
    """(file, display name) pairs, names relative to a scanned folder, in sorted order; or Rejects.

    Every entry of a folder ends up here, yielded or rejected with its reason
    (a broken link, a symlink loop, an unreadable folder, a path over
    PATH_MAX, a fifo), so that nothing is passed over silently. Symlinked
    folders are followed; a link back to a folder on the way down is a loop,
    a link to a folder already read is not read twice. Depth-first with a
    stack of listings: a deep tree does not hit the recursion limit.
    Names starting with "." or "_" are not documents (sidecars, work folders).
    """
    if not target.is_dir():
        yield target, shown_name(str(target))
        return
    root = os.stat(target)
    read_as = {(root.st_dev, root.st_ino): "the scanned folder"}
    try:
        stack = [(iter(_listing(str(target))), "", ((root.st_dev, root.st_ino),))]
    except OSError as err:
        yield Reject(shown_name(str(target)), 0, _os_reason(err, "cannot read folder"))
        return
    while stack:
        entries, prefix, ancestors = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith((".", "_")):
            continue
        name = shown_name(prefix + entry.name)
        try:
            info = os.stat(entry.path)  # follows links
        except OSError as err:
            if err.errno == errno.ENOENT and entry.is_symlink():
                yield Reject(name, 0, "broken link: its target does not exist")
            else:
                yield Reject(name, 0, _os_reason(err))
            continue
        if stat.S_ISREG(info.st_mode):
            yield Path(entry.path), name
        elif not stat.S_ISDIR(info.st_mode):
            yield Reject(name, 0, "not a regular file or folder (a device, fifo or socket): not read")
        else:
            identity = (info.st_dev, info.st_ino)
            if identity in ancestors:
                yield Reject(name, 0, f"symlink loop: the link leads back to {_folder_name(read_as[identity])}")
            elif identity in read_as:
                yield Reject(name, 0, f"link to a folder already read as {_folder_name(read_as[identity])}: not read twice")
            else:
                read_as[identity] = name
                try:
                    listing = _listing(entry.path)
                except OSError as err:
                    yield Reject(name, 0, _os_reason(err, "cannot read folder"))
                    continue
                stack.append((iter(listing), prefix + entry.name + "/", ancestors + (identity,)))


def _folder_name(name: str) -> str:
    return name if name == "the scanned folder" else f"{name}/"


def input_listing(target: str | Path) -> list[list]:
    """[path, size, modification time] of every file a scan of `target` reads, its sidecars included, and
    [name, None, None] of every entry the walk rejects: what a resumed scan checks its inputs by."""
    target = Path(target)
    listing = []
    for found in [*_sidecars(target), *_walk(target)]:
        if isinstance(found, Reject):
            listing.append([found.file, None, None])
            continue
        path = found if isinstance(found, Path) else found[0]
        try:
            info = path.stat()
        except OSError:
            info = None
        listing.append([shown_name(str(path)), info and info.st_size, info and info.st_mtime_ns])
    return listing


def check_paths(paths: Iterable[str | Path]) -> None:
    """Raise `InputError` for the first path that does not exist or cannot be read."""
    for path in paths:
        _check_target(Path(path))


def _check_target(target: Path) -> None:
    """A path named by the user must exist and be readable: otherwise the run stops."""
    if not target.exists():
        kind = "broken link" if target.is_symlink() else "no such file or folder"
        raise InputError(f"{target}: {kind}")
    if not os.access(target, os.R_OK | (os.X_OK if target.is_dir() else 0)):
        raise InputError(f"{target}: permission denied")
    if not (target.is_file() or target.is_dir()):
        raise InputError(f"{target}: not a regular file or folder")


def _sidecars(target: Path) -> list[Path]:
    if target.is_dir():
        return [target / n for n in SIDECAR_NAMES if (target / n).is_file()]
    return []


def load_metadata(path: Path) -> dict[str, dict]:
    """Known facts keyed by document id, from a JSONL or CSV sidecar."""
    import csv

    facts: dict[str, dict] = {}
    opener = gzip.open if path.name.endswith(".gz") else open
    line = 0
    try:
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            if ".csv" in path.name.lower():
                rows = list(csv.DictReader(handle))
            else:
                rows = []
                for line, text in enumerate(handle, start=1):
                    if text.strip():
                        rows.append(json.loads(text))
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: line {line}: malformed JSON in metadata file: {err.msg}") from err
    except (OSError, EOFError, ValueError, csv.Error) as err:
        raise InputError(f"{path}: unreadable metadata file: {err}") from err
    for row in rows:
        if isinstance(row, dict) and row.get("id") not in (None, ""):
            facts[str(row["id"])] = {k: str(row[k]) for k in METADATA_PARTS if row.get(k) not in (None, "")}
    return facts


def _apply_metadata(item: Record | Reject | Rows, facts: dict[str, dict]) -> None:
    if isinstance(item, Rows):
        item.facts = facts or None  # applied by the collector to the records that have some
        return
    if isinstance(item, Record) and item.id in facts:
        for part, value in facts[item.id].items():
            if getattr(item, part) is None:
                setattr(item, part, str(value))


def known_facts(targets: Iterable[Path], metadata: str | Path | None = None) -> dict[str, dict]:
    """Facts keyed by document id from the targets' sidecars and `metadata`.

    Later files win, fact by fact: `--metadata` over sidecars.
    """
    sources = [s for t in targets for s in _sidecars(Path(t))]
    if metadata is not None:
        if not Path(metadata).is_file():
            raise InputError(f"{metadata}: no such metadata file")
        sources.append(Path(metadata))
    facts: dict[str, dict] = {}
    for source in sources:
        for doc_id, known in load_metadata(source).items():
            facts.setdefault(doc_id, {}).update(known)
    return facts


def iter_items(
    targets: Iterable[Path],
    fields: FieldMap,
    facts: dict[str, dict],
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
) -> Iterator[Record | Reject]:
    """Every input record under `targets`, in order, with known facts applied.

    Records are not validated yet (a `Collector` does that); files that
    cannot be read as documents come out as rejects, so nothing is skipped
    silently. For engines that collect documents in their own way.
    """
    for target in targets:
        for found in _walk(Path(target)):
            if isinstance(found, Reject):
                yield found
                continue
            path, name = found
            reader = reader_for(path)
            if reader is None:
                yield Reject(name, 0, f"unsupported file type {''.join(path.suffixes) or '(none)'}: not read")
                continue
            try:
                for item in reader(path, name, fields, max_doc_bytes):
                    _apply_metadata(item, facts)
                    yield item
            except OSError as err:
                # One unreadable file inside a folder does not stop the run.
                yield Reject(name, 0, _os_reason(err))
            except UNREADABLE as err:
                # A truncated or corrupt file: the records read before the damage stay, the rest is this reject.
                yield Reject(name, 0, f"unreadable from here on: {type(err).__name__}: {_first_line(err)}")


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else "no detail"


_ADVANCE_EVERY = 1024


def stream_documents(paths: Iterable[str | Path], fields: FieldMap | None = None, metadata: str | Path | None = None,
                     max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES, batch_bytes: int | None = None,
                     advance: Callable[[int], None] | None = None) -> Iterator[pa.Table]:
    """The ingest stage: every document under `paths` as DOCUMENT_SCHEMA tables of about `batch_bytes` of text
    (all in one table when None), in input order; the last table yielded is the rejects (REJECT_SCHEMA).

    Known facts are merged field by field (`known_facts`: `--metadata` over
    sidecars, a record's own fields over both). The same inputs always give
    the same tables, which is what lets a resumed scan skip finished shards.
    Raises `InputError` only for a path that cannot be read at all.
    """
    targets = [Path(p) for p in paths]
    check_paths(targets)
    facts = known_facts(targets, metadata)
    collector = Collector(max_doc_bytes=max_doc_bytes)
    told = 0
    for item in iter_items(targets, fields or FieldMap(), facts, max_doc_bytes):
        collector.add(item)
        if advance is not None and collector.read - told >= _ADVANCE_EVERY:
            advance(collector.read - told)
            told = collector.read
        if batch_bytes is not None and collector.held >= batch_bytes:
            yield from _cut(collector.take_documents(), batch_bytes)
    if advance is not None:
        advance(collector.read - told)
    if collector.used or batch_bytes is None:
        yield from _cut(collector.take_documents(), batch_bytes)
    yield collector.rejects_table()


def _cut(table: pa.Table, batch_bytes: int | None) -> Iterator[pa.Table]:
    """`table` in pieces of about `batch_bytes` of text (a block reader's block can hold several shards' worth)."""
    if batch_bytes is None or table.num_rows < 2:
        yield table
        return
    import numpy as np
    import pyarrow.compute as pc

    sizes = np.cumsum(pc.binary_length(table["text"]).to_numpy(zero_copy_only=False))
    if sizes[-1] < 2 * batch_bytes:
        yield table
        return
    # A piece ends at the first document that brings it to batch_bytes, as the collector cuts records.
    start = 0
    while start < table.num_rows:
        base = sizes[start - 1] if start else 0
        end = min(int(np.searchsorted(sizes, base + batch_bytes, side="left")) + 1, table.num_rows)
        yield table.slice(start, end - start)
        start = end


def read_inputs(
    paths: Iterable[str | Path],
    fields: FieldMap | None = None,
    metadata: str | Path | None = None,
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES,
    *,
    advance: Callable[[int], None] | None = None,
) -> Ingested:
    """Read every document under `paths` at once (`stream_documents` in one batch)."""
    *documents, rejects = stream_documents(paths, fields, metadata, max_doc_bytes, None, advance)
    skipped = sum(1 for reason in rejects["reason"].to_pylist() if reason.startswith("unsupported file type"))
    return Ingested(documents[0], rejects, documents[0].num_rows + rejects.num_rows, skipped)

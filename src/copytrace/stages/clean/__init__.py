"""The clean stage: from what was collected to the article text later stages compare.

Two steps, between ingest and fingerprinting:

1. extraction: a document whose `text` is still its `html` (HTML files, WARC
   records, raw-HTML columns) gets its page's main text, and the metadata the
   page states fills the fields the document lacks (always runs: HTML is not
   text);
2. chrome removal: lines that are page chrome are taken out of every
   document's text (can be turned off). Line-density features (menus,
   headline and tag lists) apply only to documents without HTML: where
   markup existed, the extractor (or the feed's item boundaries) already
   judged the structure, and lists inside articles must survive.

The output documents keep DOCUMENT_SCHEMA, with `text` the cleaned text
(what passages' offsets refer to), plus `author` and `site_name` (from the
page, where known), `fetched` (the WARC-Date of a crawled page; its `date`
is the publication date the page states, else that fetch date) and
`raw_text` (the text before chrome removal, only where lines were
removed). Removed lines are returned in a table with REMOVED_LINE_SCHEMA:
offsets into `raw_text`, and the reason. A document left with no text is
not kept: its lines are all in the removed table and it becomes a reject
with the reason; a page with no main text becomes a reject too.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.io.records import Reject
from copytrace.schemas import REMOVED_LINE_SCHEMA
from copytrace.settings import CleanSettings, ExtractSettings  # not from .extract: it imports trafilatura
from copytrace.outlets import Aliases, site_host
from copytrace.stages.clean.chrome import ChromeSettings, TemplateLookup, Templates, template_lines

__all__ = [
    "ChromeSettings", "CleanSettings", "Cleaned", "ExtractSettings", "Templates",
    "clean_batch", "clean_documents", "clean_ingested", "clean_stage", "learn_templates", "source_group",
]

ADDED_COLUMNS = (
    ("author", pa.string()),
    ("site_name", pa.string()),
    ("fetched", pa.string()),  # when a crawler fetched the page (WARC-Date), where known
    ("raw_text", pa.large_string()),
)
_FETCHED = re.compile(r"\bfetched (\S+?)[;)]")




@dataclass
class Cleaned:
    documents: pa.Table
    removed: pa.Table
    rejects: list[Reject]


_ORIGIN = re.compile(r"^(?P<file>.*?):(?P<record>\d+)(?: \((?P<note>.*)\))?$")


def _split_origin(origin: str | None) -> tuple[str, int, str | None]:
    match = _ORIGIN.match(origin or "")
    if not match:
        return origin or "", 0, None
    return match["file"], int(match["record"]), match["note"]


def _with_note(origin: str | None, note: str) -> str:
    file, record, old = _split_origin(origin)
    if not file:
        return note
    return f"{file}:{record} ({old}; {note})" if old else f"{file}:{record} ({note})"


def _reject(columns: dict, i: int, reason: str) -> Reject:
    file, record, _ = _split_origin(columns["origin"][i])
    return Reject(file, record, reason, columns["id"][i])


def _fill_from_page(columns: dict, i: int, page) -> None:
    """Page metadata fills what the document lacks; a crawler's fetch date yields to the page's date."""
    filled = []
    columns["text"][i] = page.text
    for name, value in (("title", page.title), ("url", page.url)):
        if value and not columns[name][i]:
            columns[name][i] = value
            filled.append(name)
    origin = columns["origin"][i] or ""
    if page.date and (not columns["date"][i] or "fetched " in origin):
        columns["date"][i] = page.date
        filled.append("date")
    if not columns["source"][i]:
        columns["source"][i] = site_host(columns["url"][i]) or page.site_name
        filled.append("source")
    columns["author"][i] = page.author
    columns["site_name"][i] = page.site_name
    if filled:
        columns["origin"][i] = _with_note(origin, "from the page: " + ", ".join(filled))


def _extract(columns: dict, pending: list[int], options: ExtractSettings, rejects: dict[int, Reject], progress) -> None:
    """Main text and metadata for the rows in `pending` (their text is still their html)."""
    if not pending:
        return
    from copytrace.stages.clean.extract import extract_pages, trafilatura

    if trafilatura is None:
        for i in pending:
            rejects[i] = _reject(columns, i, "HTML input needs trafilatura: pip install 'copytrace[web]'")
        return
    with progress.task("extract", total=len(pending)) as advance:
        pages = extract_pages([(columns["text"][i], columns["url"][i]) for i in pending], options)
        advance(len(pending))
    for i, page in zip(pending, pages):
        if page is None:
            rejects[i] = _reject(columns, i, "no main text found in the page (trafilatura)")
        elif isinstance(page, str):
            rejects[i] = _reject(columns, i, f"extraction failed: {page}")
        else:
            _fill_from_page(columns, i, page)


def source_group(source: str | None, url: str | None, aliases: Aliases | None = None) -> str | None:
    """The outlet whose template a page shares: its source field, else its url's site."""
    aliases = aliases or Aliases()
    return aliases.key(source) or aliases.key(url)


def learn_templates(documents, options: CleanSettings | None = None, aliases: Aliases | None = None,
                    share: tuple[int, int] | None = None, line_keys=None) -> Templates:
    """Per-source template lines over a table or an iterable of tables of (already extracted) documents.

    For cleaning a corpus batch by batch (shards): learn over all batches
    first (they are read one at a time; line counts per source accumulate),
    then clean each batch with `clean_batch(batch, templates)`: a source's
    template is then learned from all its pages, and the batches cleaned
    apart give what one in-memory `clean_stage` of the corpus gives. The
    result is plain JSON (source -> {line key: pages}), to store beside the shards.
    `share` = (part, parts): only the sources falling in that part of a split by
    source, so that workers can learn the templates of a corpus side by side.
    `line_keys(k, keys)`: told the key hashes of the lines of table k's counted rows
    (`templates.LineKeys`), for `clean_batch` to read back.
    """
    from copytrace.stages.clean.templates import TemplateCounter

    options = options or CleanSettings()
    counter = TemplateCounter(options.chrome.min_repeat)
    for k, table in enumerate([documents] if isinstance(documents, pa.Table) else documents):
        columns = table.select(["source", "url"]).to_pydict()
        groups = [source_group(s, u, aliases) for s, u in zip(columns["source"], columns["url"])]
        if share is not None:
            groups = [g if g is not None and zlib.crc32(g.encode()) % share[1] == share[0] else None for g in groups]
        keys = counter.add_batch(groups, table["text"])
        if line_keys is not None:
            line_keys(k, keys)
    return counter.templates()


def clean_batch(batch: pa.Table, templates: Templates, options: CleanSettings | None = None, progress=None,
                aliases: Aliases | None = None, line_keys=None) -> Cleaned:
    """Clean one batch of a corpus with templates learned over the whole corpus (`learn_templates`);
    `line_keys`: the key hashes of its lines learning worked out (`templates.LineKeys`), if at hand."""
    return clean_stage(batch, options, progress, templates=templates, aliases=aliases, line_keys=line_keys)


def _take_out(text: str, reasons: dict[int, str], doc_id, removed: dict) -> str:
    """`cleaned_text(split_lines(text), reasons)`, with each removed line added to `removed` (one text in
    Python; the stage takes lines out of a whole batch with the compiled `take_out.take_out`)."""
    kept: list[str] = []
    start = 0
    for number, piece in enumerate(text.split("\n"), 1):
        size = len(piece)
        line = piece[:-1] if piece.endswith("\r") else piece
        reason = reasons.get(number)
        if reason is not None:
            removed["id"].append(doc_id)
            removed["line"].append(number)
            removed["start"].append(start)
            removed["end"].append(start + len(line))
            removed["text"].append(line)
            removed["reason"].append(reason)
        elif not line or line.isspace():
            if kept and kept[-1] != "":
                kept.append("")
        else:
            kept.append(line.rstrip())
        start += size + 1
    while kept and kept[-1] == "":
        kept.pop()
    return "\n".join(kept)


def _flagged_lines(arrow_texts, live: list[int], groups: dict, templates: dict | None, line_keys=None):
    """One compiled pass (`scan.scan_lines`) over the live texts, for the lines a chrome rule could hold or
    their source's template could (`templates` None: no template look-ups): {row: (a, b)} for the rows with
    any such line, whose lines are [a, b) of the lists (0-based line index, first and end character, flag
    bits, the line's text) that follow; and the candidate bit. Only these lines are decoded, from the
    texts' UTF-8 bytes: a text is never made a Python string whole. `line_keys`: the lines' key hashes,
    read instead of worked out (`templates.LineKeys`)."""
    from copytrace.stages.clean.scan import CANDIDATE, scan_lines
    from copytrace.stages.clean.templates import _utf8, key_hashes, with_group

    rows = np.array(live, dtype=np.int64)
    if isinstance(arrow_texts, pa.ChunkedArray) and arrow_texts.num_chunks != 1:
        arrow_texts = arrow_texts.combine_chunks()  # once, for the scan and the lines' decoding
    ids: dict[str, int] = {}
    wanted = None
    gids = None
    if templates is not None:
        ids = {group: gid for gid, group in enumerate(g for g, lines in templates.items() if lines)}
        keys = [(ids[g], key) for g, lines in templates.items() if g in ids for key in lines]
        wanted = np.unique(with_group(key_hashes([k for _, k in keys]), np.array([g for g, _ in keys], dtype=np.int64)))
        gids = np.array([ids.get(groups[i], -1) for i in live], dtype=np.int64)
    row_pos, line, first, end, flags, byte_from, byte_to = scan_lines(
        arrow_texts, rows, gids, wanted, line_keys=line_keys if wanted is not None else None)
    cuts = np.searchsorted(row_pos, np.arange(len(rows) + 1)).tolist()
    line, first, end, flags = line.tolist(), first.tolist(), end.tolist(), flags.tolist()
    data = memoryview(_utf8(arrow_texts)[0])  # the bytes the scan read (a one-chunk array: not copied)
    pieces = [str(data[a:b], "utf-8") for a, b in zip(byte_from.tolist(), byte_to.tolist())]
    found = {}
    for k, i in enumerate(live):
        a, b = cuts[k], cuts[k + 1]
        if a == b:
            continue
        found[i] = (a, b)
    return found, line, first, end, flags, pieces, CANDIDATE


def _add_removed(removed: dict, ids, rows: list[int], at: list[int], reasons: list[dict], pieces: list[str],
                 first: list[int]) -> None:
    """The removed lines' rows (REMOVED_LINE_SCHEMA's columns) added to `removed`, in document then line order:
    line k of the flagged lines' lists (`pieces`, `first`) for each of `rows`, with `reasons` (per changed row,
    in the same order) giving the line numbers and reasons."""
    texts = [pieces[k] for k in at]
    texts = [t[:-1] if t.endswith("\r") else t for t in texts]  # the line as kept in `raw_text`, without its \r
    starts = [first[k] for k in at]
    removed["id"].extend([ids[i] for i in rows])
    removed["line"].extend([number for found in reasons for number in found])
    removed["start"].extend(starts)
    removed["end"].extend([s + len(t) for s, t in zip(starts, texts)])
    removed["text"].extend(texts)
    removed["reason"].extend([reason for found in reasons for reason in found.values()])


def _remove_chrome(columns: dict, options: ChromeSettings, aliases: Aliases, templates: dict | None,
                   rejects: dict[int, Reject], removed: dict, progress, arrow_texts=None, line_keys=None):
    """Chrome lines out of the live documents' texts (`arrow_texts`: the same texts in Arrow, if at hand):
    the texts after it as an Arrow large_string array (every row), and the rows it changed and kept."""
    from copytrace.stages.clean.take_out import take_out
    from copytrace.stages.clean.verdicts import SourceVerdicts, document_reasons

    n = len(columns["id"])
    live = [i for i in range(n) if i not in rejects]
    groups = {i: source_group(columns["source"][i], columns["url"][i], aliases) for i in live}
    if arrow_texts is None:
        arrow_texts = pa.array([t if i not in rejects else None for i, t in enumerate(columns["text"])], pa.large_string())
    if templates is None:
        texts = columns["text"] if "text" in columns else arrow_texts.to_pylist()
        templates = template_lines(((groups[i], texts[i]) for i in live), options.min_repeat) if options.repeated else {}
    lookups = {group: TemplateLookup(lines) for group, lines in templates.items() if lines}
    use_templates = bool(lookups) and options.repeated
    found, line, first, end, flags, pieces, _ = (
        _flagged_lines(arrow_texts, live, groups, templates if use_templates else None, line_keys) if live
        else ({}, [], [], [], [], [], 0))
    plain_options, marked_options = options, replace(options, density=False)
    verdicts: dict[tuple, SourceVerdicts] = {}  # by (source group, source, markup judged already)
    out_rows: list[int] = []  # each removed line's row, and its place in the flagged lines' lists
    out_at: list[int] = []
    changed: list[int] = []
    taken: list[list[int]] = []
    changed_reasons: list[dict] = []
    with progress.task("clean", total=len(live)) as advance:
        for i in live:
            where = found.get(i)
            if where is None:  # no line a rule or the template could hold
                advance(1)
                continue
            a, b = where
            numbers = line[a:b]
            group, source, marked = groups[i], columns["source"][i], bool(columns["has_html"][i])
            judged = verdicts.get((group, source, marked))
            if judged is None:
                # Markup was already judged (by the extractor, or a feed's own item boundaries):
                # line-density features are for text that lost its markup.
                judged = verdicts[(group, source, marked)] = SourceVerdicts(
                    lookups.get(group) if use_templates else None, source or group,
                    marked_options if marked else plain_options)
            reasons = document_reasons(zip(numbers, [p.strip() for p in pieces[a:b]], flags[a:b]), judged,
                                       columns["title"][i])
            advance(1)
            if not reasons:
                continue
            at = dict(zip(numbers, range(a, b)))
            out_rows.extend([i] * len(reasons))
            out_at.extend([at[number - 1] for number in reasons])
            changed.append(i)
            taken.append([number - 1 for number in reasons])
            changed_reasons.append(reasons)
    _add_removed(removed, columns["id"], out_rows, out_at, changed_reasons, pieces, first)
    texts, empty = take_out(arrow_texts, changed, taken)
    kept = []
    for i, reasons, nothing in zip(changed, changed_reasons, empty.tolist()):
        if nothing:
            counts = Counter(r.split(" (")[0].split(" on ")[0] for r in reasons.values())
            summary = ", ".join(f"{reason} {k}" for reason, k in counts.most_common())
            rejects[i] = _reject(columns, i, f"chrome removal left no text: all {len(reasons)} lines removed ({summary})")
        else:
            kept.append(i)
    return texts, arrow_texts, kept


def clean_stage(documents: pa.Table, options: CleanSettings | None = None, progress=None,
                templates: Templates | None = None, aliases: Aliases | None = None, line_keys=None) -> Cleaned:
    """Extract and clean `documents` (DOCUMENT_SCHEMA): cleaned documents, removed lines, rejects.

    `templates` (from `learn_templates`) replaces the templates learned from
    `documents` alone. `line_keys` (`templates.LineKeys` of these documents' texts, as `learn_templates`
    gives them): the template key hashes of their lines, not worked out again; for texts that need no
    extraction (the keys are of the texts as given).
    """
    from copytrace.progress import Progress

    options = options or CleanSettings()
    progress = progress or Progress()
    # The html column stays in Arrow: a page's text is its html until extracted, so it is read
    # once, as text, and the column is carried to the output as it is.
    html = documents.column("html")
    pending = [i for i, page in enumerate(pc.and_(html.is_valid(), pc.equal(documents.column("text"), html)).to_pylist())
               if page]
    # Without extraction the texts stay in Arrow: chrome removal decodes only the lines it asks about.
    columns = documents.drop_columns(["html"] if pending else ["html", "text"]).to_pydict()
    n = documents.num_rows
    columns["has_html"] = html.is_valid().to_pylist()
    for name, _ in ADDED_COLUMNS:
        columns.setdefault(name, [None] * n)
    rejects: dict[int, Reject] = {}
    removed: dict[str, list] = {name: [] for name in REMOVED_LINE_SCHEMA.names}
    for i, origin in enumerate(columns["origin"]):
        fetched = _FETCHED.search(origin or "")
        if fetched and not columns["fetched"][i]:
            columns["fetched"][i] = fetched.group(1)
    _extract(columns, pending, options.extract, rejects, progress)
    arrays = {}
    if options.chrome_removal:
        # Without extraction the texts are still the Arrow column's: the template scan reads them there.
        texts, before, changed = _remove_chrome(columns, options.chrome, aliases or Aliases(), templates, rejects, removed,
                                                progress, None if pending else documents.column("text"),
                                                None if pending else line_keys)
        # The cleaned texts come back in Arrow; the raw text is kept where lines were taken out.
        if isinstance(before, pa.ChunkedArray):
            before = before.combine_chunks()
        if before.null_count:
            texts = pc.if_else(before.is_null(), pa.scalar(None, texts.type), texts)
        mask = np.zeros(n, dtype=bool)
        mask[changed] = True
        arrays["text"] = texts
        arrays["raw_text"] = pc.if_else(pa.array(mask), before.cast(pa.large_string()),
                                        pa.array(columns["raw_text"], pa.large_string()))
    keep = [i for i in range(n) if i not in rejects]
    schema = documents.schema
    for name, kind in ADDED_COLUMNS:
        if name not in schema.names:
            schema = schema.append(pa.field(name, kind))
    rows = pa.array(keep, pa.int64())
    # Without extraction only `fetched` (and the added columns) changed in Python: the others are taken
    # from the input's Arrow columns, not rebuilt from Python values.
    as_given = set() if pending else set(documents.column_names) - {"fetched"}
    kept = {}
    for name in schema.names:
        if name == "html":
            kept[name] = html.take(rows)
        elif name in arrays:
            array = arrays[name] if len(keep) == n else arrays[name].take(rows)
            kept[name] = array.cast(schema.field(name).type)
        elif name in as_given:
            kept[name] = documents.column(name) if len(keep) == n else documents.column(name).take(rows)
        else:
            kept[name] = [columns[name][i] for i in keep]
    table = pa.table(kept, schema=schema)
    return Cleaned(table, pa.table(removed, schema=REMOVED_LINE_SCHEMA), [rejects[i] for i in sorted(rejects)])


def clean_documents(documents: pa.Table, options: CleanSettings | None = None) -> tuple[pa.Table, pa.Table]:
    """(cleaned documents, removed lines). Documents that end up empty are left out of the
    documents; their lines are in the removed table. `clean_stage` also returns them as rejects."""
    cleaned = clean_stage(documents, options)
    return cleaned.documents, cleaned.removed


def clean_ingested(ingested, options: CleanSettings | bool | None = True, progress=None,
                   aliases: Aliases | None = None):
    """The pipeline's clean step: (Ingested with cleaned documents and added rejects, removed lines).

    `options` may be a CleanSettings, or True/False for chrome removal on/off.
    """
    from copytrace.io.records import REJECT_SCHEMA

    if isinstance(options, bool) or options is None:
        options = CleanSettings(chrome_removal=options is not False)
    cleaned = clean_stage(ingested.documents, options, progress, aliases=aliases)
    rejects = ingested.rejects
    if cleaned.rejects:
        added = pa.Table.from_pylist([r.as_dict() for r in cleaned.rejects], schema=REJECT_SCHEMA)
        rejects = pa.concat_tables([rejects.cast(REJECT_SCHEMA), added])
    result = replace(ingested, documents=cleaned.documents, rejects=rejects)
    return result, cleaned.removed

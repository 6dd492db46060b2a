"""Main text and metadata from HTML pages, with trafilatura.

Readers of HTML, WARC and raw-HTML columns hand over a document whose `text`
is still its `html`; `extract_documents` replaces that text with the page's
main text (what every later stage and every passage offset refers to) and
fills the title, date, url, source, author and site name the page states
where the document does not already have them. What was filled from the page
is written into `origin`, so a reader of the output can tell a date the
crawler saw from a date the page claims.

Extraction runs in worker processes when there are enough pages to pay for
them: trafilatura is pure Python and about 20 to 40 ms a page.
"""

from __future__ import annotations

import codecs
import gc
import logging
import os
import re
from dataclasses import dataclass

import multiprocessing

from copytrace.parallel import watch_parent
from copytrace.settings import ExtractSettings

try:  # the `web` extra; without it HTML documents are rejected with the reason
    import trafilatura
except ImportError:  # pragma: no cover - exercised only without the extra
    trafilatura = None

# The extractors log a page they cannot read; copytrace reports it as a reject instead.
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

# Pages per process before a worker pool pays for itself.
POOL_MIN_PAGES = 24

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""",
    re.IGNORECASE,
)
# Browsers read these labels as windows-1252 (WHATWG Encoding Standard).
_WINDOWS_1252_LABELS = {"latin1", "latin_1", "iso8859_1", "iso-8859-1", "ascii", "us-ascii", "iso8859-1"}




@dataclass
class Page:
    """What extraction found on one page (None for what the page does not state)."""

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    site_name: str | None = None
    author: str | None = None


def _codec(label: str | bytes | None) -> str | None:
    """A Python codec name for a declared charset label, or None if unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes: (text, how) where `how` names the encoding and why it was chosen.

    Order: a byte-order mark; strict UTF-8 (legacy text is almost never
    valid UTF-8 by chance, and pages often declare latin-1 while sending
    UTF-8); the charset from the HTTP header (`declared`) or a <meta> tag;
    charset detection; windows-1252 with replacement as the last resort.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, "replace"), f"{name} (byte-order mark)"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(raw[:8192])
    in_page = (match.group(1) or match.group(2)) if match else None
    for label, why in ((declared, "declared by the server"), (in_page, "declared in the page")):
        codec = _codec(label)
        if codec and codec not in ("utf-8", "utf_8"):
            try:
                return raw.decode(codec), f"{codec} ({why})"
            except UnicodeDecodeError:
                continue
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # without the `web` extra: straight to the last resort
        from_bytes = None
    best = from_bytes(raw[: 1 << 20]).best() if from_bytes else None
    if best is not None and best.encoding:
        try:
            return raw.decode(best.encoding), f"{best.encoding} (detected)"
        except UnicodeDecodeError:
            pass
    return raw.decode("cp1252", "replace"), "cp1252 (fallback, undecodable bytes replaced)"


_BYLINE_ELEMENTS = (
    '(//*[@rel="author" or @itemprop="author" or contains(@class, "byline") or contains(@class, "Byline")'
    ' or contains(@class, "author") or contains(@id, "author")])[position() <= 6]'
)
_BYLINE_LEAD = re.compile(r"^(?:by|written by|posted by|von|par|por)\s*:?\s+", re.IGNORECASE)
_BYLINE_TAIL = re.compile(r"\s*[|,•·]\s*(?:updated|published|posted|\d).*$", re.IGNORECASE)


def _byline(tree) -> str | None:
    """An author named in the page body (rel=author, itemprop=author, byline classes).

    A cheap stand-in for trafilatura's byline search (one XPath instead of
    many: about 1 ms a page instead of 6), used where meta tags and JSON-LD
    name no author.
    """
    for element in tree.xpath(_BYLINE_ELEMENTS):
        if element.tag in ("meta", "link", "script", "style"):
            continue
        text = " ".join(" ".join(element.itertext()).split())
        text = _BYLINE_TAIL.sub("", _BYLINE_LEAD.sub("", text))
        if 3 <= len(text) <= 60 and " " in text and not re.search(r"[\d@()]|http", text):
            return text
    return None


# Bytes libxml2 cannot take (trafilatura strips them before parsing): C0 controls but tab, LF and CR.
_CONTROL_BYTES = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))


def _needs_scrub(data: bytes) -> bool:
    """Whether UTF-8 page bytes hold a control character or U+FFFE/U+FFFF (rare; one C pass to tell)."""
    return len(data.translate(None, _CONTROL_BYTES)) != len(data) or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data


def parse_page(html: str):
    """The page's lxml tree, as trafilatura's `load_html` builds it, or None for what is not HTML.

    The same repairs and parser, but libxml2 reads UTF-8 bytes (faster than a
    str) and the scan for invalid characters is one C pass over the bytes
    instead of a regex over the text: about 1.5 ms a page less.
    """
    from lxml.html import fromstring
    from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, HTML_PARSER, INVALID_XML_CHARS, load_html

    beginning = html[:50].lower()
    if "doctype" in beginning:  # libxml2 misreads an XHTML doctype (lxml bug 1955915): as trafilatura does
        first, newline, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first, count=1) + newline + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            html = FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    data = html.encode("utf-8", "surrogatepass")
    if _needs_scrub(data):
        data = INVALID_XML_CHARS.sub("", html).encode("utf-8", "surrogatepass")
    try:
        tree = fromstring(data, parser=HTML_PARSER)
    except Exception:  # whatever lxml refuses from bytes, trafilatura's own loader gets to try
        return load_html(html)
    if tree is None or len(tree) < 1:
        return load_html(html)
    if "html" not in beginning and len(tree) < 2:  # trafilatura's test for "not really HTML"
        return None
    return tree


def page_date(tree, url: str | None) -> str | None:
    """The publication date the page states (htmldate, original date first).

    htmldate's quick search first (meta tags, JSON-LD, URL, date elements,
    timestamps in the text); its extensive search (every element, free text,
    dateparser) only where that finds nothing. The extensive search alone
    costs about 3 ms a page, and its first use of dateparser loads locale
    data for 1 to 3 s in every fresh worker process; on the 181 benchmark
    pages the two orders give the same dates.
    """
    from trafilatura import metadata as steps

    params = steps.set_date_params(False)
    params["url"] = url
    found = steps.find_date(tree, **params)
    if found is None:
        params["extensive_search"] = True
        found = steps.find_date(tree, **params)
    return found


def _page_metadata(tree, url: str | None):
    """trafilatura's metadata steps that copytrace uses (title, author, url, date, site name).

    The same steps as `trafilatura.metadata.extract_metadata`, without
    categories, tags and licence (copytrace does not keep them; they cost
    about a tenth of the time of a page), and with a cheaper byline search.
    """
    from trafilatura import metadata as steps

    found = steps.examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None
    try:
        found = steps.extract_meta_json(tree, found)
    except Exception:  # trafilatura's own JSON-LD reader has failed on odd pages before; keep the meta tags
        pass
    found.title = found.title or steps.extract_title(tree)
    found.author = found.author or _byline(tree)
    found.url = found.url or steps.extract_url(tree, url)
    found.date = page_date(tree, found.url)
    found.sitename = (found.sitename or steps.extract_sitename(tree) or "").lstrip("@") or None
    if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
        found.sitename = found.sitename.title()
    found.clean_and_trim()
    return found


def extract_page(html: str, url: str | None = None, options: ExtractSettings = ExtractSettings()) -> Page | None:
    """Main text and metadata of one page; None when the page holds no main text."""
    if trafilatura is None:
        raise RuntimeError("reading HTML needs trafilatura: pip install 'copytrace[web]'")
    tree = parse_page(html)  # parsed once for metadata and main text
    if tree is None:
        return None
    meta = _page_metadata(tree, url)
    found = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=options.fast,
        include_comments=options.include_comments,
        include_tables=options.include_tables,
    )
    if found is None or not (found.text or "").strip():
        return None
    return Page(
        text=found.text.strip(),
        title=meta.title or None,
        date=meta.date or None,
        url=meta.url or None,
        site_name=meta.sitename or None,
        author=meta.author or None,
    )


def _extract_job(job: tuple[str, str | None, ExtractSettings]) -> Page | str | None:
    """One page in a worker: a Page, None (no main text) or the error as a string."""
    html, url, options = job
    try:
        return extract_page(html, url, options)
    except Exception as err:  # a page that breaks the extractor must not stop the run
        return f"{err.__class__.__name__}: {err}"


def _workers(options: ExtractSettings, n_pages: int) -> int:
    cores = os.cpu_count() or 1
    wanted = options.workers or cores
    return max(1, min(wanted, cores, n_pages // POOL_MIN_PAGES))


# The pages of the running `extract_pages` call. Forked workers inherit them and
# receive only page numbers: no page is pickled on its way to a worker.
_PENDING: list[tuple[str, str | None, ExtractSettings]] = []


def _extract_chunk(chunk: list[tuple[int, tuple | None]]) -> list[tuple[int, Page | str | None]]:
    """Pages of one chunk in a worker: each given whole, or by number into the inherited `_PENDING`."""
    return [(i, _extract_job(job if job is not None else _PENDING[i])) for i, job in chunk]


def page_chunks(sizes: list[int], workers: int) -> list[list[int]]:
    """Page numbers in chunks for the pool, largest pages first.

    Largest first, in chunks small enough (at least ~16 per worker) that the
    last ones are small pages: the workers then finish close together
    instead of one waiting on another's long tail.
    """
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    size = max(1, min(16, len(order) // (workers * 16)))
    return [order[k:k + size] for k in range(0, len(order), size)]


def extract_pages(jobs: list[tuple[str, str | None]], options: ExtractSettings = ExtractSettings()) -> list[Page | str | None]:
    """Extract many pages, in order; in worker processes when there are enough of them."""
    global _PENDING
    work = [(html, url, options) for html, url in jobs]
    workers = _workers(options, len(work))
    if workers == 1:
        return [_extract_job(job) for job in work]
    forking = "fork" in multiprocessing.get_all_start_methods()
    # fork shares the imported extractor and the pages; spawn would import it again and pickle every page
    context = multiprocessing.get_context("fork" if forking else None)
    chunks = [[(i, None if forking else work[i]) for i in chunk]
              for chunk in page_chunks([len(html or "") for html, _ in jobs], workers)]
    results: list[Page | str | None] = [None] * len(work)
    _PENDING = work
    gc.freeze()  # a worker's collector then leaves the inherited objects alone (no copy-on-write of their memory)
    try:
        with context.Pool(workers, initializer=watch_parent, initargs=(os.getpid(),)) as pool:  # die with this process
            for done in pool.imap_unordered(_extract_chunk, chunks):
                for i, page in done:
                    results[i] = page
    finally:
        gc.unfreeze()
        _PENDING = []
    return results


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main ol p pre section table td th tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_WHITESPACE = re.compile(r"\s+")


def fragment_text(fragment: str) -> str:
    """All the text of an HTML fragment (a feed item's body), one line per block.

    Unlike page extraction nothing is judged boilerplate here: a feed item
    is the article, and its footer ("The post ... appeared first on X.") is
    credit evidence that must survive.
    """
    from lxml import etree
    from lxml import html as lxml_html

    if not fragment or not fragment.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return fragment.strip()
    pieces: list[str] = []
    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _SKIP_TAGS:
                skipping += 1
            elif not skipping:
                if tag in _BLOCK_TAGS:
                    pieces.append("\n")
                if element.text and tag:
                    pieces.append(_WHITESPACE.sub(" ", element.text))
            continue
        if tag in _SKIP_TAGS:
            skipping -= 1
        elif not skipping and tag in _BLOCK_TAGS:
            pieces.append("\n")
        if element.tail and not skipping and element is not root:
            pieces.append(_WHITESPACE.sub(" ", element.tail))
    lines = (line.strip() for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)

"""Documents under construction: real article text, republished with the noise real copies carry.

A `Draft` is a document before it is laid out: its content blocks (body
paragraphs, sub-headings, framing), its credit lines, its title, date and
outlet. `republish`, `recapture`, `embed_section` and `embed_quote` make new
drafts from old ones; `assemble` lays a draft out as the page text a scraper
would give, chrome included, keeping every character's origin.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from copytrace.evaluation.marked import Marked, join
from copytrace.evaluation.outlets import Outlet, chrome_footer, chrome_header, credit_line, format_date, junk_date

CONTENT_KINDS = ("body", "subhead", "framing")
LOWERABLE = {"The", "A", "An", "In", "On", "At", "It", "This", "That", "These", "Those", "When", "After", "For"}


class Authors:
    """Origin keys and authored-offset counters, one per document."""

    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.used: list[int] = []

    def write(self, doc_id: str, text: str) -> Marked:
        key = self.keys.setdefault(doc_id, len(self.keys))
        if key == len(self.used):
            self.used.append(0)
        start = self.used[key]
        self.used[key] += len(text)
        return Marked.authored(text, key, start)


class SentencePool:
    """Real sentences no document carries otherwise: the copiers' own framing and headlines."""

    def __init__(self, paragraphs: list[str]) -> None:
        self.sentences = [s.text for p in paragraphs for s in Marked.plain(p).sentences() if 40 <= len(s) <= 320]
        self.next = 0

    def take(self, n: int) -> list[str]:
        """Up to n sentences, never one already given: shared framing would be copying the gold misses."""
        out = self.sentences[self.next:self.next + n]
        self.next += len(out)
        return out


@dataclass
class Draft:
    id: str
    outlet: Outlet
    role: str  # original | copy | capture | negative | host
    family: int
    article: int  # index of the input article its own text comes from (-1 if none)
    title: Marked
    blocks: list[tuple[str, Marked]]
    moment: datetime
    date_text: str | None
    date_kind: str  # ok | missing | junk | early
    url: str
    glued: bool = False
    chrome: bool = True
    caption: str | None = None
    lead: tuple[str, str] | None = None  # a credit lead-in to the first paragraph: (form, name)
    noise: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    text: str = ""
    key: np.ndarray | None = None
    off: np.ndarray | None = None

    def content(self) -> list[tuple[str, Marked]]:
        return [(k, m) for k, m in self.blocks if k in CONTENT_KINDS]


def is_subhead(paragraph: str) -> bool:
    words = paragraph.split()
    return 2 <= len(words) <= 12 and len(paragraph) < 90 and paragraph.rstrip()[-1:] not in ".!?:;,\"\u201d'\u2019"


def tags_of(paragraphs: list[str], rng: random.Random) -> list[str]:
    """A page's tag line: a few of its capitalised words, as a CMS would list them."""
    words = re.findall(r"(?<=[a-z,;] )[A-Z][a-z]{3,}", " ".join(paragraphs))
    distinct = sorted(set(words), key=lambda w: (-words.count(w), w))
    return distinct[: rng.randint(2, 5)]


def slug(title: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower())[:9]) or "story"


def date_text(rng: random.Random, draft_moment: datetime, outlet: Outlet, rates: tuple[float, float, float]) -> tuple[str | None, str]:
    """The date as a scraper reports it: missing, junk or slipped earlier at the given rates."""
    missing, junk, early = rates
    roll = rng.random()
    if roll < missing:
        return None, "missing"
    if roll < missing + junk:
        return junk_date(rng, draft_moment), "junk"
    if roll < missing + junk + early:
        # a time-zone slip: the copy claims an hour a few hours before it was posted
        return format_date(draft_moment - timedelta(hours=rng.randint(5, 11)), outlet.date_format), "early"
    return format_date(draft_moment, outlet.date_format), "ok"


def original(ids, authors: Authors, rng: random.Random, outlet: Outlet, family: int, article: int,
             title: str, paragraphs: list[str], moment: datetime, rates) -> Draft:
    """A first publication of real article text."""
    doc_id = ids()
    marked_title = authors.write(doc_id, title)
    blocks = []
    for p in paragraphs:
        kind = "subhead" if is_subhead(p) else "body"
        text = authors.write(doc_id, p)
        blocks.append((kind, text.curled() if outlet.curly else text))
    shown, kind = date_text(rng, moment, outlet, rates)
    return Draft(doc_id, outlet, "original", family, article, marked_title, blocks, moment, shown, kind,
                 page_url(rng, outlet, title), tags=tags_of(paragraphs, rng))


def page_url(rng: random.Random, outlet: Outlet, title: str) -> str:
    section = rng.choice(outlet.sections).lower()
    return f"https://www.{outlet.domain}/{section}/{slug(title)}-{rng.randint(100000, 999999)}"


def quote_style(marked: Marked, outlet: Outlet) -> Marked:
    return marked.curled() if outlet.curly else marked.straightened()


def drop_sentence(rng: random.Random, blocks: list[tuple[str, Marked]]) -> bool:
    """Drop one sentence of a multi-sentence body paragraph (the kind of cut copy editors make)."""
    choices = [i for i, (k, m) in enumerate(blocks) if k == "body" and len(m.sentences()) >= 3]
    if not choices:
        return False
    i = rng.choice(choices)
    sentences = blocks[i][1].sentences()
    droppable = [k for k in range(1, len(sentences)) if len(sentences[k]) >= 40] or list(range(1, len(sentences)))
    del sentences[rng.choice(droppable)]
    blocks[i] = ("body", join(sentences, " "))
    return True


def cut_sections(rng: random.Random, blocks: list[tuple[str, Marked]]) -> list[tuple[str, Marked]]:
    """Keep a part: a leading share (a truncated copy) or the whole less one or two dropped sections."""
    n = len(blocks)
    if n < 3:
        sentences = [s for _, m in blocks for s in m.sentences()]
        keep = max(1, int(len(sentences) * rng.uniform(0.35, 0.7)))
        return [("body", join(sentences[:keep], " "))]
    if rng.random() < 0.5:
        total = sum(len(m) for _, m in blocks)
        target, acc, cut = total * rng.uniform(0.35, 0.7), 0, 0
        while cut < n - 1 and acc < target:
            acc += len(blocks[cut][1])
            cut += 1
        return blocks[:max(cut, 1)]
    kept = list(blocks)
    for _ in range(rng.randint(1, 2)):
        if len(kept) < 4:
            break
        start = rng.randrange(1, len(kept) - 1)
        del kept[start:start + rng.randint(1, max(1, len(kept) // 4))]
    return kept


def lead_in(form: str, name: str, block: Marked) -> Marked:
    """Put 'According to X, ' or '(X) - ' before a paragraph, re-casing its first word as a writer would."""
    words = block.text.split(" ", 1)
    if form == "according_to" and words[0] in LOWERABLE:
        block = Marked(block.text[0].lower() + block.text[1:], block.key, block.off).unmark(0, 1)
    return credit_line(form, name) + block


def assemble(draft: Draft, rng: random.Random, sep_override: str | None = None) -> None:
    """Lay the draft out as page text: chrome, title, content, credit lines, footer; keep origins."""
    outlet = draft.outlet
    sep = sep_override or outlet.sep
    parts: list[tuple[str, Marked]] = []
    if draft.caption:
        parts.append(("chrome", Marked.plain(draft.caption)))
    if draft.chrome:
        parts += [("chrome", Marked.plain(line)) for line in chrome_header(outlet, draft.date_text)]
    if outlet.title_in_text and draft.chrome:
        parts.append(("title", draft.title))
    blocks = list(draft.blocks)
    if draft.lead:
        first = next((i for i, (k, _) in enumerate(blocks) if k == "body"), None)
        if first is not None:
            blocks[first] = ("body", lead_in(draft.lead[0], draft.lead[1], blocks[first][1]))
    parts += blocks
    if outlet.feed_footer and draft.role in ("copy", "host"):
        parts.append(("footer", Marked.plain(f"The post {draft.title.text} appeared first on {outlet.name}.")))
    if draft.chrome:
        year = draft.moment.year
        parts += [("chrome", Marked.plain(line)) for line in chrome_footer(rng, outlet, draft.tags, year)]
    out = Marked.plain("")
    for i, (kind, marked) in enumerate(parts):
        if i:
            previous = parts[i - 1][0]
            if draft.glued and kind in ("body", "framing") and previous in ("body", "framing"):
                glue = ""  # a re-scrape that lost paragraph breaks: "said.The Kremlin"
            elif kind == "chrome" and previous == "chrome":
                glue = "\n"
            else:
                glue = sep
            out = out + glue
        out = out + marked
    draft.text, draft.key, draft.off = out.text, out.key, out.off

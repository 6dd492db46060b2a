"""`copytrace bench make`: a labelled republication corpus built from real article text.

Story families are made the ways news is really republished: a single
copy, several outlets copying one original, chains (A to B to C), a wire
story picked up by many outlets, a second capture of the same page by
another scraper; plus sections and quotes reused inside other articles,
and unrelated articles as negatives. Each input article is used once (long
ones are cut into several distinct pieces), so any text two documents share
is copied text, and the gold says exactly which characters.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from copytrace.evaluation.drafts import (
    Authors,
    Draft,
    SentencePool,
    assemble,
    cut_sections,
    date_text,
    drop_sentence,
    original,
    page_url,
    quote_style,
)
from copytrace.evaluation.marked import Marked, join
from copytrace.evaluation.outlets import WIRE_FORM, Outlet, credit_line, lag, make_outlets

_GROUND_TRUTH = "shared/data/article-extraction-benchmark/ground-truth.json"
# next to the repository (a source checkout), else next to the working directory (an installed copy)
DEFAULT_INPUT = next((p for p in (Path(__file__).resolve().parents[3].parent / _GROUND_TRUTH,
                                  Path.cwd().resolve().parent / _GROUND_TRUTH) if p.exists()),
                     # else the 60 articles of that benchmark shipped in the package (MIT, see its LICENSE)
                     Path(__file__).resolve().parents[1] / "data" / "sample_articles.jsonl.gz")
PLAN_WEIGHTS = {"single": 0.3, "multi": 0.25, "chain": 0.2, "wire": 0.25}
DATE_RATES = (0.12, 0.06, 0.03)  # missing, junk, slipped earlier (a copy only)
TEXT_FIELDS = ("text", "articleBody", "body", "content", "article")


class CorpusError(ValueError):
    """The input cannot give a corpus (absent, unreadable, too few articles)."""


@dataclass
class Atom:
    article: int
    url: str | None
    paragraphs: list[str]
    title: str


@dataclass
class Edge:
    source: str
    copy: str
    kind: str  # full | partial | section | quote | capture | chain (generator intent)
    credit: bool = False
    credited: str | None = None  # the name as written in the credit
    credited_outlet: str | None = None  # the credited outlet's name
    credited_domain: str | None = None
    credit_text: str | None = None
    noise: list[str] = field(default_factory=list)


def load_articles(path: Path | None) -> list[tuple[str | None, str]]:
    """(url, text) of each article: a ground-truth.json map, or JSONL with a text field."""
    path = Path(path) if path else DEFAULT_INPUT
    if not path.exists():
        raise CorpusError(f"{path}: no such file (give --input with a JSONL of article texts)")
    articles: list[tuple[str | None, str]] = []
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = list(data.values()) if isinstance(data, dict) else data
    else:
        rows = []
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as err:
                        raise CorpusError(f"{path}: record {number} is not JSON ({err.msg})") from None
    for row in rows:
        text = next((row[f] for f in TEXT_FIELDS if isinstance(row, dict) and isinstance(row.get(f), str)), None)
        if text and text.strip():
            articles.append((row.get("url"), text))
    if not articles:
        raise CorpusError(f"{path}: no article text found (fields tried: {', '.join(TEXT_FIELDS)})")
    return articles


def make_atoms(articles: list[tuple[str | None, str]], rng: random.Random) -> list[Atom]:
    """Cut articles into pieces of 1,000 to 2,200 characters at paragraph breaks; drop very short ones."""
    atoms = []
    for index, (url, text) in enumerate(articles):
        paragraphs = [p.strip() for p in re.split(r"\n+", text) if p.strip()]
        chunks, current = [], []
        target = rng.randint(1000, 2200)
        for p in paragraphs:
            current.append(p)
            if sum(map(len, current)) >= target:
                chunks.append(current)
                current, target = [], rng.randint(1000, 2200)
        if current:
            if chunks and sum(map(len, current)) < 600:
                chunks[-1] += current
            else:
                chunks.append(current)
        for k, chunk in enumerate(chunks):
            if sum(map(len, chunk)) >= 400:
                atoms.append(Atom(index, url, chunk, title_for(url if k == 0 else None, chunk)))
    return distinct(atoms)


def distinct(atoms: list[Atom]) -> list[Atom]:
    """Keep only pieces that share no text with each other nor repeat their own lines.

    Real inputs repeat themselves (a meal plan listing the same lines, two
    pieces of one article quoting one sentence): such text would be shared
    without being copied, and the gold could not say so.
    """
    seen: set[str] = set()
    kept = []
    for atom in atoms:
        words = re.findall(r"\w+", " ".join(atom.paragraphs).lower())
        shingles = [" ".join(words[i:i + 5]) for i in range(len(words) - 4)]
        unique = set(shingles)
        if len(shingles) - len(unique) > 0.02 * len(shingles) or len(unique & seen) >= 2:
            continue
        kept.append(atom)
        seen |= unique
    return kept


HEADLINES = ("{a}: {b} under scrutiny", "What {a} means for {b}", "{a} and {b} in focus", "Inside the {a} {b} story",
             "{a} faces questions over {b}", "Why {a} matters now", "{a}, {b} and what comes next")


def title_for(url: str | None, paragraphs: list[str]) -> str:
    """A headline: from the url slug when it has words, else from the piece's names.

    Never the lead's first words: a headline that repeats the lead would be
    text shared inside one page, which no gold can pair unambiguously.
    """
    if url:
        words = [w for w in re.split(r"[-_/]", url.rstrip("/").rsplit("/", 1)[-1].split(".")[0]) if w.isalpha()]
        if len(words) >= 4:
            return " ".join(words[:14]).capitalize()
    text = " ".join(paragraphs)
    names = re.findall(r"(?<=[a-z,;] )[A-Z][a-z]{3,}", text) or sorted(set(re.findall(r"[a-z]{7,}", text)))
    counts = Counter(names)
    ranked = sorted(counts, key=lambda w: (-counts[w], w)) or ["News"]
    a, b = ranked[0], (ranked[1] if len(ranked) > 1 else "the week")
    return HEADLINES[len(text) % len(HEADLINES)].format(a=a, b=b)


class Builder:
    """Makes the drafts and the generator's edges (who copied whom, how, with what credit)."""

    def __init__(self, rng: random.Random, pool: SentencePool, outlets: list[Outlet]):
        self.rng, self.pool, self.outlets = rng, pool, outlets
        self.authors = Authors()
        self.drafts: list[Draft] = []
        self.edges: list[Edge] = []
        self.seen_ids: set[str] = set()

    def new_id(self) -> str:
        while True:
            doc_id = f"{self.rng.getrandbits(48):012x}"
            if doc_id not in self.seen_ids:
                self.seen_ids.add(doc_id)
                return doc_id

    def outlets_of(self, *roles: str) -> list[Outlet]:
        return [o for o in self.outlets if o.role in roles]

    def publish(self, atom: Atom, outlet: Outlet, family: int, role: str = "original") -> Draft:
        moment = datetime(2019, 1, 1) + timedelta(minutes=self.rng.randint(0, 5 * 365 * 24 * 60))
        draft = original(self.new_id, self.authors, self.rng, outlet, family, atom.article, atom.title,
                         atom.paragraphs, moment, DATE_RATES[:2] + (0.0,))
        draft.role = role
        self.drafts.append(draft)
        return draft

    def copy_date(self, draft: Draft, source: Draft) -> None:
        draft.moment = source.moment + lag(self.rng)
        draft.date_text, draft.date_kind = date_text(self.rng, draft.moment, draft.outlet, DATE_RATES)
        if draft.date_kind != "ok":
            draft.noise.append(f"date_{draft.date_kind}")

    def credit(self, copier: Outlet, source: Draft, edge: Edge, rate: float | None = None) -> str | None:
        """Decide the credit: None, or the form it takes; fills the edge's credit fields."""
        if self.rng.random() >= (copier.credit_rate if rate is None else rate):
            return None
        if source.outlet.role == "wire" and self.rng.random() < 0.4:
            form = WIRE_FORM
        else:
            form = self.rng.choice(copier.credit_forms)
        name = source.outlet.name if self.rng.random() < 0.7 else source.outlet.domain
        edge.credit, edge.credited = True, name
        edge.credited_outlet, edge.credited_domain = source.outlet.name, source.outlet.domain
        edge.credit_text = credit_line(form, name).strip(" ,\u2014")
        edge.noise.append(f"credit_{form}")
        return form

    def framing(self, doc_id: str, n: int) -> Marked | None:
        sentences = self.pool.take(n)
        return self.authors.write(doc_id, " ".join(sentences)) if sentences else None

    def republish(self, source: Draft, outlet: Outlet, kind: str, credit_rate: float | None = None) -> Draft:
        """A copy of `source` by `outlet`: full or partial, with the noise real copies carry."""
        rng = self.rng
        doc_id = self.new_id()
        edge = Edge(source.id, doc_id, kind)
        body = [(k, quote_style(m, outlet)) for k, m in source.content()]
        if kind == "partial":
            body = cut_sections(rng, body)
        if rng.random() < 0.2 and drop_sentence(rng, body):
            edge.noise.append("sentence_dropped")
        headline = self.pool.take(1) if rng.random() < 0.45 else []
        if headline:
            title = self.authors.write(doc_id, " ".join(headline[0].split()[:11]).rstrip(".,;:"))
            edge.noise.append("new_headline")
        else:
            title = quote_style(source.title, outlet)
        commentary = self.framing(doc_id, rng.randint(1, 2)) if rng.random() < 0.15 and len(body) >= 2 else None
        if commentary:
            body.insert(rng.randrange(1, len(body)), ("framing", commentary))
            edge.noise.append("commentary_inserted")
        blocks = list(body)
        framing = self.framing(doc_id, rng.randint(1, 3)) if rng.random() < 0.45 else None
        if framing:
            blocks.insert(0, ("framing", framing))
            edge.noise.append("framing_added")
        form = self.credit(outlet, source, edge, credit_rate)
        # a lead-in to the first paragraph is laid out by `assemble`, so that a later copy does not carry it
        lead = form in ("according_to", "dateline") and any(k == "body" for k, _ in blocks)
        if form and not lead:
            where = rng.random()
            position = len(blocks) if where < 0.6 else (0 if where < 0.8 else rng.randint(0, len(blocks)))
            blocks.insert(position, ("credit", Marked.plain(credit_line(form, edge.credited).strip(" ,"))))
        draft = Draft(doc_id, outlet, "copy", source.family, -1, title, blocks, source.moment, None, "ok",
                      page_url(rng, outlet, title.text), tags=list(source.tags))
        if lead:
            draft.lead = (form, edge.credited)
        self.copy_date(draft, source)
        if rng.random() < 0.1:
            draft.glued = True
            edge.noise.append("glued_sentences")
        if outlet.curly != source.outlet.curly:
            edge.noise.append("quote_style")
        edge.noise += draft.noise
        draft.noise = edge.noise
        self.drafts.append(draft)
        self.edges.append(edge)
        return draft

    def recapture(self, page: Draft) -> Draft:
        """The same page captured by another scraper: no chrome, glued paragraphs, sub-headings on top."""
        rng = self.rng
        blocks = list(page.blocks)
        noise = ["recapture"]
        subheads = [b for b in blocks if b[0] == "subhead"]
        if subheads and rng.random() < 0.8:
            blocks = subheads + [b for b in blocks if b[0] != "subhead"]
            noise.append("subheads_moved")
        if rng.random() < 0.6 and drop_sentence(rng, blocks):
            noise.append("sentence_dropped")
        draft = Draft(self.new_id(), page.outlet, "capture", page.family, page.article, page.title, blocks,
                      page.moment, None, "ok", page.url, glued=rng.random() < 0.8, chrome=False)
        if draft.glued:
            noise.append("glued_sentences")
        draft.caption = f" date {page.moment:%Y-%m} \u00a9 {rng.choice(['AFP', 'AP Photo', 'Reuters', 'EPA'])} {page.moment:%Y}/ {rng.choice(['ANDREJ ISAKOVIC', 'JOHN MACDOUGALL', 'SERGEI SUPINSKY', 'ODD ANDERSEN'])}" if rng.random() < 0.5 else None
        draft.date_text, draft.date_kind = date_text(rng, page.moment, page.outlet, (0.3, 0.4, 0.0))
        draft.noise = noise + ([f"date_{draft.date_kind}"] if draft.date_kind != "ok" else [])
        self.drafts.append(draft)
        self.edges.append(Edge(page.id, draft.id, "capture", noise=draft.noise))
        return draft

    def embed(self, source: Draft, host_atom: Atom, outlet: Outlet, kind: str) -> Draft:
        """A distinct article that reuses a section (300+ characters) or quotes a sentence or two of `source`."""
        rng = self.rng
        host = self.publish(host_atom, outlet, family=-1, role="host")
        self.drafts.pop()  # re-added below, once it carries the reused text
        edge = Edge(source.id, host.id, kind)
        content = [(k, quote_style(m, outlet)) for k, m in source.content() if k != "subhead"]
        if kind == "section":
            start = rng.randrange(len(content))
            taken, end = [], start
            while end < len(content) and sum(len(m) for _, m in taken) < 300:
                taken.append(content[end])
                end += 1
            if sum(len(m) for _, m in taken) < 300:
                return self._as_negative(host)
            inserted = taken
        else:
            sentences = [s for _, m in content for s in m.sentences() if 50 <= len(s) <= 260]
            if not sentences:
                return self._as_negative(host)
            first = rng.randrange(len(sentences))
            quoted = sentences[first:first + rng.randint(1, 2)]
            inserted = [("body", "\u201c" + join(quoted, " ") + "\u201d")]
        form = self.credit(outlet, source, edge, 0.5)
        if form:
            lead = {"reports": f"As {edge.credited} reports:", "dateline": f"{edge.credited} reported:",
                    "according_to": f"According to {edge.credited}:"}.get(form, f"As {edge.credited} put it:")
            edge.credit_text = lead
            inserted = [("credit", Marked.plain(lead))] + inserted
        at = rng.randint(1, max(1, len(host.blocks) - 1))
        host.blocks[at:at] = inserted
        host.moment = source.moment + lag(rng) + timedelta(days=rng.uniform(0, 20))
        host.date_text, host.date_kind = date_text(rng, host.moment, outlet, DATE_RATES)
        edge.noise.append(f"embedded_{kind}")
        host.noise = edge.noise
        self.drafts.append(host)
        self.edges.append(edge)
        return host

    def _as_negative(self, host: Draft) -> Draft:
        """The source had nothing fit to reuse: the host is published as a plain unrelated article."""
        host.role = "negative"
        self.drafts.append(host)
        return host


@dataclass
class Corpus:
    drafts: list[Draft]  # in output order
    edges: list[Edge]
    outlets: list[Outlet]
    plans: dict[int, str]  # story family number -> plan
    notes: list[str]


def allocate(n_atoms: int, wanted: int) -> dict[str, int]:
    """How many atoms each use takes; fewer families when the input is short."""
    families = wanted
    while families > 1:
        counts = {"families": families, "sections": round(0.15 * families), "quotes": round(0.12 * families),
                  "negatives": round(0.2 * families), "framing": max(2, round(0.45 * families))}
        if sum(counts.values()) <= n_atoms:
            return counts
        families -= 1
    raise CorpusError(f"the input gives only {n_atoms} usable article pieces: too few for a corpus")


def build_corpus(articles: list[tuple[str | None, str]], seed: int = 7, families: int = 175) -> Corpus:
    rng = random.Random(seed)
    atoms = make_atoms(articles, rng)
    rng.shuffle(atoms)
    counts = allocate(len(atoms), families)
    notes = []
    if counts["families"] < families:
        notes.append(f"{len(articles)} input articles give {len(atoms)} pieces: {counts['families']} story families "
                     f"instead of {families}")
    take = iter(atoms)
    framing_atoms = [next(take) for _ in range(counts["framing"])]
    pool = SentencePool([p for a in framing_atoms for p in a.paragraphs])
    builder = Builder(rng, pool, make_outlets(rng, n_originators=8, n_republishers=22))
    plans = {}
    for family in range(counts["families"]):
        plan = rng.choices(list(PLAN_WEIGHTS), weights=list(PLAN_WEIGHTS.values()))[0]
        plans[family] = plan
        build_family(builder, family, next(take), plan)
    published = [d for d in builder.drafts if d.role != "capture"]
    for kind in ("section", "quote"):
        for _ in range(counts[kind + "s"]):
            source = rng.choice(published)
            outlet = rng.choice([o for o in builder.outlets if o is not source.outlet and o.role != "wire"])
            builder.embed(source, next(take), outlet, kind)
    for _ in range(counts["negatives"]):
        builder.publish(next(take), rng.choice(builder.outlets), family=-1, role="negative")
    for draft in builder.drafts:
        assemble(draft, rng)
    drafts = list(builder.drafts)
    rng.shuffle(drafts)  # input order must not give the original away
    return Corpus(drafts, builder.edges, builder.outlets, plans, notes)


def build_family(builder: Builder, family: int, atom: Atom, plan: str) -> None:
    rng = builder.rng
    if plan == "wire":
        root_outlet = rng.choice(builder.outlets_of("wire"))
    else:
        root_outlet = rng.choice(builder.outlets_of("originator") * 3 + builder.outlets_of("republisher"))
    root = builder.publish(atom, root_outlet, family)
    copiers = [o for o in builder.outlets_of("originator", "republisher") if o is not root_outlet]
    rng.shuffle(copiers)

    def kind() -> str:
        return "full" if rng.random() < 0.55 else "partial"

    if rng.random() < 0.15:
        builder.recapture(root)
    if plan == "single":
        builder.republish(root, copiers[0], kind())
    elif plan == "multi":
        for outlet in copiers[: rng.randint(2, 4)]:
            builder.republish(root, outlet, kind())
    elif plan == "chain":
        links = rng.choice([2, 2, 3])
        source = root
        for depth, outlet in enumerate(copiers[:links]):
            source = builder.republish(source, outlet, kind() if depth == 0 else "full")
            source.noise.append("chain")
    else:
        for outlet in copiers[: rng.randint(3, 8)]:
            builder.republish(root, outlet, kind(), credit_rate=0.7)

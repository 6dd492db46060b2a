"""A labelled newsroom corpus: wire stories and the papers' stories written from them, from real news text.

Journalists sort a story against the agency copy it came from in three
classes (the METER corpus of Press Association copy and UK papers):
wholly derived, partially derived, and not derived. This generator builds
each from real English news (NTREX-128's 123 documents, `../shared/data/ntrex/`):

- a *wire story*: a real article, one sentence a paragraph, in an agency's
  conventions: a dateline ("LONDON, Dec 4 (Reuters) -", "MOSCOW, December 4.
  /TASS/."), and some of a byline ("By Staff, PA News"), a slug or catchline,
  an embargo line, an end mark ("ends", "-30-", "(Reporting by ...)");
  it holds at least two quotations (a sentence is turned into one if needed);
- *wholly derived*: a republication (marks stripped, cut from the bottom, a
  few words edited, sometimes a lead of the paper's own or a credit "- PA")
  or a brief (the wire's first sentence or two, 20 to 55 words, sometimes
  one sentence of its own);
- *partially derived*: a rewrite: three to six wire sentences, verbatim or
  near-verbatim (words swapped, a clause moved, a word dropped by rule),
  reordered, among at least as much of the paper's own reporting;
- *not derived*: an independent report of the same event: its own text,
  quoting two of the same speakers' words, in its own quote style
  (straight, curly, «», „“, 「」) and its own attribution;
- a *chain*: a paper that took another paper's republication (its own lead
  included): its tree parent is that paper, not the wire.

The paper's own reporting is real text too: sentences of the NTREX documents
not used as wire stories and of the article-extraction benchmark's bodies,
each used once, so unrelated stories share nothing. Documents carry no date,
source or URL, and ids and input order are shuffled: direction must come from
the text. `gold.json` (format `copytrace-bench-newsroom/1`) lists every
document's kind and wire, every (wire, paper) pair with its class, and the
tree parent of every paper.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from copytrace.evaluation.generator import CorpusError, load_articles

NEWSROOM_FORMAT = "copytrace-bench-newsroom/1"
CLASSES = ("wholly", "partially", "quotes")
NTREX = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ntrex"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_QUOTED = re.compile(r"\"([^\"]{20,400})\"")

AGENCIES = (  # name, dateline format, byline, end marks
    ("Reuters", "{CITY}, {Mon} {d} (Reuters) - ", "By {reporter}", ("(Reporting by {reporter}; Editing by {editor})",)),
    ("AP", "{CITY} (AP) — ", "By {REPORTER}, Associated Press", ("-30-",)),
    ("PA", "", "By Staff, PA News", ("ends", "ENDS")),
    ("AFP", "{CITY}, {Mon} {d}, 2019 (AFP) - ", "", ("bur/{initials}",)),
    ("Xinhua", "{CITY}, {Mon}. {d} (Xinhua) -- ", "", ("Enditem",)),
    ("TASS", "{CITY}, {Month} {d}. /TASS/. ", "", ("-30-",)),
)
CITIES = ("LONDON", "CARDIFF", "EDINBURGH", "WASHINGTON", "BRUSSELS", "PARIS", "BERLIN", "MOSCOW", "NEW YORK")
MONTHS = (("Jan", "January"), ("Mar", "March"), ("Jun", "June"), ("Oct", "October"), ("Dec", "December"))
REPORTERS = ("Kate Holton", "Guy Faulconbridge", "Jill Lawless", "Andrew MacAskill", "Elizabeth Piper")
SPEAKERS = ("a spokesman said", "a spokeswoman said", "the minister said", "one official said",
            "a council source said", "the chairman said")
FIRST = ("Jane", "Tom", "Aisha", "Gareth", "Mei", "Olu", "Sian", "Pavel", "Rosa", "Dafydd", "Ines", "Karl")
LAST = ("Okafor", "Pritchard", "Novak", "Haddad", "Lindqvist", "Mensah", "Rees", "Moreau", "Tanaka", "Byrne")
ROLES = ("a campaigner", "a resident", "the spokesperson", "a witness", "an adviser", "a councillor", "the owner")
VERBS = ("said", "told reporters", "told the court", "replied", "added")
CREDITS = ("- PA", "(Reuters)", "Additional reporting by Reuters.", "Source: AP", "— AFP", "PA Media contributed to this report.")
QUOTE_STYLES = (('"', '"'), ("“", "”"), ("«", "»"), ("„", "“"), ("「", "」"))
SYNONYMS = {
    "said": "stated", "told": "informed", "large": "big", "big": "large", "many": "numerous", "about": "around",
    "around": "about", "because": "as", "however": "but", "also": "additionally", "people": "individuals",
    "help": "assist", "began": "started", "started": "began", "show": "reveal", "shows": "reveals",
    "showed": "revealed", "buy": "purchase", "try": "attempt", "important": "significant", "need": "require",
    "needs": "requires", "children": "youngsters", "police": "officers", "officials": "authorities",
    "government": "administration", "country": "nation", "would": "could", "will": "would", "said.": "stated.",
    "new": "fresh", "very": "highly", "while": "whereas", "before": "prior to", "after": "following",
}


def load_ntrex(folder: Path | None = None) -> list[list[str]]:
    """English NTREX documents as lists of sentences (the first is the headline)."""
    folder = Path(folder) if folder else NTREX
    eng, ids = folder / "eng.txt", folder / "DOCUMENT_IDS.tsv"
    if not eng.exists() or not ids.exists():
        raise CorpusError(f"{folder}: no eng.txt and DOCUMENT_IDS.tsv (NTREX English news)")
    docs: dict[str, list[str]] = {}
    for doc, line in zip(ids.read_text(encoding="utf-8").splitlines(), eng.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            docs.setdefault(doc.split("\t")[0], []).append(line.strip())
    return list(docs.values())


def distinct_stories(documents: list[list[str]], most: int = 2) -> list[list[str]]:
    """Documents sharing at most `most` word 5-grams with any kept before (NTREX holds a few stories told
    by two outlets in near-identical sentences: as wire stories they would be related, not unrelated)."""
    seen: set[tuple[str, ...]] = set()
    kept = []
    for doc in documents:
        words = " ".join(doc).lower().split()
        grams = {tuple(words[i:i + 5]) for i in range(len(words) - 4)}
        if len(grams & seen) <= most:
            kept.append(doc)
            seen |= grams
    return kept


def own_pool(documents: list[list[str]], articles: list[tuple[str | None, str]], rng: random.Random) -> list[str]:
    """Sentences for the papers' own reporting, each distinct (8 to 35 words, ending a sentence)."""
    seen, grams, pool = set(), set(), []
    texts = [s for doc in documents for s in doc[1:]]
    for _, text in articles:
        texts += [s for para in text.split("\n") for s in _SENTENCE.split(para.strip())]
    for s in texts:
        s = s.strip()
        words = s.split()
        key = " ".join(w.lower() for w in words)
        mine = {tuple(words[i:i + 6]) for i in range(len(words) - 5)}
        if 8 <= len(words) <= 35 and s[-1:] in ".!?" and key not in seen and s.isascii() and not mine & grams:
            seen.add(key)
            grams |= mine
            pool.append(s)
    rng.shuffle(pool)
    return pool


def paraphrase(sentence: str, rng: random.Random) -> str:
    """A near-verbatim version: one or two rule edits (synonyms, a clause moved, a word dropped)."""
    words = sentence.split()
    out = sentence
    if "," in sentence and rng.random() < 0.4:
        head, tail = sentence.split(",", 1)
        tail = tail.strip()
        if len(head.split()) >= 3 and len(tail.split()) >= 4 and tail[-1:] in ".!?" and '"' not in head:
            out = f"{tail[0].upper()}{tail[1:-1]} {head[0].lower()}{head[1:]}{tail[-1]}"
    words = out.split()
    swaps = [i for i, w in enumerate(words) if w.lower() in SYNONYMS]
    rng.shuffle(swaps)
    for i in swaps[: rng.randint(1, 2)]:
        new = SYNONYMS[words[i].lower()]
        words[i] = new[0].upper() + new[1:] if words[i][0].isupper() else new
    if (not swaps or rng.random() < 0.3) and len(words) > 8:
        del words[rng.randrange(2, len(words) - 2)]
    return " ".join(words)


def units(sentences: list[str]) -> list[str]:
    """Sentences joined where NTREX split inside a quotation, so every unit's quotes are balanced."""
    out: list[str] = []
    open_quote = False
    for s in sentences:
        if open_quote:
            out[-1] += " " + s
        else:
            out.append(s)
        open_quote = (out[-1].count('"') % 2) == 1
    return out if not open_quote else out[:-1]


def _quotes_of(sentences: list[str]) -> list[str]:
    return [m.group(1) for s in sentences for m in _QUOTED.finditer(s) if len(m.group(1).split()) >= 6]


def wire_story(sentences: list[str], rng: random.Random) -> tuple[list[str], str, list[str], dict]:
    """(body sentences, first-line marks, end lines, agency facts) of one wire story."""
    body = units(sentences[1:])[:18]
    need = 2 - len(_quotes_of(body))
    for i in rng.sample(range(1, len(body)), len(body) - 1):
        if need <= 0:
            break
        s = body[i]
        if '"' not in s and len(s.split()) >= 9 and s[-1] == ".":
            body[i] = f'"{s[:-1]}," {rng.choice(SPEAKERS)}.'
            need -= 1
    name, dateline, byline, ends = rng.choice(AGENCIES)
    month = rng.choice(MONTHS)
    reporter = rng.choice(REPORTERS)
    fill = {"CITY": rng.choice(CITIES), "Mon": month[0], "Month": month[1], "d": rng.randint(1, 28),
            "reporter": reporter, "REPORTER": reporter, "editor": rng.choice(REPORTERS),
            "initials": "".join(w[0].lower() for w in reporter.split())}
    head = []
    if rng.random() < 0.3:
        head.append(f"EMBARGOED UNTIL 00:01 GMT {month[1].upper()} {fill['d']}")
    if rng.random() < 0.3:
        topic = re.sub(r"[^A-Z]", "", sentences[0].split()[0].upper()) or "NEWS"
        head.append(f"{rng.choice(('BRITAIN', 'USA', 'EU', 'RUSSIA', 'FRANCE'))}-{topic}/")
    if byline and (name == "PA" or rng.random() < 0.5):
        head.append(byline.format(**fill))
    tail = [rng.choice(ends).format(**fill)] if rng.random() < 0.75 or not dateline else []
    return body, dateline.format(**fill), head, {"agency": name, "end": tail}


class Newsroom:
    """Builds documents and gold, one wire story at a time."""

    def __init__(self, rng: random.Random, pool: list[str]):
        self.rng, self.pool = rng, pool
        self.documents: list[dict] = []
        self.pairs: list[dict] = []

    def own(self, n: int) -> list[str]:
        if len(self.pool) < n:
            raise CorpusError("not enough own-reporting sentences: ask for fewer wire stories")
        taken, self.pool = self.pool[:n], self.pool[n:]
        return taken

    def add(self, key: str, kind: str, text: str, wire: str | None, parent: str | None, klass: str | None) -> str:
        self.documents.append({"key": key, "kind": kind, "text": text, "wire": wire, "parent": parent})
        if wire and klass:
            self.pairs.append({"wire": wire, "copy": key, "class": klass})
        return key

    def story(self, number: int, sentences: list[str]) -> None:
        rng = self.rng
        body, dateline, head, facts = wire_story(sentences, rng)
        wire = f"wire{number}"
        first = dateline + body[0]
        self.add(wire, "wire", "\n\n".join(head + [first] + body[1:] + facts["end"]), wire, None, None)
        papers = [self.republication, self.brief] * 2
        for i, make in enumerate(rng.sample(papers, rng.randint(1, 3))):
            make(f"{wire}-w{i}", wire, body, dateline)
        for i in range(rng.randint(1, 2)):
            self.rewrite(f"{wire}-p{i}", wire, body)
        if rng.random() < 0.35:
            lead = self.republication(f"{wire}-r", wire, body, dateline, framed=True)
            self.chain(f"{wire}-c", wire, lead)
        quotes = _quotes_of(body)
        if len(quotes) >= 2:
            self.independent(f"{wire}-i", wire, rng.sample(quotes, 2))

    def republication(self, key, wire, body, dateline, framed: bool = False) -> str:
        rng = self.rng
        keep = max(3, int(round(len(body) * rng.uniform(0.6, 1.0))))
        kept = [paraphrase(s, rng) if rng.random() < 0.15 else s for s in body[:keep]]
        if rng.random() < 0.2:
            kept[0] = dateline + kept[0]  # some papers keep the agency's dateline
        own = self.own(2) if framed else (self.own(1) if rng.random() < 0.4 else [])
        lines = own[:1] + kept + own[1:]
        if rng.random() < 0.5:
            lines.append(rng.choice(CREDITS))
        return self.add(key, "republication", "\n\n".join(lines), wire, wire, "wholly")

    def brief(self, key, wire, body, dateline) -> str:
        rng = self.rng
        kept, words = [], 0
        for s in body:
            if words >= 20 or words + len(s.split()) > 55 and kept:
                break
            kept.append(s)
            words += len(s.split())
        if rng.random() < 0.3:
            kept[0] = paraphrase(kept[0], rng)
        if rng.random() < 0.3:
            kept.append(min(self.own(3), key=len))  # a short line of its own
        return self.add(key, "brief", " ".join(kept), wire, wire, "wholly")

    def rewrite(self, key, wire, body) -> str:
        rng = self.rng
        short = [i for i, unit in enumerate(body) if len(unit.split()) <= 45] or list(range(len(body)))
        taken = rng.sample(short, min(len(short), rng.randint(3, 6)))
        if taken == sorted(taken):
            taken.reverse()
        wired = [body[i] if rng.random() < 0.4 else paraphrase(body[i], rng) for i in taken]
        own = self.own(len(wired) + rng.randint(1, 3))
        lines = own[:1]
        rest = own[1:]
        for s in wired:
            lines.append(s)
            if rest and rng.random() < 0.7:
                lines.append(rest.pop())
        lines += rest
        return self.add(key, "rewrite", "\n\n".join(lines), wire, wire, "partially")

    def chain(self, key, wire, lead) -> str:
        rng = self.rng
        text = next(d["text"] for d in self.documents if d["key"] == lead)
        paragraphs = text.split("\n\n")
        keep = max(3, min(len(paragraphs) - 2, int(round(len(paragraphs) * rng.uniform(0.6, 0.9)))))
        kept = [p if rng.random() > 0.1 else paraphrase(p, rng) for p in paragraphs[:keep]]
        return self.add(key, "chain", "\n\n".join(kept), wire, lead, "wholly")

    def independent(self, key, wire, quotes: list[str]) -> str:
        rng = self.rng
        own = self.own(rng.randint(8, 12))
        opening, closing = rng.choice(QUOTE_STYLES)
        for q in quotes:
            who = f"{rng.choice(FIRST)} {rng.choice(LAST)}, {rng.choice(ROLES)}, {rng.choice(VERBS)}:"
            line = f"{who} {opening}{q.strip().rstrip(',')}{closing}"
            own.insert(rng.randint(1, len(own)), line)
        return self.add(key, "independent", "\n\n".join(own), wire, None, "quotes")


def build_newsroom(seed: int = 7, wires: int = 60, ntrex: Path | None = None,
                   articles: list[tuple[str | None, str]] | None = None) -> tuple[list[dict], dict]:
    """(documents, gold) of a newsroom corpus; the same seed gives the same corpus."""
    rng = random.Random(seed)
    docs = distinct_stories([d for d in load_ntrex(ntrex) if len(d) >= 9])
    rng.shuffle(docs)
    if wires > len(docs):
        raise CorpusError(f"{wires} wire stories asked for, {len(docs)} NTREX documents long enough")
    room = Newsroom(rng, own_pool(docs[wires:], articles if articles is not None else load_articles(None), rng))
    for number, sentences in enumerate(docs[:wires]):
        room.story(number, sentences)
    order = list(range(len(room.documents)))
    rng.shuffle(order)
    name = {room.documents[i]["key"]: f"n{rank:04d}" for rank, i in enumerate(order)}
    documents = [{"id": name[room.documents[i]["key"]], "text": room.documents[i]["text"]} for i in order]
    gold = {
        "format": NEWSROOM_FORMAT, "seed": seed, "wires": wires,
        "documents": [{"id": name[d["key"]], "kind": d["kind"], "wire": name[d["wire"]],
                       "parent": name.get(d["parent"])} for d in (room.documents[i] for i in order)],
        "pairs": [{"wire": name[p["wire"]], "copy": name[p["copy"]], "class": p["class"]} for p in room.pairs],
    }
    return documents, gold


def write_newsroom(documents: list[dict], gold: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "documents.jsonl", "w", encoding="utf-8") as handle:
        for d in documents:
            handle.write(json.dumps(d, ensure_ascii=False) + "\n")
    (out / "gold.json").write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

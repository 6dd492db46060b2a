"""Pair recall per language and copy kind on NTREX (real news translated by people), and false links.

    PYTHONPATH=src .venv/bin/python bench/scripts_recall.py [lang ...]

Per language: 40 articles, each with four copies by other outlets (full; partial = a contiguous cut of
40-60% of the sentences; reordered = the sentences in another order; framed = the full text between a
lead and a tail taken from articles used nowhere else), plus 60 unrelated articles of that language.
A pair is found when copytrace keeps it (pairs.parquet). False: a kept pair across two article groups.
All languages go into one scan, so cross-language false links count too.
"""
from __future__ import annotations

import functools
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

import copytrace

NT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ntrex"
LANGS = ["eng", "zho-CN", "zho-TW", "yue", "jpn", "kor", "tha", "arb", "fas", "urd", "heb", "rus", "ukr", "srp-Cyrl",
         "ell", "hin", "ben", "kat", "hye", "spa", "deu", "tur", "vie"]
KINDS = ("full", "partial", "reordered", "framed")
JOIN = {"zho-CN": "", "zho-TW": "", "yue": "", "jpn": "", "tha": " "}


def articles(lang: str) -> list[list[str]]:
    ids = [line.split("\t")[-1].strip() for line in (NT / "DOCUMENT_IDS.tsv").read_text().splitlines()]
    docs: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for doc, line in zip(ids, (NT / f"{lang}.txt").read_text(encoding="utf-8").splitlines()):
        docs.setdefault(doc, []).append(line.strip())
    seen = Counter(x for d in docs.values() for x in set(d))
    # an article sharing a sentence with another (the test set holds a few related stories) is not "unrelated"
    return [(name, d) for name, d in docs.items() if len(d) >= 5 and all(seen[x] == 1 for x in d)]


def corpus(lang: str, rng: random.Random) -> tuple[list[dict], dict[str, int]]:
    named = articles(lang)
    arts = [d for _, d in named]
    order = list(range(len(arts)))
    rng.shuffle(order)
    copied, unrelated, framing = order[:40], order[40:100], order[100:]
    glue = JOIN.get(lang, " ")
    para = lambda sents: "\n\n".join(glue.join(sents[i:i + 3]) for i in range(0, len(sents), 3))
    spare = [x for f in framing for x in arts[f]]
    rng.shuffle(spare)
    rows, group = [], {}
    for g, a in enumerate(copied):
        s = arts[a]
        doc = f"{lang}/o{g}"
        rows.append({"id": doc, "text": para(s), "source": f"orig-{lang}.example"})
        group[doc] = named[a][0]
        k = max(2, round(len(s) * rng.uniform(0.4, 0.6)))
        at = rng.randrange(0, len(s) - k + 1)
        shuffled = s[:]
        while shuffled == s:
            rng.shuffle(shuffled)
        lead, tail = spare.pop(), spare.pop()  # each framing sentence used once
        texts = {"full": s, "partial": s[at:at + k], "reordered": shuffled, "framed": [lead] + s + [tail]}
        for kind in KINDS:
            cid = f"{lang}/{kind}{g}"
            rows.append({"id": cid, "text": para(texts[kind]), "source": f"{kind}-{lang}.example"})
            group[cid] = named[a][0]
    for u in unrelated:
        rows.append({"id": f"{lang}/u{u}", "text": para(arts[u]), "source": f"other-{lang}.example"})
        group[f"{lang}/u{u}"] = named[u][0]
    return rows, group


@functools.lru_cache(maxsize=None)
def _longest_common(x: str, y: str) -> int:
    return SequenceMatcher(None, x, y, autojunk=False).find_longest_match(0, len(x), 0, len(y)).size


def shares_text(texts: dict[str, str], a: str, b: str, chars: int = 40) -> bool:
    """Do the originals of a and b share a run of `chars` characters (a quote both stories carry)?"""
    def origin(doc: str) -> str:  # a copy's original (a framed copy's frame is not the story's)
        lang, name = doc.split("/")
        copy = re.fullmatch(r"(?:full|partial|reordered|framed)(\d+)", name)
        return texts[f"{lang}/o{copy.group(1)}"] if copy else texts[doc]
    return _longest_common(origin(a), origin(b)) >= chars


def main(langs: list[str]) -> dict:
    rng = random.Random(15)
    work = Path(tempfile.mkdtemp())
    rows, group = [], {}
    for lang in langs:
        r, g = corpus(lang, rng)
        rows += r
        group.update(g)
    with open(work / "in.jsonl", "w", encoding="utf-8") as h:
        for r in rows:
            h.write(json.dumps(r, ensure_ascii=False) + "\n")
    t = time.perf_counter()
    result = copytrace.scan(work / "in.jsonl")
    took = time.perf_counter() - t
    pairs = result.all_tables()["pairs"].select(["a", "b", "family_link"]).to_pylist()
    found, false, quotes, related, shown = set(), Counter(), Counter(), Counter(), []
    texts = {r["id"]: r["text"] for r in rows}
    for p in pairs:
        a, b = p["a"], p["b"]
        la = a.split("/")[0]
        if a in group and b in group and group[a] == group[b]:
            found.add(frozenset((a, b)))  # across languages: a translation of the same article
        elif shares_text(texts, a, b):
            related[la] += 1  # the two articles of the test set carry one quote: not unrelated
        elif not p["family_link"]:
            quotes[la] += 1  # kept as a possible quote only: links no family
        else:
            false[la] += 1
            if la != b.split("/")[0] or len(shown) < 12:
                shown.append((a, b))
    out = {}
    for lang in langs:
        per = {}
        for kind in KINDS:
            hits = sum(frozenset((f"{lang}/o{g}", f"{lang}/{kind}{g}")) in found for g in range(40))
            per[kind] = hits / 40
        per["false_links"] = false[lang]
        per["false_quotes"] = quotes[lang]
        per["related"] = related[lang]
        out[lang] = per
        print(f"{lang:9s} " + " ".join(f"{k} {per[k]:.3f}" for k in KINDS) + f"  false links {false[lang]}, quotes {quotes[lang]}; related {related[lang]}", flush=True)
    print("false, e.g.:", shown[:30])
    print(f"{len(rows)} documents, scan {took:.1f} s, {len(pairs)} pairs kept, {sum(false.values())} false links, {sum(quotes.values())} false quotes")
    return out


if __name__ == "__main__":
    main(sys.argv[1:] or LANGS)

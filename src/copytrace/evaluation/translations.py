"""Translated and paraphrased republications from NTREX (real news translated by people), and their scorer.

`make_corpus(ntrex, out)` writes `corpus.jsonl` and `gold.json`:

- positives: an English article (NTREX's source) published by one outlet, and
  a translation of part of it (a contiguous run of its sentences, or all of
  them) by another outlet in another language, opening with framing of its
  own (sentences of another story in that language) and, in some cases,
  naming its source ("(BBC)") or dated after it;
- negatives: translated articles on other stories, with no counterpart;
- paraphrases: a Chinese article (zho-CN) and a partial copy of it in the
  other Chinese translation (zho-TW: another translator, another script):
  one language, other words.

Every document carries the NTREX line of each of its sentences (the gold of
the sentence alignment). `score(out_dir, gold)` reads a scan's edges and
passages and reports recall, false links, direction and alignment accuracy.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path

LANGUAGES = ("spa", "fra", "deu", "ita", "por", "pol", "tur", "rus", "arb", "zho-CN", "jpn", "kor")
_NO_SPACE = {"zho-CN", "zho-TW", "jpn", "yue"}
OUTLETS = ("BBC", "Reuters", "RT", "CNN", "Guardian", "Sputnik", "Xinhua", "UPI", "NYT", "AFP")


def read_ntrex(folder: Path, languages=LANGUAGES + ("eng", "zho-TW")) -> tuple[dict[str, list[int]], dict]:
    """Stories (NTREX document id -> its line numbers) and each language's lines."""
    folder = Path(folder)
    stories: dict[str, list[int]] = defaultdict(list)
    for i, doc in enumerate((folder / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()):
        stories[doc.strip()].append(i)
    lines = {lang: (folder / f"{lang}.txt").read_text(encoding="utf-8").splitlines() for lang in languages}
    return dict(stories), lines


def _compose(pieces: list[tuple[str, int | None]], lang: str) -> tuple[str, list[list[int]]]:
    """Text of sentences in paragraphs of two; spans [start, end, line] (line None: not from the story)."""
    joiner = "" if lang in _NO_SPACE else " "
    text, spans = "", []
    for k, (sentence, line) in enumerate(pieces):
        if k:
            text += "\n\n" if k % 2 == 0 else joiner
        start = len(text)
        text += sentence.strip()
        spans.append([start, len(text), line])
    return text, spans


def _doc(doc_id, lang, pieces, story, outlet, date=None, role="source", source=None) -> dict:
    text, spans = _compose(pieces, lang)
    return {"id": doc_id, "text": text, "source": outlet, "date": date, "language": lang, "story": story,
            "role": role, "of": source, "sentences": spans}


def make_corpus(ntrex: Path, out: Path, languages=LANGUAGES, per_language: int = 6, paraphrases: int = 10,
                seed: int = 7) -> dict:
    """Write corpus.jsonl and gold.json under `out`; the gold."""
    rng = random.Random(seed)
    stories, lines = read_ntrex(ntrex, tuple(languages) + ("eng", "zho-CN", "zho-TW"))
    names = sorted((s for s, ls in stories.items() if len(ls) >= 6), key=lambda s: rng.random())
    need = len(languages) * per_language
    positives, rest = names[:need], names[need:]
    # Framing comes from stories used nowhere else: a copy's framing must not link it to a negative.
    long_ones = [s for s in rest if len(stories[s]) >= 12][:len(languages)]
    framings, rest = long_ones, [s for s in rest if s not in long_ones]
    docs, cases = [], []
    for k, story in enumerate(positives):
        lang = languages[k % len(languages)]
        src_lines = stories[story]
        outlet, copier = rng.sample(OUTLETS, 2)
        cue = ("date", "credit", "both", "none")[k % 4]
        src_id, copy_id = f"en-{k:03d}", f"{lang}-{k:03d}"
        docs.append(_doc(src_id, "eng", [(lines["eng"][i], i) for i in src_lines], story, outlet,
                         "2019-03-04" if cue in ("date", "both") else None))
        whole = k % 3 == 0
        n = len(src_lines)
        take = src_lines if whole else src_lines[rng.randrange(0, max(1, n // 3)):][:max(4, int(n * rng.uniform(.4, .7)))]
        frame_story = framings[k % len(framings)]
        turn = k // len(languages)  # each copy its own framing sentences
        framing = [(lines[lang][stories[frame_story][turn]], None),
                   (lines[lang][stories[framings[(k + 1) % len(framings)]][turn + 6]], None)]
        credit = [(f"({outlet})", None)] if cue in ("credit", "both") else []
        pieces = framing + [(lines[lang][i], i) for i in take] + credit
        docs.append(_doc(copy_id, lang, pieces, story, copier, "2019-03-06" if cue in ("date", "both") else None,
                         role="translation", source=src_id))
        cases.append({"source": src_id, "copy": copy_id, "language": lang, "relation": "translation",
                      "whole": whole, "cue": cue})
    negatives = rest[:len(rest) - paraphrases]
    for k, story in enumerate(negatives):
        lang = languages[(k * 5) % len(languages)]
        docs.append(_doc(f"neg-{lang}-{k:03d}", lang, [(lines[lang][i], i) for i in stories[story]], story,
                         rng.choice(OUTLETS), role="unrelated"))
    for k, story in enumerate(rest[len(rest) - paraphrases:]):
        ls = stories[story]
        src_id, copy_id = f"zh-{k:03d}", f"zhtw-{k:03d}"
        docs.append(_doc(src_id, "zho-CN", [(lines["zho-CN"][i], i) for i in ls], story, "Xinhua", "2019-03-04"))
        take = ls[: max(4, int(len(ls) * 0.7))]
        # A rewrite keeps a few sentences word for word (the lexical stage's near miss) and words the rest
        # anew: the other translator's sentences (zho-TW, converted to the simplified script is not needed:
        # the encoder reads both).
        kept = set(take[:2])
        pieces = [(lines["zho-CN" if i in kept else "zho-TW"][i], i) for i in take]
        docs.append(_doc(copy_id, "zho-TW", pieces, story, "CNA", "2019-03-05", role="rewrite", source=src_id))
        cases.append({"source": src_id, "copy": copy_id, "language": "zho-TW", "relation": "rewrite",
                      "whole": False, "cue": "date"})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for d in docs:
            handle.write(json.dumps({k: d[k] for k in ("id", "text", "source", "date")}, ensure_ascii=False) + "\n")
    gold = {"cases": cases, "documents": {d["id"]: {k: d[k] for k in ("language", "story", "role", "of", "sentences")}
                                          for d in docs}}
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return gold


def _line_at(doc: dict, start: int, end: int) -> int | None:
    """The NTREX line of the gold sentence overlapping [start, end) most."""
    best, line = 0, None
    for s, e, ln in doc["sentences"]:
        overlap = min(e, end) - max(s, start)
        if overlap > best:
            best, line = overlap, ln
    return line


def score(edges: list[dict], passages: list[dict], gold: dict) -> dict:
    """Recall, false links, direction and sentence alignment of a scan against the gold."""
    docs = gold["documents"]
    linked = {frozenset((e["source"], e["copy"])): e for e in edges}
    found, directed, with_cue, by_lang = 0, 0, 0, defaultdict(lambda: [0, 0])
    for case in gold["cases"]:
        edge = linked.get(frozenset((case["source"], case["copy"])))
        key = case["language"] if case["relation"] == "translation" else "rewrite"
        by_lang[key][1] += 1
        if edge is None or edge["relation"] != case["relation"]:
            continue
        found += 1
        by_lang[key][0] += 1
        if case["cue"] != "none":
            with_cue += 1
            directed += edge["source"] == case["source"]
    false = [(e["source"], e["copy"], e["relation"]) for e in edges
             if e["source"] in docs and e["copy"] in docs and docs[e["source"]]["story"] != docs[e["copy"]]["story"]]
    semantic_false = [f for f in false if f[2] in ("translation", "rewrite")]
    ok = total = 0
    semantic = {frozenset((e["source"], e["copy"])) for e in edges if e["relation"] in ("translation", "rewrite")}
    gold_pairs = {frozenset((c["source"], c["copy"])) for c in gold["cases"]} & semantic
    for p in passages:
        if frozenset((p["a"], p["b"])) not in gold_pairs:
            continue
        la = _line_at(docs[p["a"]], p["a_start"], p["a_end"])
        lb = _line_at(docs[p["b"]], p["b_start"], p["b_end"])
        total += 1
        ok += la is not None and la == lb
    translations = [c for c in gold["cases"] if c["relation"] == "translation"]
    t_found = sum(v[0] for k, v in by_lang.items() if k != "rewrite")
    return {
        "cases": len(gold["cases"]), "found": found,
        "translations": len(translations), "translations_found": t_found,
        "translation_recall": round(t_found / len(translations), 4) if translations else None,
        "languages": len({c["language"] for c in translations}),
        "by_language": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_lang.items())},
        "false_links": len(semantic_false), "false_examples": semantic_false[:5],
        "lexical_false_links": len(false) - len(semantic_false),
        "lexical_false_examples": [f for f in false if f not in semantic_false][:5],
        "direction_right": round(directed / with_cue, 4) if with_cue else None, "direction_cases": with_cue,
        "aligned_sentences": total,
        "alignment_accuracy": round(ok / total, 4) if total else None,
        "relations": dict(Counter(e["relation"] for e in edges)),
    }


def score_folder(out_dir: Path, gold_path: Path) -> dict:
    """`score` of the edges.parquet and passages.parquet a scan wrote."""
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    edges = pq.read_table(out_dir / "edges.parquet").to_pylist() if (out_dir / "edges.parquet").exists() else []
    passages = pq.read_table(out_dir / "passages.parquet").to_pylist() if (out_dir / "passages.parquet").exists() else []
    return score(edges, passages, gold)

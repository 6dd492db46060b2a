"""Helpers for the provenance tests: constructed corpora and passages from exact common substrings.

`exact_passages` is a stand-in aligner for constructed cases (difflib on the
two texts, exact matches of at least `min_chars` characters): it keeps the
provenance tests independent of the real aligner's tuning. The seed tests
use `copytrace.stages.align.align_pairs`.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from itertools import combinations

import pyarrow as pa

from copytrace.schemas import PASSAGE_SCHEMA

# Six paragraphs of agency prose on a made-up story, written for these tests.
ARTICLE = [
    "The city council of Northbridge voted late on Tuesday to close the old river bridge to all heavy "
    "traffic, citing an engineering report that found serious corrosion in two of its steel supports.",
    "Engineers hired by the council said the bridge remained safe for cars and pedestrians, but warned "
    "that lorries heavier than seven tonnes could accelerate the damage and should be diverted at once.",
    "\"We cannot gamble with a structure that carries twenty thousand people a day,\" the council leader "
    "told reporters after the vote, adding that repair work would begin before the end of the year.",
    "Local hauliers criticized the decision, saying the detour through the industrial estate would add "
    "forty minutes to every delivery and push several small firms towards bankruptcy within months.",
    "The regional transport authority has promised to publish a full timetable for the repairs next "
    "month and to review the weight limit once the first of the damaged supports has been replaced.",
    "Residents living along the diversion route plan to hold a public meeting on Friday to demand "
    "speed cameras and a night-time ban on lorries, which they say already keep them awake.",
]
FRAMING = ("Yet another example of how the authorities neglect the infrastructure that ordinary "
           "people depend on every single day, while money flows to prestige projects instead.")
OTHER_FRAMING = ("Commentators across the region have seized on the story as proof that public works "
                 "budgets were cut far too deeply during the last decade of austerity measures.")
OWN_STORY = [
    "A new bakery opened its doors in the harbour district on Saturday, drawing a queue that stretched "
    "around the block long before the ovens had finished the first batch of morning loaves.",
    "The owners, two sisters who trained in Lyon, said they had spent three years looking for a building "
    "with walls thick enough to keep the stone ovens at a steady temperature through the winter.",
    "Neighbours welcomed the arrival, although some worried that the early deliveries of flour would "
    "block the narrow street that leads down to the fishing boats in the mornings.",
]


def paragraphs(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def corpus(docs: list[dict]) -> tuple[pa.Table, pa.Table]:
    """(documents, pairs) shaped like ScanResult's, all documents in one family, every pair kept."""
    rows = []
    for i, doc in enumerate(docs):
        rows.append({
            "id": doc["id"], "text": doc["text"], "url": doc.get("url"), "source": doc.get("source"),
            "date": doc.get("date"), "title": doc.get("title"), "origin": f"test:{i + 1}",
            "family": doc.get("family", 0), "n_chars": len(doc["text"]), "n_shingles": 0,
        })
    documents = pa.Table.from_pylist(rows)
    pairs = pa.Table.from_pylist([{"a": x["id"], "b": y["id"]} for x, y in combinations(docs, 2)
                                  if x.get("family", 0) == y.get("family", 0)])
    return documents, pairs


def exact_passages(documents: pa.Table, pairs: pa.Table, min_chars: int = 40) -> pa.Table:
    """Passages from exact common substrings of each pair (difflib), identity 1."""
    texts = dict(zip(documents["id"].to_pylist(), documents["text"].to_pylist()))
    rows = []
    for a, b in zip(pairs["a"].to_pylist(), pairs["b"].to_pylist()):
        matcher = SequenceMatcher(None, texts[a], texts[b], autojunk=False)
        blocks = [m for m in matcher.get_matching_blocks() if m.size >= min_chars]
        for n, m in enumerate(sorted(blocks, key=lambda m: m.a)):
            rows.append({"a": a, "b": b, "passage": n, "a_start": m.a, "a_end": m.a + m.size,
                         "b_start": m.b, "b_end": m.b + m.size, "identity": 1.0})
    return pa.Table.from_pylist(rows, schema=PASSAGE_SCHEMA)


def trace_docs(docs: list[dict], **settings):
    from copytrace.stages.provenance import ProvenanceSettings, trace

    documents, pairs = corpus(docs)
    return trace(documents, pairs, exact_passages(documents, pairs), ProvenanceSettings(**settings))


def edge(provenance, x: str, y: str) -> dict:
    """The edge between x and y, whichever way it points."""
    for row in provenance.edges.to_pylist():
        if {row["source"], row["copy"]} == {x, y}:
            return row
    raise AssertionError(f"no edge between {x} and {y}")

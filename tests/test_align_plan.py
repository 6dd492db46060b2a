"""`provenance.align_plan`: the pairs the align stage aligns, planned for the large families alone."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from copytrace.pipeline import scan
from copytrace.settings import ProvenanceSettings, ScanSettings
from copytrace.stages.provenance import align_plan, plan_explain, trace
from copytrace.stages.align import align_pairs

from test_big_families import viral_rows
from tracing_helpers import ARTICLE, OWN_STORY, paragraphs


def _rows() -> list[dict]:
    """A family of 21 (more than `all_pairs_up_to`), a small family with a quote across, and a small family
    of three whose copy credits the wire's outlet by name."""
    rows = viral_rows(20)
    rows.append({"id": "brief", "text": paragraphs(*ARTICLE[:2]) + "\n\nOriginally published by Wire.com.",
                 "source": "brief.net", "date": "2022-03-04"})
    rows.append({"id": "bakery-2", "text": paragraphs(*OWN_STORY[:3]), "date": "2022-03-05"})
    return rows


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _rows()))
    return scan([path], settings=ScanSettings(explain=False))


def test_align_plan_gives_plan_explain_s_pairs(scanned):
    documents, pairs = scanned.documents, scanned.pairs
    planned = plan_explain(documents, pairs, ProvenanceSettings(), plan_only=True).mask
    mask = align_plan(documents, pairs, ProvenanceSettings())
    assert mask.dtype == bool and len(mask) == pairs.num_rows
    assert mask.tolist() == planned.tolist()
    assert 0 < mask.sum() < pairs.num_rows  # the large family's pairs off its tree are left out
    # Every pair of a family of the size of a small one is aligned: no plan is needed for it.
    small = align_plan(documents, pairs, ProvenanceSettings(all_pairs_up_to=1000))
    assert small.all()
    assert plan_explain(documents, pairs, ProvenanceSettings(all_pairs_up_to=1000), plan_only=True).mask.all()


def test_small_families_traced_from_the_align_plan_s_passages_are_plan_explain_s(scanned):
    """Trace from passages aligned for `align_plan` and for `plan_explain`: the same edges, edits and trees."""
    documents, pairs = scanned.documents, scanned.pairs
    settings = ScanSettings()
    by_plan = align_pairs(documents, plan_explain(documents, pairs, settings.provenance).to_align(pairs))
    mask = align_plan(documents, pairs, settings.provenance)
    by_align_plan = align_pairs(documents, pairs.filter(pa.array(mask, pa.bool_())))
    assert by_align_plan.equals(by_plan)
    one = trace(documents, pairs, by_plan, settings.provenance)
    other = trace(documents, pairs, by_align_plan, settings.provenance)
    for name in ("edges", "edits", "families", "links"):
        assert getattr(one, name).equals(getattr(other, name)), name
    assert one.edges.num_rows > 0 and one.edits.num_rows > 0


def test_align_plan_of_pairs_naming_unknown_documents_aligns_them_all(scanned):
    documents, pairs = scanned.documents, scanned.pairs
    known = pairs.select(["a", "b", "family_link"])
    stray = pa.table({"a": ["wire"], "b": ["not-a-document"], "family_link": [True]}).cast(known.schema)
    mixed = pa.concat_tables([known, stray])
    assert align_plan(documents, mixed).all()
    assert align_plan(documents, mixed.slice(0, 0)).tolist() == []


def test_sentence_splits_are_both_splits_in_one_pass():
    from copytrace.text.sentences import sentence_splits, sentences

    texts = [paragraphs(*ARTICLE), paragraphs(*OWN_STORY), "", "...", "No quote here. None at all!",
             'He said: "We will build it." Then he left.\n"Quoted whole sentence."\nShe added, \u201cnot now\u201d, and went.',
             "\u00abCitation\u00bb dit-il. \u201c\u201d empty quotes. 'single' words"]
    for text in texts:
        aside, whole = sentence_splits(text)
        assert aside == sentences(text) and whole == sentences(text, set_quotes_aside=False), text
    aside, whole = sentence_splits(texts[5])
    assert any(s.quoted for s in aside) and not any(s.quoted for s in whole)


def test_sentence_cache_indexes_are_index_sentences_whichever_split_comes_first():
    from copytrace.stages.provenance.relations import SentenceCache
    from copytrace.text.sentences import index_sentences, sentences

    quoted = 'He said: "We will build the new bridge over the river next year." Then he left the hall for the night.'
    for text in (quoted, paragraphs(*ARTICLE), paragraphs(*OWN_STORY)):
        for first in (True, False):
            cache = SentenceCache()
            made = {aside: cache.index("d", text, aside, 3) for aside in (first, not first)}
            for aside, index in made.items():
                assert index.same_as(index_sentences(sentences(text, aside), 3))
    cache = SentenceCache()
    assert cache.index("d", quoted, True, 3) is not cache.index("d", quoted, False, 3)
    assert cache.index("x", "No quote here at all, none.", True, 3) is cache.index("x", "No quote here at all, none.",
                                                                                    False, 3)

"""The explanation stages' shortcuts give what the plain computation gives (issue 19: cheaper, same output).

- sentences are split without a per-character quote mask: the words kept and the quoted words counted are
  those of the mask-based split, on texts with quotation marks of several kinds and attributed speech;
- a text's sentence index is made once and reused: matching with it equals matching without it;
- a text quoting no one has one sentence list for both splits, and its relation is the same as computed
  with both splits apart;
- `plan_explain(plan_only=True)` (the align stage's plan) chooses the same trees and pairs as the full plan;
- language and published dates computed shard by shard, as the local engine's output is written, give the
  same documents, and are computed once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from copytrace.engines.documents import DocumentStore, ShardedDocuments
from copytrace.engines.shards import write_document_shard
from copytrace.settings import ProvenanceSettings
from copytrace.stages.families import language_and_dates, with_families
from copytrace.stages.provenance import plan_explain
from copytrace.stages.provenance.relations import SentenceCache, relation_between
from copytrace.text.quotes import quote_mask
from copytrace.text.sentences import _SENTENCE, _WORD, index_sentences, match_sentences, sentences

SOURCE = (
    'MOSCOW, May 3 - The minister said: the talks will resume next week in Geneva after a pause of months. '
    '"We expect a long and difficult round, but nobody is leaving the table," he told reporters on Friday. '
    "Officials of both delegations met behind closed doors for more than six hours on Thursday evening. "
    "«Nothing is agreed until everything is agreed» remained the motto of the mediators from Oslo.\n"
    "A spokesman added: „the next round starts on Monday“ and declined to give further details to the press. "
    "The agenda includes prisoner exchanges, grain shipments and the safety of the nuclear power plant."
)
COPY = (
    "Talks will resume next week in Geneva after a pause of months, the minister said on Friday evening. "
    "Officials of both delegations met behind closed doors for more than six hours on Thursday evening. "
    '"We expect a long and difficult round, but nobody is leaving the table," the minister told reporters. '
    "The agenda includes prisoner exchanges, grain shipments and the safety of the nuclear power plant. "
    "Our correspondent in the city says hotels near the lake are already fully booked for the week ahead."
)
PLAIN = (
    "Officials of both delegations met behind closed doors for more than six hours on Thursday evening. "
    "The agenda includes prisoner exchanges, grain shipments and the safety of the nuclear power plant. "
    "Hotels near the lake are already fully booked for the week ahead, our correspondent says tonight."
)


def _sentences_by_mask(text: str, set_quotes_aside: bool = True) -> list[tuple]:
    """The split as it was made before: a boolean per character, looked up at each word's first character."""
    inside = quote_mask(text) if set_quotes_aside else None
    out = []
    for m in _SENTENCE.finditer(text):
        words, quoted = [], 0
        for w in _WORD.finditer(text, m.start(), m.end()):
            if inside is not None and inside[w.start()]:
                quoted += 1
            else:
                words.append(w.group().lower())
        if words or quoted:
            out.append((m.start(), m.end(), words, quoted))
    return out


def test_sentences_keep_and_count_the_words_the_mask_split_does():
    for text in (SOURCE, COPY, PLAIN, SOURCE + "\n" + COPY, '"unclosed quote at the start. Then prose follows here.'):
        for aside in (True, False):
            got = [(s.start, s.end, s.words, s.quoted) for s in sentences(text, aside)]
            assert got == _sentences_by_mask(text, aside)
    assert any(s.quoted for s in sentences(SOURCE))  # the texts do exercise the quoted path


def test_matching_with_prepared_indexes_equals_matching_without():
    source, copy = sentences(SOURCE, False), sentences(COPY, False)
    plain = match_sentences(source, copy)
    indexed = match_sentences(source, copy, index=index_sentences(source, 6), copy_index=index_sentences(copy, 6))
    assert plain == indexed
    assert len(plain.pairs) >= 3


def test_a_text_quoting_no_one_has_one_split_and_the_same_relation():
    cache = SentenceCache()
    assert cache.of("plain", PLAIN, False) is cache.of("plain", PLAIN)
    assert cache.of("source", SOURCE, False) is not cache.of("source", SOURCE)

    class Apart(SentenceCache):  # both splits made apart, as before
        def of(self, doc, text, set_quotes_aside=True):
            key = (doc, set_quotes_aside)
            if key not in self._of:
                self._of[key] = sentences(text, set_quotes_aside)
            return self._of[key]

    for source, copy in (("plain", "copy"), ("copy", "plain"), ("source", "copy"), ("source", "plain")):
        texts = {"plain": PLAIN, "copy": COPY, "source": SOURCE}
        shared = relation_between((source, texts[source]), (copy, texts[copy]), cache, 0.8)
        apart = relation_between((source, texts[source]), (copy, texts[copy]), Apart(), 0.8)
        assert shared == apart


def _documents():
    ids = ["a", "b", "c", "d"]
    texts = [SOURCE, COPY, PLAIN, "Unrelated: the weather stays dry and mild all week across the north."]
    dates = ["2024-05-03T10:00:00Z", "2024-05-03 14:30", None, "3 May 2024"]
    return pa.table({"id": ids, "text": texts, "source": ["tass.ru", "paper.example", "blog.example", None],
                     "date": dates, "family": pa.array([0, 0, 0, 1], pa.int64())})


def test_the_align_plan_chooses_what_the_full_plan_chooses():
    documents = _documents()
    pairs = pa.table({"a": ["a", "a", "b"], "b": ["b", "c", "c"], "family_link": [True, True, True],
                      "containment_a_in_b": [0.5, 0.4, 0.6], "containment_b_in_a": [0.6, 0.7, 0.5]})
    full = plan_explain(documents, pairs, ProvenanceSettings())
    light = plan_explain(documents, pairs, ProvenanceSettings(), plan_only=True)
    assert list(full.families) == [0] and full.mask.any()
    assert np.array_equal(full.mask, light.mask)
    assert {f: (p.order, p.parent, p.reasons) for f, p in full.families.items()} == \
        {f: (p.order, p.parent, p.reasons) for f, p in light.families.items()}
    assert all(light.facts[d].mask is None and full.facts[d].mask is not None for d in "abc")


def _shards(tmp_path, documents, rows_per_shard=2):
    """`documents` as a work folder's numbered document shards, and their store."""
    paths = []
    for first in range(0, documents.num_rows, rows_per_shard):
        part = documents.slice(first, rows_per_shard)
        part = part.add_column(0, "doc", pa.array(np.arange(first, first + part.num_rows), pa.int64()))
        paths.append(tmp_path / f"part-{first:05d}.arrow")
        write_document_shard(paths[-1], part)
    return DocumentStore(paths)


def test_language_and_dates_computed_shard_by_shard_give_the_same_documents(tmp_path, monkeypatch):
    documents = _documents().drop_columns(["family"])
    family, shingles = np.array([0, 0, 0, 1]), np.array([40, 35, 20, 9])
    whole = with_families(documents, family, shingles)
    sharded = ShardedDocuments(_shards(tmp_path, documents), family, shingles)
    assert sharded.to_table().equals(whole)
    # each shard's facts are computed once, as the write first reads it, then kept for later reads
    import copytrace.stages.families as families

    monkeypatch.setattr(families, "language_and_dates", lambda _: pytest.fail("facts computed again"))
    assert sharded.filter(pa.array([True, False, True, False])).equals(whole.filter([True, False, True, False]))
    assert sharded.column("published").equals(whole.column("published"))
    assert {"lang", "lang_score", "published", "published_source"} <= set(whole.column_names)
    assert language_and_dates(documents).num_rows == documents.num_rows
    light = with_families(documents, family, shingles, facts=False)
    assert "lang" not in light.column_names and "published" not in light.column_names


def test_sharded_documents_read_columns_and_take_a_new_family_without_the_whole_table(tmp_path, monkeypatch):
    """`select`, `n_chars` and a new family column (the semantic stage merges families) stay shard by shard:
    they equal the whole table's, and nothing builds the whole table."""
    documents = _documents().drop_columns(["family"])
    family, shingles = np.array([0, 0, 0, 1]), np.array([40, 35, 20, 9])
    whole = with_families(documents, family, shingles)
    sharded = ShardedDocuments(_shards(tmp_path, documents), family, shingles)
    sharded.to_table()  # facts computed, as the write leaves them
    monkeypatch.setattr(ShardedDocuments, "to_table", lambda self: pytest.fail("whole table built"))
    assert sharded.select(["id", "n_chars", "lang", "family"]).equals(whole.select(["id", "n_chars", "lang", "family"]))
    merged = sharded.set_column(whole.schema.get_field_index("family"), "family", pa.array([0, 0, 0, 0], pa.int64()))
    assert isinstance(merged, ShardedDocuments) and merged.column("family").to_pylist() == [0, 0, 0, 0]
    assert merged.column("id").equals(sharded.column("id"))

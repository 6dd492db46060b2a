"""The index, fed a corpus in three batches, holds the pairs and families `scan` finds.

And the same passages and directed edges. The corpus holds full copies, a
partial copy, a section copied inside a long unrelated article (found only
by the anchors: its Jaccard is far below what LSH sees), a quoted passage
(a possible quote, kept because alignment finds it, and linking no family)
and unrelated documents, with members of one story in different batches.

Incremental results equal the scan's only below two caps: an LSH bucket of
more than `max_bucket` documents and an anchor in more than `anchors.max_df`
documents are cut by what has arrived so far, so past them the pairs found
depend on the order of the batches. This corpus stays below both (checked).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("duckdb")

from copytrace import scan  # noqa: E402
from copytrace.index import IndexStoreError, Store, add_documents, explain_pending, search_text  # noqa: E402
from copytrace.index.store import arrow  # noqa: E402
from copytrace.io import read_inputs  # noqa: E402
from copytrace.settings import CleanSettings, ScanSettings  # noqa: E402
from copytrace.stages.clean import clean_ingested  # noqa: E402
from copytrace.stages.fingerprint import fingerprint_batch  # noqa: E402

SETTINGS = ScanSettings(clean=CleanSettings(chrome_removal=False))
FIGURES = ("jaccard", "containment_a_in_b", "containment_b_in_a", "shared_shingles", "bands_shared", "family_link")


class Writer:
    """Prose-like text from a fixed vocabulary of made-up words (every 5-word run is rare)."""

    def __init__(self, seed: int = 12):
        self.rng = np.random.default_rng(seed)
        syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "an", "el", "or", "ut", "is", "ba", "de", "go"]
        words = {"".join(self.rng.choice(syllables, self.rng.integers(2, 4))) for _ in range(6000)}
        self.words = np.array(sorted(words))

    def words_of(self, n: int) -> list[str]:
        return list(self.words[self.rng.integers(0, len(self.words), n)])

    def text(self, n: int) -> str:
        return prose(self.words_of(n))


def prose(words: list[str]) -> str:
    """Sentences of 12 words, capitalized and ended with a full stop."""
    sentences = [" ".join(words[k:k + 12]) for k in range(0, len(words), 12)]
    return " ".join(s[:1].upper() + s[1:] + "." for s in sentences)


def changed(words: list[str], writer: Writer, every: int) -> list[str]:
    out = list(words)
    for k in range(every // 2, len(out), every):
        out[k] = writer.words_of(1)[0]
    return out


def corpus() -> list[tuple[str, str]]:
    """(name, text) in input order; story members spread so that each batch of a third holds some."""
    w = Writer()
    story_a = w.words_of(320)
    story_b = w.words_of(420)
    story_d = w.words_of(400)
    story_e, story_f = w.words_of(300), w.words_of(300)
    quote = story_e[100:126]  # 26 words: two anchors at least, far below a family link
    section = story_d[150:215]  # 65 words: a section (>= 40 shingles shared) in a 3,000-word article
    long_article = w.words_of(1500) + section + w.words_of(1500)
    docs = {
        "a_original": prose(story_a),
        "b_original": prose(story_b),
        "d_original": prose(story_d),
        "e_quoted": prose(story_e),
        "noise_1": w.text(350),
        "a_copy_edited": prose(changed(story_a, w, 40)),
        "b_partial": prose(w.words_of(150) + story_b[:260] + w.words_of(120)),
        "f_quoting": prose(story_f[:150] + quote + story_f[150:]),
        "noise_2": w.text(500),
        "c_long_with_section": prose(long_article),
        "a_copy_framed": prose(w.words_of(90) + story_a + w.words_of(60)),
        "noise_3": w.text(280),
    }
    return [(f"{k:03d}_{name}.txt", text) for k, (name, text) in enumerate(docs.items())]


def pair_rows(table: pa.Table) -> dict:
    return {(r["a"], r["b"]): {f: r[f] for f in FIGURES} for r in table.select(["a", "b", *FIGURES]).to_pylist()}


def member_sets(ids, families) -> set:
    groups: dict = {}
    for doc_id, family in zip(ids, families):
        groups.setdefault(family, set()).add(doc_id)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("batches, explain", [(3, True), (3, False), (1, True)])
def test_an_index_fed_in_batches_holds_the_pairs_and_families_of_scan(tmp_path: Path, batches: int, explain: bool):
    """Three batches (one: the batch's own candidates only); explained at each add, or afterwards."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in corpus():
        (folder / name).write_text(text, encoding="utf-8")
    result = scan([folder], settings=SETTINGS)

    # The index cleans as `copytrace index add` does: the scan's clean stage with the index's settings.
    ingested, _ = clean_ingested(read_inputs([folder]), SETTINGS.clean, aliases=SETTINGS.aliases)
    docs = ingested.documents
    assert docs["id"].to_pylist() == result.documents["id"].to_pylist()
    # Below the caps, so batches cannot change what is found (see the module docstring).
    fingerprints = fingerprint_batch(docs["text"].combine_chunks(), SETTINGS)
    values, positions = fingerprints.anchor_rows()
    each_once = np.unique(np.stack([values, positions.astype(np.uint64)]), axis=1)  # (anchor, document) once
    _, df = np.unique(each_once[0], return_counts=True)
    assert df.max() <= SETTINGS.anchors.max_df
    assert len(docs) <= SETTINGS.max_bucket

    path = tmp_path / "ix.duckdb"
    with Store.create(path, SETTINGS) as store:
        size = -(-docs.num_rows // batches)
        for start in range(0, docs.num_rows, size):
            add_documents(store, docs.slice(start, size), f"batch {start // size}", explain=explain)
        if not explain:
            explain_pending(store)
        # A pasted text finds what an add of it would: the section through the anchors.
        ids = {name[4:-4]: name for name, _ in corpus()}
        pasted = (folder / ids["c_long_with_section"]).read_text(encoding="utf-8")
        assert {m["id"] for m in search_text(store, pasted).matches()} >= {ids["d_original"]}
        cur = store.cursor()
        indexed_pairs = arrow(cur, "select * from pairs")
        indexed_docs = arrow(cur, "select id, family from documents order by doc")
        indexed_passages = arrow(cur, "select a, b, a_start, a_end, b_start, b_end from passages")
        indexed_edges = arrow(cur, 'select source, "copy", relation from edges')
        cur.close()

    scan_pairs, index_pairs = pair_rows(result.pairs), pair_rows(indexed_pairs)
    assert set(index_pairs) == set(scan_pairs)
    for key, figures in scan_pairs.items():
        assert index_pairs[key] == pytest.approx(figures), key
    assert member_sets(indexed_docs["id"].to_pylist(), indexed_docs["family"].to_pylist()) == \
        member_sets(result.documents["id"].to_pylist(), result.documents["family"].to_pylist())
    scan_passages = result.tables["passages"].select(["a", "b", "a_start", "a_end", "b_start", "b_end"])
    assert sorted(indexed_passages.to_pylist(), key=str) == sorted(scan_passages.to_pylist(), key=str)
    # The index keeps cross-family links (the scan's links table) in its edges table, outside every tree.
    scan_edges = pa.concat_tables([result.tables[name].select(["source", "copy", "relation"])
                                   for name in ("edges", "links")])
    assert sorted(indexed_edges.to_pylist(), key=str) == sorted(scan_edges.to_pylist(), key=str)

    # What the corpus was made to exercise is there.
    section = scan_pairs[(ids["d_original"], ids["c_long_with_section"])]
    assert section["family_link"] and section["bands_shared"] == 0  # found by the anchors only
    quote = scan_pairs[(ids["e_quoted"], ids["f_quoting"])]
    assert not quote["family_link"]  # a possible quote, confirmed by a passage
    families = member_sets(result.documents["id"].to_pylist(), result.documents["family"].to_pylist())
    assert frozenset({ids["a_original"], ids["a_copy_edited"], ids["a_copy_framed"]}) in families
    assert frozenset({ids["b_original"], ids["b_partial"]}) in families
    assert frozenset({ids["d_original"], ids["c_long_with_section"]}) in families
    assert frozenset({ids["e_quoted"]}) in families and frozenset({ids["f_quoting"]}) in families


def test_the_index_keeps_its_settings_and_refuses_others(tmp_path: Path):
    path = tmp_path / "ix.duckdb"
    Store.create(path, SETTINGS).close()
    with Store(path) as store:
        assert store.settings == SETTINGS
        assert store.lsh == SETTINGS.lsh
    with Store(path, settings=SETTINGS) as store:
        other = SETTINGS.replace(shingle_size=4)
        with pytest.raises(IndexStoreError, match="shingle_size"):
            add_documents(store, pa.table({"id": ["x"], "text": ["some text"]}), settings=other)
    with pytest.raises(IndexStoreError, match=r"clean\.chrome_removal"):
        Store(path, settings=ScanSettings())


def test_an_index_of_an_older_format_is_refused_in_one_line(tmp_path: Path):
    import duckdb

    path = tmp_path / "old.duckdb"
    Store.create(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("update meta set value = '2' where key = 'format'")
    with pytest.raises(IndexStoreError, match="format 2 is not") as err:
        Store(path)
    assert "\n" not in str(err.value)


def test_lost_anchor_segments_are_rebuilt_as_an_add_wrote_them(tmp_path: Path):
    from copytrace.index.parts import parts_dir

    docs = pa.table({"id": [name for name, _ in corpus()], "text": [text for _, text in corpus()]})
    path = tmp_path / "ix.duckdb"
    with Store.create(path, SETTINGS) as store:
        add_documents(store, docs.slice(0, 6))
        add_documents(store, docs.slice(6))
        written = [(s.keys.copy(), s.docs.copy()) for s in store.parts.anchors.segments]
    assert written and sum(len(k) for k, _ in written) > 0
    for lost in parts_dir(path).glob("*.anchors"):
        lost.unlink()
    with Store(path, read_only=True) as store:  # rebuilt in memory
        rebuilt = [(s.keys, s.docs) for s in store.parts.anchors.segments]
    assert len(rebuilt) == len(written)
    for (k1, d1), (k2, d2) in zip(written, rebuilt):
        assert np.array_equal(k1, k2) and np.array_equal(d1, d2)

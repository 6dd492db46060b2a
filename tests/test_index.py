"""The index: create, add daily batches, query, remove, restart; the CLI over it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from copytrace.index import IndexStoreError, Store, add_documents, remove_documents, search_document, search_text
from copytrace.io import read_inputs

from conftest import LAVROV, OTHER_TOPIC, SEED_IDS

pytest.importorskip("duckdb")

SPUTNIK, CAPTURE, DURAN = SEED_IDS


def seeds() -> pa.Table:
    return read_inputs([LAVROV]).documents


@pytest.fixture
def index(tmp_path: Path) -> Store:
    store = Store.create(tmp_path / "ix.duckdb")
    yield store
    store.close()


def test_daily_batches_build_one_family_with_its_original(index):
    docs = seeds()
    first = add_documents(index, docs.slice(0, 1), "day 1")
    second = add_documents(index, docs.slice(1, 2), "day 2")
    assert (first.added, first.pairs) == (1, 0)
    assert (second.added, second.pairs, second.missing) == (2, 3, [])
    result = search_document(index, DURAN)
    assert result.family["members"] == list(SEED_IDS)
    assert result.family["original"] == SPUTNIK
    by_id = {m["id"]: m for m in result.matches()}
    assert by_id[SPUTNIK]["role"] == "source"
    assert by_id[SPUTNIK]["edge"]["credit"] is True
    assert by_id[SPUTNIK]["passages"], "passages of the stored pair"
    assert any(e["kind"] == "added" and "coup" in e["text"] for e in by_id[SPUTNIK]["edits"])
    stats = index.stats()
    assert stats["documents"] == 3 and stats["band_rows"] == 3 * index.lsh.bands
    assert stats["families_with_copies"] == 1 and stats["batches"] == 2


def test_pasted_text_finds_its_source_with_passages(index):
    docs = seeds()
    add_documents(index, docs.filter(pa.compute.is_in(docs["id"], pa.array([SPUTNIK]))))
    add_documents(index, pa.table({"id": ["harbour"], "text": [OTHER_TOPIC]}))
    pasted = (LAVROV / DURAN).read_text(encoding="utf-8")
    result = search_text(index, pasted)
    matches = result.matches()
    assert [m["id"] for m in matches] == [SPUTNIK]
    match = matches[0]
    assert match["role"] == "source"
    assert match["containment_query_in_match"] > 0.3
    for p in match["passages"]:
        assert 0 <= p["query_start"] < p["query_end"] <= len(pasted)
    assert result.missing == []
    assert search_text(index, OTHER_TOPIC).matches()[0]["id"] == "harbour"


def test_re_adding_a_batch_is_idempotent_and_a_changed_text_is_rejected(index):
    docs = seeds()
    add_documents(index, docs)
    before = index.stats()
    again = add_documents(index, docs)
    assert (again.added, again.present, again.rejected) == (0, 3, [])
    after = index.stats()
    assert {k: after[k] for k in ("documents", "band_rows", "pairs", "passages", "edges")} == \
           {k: before[k] for k in ("documents", "band_rows", "pairs", "passages", "edges")}
    changed = pa.table({"id": [SPUTNIK], "text": ["An entirely different text now lives under this id."]})
    report = add_documents(index, changed)
    assert report.added == 0 and report.rejected[0][0] == SPUTNIK and "different text" in report.rejected[0][1]


def test_index_survives_a_restart(tmp_path):
    path = tmp_path / "ix.duckdb"
    with Store.create(path) as store:
        add_documents(store, seeds())
    with Store(path) as store:
        assert store.stats()["documents"] == 3
        assert search_document(store, DURAN).family["original"] == SPUTNIK
        add_documents(store, pa.table({"id": ["harbour"], "text": [OTHER_TOPIC]}))
    with Store(path, read_only=True) as store:
        assert store.stats()["documents"] == 4


def test_removal_splits_the_family_and_drops_explain_rows(index):
    add_documents(index, seeds())
    out = remove_documents(index, [SPUTNIK, "no-such-id"])
    assert out == {"removed": [SPUTNIK], "not_found": ["no-such-id"]}
    stats = index.stats()
    assert stats["documents"] == 2 and stats["band_rows"] == 2 * index.lsh.bands
    result = search_document(index, DURAN)
    assert [m["id"] for m in result.matches()] == [CAPTURE]
    assert SPUTNIK not in result.family["members"]
    remove_documents(index, [CAPTURE])
    assert search_document(index, DURAN).family is None
    assert index.stats()["families_with_copies"] == 0
    with pytest.raises(KeyError):
        search_document(index, SPUTNIK)


def test_ids_are_data_not_sql(index):
    hostile = "x'); drop table documents; --"
    add_documents(index, pa.table({"id": [hostile, "../../etc/passwd"], "text": [OTHER_TOPIC, OTHER_TOPIC + " Again."]}))
    assert search_document(index, hostile).query["id"] == hostile
    with pytest.raises(KeyError):
        search_document(index, "../../../pyproject.toml")
    assert index.stats()["documents"] == 2


def test_opening_what_is_not_an_index_fails_with_one_line(tmp_path):
    with pytest.raises(IndexStoreError, match="no such index"):
        Store(tmp_path / "missing.duckdb")
    (tmp_path / "junk.duckdb").write_bytes(b"not a database at all" * 100)
    with pytest.raises(IndexStoreError, match="cannot open index|not a copytrace index"):
        Store(tmp_path / "junk.duckdb")
    Store.create(tmp_path / "ix.duckdb").close()
    with pytest.raises(IndexStoreError, match="already exists"):
        Store.create(tmp_path / "ix.duckdb")


def test_cli_create_add_query_remove_stats(tmp_path, seeds_and_other):
    from typer.testing import CliRunner

    from copytrace.faces.cli import app

    runner = CliRunner()
    cli = lambda *args: runner.invoke(app, list(args), env={"COLUMNS": "200"})  # noqa: E731
    ix = str(tmp_path / "cli.duckdb")
    assert cli("index", "create", ix).exit_code == 0
    added = cli("index", "add", ix, str(seeds_and_other), "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["added"] == 4
    rerun = cli("index", "add", ix, str(seeds_and_other), "--json")
    assert json.loads(rerun.stdout)["present"] == 4
    query = cli("index", "query", ix, "--text-file", str(LAVROV / DURAN), "--json")
    assert query.exit_code == 0, query.output
    out = json.loads(query.stdout)
    assert out["matches"][0]["id"] == DURAN and {m["id"] for m in out["matches"]} == set(SEED_IDS)
    table = cli("index", "query", ix, "--id", DURAN)
    assert SPUTNIK in table.stdout and "source" in table.stdout
    assert cli("index", "remove", ix, "harbour.txt").exit_code == 0
    stats = json.loads(cli("index", "stats", ix, "--json").stdout)
    assert stats["documents"] == 3 and stats["families_with_copies"] == 1
    missing = cli("index", "query", ix, "--id", "nope")
    assert missing.exit_code == 3 and "no such document" in missing.stderr
    bad = cli("index", "stats", str(tmp_path / "absent.duckdb"))
    assert bad.exit_code == 3 and "no such index" in bad.stderr


def test_deferred_explanation_is_pending_until_explained(index):
    from copytrace.index import explain_pending
    from copytrace.index.tracing import PENDING

    docs = seeds()
    add_documents(index, docs.slice(0, 1))
    report = add_documents(index, docs.slice(1, 2), explain=False)
    assert report.added == 2 and report.pairs == 3
    pending = search_document(index, DURAN, explain_pending=False)
    assert pending.family["explained"] == PENDING and pending.passages.num_rows == 0
    assert {m["id"] for m in pending.matches()} == {SPUTNIK, CAPTURE}  # searchable before it is explained
    assert explain_pending(index)["families"] == 1
    done = search_document(index, DURAN)
    assert done.family["explained"] is None and done.family["original"] == SPUTNIK
    assert done.passages.num_rows > 0 and index.stats()["edges"] == 3
    assert explain_pending(index)["families"] == 0


def test_a_deferred_family_is_explained_when_first_asked_for(index):
    from copytrace.index.tracing import PENDING

    docs = seeds()
    add_documents(index, docs.slice(0, 1))
    add_documents(index, docs.slice(1, 2), explain=False)
    first = search_document(index, DURAN)  # explains the family and stores the result
    assert first.family["explained"] is None and first.family["original"] == SPUTNIK
    assert first.passages.num_rows > 0 and index.stats()["edges"] == 3
    by_id = {m["id"]: m for m in first.matches()}
    assert by_id[SPUTNIK]["role"] == "source" and by_id[SPUTNIK]["passages"]
    cur = index.cursor()
    assert cur.execute("select count(*) from families where explained = ?", [PENDING]).fetchone()[0] == 0
    cur.close()

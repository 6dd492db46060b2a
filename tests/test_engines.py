"""The out-of-core local engine: the in-memory path's results, from shards, and a resumed scan after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import copytrace
from copytrace.stages.candidates import band_codes, partition_codes
from copytrace.stages.candidates.bands import band_keys_by_band, candidate_pairs
from copytrace.faces.cli import app
from copytrace.engines import local
from copytrace.engines.local import LocalEngine
from copytrace.engines.shards import WorkDir, parse_size
from copytrace.io import InputError
from copytrace.stages.candidates.lsh import LshParams
from copytrace.settings import CleanSettings, ScanSettings

sys.path.insert(0, str(Path(__file__).parent))
from engines_corpus import write_corpus  # noqa: E402

SHARD_BYTES = 60_000  # about 9 shards of the test corpus


def assert_same_results(expected, got) -> None:
    """Same documents, pairs, families and rejects, and the same explain tables in the same row order
    (`io.output.in_output_order`: edges, edits and links once came in the order of the engine's chunks)."""
    for name in ("documents", "pairs", "families", "rejects"):
        want, have = getattr(expected, name), getattr(got, name)
        assert have.schema.equals(want.schema), name
        assert have.equals(want), name
    assert set(got.tables) == set(expected.tables)
    for name, want in expected.tables.items():
        assert got.tables[name].equals(want), name


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"), n_docs=400)


@pytest.fixture(scope="module")
def in_memory(corpus):
    return copytrace.scan(corpus)


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    work = tmp_path_factory.mktemp("work")
    return LocalEngine(work, "2MB", shard_bytes=SHARD_BYTES, workers=1).scan([corpus])


def test_the_corpus_has_families_and_a_reject(in_memory):
    assert in_memory.stats["families_with_copies"] >= 20
    assert in_memory.families["size"].to_numpy().max() >= 5
    assert in_memory.rejects.num_rows == 1


def test_local_engine_gives_the_in_memory_results(in_memory, uninterrupted, tmp_path):
    assert_same_results(in_memory, uninterrupted)
    work = Path(uninterrupted.stats["work_dir"])
    assert len(list((work / "documents").glob("part-*.arrow.done"))) >= 5
    assert len(list((work / "verify").glob("rows-*.parquet.done"))) >= 2  # a 2 MB budget verifies in chunks
    assert not list((work / "verify").glob("texts-*"))  # the pairs' gathered texts go once verified
    assert len(list((work / "trace").glob("chunk-*"))) >= 2  # provenance in chunks, from gathered documents
    assert not list((work / "align").glob("linked-*"))  # which go once traced


@pytest.mark.parametrize("codec", ["none", "lz4", "zstd"])
def test_document_shards_of_each_codec_give_the_in_memory_results(codec, corpus, in_memory, tmp_path, monkeypatch):
    """Compressed document shards (lz4 where the disk has room, zstd where it is short) are gathered
    uncompressed for verify and provenance, which read documents at random; uncompressed ones (room to spare
    twice over) are read in place: the same results either way."""
    from copytrace.engines import documents, ingest

    monkeypatch.setattr(ingest, "doc_codec", lambda folder, size: codec)
    gathered = []
    gather = documents.gather_texts
    monkeypatch.setattr(documents, "gather_texts", lambda spec: (gathered.append(spec["out"].name), gather(spec))[1])
    result = LocalEngine(tmp_path / "w", "2MB", shard_bytes=SHARD_BYTES, workers=1).scan([corpus])
    assert_same_results(in_memory, result)
    assert json.loads((tmp_path / "w" / "documents" / "rejects.parquet.done").read_text())["codec"] == codec
    shards = sorted((tmp_path / "w" / "documents").glob("part-*.arrow.done"))
    assert shards and all(json.loads(p.read_text())["codec"] == codec for p in shards)
    kinds = {name.split("-")[0] for name in gathered}
    assert kinds == (set() if codec == "none" else {"texts", "linked"})


def test_a_sharded_result_is_looked_up_and_summarised_as_the_in_memory_one(in_memory, uninterrupted):
    """The terminal summary and `family_of(id)` filter the documents by a mask over every shard: the local
    engine's documents come one shard at a time (a mask per shard failed: `scan --engine local` printed
    "internal error" after writing its outputs once a corpus took two shards)."""
    import io

    from rich.console import Console

    from copytrace.faces.summary import print_summary

    member = in_memory.families.filter(pa.compute.greater(in_memory.families["size"], 2))["members"][0][-1].as_py()
    assert uninterrupted.family_of(member) == in_memory.family_of(member)
    printed = []
    for result in (in_memory, uninterrupted):
        console = Console(file=io.StringIO(), width=120, color_system=None)
        print_summary(console, result)
        # the run's time, as the summary prints it (not any figure that happens to read alike)
        printed.append(console.file.getvalue().replace(f" in {result.stats['seconds']:.1f} s", " in S s"))
    assert printed[0].splitlines()[1:] == printed[1].splitlines()[1:] and member in printed[1]


def test_alignment_in_worker_processes_changes_nothing(corpus, in_memory, tmp_path):
    engine = LocalEngine(tmp_path / "work", "2MB", shard_bytes=SHARD_BYTES, workers=2)
    result = engine.scan([corpus])
    assert len(list((tmp_path / "work" / "align").glob("*.parquet.done"))) >= 2
    # Provenance in parallel chunks, each starting from the whole corpus' outlets: the in-memory result.
    assert len(list((tmp_path / "work" / "trace").glob("chunk-*"))) >= 2
    assert_same_results(in_memory, result)


def test_fingerprints_start_while_the_clean_stage_runs(corpus, in_memory, tmp_path):
    # Each document shard's fingerprint unit is submitted as soon as the shard is written (a worker without a
    # shard left to clean takes it), and the fingerprint stage waits for those: the same results.
    engine = LocalEngine(tmp_path / "work", "2MB", shard_bytes=SHARD_BYTES, workers=2)
    submitted = []
    original = engine.fingerprint_early

    def counting(work, settings, early, doc_path):
        original(work, settings, early, doc_path)
        submitted.append(doc_path in early)

    engine.fingerprint_early = counting
    result = engine.scan([corpus])
    shards = list((tmp_path / "work" / "documents").glob("part-*.arrow.done"))
    assert len(submitted) == len(shards) >= 2 and all(submitted)
    assert len(list((tmp_path / "work" / "fingerprint").glob("part-?????.arrow.done"))) == len(shards)
    assert_same_results(in_memory, result)


def test_scan_routes_to_the_engine(corpus, in_memory, tmp_path):
    result = copytrace.scan(corpus, engine="local", work_dir=tmp_path / "w", memory="64MB")
    assert result.stats["engine"] == "local"
    assert_same_results(in_memory, result)


def test_band_groups_give_the_in_memory_candidates():
    rng = np.random.default_rng(3)
    signatures = rng.integers(0, 50, size=(300, 16), dtype=np.uint32)  # few values: many shared buckets
    signatures[:250, :4] = 7  # one bucket over max_bucket in band 0: a star, not every pair
    a, b, shared = candidate_pairs(signatures, LshParams(bands=8, rows=2, threshold=0.3), max_bucket=40)
    keys = band_keys_by_band(signatures, 8, 2).T
    codes = np.concatenate([band_codes(keys[:, lo:lo + 3], 40) for lo in (0, 3, 6)])  # the local engine's groups
    unique, counts = np.unique(codes, return_counts=True)
    assert np.array_equal(unique >> np.uint64(32), a) and np.array_equal(unique & np.uint64(0xFFFFFFFF), b)
    assert np.array_equal(counts, shared)
    # The Ray engine's partitions by key give the same codes as whole bands.
    band = np.repeat(np.arange(8), 300)
    doc = np.tile(np.arange(300), 8)
    flat = keys.T.reshape(-1)
    parts = [partition_codes(band[m], flat[m], doc[m], 40) for m in (flat % np.uint64(3) == p for p in range(3))]
    assert np.array_equal(np.sort(np.concatenate(parts)), np.sort(codes))


CHILD = """
import sys, time
from copytrace.engines import local

finish = local.fingerprint_shard

def slow(*args, **kwargs):
    finish(*args, **kwargs)
    time.sleep(0.5)  # long enough for the test to kill the scan between shards

local.fingerprint_shard = slow

if __name__ == "__main__":
    local.LocalEngine(sys.argv[1], "2MB", shard_bytes=int(sys.argv[3]), workers=1).scan([sys.argv[2]])
"""


def kill_when_done(code: str, work: Path, corpus: Path, folder: Path, pattern: str, count: int) -> None:
    """Run a scan in a child (`code`), SIGKILL it once `count` files match `pattern` in `folder`."""
    script = work.with_name(work.name + "-child.py")
    script.write_text(code)
    child = subprocess.Popen([sys.executable, str(script), str(work), str(corpus), str(SHARD_BYTES)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        while len(list(folder.glob(pattern))) < count:
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, f"the scan never wrote {count} of {pattern}"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL


def test_a_killed_scan_resumes_with_the_same_results(corpus, uninterrupted, tmp_path, monkeypatch):
    work = tmp_path / "work"
    kill_when_done(CHILD, work, corpus, work / "fingerprint", "part-?????.arrow.done", 3)
    assert not (work / "candidates" / "pairs.parquet.done").exists()  # killed mid-way
    shards = len(list((work / "documents").glob("part-*.arrow.done")))
    finished = len(list((work / "fingerprint").glob("part-?????.arrow.done")))
    assert 3 <= finished < shards

    computed = []
    finish = local.fingerprint_shard
    monkeypatch.setattr(local, "fingerprint_shard", lambda *a, **k: (computed.append(a[0]), finish(*a, **k)))
    resumed = LocalEngine(work, "2MB", shard_bytes=SHARD_BYTES, workers=1).scan([corpus])
    assert len(computed) == shards - finished  # finished shards were skipped
    assert_same_results(uninterrupted, resumed)


CHILD_CLEAN = """
import sys, time
from copytrace.engines import cleaning, local

finish = cleaning.clean_one

def slow(*args, **kwargs):
    info = finish(*args, **kwargs)
    time.sleep(0.5)  # long enough for the test to kill the scan between cleaned shards
    return info

cleaning.clean_one = slow

if __name__ == "__main__":
    local.LocalEngine(sys.argv[1], "2MB", shard_bytes=int(sys.argv[3]), workers=1).scan([sys.argv[2]])
"""


def test_a_scan_killed_while_cleaning_resumes_without_its_deleted_scratch(corpus, uninterrupted, tmp_path):
    """Cleaned shards' raw copies are deleted as they are done: a resumed ingest must not need them."""
    work = tmp_path / "work"
    kill_when_done(CHILD_CLEAN, work, corpus, work / "documents", "part-?????.arrow.done", 2)
    assert not (work / "documents" / "rejects.parquet.done").exists()  # killed inside the ingest
    raw = work / "raw"
    assert not (raw / "part-00000.raw.arrow").exists()  # a cleaned shard's scratch copy is gone
    assert (raw / "templates.json.done").exists()
    resumed = LocalEngine(work, "2MB", shard_bytes=SHARD_BYTES, workers=1).scan([corpus])
    assert_same_results(uninterrupted, resumed)
    assert not raw.exists()  # scratch removed once the ingest is done


def test_a_work_dir_of_another_scan_is_refused(corpus, tmp_path):
    engine = LocalEngine(tmp_path / "w", "16MB", workers=1)
    settings = ScanSettings(explain=False)
    engine.scan([corpus], settings=settings)
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert manifest["job"]["settings"] == settings.to_dict()
    with pytest.raises(InputError, match="other inputs or settings"):  # cleaning is one of the settings
        engine.scan([corpus], settings=settings.replace(clean=CleanSettings(chrome_removal=False)))
    with pytest.raises(InputError, match="other inputs or settings"):
        WorkDir(tmp_path / "w", {"something": "else"})


def test_sizes():
    assert parse_size("6GB") == 6 * 2**30
    assert parse_size("512mb") == 512 * 2**20
    assert parse_size("1.5g") == int(1.5 * 2**30)
    assert parse_size(1000) == 1000
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_cli_local_engine_writes_the_in_memory_outputs(corpus, in_memory, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["scan", str(corpus), "-o", str(out), "-q", "--engine", "local",
                                      "--memory", "64MB"])
    assert result.exit_code == 0, result.output
    assert not (out / ".work").exists()  # removed after a successful scan (--keep-work keeps it)
    assert pq.read_table(out / "pairs.parquet").equals(in_memory.pairs)
    assert pq.read_table(out / "families.parquet").equals(in_memory.families)


def test_the_default_engine_runs_a_large_input_out_of_core(corpus, in_memory, tmp_path, monkeypatch):
    """`auto` (the default): in memory up to IN_MEMORY_UP_TO bytes of input, else the local engine, said so; a
    million news documents need ~36 GB in memory and once ended killed for want of it."""
    import gzip

    from copytrace import engines

    size = sum(p.stat().st_size for p in corpus.glob("*.jsonl"))
    assert engines.input_bytes([corpus]) == size
    assert engines.choose_engine("auto", [corpus]) == ("memory", None)
    assert engines.choose_engine("local", [corpus]) == ("local", None)
    words = np.random.default_rng(3).integers(0, 10**6, (50, 150)).astype(str)
    pq.write_table(pa.table({"text": [" ".join(row) for row in words]}), tmp_path / "in.parquet", compression="zstd")
    assert engines.input_bytes(tmp_path / "in.parquet") >= 50 * 150 * 6  # its decoded size, not its size on disk
    (tmp_path / "in.jsonl.gz").write_bytes(gzip.compress(b"{}\n" * 10))
    assert engines.input_bytes([tmp_path / "in.jsonl.gz"]) == 4 * (tmp_path / "in.jsonl.gz").stat().st_size
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    assert engines.input_bytes([tmp_path / "broken.parquet"]) == 0  # the scan rejects it, with its reason

    monkeypatch.setattr(engines, "IN_MEMORY_UP_TO", size - 1)
    engine, why = engines.choose_engine("auto", [corpus])
    assert engine == "local" and "out of core" in why and "--engine memory" in why
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["scan", str(corpus), "-o", str(out), "--memory", "64MB"])
    assert result.exit_code == 0, result.output
    assert "scanning out of core (--engine local" in result.output
    assert not (out / ".work").exists()
    assert pq.read_table(out / "pairs.parquet").equals(in_memory.pairs)
    assert pq.read_table(out / "families.parquet").equals(in_memory.families)
    quiet = CliRunner().invoke(app, ["scan", str(corpus), "-o", str(tmp_path / "q"), "-q", "--memory", "64MB"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_cli_rejects_an_unknown_engine_and_a_bad_budget(corpus, tmp_path):
    bad = CliRunner().invoke(app, ["scan", str(corpus), "-o", str(tmp_path), "--engine", "spark"])
    assert bad.exit_code == 2 and "--engine must be one of" in bad.output
    bad = CliRunner().invoke(app, ["scan", str(corpus), "-o", str(tmp_path), "--engine", "local", "--memory", "lots"])
    assert bad.exit_code == 2 and "--memory" in bad.output


def test_chrome_templates_are_learnt_over_every_shard(tmp_path):
    """A source's footer on every page is chrome though no single shard holds enough of its pages."""
    rng = np.random.default_rng(5)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocabulary = np.array(["".join(letters[rng.integers(0, 26, 6)]) for _ in range(3000)])  # no digits: line keys fold them
    rows = []
    for d in range(40):
        source = f"Outlet {d % 4}"
        body = "\n\n".join(" ".join(vocabulary[rng.integers(0, 3000, 12)]).capitalize() + "." for _ in range(6))
        rows.append({"id": f"t{d:03d}", "text": f"{body}\nCopyright 2026 {source}. All rights reserved.",
                     "source": source})
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    expected = copytrace.scan(path, settings=ScanSettings(explain=False))
    got = LocalEngine(tmp_path / "work", "2MB", shard_bytes=1_500, workers=2).scan(
        [path], settings=ScanSettings(explain=False))
    assert len(list((tmp_path / "work" / "documents").glob("part-*.arrow.done"))) >= 10  # 4 pages a shard or fewer
    assert expected.tables["removed_lines"].num_rows == 40  # every footer
    assert got.tables["removed_lines"].sort_by("id").equals(expected.tables["removed_lines"].sort_by("id"))
    assert got.documents.equals(expected.documents)

"""Where the fingerprint stage's time goes: one document shard's unit (`engines.local.fingerprint_shard`), step by step.

Takes the first --docs documents of the news corpus (cleaned text as the
local engine would have it is close to the generated text: chrome is a few
lines), on one numba thread as in an engine worker, and times each step
of the unit in CPU seconds of this process (the machine is shared: wall
time is shown beside the load):

1. UTF-8 view of the Arrow text column;
2. the compiled pass without anchors: tokenize (with folding), 5-word
   shingle hashes, one-permutation MinHash with densification;
3. the same pass with anchors: the difference is winnowing;
4. band keys from the signatures (`band_keys_by_band`);
5. anchor rows and their split into 16 hash partitions;
6. writing: the anchors (one Arrow IPC file, a record batch per partition) and the band keys (Arrow IPC).

    .venv/bin/python bench/fingerprint_profile.py --docs 20000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numba  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.ipc as ipc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from copytrace.settings import ScanSettings  # noqa: E402
from copytrace.stages.candidates.bands import band_keys_by_band  # noqa: E402
from copytrace.stages.fingerprint import _signatures  # noqa: E402
from copytrace.text.folding import folding_table  # noqa: E402
from copytrace.text.tokens import utf8_batch  # noqa: E402


def step(rows: list, name: str, run, mb: float):
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows.append((name, cpu, wall))
    print(f"{name:<44} {cpu:7.3f} CPU s {mb / cpu if cpu else float('inf'):8.1f} MB/CPU s {wall:7.3f} wall s "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "bench" / "data" / "news-100000-r10-s42.parquet")
    parser.add_argument("--docs", type=int, default=20_000)
    args = parser.parse_args()
    numba.set_num_threads(1)
    texts = pq.read_table(args.data, columns=["text"])["text"].slice(0, args.docs).combine_chunks().cast(pa.large_string())
    settings = ScanSettings()
    hasher, lsh = settings.hasher, settings.lsh
    mb = texts.nbytes / 1e6
    buf, offsets = utf8_batch(texts)
    _signatures(buf[:offsets[50]], offsets[:51], hasher.shingle_size, hasher.num_perm, folding_table(), settings.anchor_window)
    print(f"{args.docs:,} documents, {mb:.1f} MB of text, {hasher.num_perm} permutations, {lsh.bands} bands x "
          f"{lsh.rows} rows, anchor window {settings.anchor_window}, 1 numba thread")
    rows = []
    step(rows, "1 UTF-8 view of the texts", lambda: utf8_batch(texts), mb)
    step(rows, "2 tokenize + shingles + MinHash (no anchors)", lambda: _signatures(
        buf, offsets, hasher.shingle_size, hasher.num_perm, folding_table(), 0), mb)
    sigs, counts, flagged, values, value_offsets = step(rows, "3 ... with winnowed anchors", lambda: _signatures(
        buf, offsets, hasher.shingle_size, hasher.num_perm, folding_table(), settings.anchor_window), mb)
    keys = step(rows, "4 band keys", lambda: band_keys_by_band(sigs, lsh.bands, lsh.rows), mb)

    def partitions():  # as engines.local.fingerprint_shard splits them (Fingerprints.anchor_partitions)
        from copytrace.stages.fingerprint import _partitioned

        docs = np.repeat(np.arange(len(counts), dtype=np.int64), np.diff(value_offsets))
        ordered, ordered_docs, bounds = _partitioned(values, docs, 4)
        ordered, ordered_docs = pa.array(ordered), pa.array(ordered_docs.astype(np.uint32))
        return [pa.record_batch([ordered[lo:hi], ordered_docs[lo:hi]], names=["value", "doc"])
                for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())]

    def write_ipc(path, batches):  # as engines.shards.write_batches writes them (one file, a batch a partition)
        with ipc.new_file(path, batches[0].schema) as writer:
            for batch in batches:
                writer.write_batch(batch)

    parts = step(rows, "5 anchor rows, 16 partitions", partitions, mb)
    with tempfile.TemporaryDirectory() as folder:
        step(rows, "6a write anchors (Arrow IPC)", lambda: write_ipc(f"{folder}/anchors.arrow", parts), mb)
        table = pa.table({f"k{j:03d}": keys[j] for j in range(keys.shape[0])})
        step(rows, "6b write band keys (Arrow IPC)", lambda: write_ipc(f"{folder}/k.arrow", table.to_batches()), mb)
        size = os.path.getsize(f"{folder}/anchors.arrow")
    print(f"anchors: {len(values):,} ({len(values) / len(counts):.0f} a document), {size / 1e6:.1f} MB on disk; "
          f"NFKC redo needed by {int(flagged.sum())} documents")
    total = sum(cpu for name, cpu, _ in rows if not name.startswith("2"))
    print(f"unit total (1, 3-6): {total:.2f} CPU s = {mb / total:.1f} MB/CPU s")


if __name__ == "__main__":
    main()

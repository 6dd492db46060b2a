"""`scan`: the main job, from input files to passages, story families and who copied whom.

ingest -> clean -> fingerprint -> candidates -> verify -> families -> align -> provenance -> write

Each stage is a unit of `copytrace.stages` (and `copytrace.io` for ingest
and write); an engine of `copytrace.engines` schedules them.
"""

from __future__ import annotations

from pathlib import Path

from copytrace.io import FieldMap
from copytrace.io.output import ScanResult
from copytrace.progress import Progress
from copytrace.settings import ScanSettings


def scan(
    paths,
    *,
    fields: FieldMap | None = None,
    metadata: str | Path | None = None,
    settings: ScanSettings | None = None,
    max_doc_bytes: int | None = None,
    progress: Progress | None = None,
    engine: str = "memory",
    work_dir: str | Path | None = None,
    memory: str | int = "4GB",
    address: str | None = None,
) -> ScanResult:
    """Find reused text among the documents under `paths`.

    `settings`: everything the scan decides (`ScanSettings`: cleaning,
    shingles, LSH, anchors, keep rule, alignment, provenance, aliases).

    `engine`: "memory" (everything in this process), "local" (out of core:
    shards in `work_dir`, memory under `memory`, resumable), "ray" (Ray
    Data, on the cluster at `address`) or "auto" (memory for inputs up to
    64 MB, else local: the CLI's default); see `copytrace.engines`. Every
    engine runs the same stage units and gives the same tables. The local
    engine starts worker processes: a script must guard its entry point
    with `if __name__ == "__main__":`, hence not the default here.

    Raises `InputError` for an unreadable path or when no usable document
    was read; bad records never raise, they are returned in `rejects`.
    """
    from copytrace.collector import fewer_collections
    from copytrace.engines import choose_engine, make_engine

    settings = (settings or ScanSettings()).check()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    engine, _ = choose_engine(engine, paths)
    runner = make_engine(engine, work_dir=work_dir, memory=memory, address=address)
    with fewer_collections():
        return runner.scan(paths, fields, metadata, settings, max_doc_bytes, progress or Progress())

"""Engines that run the scan stages at scale.

- `auto` (the CLI's default): `memory` for an input of up to
  `IN_MEMORY_UP_TO` bytes, `local` beyond (`choose_engine`).
- `memory` (the default of `copytrace.scan`): every stage in one process,
  every signature in memory; the quickest on small inputs, about 12 bytes
  of memory per input byte.
- `local` (`LocalEngine`): out of core, every stage's output in shards of a
  work folder, memory held under a budget, an interrupted scan resumes.
- `ray` (`RayEngine`): the same stages on Ray Data, on a local Ray instance
  or an existing cluster.

All three give the same pairs and families on the same input.
"""

from __future__ import annotations

from copytrace.ingest_total import input_bytes

ENGINES = ("auto", "memory", "local", "ray")
# Where `auto` stops running in memory. Measured on 2 cores with news documents of ~3 KB (`copytrace scan -q`,
# wall s and peak RSS, memory against local): 10,000 documents 10.4 s 0.70 GB against 12.6 s 0.60 GB; 30,000
# 23.2 s 1.35 GB against 21.4 s 0.71 GB; 100,000 (328 MB) 69.8 s 3.78 GB against 47.7 s 0.91 GB. A million would
# need ~36 GB in memory. Beyond it, the local engine's workers use every core and its memory stays under budget.
IN_MEMORY_UP_TO = 64 << 20


def choose_engine(engine: str, paths) -> tuple[str, str | None]:
    """The engine to run for `engine` (an `auto` choice made from the inputs' size), and why, when chosen."""
    if engine != "auto":
        return engine, None
    size = input_bytes(paths)
    if size <= IN_MEMORY_UP_TO:
        return "memory", None
    return "local", (f"about {size / 1e6:,.0f} MB of input: scanning out of core (--engine local; "
                     f"--engine memory to hold it all in memory, about {12 * size / 1e9:,.1f} GB)")


def make_engine(name: str, *, work_dir=None, memory="4GB", address=None, **options):
    """The engine called `name`, ready to `scan(...)`; `work_dir` defaults to a temporary folder.

    The result's documents and explain tables are memory-mapped from the work
    folder: keep it until the result is written.
    """
    if name == "auto":
        raise ValueError("engine 'auto' is chosen before it is made: choose_engine(engine, paths)")
    if name == "memory":
        from copytrace.engines.memory import MemoryEngine

        return MemoryEngine()
    if name == "local":
        from copytrace.engines.local import LocalEngine

        return LocalEngine(work_dir or _temporary_work_dir(), memory, **options)
    if name == "ray":
        from copytrace.engines.ray import RayEngine

        return RayEngine(address=address, memory=memory, work_dir=work_dir, **options)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {name!r}")


def _temporary_work_dir():
    import tempfile

    return tempfile.mkdtemp(prefix="copytrace-work-")

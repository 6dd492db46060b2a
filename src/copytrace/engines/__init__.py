"""Engines that run the scan stages at scale.

- `memory` (the default of `copytrace.scan`): every stage in one process,
  every signature in memory; fastest up to a few hundred thousand documents.
- `local` (`LocalEngine`): out of core, every stage's output in shards of a
  work folder, memory held under a budget, an interrupted scan resumes.
- `ray` (`RayEngine`): the same stages on Ray Data, on a local Ray instance
  or an existing cluster.

All three give the same pairs and families on the same input.
"""

from __future__ import annotations

ENGINES = ("memory", "local", "ray")


def make_engine(name: str, *, work_dir=None, memory="4GB", address=None, **options):
    """The engine called `name`, ready to `scan(...)`; `work_dir` defaults to a temporary folder.

    The result's documents and explain tables are memory-mapped from the work
    folder: keep it until the result is written.
    """
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

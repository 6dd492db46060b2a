"""The numba kernels compiled once, with a word and a bar: a fresh install's first scan is not frozen.

Every kernel is `cache=True`: numba writes its machine code beside the
module (`__pycache__/*.nbi|*.nbc`, or under NUMBA_CACHE_DIR) on first use and
loads it after. `warm_kernels` finds whether that has happened (a stamp
written after a warming scan, naming numba's version and the kernel sources'
times) and, if not, says so in one line and runs a scan of the bundled
sample, which calls every scan kernel, one bar step per stage.
"""

from __future__ import annotations

from pathlib import Path

# The modules holding the scan's kernels: their cache files tell whether compiling is still to come.
KERNEL_MODULES = ("text/tokens.py", "text/sentence_match.py", "stages/fingerprint.py", "stages/candidates/bands.py", "stages/verify.py",
                  "stages/align.py", "stages/families.py", "stages/clean/templates.py")
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_articles.jsonl.gz"


def _stamp() -> Path:
    from copytrace.text.code_point_tables import cache_folder

    return cache_folder()


def _fingerprint() -> str:
    """What the cached machine code depends on: numba's and Python's versions and the kernel sources' times."""
    import sys

    import numba

    package = Path(__file__).resolve().parents[1]
    times = ",".join(str(int((package / m).stat().st_mtime)) for m in KERNEL_MODULES)
    return f"numba {numba.__version__} python {sys.version_info[:2]} {times}"


def kernels_cached() -> bool:
    """True when a warming scan has run since the kernels or numba last changed (its stamp says so)."""
    stamp = _stamp() / "copytrace-kernels.stamp"
    try:
        return stamp.read_text() == _fingerprint()
    except OSError:
        return False


def _write_stamp() -> None:
    try:
        _stamp().mkdir(parents=True, exist_ok=True)
        (_stamp() / "copytrace-kernels.stamp").write_text(_fingerprint())
    except OSError:  # a read-only install: numba then caches nothing either, and the notice stays honest
        pass


class _StageSteps:
    """A Progress that advances one bar a step for each stage the warming scan starts."""

    def __init__(self, advance):
        self.advance = advance

    def task(self, description, total=None):
        from contextlib import contextmanager

        @contextmanager
        def step():
            yield lambda n=1: None
            self.advance(1)

        return step()


def warm_kernels(progress, always: bool = False) -> int:
    """Compile (or load) every scan kernel by scanning the bundled sample; returns the stages run.

    Does nothing when the cache is already there, unless `always`.
    """
    if not always and kernels_cached():
        return 0
    import copytrace

    if hasattr(progress, "note") and not always:
        progress.note("first run: compiling the scan kernels (once; about a minute)")
    stages = 7  # the memory engine's bars: ingest clean fingerprint candidates verify align provenance
    with progress.task("compile", total=stages) as advance:
        copytrace.scan(SAMPLE, fields=copytrace.FieldMap(text="articleBody"), progress=_StageSteps(advance))
    _write_stamp()
    return stages

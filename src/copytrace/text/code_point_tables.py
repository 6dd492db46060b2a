"""Code point tables kept on disk beside the compiled kernels, so a process loads them instead of building them.

The text stages classify characters through tables indexed by code point
(case folding, letters and digits, `\\w` words, marks, NFKC folding), each
built from Python's Unicode data by a loop over tens of thousands of
characters: 0.05-0.1 CPU s each, about a quarter of a second in every worker
process of a scan and in every short-lived command. Like numba's own cache,
each table is written once to the cache folder of the compiled kernels
(`cache_folder`: NUMBA_CACHE_DIR, else the package's `__pycache__`) and read back after.

What a table depends on is in its file's name: the table's name, Python's
version and Unicode data, NumPy's major version and a hash of the package's
sources (a table is built from constants spread over several modules; any
change to the package builds it again, once). A folder that cannot be
written, or a file that cannot be read, only costs the build: the table is
always the builder's.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np

PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def sources_hash() -> str:
    """A hash of the package's Python sources (about 5 ms, once per process)."""
    digest = hashlib.blake2b(digest_size=10)
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_folder() -> Path:
    """Where numba keeps the compiled kernels: NUMBA_CACHE_DIR, else the package's `__pycache__`."""
    root = os.environ.get("NUMBA_CACHE_DIR")
    return Path(root) if root else PACKAGE / "__pycache__"


def table_path(name: str) -> Path:
    """Where table `name` of this package, Python and NumPy is kept."""
    python = f"py{sys.version_info[0]}{sys.version_info[1]}-unicode{unicodedata.unidata_version}"
    numpy_major = np.__version__.split(".")[0]
    return cache_folder() / "tables" / f"{name}.{python}-np{numpy_major}-{sources_hash()}.npz"


def cached_table(name: str, build: Callable[[], np.ndarray | tuple[np.ndarray, ...]]
                 ) -> np.ndarray | tuple[np.ndarray, ...]:
    """`build()`, loaded from the cache folder when an earlier process saved it, else built and saved there.

    A tuple of arrays comes back as a tuple, one array as an array.
    """
    path = table_path(name)
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = tuple(stored[f"a{i}"] for i in range(int(stored["count"])))
            return arrays if bool(stored["is_tuple"]) else arrays[0]
    except (OSError, ValueError, KeyError, EOFError):
        pass
    table = build()
    _save(path, table)
    return table


def _save(path: Path, table: np.ndarray | tuple[np.ndarray, ...]) -> None:
    """Written to a temporary name and renamed: two workers building at once leave one whole file."""
    arrays = table if isinstance(table, tuple) else (table,)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            np.savez(handle, count=len(arrays), is_tuple=isinstance(table, tuple),
                     **{f"a{i}": a for i, a in enumerate(arrays)})
        os.replace(temporary, path)
        for stale in path.parent.glob(f"{path.name.split('.')[0]}.*.npz"):  # of earlier sources or versions
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:  # a read-only install: every process builds the table, as before
        pass

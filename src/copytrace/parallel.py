"""How the compiled kernels share the cores."""

from __future__ import annotations

from contextlib import contextmanager

import numba


@contextmanager
def small_parallel_chunks():
    """Parallel loops started from this thread hand out one iteration at a time.

    By default a `prange` is split into one equal share per core up front; on
    a machine shared with other work, the wall time is then that of the most
    slowed core. Handed out one by one (iterations here are units of many
    documents, bands or partitions of anchors), a slowed core simply takes
    fewer. Set from Python: setting it inside a kernel would stop numba from
    caching the kernel.
    """
    previous = numba.set_parallel_chunksize(1)
    try:
        yield
    finally:
        numba.set_parallel_chunksize(previous)

"""Slices of an Arrow text column holding about a given number of bytes each."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc



def text_batches(texts: pa.ChunkedArray | pa.Array, batch_bytes: int):
    """Slices [start, stop) of `texts` holding about `batch_bytes` of text each."""
    ends = np.cumsum(pc.binary_length(texts).fill_null(0).to_numpy(zero_copy_only=False))
    start = 0
    while start < len(ends):
        # A batch ends with the first text that brings it to batch_bytes.
        base = ends[start - 1] if start else 0
        stop = min(int(np.searchsorted(ends, base + batch_bytes, side="left")) + 1, len(ends))
        yield start, stop
        start = stop

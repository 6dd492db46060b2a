"""Families stage: connected components over kept pairs.

Every document gets a family id, singletons included. Ids are stable for a
given input: families are numbered by size (largest first), then by the
first of their members in input order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from copytrace.text.lang import with_language


@njit(cache=True)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root


@njit(cache=True)
def _components(n, a, b):
    parent = np.arange(n)
    for k in range(len(a)):
        ra, rb = _find(parent, a[k]), _find(parent, b[k])
        if ra != rb:
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb
    roots = np.empty(n, dtype=np.int64)
    for x in range(n):
        roots[x] = _find(parent, x)
    return roots


def connected_components(n_docs: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Family number (0 = largest family) of each of `n_docs` documents linked by pairs (a, b)."""
    roots = _components(n_docs, np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
    unique_roots, inverse, sizes = np.unique(roots, return_inverse=True, return_counts=True)
    # The root is a component's smallest member index, so sorting by
    # (-size, root) orders families by size, then by first appearance.
    rank = np.lexsort((unique_roots, -sizes))
    number = np.empty(len(unique_roots), dtype=np.int64)
    number[rank] = np.arange(len(unique_roots))
    return number[inverse]


def families_table(ids, family: np.ndarray) -> pa.Table:
    """One row per family: its number, size and members (in input order).

    `ids`: a NumPy array, a list, or an Arrow array (no Python string per document, for corpora of millions).
    """
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    elif not isinstance(ids, pa.Array):
        ids = pa.array(ids, pa.string())
    family = np.asarray(family)
    order = np.argsort(family, kind="stable")
    numbers, starts, sizes = np.unique(family[order], return_index=True, return_counts=True)
    offsets = pa.array(np.append(starts, len(order)).astype(np.int32))
    members = pa.ListArray.from_arrays(offsets, ids.take(pa.array(order, pa.int64())))
    return pa.table({"family": pa.array(numbers, pa.int64()), "size": pa.array(sizes, pa.int64()),
                     "members": members.cast(pa.list_(pa.string()))})


def with_families(documents: pa.Table, family: np.ndarray, n_shingles: np.ndarray,
                  facts: bool | pa.Table = True) -> pa.Table:
    """Documents as the output lists them: text and facts (no html), family, characters, shingles, published.

    `facts`: the language and published columns (`language_and_dates`) already computed for these rows (the
    local engine computes them in its workers), or False for a working copy that needs none of them
    (align and provenance read neither).
    """
    documents = documents.drop_columns([c for c in ("html", "doc") if c in documents.column_names])
    documents = documents.append_column("family", pa.array(family, pa.int64()))
    documents = documents.append_column("n_chars", pc.utf8_length(documents["text"]).cast(pa.int64()))
    documents = documents.append_column("n_shingles", pa.array(n_shingles, pa.int64()))
    if facts is False:
        return documents
    if facts is True:
        facts = language_and_dates(documents)
    for name in facts.column_names:
        documents = documents.append_column(facts.field(name), facts[name])
    return documents


def language_and_dates(documents: pa.Table) -> pa.Table:
    """The columns `with_families` adds from each document alone: lang, lang_score (issue 15) unless the
    documents have them, and published, its precision, source (field, page, dateline) and raw string."""
    from copytrace.text.dates import PUBLISHED_COLUMNS

    read = [c for c in ("text", "date", "origin") if c in documents.column_names]
    found = documents.select(read)
    if "lang" not in documents.column_names:
        found = with_language(found)
    types = (pa.timestamp("us", tz="UTC"), pa.string(), pa.string(), pa.string())
    columns = list(zip(*published(documents))) or [()] * len(types)
    for name, values, kind in zip(PUBLISHED_COLUMNS, columns, types):
        found = found.append_column(name, pa.array(values, kind))
    return found.drop_columns(read)


def published(documents: pa.Table) -> list[tuple]:
    """`dates.published_of` of every document (its PUBLISHED_COLUMNS, Nones where it has no date), each
    distinct date field read once: a field that reads gives the same answer whatever the text (field, or
    page where the origin is a page file); the texts of the others are searched for a dateline."""
    from copytrace.text.dates import _PAGE_FILES, published_of

    n = documents.num_rows
    if "date" in documents.column_names:
        fields = pc.dictionary_encode(documents["date"].combine_chunks())
        read = [published_of(value, None) for value in fields.dictionary.to_pylist()]
        found = [read[k] if k is not None else None for k in fields.indices.to_pylist()]
    else:
        found = [None] * n
    undated = [i for i, f in enumerate(found) if f is None]
    if undated:
        texts = documents["text"].take(pa.array(undated, pa.int64())).to_pylist()
        for i, text in zip(undated, texts):
            found[i] = published_of(None, text)
    if "origin" in documents.column_names:
        origins = documents["origin"].to_pylist()
        for i, f in enumerate(found):
            if f is not None and f[2] == "field" and origins[i] and _PAGE_FILES.search(origins[i]):
                found[i] = (*f[:2], "page", f[3])
    return [f or (None,) * 4 for f in found]

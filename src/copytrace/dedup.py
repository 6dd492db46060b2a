"""A deduplicated dataset from a scan: which documents to keep, which to drop, and why.

Two rules, on a detection-only scan (pairs and families, no passages):

- `family`: one document per story family, the `earliest` (by its published
  date; undated ones after dated ones, input order breaking ties) or the
  `longest` (characters), or the `first` in input order;
- `containment`: documents visited in that same order; one is dropped when
  at least `threshold` of its shingles are inside a document already kept
  (the containment figure of the pairs table), else kept. Unlike `family`, a
  document that only quotes a paragraph of a kept one is kept.

Every dropped document names the kept one it duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

RULES = ("family", "containment")
ORDERS = ("earliest", "longest", "first")

DROPPED_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("kept", pa.string(), nullable=False),  # the kept document it duplicates
    pa.field("family", pa.int64()),
    pa.field("containment", pa.float64()),  # share of its shingles inside the kept one
    pa.field("reason", pa.string()),
])


@dataclass
class Dedup:
    kept: list[str]  # ids, in input order
    dropped: pa.Table  # DROPPED_SCHEMA

    @property
    def kept_set(self) -> set[str]:
        return set(self.kept)


def preference(documents: pa.Table, order: str) -> list[int]:
    """Row numbers of `documents` from the one most worth keeping to the least."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    rows = range(documents.num_rows)
    if order == "first":
        return list(rows)
    if order == "longest":
        chars = documents["n_chars"].to_pylist()
        return sorted(rows, key=lambda i: (-(chars[i] or 0), i))
    if "published" in documents.column_names:
        return _by_published(documents["published"])
    from copytrace.text.dates import document_date

    dates, texts = documents["date"].to_pylist(), documents["text"].to_pylist()
    keys = []
    for i in rows:
        found = document_date(dates[i], texts[i])
        keys.append((0, _utc(found.value), i) if found else (1, None, i))
    return [k[2] for k in sorted(keys, key=lambda k: (k[0], k[1] or 0, k[2]))]


def _by_published(published) -> list[int]:
    """Rows by their published date (a scan's documents have it: the date field, else a dateline, in UTC),
    the undated last, ties in input order: what `document_date` of each row gives, without the texts."""
    import numpy as np
    import pyarrow.compute as pc

    values = pc.fill_null(published.cast(pa.int64()), 0).to_numpy()
    undated = pc.is_null(published).to_numpy(zero_copy_only=False)
    return np.lexsort((np.arange(len(values)), values, undated)).tolist()


def _utc(value):
    from datetime import timezone

    return value.astimezone(timezone.utc).timestamp() if value.tzinfo else value.replace(
        tzinfo=timezone.utc).timestamp()


def deduplicate(documents: pa.Table, pairs: pa.Table, rule: str = "family", order: str = "earliest",
                threshold: float = 0.8) -> Dedup:
    """Which documents of a scan to keep under `rule` (see the module's doc)."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    ids = documents["id"].to_pylist()
    families = documents["family"].to_pylist()
    ranked = preference(documents, order)
    drops = []
    if rule == "family":
        keeper: dict[int, str] = {}
        contained = _containments(pairs)
        for i in ranked:
            if families[i] in keeper:
                kept = keeper[families[i]]
                drops.append((ids[i], kept, families[i], contained.get((ids[i], kept)),
                              f"family {families[i]}: one kept per family ({order}), {kept}"))
            else:
                keeper[families[i]] = ids[i]
    else:
        contained = _containments(pairs)
        partners: dict[str, list[str]] = {}
        for x, y in contained:
            partners.setdefault(x, []).append(y)
        kept_so_far: set[str] = set()
        for i in ranked:
            doc = ids[i]
            inside = [(contained[(doc, k)], k) for k in partners.get(doc, []) if k in kept_so_far]
            share, kept = max(inside, default=(0.0, None))
            if kept is not None and share >= threshold:
                drops.append((doc, kept, families[i], share,
                              f"{share:.0%} of its shingles inside {kept} (threshold {threshold:.0%})"))
            else:
                kept_so_far.add(doc)
    dropped_ids = {d[0] for d in drops}
    position = {doc: i for i, doc in enumerate(ids)}
    drops.sort(key=lambda d: position[d[0]])
    dropped = pa.Table.from_pylist([dict(zip(DROPPED_SCHEMA.names, d)) for d in drops], schema=DROPPED_SCHEMA)
    return Dedup([i for i in ids if i not in dropped_ids], dropped)


def _containments(pairs: pa.Table) -> dict[tuple[str, str], float]:
    """(x, y) -> share of x's shingles inside y, both ways for every pair."""
    out = {}
    for a, b, a_in_b, b_in_a in zip(pairs["a"].to_pylist(), pairs["b"].to_pylist(),
                                     pairs["containment_a_in_b"].to_pylist(), pairs["containment_b_in_a"].to_pylist()):
        out[(a, b)] = a_in_b or 0.0
        out[(b, a)] = b_in_a or 0.0
    return out

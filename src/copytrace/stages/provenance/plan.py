"""Tree first: the original and each copy's most likely source from cheap evidence, before any alignment.

A family of n documents has n (n - 1) / 2 pairs but only n - 1 tree edges.
Aligning and tracing every pair made cost grow with pairs (a story in
1,000 copies: 158k pairs); here the tree is decided from what costs one pass
per document or per pair figure:

- dates (`text.dates`): the earliest trustworthy date, a date far from the
  family's median (a page-template year) discounted;
- credits found per document: a member crediting another member's outlet
  is a copy of it;
- framing: a member whose opening words no other member carries opens with
  prose of its own, as a copy's added lead does;
- containment from verification: each copy hangs from the earlier member
  that holds most of it.

Then only the tree's edges are aligned and traced (`explain_mask`), plus
the pairs that may join nothing (possible quotes, whose passage decides
whether they stay). `choose_original` takes a list of per-member evidence,
so further direction cues can be plugged in as fields of `MemberEvidence`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.settings import ProvenanceSettings
from copytrace.text.dates import ParsedDate

# Words of a member's opening looked for in the other members' texts.
OPENING_WORDS = 8
# A date counts as trustworthy at this confidence (a field or a dateline, not a guess).
TRUSTED_DATE = 0.5


@dataclass
class MemberEvidence:
    """What one member says about its place in the family, cheaply."""

    id: str
    order: int  # input order: the last tie-break
    date: ParsedDate | None = None
    credits: list[str] = field(default_factory=list)  # members whose outlet this member credits
    framed: bool = False  # opens with prose no other member carries
    carried: float = 0.0  # share of the other members that carry its opening words
    date_note: str | None = None  # why its date was discounted

    def trusted(self) -> bool:
        return self.date is not None and self.date.confidence >= TRUSTED_DATE and self.date_note is None


def discount_outlier_dates(members: list[MemberEvidence], settings: ProvenanceSettings) -> None:
    """Mark dates more than `date_outlier_days` from the family's median date (three dated members or more)."""
    dated = [m for m in members if m.date is not None and m.date.confidence >= TRUSTED_DATE]
    if len(dated) < 3:
        return
    stamps = np.array([_stamp(m.date) for m in dated])
    median = float(np.median(stamps))
    limit = settings.date_outlier_days * 86400.0
    for m, stamp in zip(dated, stamps):
        if abs(stamp - median) > limit:
            days = abs(stamp - median) / 86400.0
            m.date_note = (f"date: {m.id}'s {m.date.iso()} ({m.date.origin}) lies {days:,.0f} days from the "
                           f"family's median date: discounted (a page template's date, or a wrong one)")


def _stamp(date: ParsedDate) -> float:
    v = date.value
    if v.tzinfo is not None:
        v = v.astimezone(tz=None).replace(tzinfo=None)
    return v.timestamp()


def date_rank(m: MemberEvidence) -> tuple:
    """Earliest trustworthy date first; undated and discounted members after, in input order."""
    return (0, _stamp(m.date), m.order) if m.trusted() else (1, 0.0, m.order)


def choose_original(members: list[MemberEvidence], settings: ProvenanceSettings) -> tuple[str, list[str]]:
    """The family's original and why: the earliest trustworthy date unless text evidence overrides it.

    Text evidence: a member that credits another member's outlet is a copy;
    a member that opens with prose no other member carries (framing) is a
    copy when another member's opening is carried by most members. The evidence lines say which member was
    passed over and why, and which dates were discounted.
    """
    discount_outlier_dates(members, settings)
    reasons = [m.date_note for m in members if m.date_note]
    ranked = sorted(members, key=date_rank)
    # Framing speaks only when another member's opening is carried by most of the family: then that
    # text is what was copied, and a lead nobody else has is a copy's own.
    plain = [m for m in ranked if not m.framed and not m.credits and m.carried >= 0.5]
    for m in ranked:
        if m.credits:
            reasons.append(f"credit: {m.id} credits {', '.join(m.credits[:3])}: a copy, not the original")
            continue
        if m.framed and plain:
            reasons.append(f"framing: {m.id} opens with prose no other member carries: a copy's lead")
            continue
        how = (f"earliest trustworthy date {m.date.iso()} ({m.date.origin})" if m.trusted()
               else "no trustworthy date in the family: first in input order")
        reasons.append(f"original: {m.id}, {how}")
        return m.id, reasons
    first = ranked[0]
    reasons.append(f"original: {first.id}, every member credits another or is framed: the earliest kept")
    return first.id, reasons


def member_order(members: list[MemberEvidence], original: str) -> list[str]:
    """The original, then the others from the earliest trustworthy date."""
    rest = sorted((m for m in members if m.id != original), key=date_rank)
    return [original] + [m.id for m in rest]


# Members whose framing is checked: the earliest few (each check reads every other member once).
FRAMING_CANDIDATES = 6


def mark_framing(members: list[MemberEvidence], lowered: dict[str, str]) -> None:
    """Set `framed` on the earliest-ranked members: does each open with words no other member carries?
    `lowered`: each member's text lower-cased (`DocumentFacts.lowered`)."""
    candidates = sorted(members, key=date_rank)[:FRAMING_CANDIDATES]
    for m in candidates:
        words = lowered[m.id].split(None, OPENING_WORDS)[:OPENING_WORDS]
        if len(words) < OPENING_WORDS:
            continue
        found = sum(1 for doc, other in lowered.items() if doc != m.id and _carries(other, words))
        m.carried = found / max(1, len(members) - 1)
        m.framed = found == 0


def _carries(lowered: str, words: list[str]) -> bool:
    """Does the lower-cased text hold `words` in a row, any run of spaces between them? (The opening inside
    the text with its spaces folded, without folding every member's text: a family of thousands.)"""
    if " ".join(words) in lowered:
        return True
    if max(words, key=len) not in lowered:
        return False
    return _words_in_a_row(tuple(words)).search(lowered) is not None


@lru_cache(maxsize=256)
def _words_in_a_row(words: tuple[str, ...]) -> re.Pattern:
    """The regex of `words` in a row, any run of spaces between them: compiled once per opening, not once
    per member it is looked for in (re's own cache holds 512 patterns; a big family has more openings)."""
    return re.compile(r"\s+".join(map(re.escape, words)))


@dataclass
class FamilyPlan:
    """A family's tree decided before alignment: order, parents, and the original's evidence."""

    family: int
    order: list[str]
    parent: dict[str, str | None]
    reasons: list[str]
    same_cut: dict[str, str] = field(default_factory=dict)  # copy -> the copy of its group that is explained

    @property
    def original(self) -> str:
        return self.order[0]


def plan_parents(order: list[str], a: np.ndarray, b: np.ndarray, a_in_b: np.ndarray, b_in_a: np.ndarray,
                 credits: dict[str, list[str]]) -> dict[str, str | None]:
    """Each member after the first hangs from the earlier member that holds most of it (a credit to it first).

    `a`, `b`: positions in `order` of the family's pairs; `a_in_b`: the share
    of a's shingles found in b. A member with no earlier partner hangs from
    the original: the tree spans the family whatever the pairs.
    """
    n = len(order)
    early, late = np.minimum(a, b), np.maximum(a, b)
    # Share of the later member inside the earlier one.
    held = np.where(a > b, a_in_b, b_in_a).astype(np.float64)
    if credits:
        # A credit to an earlier member: that member first (one vectorized lookup, not a loop over pairs).
        rank = {m: i for i, m in enumerate(order)}
        credited = np.array([rank[c] * n + rank[m] for m, named in credits.items() for c in named
                             if c in rank and m in rank], dtype=np.int64)
        held[np.isin(early * n + late, credited)] += 1.0
    best = np.full(n, -1.0)
    parent_pos = np.zeros(n, dtype=np.int64)
    # Best by held share, ties to the earlier parent: sort so the last write per child wins.
    sort = np.lexsort((-early, held))
    best[late[sort]] = held[sort]
    parent_pos[late[sort]] = early[sort]
    parent: dict[str, str | None] = {order[0]: None}
    for i in range(1, n):
        parent[order[i]] = order[int(parent_pos[i])] if best[i] >= 0 else order[0]
    return parent


# Two copies of one source carrying the same share of it (to this many decimals) carry the same cut.
CUT_DECIMALS = 4


def same_cuts(order: list[str], parent: dict[str, str | None], a: np.ndarray, b: np.ndarray,
              a_in_b: np.ndarray, b_in_a: np.ndarray) -> dict[str, str]:
    """Copies hanging from one source and carrying the same share of its shingles: one cut, explained once.

    Returns copy -> the group's first copy (in `order`), for every copy but
    that first one. A wire story picked up whole by hundreds of papers is one
    group: its one alignment stands for all of them.
    """
    rank = {m: i for i, m in enumerate(order)}
    parent_pos = np.array([-1] + [rank[parent[m]] for m in order[1:]], dtype=np.int64)
    early, late = np.minimum(a, b), np.maximum(a, b)
    tree = (late > 0) & (parent_pos[late] == early)
    # Share of the earlier member (the source) found in the later one: how much of the source it carries.
    carried = np.where(a > b, b_in_a, a_in_b)[tree]
    late, early = late[tree], early[tree]
    keys = np.round(carried, CUT_DECIMALS)
    sort = np.lexsort((late, keys, early))
    groups: dict[str, str] = {}
    first = None
    for k in sort:
        key = (int(early[k]), float(keys[k]))
        if keys[k] <= 0:
            continue
        if first is not None and first[0] == key:
            groups[order[int(late[k])]] = first[1]
        else:
            first = (key, order[int(late[k])])
    return groups


def explain_mask(pairs: pa.Table, family_of: dict[str, int | None], plans: dict[int, FamilyPlan],
                 settings: ProvenanceSettings) -> np.ndarray:
    """The pairs to align: every pair of a small family, a large family's tree edges, and every possible quote.

    `plans`: the large families' plans. Vectorized over the pairs (millions in a family of 10,000).
    """
    ids = pa.array(list(family_of), pa.string())
    position = {doc: k for k, doc in enumerate(family_of)}
    numbers = np.array([-1 if f is None else f for f in family_of.values()], dtype=np.int64)
    parent = np.full(len(position) + 1, -2, dtype=np.int64)  # the last slot: a document not listed
    large = np.zeros(len(position) + 1, dtype=bool)
    for plan in plans.values():
        for child, par in plan.parent.items():
            large[position[child]] = True
            if par is not None and child not in plan.same_cut:  # a copy of an explained cut: not aligned
                parent[position[child]] = position[par]
    a = pc.fill_null(pc.index_in(pairs["a"], value_set=ids), len(position)).to_numpy().astype(np.int64)
    b = pc.fill_null(pc.index_in(pairs["b"], value_set=ids), len(position)).to_numpy().astype(np.int64)
    numbers = np.append(numbers, -1)
    link = pairs["family_link"].to_numpy(zero_copy_only=False).astype(bool) if "family_link" in pairs.column_names \
        else np.ones(pairs.num_rows, dtype=bool)
    inside = link & (numbers[a] >= 0) & (numbers[a] == numbers[b]) & large[a]
    tree_edge = (parent[b] == a) | (parent[a] == b)
    return ~inside | tree_edge

"""Which earlier member a copy took its text from, in a family holding a wire story and papers of the day.

When several papers all ran one wire story, each paper hangs from the wire
story unless its own text shows it took from another paper: text it shares
with that paper alone (the paper's own lead, its own closing line, its
edits). Text every candidate holds says nothing about which one was used.

`parent_score(member, candidate, ...)` scores one candidate parent of a
member with its evidence:

- exclusive text: characters of the member's prose inside passages with this
  candidate and with no other candidate (at least `MIN_EXCLUSIVE_CHARS`:
  about a sentence), weighted most;
- agency copy: the candidate reads as wire copy (`cues.agency_balance` > 0);
- coverage: how much of the member it covers (the tree's own criterion).

`rehang(parent, order, ...)` applies it after `tree.build_tree`: a member
is moved only when the chosen parent's relation is a shared quote (never a
parent), when another candidate alone holds text of the member, or when
the parent holds nothing the wire story does not and the wire story is a
candidate. Otherwise the tree's choice stands.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from copytrace.stages.provenance.cues import agency_balance

MIN_EXCLUSIVE_CHARS = 60
EXCLUSIVE_WEIGHT = 10.0
WIRE_WEIGHT = 1.0


def member_masks(member, candidates: list[str], spans_of: Callable[[str, str], list[tuple[int, int]]]
                 ) -> dict[str, np.ndarray]:
    """For each candidate, the member's prose characters inside its passages with that candidate."""
    masks = {}
    for c in candidates:
        mask = np.zeros(len(member.text), dtype=bool)
        for s, e in spans_of(c, member.id):
            mask[s:e] = True
        masks[c] = mask & member.prose
    return masks


def parent_score(member, candidate, masks: dict[str, np.ndarray], facts: dict) -> tuple[float, list[str]]:
    """Score (higher: likelier parent) of `candidate` for `member`, with its evidence lines."""
    mine = masks[candidate]
    others = np.zeros_like(mine)
    for c, mask in masks.items():
        if c != candidate:
            others |= mask
    exclusive = int(np.count_nonzero(mine & ~others))
    total = max(1, member.prose_total)
    score, evidence = float(np.count_nonzero(mine)) / total, []
    if exclusive >= MIN_EXCLUSIVE_CHARS:
        score += EXCLUSIVE_WEIGHT * exclusive / total
        evidence.append(f"parent: {exclusive} characters of {member.id}'s prose are shared with {candidate} alone")
    if agency_balance(facts[candidate].cues) > 0:
        score += WIRE_WEIGHT
        evidence.append(f"parent: {candidate} reads as agency copy")
    return score, evidence


def rehang(parent: dict[str, str | None], order: list[str], facts: dict, linked: Callable[[str, str], bool],
           spans_of: Callable[[str, str], list[tuple[int, int]]]) -> dict[str, str | None]:
    """`parent` with members moved to the candidate their own text points to (see the module's rules).

    `linked(p, c)`: p may be c's parent (they share derived text, not only quotes); `spans_of(p, c)`: the
    spans of c inside passages with p.
    """
    rank = {m: i for i, m in enumerate(order)}
    out = dict(parent)
    for child in order:
        current = parent.get(child)
        if current is None:
            continue
        candidates = [p for p in order[: rank[child]] if linked(p, child)]
        if not candidates:
            out[child] = None  # shares only quotes with what comes before it: no parent
            continue
        masks = member_masks(facts[child], candidates, spans_of)
        scores = {c: parent_score(facts[child], c, masks, facts)[0] for c in candidates}
        best = max(candidates, key=lambda c: (scores[c], -rank[c]))
        if current not in scores or _exclusive(masks, best) or (
                not _exclusive(masks, current) and agency_balance(facts[best].cues) > 0):
            out[child] = best
    return out


def _exclusive(masks: dict[str, np.ndarray], candidate: str) -> bool:
    mine = masks[candidate]
    others = np.zeros_like(mine)
    for c, mask in masks.items():
        if c != candidate:
            others |= mask
    return int(np.count_nonzero(mine & ~others)) >= MIN_EXCLUSIVE_CHARS

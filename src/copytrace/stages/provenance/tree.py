"""A family's order and tree: the original at the root, each copy under the document it copied.

Order: pairwise direction scores (positive: the first document is the
source) are summed per document, each weighted by its pair's confidence; the
document that most pairs call the source comes first. Ties fall to the
earlier confident date, then to input order.

Tree: each document after the first hangs from the earlier document that
best explains it: the one that covers most of it and, among near equals,
the one it resembles most overall. So in a chain A -> B -> C, C hangs from
B when C carries B's own changes: B's additions make B cover more of C
than A does; B's cuts make C cover more of B than of A.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

# Two candidate parents whose coverage of the copy differs by less than this
# are near equals: the overall resemblance decides between them.
PARENT_TIE = 0.02


@dataclass(frozen=True)
class Link:
    """What is known about one pair of a family, read from x's side: x -> y."""

    x: str
    y: str
    score: float  # > 0: x is the source; < 0: y is
    cover_y_by_x: float  # share of y inside passages with x
    cover_x_by_y: float


# Insertion passes over a family's order; each pass is O(n^2) and families are small.
MAX_PASSES = 20


def order_members(members: list[str], links: list[Link], tie_key: Callable[[str], tuple]) -> list[str]:
    """Members from the most likely original to the latest copy.

    Start from the net scores, then move single members while that makes
    the order agree with more of the pairs' evidence (the sum, over pairs,
    of the score of the pair read in the order's direction): a strong
    pairwise cue (a credit, a date) is not outvoted by a sum of weak ones.
    """
    net = {m: 0.0 for m in members}
    score: dict[tuple[str, str], float] = {}
    for link in links:
        net[link.x] += link.score
        net[link.y] -= link.score
        score[(link.x, link.y)] = link.score
        score[(link.y, link.x)] = -link.score
    order = sorted(members, key=lambda m: (-round(net[m], 6), tie_key(m)))
    if len(order) > 2:
        order = _improve(order, score)
    return order


def _improve(order: list[str], score: dict[tuple[str, str], float]) -> list[str]:
    """Move members one at a time to the place that best agrees with the pair scores."""
    for _ in range(MAX_PASSES):
        moved = False
        for member in list(order):
            rest = [m for m in order if m != member]
            # gain[i]: agreement with `member` placed before rest[i:] and after rest[:i]
            after_all = sum(-score.get((member, m), 0.0) for m in rest)
            gain = after_all
            gains = [0.0] * (len(rest) + 1)
            gains[len(rest)] = after_all
            for i in range(len(rest) - 1, -1, -1):
                gain += 2 * score.get((member, rest[i]), 0.0)
                gains[i] = gain
            current = order.index(member)
            best_i = max(range(len(gains)), key=lambda i: (round(gains[i], 9), i == current))
            if gains[best_i] > gains[current] + 1e-9:
                rest.insert(best_i, member)
                order = rest
                moved = True
        if not moved:
            break
    return order


def build_tree(order: list[str], links: list[Link]) -> dict[str, str | None]:
    """child -> parent (None for roots) over `order`, parents always earlier."""
    rank = {m: i for i, m in enumerate(order)}
    fit: dict[tuple[str, str], tuple[float, float]] = {}
    for link in links:
        fit[(link.x, link.y)] = (link.cover_y_by_x, link.cover_x_by_y)
        fit[(link.y, link.x)] = (link.cover_x_by_y, link.cover_y_by_x)
    parent: dict[str, str | None] = {}
    for child in order:
        candidates = [(p, fit[(p, child)]) for p in order[: rank[child]] if (p, child) in fit]
        if not candidates:
            parent[child] = None
            continue
        best_cover = max(cover for _, (cover, _) in candidates)
        near = [(p, cover, back) for p, (cover, back) in candidates if cover >= best_cover - PARENT_TIE]
        near.sort(key=lambda item: (-(item[1] + item[2]), rank[item[0]]))
        parent[child] = near[0][0]
    return parent


def root_of(parent: dict[str, str | None], node: str) -> str:
    seen = set()
    while parent.get(node) is not None and node not in seen:
        seen.add(node)
        node = parent[node]
    return node

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


def order_members(members: list[str], links: list[Link], tie_key: Callable[[str], tuple]) -> list[str]:
    """Members from the most likely original to the latest copy."""
    net = {m: 0.0 for m in members}
    for link in links:
        net[link.x] += link.score
        net[link.y] -= link.score
    return sorted(members, key=lambda m: (-round(net[m], 6), tie_key(m)))


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

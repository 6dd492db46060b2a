"""Families: connected components over kept pairs, a family for every document, stable numbers."""

from __future__ import annotations

import numpy as np

from copytrace.stages.families import connected_components
from copytrace.stages.families import connected_components, families_table


def reference_components(n: int, a, b) -> list[set[int]]:
    """Components by breadth-first search, for comparison."""
    neighbours = {i: set() for i in range(n)}
    for x, y in zip(a, b):
        neighbours[int(x)].add(int(y))
        neighbours[int(y)].add(int(x))
    seen, groups = set(), []
    for start in range(n):
        if start in seen:
            continue
        group, frontier = {start}, [start]
        while frontier:
            for nxt in neighbours[frontier.pop()] - group:
                group.add(nxt)
                frontier.append(nxt)
        seen |= group
        groups.append(group)
    return groups


def as_groups(family: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(family == f).tolist()) for f in np.unique(family)}


def test_chains_join_and_singletons_keep_their_own_family():
    # 0-1, 1-2 chain into one family; 3 alone; 4-5 a pair; 6 alone.
    family = connected_components(7, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert family.tolist() == [0, 0, 0, 2, 1, 1, 3]


def test_numbering_is_by_size_then_first_member():
    family = connected_components(6, np.array([5, 3]), np.array([4, 4]))
    # {3, 4, 5} is the largest: family 0; then singletons 0, 1, 2 in input order.
    assert family.tolist() == [1, 2, 3, 0, 0, 0]


def test_no_pairs_gives_every_document_its_own_family():
    family = connected_components(4, np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert family.tolist() == [0, 1, 2, 3]


def test_no_documents():
    assert connected_components(0, np.array([], dtype=np.int64), np.array([], dtype=np.int64)).tolist() == []


def test_pair_order_and_direction_do_not_change_the_result():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 300, 200), rng.integers(0, 300, 200)
    first = connected_components(300, a, b)
    order = rng.permutation(200)
    assert np.array_equal(first, connected_components(300, b[order], a[order]))


def test_matches_breadth_first_search_on_a_random_graph():
    rng = np.random.default_rng(11)
    n = 2_000
    a, b = rng.integers(0, n, 1_500), rng.integers(0, n, 1_500)
    family = connected_components(n, a, b)
    assert as_groups(family) == {frozenset(g) for g in reference_components(n, a, b)}
    sizes = np.bincount(family)
    assert np.all(np.diff(sizes) <= 0)  # family 0 is the largest


def test_only_kept_pairs_link_documents():
    a, b = np.array([0, 2]), np.array([1, 3])
    kept = np.array([True, False])
    family = connected_components(4, a[kept], b[kept])
    assert family.tolist() == [0, 0, 1, 2]


def test_families_table_lists_every_document_once_in_input_order():
    ids = np.array(["d0", "d1", "d2", "d3", "d4"], dtype=object)
    family = connected_components(5, np.array([4, 1]), np.array([1, 0]))
    table = families_table(ids, family).to_pylist()
    assert [(r["family"], r["size"]) for r in table] == [(0, 3), (1, 1), (2, 1)]
    assert table[0]["members"] == ["d0", "d1", "d4"]
    assert sorted(m for r in table for m in r["members"]) == ids.tolist()

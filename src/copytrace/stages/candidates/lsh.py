"""LSH banding parameters, derived from what the user wants to find.

A signature of `num_perm` values is cut into `bands` bands of `rows` values;
two documents become a candidate pair when they agree on every value of at
least one band. For Jaccard similarity J the probability of that is the
S-curve P(J) = 1 - (1 - J**rows) ** bands.

Near-duplicate tools aim the S-curve at J = 0.7 to 0.8. Reuse is mostly not
near-duplication: a copy that carries 40% of an article plus as much text of
its own has J = 0.25, and a re-scrape with page chrome has less. So users
state what they want found as reuse: the share of the source a copy carries
(`reuse_share`) and how much longer than the copied part the copy may be
(`size_ratio`). The Jaccard of such a pair is the threshold the S-curve is
aimed at. Of all (bands, rows) that fit the signature, the one chosen has the
most rows (the fewest false candidates) among those that still find a pair
at the threshold with probability `recall` (0.95 by default). Every
candidate is verified exactly afterwards, so a false candidate costs a little
time while a miss costs a result: recall is the constraint, not a weight.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np


def jaccard_of_reuse(containment: float, size_ratio: float) -> float:
    """Jaccard of a pair where a copy of `size_ratio` times the source size holds `containment` of it."""
    return containment / (1.0 + size_ratio - containment)


def candidate_probability(jaccard, bands: int, rows: int):
    """The S-curve: probability that a pair of that Jaccard becomes a candidate."""
    j = np.asarray(jaccard, dtype=float)
    return 1.0 - (1.0 - j**rows) ** bands


def _area(f, lo: float, hi: float, steps: int = 400) -> float:
    xs = np.linspace(lo, hi, steps)
    return float(np.trapezoid(f(xs), xs))


@dataclass(frozen=True)
class LshParams:
    """Bands and rows of an LSH index, with the threshold they were aimed at."""

    bands: int
    rows: int
    threshold: float

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    @classmethod
    def for_reuse(
        cls,
        num_perm: int = 256,
        reuse_share: float = 0.4,
        size_ratio: float = 2.0,
        recall: float = 0.95,
    ) -> "LshParams":
        """Bands and rows for finding copies that carry `reuse_share` of a source (`--reuse-share`)."""
        if not 0 < reuse_share <= 1:
            raise ValueError(f"reuse share must be in (0, 1], got {reuse_share}")
        if size_ratio < reuse_share:
            raise ValueError(f"size ratio must be >= the reuse share, got {size_ratio}")
        threshold = jaccard_of_reuse(reuse_share, size_ratio)
        return cls.for_threshold(threshold, num_perm, recall)

    @classmethod
    @functools.lru_cache(maxsize=64)  # a search of one text derives them again (`ScanSettings.lsh`): 0.3 ms
    def for_threshold(cls, threshold: float, num_perm: int = 256, recall: float = 0.95) -> "LshParams":
        """The most rows per band that still find a pair at `threshold` with probability `recall`."""
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if num_perm < 1:
            raise ValueError(f"num_perm must be at least 1, got {num_perm}")
        if not 0 < recall <= 1:
            raise ValueError(f"recall must be in (0, 1], got {recall}")
        chosen = 1
        for rows in range(1, num_perm + 1):
            if candidate_probability(threshold, num_perm // rows, rows) >= recall:
                chosen = rows
        return cls(bands=num_perm // chosen, rows=chosen, threshold=threshold)

    def false_candidate_area(self) -> float:
        """Area under the S-curve below the threshold: how much non-reuse gets through."""
        return _area(lambda j: candidate_probability(j, self.bands, self.rows), 0.0, self.threshold)

    def s_curve(self, points=(0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.8)) -> list[tuple[float, float]]:
        """(Jaccard, probability of becoming a candidate) at the given points."""
        return [(float(j), float(candidate_probability(j, self.bands, self.rows))) for j in points]

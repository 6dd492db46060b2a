"""Template lines counted by key hashes (clean.templates) against the plain string count they replace."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from copytrace.stages.clean.chrome import ChromeSettings, TemplateLookup, chrome_reasons, line_key
from copytrace.stages.clean.templates import TemplateCounter, key_hashes, line_hashes, template_candidates

# ASCII and Unicode spacing, digits of other scripts, case foldings of one and of several characters
# ('ß' -> 'ss', 'İ' -> 'i̇', 'ﬁ' -> 'fi'), characters beyond the BMP, carriage returns.
ALPHABET = list("aAbZ09 \t\r\x0b\x0c\x1c\x1f,.:’“ßẞİﬁΣσςÉé٣١\u00a0\u2028\u3000\u2003ǅ𝟘😀ꭰᏸ一Ω\u212a\uff10")


def random_text(rng: random.Random, lines: int = 8, size: int = 12) -> str:
    return "\n".join("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, size)))
                     for _ in range(rng.randint(0, lines)))


def reference_templates(pages, min_repeat: int) -> dict:
    """The string count: per source, on how many distinct pages each line key occurs."""
    seen: dict[str, set[str]] = {}
    counts: dict[str, Counter] = {}
    for source, text in pages:
        if source is None or text in seen.setdefault(source, set()):
            continue
        seen[source].add(text)
        counts.setdefault(source, Counter()).update({line_key(line) for line in text.split("\n") if line.strip()})
    return {source: {k: n for k, n in counter.items() if n >= min_repeat} for source, counter in counts.items()}


def test_line_hashes_are_the_hashes_of_line_keys():
    rng = random.Random(1)
    texts = [random_text(rng) for _ in range(2000)] + ["Page 3 of 10\r", "  \u3000 ", "Straße 12", "ǅemal İstanbul ﬁx"]
    rows, lines, hashes, _ = line_hashes(pa.array(texts, pa.large_string()), np.arange(len(texts)), texts.__getitem__)
    expected = [(r, i, line_key(piece)) for r, text in enumerate(texts)
                for i, piece in enumerate(text.split("\n")) if piece.strip()]
    assert list(zip(rows.tolist(), lines.tolist())) == [(r, i) for r, i, _ in expected]
    assert hashes.tolist() == key_hashes([key for _, _, key in expected]).tolist()


@pytest.mark.parametrize("min_repeat", [2, 3, 5])
def test_counter_gives_the_string_count(monkeypatch, min_repeat):
    rng = random.Random(min_repeat)
    pool = [random_text(rng, lines=1, size=6) for _ in range(50)]
    pages = [(rng.choice(["s1", "s2", "Σ3", None, "s4"]), "\n".join(rng.choice(pool) for _ in range(rng.randint(0, 6))))
             for _ in range(3000)]
    pages += pages[:200]  # identical pages count once
    expected = reference_templates(pages, min_repeat)
    # Small batches and merges, so that keys reach min_repeat across merged and pending batches.
    monkeypatch.setattr(TemplateCounter, "_BUFFERED", 97)
    monkeypatch.setattr(TemplateCounter, "_MIN_PENDING", 50)
    one_by_one = TemplateCounter(min_repeat)
    for source, text in pages:
        one_by_one.add(source, text)
    assert one_by_one.templates() == expected
    assert list(one_by_one.templates()) == list(expected)  # sources in order of their first page
    batched = TemplateCounter(min_repeat)
    for k in range(0, len(pages), 700):
        part = pages[k:k + 700]
        batched.add_batch([s for s, _ in part], pa.array([t for _, t in part]))
    assert batched.templates() == expected


def test_counter_keeps_keys_from_its_own_min_repeat():
    counter = TemplateCounter(3)
    for n in range(4):
        counter.add("bugle", f"Subscribe to the Bugle\nstory {n}")
    assert counter.templates(4) == {"bugle": {"subscribe to the bugle": 4, "story 0": 4}}  # digits fold
    with pytest.raises(ValueError):
        counter.templates(2)


def test_template_candidates_hold_every_template_line():
    rng = random.Random(7)
    pool = [random_text(rng, lines=1, size=8) for _ in range(40)]
    texts = ["\n".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(600)]
    groups = [rng.choice(["a", "b", None, "c"]) for _ in texts]
    templates = reference_templates(zip(groups, texts), 4)
    templates["c"] = {}
    for arrow in (None, pa.array(texts)):
        candidates = template_candidates(texts, groups, templates, arrow)
        for text, group, found in zip(texts, groups, candidates):
            template = templates.get(group) or {}
            in_template = {i for i, piece in enumerate(text.split("\n")) if piece.strip() and line_key(piece) in template}
            assert in_template <= found
            if template:
                lookup = TemplateLookup(template)
                options = ChromeSettings(patterns=False, density=False)
                assert chrome_reasons(text, lookup, group, options=options, candidates=found) == \
                    chrome_reasons(text, lookup, group, options=options)

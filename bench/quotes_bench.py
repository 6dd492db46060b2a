"""CPU seconds of finding quoted speech (`text.quotes`) in a scan's texts: the compiled marks and the regex rule.

    PYTHONPATH=src .venv/bin/python bench/scale.py --docs 100000 --keep /tmp/keep
    PYTHONPATH=src .venv/bin/python bench/quotes_bench.py /tmp/keep/100000-explain/documents.parquet --texts 20000

Prints, for the first `--texts` texts: `quote_spans` (marks and attributed speech, merged), the marks alone
(`_marked`: code points, then one compiled pass), the marks by the rule's regex (`_quote_regex`, tried at each
opening mark as the Python version did), and the code points alone; each the best of three passes, after
a first pass that loads the compiled code. The marks must agree with the regex (checked on every text).
"""

from __future__ import annotations

import argparse
import time

import pyarrow.parquet as pq


def _regex_marks(text: str, rule, opening: set[str]) -> list[tuple[int, int]]:
    """The rule's regex matched at each opening mark not inside an earlier match (the Python version)."""
    places = sorted(i for mark in opening for i in _finds(text, mark))
    spans, done = [], 0
    for at in places:
        if at < done:
            continue
        m = rule.match(text, at)
        if m is not None:
            spans.append(m.span())
            done = m.end()
    return spans


def _finds(text: str, mark: str):
    at = text.find(mark)
    while at >= 0:
        yield at
        at = text.find(mark, at + 1)


def main() -> None:
    from copytrace.text import quotes
    from copytrace.text.substrings import code_points

    parser = argparse.ArgumentParser()
    parser.add_argument("documents")
    parser.add_argument("--texts", type=int, default=20000)
    args = parser.parse_args()
    texts = [t or "" for t in pq.read_table(args.documents, columns=["text"]).slice(0, args.texts)["text"].to_pylist()]
    rule, opening = quotes._quote_regex(), set(quotes.STRAIGHT) | set(quotes.PAIRS)
    mismatched = sum(quotes._marked(t) != _regex_marks(t, rule, opening) for t in texts)

    def best(function) -> float:
        times = []
        for _ in range(3):
            started = time.process_time()
            for t in texts:
                function(t)
            times.append(time.process_time() - started)
        return min(times)

    print(f"{len(texts)} texts, {sum(map(len, texts)) / max(1, len(texts)):.0f} characters each on average; "
          f"marks differing from the regex: {mismatched}")
    for label, function in (("quote_spans", quotes.quote_spans), ("marks, compiled", quotes._marked),
                            ("marks, regex at each mark", lambda t: _regex_marks(t, rule, opening)),
                            ("code points alone", code_points)):
        print(f"{label}: {best(function):.3f} CPU s")


if __name__ == "__main__":
    main()

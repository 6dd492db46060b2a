"""Quoted speech found by the shortcuts of `text.quotes` is what plain regex scans find.

`_quotes` tries the quote regex at the opening marks alone (its repeats greedy: the inside holds no closing
mark, so the nearest close is the only one); `_attributed` tries the verbs of saying from the third word
before each colon. Both against the plain forms: `finditer` of the lazy regex, and a search of every
place from the previous match or colon.
"""

from __future__ import annotations

import random
import re

from copytrace.text import quotes
from copytrace.text.spans import merge

PARTS = ['"', "“", "”", "„", "«", "»", "‹", "›", "「", "」", "『", "』", "\n", " ", "  ", "\t", "\u00a0", "\u2003",
         "a", "word ", "He ", ".", ",", ":", " : ", "12:30", "x said", "said :", "SAID", "said\t:", "_said:",
         "unsaid:", "ſaid:", "İ", "told the paper", "told reporters there", "told a b c:", "told\u00a0X\u2003Y :",
         "told\n\nthem\n:", "a déclaré", "a\u00a0déclaré :", "заявила", "Sagte", "dijo", "declaró", "wrote:\n",
         "K", "x" * 30]


def plain_quote_spans(text: str) -> list[tuple[int, int]]:
    lazy = re.compile(quotes._quote_regex().pattern.replace("}", "}?"))
    spans = [m.span() for m in lazy.finditer(text)]
    out, pos, colon = [], 0, text.find(":")
    while colon >= 0:
        found = quotes._SAYING.search(text, pos, colon + 1)
        if found:
            m = quotes._SAYING.match(text, found.start())
            end = quotes._SENTENCE_END.search(text, m.end())
            stop = end.end() if end else len(text)
            if stop - m.end() >= 10:
                out.append((m.end(), stop))
            pos = m.end()
        else:
            pos = colon + 1
        colon = text.find(":", max(pos, colon + 1))
    return merge(spans + out)


def test_quote_spans_are_the_plain_scans_spans():
    rng = random.Random(7)
    texts = ['He said: "We will go." Then', "«Да» — заявил он: нет, конечно нет.", 'She told the paper: the plan '
             "goes ahead.", "“a” and „b“ and „c” and 「d」 and 『e』 and ‹f› and »g« and «h»", '"' + "x" * 1300 + '"']
    texts += ["".join(rng.choice(PARTS) for _ in range(rng.randint(0, 50))) for _ in range(6000)]
    for text in texts:
        assert quotes.quote_spans(text) == plain_quote_spans(text), text

"""Quoted speech found by the shortcuts of `text.quotes` is what plain regex scans find.

`_marked` tries the quote rule at the opening marks alone, in compiled code (the inside holds no closing
mark, so the nearest close is the only one); `_attributed` tries the verbs of saying from the third word
before each colon. Both against the plain forms: `finditer` of the lazy regex, and a search of every
place from the previous match or colon.
"""

from __future__ import annotations

import random
import re

from copytrace.text import quotes

PARTS = ['"', "“", "”", "„", "«", "»", "‹", "›", "「", "」", "『", "』", "\n", " ", "  ", "\t", "\u00a0", "\u2003",
         "a", "word ", "He ", ".", ",", ":", " : ", "12:30", "x said", "said :", "SAID", "said\t:", "_said:",
         "unsaid:", "ſaid:", "İ", "told the paper", "told reporters there", "told a b c:", "told\u00a0X\u2003Y :",
         "told\n\nthem\n:", "a déclaré", "a\u00a0déclaré :", "заявила", "Sagte", "dijo", "declaró", "wrote:\n",
         "K", "x" * 30]


def test_quote_spans_are_the_plain_scans_spans(monkeypatch):
    rng = random.Random(7)
    texts = ['He said: "We will go." Then', "«Да» — заявил он: нет, конечно нет.", 'She told the paper: the plan '
             "goes ahead.", "“a” and „b“ and „c” and 「d」 and 『e』 and ‹f› and »g« and «h»", '"' + "x" * 1300 + '"']
    texts += [f"{o}{'x' * n}{c}" for o, c in (('"', '"'), ("“", "”"), ("„", "“")) for n in (0, 1, 1199, 1200, 1201)]
    texts += ["".join(rng.choice(PARTS) for _ in range(rng.randint(0, 50))) for _ in range(6000)]
    fast = [quotes.quote_spans(text) for text in texts]
    # The plain scans: the lazy regex's finditer, and the verbs searched for from the previous match or colon.
    lazy = re.compile(quotes._quote_regex().pattern.replace("}", "}?"))
    monkeypatch.setattr(quotes, "_marked", lambda text, cps=None: [m.span() for m in lazy.finditer(text)])
    monkeypatch.setattr(quotes, "_words_back", lambda text, start, colon: start)
    for text, spans in zip(texts, fast):
        assert spans == quotes.quote_spans(text), text

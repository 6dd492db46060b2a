"""Chrome removal's fast paths give what the full tests give, and batches cleaned apart match one clean."""

from __future__ import annotations

import pyarrow as pa
import pytest

from copytrace.stages.clean import ChromeSettings, CleanSettings, clean_batch, clean_stage, learn_templates
from copytrace.stages.clean.chrome import (
    Line,
    chrome_lines,
    chrome_reasons,
    density_reasons,
    is_tag_list,
    line_key,
    pattern_reason,
    split_lines,
)
from copytrace.io.records import DOCUMENT_SCHEMA

SENTENCE = "The harbour authority voted on Tuesday to deepen the main channel by two metres, ending a long dispute."


@pytest.mark.parametrize("line, reason", [
    # long lines ending like a sentence: only the unanchored patterns' clues let them through
    ("Never   miss a story again: sign up to our channel and we will keep you up to speed on every vote.",
     "chrome: subscription"),
    ("This site uses cookies to give you the best experience; by reading on you accept our cookie policy.",
     "chrome: cookie notice"),
    ("© 2019 Reuters. All rights reserved. Republication or redistribution of this content is prohibited.",
     "photo credit"),
    # the comment pattern is anchored: its lines start with one of its phrases or a number
    ("3 comments", "chrome: comments"),
    ("Log in to comment", "chrome: comments"),
    ("Community standards Discussion", "chrome: comments"),
    # player lines are short whole phrases
    ("Listen to the article", "chrome: player"),
    ("12:04 / 45:10", "chrome: player"),
    # navigation and share: decided before the words are counted
    ("—— Next ——", "chrome: navigation"),
    # names from the wrapped lines of the navigation list (their indents once kept them from matching)
    ("Next article", "chrome: navigation"),
    ("You may also like", "chrome: navigation"),
    ("Watch more »", "chrome: navigation"),
    ("Share | Facebook | Twitter | Telegram", "chrome: share"),
    ("Updated 14:31 GMT, October 17", "chrome: timestamp"),
])
def test_pattern_gates_let_chrome_through(line, reason):
    assert pattern_reason(line) == reason


@pytest.mark.parametrize("line", [
    "",
    SENTENCE,
    "Share prices rose after the vote, and traders said the channel would bring more ships to the port.",
    "Commenting on the decision, the chair said the dredgers would arrive in late autumn as planned.",
    "Players and coaches left the stadium after the match was stopped in the second half by the referee",
    " ".join(["word"] * 41) + " cookie",  # a clue, but more than 40 words
])
def test_pattern_gates_keep_article_lines(line):
    assert pattern_reason(line) is None


def test_tag_list_first_item_and_lead():
    assert is_tag_list("Russia-NATO cooperation, NATO, Sergei Lavrov, Ukraine")
    assert is_tag_list("#ports, #bridges, 2024 budget")
    assert is_tag_list("Topics: ports, bridges.")  # the lead decides, whatever the end
    assert not is_tag_list("ports, bridges, schools")  # an item that is not capitalized
    assert not is_tag_list(", Ports, Bridges, Schools")  # an empty first item


def test_line_key_folds_case_spacing_and_every_digit():
    assert line_key("  Page 3   of 10 ") == "page 0 of 0"
    assert line_key("Page ٣ of ١٠") == "page 0 of 0"  # Arabic-Indic digits are digits too
    assert line_key("Read MORE") == "read more"


def test_lines_and_blanks():
    lines = split_lines("a\r\n \n\nb")
    assert lines == [Line(1, 0, 1, "a"), Line(2, 3, 4, " "), Line(3, 5, 5, ""), Line(4, 6, 7, "b")]
    assert [line.blank for line in lines] == [False, True, True, False]


def test_chrome_reasons_is_what_chrome_lines_reports():
    text = "\n".join([
        "Home", "World", "Sport", "Weather", "",
        "Harbour Authority Approves Dredging Plan After Delay", "",
        SENTENCE, "",
        "Sputnik News reports", "",
        "Ports Close Early As Storm Nears The Coast", "Bridges Reopen After Month Of Repairs", "",
        "Russia-NATO cooperation, NATO, Sergei Lavrov, Ukraine",
    ])
    title = "Harbour Authority Approves Dredging Plan After Delay"
    lines, reasons = chrome_lines(text, title=title)
    assert reasons == chrome_reasons(text, title=title)
    removed = {lines[n - 1].text: r for n, r in reasons.items()}
    assert removed == {
        "Home": "chrome: navigation", "World": "link list (3 short lines)", "Sport": "link list (3 short lines)",
        "Weather": "link list (3 short lines)",
        "Ports Close Early As Storm Nears The Coast": "headline list (2 title-case lines)",
        "Bridges Reopen After Month Of Repairs": "headline list (2 title-case lines)",
        "Russia-NATO cooperation, NATO, Sergei Lavrov, Ukraine": "tag list",
    }  # the title and the credit line are kept
    menu = "link list (4 short lines)"  # with nothing taken first, "Home" joins the run
    assert density_reasons(lines, keep=set()) == {
        1: menu, 2: menu, 3: menu, 4: menu, 12: "headline list (2 title-case lines)",
        13: "headline list (2 title-case lines)", 15: "tag list"}
    assert 15 not in density_reasons(lines, keep={15})


def _corpus() -> pa.Table:
    rows = []
    for site in ("Daily Bugle", "Port News", "Harbour Times"):
        for k in range(7):
            body = f"{SENTENCE} Story {k} of {site} on the {('ports', 'bridges', 'schools', 'parks')[k % 4]} case."
            text = "\n".join([f"{site} members get every story first, join today", "", body, "",
                              f"Filed {k + 3} hours ago by the {site} desk",
                              "Sputnik News reports" if k == 2 else "Keep reading for more"])
            rows.append({"id": f"{site}-{k}", "text": text, "source": site, "title": f"Story {k}",
                         "origin": f"x.jsonl:{len(rows) + 1}"})
    rows.append({"id": "alone", "text": f"{SENTENCE}\nKeep reading for more", "source": None,
                 "url": "https://other.example/a", "origin": "x.jsonl:99"})
    return pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def test_batches_cleaned_apart_match_one_clean():
    corpus = _corpus()
    whole = clean_stage(corpus)
    assert whole.removed.num_rows > 0
    batches = [corpus.take(list(range(start, corpus.num_rows, 3))) for start in range(3)]  # sources spread over all
    templates = learn_templates(iter(batches))
    assert templates == learn_templates(corpus)
    assert all(clean_stage(b).removed.num_rows < clean_batch(b, templates).removed.num_rows for b in batches)
    apart = [clean_batch(b, templates) for b in batches]
    order = corpus["id"].to_pylist()

    def rows(tables, key):
        return sorted((row for t in tables for row in t.to_pylist()), key=lambda r: (order.index(r["id"]), r.get(key)))

    assert rows([c.documents for c in apart], "id") == rows([whole.documents], "id")
    assert rows([c.removed for c in apart], "line") == rows([whole.removed], "line")
    credit = [r for r in whole.removed.to_pylist() if r["text"] == "Sputnik News reports"]
    assert credit == []  # a credit line is evidence, even where it sits in a template's place


def test_templates_follow_the_options():
    corpus = _corpus()
    assert learn_templates(corpus)["dailybugle"]["daily bugle members get every story first, join today"] == 7
    assert not any(learn_templates(corpus, CleanSettings(chrome=ChromeSettings(min_repeat=8))).values())

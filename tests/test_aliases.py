"""Outlet aliases from the CLI reach provenance: a credit to one name matches the outlet's other name."""

import json

from typer.testing import CliRunner

from copytrace.faces.cli import app

BODY = ("The central bank raised its main interest rate by half a percentage point on Thursday, the largest "
        "increase in more than two decades, as policymakers tried to slow inflation across the economy.\n\n"
        "Officials said the decision was unanimous and that further increases could follow in the coming "
        "months if prices kept rising faster than wages, a trend that has worried households for a year.\n\n"
        "Markets reacted calmly, with the currency gaining slightly against the dollar while government bond "
        "yields rose to their highest level since the financial crisis began more than a decade ago.")


def corpus(tmp_path):
    rows = [
        {"id": "orig", "text": BODY, "source": "rt.com", "date": "2023-03-01"},
        {"id": "copy", "text": "A word from us first on what this means.\n\n" + BODY + "\n\nRussia Today reports",
         "source": "Proxy Daily", "date": "2023-03-02"},
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def credit_of_copy(out):
    import pyarrow.parquet as pq

    edges = pq.read_table(out / "edges.parquet").to_pylist()
    return [(e["source"], e["credit"], e["credited"]) for e in edges if e["copy"] == "copy"]


def test_aliases_file_links_a_credit_to_the_outlet_under_another_name(tmp_path):
    aliases = tmp_path / "aliases.txt"
    aliases.write_text("# outlets known by several names\nRT = rt.com = Russia Today\n")
    result = CliRunner().invoke(app, ["scan", str(corpus(tmp_path)), "-o", str(tmp_path / "out"), "-q",
                                      "--aliases", str(aliases)])
    assert result.exit_code == 0, result.output
    assert credit_of_copy(tmp_path / "out") == [("orig", True, "Russia Today")]


def test_bad_aliases_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "aliases.txt"
    bad.write_text("only one name\n")
    result = CliRunner().invoke(app, ["scan", str(corpus(tmp_path)), "-o", str(tmp_path / "out"), "--aliases", str(bad)])
    assert result.exit_code == 3  # the aliases file is input
    assert "line 1" in result.output and "Traceback" not in result.output

"""`copytrace bench make|score|peers`: the republication benchmark from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from copytrace.faces.terminal import EXIT_INPUT, fail

bench_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="A labelled republication benchmark: make a corpus, score outputs, run peers.")
console = Console()


@bench_app.command("make")
def make_command(
    out: Path = typer.Option(..., "--out", "-o", help="Folder for documents.jsonl and gold.json."),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="JSONL of real article texts (field text or articleBody); default: the article-extraction benchmark's ground truth."),
    seed: int = typer.Option(7, help="Random seed: the same seed gives byte-identical files."),
    families: int = typer.Option(175, help="Story families to build (originals that get copied)."),
    newsroom: Optional[int] = typer.Option(None, "--newsroom", help="Instead: a newsroom corpus of this many wire stories (NTREX news) with briefs, rewrites and independent reports."),
) -> None:
    """Build a labelled corpus of republications from real article text."""
    if newsroom is not None:
        return _make_newsroom(out, input, seed, newsroom)
    from copytrace.evaluation.generator import CorpusError, build_corpus, load_articles
    from copytrace.evaluation.gold import write_corpus

    try:
        articles = load_articles(input)
        corpus = build_corpus(articles, seed=seed, families=families)
    except CorpusError as err:
        fail(str(err), EXIT_INPUT)
    gold = write_corpus(corpus, out, seed, str(input) if input else "article-extraction-benchmark")
    for note in corpus.notes:
        console.print(f"note: {note}")
    multi = sum(1 for f in gold["families"] if f["size"] > 1)
    console.print(f"{len(gold['documents'])} documents, {len(gold['families'])} families ({multi} with copies), "
                  f"{len(gold['pairs'])} gold pairs, {len(gold['edges'])} edges -> {out}")


@bench_app.command("score")
def score_command(
    gold: Path = typer.Option(..., "--gold", "-g", help="Folder made by `copytrace bench make`."),
    pred: list[Path] = typer.Option(..., "--pred", "-p", help="Output folder of copytrace (or of a peer); repeat to compare."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the scores here as JSON."),
    failures: bool = typer.Option(True, help="Show failures broken down by kind."),
) -> None:
    """Score output folders against the gold: pairs, families, original, direction, credit, passages."""
    from copytrace.evaluation.gold import read_gold
    from copytrace.evaluation.predictions import read_predictions
    from copytrace.evaluation.report import render
    from copytrace.evaluation.scorer import score_predictions
    from copytrace.io.output import ScanOutputError

    if _newsroom_gold(gold):
        return _score_newsroom(gold, pred, json_out)
    try:
        truth = read_gold(gold)
        results = [score_predictions(truth, read_predictions(p), p.name) for p in pred]
    except (FileNotFoundError, ValueError, ScanOutputError) as err:
        fail(str(err), EXIT_INPUT)
    render(results, console, failures=failures)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(results if len(results) > 1 else results[0], indent=2) + "\n")
        console.print(f"scores -> {json_out}")


def _make_newsroom(out: Path, input: Optional[Path], seed: int, wires: int) -> None:
    from collections import Counter

    from copytrace.evaluation.generator import CorpusError, load_articles
    from copytrace.evaluation.newsroom import build_newsroom, write_newsroom

    try:
        documents, gold = build_newsroom(seed, wires, articles=load_articles(input))
    except CorpusError as err:
        fail(str(err))
    write_newsroom(documents, gold, out)
    kinds = Counter(d["kind"] for d in gold["documents"])
    console.print(f"{len(documents)} documents ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
                  f"{len(gold['pairs'])} labelled pairs -> {out}")


def _newsroom_gold(folder: Path) -> bool:
    from copytrace.evaluation.newsroom import NEWSROOM_FORMAT

    path = folder / "gold.json"
    try:
        return path.exists() and json.loads(path.read_text(encoding="utf-8")).get("format") == NEWSROOM_FORMAT
    except (ValueError, AttributeError):
        return False


def _score_newsroom(gold: Path, pred: list[Path], json_out: Optional[Path]) -> None:
    from rich.table import Table

    from copytrace.evaluation.predictions import read_predictions
    from copytrace.evaluation.scorer import score_newsroom
    from copytrace.io.output import ScanOutputError

    truth = json.loads((gold / "gold.json").read_text(encoding="utf-8"))
    try:
        results = [score_newsroom(truth, read_predictions(p), p.name) for p in pred]
    except (FileNotFoundError, ValueError, ScanOutputError) as err:
        fail(str(err))
    table = Table(title="newsroom: per class against the wire story")
    for column in ("system", "class", "pairs", "linked", "classified", "direction", "claimed as"):
        table.add_column(column)
    for r in results:
        for name, row in r["classes"].items():
            table.add_row(r["system"], name, str(row["pairs"]), _pct(row["linked"]), _pct(row["classified"]),
                          _pct(row.get("direction")), ", ".join(f"{k} {v}" for k, v in row["claimed_as"].items()))
    console.print(table)
    for r in results:
        q, t = r["classes"]["quotes"], r["tree"]
        console.print(f"{r['system']}: direction {_pct(r['direction']['accuracy'])} of {r['direction']['judged']}; "
                      f"quote-sharing reports called derived {q['derived_claims']}, joined to the family "
                      f"{q['family_links']}; unrelated links {r['unrelated']['false_links']}; tree: wire parent "
                      f"{_pct(t['wire_parent'])} of {t['papers']}, chain parent {_pct(t['paper_parent'])} of {t['chains']}")
        missed = [p for p, g in r["goals"].items() if not g["met"]]
        console.print(f"  goals not met: {', '.join(missed) or 'none'}")
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(results if len(results) > 1 else results[0], indent=2) + "\n")
        console.print(f"scores -> {json_out}")


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@bench_app.command("peers")
def peers_command(
    corpus: Path = typer.Option(..., "--corpus", "-c", help="Folder made by `copytrace bench make`."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for one output folder per peer."),
    difflib_threshold: float = typer.Option(0.6, help="difflib ratio at which the baseline calls a pair."),
    score: bool = typer.Option(True, help="Score the peers against the corpus gold."),
) -> None:
    """Run the peers (datasketch MinHashLSH at 0.8 and 0.5, difflib ratio) on a benchmark corpus."""
    from copytrace.evaluation.gold import read_gold
    from copytrace.evaluation.peers import run_peers
    from copytrace.evaluation.predictions import read_predictions
    from copytrace.evaluation.report import render
    from copytrace.evaluation.scorer import score_predictions

    if not (corpus / "documents.jsonl").exists():
        fail(f"{corpus / 'documents.jsonl'}: no such file (make a corpus with `copytrace bench make`)", EXIT_INPUT)
    runs = run_peers(corpus, out, difflib_threshold)
    for name, run in runs.items():
        console.print(f"{name}: {run['pairs']} pairs in {run['seconds']:.2f} s -> {run['folder']}")
    if score:
        truth = read_gold(corpus)
        render([score_predictions(truth, read_predictions(Path(r["folder"])), n) for n, r in runs.items()],
               console, failures=False)

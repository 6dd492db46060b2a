"""Scores as a readable table (rich) and as Markdown, one column per system."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from copytrace.evaluation.scorer import GOALS, lookup

ROWS = (  # (label, path in a score result, goal path or None)
    ("pairs: precision (all)", "pairs.overall.precision", None),
    ("pairs: recall (all)", "pairs.overall.recall", None),
    ("pairs: F1 (all)", "pairs.overall.f1", None),
    ("pairs F1: republication + partial >= 30%", "pairs.by_band.major.f1", "pairs.by_band.major.f1"),
    ("pairs F1: sections 300+ chars (< 30%)", "pairs.by_band.section.f1", "pairs.by_band.section.f1"),
    ("pairs F1: quotes", "pairs.by_band.quote.f1", None),
    ("pairs F1: same (two captures)", "pairs.by_relation.same.f1", None),
    ("pairs F1: republication", "pairs.by_relation.republication.f1", None),
    ("pairs F1: partial", "pairs.by_relation.partial.f1", None),
    ("pairs recall: quote", "pairs.by_relation.quote.recall", None),
    ("families: ARI", "families.ari", "families.ari"),
    ("original accuracy", "original.accuracy", "original.accuracy"),
    ("direction accuracy", "direction.accuracy", "direction.accuracy"),
    ("credit accuracy (per copy)", "credit.accuracy", None),
    ("credit F1", "credit.f1", "credit.f1"),
    ("passages: precision", "passages.precision", None),
    ("passages: recall", "passages.recall", None),
    ("passages: granularity", "passages.granularity", None),
    ("passages: plagdet", "passages.plagdet", "passages.plagdet"),
)


def cell(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def goal_text(path: str | None) -> str:
    return f">= {GOALS[path]:.2f}" if path else ""


def render(results: list[dict], console: Console, failures: bool = True) -> None:
    table = Table(title="Republication benchmark", show_lines=False)
    table.add_column("measure")
    table.add_column("goal")
    for r in results:
        table.add_column(r["system"], justify="right")
    for label, path, goal in ROWS:
        values = []
        for r in results:
            value = lookup(r, path)
            text = cell(value)
            if goal and value is not None:
                text = f"[green]{text}[/]" if value >= GOALS[goal] else f"[red]{text}[/]"
            values.append(text)
        table.add_row(label, goal_text(goal), *values)
    console.print(table)
    console.print("n/a: the system's output does not hold what this measure needs (not a zero).")
    if failures:
        for r in results:
            render_failures(r, console)


def render_failures(result: dict, console: Console) -> None:
    sections = [("failures", k, v) for k, v in result.get("failures", {}).items()]
    for part in ("original", "direction", "credit", "passages"):
        block = result.get(part) or {}
        sections += [(part, k, v) for k, v in block.items() if isinstance(v, dict) and v]
    if not sections:
        return
    table = Table(title=f"Failures by kind: {result['system']}")
    table.add_column("what")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for part, name, counts in sections:
        if not isinstance(counts, dict):
            table.add_row(f"{part}: {name}", "", str(counts))
            continue
        for kind, count in counts.items():
            table.add_row(f"{part}: {name.replace('_', ' ')}", str(kind), str(count))
    console.print(table)


def markdown(results: list[dict]) -> str:
    head = "| measure | goal | " + " | ".join(r["system"] for r in results) + " |"
    rule = "|---|---|" + "---:|" * len(results)
    lines = [head, rule]
    for label, path, goal in ROWS:
        values = [cell(lookup(r, path)) for r in results]
        lines.append(f"| {label} | {goal_text(goal)} | " + " | ".join(values) + " |")
    return "\n".join(lines)

"""The terminal summary of a scan: counts, then the largest families with their pairs.

Document ids are shown whole (wrapped, never cut with an ellipsis): a
reader has to be able to find the document from the summary. Each member's
outlet and title, when known, are shown beside it.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.markup import escape
from rich.table import Table

MAX_FAMILIES_SHOWN = 5
MAX_PAIRS_SHOWN = 10
PAIR_FIGURES_WIDTH = 52  # the figure columns and table borders of the pairs table


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def counts_line(stats: dict) -> str:
    s = stats
    parts = [
        f"[bold]{s['documents_read']:,}[/] read, [bold]{s['documents_used']:,}[/] used, "
        f"[bold]{s['documents_rejected']:,}[/] rejected",
        f"{s['candidate_pairs']:,} candidate {_plural(s['candidate_pairs'], 'pair', 'pairs')}, "
        f"[bold]{s['kept_pairs']:,}[/] kept",
        f"[bold]{s['families_with_copies']:,}[/] {_plural(s['families_with_copies'], 'family', 'families')} "
        f"with copies ({s['families']:,} in all)",
    ]
    if s.get("passages") is not None:
        parts.append(f"{s['passages']:,} {_plural(s['passages'], 'passage', 'passages')}")
    return "; ".join(parts) + f" in {s['seconds']:.1f} s"


def _member_facts(documents, members: set[str]) -> dict[str, tuple[str, str]]:
    """(outlet, title) of each member, from what ingest knew of it."""
    columns = [c for c in ("id", "source", "title") if c in documents.column_names]
    wanted = pa.array(sorted(members), pa.string())
    rows = documents.filter(pc.is_in(documents["id"], value_set=wanted)).select(columns)
    return {r["id"]: (r.get("source") or "", r.get("title") or "") for r in rows.to_pylist()}


def member_line(label: str, member: str, facts: dict[str, tuple[str, str]], width: int) -> str:
    """A member's label and id in full, then its outlet and as much of its title as fits the line."""
    outlet, title = facts.get(member, ("", ""))
    room = width - len(label) - len(member) - len(outlet) - 8
    if len(title) > room:
        title = title[: max(room - 1, 0)] + "…" if room > 12 else ""
    line = f"  [dim]{label}[/]  {escape(member)}"
    if outlet:
        line += f"  [cyan]{escape(outlet)}[/]"
    if title:
        line += f"  [dim]{escape(title)}[/]"
    return line


def pairs_grid(pairs: list[dict], names: dict[str, str]) -> Table:
    """The pairs with their figures; `names` gives what to call each document."""
    table = Table(expand=False)
    table.add_column("a", overflow="fold")
    table.add_column("b", overflow="fold")
    for column in ("jaccard", "a in b", "b in a", "shared"):
        table.add_column(column, justify="right", no_wrap=True)
    for p in pairs[:MAX_PAIRS_SHOWN]:
        table.add_row(
            escape(names.get(p["a"], p["a"])), escape(names.get(p["b"], p["b"])), f"{p['jaccard']:.2f}",
            f"{p['containment_a_in_b']:.2f}", f"{p['containment_b_in_a']:.2f}", f"{p['shared_shingles']:,}",
        )
    if len(pairs) > MAX_PAIRS_SHOWN:
        table.caption = f"{len(pairs) - MAX_PAIRS_SHOWN:,} more pairs in the pairs table"
    return table


def print_family(console: Console, row: dict, pairs: list[dict], facts: dict) -> None:
    heading = f"[bold]family {row['family']}[/]: {row['size']} documents"
    if row.get("original"):
        heading += f", original [bold]{escape(row['original'])}[/]"
    console.print(heading, soft_wrap=True)
    members = row["members"][:MAX_PAIRS_SHOWN]
    labels = {member: f"#{i}" for i, member in enumerate(members, start=1)}
    for member in members:
        console.print(member_line(labels[member], member, facts, console.width), soft_wrap=True, highlight=False)
    if row["size"] > len(members):
        console.print(f"[dim]... {row['size'] - len(members):,} more members[/]")
    shown = pairs[:MAX_PAIRS_SHOWN]
    longest = max((len(p[side]) for p in shown for side in ("a", "b")), default=0)
    # Full ids when two of them fit a row beside the figures; else the members' labels, never cut ids.
    names = {} if 2 * longest + PAIR_FIGURES_WIDTH <= console.width else labels
    console.print(pairs_grid(pairs, names))


def print_summary(console: Console, result, written: Path | None = None) -> None:
    console.print(counts_line(result.stats), soft_wrap=True)
    families = result.families.filter(pc.greater(result.families["size"], 1))
    shown = families.slice(0, MAX_FAMILIES_SHOWN).to_pylist()
    by_family = {row["family"]: [] for row in shown}
    family_of = {m: row["family"] for row in shown for m in row["members"]}
    for p in result.pairs.to_pylist():
        if p["a"] in family_of:
            by_family[family_of[p["a"]]].append(p)
    facts = _member_facts(result.documents, set(family_of)) if family_of else {}
    for row in shown:
        pairs = sorted(by_family[row["family"]], key=lambda p: (-p["shared_shingles"], p["a"], p["b"]))
        print_family(console, row, pairs, facts)
    if families.num_rows > len(shown):
        console.print(f"{families.num_rows - len(shown):,} more families with copies in families table")
    if written is not None:
        rejects = result.stats["documents_rejected"]
        console.print(
            f"written to [bold]{escape(str(written))}/[/]"
            + (f" (rejects with reasons in {escape(str(written))}/rejects.jsonl)" if rejects else ""),
            soft_wrap=True,
        )

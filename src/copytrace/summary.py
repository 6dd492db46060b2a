"""The terminal summary of a scan: counts, then the largest families with their pairs."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
from rich.console import Console
from rich.table import Table

MAX_FAMILIES_SHOWN = 5
MAX_PAIRS_SHOWN = 10


def print_summary(console: Console, result, written: Path | None = None) -> None:
    s = result.stats
    console.print(
        f"[bold]{s['documents_read']}[/] read, [bold]{s['documents_used']}[/] used, "
        f"[bold]{s['documents_rejected']}[/] rejected; {s['candidate_pairs']} candidate pairs, "
        f"[bold]{s['kept_pairs']}[/] kept; {s['families_with_copies']} families with copies "
        f"({s['families']} in all) in {s['seconds']:.1f} s"
    )
    families = result.families.filter(pc.greater(result.families["size"], 1))
    pairs = result.pairs.to_pylist()
    for row in families.slice(0, MAX_FAMILIES_SHOWN).to_pylist():
        members = set(row["members"])
        table = Table(title=f"family {row['family']}: {row['size']} documents", title_justify="left")
        for column in ("a", "b", "jaccard", "a in b", "b in a", "shared"):
            table.add_column(column, justify="left" if column in ("a", "b") else "right")
        shown = [p for p in pairs if p["a"] in members][:MAX_PAIRS_SHOWN]
        for p in shown:
            table.add_row(
                p["a"], p["b"], f"{p['jaccard']:.2f}", f"{p['containment_a_in_b']:.2f}",
                f"{p['containment_b_in_a']:.2f}", str(p["shared_shingles"]),
            )
        console.print(table)
    if written is not None:
        console.print(f"written to [bold]{written}/[/]" + (
            f" (rejects with reasons in {written}/rejects.jsonl)" if s["documents_rejected"] else ""))

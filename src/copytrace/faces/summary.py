"""The terminal summary of a scan: counts, then the largest families with their pairs and tree.

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
        f"with copies{_alone(s)}",
    ]
    if s.get("passages") is not None:
        parts.append(f"{s['passages']:,} {_plural(s['passages'], 'passage', 'passages')}")
    if s.get("semantic"):
        sem = s["semantic"]
        parts.append(f"semantic: {sem['translations']:,} translated, {sem['rewrites']:,} rewritten "
                     f"({sem['sentences_embedded']:,} sentences embedded, {sem['seconds']:.1f} s)")
    return "; ".join(parts) + f" in {s['seconds']:.1f} s"


def _alone(stats: dict) -> str:
    """', 116 documents with none': the families of one document are documents, not families of copies."""
    alone = stats["families"] - stats["families_with_copies"]
    return f", {alone:,} {_plural(alone, 'document', 'documents')} with none" if alone > 0 else ""


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


def pairs_grid(pairs: list[dict], names: dict[str, str], total: int | None = None) -> Table:
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
    total = max(total or 0, len(pairs))
    if total > MAX_PAIRS_SHOWN:
        table.caption = f"{total - MAX_PAIRS_SHOWN:,} more pairs in the pairs table"
    return table


RELATION_WORDS = {
    "same": "another capture of the same article",
    "republication": "republication",
    "cut": "a cut of it (a brief)",
    "partial": "partial republication",
    "quote": "quotes it",
}


def print_pair_lines(console: Console, pairs: list[dict], total: int | None = None) -> None:
    """The pairs for a narrow terminal: both ids whole on one line, the figures indented below."""
    console.print("[bold]pairs[/]  (jaccard; share of a in b, of b in a; shingles shared)")
    for p in pairs[:MAX_PAIRS_SHOWN]:
        console.print(f"  {escape(p['a'])} ↔ {escape(p['b'])}", soft_wrap=True, highlight=False)
        console.print(f"      jaccard {p['jaccard']:.2f}, a in b {p['containment_a_in_b']:.2f}, "
                      f"b in a {p['containment_b_in_a']:.2f}, {p['shared_shingles']:,} shared", highlight=False)
    total = max(total or 0, len(pairs))
    if total > MAX_PAIRS_SHOWN:
        console.print(f"  {total - MAX_PAIRS_SHOWN:,} more pairs in the pairs table")


def _edit_phrase(kind: str, edits: list[dict]) -> str | None:
    """'adds 3 spans (612 chars), e.g. "Sergei Lavrov says..."' for one kind of edit."""
    chosen = [e for e in edits if e["kind"] == kind and (e.get("text") or "").strip()]
    if not chosen:
        return None
    chars = sum(len(e["text"]) for e in chosen)
    longest = max(chosen, key=lambda e: len(e["text"]))["text"].strip().replace("\n", " ")
    sample = longest if len(longest) <= 70 else longest[:69] + "…"
    verb = {"added": "adds", "dropped": "drops", "changed": "changes"}[kind]
    return f"{verb} {len(chosen)} {_plural(len(chosen), 'span', 'spans')} ({chars:,} chars), e.g. \"{escape(sample)}\""


def copy_label(edge: dict, edits: list[dict]) -> str:
    """One line on a copy: relation, coverage, credit, confidence, then what it added and dropped."""
    parts = [f"[bold]{escape(edge['copy'])}[/]: {RELATION_WORDS.get(edge['relation'], edge['relation'])}"]
    if edge.get("source_coverage") is not None:
        parts.append(f"carries {edge['source_coverage']:.0%} of its source")
    if edge.get("credit"):
        parts.append(f"[green]credits {escape(edge.get('credited') or 'its source')}[/]"
                     + (f" (\"{escape(edge['credit_text'])}\")" if edge.get("credit_text") else ""))
    elif edge["relation"] != "same":
        parts.append("[yellow]no credit[/]")
    if edge["relation"] == "same":
        return "; ".join(parts)
    if edge.get("confidence") is not None:
        parts.append(f"direction confidence {edge['confidence']:.2f}")
    changes = [phrase for kind in ("added", "dropped") if (phrase := _edit_phrase(kind, edits))]
    return "; ".join(parts) + "".join(f"\n{c}" for c in changes)


MAX_TREE_NODES = 25  # copies shown in the terminal tree of one family (the families table has them all)


def family_tree(row: dict, edges: dict, edits: dict):
    """The who-copied-whom tree of a family, the original at its root, breadth first up to MAX_TREE_NODES copies."""
    from rich.tree import Tree

    tree = Tree(f"[bold]{escape(row['original'])}[/] (original)")
    children: dict[str, list[dict]] = {}
    for link in row.get("tree") or []:
        children.setdefault(link["source"], []).append(link)
    frontier, nodes, shown = [row["original"]], {row["original"]: tree}, 0
    while frontier and shown < MAX_TREE_NODES:
        source = frontier.pop(0)
        for link in children.get(source, []):
            if shown == MAX_TREE_NODES:
                break
            edge = edges.get((link["source"], link["copy"]), {**link})
            nodes[link["copy"]] = nodes[source].add(copy_label(edge, edits.get((link["source"], link["copy"]), [])))
            frontier.append(link["copy"])
            shown += 1
    hidden = len(row.get("tree") or []) - shown
    if hidden > 0:
        tree.add(f"[dim]... {hidden:,} more copies in the families table[/]")
    return tree


def print_family(console: Console, row: dict, pairs: list[dict], facts: dict,
                 edges: dict | None = None, edits: dict | None = None) -> None:
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
    # Ids whole, never cut nor folded (a reader copies them from here): a table when two fit a row
    # beside the figures, else a pair on one line and its figures on the next.
    if 2 * longest + PAIR_FIGURES_WIDTH <= console.width:
        console.print(pairs_grid(pairs, {}, row.get("pair_count")))
    else:
        print_pair_lines(console, pairs, row.get("pair_count"))
    if row.get("original") and row.get("tree"):
        reasons = [r for r in row.get("original_evidence") or [] if not r.startswith("date:")]
        console.print("who copied whom:" + (f" [dim]({escape(reasons[-1])})[/]" if reasons else ""))
        console.print(family_tree(row, edges or {}, edits or {}))


def _edges_and_edits(tables: dict, members: set[str]) -> tuple[dict, dict]:
    """Edges and edits of the shown families, keyed by (source, copy)."""
    edges, edits = {}, {}
    wanted = pa.array(sorted(members), pa.string())
    if "edges" in tables:
        for e in tables["edges"].filter(pc.is_in(tables["edges"]["copy"], value_set=wanted)).to_pylist():
            edges[(e["source"], e["copy"])] = e
    if "edits" in tables:
        for e in tables["edits"].filter(pc.is_in(tables["edits"]["copy"], value_set=wanted)).to_pylist():
            edits.setdefault((e["source"], e["copy"]), []).append(e)
    return edges, edits


def print_summary(console: Console, result, written: Path | None = None) -> None:
    console.print(counts_line(result.stats), soft_wrap=True)
    families = result.families.filter(pc.greater(result.families["size"], 1))
    shown = families.slice(0, MAX_FAMILIES_SHOWN).to_pylist()
    family_of = {m: row["family"] for row in shown for m in row["members"]}
    facts = _member_facts(result.documents, set(family_of)) if family_of else {}
    edges, edits = _edges_and_edits(result.tables, set(family_of))
    for row in shown:
        # A family of thousands has millions of pairs: only the top ones leave Arrow.
        inside = result.pairs.filter(pc.is_in(result.pairs["a"], value_set=pa.array(row["members"], pa.string())))
        top = inside.sort_by([("shared_shingles", "descending"), ("a", "ascending"), ("b", "ascending")])
        row["pair_count"] = inside.num_rows
        print_family(console, row, top.slice(0, MAX_PAIRS_SHOWN).to_pylist(), facts, edges, edits)
    if families.num_rows > len(shown):
        console.print(f"{families.num_rows - len(shown):,} more families with copies in families table")
    links = result.tables.get("links")
    if links is not None and links.num_rows:
        console.print(f"{links.num_rows:,} cross-family {_plural(links.num_rows, 'link', 'links')} (text shared "
                      "between families, e.g. a quote) in the links table, outside every tree")
    if written is not None:
        rejects = result.stats["documents_rejected"]
        console.print(
            f"written to [bold]{escape(str(written))}/[/]"
            + (f" (rejects with reasons in {escape(str(written))}/rejects.jsonl)" if rejects else ""),
            soft_wrap=True,
        )

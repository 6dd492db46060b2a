"""`copytrace explain DOC_ID`: a readable account of one document from a scan's outputs.

Reads documents, passages, edges, edits and families from the output folder
(parquet or jsonl) and prints: the document, its place in its family's
tree, its sources and its copies (relation, coverage, credit, confidence,
evidence), then for each direct source or copy the shared passages side by
side and the text added and dropped.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from copytrace.faces.terminal import without_unused_packages


class Account:
    """The rows of a scan's outputs that concern one document (only those rows are read)."""

    other: str | None = None  # the second document of a pair compared on demand (`PairAccount`)

    def __init__(self, out: Path, doc_id: str):
        from copytrace.io.output import ScanOutput, ScanOutputError

        scan = ScanOutput(out)
        if scan.table("documents", ["id"], id=[doc_id]).num_rows == 0:
            ids = scan.table("documents", ["id"])["id"].to_pylist()
            close = difflib.get_close_matches(doc_id, ids, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ScanOutputError(f"{doc_id!r} is not a document of {out}{hint}")
        self.doc_id = doc_id
        if "edges" not in scan:  # a detection-only scan (--no-explain): explain this document's family now
            scan = _FamilyExplained(scan, doc_id)
        self.edges = scan.table("edges", source=doc_id, copy=doc_id).to_pylist()
        others = {e["source"] for e in self.edges} | {e["copy"] for e in self.edges}
        links = scan.get("links", ["source", "copy"], source=doc_id, copy=doc_id)
        if links is not None:
            others |= set(links["source"].to_pylist()) | set(links["copy"].to_pylist())
        self.documents = {row["id"]: row for row in scan.table("documents", id=sorted(others | {doc_id})).to_pylist()}
        self.passages = scan.table("passages", a=doc_id, b=doc_id).to_pylist()
        self.edits = scan.table("edits", source=doc_id, copy=doc_id).to_pylist()
        # Reuse between families (a shared quote): listed apart, never in the family's tree.
        links = scan.get("links", source=doc_id, copy=doc_id)
        self.links = links.to_pylist() if links is not None else []
        family = self.documents[doc_id].get("family")
        families = scan.table("families", family=family).to_pylist() if family is not None else []
        self.family = families[0] if families else None

    def text(self, doc: str) -> str:
        return self.documents[doc]["text"]

    def pair_passages(self, x: str, y: str) -> list[tuple[int, int, int, int, float]]:
        """Passages of the pair as (x_start, x_end, y_start, y_end, identity), in x order."""
        out = []
        for p in self.passages:
            if (p["a"], p["b"]) == (x, y):
                out.append((p["a_start"], p["a_end"], p["b_start"], p["b_end"], p["identity"]))
            elif (p["a"], p["b"]) == (y, x):
                out.append((p["b_start"], p["b_end"], p["a_start"], p["a_end"], p["identity"]))
        return sorted(out)


class _FamilyExplained:
    """The tables of a detection-only scan folder, with one document's family aligned and traced on demand.

    Only that family's documents and kept pairs are read and explained (default
    align and provenance settings), so one account costs a family, not the corpus.
    """

    def __init__(self, scan, doc_id: str):
        import pyarrow.compute as pc

        from copytrace.engines.memory import explain_pairs
        from copytrace.progress import Progress
        from copytrace.settings import ScanSettings

        family = scan.table("documents", id=[doc_id]).to_pylist()[0].get("family")
        members = scan.table("documents", family=family) if family is not None else scan.table("documents", id=[doc_id])
        ids = members["id"]
        pairs = scan.table("pairs", a=ids.to_pylist(), b=ids.to_pylist())
        pairs = pairs.filter(pc.and_(pc.is_in(pairs["a"], value_set=ids), pc.is_in(pairs["b"], value_set=ids)))
        self.tables = explain_pairs(members, pairs, ScanSettings(), Progress())
        self.tables["documents"] = members

    def table(self, name: str, columns=None, **any_of):
        import pyarrow as pa
        import pyarrow.compute as pc

        table = self.tables[name]
        if any_of:
            masks = [pc.is_in(table[column], value_set=pa.array(values if isinstance(values, list) else [values]))
                     for column, values in any_of.items()]
            mask = masks[0]
            for more in masks[1:]:
                mask = pc.or_(mask, more)
            table = table.filter(mask)
        return table.select(columns) if columns else table

    def get(self, name: str, columns=None, **any_of):
        """The table, or None when the on-demand explanation has none (as ScanOutput.get)."""
        return self.table(name, columns, **any_of) if name in self.tables else None


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    half = max(10, width // 2 - 3)
    return f"{text[:half]} … {text[-half:]}"


def _fmt_share(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def _credit_cell(edge: dict) -> str:
    if edge["credit"]:
        return f"[green]yes[/]: {escape(edge['credited'] or '')}"
    if edge["credited"]:
        other = " (not this source)" if edge["credit"] is False else ""
        return f"[yellow]credits {escape(edge['credited'])}[/]{other}"
    return "[red]no[/]"


def header(account: Account) -> Panel:
    doc = account.documents[account.doc_id]
    lines = [f"[bold]{escape(account.doc_id)}[/]"]
    for label in ("title", "source", "url", "date"):
        if doc.get(label):
            lines.append(f"{label}: {escape(str(doc[label]))}")
    lines.append(f"{doc.get('n_chars', len(doc['text'])):,} characters")
    if doc.get("lang") and doc["lang"] != "en":  # English, the default, goes unsaid
        lines.append(f"language: {doc['lang']} ({doc.get('lang_score') or 0:.2f})")
    family = account.family
    if family:
        role = "the original" if family.get("original") == account.doc_id else None
        for edge in family.get("tree") or []:
            if edge["copy"] == account.doc_id:
                verb = "a capture of the same article as" if edge["relation"] == "same" else f"a {edge['relation']} of"
                role = f"{verb} {escape(edge['source'])}"
        lines.append(f"family {family['family']} ({family['size']} documents); this document is "
                     f"{role or 'not placed in the tree'}")
    return Panel("\n".join(lines), title="document", title_align="left")


def family_tree(account: Account, most: int = 0) -> Tree | None:
    """The family's tree from its original; with `most` > 0, its first `most` members breadth first (the
    document's own line of sources always), then how many more there are."""
    family = account.family
    if not family or not family.get("original") or not family.get("tree"):
        return None

    def label(doc: str, relation: str | None = None) -> str:
        name = f"[bold reverse]{escape(doc)}[/]" if doc == account.doc_id else escape(doc)
        return name if relation is None else f"{name} [dim]({relation})[/]"

    children: dict[str, list[dict]] = {}
    parent: dict[str, str] = {}
    for edge in family["tree"]:
        if edge["copy"] not in parent:
            parent[edge["copy"]] = edge["source"]
            children.setdefault(edge["source"], []).append(edge)
    line, doc = [], account.doc_id
    while doc in parent and doc not in line:  # the document's line of sources up to the original
        line.append(doc)
        doc = parent[doc]
    order = _breadth_first(family["original"], children)
    seen = set(order)
    # The document's own copies first, then the original's, breadth first.
    first = _breadth_first(account.doc_id, children) if account.doc_id in seen else []
    wanted = list(dict.fromkeys(first + order))
    shown = set(wanted if most <= 0 else wanted[:most]) | (set(line) & seen)
    root = Tree(label(family["original"]) + " [dim](original)[/]")
    stack, placed = [(family["original"], root)], {family["original"]}
    while stack:
        doc, node = stack.pop()
        for edge in children.get(doc, []):
            if edge["copy"] in shown and edge["copy"] not in placed:
                placed.add(edge["copy"])
                stack.append((edge["copy"], node.add(label(edge["copy"], edge["relation"]))))
    hidden = len(order) - len(placed)
    if hidden > 0:
        root.add(f"[dim]{_more(hidden, 'members')}[/]")
    return root


def _edges_of(account: Account, role: str, most: int) -> tuple[list[dict], int]:
    """The document's edges in `role`, direct ones first then by confidence; the first `most` (> 0), and how
    many more there are."""
    rows = [e for e in account.edges if e[role] == account.doc_id]
    rows.sort(key=lambda e: (not e.get("in_tree"), -(e["confidence"] or 0)))
    return (rows, 0) if most <= 0 or len(rows) <= most else (rows[:most], len(rows) - most)


def _breadth_first(top: str, children: dict[str, list[dict]]) -> list[str]:
    """`top` and the members under it in the tree, breadth first (direct copies before theirs)."""
    order, seen, k = [top], {top}, 0
    while k < len(order):
        for edge in children.get(order[k], []):
            if edge["copy"] not in seen:
                seen.add(edge["copy"])
                order.append(edge["copy"])
        k += 1
    return order


def _more(hidden: int, what: str) -> str:
    return f"… {hidden:,} more {what} (--most 0 shows them all; --json gives every row)"


def edges_table(account: Account, role: str, most: int = 0) -> Table | None:
    """The document's sources (role 'copy') or copies (role 'source'), the first `most` (> 0)."""
    rows, hidden = _edges_of(account, role, most)
    if not rows:
        return None
    other, listed = ("source", "sources") if role == "copy" else ("copy", "copies")
    table = Table(title=f"its {listed}", title_justify="left", expand=True,
                  caption=_more(hidden, listed) if hidden else None, caption_justify="left")
    for column in (other, "relation", "coverage (src / copy)", "credit", "confidence", "evidence"):
        table.add_column(column, overflow="fold")
    for e in rows:
        name = escape(e[other]) + (" [dim](direct)[/]" if e.get("in_tree") else "")
        table.add_row(name, e["relation"], f"{_fmt_share(e['source_coverage'])} / {_fmt_share(e['copy_coverage'])}",
                      _credit_cell(e), f"{e['confidence']:.2f}" if e["confidence"] is not None else "—",
                      Text("\n".join(e["evidence"] or [])))
    return table


# Below this width the six-column table of sources or copies folds its evidence to a word a line.
WIDE_TABLE = 120


def edges_blocks(account: Account, role: str, most: int = 0) -> Group | None:
    """The sources or copies one block each, for narrow terminals: a line of figures, then the evidence."""
    from rich.padding import Padding

    rows, hidden = _edges_of(account, role, most)
    if not rows:
        return None
    other, listed = ("source", "sources") if role == "copy" else ("copy", "copies")
    parts: list = [Text(f"its {listed}", style="bold underline")]
    for e in rows:
        confidence = f"{e['confidence']:.2f}" if e["confidence"] is not None else "—"
        parts.append(Text.from_markup(
            f"[bold]{escape(e[other])}[/]" + (" [dim](direct)[/]" if e.get("in_tree") else "")))
        parts.append(Padding(Text.from_markup(
            f"{e['relation']} · coverage {_fmt_share(e['source_coverage'])} of the source, "
            f"{_fmt_share(e['copy_coverage'])} of the copy · confidence {confidence}\ncredit: {_credit_cell(e)}"),
            (0, 0, 0, 2)))
        for line in e["evidence"] or []:
            parts.append(Padding(Text("- " + line, style="dim"), (0, 0, 0, 4)))
    if hidden:
        parts.append(Text(_more(hidden, listed), style="dim"))
    return Group(*parts)


def passages_table(account: Account, source: str, copy: str, limit: int, width: int) -> Table:
    table = Table(title=f"shared passages: {escape(source)} → {escape(copy)}", title_justify="left",
                  expand=True, show_lines=True)
    table.add_column(escape(source), ratio=1, overflow="fold")
    table.add_column(escape(copy), ratio=1, overflow="fold")
    passages = account.pair_passages(source, copy)
    for s0, s1, c0, c1, identity in passages[:limit]:
        table.add_row(
            Text(f"[{s0}:{s1}] ", style="dim") + Text(_clip(account.text(source)[s0:s1], width)),
            Text(f"[{c0}:{c1}] identity {identity:.2f} ", style="dim") + Text(_clip(account.text(copy)[c0:c1], width)),
        )
    if len(passages) > limit:
        more = len(passages) - limit
        table.caption = f"{more} more passage{'s' if more > 1 else ''} (--passages to show more)"
    return table


def edits_panel(account: Account, source: str, copy: str, limit: int, width: int) -> Panel | None:
    rows = [e for e in account.edits if e["source"] == source and e["copy"] == copy]
    if not rows:
        return None
    styles = {"added": ("green", "+ added"), "dropped": ("red", "- dropped"), "changed": ("yellow", "~ changed")}
    lines = []
    for kind in ("added", "dropped", "changed"):
        # Prose first: a truncated list shows the framing and the cut sections before page chrome.
        of_kind = sorted((e for e in rows if e["kind"] == kind),
                         key=lambda e: (e.get("note") == "not prose", e["copy_start"] if kind == "added"
                                        else e["source_start"] if e["source_start"] is not None else 0))
        style, label = styles[kind]
        for e in of_kind[:limit]:
            note = f" [dim]({escape(e['note'])})[/]" if e.get("note") else ""
            start = e["copy_start"] if kind == "added" else e["source_start"]
            line = Text.from_markup(f"[{style}]{label}[/] [dim]@{start}[/]{note} ")
            if kind == "changed":
                line.append(_clip(e["source_text"] or "", width // 2), style="strike")
                line.append(" → ")
            line.append(_clip(e["text"] or "", width))
            lines.append(line)
        if len(of_kind) > limit:
            lines.append(Text(f"  … {len(of_kind) - limit} more {kind}", style="dim"))
    return Panel(Group(*lines), title=f"edits of {escape(copy)} against {escape(source)}", title_align="left")


def links_table(account: Account) -> Table | None:
    """Cross-family links: text this document shares with members of other families (a quote)."""
    if not account.links:
        return None
    table = Table(title="cross-family links (reuse between families, outside the tree)", title_justify="left",
                  expand=True)
    for column in ("source", "copy", "families", "relation", "coverage (src / copy)", "credit"):
        table.add_column(column, overflow="fold")
    for e in account.links:
        table.add_row(escape(e["source"]), escape(e["copy"]), f"{e['source_family']} → {e['copy_family']}",
                      e["relation"], f"{_fmt_share(e['source_coverage'])} / {_fmt_share(e['copy_coverage'])}",
                      _credit_cell(e))
    return table


def _original_reasons(reasons: list[str], most: int) -> str:
    """The original's evidence, the decision first; with `most` > 0, the first `DETAILED` of the others (a
    big family has a discounted date for each member carrying a page template's year)."""
    decision = [r for r in reasons if r.startswith("original:")]
    others = [r for r in reasons if not r.startswith("original:")]
    lines = [escape(r) for r in decision + (others if most <= 0 else others[:DETAILED])]
    if most > 0 and len(others) > DETAILED:
        lines.append(f"[dim]{_more(len(others) - DETAILED, 'reasons')}[/]")
    return "\n".join(lines)


# Direct sources and copies whose passages and edits are shown, at most, when `most` caps the account.
DETAILED = 10


def print_account(console: Console, account: Account, limit: int = 5, width: int = 240, most: int = 0) -> None:
    """The account of one document. `limit`: passages and edits of each kind per pair; `most` (> 0): members
    of the tree and sources or copies listed (the passages of the first `DETAILED`), for big families."""
    console.print(header(account))
    tree = family_tree(account, most)
    if tree is not None:
        console.print(tree)
    reasons = (account.family or {}).get("original_evidence") or []
    if reasons and account.family.get("original") == account.doc_id:
        console.print(Panel(_original_reasons(reasons, most), title="why the original", title_align="left"))
    table = links_table(account)
    if table is not None:
        console.print(table)
    narrow = console.width < WIDE_TABLE
    for role in ("copy", "source"):
        table = edges_blocks(account, role, most) if narrow else edges_table(account, role, most)
        if table is not None:
            console.print(table)
    if not account.edges:
        console.print(f"{escape(account.doc_id)} and {escape(account.other)} share no aligned passage."
                      if account.other else "No aligned passage with any other document: no source and no copy found.")
        return
    # Details for the direct links: its source in the tree, and its direct copies.
    direct = [e for e in account.edges if e.get("in_tree")] or list(account.edges)
    aligned = {(p["a"], p["b"]) for p in account.passages} | {(p["b"], p["a"]) for p in account.passages}
    if most > 0 and len(direct) > DETAILED:
        # Pairs aligned on their own first (a group of copies carrying the same cut is aligned once).
        direct.sort(key=lambda e: ((e["source"], e["copy"]) not in aligned, -(e["confidence"] or 0)))
        console.print(f"[dim]passages and edits of {DETAILED} of {len(direct):,} direct links, the most confident "
                      f"(explain a copy, or A B, for another)[/]")
        direct = direct[:DETAILED]
    for edge in direct:
        if (edge["source"], edge["copy"]) not in aligned:
            said = next((r for r in edge.get("evidence") or [] if r.startswith("same cut")), "no aligned passage")
            console.print(f"[dim]{escape(edge['source'])} → {escape(edge['copy'])}: {escape(said)}[/]")
            continue
        console.print(passages_table(account, edge["source"], edge["copy"], limit, width))
        panel = edits_panel(account, edge["source"], edge["copy"], limit, width)
        if panel is not None:
            console.print(panel)


class PairAccount(Account):
    """Two documents compared on demand (`explain A B`): aligned and traced now, from their texts alone."""

    def __init__(self, out: Path, doc_id: str, other: str):
        from copytrace.io.output import ScanOutput, ScanOutputError
        from copytrace.stages.provenance import explain_pair

        scan = ScanOutput(out)
        documents = scan.table("documents", id=[doc_id, other])
        found = set(documents["id"].to_pylist())
        for name in (doc_id, other):
            if name not in found:
                raise ScanOutputError(f"{name!r} is not a document of {out}")
        passages, traced = explain_pair(documents, doc_id, other)
        self.doc_id, self.other = doc_id, other
        self.documents = {row["id"]: row for row in documents.to_pylist()}
        self.edges = [dict(e, in_tree=True) for e in traced.edges.to_pylist()]
        self.edits = traced.edits.to_pylist()
        self.links, self.family = [], None
        self.passages = passages.to_pylist()


@without_unused_packages  # pyarrow's import of pandas was a third of an answer's time
def explain_command(
    doc_id: str = typer.Argument(..., help="The id of the document to explain (as in documents.parquet)."),
    other: str = typer.Argument(None, help="A second document: compare these two now (aligned on demand)."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="The output folder of `copytrace scan`."),
    passages: int = typer.Option(8, "--passages", "-n", help="Passages, and edits of each kind, shown per pair."),
    width: int = typer.Option(240, "--width", help="Characters shown per passage or edit."),
    most: int = typer.Option(30, "--most", help=f"Members of the family tree and sources or copies listed (the "
                             f"passages of the first {DETAILED}); 0: all."),
    as_json: bool = typer.Option(False, "--json", help="Print the document's rows (edges, passages, edits, family) "
                                 "as JSON on stdout."),
) -> None:
    """Explain one document: its sources and copies, shared passages, added and dropped text."""
    from copytrace.faces.terminal import EXIT_INPUT, SafeConsole, fail
    from copytrace.io.output import ScanOutputError

    try:
        account = PairAccount(out, doc_id, other) if other else Account(out, doc_id)
    except ScanOutputError as err:
        fail(str(err), EXIT_INPUT)
    if as_json:
        from copytrace.faces.terminal import json_text

        print(json_text(account_dict(account), default=str))
        return
    # Titles and outlets are untrusted text: no escape sequence reaches the terminal.
    print_account(SafeConsole(), account, max(1, passages), max(40, width), max(0, most))


def account_dict(account: Account) -> dict:
    """What `explain` shows, as plain data: the document (with its text), its family, edges, passages, edits."""
    return {"id": account.doc_id, "document": account.documents[account.doc_id], "family": account.family,
            "edges": account.edges, "passages": account.passages, "edits": account.edits}

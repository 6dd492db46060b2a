"""A big family at a glance: its tree as flat rows, a timeline of pickups, and one pair on demand.

The family page must stay small and fast for thousands of copies, so it
holds no document text: the tree is laid out as rows in depth-first order
(each with its depth, so a page of rows needs no nesting), every row with
the outlet, date, lag from the original, relation, credit and coverage of
the edge from its parent. The timeline is one inline SVG: the cumulative
count of pickups against the lag from the original (a dot per member for
smaller families; for larger ones the curve's steps on a half-unit grid, so
that its size is bounded by the plot's width, not the family's). A copy's
side-by-side view is fetched when asked for (`pair_view`): stored passages
and edits when the pair was explained,
otherwise the align stage's unit run on the two texts there and then.
"""

from __future__ import annotations

from datetime import datetime, timezone

from markupsafe import Markup, escape

from copytrace.text.dates import parse_date

DOTS_UP_TO = 150  # members drawn one dot each; above, the cumulative curve alone
SVG_W, SVG_H, PAD = 760, 180, 36


def _when(date: str | None):
    """A member's date as naive UTC: ISO 8601 straight away (the common form, and fast), else the
    robust parser of `text.dates`."""
    if not date:
        return None
    try:
        value = datetime.fromisoformat(date)
    except ValueError:
        parsed = parse_date(date)
        return parsed.value.astimezone(timezone.utc).replace(tzinfo=None) if parsed and parsed.value.tzinfo \
            else (parsed.value if parsed else None)
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def tree_rows(members: list[dict], original: str | None, tree: list[dict], edges: list[dict]) -> list[dict]:
    """Rows of the tree in depth-first order from the original; members the tree does not reach follow at
    depth 0 marked `placed: False`. Edges outside the family and second parents are left out."""
    docs = {m["id"]: m for m in members}
    when = {i: _when(d.get("date")) for i, d in docs.items()}
    parent: dict[str, dict] = {}
    children: dict[str, list[str]] = {}
    for e in tree or []:
        s, c = e["source"], e["copy"]
        if s in docs and c in docs and s != c and c not in parent and c != original:
            parent[c] = e
            children.setdefault(s, []).append(c)
    by_copy = {}
    for e in edges:
        by_copy.setdefault((e["source"], e["copy"]), e)
    order = lambda i: (when[i] is None, when[i] or 0, i)  # noqa: E731
    roots = [original] if original in docs else []
    roots += sorted((i for i in children if i not in parent and i != original), key=order)
    base = when.get(original) or min((w for w in when.values() if w), default=None)
    rows, seen = [], set()
    for root in roots:
        stack = [(root, 0)]
        while stack:
            doc_id, depth = stack.pop()
            if doc_id in seen:
                continue
            seen.add(doc_id)
            link = parent.get(doc_id) if depth else None
            edge = by_copy.get((link["source"], doc_id)) if link else None
            rows.append(_row(docs[doc_id], depth, link, edge, when[doc_id], base, doc_id == original, True))
            kids = sorted(children.get(doc_id, []), key=order, reverse=True)
            stack.extend((k, depth + 1) for k in kids)
    for doc_id in sorted((i for i in docs if i not in seen), key=order):
        rows.append(_row(docs[doc_id], 0, None, None, when[doc_id], base, doc_id == original, False))
    return rows


def _row(doc: dict, depth: int, link: dict | None, edge: dict | None, when, base, is_original: bool,
         placed: bool) -> dict:
    lag = (when - base).total_seconds() / 3600 if when and base else None
    return {
        "id": doc["id"], "title": doc.get("title"), "outlet": doc.get("source"), "date": doc.get("date"),
        "depth": depth, "parent": link["source"] if link else None,
        "relation": (edge or {}).get("relation") or (link or {}).get("relation"),
        "credit": (edge or {}).get("credit"), "credited": (edge or {}).get("credited"),
        "credit_text": _short((edge or {}).get("credit_text")),
        "source_coverage": (edge or {}).get("source_coverage"), "copy_coverage": (edge or {}).get("copy_coverage"),
        "lag_hours": lag, "lag": lag_label(lag), "original": is_original, "placed": placed,
    }


def _short(text: str | None, limit: int = 160) -> str | None:
    if not text:
        return text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def lag_label(hours: float | None) -> str:
    if hours is None:
        return ""
    sign = "-" if hours < 0 else "+"
    h = abs(hours)
    if h < 1:
        return f"{sign}{h * 60:.0f}m"
    if h < 48:
        return f"{sign}{h:.1f}h" if h < 10 else f"{sign}{h:.0f}h"
    return f"{sign}{h / 24:.0f}d"


def timeline_svg(rows: list[dict]) -> Markup:
    """Pickups over time: cumulative members against the lag from the original (hours), one inline SVG."""
    # By lag alone: members published at the same time (a wire story's pickups often are) keep their order.
    points = sorted(((r["lag_hours"], r) for r in rows if r["lag_hours"] is not None), key=lambda p: p[0])
    undated = len(rows) - len(points)
    if len(points) < 2:
        return Markup(f'<p class="muted">Too few dated members for a timeline ({undated} undated).</p>')
    lo, hi = min(points[0][0], 0.0), points[-1][0]
    span = (hi - lo) or 1.0
    unit, scale = ("days", 24.0) if span > 72 else ("hours", 1.0)
    x = lambda h: PAD + (h - lo) / span * (SVG_W - 2 * PAD)  # noqa: E731
    y = lambda k: SVG_H - PAD - k / len(points) * (SVG_H - 2 * PAD)  # noqa: E731
    step = _curve([x(h) for h, _ in points], y, coarse=len(points) > DOTS_UP_TO)
    parts = [f'<svg class="timeline-plot" viewBox="0 0 {SVG_W} {SVG_H}" role="img" '
             f'aria-label="pickups over time: {len(points)} dated members">',
             f'<line class="axis" x1="{PAD}" y1="{SVG_H - PAD}" x2="{SVG_W - PAD}" y2="{SVG_H - PAD}"/>',
             f'<line class="axis" x1="{x(0):.1f}" y1="{PAD - 8}" x2="{x(0):.1f}" y2="{SVG_H - PAD}"/>',
             f'<polyline class="curve" points="{" ".join(step)}"/>']
    for t in range(5):
        h = lo + span * t / 4
        parts.append(f'<text x="{x(h):.1f}" y="{SVG_H - PAD + 16}" text-anchor="middle">'
                     f'{h / scale:+.1f}</text>')
    parts.append(f'<text x="{SVG_W / 2:.0f}" y="{SVG_H - 4}" text-anchor="middle">{unit} after the original</text>')
    parts.append(f'<text x="{PAD - 4}" y="{PAD - 12}">{len(points)} pickups</text>')
    if len(points) <= DOTS_UP_TO:
        for k, (h, r) in enumerate(points, 1):
            cls = "dot original" if r["original"] else ("dot early" if h < 0 else "dot")
            label = f'{r["outlet"] or "unknown outlet"} {r["lag"]} ({r["date"]})'
            parts.append(f'<circle class="{cls}" cx="{x(h):.1f}" cy="{y(k):.1f}" r="3"><title>{escape(label)}</title></circle>')
    parts.append("</svg>")
    if undated:
        parts.append(f'<p class="muted">{undated} member(s) without a readable date are not plotted.</p>')
    return Markup("".join(parts))


def _curve(xs: list[float], y, coarse: bool) -> list[str]:
    """The cumulative curve's points: a vertical step at each member's x (ascending), the members at one x
    drawn as one step. `coarse` (too many members for a dot each): x on a grid of half a unit, so at most two
    steps per unit of the plot's width whatever the family's size (at most ~35 KB); else a tenth."""
    grid = 2.0 if coarse else 10.0
    step: list[str] = []
    k = 0
    while k < len(xs):
        at = round(xs[k] * grid) / grid
        first = k
        while k < len(xs) and round(xs[k] * grid) / grid == at:
            k += 1
        step.append(f"{at:.1f},{y(first):.1f} {at:.1f},{y(k):.1f}")
    return step


def family_summary(rows: list[dict]) -> dict:
    """Counts shown above the tree: relations, credited copies, outlets, members outside the tree."""
    relations: dict[str, int] = {}
    for r in rows:
        if r["relation"] and r["depth"]:
            relations[r["relation"]] = relations.get(r["relation"], 0) + 1
    copies = [r for r in rows if r["depth"]]
    return {"relations": relations, "copies": len(copies),
            "credited": sum(1 for r in copies if r["credit"]),
            "outlets": len({r["outlet"] for r in rows if r["outlet"]}),
            "unplaced": sum(1 for r in rows if not r["placed"]),
            "early": sum(1 for r in rows if r["lag_hours"] is not None and r["lag_hours"] < 0)}


def _pct(x) -> str:
    return "" if x is None else f"{100 * float(x):.0f}%"


def rows_html(rows: list[dict], standalone: bool = False) -> Markup:
    """The tree rows as <li> elements (built here, not by a Jinja macro per row: a 1,000-copy family's page
    renders in a few ms). Every name is escaped and isolated with <bdi>; ids are URL-encoded."""
    from copytrace.faces.server.views import id_url

    out = []
    for r in rows:
        cls = f"d{min(r['depth'], 12)}" + ("" if r["placed"] else " unplaced")
        parts = [f'<li class="{cls}"><bdi class="o">{escape(r["outlet"] or "unknown outlet")}</bdi> '
                 f'<time>{escape(r["date"] or "no date")}</time> <span class="lag">{r["lag"]}</span> ']
        if r["original"]:
            parts.append('<span class="badge">original</span>')
        elif not r["placed"]:
            parts.append('<span class="rel">not in the tree</span>')
        else:
            rel = escape(r["relation"] or "copy")
            parts.append(f'<span class="rel rel-{rel}">{rel}</span>')
            if r["credit"]:
                parts.append(f' <span class="cr">credits <bdi>{escape(r["credited"] or "its source")}</bdi></span>')
            elif r["credit"] is False:
                parts.append(' <span class="nocr">no credit</span>')
            if r["copy_coverage"] is not None:
                parts.append(f' <span class="cov">{_pct(r["source_coverage"])}/{_pct(r["copy_coverage"])}</span>')
        doc = id_url(r["id"])
        href = f"#doc-{doc}" if standalone else f"/ui/documents/{doc}"
        parts.append(f' <a href="{escape(href)}"><bdi>{escape(r["id"])}</bdi></a>')
        if r["parent"] and not standalone:
            parts.append(f' <a class="cmp" href="/ui/pair?a={escape(id_url(r["parent"]))}&amp;b={escape(doc)}">compare</a>')
        parts.append("</li>\n")
        out.append("".join(parts))
    return Markup("".join(out))

"""The families list of an index: filtered, paged by family (not by member row), and as CSV.

Filters: an outlet (a member published by it, case-insensitive substring),
a date range (a member dated within it, by the date's first ten
characters), a relation (an edge of the family with it), credited or not
(a copy that credits its source / one that does not), and the family's size.
Every value reaches SQL as a parameter; the page and the API share the
query, and `GET /families` pages count families.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass

from copytrace.index.store import arrow
from copytrace.schemas import RELATIONS  # the relations an edge can have: the filter's choices

MAX_LIMIT = 1000
CSV_LIMIT = 100_000
OUTLETS_SHOWN = 8
# A member's day, when its date starts as one (2019-10-13..., the forms dates are stored in mostly).
DAY_SQL = "try_cast(left(d.date, 10) as date)"


class FilterError(ValueError):
    """A filter value that cannot be used (the reason names it)."""


@dataclass
class FamilyFilter:
    outlet: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    relation: str | None = None
    credited: str | None = None  # "yes": some copy credits its source; "no": some copy does not
    min_size: int | None = None
    max_size: int | None = None
    sort: str = "size"

    def check(self) -> "FamilyFilter":
        if self.sort not in ("size", "recent"):
            raise FilterError("sort must be 'size' or 'recent'")
        if self.credited not in (None, "", "yes", "no"):
            raise FilterError("credited must be 'yes' or 'no'")
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value and not _is_day(value):
                raise FilterError(f"{name} must be a date as YYYY-MM-DD, got {value!r}")
        for name in ("min_size", "max_size"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 2**62:
                raise FilterError(f"{name} out of range")
        return self

    def query(self) -> dict:
        """The filter as URL query parameters (empty ones left out), for pager and CSV links."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    def where(self) -> tuple[str, list]:
        """SQL conditions on `families f` and their parameters."""
        conds, params = ["f.size >= 2"], []
        if self.min_size is not None:
            conds.append("f.size >= ?")
            params.append(self.min_size)
        if self.max_size is not None:
            conds.append("f.size <= ?")
            params.append(self.max_size)
        if self.outlet:
            conds.append("f.family in (select d.family from documents d where d.source ilike ?)")
            params.append(f"%{_like_escape(self.outlet)}%")
        if self.date_from or self.date_to:
            day = []
            if self.date_from:
                day.append(f"{DAY_SQL} >= cast(? as date)")
                params.append(self.date_from)
            if self.date_to:
                day.append(f"{DAY_SQL} <= cast(? as date)")
                params.append(self.date_to)
            conds.append(f"f.family in (select d.family from documents d where {' and '.join(day)})")
        if self.relation:
            conds.append("f.family in (select e.family from edges e where e.relation = ?)")
            params.append(self.relation)
        if self.credited == "yes":
            conds.append("f.family in (select e.family from edges e where e.credit)")
        elif self.credited == "no":
            conds.append("f.family in (select e.family from edges e where e.in_tree and not coalesce(e.credit, false))")
        return " and ".join(conds), params


def _is_day(value: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_families(cur, flt: FamilyFilter, limit: int, offset: int) -> tuple[list[dict], int]:
    """One page of families (rows of the list) and how many families match in all."""
    where, params = flt.check().where()
    limit, offset = max(0, min(int(limit), CSV_LIMIT)), max(0, min(int(offset), 2**62))
    total = cur.execute(f"select count(*) from families f where {where}", params).fetchall()[0][0]
    order = "f.size desc, f.family" if flt.sort == "size" else "latest desc nulls last, f.updated_at desc, f.family"
    sql = f"""
        with page as (
            select f.family, f.size, f.original, f.updated_at,
                   (select max({DAY_SQL}) from documents d where d.family = f.family) as latest
            from families f where {where} order by {order} limit ? offset ?)
        select p.family, p.size, p.original, p.updated_at, p.latest,
               (select min({DAY_SQL}) from documents d where d.family = p.family) as first,
               (select list(distinct d.source order by d.source) from documents d
                 where d.family = p.family and d.source is not null) as outlets,
               o.title, o.source as original_outlet, o.date as original_date,
               (select count(*) from edges e where e.family = p.family and e.in_tree and e.credit) as credited,
               (select count(*) from edges e where e.family = p.family and e.in_tree) as tree_edges,
               (select list(distinct e.relation order by e.relation) from edges e where e.family = p.family) as relations
        from page p left join documents o on o.id = p.original
        order by {order.replace('f.', 'p.')}"""
    rows = arrow(cur, sql, params + [limit, offset]).to_pylist()
    return [_row(r) for r in rows], int(total)


def _row(r: dict) -> dict:
    outlets = r["outlets"] or []
    return {
        "family": r["family"], "size": r["size"], "original": r["original"],
        "title": r["title"] or r["original"] or "", "original_outlet": r["original_outlet"],
        "original_date": r["original_date"],
        "first_date": str(r["first"] or ""), "latest_date": str(r["latest"] or ""),
        "outlets": outlets[:OUTLETS_SHOWN], "n_outlets": len(outlets),
        "credited": r["credited"], "tree_edges": r["tree_edges"], "relations": r["relations"] or [],
        "updated": str(r["updated_at"] or ""),
    }


CSV_COLUMNS = ("family", "size", "original", "title", "original_outlet", "original_date", "first_date",
               "latest_date", "n_outlets", "credited", "tree_edges", "relations", "outlets")


def families_csv(rows: list[dict]) -> str:
    """The rows as CSV (outlets and relations joined with '; '); cells a spreadsheet would run as a
    formula (=, +, -, @ first) get a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        cells = []
        for c in CSV_COLUMNS:
            v = r.get(c)
            v = "; ".join(str(x) for x in v) if isinstance(v, list) else ("" if v is None else str(v))
            cells.append("'" + v if v[:1] in ("=", "+", "-", "@") else v)
        writer.writerow(cells)
    return out.getvalue()

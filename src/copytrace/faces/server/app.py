"""The HTTP face of an index: a JSON API and server-rendered pages, one FastAPI app.

API: POST /documents (batch add), DELETE /documents/{id}, POST /search, GET
/families (filtered, paged by family; /families.csv the same as CSV), GET
/families/{id} (everything stored), GET /families/{id}/tree (tree rows, no
text), GET /pair?a=&b= (a pair's passages, aligned now if never stored),
GET /documents/{id}; the OpenAPI spec at /openapi.json (no Swagger page: it
would load scripts from a CDN). Pages: / (families list with filters and
pages), /ui/families/{id} (tree first, timeline, pairs on demand),
/ui/documents/{id}, /ui/search, /ui/pair.

Only requests whose Host is allowed are served and writes from another
Origin are refused (`guard.py`, against DNS rebinding); writes need
`Authorization: Bearer TOKEN` when a token is set (`copytrace serve` makes
one unless started with --no-token). Request bodies over `max_body` bytes
are refused with 413; every error is JSON `{"error": reason}` (pages get
the reason in HTML).
"""

from __future__ import annotations

import hmac
import logging
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlencode

import pyarrow as pa
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from copytrace.index import IndexStoreError, Store, add_documents, remove_documents, search_document, search_text
from copytrace.index.adding import explain_families
from copytrace.index.store import arrow
from copytrace.index.tracing import family_tables
from copytrace.faces.server.families import (
    CSV_LIMIT, MAX_LIMIT, RELATIONS, FamilyFilter, FilterError, families_csv, list_families,
)
from copytrace.faces.server.guard import HostGuard, allowed_hosts
from copytrace.faces.server.pair import pair_json, pair_tables
from copytrace.faces.server.tree import family_summary, timeline_svg, tree_rows
from copytrace.faces.server.views import STATIC, comparison, environment, search_view

DEFAULT_MAX_BODY = 16 * 1024 * 1024
LIST_PAGE = 50  # families per page of the list
TREE_PAGE = 250  # tree rows in the family page's first response; the rest load on demand
# same-origin, not no-referrer: with no-referrer the browser sends `Origin: null` on the search form's
# POST, which the Origin check (guard.py) refuses; other sites still get no referrer.
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def no_lone_surrogate(value):
    """A JSON "\\ud800" escape decodes to a lone surrogate: not text (422 naming where), as scan rejects it."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(f"invalid Unicode: lone surrogate at character {err.start}") from None
    return value


class Text(BaseModel):
    @field_validator("*", mode="after")
    @classmethod
    def text_is_unicode(cls, value):
        return no_lone_surrogate(value)


class DocumentIn(Text):
    id: str = Field(min_length=1, max_length=1000)
    text: str = Field(min_length=1)
    url: str | None = None
    source: str | None = None
    date: str | None = None
    title: str | None = None


class DocumentsIn(BaseModel):
    documents: list[DocumentIn] = Field(min_length=1, max_length=100_000)
    label: str | None = Field(default=None, max_length=200)
    explain: bool = Field(default=True, description="Align and trace now; false leaves the families pending.")


class SearchIn(Text):
    text: str | None = None
    id: str | None = None
    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None
    limit: int = Field(default=50, ge=1, le=500)


class BodyLimit:
    """ASGI middleware: refuse bodies over `max_body` bytes, by Content-Length or as they stream in.

    Uvicorn (h11) never delivers more than a declared Content-Length, so a
    declared length is checked once; a chunked body is held here, at most
    `max_body` bytes of it, until it is complete.
    """

    def __init__(self, app, max_body: int):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_body:
                return await _too_large(self.max_body, send)
            return await self.app(scope, receive, send)
        # No declared length (chunked): read the body up to the limit before the app sees it.
        messages, seen = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                return await _too_large(self.max_body, send)
            if not message.get("more_body", False):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _too_large(limit: int, send) -> None:
    body = JSONResponse({"error": f"request body larger than the limit of {limit:,} bytes"}, status_code=413).body
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(index_path, token: str | None = None, max_body: int = DEFAULT_MAX_BODY,
               hosts: frozenset[str] | None = None, on_close=None, tree_page: int = TREE_PAGE) -> FastAPI:
    """The app over one index file; `token`, when set, is required for every write; only requests naming
    one of `hosts` (loopback names by default) are served."""
    store = Store(index_path, prefault=True)
    env = environment()

    @asynccontextmanager
    async def lifespan(_app):
        yield
        store.close()
        if on_close is not None:
            on_close()

    app = FastAPI(title="copytrace", summary="Where has this text appeared? Sources, copies, passages, provenance.",
                  version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # their pages load scripts from a CDN: the spec alone is served
    app.state.store = store
    app.add_middleware(BodyLimit, max_body=max_body)
    app.add_middleware(HostGuard, hosts=hosts or allowed_hosts("127.0.0.1"))  # outermost: checked first
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        html = env.get_template(name).render(**context, standalone=False)
        return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)

    add_error_handlers(app, page)
    reads = Reads(store)
    add_api(app, store, reads, writer_check(token))
    add_pages(app, store, reads, page, max(1, tree_page))
    return app


def writer_check(token: str | None):
    """A dependency that refuses writes without the token (constant-time compare)."""
    def writer(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "a valid API token is required for writes (Authorization: Bearer TOKEN)")
    return writer


def _is_page(request: Request) -> bool:
    return request.url.path.startswith("/ui") or request.url.path == "/"


def add_error_handlers(app: FastAPI, page) -> None:
    # Starlette's exception, not only FastAPI's: unknown routes (404) and methods (405) come as it.
    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        reason = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and reason == "Not Found":
            reason = f"no such route: {request.method} {request.url.path}"
        elif exc.status_code == 405 and reason == "Method Not Allowed":
            reason = f"method {request.method} is not allowed on {request.url.path}"
        if _is_page(request):
            return page("error.html", exc.status_code, reason=reason)
        return JSONResponse({"error": reason}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        reason = f"invalid request: {where}: {first.get('msg', 'bad value')}"
        if _is_page(request):
            return page("error.html", 422, reason=reason)
        return JSONResponse({"error": reason}, status_code=422)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        # The client gets the kind of failure only; the operator gets the traceback on stderr.
        logging.getLogger("copytrace.serve").error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)


def family_number(family: int) -> int:
    """A family number DuckDB can hold; any other cannot name a family (404, not an overflow)."""
    if not 0 <= family < 2**63:
        raise HTTPException(404, f"no family {family} with two or more documents")
    return family


def checked_documents(documents: list[DocumentIn]) -> tuple[pa.Table, list[tuple[str, str]]]:
    """The documents scan would keep (its collector's own checks: blank text, NUL bytes, size, duplicate
    ids), and (id, reason) of the others."""
    from copytrace.io.records import Collector, Record

    collector = Collector()
    for k, d in enumerate(documents):
        collector.add(Record(d.id, d.text, "POST /documents", k + 1, url=d.url, source=d.source,
                             date=d.date, title=d.title))
    kept = collector.documents()
    columns = [c for c in ("id", "text", "url", "source", "date", "title") if c in kept.column_names]
    return kept.select(columns), [(r.id, r.reason) for r in collector.rejects]


class Reads:
    """The read queries both faces share; every value reaches SQL as a parameter."""

    def __init__(self, store: Store):
        self.store = store

    def search(self, body: SearchIn):
        if (body.text is None) == (body.id is None):
            raise HTTPException(422, "give exactly one of text or id")
        try:
            if body.id is not None:
                return search_document(self.store, body.id)
            return search_text(self.store, body.text, body.model_dump(), limit=body.limit)
        except KeyError:
            raise HTTPException(404, f"no document {body.id!r} in the index")
        except IndexStoreError as err:
            raise HTTPException(422, str(err))

    def families(self, flt: FamilyFilter, limit: int, offset: int) -> tuple[list[dict], int]:
        cur = self.store.cursor()
        try:
            return list_families(cur, flt, limit, offset)
        except FilterError as err:
            raise HTTPException(422, str(err))
        finally:
            cur.close()

    def family(self, family: int) -> tuple[dict, tuple]:
        """Everything stored for a family (the API's full answer; texts and all pairs: small families)."""
        family = family_number(family)
        explain_families(self.store, [family])  # deferred when added: aligned and traced on first view
        cur = self.store.cursor()
        try:
            row = arrow(cur, "select * from families where family = ?", [family]).to_pylist()
            if not row:
                raise HTTPException(404, f"no family {family} with two or more documents")
            members, pairs, passages = family_tables(cur, [family])
            edges = arrow(cur, "select * from edges where family = ?", [family])
            edits = arrow(cur, 'select * from edits where "copy" in (select unnest(?::varchar[])) '
                               'order by "copy", copy_start, source_start', [members["id"].to_pylist()])
        finally:
            cur.close()
        return {**row[0], "updated_at": str(row[0]["updated_at"])}, (members, pairs, passages, edges, edits)

    def family_outline(self, family: int) -> dict:
        """The family page's data without any text or passage: members' metadata, tree rows, timeline."""
        family = family_number(family)
        explain_families(self.store, [family])
        cur = self.store.cursor()
        try:
            row = arrow(cur, "select family, size, members, original, tree, updated_at, explained from families "
                             "where family = ?", [family]).to_pylist()
            if not row:
                raise HTTPException(404, f"no family {family} with two or more documents")
            members = arrow(cur, "select id, source, date, title from documents where family = ? order by doc",
                            [family]).to_pylist()
            # Tree edges only: a family whose every pair was traced holds n^2/2 edges, the page needs n - 1.
            edges = arrow(cur, 'select source, "copy", relation, source_coverage, copy_coverage, credit, credited, '
                               "credit_text, in_tree from edges where family = ? and in_tree", [family]).to_pylist()
            pairs = cur.execute("select count(*) from pairs where a in (select id from documents where family = ?)",
                                [family]).fetchall()[0][0]
        finally:
            cur.close()
        fam = {**row[0], "updated_at": str(row[0]["updated_at"])}
        rows = tree_rows(members, fam["original"], fam["tree"] or [], edges)
        return {"family": fam["family"], "size": fam["size"], "original": fam["original"],
                "explained": fam["explained"], "pairs": pairs, "rows": rows, "summary": family_summary(rows)}

    def pair(self, a: str, b: str) -> dict:
        tables = pair_tables(self.store, a, b)
        if tables is None:
            raise HTTPException(404, f"no pair of two indexed documents {a!r} and {b!r}")
        return tables

    def document(self, doc_id: str) -> dict:
        cur = self.store.cursor()
        try:
            doc = arrow(cur, "select id, text, url, source, date, title, origin, family, n_chars, batch, added_at "
                             "from documents where id = ?", [doc_id]).to_pylist()
        finally:
            cur.close()
        if not doc:
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return {**doc[0], "added_at": str(doc[0]["added_at"])}


def family_filter(outlet: str | None = None, date_from: str | None = None, date_to: str | None = None,
                  relation: str | None = None, credited: str | None = None, min_size: str | None = None,
                  max_size: str | None = None, sort: str = "size") -> FamilyFilter:
    """The families list's filters, from the query string (the API, the page and the CSV share them); a
    field left empty in the page's form is no filter."""
    def number(name: str, value: str | None) -> int | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isdigit():
            raise HTTPException(422, f"{name} must be a whole number, got {value!r}")
        return int(value)

    return FamilyFilter(outlet or None, date_from or None, date_to or None, relation or None, credited or None,
                        number("min_size", min_size), number("max_size", max_size), sort or "size")


def add_api(app: FastAPI, store: Store, reads: Reads, writer) -> None:
    @app.get("/health", summary="Liveness, and the index's document count")
    def health():
        cur = store.cursor()
        try:
            return {"ok": True, "documents": cur.execute("select count(*) from documents").fetchone()[0]}
        finally:
            cur.close()

    @app.post("/documents", dependencies=[Depends(writer)], summary="Add a batch of documents (one transaction)")
    def post_documents(body: DocumentsIn):
        ids = [d.id for d in body.documents]
        if len(set(ids)) != len(ids):
            raise HTTPException(422, "duplicate ids within the batch")
        table, rejected = checked_documents(body.documents)
        if table.num_rows == 0:
            raise HTTPException(422, "no document to add: " + "; ".join(f"{i!r}: {r}" for i, r in rejected[:10]))
        try:
            report = add_documents(store, table, body.label, explain=body.explain)
        except IndexStoreError as err:
            raise HTTPException(409, str(err))
        report.rejected = rejected + report.rejected
        return report.as_dict()

    @app.delete("/documents/{doc_id:path}", dependencies=[Depends(writer)], summary="Remove a document")
    def delete_document(doc_id: str):
        result = remove_documents(store, [doc_id])
        if not result["removed"]:
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return result

    @app.post("/search", summary="Sources and copies of a text or an indexed document")
    def post_search(body: SearchIn):
        return reads.search(body).as_dict()

    @app.get("/families", summary="Families of two or more documents, filtered, one page of families")
    def get_families(flt: FamilyFilter = Depends(family_filter), limit: int = 100, offset: int = 0):
        rows, total = reads.families(flt, min(max(limit, 0), MAX_LIMIT), offset)
        return {"families": rows, "total": total, "limit": min(max(limit, 0), MAX_LIMIT), "offset": max(offset, 0)}

    @app.get("/families.csv", summary="The filtered families list as CSV (all matching, up to 100,000)")
    def get_families_csv(flt: FamilyFilter = Depends(family_filter)):
        rows, _ = reads.families(flt, CSV_LIMIT, 0)
        return Response(families_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="families.csv"'})

    @app.get("/families/{family}", summary="One family: members, tree, edges, passages, edits")
    def get_family(family: int):
        fam, (members, pairs, passages, edges, edits) = reads.family(family)
        return {"family": fam, "members": members.drop_columns(["text"]).to_pylist(), "pairs": pairs.to_pylist(),
                "passages": passages.to_pylist(), "edges": edges.to_pylist(), "edits": edits.to_pylist()}

    @app.get("/families/{family}/tree", summary="A family's tree rows (depth-first) and summary, no text")
    def get_family_tree(family: int):
        return reads.family_outline(family)

    @app.get("/pair", summary="Two indexed documents' passages, edge and edits (aligned now if never stored)")
    def get_pair(a: str, b: str):
        return pair_json(reads.pair(a, b))

    @app.get("/documents/{doc_id:path}", summary="An indexed document and its sources and copies")
    def get_document(doc_id: str):
        doc = reads.document(doc_id)
        return {"document": doc, **search_document(store, doc_id).as_dict()}


def add_pages(app: FastAPI, store: Store, reads: Reads, page, tree_page: int) -> None:
    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/ui/families")

    @app.get("/ui/families", include_in_schema=False)
    def families_page(flt: FamilyFilter = Depends(family_filter), page_number: int = Query(1, alias="page")):
        page_number = max(1, min(page_number, 10**6))
        rows, total = reads.families(flt, LIST_PAGE, (page_number - 1) * LIST_PAGE)
        pages = max(1, -(-total // LIST_PAGE))
        query = flt.query()
        link = lambda n: "?" + urlencode({**query, "page": n})  # noqa: E731
        return page("families.html", families=rows, total=total, flt=flt, relations=RELATIONS,
                    page_number=page_number, pages=pages, csv="/families.csv?" + urlencode(query),
                    prev=link(page_number - 1) if page_number > 1 else None,
                    next=link(page_number + 1) if page_number < pages else None)

    @app.get("/ui/families/{family}", include_in_schema=False)
    def family_page(family: int):
        view = reads.family_outline(family)
        rows = view["rows"]
        return page("family.html", view=view, rows=rows[:tree_page], more=len(rows) - tree_page,
                    timeline=timeline_svg(rows))

    @app.get("/ui/families/{family}/rows", include_in_schema=False)
    def family_rows_fragment(family: int, start: int = 0):
        rows = reads.family_outline(family)["rows"]
        start = max(0, start)
        return page("_rows.html", view={"family": family}, rows=rows[start:start + tree_page],
                    more=len(rows) - start - tree_page, next_start=start + tree_page)

    @app.get("/ui/pair", include_in_schema=False)
    def pair_page(a: str, b: str, fragment: bool = False):
        t = reads.pair(a, b)
        view = comparison(t["source"], t["copy"], t["passages"], t["edits"], t["edge"])
        return page("_pair.html" if fragment else "pair.html", c=view, computed=t["computed"])

    @app.get("/ui/documents/{doc_id:path}", include_in_schema=False)
    def document_page(doc_id: str):
        try:
            result = search_document(store, doc_id)
        except KeyError:
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return page("document.html", doc=result.query, results=search_view(result))

    @app.get("/ui/search", include_in_schema=False)
    def search_form():
        return page("search.html", results=None, form={})

    @app.post("/ui/search", include_in_schema=False)
    async def search_page(request: Request):
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        form = {k: fields.get(k) or None for k in ("text", "title", "source", "date", "url")}
        if not form["text"]:
            return page("search.html", 422, results=None, form=form, reason="paste a text to search for")
        result = await run_in_threadpool(reads.search, SearchIn(**form))
        return page("search.html", results=search_view(result), form=form)

"""The HTTP face of an index: a JSON API and server-rendered pages, one FastAPI app.

API: POST /documents (batch add), DELETE /documents/{id}, POST /search, GET
/families, GET /families/{id}, GET /documents/{id}; the OpenAPI spec at
/openapi.json (no Swagger page: it would load scripts from a CDN). Pages: / (families), /ui/families/{id}, /ui/documents/{id},
/ui/search. Writes need `Authorization: Bearer TOKEN` when a token is set
(`copytrace serve` sets one whenever it binds anything but loopback).
Request bodies over `max_body` bytes are refused with 413; every error is
JSON `{"error": reason}` (pages get the reason in HTML).
"""

from __future__ import annotations

import hmac
from contextlib import asynccontextmanager
from urllib.parse import parse_qs

import pyarrow as pa
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from copytrace.index import IndexStoreError, Store, add_documents, remove_documents, search_document, search_text
from copytrace.index.adding import explain_families
from copytrace.index.store import arrow
from copytrace.index.tracing import family_tables
from copytrace.faces.server.views import STATIC, environment, family_rows, family_view, search_view

DEFAULT_MAX_BODY = 16 * 1024 * 1024
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class DocumentIn(BaseModel):
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


class SearchIn(BaseModel):
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


def create_app(index_path, token: str | None = None, max_body: int = DEFAULT_MAX_BODY) -> FastAPI:
    """The app over one index file; `token`, when set, is required for every write."""
    store = Store(index_path, prefault=True)
    env = environment()

    @asynccontextmanager
    async def lifespan(_app):
        yield
        store.close()

    app = FastAPI(title="copytrace", summary="Where has this text appeared? Sources, copies, passages, provenance.",
                  version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # their pages load scripts from a CDN: the spec alone is served
    app.state.store = store
    app.add_middleware(BodyLimit, max_body=max_body)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        html = env.get_template(name).render(**context, standalone=False)
        return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)

    add_error_handlers(app, page)
    reads = Reads(store)
    add_api(app, store, reads, writer_check(token))
    add_pages(app, store, reads, page)
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


def add_error_handlers(app: FastAPI, page) -> None:
    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/ui") or request.url.path == "/":
            return page("error.html", exc.status_code, reason=str(exc.detail))
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return JSONResponse({"error": f"invalid request: {where}: {first.get('msg', 'bad value')}",
                             "detail": [{"loc": e.get("loc"), "msg": e.get("msg")} for e in exc.errors()]},
                            status_code=422)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)


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

    def families(self, sort: str, limit: int, offset: int) -> list[dict]:
        if sort not in ("size", "recent"):
            raise HTTPException(422, "sort must be 'size' or 'recent'")
        order = "size desc, family" if sort == "size" else "updated_at desc, family"
        bounds = [max(0, min(limit, 1000)), max(0, offset)]
        cur = self.store.cursor()
        try:
            fams = arrow(cur, f"select * from families order by {order} limit ? offset ?", bounds)
            docs = arrow(cur, "select id, title, source, date from documents where id in "
                              f"(select unnest(members) from families order by {order} limit ? offset ?)", bounds)
        finally:
            cur.close()
        return family_rows(fams, docs, sort)

    def family(self, family: int) -> tuple[dict, tuple]:
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
        table = pa.Table.from_pylist([d.model_dump() for d in body.documents])
        ids = table["id"].to_pylist()
        if len(set(ids)) != len(ids):
            raise HTTPException(422, "duplicate ids within the batch")
        try:
            return add_documents(store, table, body.label, explain=body.explain).as_dict()
        except IndexStoreError as err:
            raise HTTPException(409, str(err))

    @app.delete("/documents/{doc_id:path}", dependencies=[Depends(writer)], summary="Remove a document")
    def delete_document(doc_id: str):
        result = remove_documents(store, [doc_id])
        if not result["removed"]:
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return result

    @app.post("/search", summary="Sources and copies of a text or an indexed document")
    def post_search(body: SearchIn):
        return reads.search(body).as_dict()

    @app.get("/families", summary="Families of two or more documents")
    def get_families(sort: str = "size", limit: int = 100, offset: int = 0):
        return {"families": reads.families(sort, limit, offset)}

    @app.get("/families/{family}", summary="One family: members, tree, edges, passages, edits")
    def get_family(family: int):
        fam, (members, pairs, passages, edges, edits) = reads.family(family)
        return {"family": fam, "members": members.drop_columns(["text"]).to_pylist(), "pairs": pairs.to_pylist(),
                "passages": passages.to_pylist(), "edges": edges.to_pylist(), "edits": edits.to_pylist()}

    @app.get("/documents/{doc_id:path}", summary="An indexed document and its sources and copies")
    def get_document(doc_id: str):
        doc = reads.document(doc_id)
        return {"document": doc, **search_document(store, doc_id).as_dict()}


def add_pages(app: FastAPI, store: Store, reads: Reads, page) -> None:
    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/ui/families")

    @app.get("/ui/families", include_in_schema=False)
    def families_page(sort: str = "size"):
        return page("families.html", families=reads.families(sort, 500, 0), sort=sort)

    @app.get("/ui/families/{family}", include_in_schema=False)
    def family_page(family: int):
        fam, tables = reads.family(family)
        return page("family.html", view=family_view(fam, *tables))

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

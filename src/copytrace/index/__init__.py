"""Monitor mode: a persistent DuckDB index of documents, their band keys and explain outputs."""

from copytrace.index.adding import AddReport, add_documents, explain_pending, remove_documents
from copytrace.index.search import SearchResult, search_document, search_text
from copytrace.index.store import IndexSettings, IndexStoreError, Store

__all__ = [
    "AddReport",
    "IndexSettings",
    "IndexStoreError",
    "SearchResult",
    "Store",
    "add_documents",
    "explain_pending",
    "remove_documents",
    "search_document",
    "search_text",
]

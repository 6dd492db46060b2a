"""Monitor mode: a persistent DuckDB index of documents, their band keys and explain outputs."""

from .adding import AddReport, add_documents, explain_pending, remove_documents
from .search import SearchResult, search_document, search_text
from .store import IndexSettings, IndexStoreError, Store

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

"""Monitor mode: a persistent DuckDB index of documents, their band keys, anchors and explain outputs.

It stores one `ScanSettings` when created and runs the scan's stage units with it on every added batch."""

from copytrace.index.adding import AddReport, add_documents, explain_pending, remove_documents
from copytrace.index.search import SearchResult, search_document, search_text
from copytrace.index.store import IndexStoreError, Store

__all__ = [
    "AddReport",
    "IndexStoreError",
    "SearchResult",
    "Store",
    "add_documents",
    "explain_pending",
    "remove_documents",
    "search_document",
    "search_text",
]

"""Arrow schemas of the explain outputs: the contract between stages, outputs and faces.

Offsets are character offsets (Python string indices) into the `text` column
of documents.parquet: the text as it was given, after cleaning when cleaning
ran. `a` and `b` name the two documents of a pair as in pairs.parquet (a
before b in input order); `source` and `copy` name a directed edge.
"""

import pyarrow as pa

RELATIONS = ("same", "republication", "cut", "partial", "quote")
SEMANTIC_RELATIONS = ("translation", "rewrite")  # edges of stages.semantic (scan --semantic)

PASSAGE_SCHEMA = pa.schema(
    [
        pa.field("a", pa.string(), nullable=False),
        pa.field("b", pa.string(), nullable=False),
        pa.field("passage", pa.int64(), nullable=False),  # 0.. in order of a_start
        pa.field("a_start", pa.int64(), nullable=False),
        pa.field("a_end", pa.int64(), nullable=False),
        pa.field("b_start", pa.int64(), nullable=False),
        pa.field("b_end", pa.int64(), nullable=False),
        pa.field("identity", pa.float64(), nullable=False),  # 0..1, word-level agreement inside the passage
    ]
)

EDGE_SCHEMA = pa.schema(
    [
        pa.field("family", pa.int64()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("copy", pa.string(), nullable=False),
        pa.field("relation", pa.string(), nullable=False),  # one of RELATIONS
        pa.field("source_coverage", pa.float64()),  # share of the source's text inside passages
        pa.field("copy_coverage", pa.float64()),  # share of the copy's text inside passages
        pa.field("credit", pa.bool_()),  # the copy credits this source
        pa.field("credited", pa.string()),  # the name the copy credits, as written
        pa.field("credit_text", pa.string()),  # the credit line itself
        pa.field("confidence", pa.float64()),  # 0..1 that the direction is right
        pa.field("evidence", pa.list_(pa.string())),  # e.g. "date: source 2019-10-13 < copy 2019-10-14"
        pa.field("in_tree", pa.bool_()),  # the source is the copy's parent in the family tree
    ]
)

EDIT_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("copy", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),  # added | dropped | changed
        pa.field("copy_start", pa.int64()),  # span in the copy (added, changed)
        pa.field("copy_end", pa.int64()),
        pa.field("source_start", pa.int64()),  # span in the source (dropped, changed)
        pa.field("source_end", pa.int64()),
        pa.field("text", pa.large_string()),  # the added or dropped text; for changed, the copy's text
        pa.field("source_text", pa.large_string()),  # for changed: the source's text
        pa.field("note", pa.string()),  # credit line | feed footer | not prose | inside a passage
    ]
)

TREE_EDGE = pa.struct([("source", pa.string()), ("copy", pa.string()), ("relation", pa.string())])

FAMILY_SCHEMA = pa.schema(
    [
        pa.field("family", pa.int64(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("members", pa.list_(pa.string())),
        pa.field("original", pa.string()),  # the member at the root of the tree
        pa.field("tree", pa.list_(TREE_EDGE)),  # who copied whom, the original at the root
        pa.field("original_evidence", pa.list_(pa.string())),  # why that member is the original
    ]
)

# Reuse between two families (a shared quote, a pair that does not link families): never inside a tree.
LINK_SCHEMA = pa.schema(
    [
        pa.field("source_family", pa.int64()),
        pa.field("copy_family", pa.int64()),
        *[f for f in EDGE_SCHEMA if f.name not in ("family", "in_tree")],
    ]
)

REMOVED_LINE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("line", pa.int64()),  # 1-based line number in the raw text
        pa.field("start", pa.int64()),  # character offsets into the raw text
        pa.field("end", pa.int64()),
        pa.field("text", pa.string()),
        pa.field("reason", pa.string()),
    ]
)

# Columns the documents table adds (text.lang): the document's language (ISO 639-1) and its confidence 0..1.
LANG_FIELDS = (pa.field("lang", pa.string()), pa.field("lang_score", pa.float64()))

PAIR_SCHEMA = pa.schema(
    [
        pa.field("a", pa.string(), nullable=False),
        pa.field("b", pa.string(), nullable=False),
        pa.field("jaccard", pa.float64()),
        pa.field("containment_a_in_b", pa.float64()),
        pa.field("containment_b_in_a", pa.float64()),
        pa.field("shared_shingles", pa.int64()),
        pa.field("bands_shared", pa.int64()),
        pa.field("family_link", pa.bool_()),  # False: a possible quote, kept for its passage only
    ]
)

"""What the scale engines share after the candidates: verify chunks, explain chunks, and the result tables.

Figures and the keep decision come from `stages.verify.verify_pairs`,
passages from `stages.align`, provenance from `stages.provenance`, families
from `stages.families`: the engines only decide which documents are in
memory at a time, and where the chunks run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copytrace.engines.documents import DocumentStore, ShardedDocuments, gathered_store
from copytrace.engines.shards import (
    WorkDir,
    atomic_write,
    drop_shard,
    is_done,
    mark_done,
    read_arrow,
    removed_lines,
    write_arrow,
    write_parquet,
)
from copytrace.io.output import ScanResult, in_output_order, scan_stats
from copytrace.schemas import FAMILY_SCHEMA, PAIR_SCHEMA, PASSAGE_SCHEMA
from copytrace.settings import ScanSettings
from copytrace.stages.families import connected_components, families_table, with_families
from copytrace.stages.verify import pairs_table, verify_pairs

FIGURES = ("jaccard", "containment_a_in_b", "containment_b_in_a", "shared_shingles")

# Kept pairs by document number, as the engines hold them between verify and the result tables.
VERIFIED_SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.int64()), ("bands_shared", pa.int64()),
                             ("jaccard", pa.float64()), ("containment_a_in_b", pa.float64()),
                             ("containment_b_in_a", pa.float64()), ("shared_shingles", pa.int64()),
                             ("family_link", pa.bool_())])


def verify_chunk(store, a: np.ndarray, b: np.ndarray, bands_shared, settings: ScanSettings) -> pa.Table:
    """`verify_pairs` of candidate pairs (a[k], b[k]) of document numbers, with the texts of those documents only."""
    involved = np.unique(np.concatenate([a, b]))
    texts = store.take(involved, ["text"])["text"]
    figures = verify_pairs(texts, np.searchsorted(involved, a), np.searchsorted(involved, b), settings)
    columns = {"a": a, "b": b, "bands_shared": bands_shared}
    columns.update({name: figures[name] for name in (*FIGURES, "family_link", "kept")})
    return pa.table(columns).cast(VERIFIED_SCHEMA.append(pa.field("kept", pa.bool_())))


def named_pairs(store, kept: pa.Table) -> pa.Table:
    """Kept pairs (by document number) with document ids, by `stages.verify.pairs_table`."""
    a, b = kept["a"].to_numpy(), kept["b"].to_numpy()
    involved = np.unique(np.concatenate([a, b])) if len(a) else np.empty(0, np.int64)
    ids = np.asarray(store.take(involved, ["id"])["id"].to_pylist(), dtype=object)
    figures = {name: kept[name].to_numpy() for name in FIGURES}
    figures["family_link"] = kept["family_link"].to_numpy(zero_copy_only=False)
    figures["kept"] = np.ones(len(a), dtype=bool)
    return pairs_table(ids, np.searchsorted(involved, a), np.searchsorted(involved, b),
                       kept["bands_shared"].to_numpy(), figures)


def family_chunks(family: np.ndarray, max_docs: int) -> list[np.ndarray]:
    """Documents of the families with copies, whole families per chunk, about `max_docs` documents each."""
    sizes = np.bincount(family)
    docs = np.flatnonzero(sizes[family] > 1)
    if len(docs) == 0:
        return []
    docs = docs[np.argsort(family[docs], kind="stable")]
    ends = np.flatnonzero(np.diff(family[docs])) + 1  # a family ends where the number changes
    chunks, start = [], 0
    for end in list(ends) + [len(docs)]:
        if end - start >= max_docs or end == len(docs):
            chunks.append(np.sort(docs[start:end]))
            start = end
    return chunks


def _chunk_documents(spec: dict) -> pa.Table:
    # No language nor published columns: align and provenance read neither (the output's documents have them).
    return with_families(spec["store"].take(spec["docs"]), spec["family"], spec["n_shingles"], facts=False)


def align_chunk(spec: dict) -> pa.Table:
    """Passages of the pairs one chunk's explain plan needs (`provenance.plan_explain`: a large family's tree
    edges, every pair of a small one, every possible quote); each pair is aligned on its own. The plan is
    made for the large families alone (`provenance.align_plan`): a small family has every pair aligned."""
    from copytrace.stages.align import align_pairs
    from copytrace.stages.provenance import align_plan

    documents = _chunk_documents(spec)
    mask = align_plan(documents, spec["pairs"], spec["settings"].provenance)
    pairs = spec["pairs"] if mask.all() else spec["pairs"].filter(pa.array(mask, pa.bool_()))
    return align_pairs(documents, pairs, spec["settings"].align)


def _trace_chunk_on_disk(spec: dict) -> Path:
    """Provenance of one chunk of families, from their documents, pairs and passages, written to `spec["out"]`.

    The chunk starts from the outlets of every linked document of the corpus
    (`provenance.corpus_outlets`), so it judges credits as one trace over
    everything would.
    """
    from copytrace.stages.provenance import trace

    out: Path = spec["out"]
    marker = out / "families.arrow"
    if not is_done(marker):
        traced = trace(_chunk_documents(spec), spec["pairs"], spec["passages"], spec["settings"].provenance,
                       index=_outlet_index(spec["outlets"]))
        out.mkdir(parents=True, exist_ok=True)
        write_arrow(out / "edges.arrow", traced.edges)
        write_arrow(out / "edits.arrow", traced.edits)
        write_arrow(out / "links.arrow", traced.links)
        write_arrow(marker, traced.families)
    return out


def chunk_outlets(spec: dict):
    """The outlets of the chunk's documents named by the scan's passages (`provenance.corpus_outlets`)."""
    from copytrace.stages.provenance import corpus_outlets

    return corpus_outlets(spec["store"].take(spec["docs"]), spec["linked"], spec["settings"].provenance)


def corpus_outlet_index(specs: list[dict], passages: pa.Table, settings: ScanSettings, path: Path, map_chunks):
    """The outlet index of every linked document, learnt chunk by chunk in the workers, saved to `path`."""
    import pickle

    from copytrace.outlets import OutletIndex

    if is_done(path):
        return
    ids = pa.concat_arrays([passages["a"].combine_chunks(), passages["b"].combine_chunks()]).unique() \
        if passages.num_rows else pa.array([], pa.string())
    linked = pa.table({"a": ids, "b": ids})
    index = OutletIndex(aliases=settings.provenance.aliases)
    for learnt in map_chunks(chunk_outlets, [{**spec, "linked": linked} for spec in specs]):
        index.merge(learnt)
    atomic_write(path, lambda tmp: tmp.write_bytes(pickle.dumps(index)))
    mark_done(path)


_OUTLETS: dict = {}


def _outlet_index(path: Path):
    """The corpus' outlet index, read once per worker process."""
    import pickle

    if _OUTLETS.get("path") != path:
        _OUTLETS.update(path=path, index=pickle.loads(path.read_bytes()))
    return _OUTLETS["index"]


def explain_specs(store, kept: pa.Table, pairs: pa.Table, family: np.ndarray, n_shingles: np.ndarray,
                  max_docs: int, settings: ScanSettings, folder: Path):
    """Work of each chunk: whole groups of documents linked by kept pairs (families, and quotes across them)."""
    a, b = kept["a"].to_numpy(), kept["b"].to_numpy()
    group = connected_components(len(family), a, b)
    pair_group = group[a]
    order = np.argsort(pair_group, kind="stable")
    sorted_group = pair_group[order]
    for k, docs in enumerate(family_chunks(group, max_docs)):
        numbers = np.unique(group[docs])
        lo, hi = np.searchsorted(sorted_group, numbers[0]), np.searchsorted(sorted_group, numbers[-1], "right")
        rows = np.sort(order[lo:hi])
        yield {"out": folder / f"chunk-{k:06d}", "store": store, "docs": docs,
               "pairs": pairs.take(pa.array(rows, pa.int64())), "family": family[docs],
               "n_shingles": n_shingles[docs], "settings": settings}


def in_pair_order(passages: pa.Table, pairs: pa.Table) -> pa.Table:
    """Passages in the order of their pairs, as the memory engine lists them."""
    rows = pairs.select(["a", "b"]).append_column("pair_row", pa.array(np.arange(pairs.num_rows, dtype=np.int64)))
    joined = passages.join(rows, keys=["a", "b"], join_type="left outer")
    ordered = joined.sort_by([("pair_row", "ascending"), ("passage", "ascending")]).select(passages.column_names)
    return ordered.cast(passages.schema)


def aligned_pairs(kept: pa.Table, pairs: pa.Table, passages: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Kept pairs without the possible quotes alignment found no passage for (`align.drop_unaligned_quotes`)."""
    from copytrace.stages.align import drop_unaligned_quotes

    numbered = pairs.append_column("row", pa.array(np.arange(pairs.num_rows, dtype=np.int64)))
    left = drop_unaligned_quotes(numbered, passages)
    return kept.take(left["row"]), left.drop_columns(["row"])


def _linked_store(work: WorkDir, store: DocumentStore, docs: np.ndarray, chunks: int, map_chunks):
    """The documents of the kept pairs, gathered once out of the compressed shards (`gathered_store`) for the
    align and provenance chunks, which read a family's members wherever they are; the store itself when one
    chunk reads them (as it is), when every chunk is done already (a resumed run), or when the documents are
    not in local shards (the Ray engine's object store)."""
    if not getattr(store, "paths", None):  # Ray's ObjectStoreDocuments: no local shards to gather from
        return store
    done = is_done(work.stage("trace") / "outlets.pickle") and all(
        is_done(p / "families.arrow") for p in work.stage("trace").glob("chunk-*"))
    if chunks <= 1 or (done and any(work.stage("trace").glob("chunk-*"))):
        return store
    columns = [c for c in store.schema.names if c not in ("html", "doc")]
    return gathered_store(store, docs.astype(np.int64), work.stage("align"), map_chunks, columns, name="linked")


def explain_chunks(work: WorkDir, store: DocumentStore, kept: pa.Table, pairs: pa.Table, family: np.ndarray,
                   n_shingles: np.ndarray, settings: ScanSettings, budget, mean_doc_bytes: float, progress,
                   map_chunks) -> dict:
    """The align and provenance stages at scale: passages, then provenance, in parallel chunks of whole families.

    Alignment is per pair, so its chunks change nothing. Provenance learns
    the corpus' outlets from every linked document: those are learnt first,
    chunk by chunk, into one index that every provenance chunk starts from,
    so the result is the memory engine's whatever the chunks.
    """
    if not settings.explain:
        return {}
    linked_docs = np.unique(np.concatenate([kept["a"].to_numpy(), kept["b"].to_numpy()]))
    linked = int(linked_docs.size)
    align_specs = list(explain_specs(store, kept, pairs, family, n_shingles,
                                     budget.explain_docs(mean_doc_bytes, linked), settings, work.stage("align")))
    for spec in align_specs:
        spec["out"] = spec["out"].with_suffix(".parquet")
    pending = [spec for spec in align_specs if not is_done(spec["out"])]
    texts = _linked_store(work, store, linked_docs, len(align_specs), map_chunks)
    for spec in align_specs:
        spec["store"] = texts
    with progress.task("align", total=len(align_specs)) as advance:
        advance(len(align_specs) - len(pending))
        for spec, table in zip(pending, map_chunks(align_chunk, pending)):
            write_parquet(spec["out"], table)
            advance(1)
    passages = [pq.read_table(spec["out"]) for spec in align_specs]
    passages = pa.concat_tables(passages) if passages else PASSAGE_SCHEMA.empty_table()
    passages = in_pair_order(passages, pairs)
    kept, pairs = aligned_pairs(kept, pairs, passages)
    tables = {"passages": passages, "pairs": pairs}
    trace_specs = list(explain_specs(texts, kept, pairs, family, n_shingles,
                                     budget.trace_docs(mean_doc_bytes, linked), settings, work.stage("trace")))
    outlets = work.stage("trace") / "outlets.pickle"
    with progress.task("provenance", total=len(trace_specs)) as advance:
        corpus_outlet_index(trace_specs, pairs, settings, outlets, map_chunks)
        for spec in trace_specs:
            spec["outlets"] = outlets
            spec["passages"] = passages.filter(pc.is_in(passages["a"], value_set=spec["pairs"]["a"].unique()))
        pending = [spec for spec in trace_specs if not is_done(spec["out"] / "families.arrow")]
        advance(len(trace_specs) - len(pending))
        for _ in map_chunks(_trace_chunk_on_disk, pending):
            advance(1)
    for path in work.stage("align").glob("linked-*.arrow"):
        drop_shard(path)
    traced = {name: [read_arrow(spec["out"] / f"{name}.arrow") for spec in trace_specs]
              for name in ("edges", "edits", "links", "families")}
    tables.update({name: pa.concat_tables(parts) for name, parts in traced.items() if parts})
    return in_output_order(tables)


def _empty_lists(n: int, kind: pa.ListType) -> pa.Array:
    """`n` empty lists of type `kind`, from offsets alone (no Python list per row: a million singletons)."""
    return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)), pa.array([], kind.value_type), type=kind)


def with_singletons(traced: pa.Table, families: pa.Table) -> pa.Table:
    """Traced families plus every single document not traced, as a family of its own with itself as the original
    (what `provenance.trace` gives a single document)."""
    single = families.filter(pc.and_(pc.equal(families["size"], 1),
                                     pc.invert(pc.is_in(families["family"], value_set=traced["family"]))))
    originals = pc.list_element(single["members"], 0)
    rows = pa.table({"family": single["family"], "size": single["size"], "members": single["members"],
                     "original": originals, "tree": _empty_lists(single.num_rows, FAMILY_SCHEMA.field("tree").type),
                     "original_evidence": _empty_lists(single.num_rows, FAMILY_SCHEMA.field("original_evidence").type)},
                    schema=FAMILY_SCHEMA)
    return pa.concat_tables([traced.cast(FAMILY_SCHEMA), rows]).sort_by("family")


def output_documents(store: DocumentStore, family: np.ndarray, n_shingles: np.ndarray) -> ShardedDocuments:
    """The documents table over the (compressed) document shards, built shard by shard as it is written.

    Only the per-document numbers (family, shingles) are in memory, and each shard's language and dates
    columns once computed: they are computed as the shard is first read, which the output's write does
    in a thread while it encodes the shard before (`io.output._one_ahead`). Computed in the workers
    before the write instead, they took a stage of their own (18 s of a million documents' 556 s) while
    the write left a core idle.
    """
    return ShardedDocuments(store, family, n_shingles)


def assemble(work: WorkDir, store: DocumentStore, counts, pairs: pa.Table, family: np.ndarray,
             n_shingles: np.ndarray, explained: dict, settings: ScanSettings, candidate_pairs: int, extra: dict,
             started: float) -> ScanResult:
    """The ScanResult of an engine run: the memory engine's tables, and its stats (`scan_stats`) with `extra`."""
    families = families_table(store.column("id"), family)
    tables = dict(explained)
    pairs = tables.pop("pairs", pairs)
    if "families" in tables:
        families = with_singletons(tables.pop("families"), families)
    tables["removed_lines"] = removed_lines(work)
    rejects = pq.read_table(work.stage("documents") / "rejects.parquet")
    result = ScanResult(output_documents(store, family, n_shingles), pairs.cast(PAIR_SCHEMA), families, rejects, {},
                        tables)
    result.stats = scan_stats(result, settings, started, read=counts.read, text_bytes=counts.text_bytes,
                              candidate_pairs=candidate_pairs,
                              extra={"removed_lines": tables["removed_lines"].num_rows, **extra})
    return result

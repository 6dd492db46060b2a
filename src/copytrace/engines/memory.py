"""The memory engine: every stage unit over the whole corpus, in this process.

The fastest up to a few hundred thousand documents. The stages are the
units of `copytrace.stages`; this engine only calls them in order and
gathers their outputs into the result.
"""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.io import InputError, read_inputs
from copytrace.io.output import ScanResult, in_output_order, scan_stats
from copytrace.progress import Progress, ingest_task
from copytrace.settings import ScanSettings
from copytrace.stages.candidates import candidates
from copytrace.stages.clean import clean_ingested
from copytrace.stages.families import connected_components, families_table, with_families
from copytrace.stages.fingerprint import fingerprint
from copytrace.stages.semantic import semantic_stage
from copytrace.stages.verify import pairs_table, verify


class MemoryEngine:
    """Scan with every document, signature and pair in memory."""

    name = "memory"

    def scan(self, paths, fields=None, metadata=None, settings: ScanSettings | None = None,
             max_doc_bytes: int | None = None, progress: Progress | None = None) -> ScanResult:
        settings = settings or ScanSettings()
        progress = progress or Progress()
        started = time.perf_counter()
        kwargs = {} if max_doc_bytes is None else {"max_doc_bytes": max_doc_bytes}
        with ingest_task(progress, paths) as advance:
            ingested = read_inputs(paths, fields, metadata, **kwargs, advance=advance)
        ingested, removed_lines = clean_ingested(ingested, settings.clean, progress, aliases=settings.aliases)
        if ingested.used == 0:
            first = ingested.rejects.slice(0, 1).to_pylist()
            example = f"; first: {first[0]['file']}:{first[0]['record']}: {first[0]['reason']}" if first else ""
            raise InputError(f"no usable document among {ingested.read} records read "
                             f"({ingested.rejects.num_rows} rejected{example})")
        result, candidate_pairs = analyse(ingested.documents, ingested.rejects, settings, progress)
        result.tables["removed_lines"] = removed_lines
        result.stats = scan_stats(result, settings, started, read=ingested.read,
                                  text_bytes=_text_bytes(ingested.documents), candidate_pairs=candidate_pairs,
                                  extra={"removed_lines": removed_lines.num_rows})
        return semantic_stage(result, settings, progress)


def _text_bytes(documents: pa.Table) -> int:
    return int(pc.sum(pc.binary_length(documents["text"])).as_py() or 0)


def analyse(docs: pa.Table, rejects: pa.Table, settings: ScanSettings, progress: Progress) -> tuple[ScanResult, int]:
    """fingerprint -> candidates -> verify -> families -> align -> provenance over cleaned documents;
    the result (stats still to fill) and the number of candidate pairs."""
    texts = docs["text"].combine_chunks() if docs.num_rows else pa.array([], pa.large_string())
    ids = np.asarray(docs["id"].to_pylist(), dtype=object)
    fingerprints = fingerprint(texts, settings, progress)
    a, b, bands = candidates(fingerprints, settings, progress)
    figures = verify(texts, a, b, settings, progress)
    links = figures["family_link"]
    family = connected_components(len(ids), a[links], b[links])
    documents = with_families(docs, family, fingerprints.n_shingles)
    pairs = pairs_table(ids, a, b, bands, figures)
    families = families_table(ids, family)
    tables = explain_pairs(documents, pairs, settings, progress) if settings.explain else {}
    families = tables.pop("families", families)
    pairs = tables.pop("pairs", pairs)
    return ScanResult(documents, pairs, families, rejects, {}, tables), int(len(a))


def explain_pairs(documents: pa.Table, pairs: pa.Table, settings: ScanSettings, progress: Progress) -> dict:
    """Each family's tree from cheap evidence, passages of the pairs it needs (a large family's tree
    edges, every pair of a small one, every possible quote; quotes without one dropped), then provenance."""
    from copytrace.stages.align import align_pairs, drop_unaligned_quotes
    from copytrace.stages.provenance import plan_explain, trace

    plan = plan_explain(documents, pairs, settings.provenance)
    passages = align_pairs(documents, plan.to_align(pairs), settings.align, progress)
    pairs = drop_unaligned_quotes(pairs, passages, plan.mask)
    with progress.task("provenance", total=1) as advance:
        traced = trace(documents, pairs, passages, settings.provenance, plan=plan)
        advance(1)
    return in_output_order({"passages": passages, "pairs": pairs, "edges": traced.edges, "edits": traced.edits,
                            "families": traced.families, "links": traced.links})

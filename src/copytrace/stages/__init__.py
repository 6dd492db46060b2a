"""The scan's stages, each defined once, as units over Arrow tables and NumPy arrays.

    ingest -> clean -> fingerprint -> candidates -> verify -> families -> align -> provenance -> write

A unit is a map over a batch (one batch in, one batch out, no state) or a
reduce over grouped keys (band groups, anchor partitions, families). The
engines (`copytrace.engines`) and the monitor index (`copytrace.index`) only
call these units: they decide which batch is in memory where, persist and
resume shards, and release memory; none of them tokenizes, hashes,
verifies, aligns or traces.

| stage | unit | in | out |
|---|---|---|---|
| ingest | `io.stream_documents` | paths, field map, metadata | DOCUMENT_SCHEMA batches, then rejects |
| clean | `clean.learn_templates` (reduce by source), `clean.clean_stage` (map) | documents | cleaned documents, removed lines, rejects |
| fingerprint | `fingerprint.fingerprint_batch` (map) | texts | `Fingerprints`: shingle counts, band keys, anchors |
| candidates | `candidates.band_codes` (reduce by band group), `candidates.partition_codes` (by key partition), `candidates.partition_anchor_codes` (by anchor partition), `candidates.count_codes` | band keys, anchors | pairs (a, b, bands_shared) |
| verify | `verify.verify_pairs` (map over pair chunks) | texts of the pairs' documents, pairs | figures, `family_link`, `kept` |
| families | `families.connected_components` (reduce), `families.families_table`, `families.with_families` | kept pairs | a family per document |
| align | `align.align_pairs` (map over family chunks), `align.drop_unaligned_quotes` | documents, pairs | passages |
| provenance | `provenance.corpus_outlets` (reduce), `provenance.trace` (map over family chunks) | documents, pairs, passages | edges, edits, family trees |
| write | `io.output.ScanResult.write` | tables | one folder |

Every unit takes the one `copytrace.settings.ScanSettings`.
"""

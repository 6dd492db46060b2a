"""Provenance: per pair, how much each side carries of the other, who copied whom, and with what credit.

`trace(documents, pairs, passages)` turns aligned passages into

- edges (EDGE_SCHEMA): one per aligned pair, directed source -> copy, with
  its relation, coverage, credit, a confidence that the direction is right
  and the evidence it rests on;
- edits (EDIT_SCHEMA): what each copy added, dropped and changed relative
  to the source it hangs from in its family's tree;
- families (FAMILY_SCHEMA): the original and the tree of every family.

At scale, `corpus_outlets` learns the corpus' outlets once (batch by batch)
and `trace(..., index=...)` then runs over chunks of whole families with
the answers of one trace over everything.

Relation, from the share of each side's prose inside passages (see
`spans.prose_mask`: chrome does not dilute it):
  same           one side (almost) all inside the other (`same_inside`), the other
                 at least `same_coverage` inside, outlets not known to differ: two
                 captures of one article (a capture loses parts, it adds no prose);
  quote          at most `quote_max_words` shared words (a sentence or two);
  republication  the copy carries at least `republication_coverage` of the source;
  partial        a section reused.

Direction: a score summed from independent cues, positive when x is the
source of y, each cue adding one line of evidence:
  date         earlier confident date (a field beats a dateline in the text;
               a junk or missing date weighs little or nothing);
  credit       one side credits the other's outlet ("Sputnik News reports");
  feed         one side carries the other site's feed footer;
  framing      between two near-whole versions, the one that opens with prose
               of its own (a framing lead) is the copy;
  capture      two captures of one article (outlets not known to differ): the
               fuller one first (weak);
  coverage     when one side took only a section of the other: the side mostly
               inside the other is the copy, measured on prose so chrome does
               not count (between two near-whole versions the copy's additions
               and its cuts look alike, so there it is no evidence).
The confidence is a logistic of the score.

Modules: `facts` (each document's and pair's facts), `direction` (the cues
above, relation and credit of a pair), `family` (one family's tree, edges
and edits), `plan` (trees from cheap evidence before alignment), `relations`
(sentence-level classes), `credit`, `cues`, `edits`, `parents`, `tree`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.collector import collector_paused
from copytrace.outlets import OutletIndex
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, FAMILY_SCHEMA, LINK_SCHEMA
from copytrace.settings import ProvenanceSettings
from copytrace.stages.provenance.direction import (  # noqa: F401  (the package's API: semantic.relate uses them)
    _confidence,
    credit_fields,
    direction_score,
    outlets_differ,
    relation_of,
)
from copytrace.stages.provenance.facts import (  # noqa: F401  (the package's API)
    DocumentFacts,
    PairView,
    _document_rows,
    _explainable,
    add_outlets,
    learn_outlets,
    corpus_outlets,
    document_facts,
    pair_views,
)
from copytrace.stages.provenance.family import FEW_PAIRS, FamilyTracer, _parents, _ranked_pairs, edge_key  # noqa: F401
from copytrace.stages.provenance.plan import (
    FamilyPlan,
    MemberEvidence,
    choose_original,
    explain_mask,
    mark_framing,
    member_order,
    same_cuts,
)
from copytrace.stages.provenance.tree import Link


EDIT_ROWS_HELD = 4096  # edit rows held as Python dicts before they go to Arrow


@dataclass
class Provenance:
    edges: pa.Table
    edits: pa.Table
    families: pa.Table
    links: pa.Table = field(default_factory=lambda: LINK_SCHEMA.empty_table())  # cross-family reuse
    facts: dict[str, DocumentFacts] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)


@dataclass
class ExplainPlan:
    """What is decided before alignment: each family's tree from cheap evidence, and the pairs to align."""

    facts: dict[str, DocumentFacts]
    index: OutletIndex
    family_of: dict[str, int | None]
    families: dict[int, FamilyPlan]
    pairs: dict[int, tuple]  # family -> (x ids, y ids, x_in_y, y_in_x) of its family-link pairs
    mask: np.ndarray  # over the pairs given: align this pair

    def to_align(self, pairs: pa.Table) -> pa.Table:
        return pairs.filter(pa.array(self.mask, pa.bool_())) if len(self.mask) == pairs.num_rows else pairs


def _family_column(documents: pa.Table, pairs: pa.Table) -> dict[str, int | None]:
    ids = documents["id"].to_pylist()
    if "family" in documents.column_names:
        return dict(zip(ids, documents["family"].to_pylist()))
    from copytrace.stages.families import connected_components

    position = {doc: k for k, doc in enumerate(ids)}
    links = pairs.filter(pairs["family_link"]) if "family_link" in pairs.column_names else pairs
    a = np.array([position[x] for x in links["a"].to_pylist()], dtype=np.int64)
    b = np.array([position[x] for x in links["b"].to_pylist()], dtype=np.int64)
    return dict(zip(ids, connected_components(len(ids), a, b).tolist()))


def _family_pairs(pairs: pa.Table, family_of: dict) -> dict[int, tuple]:
    """The family-link pairs inside each family, with their containment figures (ids: Python lists up to
    `FEW_PAIRS` pairs, else Arrow arrays; figures: NumPy).

    Vectorized: a family of 10,000 copies has millions of pairs.
    """
    if pairs.num_rows == 0:
        return {}
    ids = pa.array(list(family_of), pa.string())
    numbers = np.array([-1 if f is None else f for f in family_of.values()], dtype=np.int64)
    fa = numbers[pc.fill_null(pc.index_in(pairs["a"], value_set=ids), -1).to_numpy()]
    fb = numbers[pc.fill_null(pc.index_in(pairs["b"], value_set=ids), -1).to_numpy()]
    keep = (fa >= 0) & (fa == fb)
    if "family_link" in pairs.column_names:
        keep &= pairs["family_link"].to_numpy(zero_copy_only=False).astype(bool)
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(fa[rows], kind="stable")]
    fams, starts = np.unique(fa[rows], return_index=True)
    ends = np.append(starts[1:], len(rows))
    a, b = pairs["a"].combine_chunks(), pairs["b"].combine_chunks()
    zeros = np.zeros(pairs.num_rows)
    x_in_y = pairs["containment_a_in_b"].to_numpy() if "containment_a_in_b" in pairs.column_names else zeros
    y_in_x = pairs["containment_b_in_a"].to_numpy() if "containment_b_in_a" in pairs.column_names else zeros
    x_in_y, y_in_x = np.nan_to_num(x_in_y), np.nan_to_num(y_in_x)
    a_ids = b_ids = None
    out = {}
    for fam, lo, hi in zip(fams.tolist(), starts, ends):
        take = rows[lo:hi]
        if hi - lo <= FEW_PAIRS:  # most families: Python lists, a tenth of the cost of Arrow takes
            if a_ids is None:
                a_ids, b_ids = a.to_pylist(), b.to_pylist()
            rows_here = take.tolist()
            out[fam] = ([a_ids[i] for i in rows_here], [b_ids[i] for i in rows_here], x_in_y[take], y_in_x[take])
        else:
            index = pa.array(take, pa.int64())
            out[fam] = (a.take(index), b.take(index), x_in_y[take], y_in_x[take])
    return out


def member_evidence(members: list[str], facts: dict[str, DocumentFacts], index: OutletIndex) -> list[MemberEvidence]:
    """Per member: its date and the members whose outlet it credits (a credit line or a feed footer)."""
    inside = set(members)
    out = []
    for doc in members:
        f = facts[doc]
        credited = []
        for c in f.credits + f.feed_credits:
            credited += [d for d in index.documents_among(c.name, inside) if d != doc and d not in credited]
        out.append(MemberEvidence(doc, f.order, f.date, credited))
    return out


@collector_paused()
def plan_explain(documents: pa.Table, pairs: pa.Table, settings: ProvenanceSettings | None = None,
                 index: OutletIndex | None = None, plan_only: bool = False) -> ExplainPlan:
    """Each family's original and tree from cheap evidence (`plan`), and the pairs worth aligning.

    Families up to `all_pairs_up_to` members have every pair aligned (their
    tree is then drawn from every pair's cues); larger ones only the tree's
    edges: n - 1 alignments for n members. `plan_only`: the plan is for
    choosing the pairs to align, not for `trace` (`document_facts(plan_only=True)`);
    `align_plan` gives the same pairs for less.
    """
    settings = settings or ProvenanceSettings()
    pairs, ids = _explainable(documents, pairs)
    facts, index = document_facts(_document_rows(documents, ids), settings, index, plan_only)
    family_of = _family_column(documents, pairs)
    family_pairs = _family_pairs(pairs, family_of)
    plans = _family_plans(_members(ids, facts, family_of), facts, index, family_pairs, settings)
    large = {fam: plan for fam, plan in plans.items() if len(plan.order) > settings.all_pairs_up_to}
    mask = explain_mask(pairs, family_of, large, settings)
    return ExplainPlan(facts, index, family_of, plans, family_pairs, mask)


def _members(ids, facts: dict[str, DocumentFacts], family_of: dict) -> dict[int, list[str]]:
    """Each family's members among `ids` (those with facts), in input order."""
    members: dict[int, list[str]] = {}
    for doc in sorted((d for d in ids if d in facts), key=lambda d: facts[d].order):
        if family_of.get(doc) is not None:
            members.setdefault(family_of[doc], []).append(doc)
    return members


def _family_plans(members: dict[int, list[str]], facts: dict[str, DocumentFacts], index: OutletIndex,
                  family_pairs: dict, settings: ProvenanceSettings) -> dict[int, FamilyPlan]:
    plans = {}
    for fam, docs in members.items():
        if len(docs) < 2:
            continue
        evidence = member_evidence(docs, facts, index)
        mark_framing(evidence, {d: facts[d].lowered or facts[d].text.lower() for d in docs})
        original, reasons = choose_original(evidence, settings)
        order = member_order(evidence, original)
        parent = _parents(order, family_pairs.get(fam), evidence)
        plans[fam] = FamilyPlan(fam, order, parent, reasons)
        if len(order) > settings.all_pairs_up_to and fam in family_pairs:
            plans[fam].same_cut = same_cuts(order, parent, *_ranked_pairs(order, family_pairs[fam]))
    return plans


@collector_paused()
def align_plan(documents: pa.Table, pairs: pa.Table, settings: ProvenanceSettings | None = None) -> np.ndarray:
    """The pairs to align, over `pairs`: `plan_explain(documents, pairs, settings, plan_only=True).mask`,
    with facts made for the members of large families alone.

    Only a family of more than `all_pairs_up_to` members has pairs left out
    (only its tree's edges are aligned); every pair of a small family, and
    every possible quote, is aligned whatever the plan. So the facts (credit
    lines, dates: the plan's cost) of a small family's members are not made
    here. The outlets are still learnt from every document named by the
    pairs, as `plan_explain` learns them, so each large family's plan, and
    the mask, are `plan_explain`'s.
    """
    settings = settings or ProvenanceSettings()
    explainable, ids = _explainable(documents, pairs)
    if explainable.num_rows != pairs.num_rows or not ids:
        # Pairs naming documents not given: every pair, as `ExplainPlan.to_align` does then.
        return np.ones(pairs.num_rows, dtype=bool)
    family_of = _family_column(documents, pairs)
    sizes: dict[int, int] = {}
    for doc in ids:
        if family_of.get(doc) is not None:
            sizes[family_of[doc]] = sizes.get(family_of[doc], 0) + 1
    large = {fam for fam, size in sizes.items() if size > settings.all_pairs_up_to}
    if not large:
        return np.ones(pairs.num_rows, dtype=bool)
    rows = _document_rows(documents, ids)
    index, scans = learn_outlets(rows, settings)
    facts, _ = document_facts([r for r in rows if family_of.get(r["id"]) in large], settings, index,
                              plan_only=True, scans=scans)
    family_pairs = _family_pairs(pairs, family_of)
    plans = _family_plans(_members(ids, facts, family_of), facts, index,
                          {fam: family_pairs[fam] for fam in large if fam in family_pairs}, settings)
    return explain_mask(pairs, family_of, plans, settings)


@collector_paused()
def trace(documents: pa.Table, pairs: pa.Table, passages: pa.Table,
          settings: ProvenanceSettings | None = None, index: OutletIndex | None = None,
          plan: ExplainPlan | None = None) -> Provenance:
    """Relations, direction, credit, trees and edits from a scan's documents, pairs and passages.

    `index`: the corpus' outlets from `corpus_outlets`, when `documents` is
    one chunk of a larger corpus; without it they are learnt from `documents`.
    `plan`: the `plan_explain` the passages were aligned for (made here when
    not given). Each family's tree spans its members alone; an aligned pair
    between two families is a cross-family link (`links`), never a tree edge.
    """
    settings = settings or ProvenanceSettings()
    plan = plan or plan_explain(documents, pairs, settings, index)
    facts, index, family_of = plan.facts, plan.index, plan.family_of
    passages, _ = _explainable(documents, passages)
    views = pair_views(passages, facts)
    links: dict[int, list[Link]] = {}
    judged: dict[tuple[str, str], tuple[float, list[str]]] = {}
    cross = []
    for (a, b), view in views.items():
        score, evidence = direction_score(facts[a], facts[b], view, index, settings)
        judged[(a, b)] = (score, evidence)
        fam = family_of.get(a)
        if fam is not None and fam == family_of.get(b) and fam in plan.families:
            links.setdefault(fam, []).append(Link(a, b, score, view.cover_b, view.cover_a))
        else:
            cross.append((a, b))
    family = FamilyTracer(facts, index, views, judged, settings)
    edges, edits, pending, trees = [], [], [], {}
    for number, fplan in plan.families.items():
        family_edges, family_edits, original, tree, reasons = family.trace(
            number, links.get(number, []), fplan, plan.pairs.get(number))
        edges += family_edges
        # To Arrow every few thousand rows: edit rows as Python dicts would outweigh the texts, and a batch
        # per family (thousands of families of two) costs more than the rows.
        pending += family_edits
        if len(pending) >= EDIT_ROWS_HELD:
            edits.append(pa.RecordBatch.from_pylist(pending, schema=EDIT_SCHEMA))
            pending = []
        trees[number] = (original, tree, reasons)
    if pending:
        edits.append(pa.RecordBatch.from_pylist(pending, schema=EDIT_SCHEMA))
    cross_rows = [family.cross_link(a, b, family_of) for a, b in cross]
    edits_table = pa.Table.from_batches(edits, schema=EDIT_SCHEMA)
    return Provenance(
        edges=pa.Table.from_pylist(edges, schema=EDGE_SCHEMA),
        edits=edits_table,
        families=families_table(documents, trees),
        links=pa.Table.from_pylist(cross_rows, schema=LINK_SCHEMA),
        facts=facts,
        stats={"aligned_pairs": len(views), "edges": len(edges), "edits": edits_table.num_rows,
               "cross_family_links": len(cross_rows)},
    )


def families_table(documents: pa.Table, trees: dict) -> pa.Table:
    """One row per family of the documents, with its original and tree (a single document is its own original).

    Built in Arrow: a scan of 100,000 documents has mostly single ones; only traced families leave it.
    """
    from copytrace.stages.families import families_table as member_lists

    ids = documents["id"]
    if "family" in documents.column_names and documents.num_rows and documents["family"].null_count == 0:
        family = documents["family"].to_numpy()
    else:
        family = np.arange(documents.num_rows)
    table = member_lists(ids, family)
    numbers = table["family"].to_pylist()
    single = pc.equal(table["size"], 1)
    original = pc.if_else(single, pc.list_element(table["members"], 0), pa.scalar(None, pa.string())).to_pylist()
    tree: list = [[]] * table.num_rows
    reasons: list = [[]] * table.num_rows
    for k, number in enumerate(numbers):
        if number in trees:
            original[k], tree[k], reasons[k] = trees[number]
    return pa.table({"family": table["family"], "size": table["size"], "members": table["members"],
                     "original": pa.array(original, pa.string()),
                     "tree": pa.array(tree, FAMILY_SCHEMA.field("tree").type),
                     "original_evidence": pa.array(reasons, pa.list_(pa.string()))}, schema=FAMILY_SCHEMA)


def explain_pair(documents: pa.Table, x: str, y: str, settings=None) -> tuple[pa.Table, Provenance]:
    """One pair on demand (`copytrace explain A B`, the API, a page): align x and y and trace them as a pair.

    A large family's scan aligns only its tree's edges; any other pair a user
    asks about is computed here, from the two documents alone (`documents`
    holds at least their id and text; `settings` a ScanSettings). Returns the
    pair's passages and its provenance; the edge's evidence is the pair's own cues.
    """
    from copytrace.settings import ScanSettings
    from copytrace.stages.align import align_pairs

    settings = settings or ScanSettings()
    wanted = [c for c in ("id", "text", "raw_text", "url", "source", "date") if c in documents.column_names]
    two = documents.select(wanted).filter(pc.is_in(documents["id"], value_set=pa.array([x, y], pa.string())))
    missing = {x, y} - set(two["id"].to_pylist())
    if missing:
        raise KeyError(f"not a document of the scan: {', '.join(sorted(missing))}")
    # One family of two: the pair is traced as a tree edge of its own, whatever families the scan found.
    two = two.append_column("family", pa.array([0] * two.num_rows, pa.int64()))
    pair = pa.table({"a": [x], "b": [y], "family_link": [True]})
    passages = align_pairs(two, pair, settings.align)
    return passages, trace(two, pair, passages, settings.provenance)

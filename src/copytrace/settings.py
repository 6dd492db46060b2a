"""Everything a scan decides, in one object: `ScanSettings`.

Cleaning, shingles and signatures, LSH, anchors, the keep rule, alignment,
provenance and outlet aliases. The CLI maps its options to it in one place
(`faces.options`), every engine runs the stages with it, and the monitor
index stores it whole (`to_dict`) when created and refuses to mix another.

This module imports nothing heavy: `copytrace --help` reads it without
loading numba or pyarrow.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace

from copytrace.outlets import Aliases


@dataclass(frozen=True)
class ChromeSettings:
    """Which evidence removes lines; `min_repeat` pages of one source make a line its template."""

    repeated: bool = True
    patterns: bool = True
    density: bool = True
    min_repeat: int = 3


@dataclass(frozen=True)
class ExtractSettings:
    """How pages are turned into main text."""

    fast: bool = True  # trafilatura's own heuristics only: faster, and as accurate on news pages
    include_comments: bool = False  # reader comments are not the article
    include_tables: bool = True
    workers: int = 0  # worker processes; 0 = one per core (at most 2 on small inputs)


@dataclass(frozen=True)
class CleanSettings:
    """`chrome_removal=False` keeps every line (extraction of HTML still runs)."""

    chrome_removal: bool = True
    chrome: ChromeSettings = field(default_factory=ChromeSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)


@dataclass(frozen=True)
class AnchorSettings:
    """Winnowing window (in shingles) and the document-frequency band of useful anchors."""

    window: int = 8
    max_df: int = 20
    min_shared: int = 2
    enabled: bool = True
    # A document with at most this many anchors (a brief: 40 words or so) pairs on one shared anchor; 0: never.
    short_anchors: int = 8


@dataclass(frozen=True)
class KeepRule:
    """Which verified pairs count as reuse (see `stages.verify`)."""

    min_shared: int = 8
    min_containment: float = 0.2
    min_section_shingles: int = 40
    # Shingles inside quoted speech ("...", «...», "X said: ...") do not link families: two reports
    # quoting one witness share them without either deriving from the other (`text.quotes`).
    quotes_link: bool = False
    # A pair below the section size still links when this many of its sentences outside quotes match,
    # verbatim or near-verbatim (`text.sentences`): a rewrite around three wire sentences; 0: never.
    min_sentences: int = 3

    # A short document (a brief) mostly inside another links on fewer shingles: 12 words of a wire story.
    short_shared: int = 5
    short_containment: float = 0.3
    # A side at least this much inside the other is the other's text, quoted speech or not.
    whole_copy: float = 0.9

    def keep(self, shared, containment_max):
        """Pairs that link a family (NumPy arrays in, a boolean array out)."""
        large = (containment_max >= self.min_containment) | (shared >= self.min_section_shingles)
        brief = (shared >= self.short_shared) & (containment_max >= self.short_containment)
        return ((shared >= self.min_shared) & large) | brief

    def possible_quote(self, shared, containment_max):
        """Pairs kept only if alignment finds a passage; they never link families."""
        return (shared >= self.min_shared) & ~self.keep(shared, containment_max)


@dataclass(frozen=True)
class AlignSettings:
    """How passages are found; the defaults bridge a few changed words, not a dropped sentence."""

    seed_words: int = 5
    max_gap_words: int = 8
    max_shift_words: int = 4
    min_words: int = 10
    max_repeats: int = 3
    max_punct_extension: int = 4


@dataclass(frozen=True)
class EditSettings:
    # Words in a row that count as carried when re-matching between passages.
    min_carried_words: int = 3
    # Passages at or above this identity hold no changed words (skips the diff).
    skip_identity: float = 1.0


@dataclass(frozen=True)
class RelationSettings:
    """How a copy's sentences are matched to its source's (see `stages.provenance.relations`)."""

    min_words: int = 6  # unquoted words a sentence needs to count as derivation evidence
    min_overlap: float = 0.6  # Dice overlap of the word multisets of two matched sentences
    min_bigrams: int = 2
    wholly_share: float = 0.6  # more than this share of the copy's words in matched sentences: wholly derived
    lead_share: float = 0.3  # ...or more than this when it took the source's lead, in order (a brief, a cut)
    order_slack: float = 0.2  # share of matched sentences out of the source's order still called "order kept"


@dataclass(frozen=True)
class ProvenanceSettings:
    """Thresholds of the relations and weights of the direction cues."""

    same_coverage: float = 0.7
    same_inside: float = 0.9
    republication_coverage: float = 0.6
    quote_max_words: int = 60
    date_weight: float = 3.0
    credit_weight: float = 4.0
    feed_weight: float = 3.0
    coverage_weight: float = 2.0
    coverage_floor: float = 0.2
    framing_weight: float = 1.5
    framing_min_chars: int = 80
    capture_weight: float = 0.3
    # Coverage gaps smaller than this say nothing about direction.
    coverage_margin: float = 0.2
    # Families up to this size have every pair aligned and traced; larger ones only their tree's
    # edges, chosen from cheap evidence first (`provenance.plan`): cost linear in copies.
    all_pairs_up_to: int = 16
    # A date this many days from the family's median date is discounted (a page-template year).
    date_outlier_days: float = 60.0
    # Agency marks against a paper's credit to an agency (`provenance.cues`), times each cue's own weight.
    wire_weight: float = 1.0
    cut_weight: float = 1.0  # the shorter side took the head of the other and the other's tail is cut
    relations: RelationSettings = field(default_factory=RelationSettings)
    languages: tuple[str, ...] = ("en",)
    edits: EditSettings = field(default_factory=EditSettings)
    aliases: Aliases = field(default_factory=Aliases)  # set from ScanSettings.aliases, never alone


@dataclass(frozen=True)
class SemanticSettings:
    """The semantic stage (`stages.semantic`): translated and paraphrased copies; off unless `enabled`."""

    enabled: bool = False
    doc_sentences: int = 8  # sentences, spread over a document, whose mean is its vector
    # nearest documents checked per document outside the majority language: this many in the majority
    # language and as many in the other languages (not its own)
    neighbours: int = 5
    min_doc_cosine: float = 0.35  # document vectors this close are aligned sentence by sentence
    min_sentence_cosine: float = 0.5  # a translated sentence pair (unrelated sentences: about 0.05, rarely 0.45)
    rewrite_cosine: float = 0.75  # a paraphrased sentence pair in one language (same-event sentences share facts)
    min_sentences: int = 3  # aligned sentences, in order, that make a translation or a rewrite
    min_rewrite_share: float = 0.5  # share of the shorter side's sentences a rewrite aligns
    # ...and a translation: two reports of one event in two languages align a few sentences, not a third.
    min_translation_share: float = 0.35
    # Documents of the majority language get a vector only when they share a number or a Latin-script name
    # found in at most this many documents with a document in another language (0: every document).
    shortlist_max_df: int = 50


@dataclass(frozen=True)
class ScanSettings:
    """Every setting of a scan; the defaults are aimed at partial reuse in news."""

    clean: CleanSettings = field(default_factory=CleanSettings)
    num_perm: int = 256
    shingle_size: int = 5
    reuse_share: float = 0.4  # share of a source a copy carries that LSH must find...
    size_ratio: float = 2.0  # ...when the copy is up to this many times the copied part
    recall: float = 0.95  # probability of finding a pair at exactly that overlap
    max_bucket: int = 200
    # A band bucket over `clique_bucket` documents (a big family) pairs each member with the bucket's first
    # and its `bucket_window` next, not with every member: candidates grow with copies, not their square.
    clique_bucket: int = 48
    bucket_window: int = 4
    anchors: AnchorSettings = field(default_factory=AnchorSettings)  # short reuse LSH cannot see
    keep: KeepRule = field(default_factory=KeepRule)
    explain: bool = True  # align passages and trace provenance of kept pairs
    align: AlignSettings = field(default_factory=AlignSettings)
    provenance: ProvenanceSettings = field(default_factory=ProvenanceSettings)
    # Outlets known under several names: one template when cleaning, one outlet when crediting.
    aliases: Aliases = field(default_factory=Aliases)
    batch_bytes: int = 64 * 1024 * 1024  # text per fingerprint batch in one process (memory, not results)
    semantic: SemanticSettings = field(default_factory=SemanticSettings)  # translations and rewrites

    def __post_init__(self):
        if self.provenance.aliases is not self.aliases:
            object.__setattr__(self, "provenance", replace(self.provenance, aliases=self.aliases))

    @property
    def hasher(self):
        from copytrace.stages.fingerprint import MinHasher

        return MinHasher(num_perm=self.num_perm, shingle_size=self.shingle_size)

    @property
    def lsh(self):
        from copytrace.stages.candidates.lsh import LshParams

        return LshParams.for_reuse(self.num_perm, self.reuse_share, self.size_ratio, self.recall)

    @property
    def anchor_window(self) -> int:
        """The winnowing window the fingerprint pass uses: 0 when anchors are off."""
        return self.anchors.window if self.anchors.enabled else 0

    def check(self) -> "ScanSettings":
        """Raise ValueError for settings no scan can run with (before any input is read)."""
        if self.keep.min_shared < 1:
            raise ValueError(f"min_shared must be at least 1, got {self.keep.min_shared}")
        if not 0 <= self.keep.min_containment <= 1:
            raise ValueError(f"min_containment must be between 0 and 1, got {self.keep.min_containment}")
        if self.clean.chrome.min_repeat < 2:
            raise ValueError(f"template pages must be at least 2 (a line on one page is not a template), "
                             f"got {self.clean.chrome.min_repeat}")
        if self.clean.extract.workers < 0:
            raise ValueError(f"extract workers must be 0 (one per core) or more, got {self.clean.extract.workers}")
        self.lsh, self.hasher  # noqa: B018  (their constructors validate)
        return self

    def replace(self, **changes) -> "ScanSettings":
        return replace(self, **changes)

    # What decides results, as plain JSON: stored by the index and the engines' work folders.
    def to_dict(self) -> dict:
        return _plain(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "ScanSettings":
        return _build(cls, data)

    @classmethod
    def from_json(cls, text: str) -> "ScanSettings":
        return cls.from_dict(json.loads(text))

    def differences(self, other: "ScanSettings") -> list[str]:
        """Dotted names of the settings that differ from `other`'s (for a refusal that says which)."""
        return _differences(self.to_dict(), other.to_dict(), "")


def _plain(value):
    if isinstance(value, Aliases):
        return {"groups": dict(sorted(value.groups.items()))}
    if is_dataclass(value):
        out = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, ProvenanceSettings):
            out.pop("aliases")  # held once, by ScanSettings
        if isinstance(value, ScanSettings):
            out.pop("batch_bytes")  # how much is held at once, not what is found
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _build(kind, data):
    if kind is Aliases:
        return Aliases(groups=dict(data.get("groups", {})))
    if not isinstance(data, dict):
        raise ValueError(f"settings: {kind.__name__} must be an object, got {data!r}")
    known = {f.name: f for f in fields(kind)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"settings: unknown {kind.__name__} field(s) {', '.join(unknown)}")
    values = {}
    for name, value in data.items():
        default = getattr(kind(), name) if name in known else None
        if is_dataclass(default) or isinstance(default, Aliases):
            values[name] = _build(type(default), value)
        elif isinstance(default, tuple):
            values[name] = tuple(value)
        else:
            values[name] = value
    return kind(**values)


def _differences(x, y, prefix: str) -> list[str]:
    if isinstance(x, dict) and isinstance(y, dict):
        out = []
        for key in sorted(set(x) | set(y)):
            out += _differences(x.get(key), y.get(key), f"{prefix}{key}.")
        return out
    return [] if x == y else [prefix.rstrip(".")]


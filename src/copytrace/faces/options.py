"""The command-line options that decide results, declared once, and their one mapping to `ScanSettings`.

`copytrace scan` and `copytrace index create` take the same options
(`copytrace lsh` the LSH ones): each is an `Annotated` alias here, its
default read from `ScanSettings`, and `settings_from_options` turns their
values into the one settings object, checked before any input is read.

Only light modules load here: `copytrace --help` reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from copytrace.faces.terminal import fail
from copytrace.settings import ChromeSettings, CleanSettings, ExtractSettings, KeepRule, ScanSettings, SemanticSettings

DEFAULTS = ScanSettings()

ReuseShare = Annotated[float, typer.Option(
    help="Share of a source a copy carries that must be found (sets the LSH bands).")]
SizeRatio = Annotated[float, typer.Option(
    help="How many times longer than the copied part a copy may be.")]
NumPerm = Annotated[int, typer.Option(help="MinHash signature length (a power of two).")]
Recall = Annotated[float, typer.Option(help="Probability of finding a pair at exactly the threshold.")]
ShingleSize = Annotated[int, typer.Option(help="Words per shingle.")]
MinShared = Annotated[int, typer.Option(help="Keep rule: shingles a pair must share.")]
MinContainment = Annotated[float, typer.Option(
    help="Keep rule: share of the smaller side found in the other.")]
Clean = Annotated[bool, typer.Option(
    "--clean/--no-clean", help="Remove page chrome lines (kept in removed_lines with the reason).")]
TemplatePages = Annotated[int, typer.Option(
    help="Chrome removal: a line on this many pages of one source is its template.")]
ExtractWorkers = Annotated[int, typer.Option(help="Processes extracting HTML main text (0: one per core).")]
Semantic = Annotated[bool, typer.Option(
    "--semantic/--no-semantic", "--cross-lingual",
    help="Also find translated and paraphrased copies (sentence embeddings; needs copytrace[semantic]).")]


def with_semantic(settings: ScanSettings, semantic: bool) -> ScanSettings:
    """`scan --semantic`: the semantic stage on (the index does not run it, so it is not a settings option)."""
    return settings.replace(semantic=SemanticSettings(enabled=True)) if semantic else settings
AliasesFile = Annotated[Optional[Path], typer.Option(
    "--aliases", help="Outlet aliases: lines 'RT = rt.com = Russia Today', or JSON {name: \\[names]}.")]

# The defaults, once: from the settings object (clean, template pages and workers from its parts).
REUSE_SHARE, SIZE_RATIO, RECALL = DEFAULTS.reuse_share, DEFAULTS.size_ratio, DEFAULTS.recall
NUM_PERM, SHINGLE_SIZE = DEFAULTS.num_perm, DEFAULTS.shingle_size
MIN_SHARED, MIN_CONTAINMENT = DEFAULTS.keep.min_shared, DEFAULTS.keep.min_containment
CLEAN, TEMPLATE_PAGES = DEFAULTS.clean.chrome_removal, DEFAULTS.clean.chrome.min_repeat
EXTRACT_WORKERS = DEFAULTS.clean.extract.workers

# The option each setting comes from, for errors the user can act on ("--min-shared must be ...").
FLAGS = ("--reuse-share", "--size-ratio", "--num-perm", "--shingle-size", "--min-shared", "--min-containment",
         "--template-pages", "--extract-workers", "--recall")


def settings_from_options(
    *,
    reuse_share: float = REUSE_SHARE,
    size_ratio: float = SIZE_RATIO,
    num_perm: int = NUM_PERM,
    shingle_size: int = SHINGLE_SIZE,
    min_shared: int = MIN_SHARED,
    min_containment: float = MIN_CONTAINMENT,
    clean: bool = CLEAN,
    template_pages: int = TEMPLATE_PAGES,
    extract_workers: int = EXTRACT_WORKERS,
    aliases: Path | None = None,
) -> ScanSettings:
    """The ScanSettings of these option values; a value no scan can run with exits with one line."""
    cleaning = CleanSettings(chrome_removal=clean, chrome=ChromeSettings(min_repeat=template_pages),
                             extract=ExtractSettings(workers=extract_workers))
    settings = ScanSettings(clean=cleaning, num_perm=num_perm, shingle_size=shingle_size, reuse_share=reuse_share,
                            size_ratio=size_ratio, keep=KeepRule(min_shared=min_shared, min_containment=min_containment),
                            aliases=read_aliases(aliases) if aliases is not None else DEFAULTS.aliases)
    try:
        return settings.check()
    except ValueError as err:
        fail(flagged(str(err)))


def read_aliases(path: Path):
    """The outlet aliases of `path` (one-line exit when it cannot be read)."""
    from copytrace.outlets import load_aliases

    try:
        return load_aliases(path)
    except (OSError, UnicodeDecodeError) as err:
        fail(f"{path}: cannot read the aliases: {getattr(err, 'strerror', None) or err}")
    except ValueError as err:
        fail(str(err))


def flagged(message: str) -> str:
    """A settings error with the setting named as the option that sets it: "min_shared must" -> "--min-shared must"."""
    for flag in FLAGS:
        for spelling in (flag[2:].replace("-", "_"), flag[2:].replace("-", " ")):
            if message.startswith(spelling + " "):
                return flag + message[len(spelling):]
    return message

"""The command-line options that decide results, declared once, and their one mapping to `ScanSettings`.

`copytrace scan` and `copytrace index create` take the same options
(`copytrace lsh` the LSH ones): each is an `Annotated` alias here, its
default read from `ScanSettings`, and `settings_from_options` turns their
values into the one settings object, checked before any input is read.
A TOML file (`--config`) gives the base settings; an option given on the
command line overrides it.

Only light modules load here: `copytrace --help` reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from copytrace.faces.terminal import EXIT_INPUT, fail
from copytrace.settings import ScanSettings, SemanticSettings

DEFAULTS = ScanSettings()

# Help panels: `copytrace scan --help` groups its options under these.
INPUT, OUTPUT, DETECT, KEEP, CLEANING, RUN = (
    "Input fields", "Output", "Detection (LSH)", "Keep rule", "Cleaning", "Engine and display")

ReuseShare = Annotated[float, typer.Option(
    help="Share of a source a copy carries that must be found (sets the LSH bands).", rich_help_panel=DETECT)]
SizeRatio = Annotated[float, typer.Option(
    help="How many times longer than the copied part a copy may be.", rich_help_panel=DETECT)]
NumPerm = Annotated[int, typer.Option(help="MinHash signature length (a power of two).", rich_help_panel=DETECT)]
Recall = Annotated[float, typer.Option(help="Probability of finding a pair at exactly the threshold.",
                                       rich_help_panel=DETECT)]
ShingleSize = Annotated[int, typer.Option(help="Words per shingle.", rich_help_panel=DETECT)]
MinShared = Annotated[int, typer.Option(help="Shingles a pair must share.", rich_help_panel=KEEP)]
MinContainment = Annotated[float, typer.Option(
    help="Share of the smaller side found in the other.", rich_help_panel=KEEP)]
Clean = Annotated[bool, typer.Option(
    "--clean/--no-clean", help="Remove page chrome lines (kept in removed_lines with the reason).",
    rich_help_panel=CLEANING)]
TemplatePages = Annotated[int, typer.Option(
    help="A line on this many pages of one source is its template.", rich_help_panel=CLEANING)]
ExtractWorkers = Annotated[int, typer.Option(help="Processes extracting HTML main text (0: one per core).",
                                             rich_help_panel=CLEANING)]
Explain = Annotated[bool, typer.Option(
    "--explain/--no-explain", help="Align passages and trace who copied whom; --no-explain: detection only "
    "(pairs and families), faster.", rich_help_panel=KEEP)]
Semantic = Annotated[bool, typer.Option(
    "--semantic/--no-semantic", "--cross-lingual",
    help="Also find translated and paraphrased copies (sentence embeddings; needs copytrace[semantic]).",
    rich_help_panel=KEEP)]


def with_semantic(settings: ScanSettings, semantic: bool) -> ScanSettings:
    """`scan --semantic`: the semantic stage on (the index does not run it, so it is not a settings option)."""
    return settings.replace(semantic=SemanticSettings(enabled=True)) if semantic else settings


# Markup is escaped by hand: rich would take "[names]" for a style and drop it.
AliasesFile = Annotated[Optional[Path], typer.Option(
    "--aliases", help="Outlet aliases: lines 'RT = rt.com = Russia Today', or JSON {\"name\": \\[\"names\"]}.",
    rich_help_panel=CLEANING)]
ConfigFile = Annotated[Optional[Path], typer.Option(
    "--config", help="TOML file of scan settings (keys as in ScanSettings.to_dict); options given here override it.",
    rich_help_panel=RUN)]

# Where a scan runs (scan and dedup): they change how, never what, a scan finds.
Engine = Annotated[str, typer.Option(help="auto (memory up to 64 MB of input, else local), memory (one process), "
                                     "local (out of core, resumable: for corpora larger than memory) or ray.",
                                     rich_help_panel=RUN)]
WorkDir = Annotated[Optional[Path], typer.Option(
    help="Shards of the local engine (default OUT/.work, removed once done); a re-run resumes.", rich_help_panel=RUN)]
Memory = Annotated[str, typer.Option(help="Memory budget of the local engine, e.g. 6GB.", rich_help_panel=RUN)]
Address = Annotated[Optional[str], typer.Option(help="Ray cluster for --engine ray: ray://host:10001 or auto.",
                                                rich_help_panel=RUN)]

# The defaults, once: from the settings object (clean, template pages and workers from its parts).
REUSE_SHARE, SIZE_RATIO, RECALL = DEFAULTS.reuse_share, DEFAULTS.size_ratio, DEFAULTS.recall
NUM_PERM, SHINGLE_SIZE = DEFAULTS.num_perm, DEFAULTS.shingle_size
MIN_SHARED, MIN_CONTAINMENT = DEFAULTS.keep.min_shared, DEFAULTS.keep.min_containment
CLEAN, TEMPLATE_PAGES = DEFAULTS.clean.chrome_removal, DEFAULTS.clean.chrome.min_repeat
EXTRACT_WORKERS = DEFAULTS.clean.extract.workers
EXPLAIN = DEFAULTS.explain

# The option each setting comes from, for errors the user can act on ("--min-shared must be ...").
FLAGS = ("--reuse-share", "--size-ratio", "--num-perm", "--shingle-size", "--min-shared", "--min-containment",
         "--template-pages", "--extract-workers", "--recall")

# Each option's place in ScanSettings.to_dict(): where a command-line value lands over the config file's.
SETTING_PATHS = {
    "reuse_share": ("reuse_share",), "size_ratio": ("size_ratio",), "num_perm": ("num_perm",),
    "shingle_size": ("shingle_size",), "min_shared": ("keep", "min_shared"),
    "min_containment": ("keep", "min_containment"), "clean": ("clean", "chrome_removal"),
    "template_pages": ("clean", "chrome", "min_repeat"), "extract_workers": ("clean", "extract", "workers"),
    "explain": ("explain",),
}


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
    explain: bool = EXPLAIN,
    config: Path | None = None,
    given: set[str] | None = None,
) -> ScanSettings:
    """The ScanSettings of these option values over the `config` file's; a value no scan can run with exits.

    `given`: the options typed on the command line (only they override the
    config file); None means all of them.
    """
    values = dict(reuse_share=reuse_share, size_ratio=size_ratio, num_perm=num_perm, shingle_size=shingle_size,
                  min_shared=min_shared, min_containment=min_containment, clean=clean,
                  template_pages=template_pages, extract_workers=extract_workers, explain=explain)
    base = read_config(config) if config is not None else DEFAULTS.to_dict()
    for name, value in values.items():
        if config is None or given is None or name in given:
            *parents, leaf = SETTING_PATHS[name]
            node = base
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
    try:
        settings = ScanSettings.from_dict(base)
        if aliases is not None:
            settings = settings.replace(aliases=read_aliases(aliases))
        return settings.check()
    except (ValueError, TypeError) as err:
        fail(flagged(str(err)))


def read_config(path: Path) -> dict:
    """The settings of a TOML file merged over the defaults, as plain data (one-line exit when unreadable)."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        fail(f"{path}: cannot read the config file: {err.strerror or err}", EXIT_INPUT)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        fail(f"{path}: not a TOML file: {err}", EXIT_INPUT)
    data = data.get("scan", data)  # settings at the top or under [scan]
    merged = DEFAULTS.to_dict()
    try:
        ScanSettings.from_dict(data)  # names a misspelt key before merging hides nothing
    except (ValueError, TypeError) as err:
        fail(f"{path}: {err}", EXIT_INPUT)
    _merge(merged, data)
    return merged


def _merge(into: dict, data: dict) -> None:
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def given_options(ctx: typer.Context) -> set[str]:
    """The parameters typed on the command line (or set in the environment), not left at their default."""
    # By name: typer may carry its own copy of click, with its own ParameterSource enum.
    return {name for name in ctx.params
            if getattr(ctx.get_parameter_source(name), "name", None) in ("COMMANDLINE", "ENVIRONMENT")}


def read_aliases(path: Path):
    """The outlet aliases of `path` (one-line exit when it cannot be read)."""
    from copytrace.outlets import load_aliases

    try:
        return load_aliases(path)
    except (OSError, UnicodeDecodeError) as err:
        fail(f"{path}: cannot read the aliases: {getattr(err, 'strerror', None) or err}", EXIT_INPUT)
    except ValueError as err:
        fail(str(err), EXIT_INPUT)


def flagged(message: str) -> str:
    """A settings error with the setting named as the option that sets it: "min_shared must" -> "--min-shared must"."""
    for flag in FLAGS:
        for spelling in (flag[2:].replace("-", "_"), flag[2:].replace("-", " ")):
            if message.startswith(spelling + " "):
                return flag + message[len(spelling):]
    return message

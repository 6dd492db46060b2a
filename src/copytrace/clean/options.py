"""Clean-stage settings from command-line values, checked before any input is read."""

from __future__ import annotations

from .chrome import ChromeOptions
from .extract import ExtractOptions


def clean_options(chrome_removal: bool = True, template_pages: int = 3, extract_workers: int = 0):
    """A CleanOptions from the scan command's values; a bad value is a one-line usage error."""
    import typer

    from . import CleanOptions

    if template_pages < 2:
        raise typer.BadParameter(f"must be at least 2 (a line on one page is not a template), got {template_pages}",
                                 param_hint="--template-pages")
    if extract_workers < 0:
        raise typer.BadParameter(f"must be 0 (one per core) or more, got {extract_workers}", param_hint="--extract-workers")
    return CleanOptions(
        chrome_removal=chrome_removal,
        chrome=ChromeOptions(min_repeat=template_pages),
        extract=ExtractOptions(workers=extract_workers),
    )

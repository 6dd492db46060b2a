"""`copytrace serve INDEX`: the API and web page of an index, on uvicorn."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

err_console = Console(stderr=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_command(
    index: Path = typer.Argument(..., help="The index file (made with `copytrace index create`)."),
    host: str = typer.Option("127.0.0.1", help="Address to bind; anything but loopback requires an API token for writes."),
    port: int = typer.Option(8000, help="Port to listen on."),
    token: Optional[str] = typer.Option(None, envvar="COPYTRACE_TOKEN", help="API token required for writes (env COPYTRACE_TOKEN)."),
    max_body_mb: float = typer.Option(16.0, help="Largest request body accepted, in MB."),
) -> None:
    """Serve the index: JSON API (OpenAPI spec at /openapi.json) and web page (families, family view, search)."""
    try:
        import uvicorn

        from copytrace.index import IndexStoreError
        from copytrace.faces.server.app import create_app
    except ImportError as err:
        err_console.print(f"error: serving needs the serve extra: pip install 'copytrace[serve]' ({err})",
                          highlight=False, markup=False)
        raise typer.Exit(2)
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
        err_console.print(f"bound to {host}: writes need this API token (set COPYTRACE_TOKEN to choose one):\n{token}",
                          highlight=False, markup=False)
    try:
        app = create_app(index, token=token, max_body=int(max_body_mb * 1024 * 1024))
    except IndexStoreError as err:
        err_console.print(f"error: {err}", highlight=False, markup=False)
        raise typer.Exit(2)
    err_console.print(f"serving {index} on http://{host}:{port}/ (pid {os.getpid()})", highlight=False, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")

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
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    token: Optional[str] = typer.Option(None, envvar="COPYTRACE_TOKEN",
                                        help="API token required for writes (env COPYTRACE_TOKEN); one is made and "
                                             "printed when none is given."),
    no_token: bool = typer.Option(False, "--no-token",
                                  help="Take writes without a token (loopback only; any local program or page "
                                       "that passes the Host and Origin checks can then add and delete)."),
    allowed_host: list[str] = typer.Option([], "--allowed-host",
                                           help="Another name requests may carry in Host (repeatable); loopback "
                                                "names and the bound name are always allowed."),
    max_body_mb: float = typer.Option(16.0, help="Largest request body accepted, in MB."),
    tree_page: int = typer.Option(250, hidden=True, help="Tree rows in a family page's first response."),
) -> None:
    """Serve the index: JSON API (OpenAPI spec at /openapi.json) and web page (families, family view, search)."""
    try:
        import uvicorn

        from copytrace.index import IndexStoreError
        from copytrace.faces.server.app import create_app
        from copytrace.faces.server.guard import allowed_hosts
        from copytrace.faces.server.holder import leave_note
    except ImportError as err:
        err_console.print(f"error: serving needs the serve extra: pip install 'copytrace[serve]' ({err})",
                          highlight=False, markup=False)
        raise typer.Exit(2)
    if no_token and not is_loopback(host):
        err_console.print(f"error: --no-token is refused when bound to {host}: writes there always need a token",
                          highlight=False, markup=False)
        raise typer.Exit(2)
    if no_token:
        token = None
    elif not token:
        token = secrets.token_urlsafe(24)
        err_console.print(f"writes need this API token (Authorization: Bearer TOKEN; set COPYTRACE_TOKEN to choose "
                          f"one, or --no-token on loopback):\n{token}", highlight=False, markup=False)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    try:
        app = create_app(index, token=token, max_body=int(max_body_mb * 1024 * 1024),
                         hosts=allowed_hosts(host, allowed_host), on_close=lambda: remove_note(), tree_page=tree_page)
    except IndexStoreError as err:
        err_console.print(f"error: {err}", highlight=False, markup=False)
        raise typer.Exit(2)
    remove_note = leave_note(index, url)
    err_console.print(f"serving {index} on {url} (pid {os.getpid()})", highlight=False, markup=False)
    # Keep-alive longer than uvicorn's 5 s: a client slowed by a loaded machine otherwise sends its next
    # request on a connection the server is closing, and gets a reset.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=30)

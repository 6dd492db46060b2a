"""Who may talk to the server: allowed Host names (against DNS rebinding) and the Origin of writes.

A page on another site can make the user's browser send requests to a
server on loopback: with DNS rebinding its own name resolves to 127.0.0.1,
so the request arrives with `Host: attacker.example`. Only requests naming
an allowed host are served (loopback names by default, the bound name and
any `--allowed-host` otherwise). A write (any method but GET/HEAD/OPTIONS)
sent by a browser carries an `Origin`; one naming another host is refused,
so a cross-site form cannot post even to an allowed name.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.responses import JSONResponse

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = {b"GET", b"HEAD", b"OPTIONS", "GET", "HEAD", "OPTIONS"}


def host_name(value: str) -> str:
    """The name of a Host header value or URL netloc, without port and brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def allowed_hosts(bound: str, extra: list[str] | None = None) -> frozenset[str]:
    """Loopback names, the name the server is bound to (unless a wildcard address), and `extra`."""
    names = set(LOOPBACK_NAMES)
    if bound and bound not in ("0.0.0.0", "::"):
        names.add(host_name(bound))
    names.update(host_name(h) for h in (extra or []) if h)
    return frozenset(names)


class HostGuard:
    """ASGI middleware: 400 for a Host not allowed; 403 for a write whose Origin is another host."""

    def __init__(self, app, hosts: frozenset[str]):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.hosts:
            shown = host or "(none)"
            return await _refuse(send, 400, f"host {shown!r} is not allowed; start the server with "
                                            f"--allowed-host {shown} to serve it under that name")
        origin = headers.get(b"origin")
        if origin is not None and scope.get("method") not in SAFE_METHODS:
            text = origin.decode("latin-1")
            name = host_name(urlsplit(text).netloc) if text != "null" else ""
            if name not in self.hosts:
                return await _refuse(send, 403, f"writes from origin {text!r} are refused (another site)")
        return await self.app(scope, receive, send)


async def _refuse(send, status: int, reason: str) -> None:
    body = JSONResponse({"error": reason}).body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

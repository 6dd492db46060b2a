"""Outlet identity: one key for the many ways an outlet is named.

"Sputnik News", "sputniknews.com", "https://www.sputniknews.com/world/..." and
"m.sputniknews.com" are one outlet. `outlet_key` reduces a name, a domain or
a url to a key: for urls and domains, the registrable name without www./m./
amp. and the public suffix; for names, the lower-cased letters and digits
without spaces. A domain's key and its outlet's name agree whenever the
domain is the name written together ("sputniknews" from both); `Aliases`
covers the rest ("RT" = rt.com = "Russia Today").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_MOBILE_PREFIXES = ("www", "www1", "www2", "m", "mobile", "amp", "edition", "en", "english")
# Common multi-part public suffixes; a full public-suffix list is not needed
# to tell outlets apart.
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "news", "info"}
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")


def host_of(value: str) -> str | None:
    """The host name of a url or bare domain, lower-cased; None if it is neither."""
    text = value.strip().lower()
    if "://" in text:
        host = urlsplit(text).hostname or ""
    else:
        host = text.split("/")[0]
    host = host.strip(".")
    return host if _DOMAIN.match(host) else None


def domain_key(host: str) -> str:
    """'www.m.sputniknews.com' -> 'sputniknews'; 'bbc.co.uk' -> 'bbc'."""
    parts = host.split(".")
    while len(parts) > 2 and parts[0] in _MOBILE_PREFIXES:
        parts = parts[1:]
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        parts = parts[:-2]
    else:
        parts = parts[:-1]
    return parts[-1] if parts else host


def name_key(name: str) -> str:
    """'Sputnik News' -> 'sputniknews'."""
    text = name.strip().lower()
    return re.sub(r"[\W_]+", "", text)


def outlet_key(value: str | None) -> str | None:
    """One key per outlet, from a name, a domain or a url.

    A leading "the" is dropped from both forms, so "The Duran" and
    theduran.com agree.
    """
    if not value or not value.strip():
        return None
    host = host_of(value)
    key = domain_key(host) if host else name_key(value)
    if key.startswith("the") and len(key) > 5:
        key = key[3:]
    return key or None


@dataclass
class Aliases:
    """Settable outlet aliases: every name in a group maps to the group's first key."""

    groups: dict[str, str] = field(default_factory=dict)

    def add(self, *names: str) -> None:
        keys = [outlet_key(n) for n in names if outlet_key(n)]
        for key in keys[1:]:
            self.groups[key] = keys[0]

    def key(self, value: str | None) -> str | None:
        key = outlet_key(value)
        return self.groups.get(key, key) if key else None

    def same(self, x: str | None, y: str | None) -> bool:
        kx, ky = self.key(x), self.key(y)
        return kx is not None and kx == ky

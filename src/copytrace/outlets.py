"""Outlet identity: one key for the many ways an outlet is named.

"Sputnik News", "sputniknews.com", "https://www.sputniknews.com/world/..." and
"m.sputniknews.com" are one outlet. `outlet_key` reduces a name, a domain or
a url to a key: for urls and domains, the registrable name without www./m./
amp. and the public suffix; for names, the lower-cased letters and digits
without spaces. Public suffixes come from the Public Suffix List (tldextract's
bundled snapshot, offline); platforms (t.me, telegra.ph, news.google.com)
keep their host, and a channel on them its path. A domain's key and its outlet's name agree whenever the
domain is the name written together ("sputniknews" from both); `Aliases`
covers the rest ("RT" = rt.com = "Russia Today").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

_MOBILE_PREFIXES = ("www", "www1", "www2", "m", "mobile", "amp", "edition", "en", "english")
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")
# Hosts whose name is a platform, not an outlet: the key keeps the host (and,
# where the first path segment names a channel, that too: t.me/rian_ru), so that
# they neither read as one-letter outlets ("t") nor merge with their owner.
PLATFORMS = {"t.me", "telegram.me", "telegra.ph", "news.google.com", "twitter.com", "x.com", "facebook.com",
             "vk.com", "youtube.com", "medium.com", "substack.com", "news.yahoo.com", "msn.com"}
_CHANNEL_PLATFORMS = {"t.me", "telegram.me", "twitter.com", "x.com", "facebook.com", "vk.com", "youtube.com"}


def host_of(value: str) -> str | None:
    """The host name of a url or bare domain, lower-cased; None if it is neither."""
    text = value.strip().lower()
    if "://" in text:
        host = urlsplit(text).hostname or ""
    else:
        host = text.split("/")[0]
    host = host.strip(".")
    return host if _DOMAIN.match(host) else None


@lru_cache(maxsize=1)
def _public_suffixes():
    """The Public Suffix List as tldextract ships it: its bundled snapshot, never fetched, no cache written."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@lru_cache(maxsize=1 << 16)
def domain_key(host: str) -> str:
    """'www.m.sputniknews.com' -> 'sputniknews'; 'bbc.co.uk' -> 'bbc' (the suffix from the Public Suffix List).

    A host under a private suffix (x.blogspot.com) and a platform (t.me,
    telegra.ph, news.google.com) keep their whole name.
    """
    parts = host.split(".")
    while len(parts) > 2 and parts[0] in _MOBILE_PREFIXES:
        parts = parts[1:]
    host = ".".join(parts)
    if host in PLATFORMS:
        return host
    found = _public_suffixes()(host)
    if not found.suffix:  # a name off the list (.example, .test, .local, intranets): its last label is the suffix
        return parts[-2] if len(parts) >= 2 else host
    if not found.domain:  # the host is itself a public suffix
        return host
    if found.is_private:
        return f"{found.domain}.{found.suffix}"
    registered = f"{found.domain}.{found.suffix}"
    return registered if registered in PLATFORMS else found.domain


def name_key(name: str) -> str:
    """'Sputnik News' -> 'sputniknews'."""
    text = name.strip().lower()
    return re.sub(r"[\W_]+", "", text)


@lru_cache(maxsize=1 << 16)  # a corpus names few outlets, each once per pair it is weighed in
def outlet_key(value: str | None) -> str | None:
    """One key per outlet, from a name, a domain or a url.

    A leading "the" is dropped from both forms, so "The Duran" and
    theduran.com agree.
    """
    if not value or not value.strip():
        return None
    host = host_of(value)
    key = domain_key(host) if host else name_key(value)
    if host and key in _CHANNEL_PLATFORMS:
        key = _channel_key(value, key)
    if key.startswith("the") and len(key) > 5:
        key = key[3:]
    return key or None


def _channel_key(value: str, platform: str) -> str:
    """'https://t.me/rian_ru/123' -> 't.me/rian_ru': on these platforms the first path segment is the outlet."""
    text = value.strip().lower()
    path = urlsplit(text if "://" in text else "//" + text).path
    channel = next((part for part in path.split("/") if part), "").lstrip("@")
    return f"{platform}/{channel}" if channel and channel not in ("s", "share", "joinchat") else platform


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


# Words an outlet's name may carry or drop without naming another outlet:
# "Sputnik" and "Sputnik News" (sputniknews.com) are one outlet.
GENERIC_SUFFIXES = ("news", "newsagency", "agency", "online", "media", "daily", "tv", "radio", "network",
                    "today", "international", "global", "world", "com")


def keys_match(x: str | None, y: str | None) -> bool:
    """Do two outlet keys name one outlet? Equal, or equal but for a generic suffix."""
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    return len(short) >= 2 and long.startswith(short) and long[len(short):] in GENERIC_SUFFIXES


@dataclass
class OutletIndex:
    """The outlets of a corpus' documents, by document, with how each was learnt.

    `how` is "source", "url" (metadata) or a self-name found in the text
    ("feed footer", "widget"): metadata is trusted, the text's self-names
    fill in where metadata is missing.
    """

    aliases: Aliases = field(default_factory=Aliases)
    outlets: dict[str, dict[str, str]] = field(default_factory=dict)  # doc id -> {key: how}
    by_key: dict[str, set[str]] = field(default_factory=dict)  # key -> doc ids

    def add(self, doc_id: str, value: str | None, how: str) -> str | None:
        key = self.aliases.key(value)
        if key:
            self.outlets.setdefault(doc_id, {}).setdefault(key, how)
            self.by_key.setdefault(key, set()).add(doc_id)
        return key

    def merge(self, other: "OutletIndex") -> None:
        """Add `other`'s outlets: a document's outlets depend on that document alone, so indexes learnt
        on separate chunks of a corpus merge into the index of the whole."""
        for doc_id, keys in other.outlets.items():
            held = self.outlets.setdefault(doc_id, {})
            for key, how in keys.items():
                held.setdefault(key, how)
        for key, docs in other.by_key.items():
            self.by_key.setdefault(key, set()).update(docs)

    def keys_of(self, doc_id: str) -> dict[str, str]:
        return self.outlets.get(doc_id, {})

    def known(self, doc_id: str) -> bool:
        return bool(self.outlets.get(doc_id))

    def names(self, doc_id: str, value: str | None) -> str | None:
        """How `value` was learnt to be this document's outlet, or None if it is not."""
        key = self.aliases.key(value)
        for own, how in self.keys_of(doc_id).items():
            if keys_match(key, own):
                return how
        return None

    def _variants(self, value: str | None) -> set[str]:
        """The keys naming the outlet `value` names: its own, and with a generic suffix added or dropped."""
        key = self.aliases.key(value)
        if not key:
            return set()
        variants = {key, *(key + suffix for suffix in GENERIC_SUFFIXES)}
        variants.update(key[: -len(s)] for s in GENERIC_SUFFIXES if key.endswith(s) and len(key) - len(s) >= 2)
        return variants

    def documents_of(self, value: str | None) -> list[str]:
        """The documents whose outlet `value` names."""
        found: set[str] = set()
        for variant in self._variants(value):
            found |= self.by_key.get(variant, set())
        return sorted(found)

    def documents_among(self, value: str | None, among: set[str]) -> list[str]:
        """`documents_of(value)` that are in `among`: a family's members, without gathering (and sorting)
        every document of a big outlet (a wire credited across a million documents)."""
        found: set[str] = set()
        for variant in self._variants(value):
            found |= self.by_key.get(variant, set()) & among
        return sorted(found)

    def is_corpus_outlet(self, value: str | None) -> bool:
        # Every key in by_key holds a document: no need to gather (and sort) a big outlet's documents.
        return any(self.by_key.get(variant) for variant in self._variants(value))


def site_host(value: str | None) -> str | None:
    """An outlet's host as people write it: 'https://www.m.rt.com/news/1' -> 'rt.com'.

    www., m., mobile. and amp. prefixes go (they are one outlet's other
    doors); other subdomains stay ('edition.cnn.com' is kept whole here, its
    outlet_key is still 'cnn').
    """
    host = host_of(value) if value else None
    if not host:
        return None
    parts = host.split(".")
    while len(parts) > 2 and parts[0] in ("www", "www1", "www2", "m", "mobile", "amp"):
        parts = parts[1:]
    return ".".join(parts)


def parse_aliases(text: str, origin: str = "aliases") -> Aliases:
    """Aliases from lines like 'RT = rt.com = Russia Today' ('#' starts a comment).

    Names in one group may be separated by '=', '|' or tabs; the first name
    of a group is its key. A line with a single name is an error (a one-name
    group says nothing).
    """
    aliases = Aliases()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        names = [n.strip() for n in re.split(r"\s*[=|\t]\s*", line) if n.strip()]
        if len(names) < 2 or any(outlet_key(n) is None for n in names):
            raise ValueError(f"{origin}: line {number}: expected two or more outlet names separated by '=', got {line!r}")
        aliases.add(*names)
    return aliases


def load_aliases(path) -> Aliases:
    """Aliases from a text file of 'name = name = ...' lines, or a JSON object {name: [names]}."""
    import json
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() != ".json":
        return parse_aliases(text, str(path))
    try:
        groups = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: malformed JSON: {err.msg} at line {err.lineno}") from err
    if not isinstance(groups, dict):
        raise ValueError(f"{path}: expected a JSON object of name -> list of names")
    aliases = Aliases()
    for name, others in groups.items():
        others = [others] if isinstance(others, str) else others
        if not isinstance(others, list) or not all(isinstance(o, str) for o in others):
            raise ValueError(f"{path}: {name!r}: expected a list of names")
        aliases.add(name, *others)
    return aliases

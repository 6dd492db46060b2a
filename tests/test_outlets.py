"""Outlet keys on the Public Suffix List (tldextract's bundled snapshot, offline)."""

from __future__ import annotations

import pytest

from copytrace.outlets import domain_key, outlet_key


@pytest.mark.parametrize(("value", "key"), [
    ("https://t.me/rian_ru/123", "t.me/rian_ru"),  # a channel on a platform, not the outlet "t"
    ("t.me", "t.me"),
    ("https://telegra.ph/Some-Post-08-01", "telegra.ph"),  # not "telegra"
    ("https://www.bbc.co.uk/news/world-1", "bbc"),  # co.uk is one public suffix
    ("bbc.co.uk", "bbc"),
    ("example.co.uk", "example"),
    ("co.uk", "co.uk"),  # a bare public suffix names no outlet's domain
    ("https://news.google.com/articles/x", "news.google.com"),  # the aggregator, not google.com
    ("google.com", "google"),
    ("https://m.sputniknews.com/world/1", "sputniknews"),
    ("Sputnik News", "sputniknews"),
    ("x.blogspot.com", "x.blogspot.com"),  # a private suffix: the blog, not "x"
    ("https://www.abc.net.au/news", "abc"),
    # Names off the list (reserved .example/.test, intranets): the last label is the suffix, so
    # twenty outlets under .example stay twenty outlets, not one called "example".
    ("https://www.news-one.example/a", "news-one"),
    ("wire.example", "wire"),
    ("foo.test", "foo"),
])
def test_outlet_keys(value, key):
    assert outlet_key(value) == key


def test_the_suffix_list_is_read_offline(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the suffix list must come from the bundled snapshot")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    domain_key.cache_clear()
    assert domain_key("news.bbc.co.uk") == "bbc" and domain_key("gov.uk") == "gov.uk"

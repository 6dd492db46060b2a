"""One settings object: everything a scan decides, stored and read back whole, compared field by field."""

from __future__ import annotations

import json

import pytest

from copytrace.outlets import parse_aliases
from copytrace.settings import (
    AlignSettings,
    AnchorSettings,
    ChromeSettings,
    CleanSettings,
    KeepRule,
    ProvenanceSettings,
    ScanSettings,
)


def rich_settings() -> ScanSettings:
    return ScanSettings(
        clean=CleanSettings(chrome_removal=True, chrome=ChromeSettings(min_repeat=4)),
        num_perm=128, shingle_size=4, reuse_share=0.5,
        anchors=AnchorSettings(window=6, max_df=30),
        keep=KeepRule(min_shared=10, min_containment=0.3),
        align=AlignSettings(seed_words=6),
        provenance=ProvenanceSettings(languages=("en", "ru")),
        aliases=parse_aliases("RT = rt.com = Russia Today"),
    )


def test_settings_round_trip_through_json_whole():
    settings = rich_settings()
    again = ScanSettings.from_json(settings.to_json())
    assert again == settings
    assert again.lsh == settings.lsh
    assert again.provenance.languages == ("en", "ru")
    assert again.aliases.same("Russia Today", "https://www.rt.com/news/1")
    assert json.loads(settings.to_json())["anchors"]["window"] == 6


def test_aliases_are_held_once_and_reach_provenance():
    settings = rich_settings()
    assert settings.provenance.aliases is settings.aliases
    assert "aliases" not in settings.to_dict()["provenance"]


def test_differences_name_the_settings_that_differ():
    settings = rich_settings()
    other = settings.replace(anchors=AnchorSettings(window=8, max_df=30), shingle_size=5)
    assert settings.differences(other) == ["anchors.window", "shingle_size"]
    assert settings.differences(ScanSettings.from_dict(settings.to_dict())) == []


def test_unknown_fields_are_refused_with_their_name():
    data = ScanSettings().to_dict()
    data["anchors"]["windw"] = 3
    with pytest.raises(ValueError, match="unknown AnchorSettings field.*windw"):
        ScanSettings.from_dict(data)


@pytest.mark.parametrize("changes, message", [
    ({"keep": KeepRule(min_shared=0)}, "min_shared must be at least 1"),
    ({"keep": KeepRule(min_containment=1.5)}, "min_containment must be between 0 and 1"),
    ({"clean": CleanSettings(chrome=ChromeSettings(min_repeat=1))}, "template pages must be at least 2"),
    ({"num_perm": 100}, "num_perm must be a power of two"),
    ({"reuse_share": 0.0}, "reuse share must be in"),
])
def test_check_refuses_settings_no_scan_can_run_with(changes, message):
    with pytest.raises(ValueError, match=message):
        ScanSettings(**changes).check()

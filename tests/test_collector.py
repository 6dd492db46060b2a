"""The cycle collector paused around provenance and verify: always resumed as it was, even on an error."""

import gc

import pytest

from copytrace.collector import collector_paused


def test_paused_inside_and_resumed_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_after_an_error():
    with pytest.raises(ValueError):
        with collector_paused():
            raise ValueError("boom")
    assert gc.isenabled()


def test_left_off_when_it_was_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator_each_call_pauses_it():
    @collector_paused()
    def inside():
        return gc.isenabled()

    assert inside() is False and inside() is False
    assert gc.isenabled()


def test_trace_leaves_the_collector_on():
    import pyarrow as pa

    from copytrace.stages.provenance import trace

    documents = pa.table({"id": ["a", "b"], "text": ["One story told here. " * 20, "One story told here. " * 20],
                          "family": [0, 0]})
    pairs = pa.table({"a": ["a"], "b": ["b"], "family_link": [True]})
    passages = pa.table({"a": ["a"], "b": ["b"], "a_start": [0], "a_end": [420], "b_start": [0], "b_end": [420],
                         "identity": [1.0]})
    result = trace(documents, pairs, passages)
    assert result.families.num_rows == 1 and result.edges.num_rows == 1
    assert gc.isenabled()


def test_fewer_collections_inside_a_scan_and_as_before_after():
    from copytrace.collector import YOUNG_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before


def _threshold():
    return gc.get_threshold()[0]


def test_a_scan_worker_collects_less_often():
    from copytrace.collector import YOUNG_THRESHOLD
    from copytrace.parallel import process_pool

    with process_pool(1) as pool:
        assert pool.submit(_threshold).result(timeout=60) == YOUNG_THRESHOLD
    assert gc.get_threshold()[0] != YOUNG_THRESHOLD  # the parent's own setting is the scan's to change

"""The Ray engine on a local Ray instance: the local engine's tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from copytrace.engines.local import LocalEngine  # noqa: E402
from copytrace.engines.ray import RayEngine  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from engines_corpus import write_corpus  # noqa: E402
from test_engines import assert_same_results  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_engine_gives_the_local_engine_results(local_ray, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", n_docs=200)
    expected = LocalEngine(tmp_path / "local", "16MB", shard_bytes=60_000, workers=1).scan([corpus])
    got = RayEngine(work_dir=tmp_path / "ray", shard_bytes=60_000, partitions=3).scan([corpus])
    assert got.stats["engine"] == "ray"
    assert expected.stats["families_with_copies"] >= 10
    assert len(list((tmp_path / "ray" / "documents").glob("part-*.arrow.done"))) >= 3  # several blocks
    assert_same_results(expected, got)

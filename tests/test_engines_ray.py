"""The Ray engine on a local Ray instance: the local engine's pairs and families, and hash-to-min components."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from copytrace.engines.local import LocalEngine  # noqa: E402
from copytrace.engines.ray import RayEngine, components  # noqa: E402
from copytrace.stages.families import connected_components  # noqa: E402

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


def test_label_propagation_numbers_families_as_union_find(local_ray):
    # A long path (many rounds without pointer jumping), a star, a triangle and singletons.
    rng = np.random.default_rng(1)
    path = rng.permutation(np.arange(10, 60))
    a = np.concatenate([path[:-1], np.full(5, 70), [80, 81, 82]])
    b = np.concatenate([path[1:], np.arange(71, 76), [81, 82, 80]])
    edges = ray.data.from_numpy(np.stack([a, b], axis=1)).map_batches(
        lambda batch: {"a": batch["data"][:, 0], "b": batch["data"][:, 1]}, batch_format="numpy")
    got = components(edges, 100)
    assert np.array_equal(got, connected_components(100, a, b))
    assert len(np.unique(got)) == 100 - 49 - 5 - 2

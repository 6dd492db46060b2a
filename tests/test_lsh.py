"""LSH settings: bands and rows from what the user wants found, the S-curve, and validation."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from copytrace.faces.cli import app
from copytrace.stages.candidates.lsh import LshParams, candidate_probability, jaccard_of_reuse


def test_defaults_give_128_bands_of_2_rows_for_256_permutations():
    params = LshParams.for_reuse()
    assert (params.bands, params.rows, params.num_perm) == (128, 2, 256)
    # A copy carrying 40% of its source and up to twice the source's length: J = 0.4 / 2.6.
    assert params.threshold == pytest.approx(0.4 / 2.6)


def test_jaccard_of_reuse():
    assert jaccard_of_reuse(1.0, 1.0) == 1.0  # a whole copy of the same size
    assert jaccard_of_reuse(0.5, 1.0) == pytest.approx(1 / 3)  # half shared: 0.5 / (1 + 1 - 0.5)
    assert jaccard_of_reuse(0.4, 2.0) == pytest.approx(0.153846, abs=1e-6)


def test_s_curve_values_of_the_default():
    params = LshParams.for_reuse()
    curve = dict(params.s_curve())
    expected = {j: 1 - (1 - j**2) ** 128 for j in curve}
    assert curve == pytest.approx(expected, abs=1e-12)
    assert curve[0.02] == pytest.approx(0.0499, abs=1e-3)  # unrelated texts rarely meet
    assert curve[0.1] == pytest.approx(0.7242, abs=1e-3)
    assert curve[0.2] == pytest.approx(0.9948, abs=1e-3)
    assert curve[0.5] == pytest.approx(1.0)
    values = list(curve.values())
    assert values == sorted(values)  # the S-curve rises with overlap


def test_threshold_is_found_with_the_asked_recall_and_no_more_rows_would_do():
    for share, ratio, perms in [(0.4, 2.0, 256), (0.8, 1.0, 128), (0.2, 3.0, 512), (0.9, 1.0, 64)]:
        params = LshParams.for_reuse(perms, share, ratio)
        at_threshold = candidate_probability(params.threshold, params.bands, params.rows)
        assert at_threshold >= 0.95
        assert params.bands * params.rows <= perms
        more_rows = params.rows + 1
        assert candidate_probability(params.threshold, perms // more_rows, more_rows) < 0.95


def test_near_duplicate_settings_use_longer_bands():
    loose, strict = LshParams.for_reuse(256, 0.4, 2.0), LshParams.for_reuse(256, 0.9, 1.0)
    assert strict.rows > loose.rows and strict.bands < loose.bands
    # A pair of Jaccard 0.3 is reuse to the loose settings, noise to the near-duplicate ones.
    assert candidate_probability(0.3, loose.bands, loose.rows) > 0.99
    assert candidate_probability(0.3, strict.bands, strict.rows) < 0.01
    assert 0 < strict.false_candidate_area() < strict.threshold


def test_candidate_probability_works_on_arrays():
    js = np.array([0.0, 0.5, 1.0])
    assert candidate_probability(js, 4, 2).tolist() == pytest.approx([0.0, 1 - 0.75**4, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reuse_share": 0.0}, "reuse share must be in"),
        ({"reuse_share": 1.5}, "reuse share must be in"),
        ({"reuse_share": 0.5, "size_ratio": 0.2}, "size ratio must be >= the reuse share"),
    ],
)
def test_bad_reuse_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LshParams.for_reuse(**kwargs)


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.01])
def test_bad_thresholds_are_refused(threshold):
    with pytest.raises(ValueError, match="threshold must be in"):
        LshParams.for_threshold(threshold)


@pytest.mark.parametrize("kwargs", [{"num_perm": 0}, {"num_perm": -4}, {"recall": 1.5}, {"recall": 0.0}])
def test_bad_signature_length_or_recall_is_refused(kwargs):
    with pytest.raises(ValueError):
        LshParams.for_threshold(0.2, **kwargs)


def test_lsh_command_prints_bands_rows_and_the_s_curve():
    result = CliRunner().invoke(app, ["lsh"])
    assert result.exit_code == 0, result.output
    assert "128 bands x 2 rows" in result.output
    assert "aimed at Jaccard 0.154" in result.output
    for j, p in LshParams.for_reuse().s_curve():
        assert f"{j:.2f}" in result.output and f"{p:.3f}" in result.output


def test_lsh_command_follows_the_settings_and_refuses_bad_ones():
    strict = CliRunner().invoke(app, ["lsh", "--reuse-share", "0.9", "--size-ratio", "1.0", "--num-perm", "128"])
    expected = LshParams.for_reuse(128, 0.9, 1.0)
    assert f"{expected.bands} bands x {expected.rows} rows" in strict.output
    bad = CliRunner().invoke(app, ["lsh", "--reuse-share", "0"])
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "error: reuse share must be in (0, 1], got 0.0"
    assert "Traceback" not in bad.output

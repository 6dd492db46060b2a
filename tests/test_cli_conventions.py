"""Command-line conventions: --version, python -m copytrace, --json, exit codes, -q, -v, the TOML config,
help panels and flags, and the 80-column summary wording."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import copytrace
from copytrace.faces.cli import app, main

from conftest import SEED_IDS

runner = CliRunner()


def invoke(*args: str, env: dict | None = None):
    result = runner.invoke(app, list(args), env={"COLUMNS": "80", **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_version_and_python_dash_m():
    assert invoke("--version").stdout.strip() == f"copytrace {copytrace.__version__}"
    done = subprocess.run([sys.executable, "-m", "copytrace", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"copytrace {copytrace.__version__}"
    done = subprocess.run([sys.executable, "-m", "copytrace", "lsh", "--json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["bands"] > 0


def test_exit_codes_usage_input_internal(tmp_path, monkeypatch, capsys):
    assert invoke("scan", str(tmp_path), "--min-shared", "0").exit_code == 2  # usage: a value no scan takes
    assert invoke("scan", "--no-such-option").exit_code == 2  # usage: click's own
    assert invoke("scan", str(tmp_path / "absent")).exit_code == 3  # input: nothing there
    (tmp_path / "blank.txt").write_text(" ")
    assert invoke("scan", str(tmp_path), "-o", str(tmp_path / "o"), "-q").exit_code == 3  # input: nothing usable

    def broken(*args, **kwargs):
        raise RuntimeError("a bug [with brackets]")

    monkeypatch.setattr("copytrace.pipeline.scan", broken)
    assert main(["scan", str(tmp_path), "-o", str(tmp_path / "o2"), "-q"]) == 4
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: a bug [with brackets]" in " ".join(err.split())
    assert "Traceback" not in err
    assert "Exit codes: 0 done, 2 usage, 3 input, 4 internal" in " ".join(invoke("--help").stdout.split())


def test_quiet_prints_nothing_and_json_is_one_document(lavrov_dir, tmp_path, cli):
    quiet = cli("scan", str(lavrov_dir), "-o", str(tmp_path / "q"), "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    as_json = cli("scan", str(lavrov_dir), "-o", str(tmp_path / "j"), "--json", "-q")
    summary = json.loads(as_json.stdout)
    assert summary["stats"]["families_with_copies"] == 1 and summary["out"] == str(tmp_path / "j")
    explained = cli("explain", SEED_IDS[2], "-o", str(tmp_path / "j"), "--json")
    account = json.loads(explained.stdout)
    assert account["id"] == SEED_IDS[2] and account["edges"] and account["passages"]
    assert account["family"]["original"] == SEED_IDS[0]


def test_verbose_prints_each_stage_time(lavrov_dir, tmp_path, cli):
    done = cli("scan", str(lavrov_dir), "-o", str(tmp_path / "v"), "-v")
    assert done.returncode == 0, done.stderr
    timings = [line.split() for line in done.stderr.splitlines() if line.rstrip().endswith(" s") and "━" not in line]
    stages = [t[0] for t in timings]
    assert {"ingest", "fingerprint", "verify", "align", "provenance", "write", "total"} <= set(stages), done.stderr
    # Each bar's clock stops with its stage: the ingest bar is full and shows its count
    ingest = next(line for line in done.stderr.splitlines() if line.startswith("ingest") and "━" in line)
    assert "3/3" in ingest


def test_config_file_sets_settings_and_options_override_it(lavrov_dir, tmp_path):
    from copytrace.faces.options import settings_from_options

    config = tmp_path / "copytrace.toml"
    config.write_text("num_perm = 128\nexplain = false\n[keep]\nmin_shared = 20\n[clean.chrome]\nmin_repeat = 5\n")
    got = settings_from_options(config=config, given=set())
    assert (got.num_perm, got.keep.min_shared, got.clean.chrome.min_repeat, got.explain) == (128, 20, 5, False)
    assert got.keep.min_containment == copytrace.ScanSettings().keep.min_containment  # the rest stays default
    over = settings_from_options(config=config, min_shared=9, given={"min_shared"})
    assert (over.num_perm, over.keep.min_shared) == (128, 9)
    # Through the command: the config's `explain = false` writes no passages; --explain on the line wins.
    assert invoke("scan", str(lavrov_dir), "-o", str(tmp_path / "a"), "-q", "--config", str(config)).exit_code == 0
    assert not (tmp_path / "a" / "passages.parquet").exists()
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["lsh"]["bands"] * 0 == 0
    assert invoke("scan", str(lavrov_dir), "-o", str(tmp_path / "b"), "-q", "--config", str(config),
                  "--explain").exit_code == 0
    assert pq.read_table(tmp_path / "b" / "passages.parquet").num_rows > 0


@pytest.mark.parametrize(("text", "message"), [
    ("num_perms = 128\n", "unknown ScanSettings field(s) num_perms"),
    ("num_perm = [\n", "not a TOML file"),
    ("num_perm = 100\n", "--num-perm must be a power of two"),
])
def test_a_bad_config_file_is_one_line(tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    result = invoke("scan", str(tmp_path), "--config", str(config))
    assert result.exit_code in (2, 3) and message in result.stderr and "Traceback" not in result.output


def test_help_groups_options_shows_aliases_markup_and_no_bool_values():
    text = invoke("scan", "--help", env={"COLUMNS": "200"}).stdout
    for panel in ("Input fields", "Output", "Detection (LSH)", "Keep rule", "Cleaning", "Engine and display"):
        assert f"─ {panel} " in text, panel
    assert '{"name": ["names"]}' in text
    assert "<bool>" not in text
    assert "--no-explain" in text and "--config" in text and "--json" in text


def test_summary_counts_do_not_read_as_that_many_families():
    from copytrace.faces.summary import counts_line

    stats = {"documents_read": 130, "documents_used": 128, "documents_rejected": 2, "candidate_pairs": 40,
             "kept_pairs": 30, "families_with_copies": 6, "families": 122, "passages": 50, "seconds": 1.0}
    line = counts_line(stats)
    assert "6[/] families with copies, 116 documents with none" in line and "122" not in line


def test_first_run_compiles_with_a_notice_and_a_bar_then_never_again(tmp_path, monkeypatch):
    from contextlib import contextmanager

    from copytrace.faces import warm

    class Recorder:
        def __init__(self):
            self.notes, self.steps = [], {}

        def note(self, message):
            self.notes.append(message)

        @contextmanager
        def task(self, description, total=None):
            self.steps[description] = [0, total]

            def advance(n=1):
                self.steps[description][0] += n

            yield advance

    monkeypatch.setattr(warm, "_stamp", lambda: tmp_path)  # no stamp yet: a fresh install's state
    assert not warm.kernels_cached()
    first = Recorder()
    assert warm.warm_kernels(first) == 7
    assert first.notes == ["first run: compiling the scan kernels (once; about a minute)"]
    assert first.steps == {"compile": [7, 7]}  # one step per stage of the warming scan, to its total
    assert warm.kernels_cached()
    again = Recorder()
    assert warm.warm_kernels(again) == 0 and again.notes == [] and again.steps == {}

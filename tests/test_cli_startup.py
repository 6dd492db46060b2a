"""`copytrace --help` and every command's help start without the scan machinery."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("numba", "duckdb", "pyarrow.compute", "scipy", "tldextract", "dateparser", "htmldate")

PROBE = """
import json, sys
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
import copytrace.faces.cli as cli
sys.argv = ["copytrace", *args]
try:
    cli.app()
except SystemExit as done:
    code = done.code
else:
    code = 0
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
"""


@pytest.mark.parametrize("args", [
    ["--help"], ["--version"], ["scan", "--help"], ["explain", "--help"], ["lsh", "--help"],
    ["index", "--help"], ["index", "create", "--help"], ["index", "add", "--help"],
    ["bench", "--help"], ["serve", "--help"], ["dedup", "--help"], ["warm", "--help"],
])
def test_help_loads_no_heavy_module(args):
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and ("Usage" in done.stdout or done.stdout.startswith("copytrace "))
    assert report["loaded"] == [], f"copytrace {' '.join(args)} imported {report['loaded']}"


# Modules that only some commands need: `copytrace --help` and `scan --help` load none of them.
COMMAND_MODULES = ("copytrace.faces.explain", "copytrace.faces.bench_cli", "copytrace.faces.index_cli",
                   "copytrace.faces.server.cli", "copytrace.faces.dedup", "pydantic")


@pytest.mark.parametrize("args", [["--help"], ["scan", "--help"], ["lsh", "--help"]])
def test_top_help_loads_no_other_command(args):
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(COMMAND_MODULES)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and "Usage" in done.stdout
    assert report["loaded"] == [], f"copytrace {' '.join(args)} imported {report['loaded']}"


def test_lazy_commands_listed_with_their_own_help_line():
    """The line `copytrace --help` shows for a command not loaded is the one the loaded command gives."""
    from copytrace.faces.lazy import LAZY_COMMANDS, load_command

    for name, (_, _, line) in LAZY_COMMANDS.items():
        command = load_command(name)
        own = command.short_help or command.get_short_help_str(limit=10_000)
        assert " ".join(own.split()) == line, name
        assert command.name == name


def test_lazy_commands_run():
    """Through the top-level app: the lazy commands listed, their help shown, an unknown name a usage error."""
    from typer.testing import CliRunner

    from copytrace.faces.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    for name in ("explain", "serve", "dedup", "bench", "index"):
        assert f" {name} " in listed.output
    assert runner.invoke(app, ["explain", "--help"]).exit_code == 0
    assert runner.invoke(app, ["nosuchcommand"]).exit_code == 2

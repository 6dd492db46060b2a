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

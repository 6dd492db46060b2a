"""Shared fixtures: the seed corpus, an unrelated news story, and ways to run the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAVROV = REPO / "examples" / "lavrov"
SEED_IDS = ("000_f6bf16f87c8d377a.txt", "001_029c3bd5a6ee19c6.txt", "002_980889d471020f42.txt")

# Written for the tests: a news story on another topic, in the register of the
# seeds (agency prose, quotes, attributions), so shared function words and
# news phrasing are present but no passage is.
OTHER_TOPIC = """\
Harbour authority approves dredging plan after months of delay

The port authority of a mid-sized northern city voted on Tuesday to deepen the main shipping
channel by two metres, ending a dispute with fishermen that had stalled the project since spring.

"We have listened to every objection and changed the timetable so that no work takes place during
the herring season," the authority's chair told reporters after the vote, adding that the first
dredgers would arrive in late autumn.

Local fishing cooperatives had argued that the sediment stirred up by the machines would drive fish
away from the bay for years. An independent study commissioned by the regional council found the
effect would last about eighteen months and recommended monitoring the water at six points.

The plan, which will cost an estimated forty million euros, is meant to let larger container ships
call at the port instead of unloading at a rival harbour further south. Shipping companies welcomed
the decision, while an environmental group said it would consider a legal challenge.

The council's transport committee is expected to review the monitoring results every quarter and
publish them online, the chair said.
"""


@pytest.fixture(scope="session")
def lavrov_dir() -> Path:
    return LAVROV


@pytest.fixture
def seeds_and_other(tmp_path: Path) -> Path:
    """A folder holding the three seeds and the unrelated story."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SEED_IDS:
        shutil.copy(LAVROV / name, folder / name)
    (folder / "harbour.txt").write_text(OTHER_TOPIC, encoding="utf-8")
    return folder


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float  # peak resident memory of the child process

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


# Linux starts a child's peak-memory figure at its parent's peak (the parent's
# address space is what exec replaces), so a child of this test process could
# report the test process's own peak. A small launcher runs the command instead
# and reports the peak of its own child, whose parent is small.
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "os.write(int(sys.argv[1]), str(usage.ru_maxrss).encode())\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> Finished:
    """Run `copytrace ARGS` in a child process and measure its peak memory."""
    child_env = {**os.environ, **(env or {}), "COLUMNS": "200"}
    report, report_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(report_end), sys.executable, "-m", "copytrace.faces.cli", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env, cwd=cwd or REPO, pass_fds=(report_end,),
        )
    finally:
        os.close(report_end)
    # Outputs are small; communicate reads both pipes so that neither fills.
    stdout, stderr = process.communicate()
    with os.fdopen(report, "rb") as figure:
        max_rss_kb = int(figure.read() or 0)
    return Finished(process.returncode, stdout.decode(), stderr.decode(), max_rss_kb / 1024)


@pytest.fixture(scope="session")
def cli():
    return run_cli

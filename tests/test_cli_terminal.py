"""`scan` and `explain` in a real terminal (tmux) at 80 columns: readable, and the screens kept.

The captures are saved under test-artifacts/terminal/ (or $COPYTRACE_ARTIFACTS/terminal/) for a person
to read. Skipped where tmux is absent (`apt-get install tmux`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import REPO, SEED_IDS

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
ARTIFACTS = Path(os.environ.get("COPYTRACE_ARTIFACTS", REPO / "test-artifacts")) / "terminal"


def screen(command: str, name: str, width: int = 80) -> str:
    """Run `command` in a tmux pane `width` columns wide; the whole pane (with its history) when it ends."""
    socket = f"copytrace-test-{uuid.uuid4().hex[:8]}"  # our own tmux server: nothing else's is touched
    done = f"__done_{uuid.uuid4().hex[:6]}__"
    env = f"PYTHONPATH={shlex.quote(str(REPO / 'src'))} TERM=xterm-256color"
    shell = f"cd {shlex.quote(str(REPO))} && {env} {command}; echo {done}; sleep 60"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", "50", "sh", "-c", shell], check=True)
    try:
        subprocess.run([*tmux, "set-option", "-g", "history-limit", "5000"], check=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            text = subprocess.run([*tmux, "capture-pane", "-p", "-S", "-", "-E", "-"], check=True,
                                  capture_output=True, text=True).stdout
            if done in text:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"{command} did not finish:\n{text}")
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    text = text[: text.index(done)].rstrip() + "\n"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.txt").write_text(text, encoding="utf-8")
    return text


def test_scan_and_explain_read_well_at_80_columns(lavrov_dir, tmp_path):
    python = shlex.quote(sys.executable)
    out = shlex.quote(str(tmp_path / "out"))
    scanned = screen(f"{python} -m copytrace scan {shlex.quote(str(lavrov_dir))} -o {out}", "scan-80")
    lines = scanned.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "1 family with copies;" in scanned and "in all" not in scanned
    # The pairs by their ids, whole on one line (not "#1 │ #2", nor folded across lines)
    assert f"  {SEED_IDS[0]} ↔ {SEED_IDS[1]}" in lines, scanned
    assert "jaccard 0.62, a in b 0.66, b in a 0.91, 346 shared" in scanned
    explained = screen(f"{python} -m copytrace explain {SEED_IDS[2]} -o {out}", "explain-80")
    lines = explained.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # Evidence reads as sentences: lines of its block hold many words, none a lone word
    evidence = [line for line in lines if line.strip().startswith("- ")]
    assert evidence and all(len(line.split()) >= 4 for line in evidence), explained
    assert sum(len(line.split()) == 1 for line in lines) < 0.1 * len(lines), explained

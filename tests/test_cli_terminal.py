"""`scan`, `explain`, `dedup`, `index add` and `index query` in a real terminal (tmux) at 80 columns.

Readable: no line folded a word at a time, ids whole (never `#1/#2` nor cut to `002_9…`), bars with their
totals. The captures are saved under test-artifacts/terminal/ (scan-80.txt, explain-80.txt, dedup-80.txt,
index-add-80.txt, index-query-80.txt; or $COPYTRACE_ARTIFACTS/terminal/) for a person to read. Skipped
where tmux is absent: `apt-get install -y tmux` is a set-up step of the test machine (.ci/run does it).
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


def test_dedup_and_index_add_and_query_read_well_at_80_columns(lavrov_dir, tmp_path):
    python = shlex.quote(sys.executable)
    out = shlex.quote(str(tmp_path / "deduped"))
    deduped = screen(f"{python} -m copytrace dedup {shlex.quote(str(lavrov_dir))} -o {out}", "dedup-80")
    lines = deduped.splitlines()
    # The two lines of the report whole, not folded by the terminal
    assert "kept 1 of 3 documents, dropped 2 (family rule, earliest first)" in lines, deduped
    # The line naming the folder (folded only where the path itself is longer than the screen)
    last = "".join(lines[lines.index("kept 1 of 3 documents, dropped 2 (family rule, earliest first)") + 1:])
    assert last == f"written to {tmp_path / 'deduped'}/; dropped.jsonl says why each was dropped", deduped

    index = tmp_path / "watch.ctx"
    subprocess.run([sys.executable, "-m", "copytrace", "index", "create", str(index)], check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    added = screen(f"{python} -m copytrace index add {shlex.quote(str(index))} {shlex.quote(str(lavrov_dir))}",
                   "index-add-80")
    # Bars with their totals: the records read, then the documents added
    bars = {line.split()[0] + " " + line.split()[1] if line.startswith("index add") else line.split()[0]: line
            for line in added.splitlines() if "━" in line}
    assert {"ingest", "clean", "index add"} <= set(bars), added
    assert all(" 3/3 " in bars[name] for name in ("ingest", "clean", "index add")), added
    assert "added 3, already present 0, rejected 0" in added, added
    suspect = shlex.quote(str(lavrov_dir / SEED_IDS[2]))
    queried = screen(f"{python} -m copytrace index query {shlex.quote(str(index))} --text-file {suspect}",
                     "index-query-80")
    lines = queried.splitlines()
    assert lines[0] == "3 match(es) for query", queried
    # Each match's id whole with its outlet (a table would cut the ids to "002_9…" at this width)
    assert f"  {SEED_IDS[2]}  The Duran" in lines, queried
    assert f"  {SEED_IDS[0]}  Sputnik News" in lines, queried
    assert "…" not in queried
    figures = [line for line in lines if "shingles shared" in line]
    assert len(figures) == 3 and all(line.startswith("      ") and "match in query" in line for line in figures)
    assert sum(len(line.split()) == 1 for line in lines) == 0, queried

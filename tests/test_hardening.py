"""Hostile input and hard stops: odd file names, long paths, links, unreadable folders, killed scans,
output folders, terminal escapes and no-op index adds (issue 17)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from copytrace.io import read_inputs

GOOD = "The committee approved the budget after a long debate on Monday evening."


def rejects_by_file(ingested) -> dict[str, str]:
    return {r["file"]: r["reason"] for r in ingested.rejects.to_pylist()}


# --- 1. names that are not UTF-8 ------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_read_under_an_escaped_id(tmp_path):
    (tmp_path / "ok.txt").write_text(GOOD)
    bad = os.path.join(os.fsencode(tmp_path), b"bad\xffname.txt")
    with open(bad, "wb") as handle:
        handle.write(GOOD.encode() + b" Again.")
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["bad\\xffname.txt", "ok.txt"]
    assert ingested.rejects.num_rows == 0


def test_scan_of_a_folder_with_a_name_that_is_not_utf8_writes_its_outputs(tmp_path):
    from typer.testing import CliRunner

    from copytrace.faces.cli import app

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(GOOD)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as handle:
        handle.write(GOOD.encode())
    result = CliRunner().invoke(app, ["scan", str(folder), "-o", str(tmp_path / "out"), "-q", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "caf\\\\xe9.txt" in (tmp_path / "out" / "documents.jsonl").read_text()


# --- 2. paths longer than PATH_MAX ----------------------------------------------------------


def _deep_folder(root: Path, levels: int, name_len: int = 200) -> None:
    """Folders nested past PATH_MAX (4096 bytes), made relative to open folders: no path is ever that long."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for k in range(levels):
            name = f"{k:02d}" + "d" * (name_len - 2)
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        file_fd = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(file_fd, GOOD.encode())
        os.close(file_fd)
    finally:
        os.close(fd)


def test_a_path_longer_than_path_max_is_a_reject_not_a_traceback(tmp_path):
    (tmp_path / "ok.txt").write_text(GOOD)
    _deep_folder(tmp_path / "", 24)  # 24 x 201 bytes: past PATH_MAX
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["ok.txt"]
    reasons = list(rejects_by_file(ingested).values())
    assert len(reasons) == 1 and "path too long" in reasons[0] and "PATH_MAX" in reasons[0]


# --- 3. links, loops, unreadable folders -------------------------------------------------------


def test_a_symlinked_subfolder_is_followed(tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "story.txt").write_text(GOOD)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "linked").symlink_to(real, target_is_directory=True)
    assert read_inputs([corpus]).documents["id"].to_pylist() == ["linked/story.txt"]


def test_a_symlink_loop_is_reported_as_a_loop(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "story.txt").write_text(GOOD)
    (tmp_path / "a" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")  # a link to itself: ELOOP
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["a/story.txt"]
    reasons = rejects_by_file(ingested)
    assert reasons["a/up"] == "symlink loop: the link leads back to the scanned folder"
    assert reasons["self.txt"].startswith("symlink loop")
    assert not any("broken link" in r for r in reasons.values())


def test_a_folder_linked_twice_is_read_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "story.txt").write_text(GOOD)
    (tmp_path / "b").symlink_to(tmp_path / "a", target_is_directory=True)
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["a/story.txt"]
    assert "already read as a/" in rejects_by_file(ingested)["b"]


def test_an_unreadable_subfolder_is_a_reject_with_its_reason(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden-story.txt").write_text(GOOD)
    real_scandir = os.scandir

    def scandir(path="."):  # as root chmod 000 does not stop a read: refuse the listing as the OS would
        if os.fspath(path).rstrip("/").endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["ok.txt"]
    assert rejects_by_file(ingested) == {"locked": "cannot read folder: permission denied"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_folder_without_read_permission_is_a_reject(tmp_path):
    (tmp_path / "ok.txt").write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "story.txt").write_text(GOOD)
    locked.chmod(0)
    try:
        assert rejects_by_file(read_inputs([tmp_path])) == {"locked": "cannot read folder: permission denied"}
    finally:
        locked.chmod(0o755)


def test_a_fifo_is_a_reject_not_a_hang(tmp_path):
    (tmp_path / "ok.txt").write_text(GOOD)
    os.mkfifo(tmp_path / "pipe.txt")
    assert "not a regular file" in rejects_by_file(read_inputs([tmp_path]))["pipe.txt"]


def test_a_truncated_gzip_keeps_what_was_read_and_rejects_the_rest(tmp_path):
    import gzip
    import json

    rows = "".join(json.dumps({"id": f"d{k}", "text": f"{GOOD} {k} " * 40}) + "\n" for k in range(200))
    whole = gzip.compress(rows.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    ingested = read_inputs([tmp_path])
    reasons = rejects_by_file(ingested)
    assert list(reasons) == ["cut.jsonl.gz"] and "unreadable" in reasons["cut.jsonl.gz"]


# --- 7. terminal escape injection ----------------------------------------------------------------

PAYLOADS = {
    "clear": "\x1b[2J\x1b[H",
    "clipboard": "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "title": "\x1b]0;pwned\x1b\\",
    "c1_csi": "\x9b31m",
    "bidi": "\u202etxt.exe",
    "bell": "\x07\x08",
}
HOSTILE = "".join(PAYLOADS.values())
STORY = " ".join(f"The harbour board met on day {k} and agreed to widen the northern channel by two metres."
                 for k in range(30))


def _assert_clean(output: str) -> None:
    for name, payload in PAYLOADS.items():
        assert payload not in output, name
    for forbidden in ("\x1b", "\x9b", "\x07", "\u202e", "]52;"):
        assert forbidden not in output, repr(forbidden)


def test_clean_text_strips_sequences_controls_and_bidi():
    from copytrace.faces.terminal import clean_text

    assert clean_text(f"Budget{HOSTILE} passes") == "Budgettxt.exe passes"
    assert clean_text("line one\nline two\ttab") == "line one\nline two\ttab"
    assert clean_text("Москва: бюджет принят") == "Москва: бюджет принят"
    assert clean_text("unterminated \x1b]52;c;AAAA") == "unterminated "


def test_a_safe_console_keeps_its_own_styles_and_drops_the_payload():
    import io

    from copytrace.faces.terminal import SafeConsole

    buffer = io.StringIO()
    SafeConsole(file=buffer, force_terminal=True, color_system="standard").print(
        "[bold]title:[/] ", f"Budget{HOSTILE}", markup=True)
    text = buffer.getvalue()
    assert "\x1b[1m" in text  # rich's bold, not the text's
    assert "]52;" not in text and "\x1b[2J" not in text and "\u202e" not in text and "pwned" not in text
    assert "Budgettxt.exe" in text


def test_scan_and_explain_print_no_escape_sequences_from_titles_and_outlets(tmp_path):
    import json

    from typer.testing import CliRunner

    from copytrace.faces.cli import app

    rows = [{"id": f"doc{HOSTILE}{k}", "text": STORY + (" Extra words." * k), "title": f"Title{HOSTILE}{k}",
             "source": f"Outlet{HOSTILE}{k}", "date": f"2024-01-0{k + 1}"} for k in range(3)]
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    scanned = runner.invoke(app, ["scan", str(corpus), "-o", str(tmp_path / "out")])
    assert scanned.exit_code == 0, scanned.output
    assert "Outlet" in scanned.output  # the outlets are shown, cleaned
    _assert_clean(scanned.output)
    explained = runner.invoke(app, ["explain", rows[1]["id"], "-o", str(tmp_path / "out")])
    assert explained.exit_code == 0, explained.output
    _assert_clean(explained.output)


# --- 4. worker pools die with their scan -----------------------------------------------------------

POOL_SCRIPT = """
import sys, time
from contextlib import nullcontext
from copytrace.engines.local import LocalEngine
try:
    from copytrace.parallel import sigterm_as_interrupt
except ImportError:  # a version without it: the kill -9 check still runs
    sigterm_as_interrupt = nullcontext

engine = LocalEngine(sys.argv[1], workers=2)
with sigterm_as_interrupt(), engine.pool():
    print("started", flush=True)
    list(engine.map_chunks(time.sleep, [120, 120, 120]))
"""


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc: children of each thread), recursively."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie nobody reaps is dead: orphans in a container may wait for an init that never reaps)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _survivors_after(signum: int, tmp_path: Path) -> tuple[set[int], int | None]:
    import signal
    import subprocess
    import sys
    import time

    import copytrace

    env = {**os.environ, "PYTHONPATH": str(Path(copytrace.__file__).resolve().parents[1])}  # the copytrace under test
    proc = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT, str(tmp_path / "work")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 60
        while len(descendants(proc.pid)) < 3 and time.monotonic() < deadline:  # two workers and the tracker
            time.sleep(0.1)
        children = descendants(proc.pid)
        assert len(children) >= 2, children
        proc.send_signal(signum)
        code = proc.wait(30)
        deadline = time.monotonic() + 15
        while any(alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        return {c for c in children if alive(c)}, code
    finally:
        for child in descendants(proc.pid):
            os.kill(child, signal.SIGKILL)
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_workers_die_when_the_scan_is_killed_with_sigkill(tmp_path):
    import signal

    left, code = _survivors_after(signal.SIGKILL, tmp_path)
    assert code == -signal.SIGKILL
    assert left == set()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_sigterm_stops_the_scan_like_ctrl_c_and_its_workers_with_it(tmp_path):
    import signal

    left, code = _survivors_after(signal.SIGTERM, tmp_path)
    assert code not in (0, None)
    assert left == set()


# --- 5. outputs moved into place, whole sets, other corpora refused ------------------------------------


def _corpus(folder: Path, words: str) -> Path:
    folder.mkdir()
    for k in range(3):
        (folder / f"{words}{k}.txt").write_text(STORY.replace("harbour", words) + f" Note {k}.")
    return folder


def _scan(*args: str):
    from typer.testing import CliRunner

    from copytrace.faces.cli import app

    return CliRunner().invoke(app, ["scan", *args, "-q"])


def test_a_scan_of_other_inputs_into_a_used_folder_is_refused_unless_overwrite(tmp_path):
    a, b, out = _corpus(tmp_path / "a", "harbour"), _corpus(tmp_path / "b", "airport"), tmp_path / "out"
    assert _scan(str(a), "-o", str(out), "--report").exit_code == 0
    assert (out / "report.html").is_file() and (out / "documents.parquet").is_file()
    refused = _scan(str(b), "-o", str(out), "--format", "jsonl")
    assert refused.exit_code == 2
    assert "other inputs" in refused.output and "--overwrite" in refused.output
    assert "Traceback" not in refused.output and len(refused.output.strip().splitlines()) == 1
    assert _scan(str(b), "-o", str(out), "--format", "jsonl", "--overwrite").exit_code == 0
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert "report.html" not in names and not any(n.endswith(".parquet") for n in names)  # nothing of A's run
    assert "documents.jsonl" in names and "summary.json" in names
    from copytrace.io.output import read_scan

    assert sorted(read_scan(out).documents["id"].to_pylist()) == ["airport0.txt", "airport1.txt", "airport2.txt"]


def test_a_rescan_of_the_same_inputs_replaces_its_outputs_without_asking(tmp_path):
    a, out = _corpus(tmp_path / "a", "harbour"), tmp_path / "out"
    assert _scan(str(a), "-o", str(out), "--report").exit_code == 0
    assert _scan(str(a), "-o", str(out), "--format", "jsonl").exit_code == 0
    names = {p.name for p in out.iterdir()}
    assert "report.html" not in names and "documents.parquet" not in names and "documents.jsonl" in names
    assert not list(tmp_path.glob(".out.partial-*"))  # the partial folder is gone


def test_a_folder_with_outputs_of_unknown_origin_is_refused(tmp_path):
    a, out = _corpus(tmp_path / "a", "harbour"), tmp_path / "out"
    out.mkdir()
    (out / "pairs.jsonl").write_text("{}\n")
    result = _scan(str(a), "-o", str(out))
    assert result.exit_code == 2 and "--overwrite" in result.output
    assert (out / "pairs.jsonl").read_text() == "{}\n"


def test_a_write_stopped_midway_leaves_the_earlier_outputs_whole(tmp_path, monkeypatch):
    from copytrace.io import output

    a, out = _corpus(tmp_path / "a", "harbour"), tmp_path / "out"
    assert _scan(str(a), "-o", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    result = output.read_scan(out)

    def killed(self, folder, format):  # the process dies half-way through writing the new files
        (folder / "documents.parquet").write_bytes(b"PAR1 truncated")
        raise KeyboardInterrupt

    monkeypatch.setattr(output.ScanResult, "_write_files", killed)
    with pytest.raises(KeyboardInterrupt):
        result.write(out, inputs=[a])
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not list(tmp_path.glob(".out.partial-*"))


def test_outputs_left_half_replaced_are_refused_by_readers(tmp_path):
    import json

    from copytrace.io.output import MARKER, ScanOutputError, read_scan

    a, out = _corpus(tmp_path / "a", "harbour"), tmp_path / "out"
    assert _scan(str(a), "-o", str(out)).exit_code == 0
    marker = json.loads((out / MARKER).read_text())
    (out / MARKER).write_text(json.dumps({**marker, "state": "replacing"}))
    with pytest.raises(ScanOutputError, match="stopped while moving"):
        read_scan(out)


# --- 9. the local engine's work folder, no-op index adds ------------------------------------------------


def test_the_local_engines_work_folder_goes_after_a_successful_scan_unless_kept(tmp_path):
    a = _corpus(tmp_path / "a", "harbour")
    assert _scan(str(a), "-o", str(tmp_path / "out"), "--engine", "local").exit_code == 0
    assert (tmp_path / "out" / "documents.parquet").is_file() and not (tmp_path / "out" / ".work").exists()
    assert _scan(str(a), "-o", str(tmp_path / "kept"), "--engine", "local", "--keep-work").exit_code == 0
    assert (tmp_path / "kept" / ".work" / "manifest.json").is_file()


def test_a_work_dir_holding_other_files_keeps_them(tmp_path):
    from copytrace.engines.shards import remove_work_dir

    work = tmp_path / "work"
    (work / "documents").mkdir(parents=True)
    (work / "manifest.json").write_text("{}")
    (work / "mine.txt").write_text("keep me")
    remove_work_dir(work)
    assert sorted(p.name for p in work.iterdir()) == ["mine.txt"]


def test_an_index_add_that_adds_nothing_records_no_batch_and_does_not_grow_the_file(tmp_path):
    from typer.testing import CliRunner

    from copytrace.faces.cli import app

    a, index = _corpus(tmp_path / "a", "harbour"), tmp_path / "ix.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["index", "create", str(index)]).exit_code == 0
    assert runner.invoke(app, ["index", "add", str(index), str(a)]).exit_code == 0

    def batches() -> int:
        import duckdb

        with duckdb.connect(str(index), read_only=True) as db:
            return db.execute("select count(*) from batches").fetchone()[0]

    size, recorded = index.stat().st_size, batches()
    for _ in range(3):
        again = runner.invoke(app, ["index", "add", str(index), str(a)])
        assert again.exit_code == 0 and "added 0, already present 3" in again.output
    assert batches() == recorded == 1
    assert index.stat().st_size == size


def test_the_local_engine_scans_a_folder_with_odd_names_and_a_path_past_path_max(tmp_path):
    a = _corpus(tmp_path / "a", "harbour")
    with open(os.path.join(os.fsencode(a), b"caf\xe9.txt"), "wb") as handle:
        handle.write(STORY.encode())
    _deep_folder(a, 24)
    result = _scan(str(a), "-o", str(tmp_path / "out"), "--engine", "local", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rejects = (tmp_path / "out" / "rejects.jsonl").read_text()
    assert "path too long" in rejects and "caf\\\\xe9.txt" in (tmp_path / "out" / "documents.jsonl").read_text()


def test_an_error_set_off_by_sigterm_is_still_a_stop():
    import signal

    from copytrace.parallel import Stopped, sigterm_as_interrupt

    with pytest.raises(Stopped):
        with sigterm_as_interrupt():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):  # the handler runs between bytecodes
                    pass
            except KeyboardInterrupt:
                raise RuntimeError("cannot rollback - no transaction is active")  # what clean-up may raise

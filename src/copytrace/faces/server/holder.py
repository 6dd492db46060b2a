"""Who holds an index: `copytrace serve` leaves a note beside the file, and lock errors name the holder.

DuckDB lets one process open a database file for writing, and none other
(not even read-only) while it does. A server holds its index for as long as
it runs, so `copytrace index query|add|stats` cannot open it: the error
then says which process holds it and, when that is a server, its URL, where
the same queries and adds work (POST /search, POST /documents).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

LOCK_PID = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


def note_path(index: str | Path) -> Path:
    return Path(str(index) + ".serving.json")


def leave_note(index: str | Path, url: str):
    """Note beside the index that this process serves it at `url`; returns the function that removes
    the note (called at the server's shutdown: uvicorn re-raises SIGTERM after it, so a `finally`
    around `uvicorn.run` would not run)."""
    note = note_path(index)
    try:
        note.write_text(json.dumps({"pid": os.getpid(), "url": url}), encoding="utf-8")
    except OSError:
        return lambda: None  # a read-only folder: the lock message then names the process without its URL

    def remove() -> None:
        try:
            if json.loads(note.read_text(encoding="utf-8")).get("pid") == os.getpid():
                note.unlink()
        except (OSError, ValueError):
            pass
    return remove


def _command_line(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)[:200] or None


def lock_message(index: str | Path, error: str) -> str | None:
    """A one-line message naming the process that holds `index` (from DuckDB's lock error), or None when
    the error is not a lock conflict."""
    found = LOCK_PID.search(error)
    if not found:
        return None
    pid = int(found.group(2))
    url = None
    try:
        note = json.loads(note_path(index).read_text(encoding="utf-8"))
        url = note.get("url") if note.get("pid") == pid else None
    except (OSError, ValueError):
        pass
    if url:
        return (f"{index}: in use by `copytrace serve` (pid {pid}) at {url}: query and add through it "
                f"(POST {url}search, POST {url}documents, GET {url}health), or stop it to use the index here")
    command = _command_line(pid) or found.group(1)
    return (f"{index}: in use by another process (pid {pid}: {command}); DuckDB lets one process open an index "
            "at a time: wait for it to finish or stop it")

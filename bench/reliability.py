"""Reliability: hostile inputs and hard stops, counted (issue 17).

    PYTHONPATH=src .venv/bin/python bench/reliability.py [--docs 4000] [--index-docs 2000] [--parts malformed,scan,index]

1. Malformed inputs: one folder holding every case of bad input we know of (empty, binary, bad UTF-8,
   Latin-1, UTF-16, broken JSON lines, ragged CSV, truncated gzip and WARC, a 50 MB document, duplicate
   ids, NUL bytes, a name that is not UTF-8, a path past PATH_MAX, symlinks to files and folders, loops,
   a broken link, a fifo, a deep tree, escape sequences in titles), scanned by the memory and the local
   engine. Every file the walk meets must end up in the documents or the rejects, and every record of a
   line-based file too: inputs = results + rejects, no traceback.
2. Hard stops of a local scan: kill -9 and SIGTERM at every stage (ingest, clean, fingerprint,
   candidates, verify, align, trace, output, the final write), each resumed by running the same
   command again and compared table by table with an uninterrupted run; the worker processes and
   the resource tracker must all be gone after the stop.
3. Hard stops of `index add` (batches of --batch-docs), killed at several points, resumed, and the
   index compared with an uninterrupted one (documents, pairs, families, batches).

Prints the counts: inputs lost, tracebacks, processes left after a stop, resumes identical.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}
CLI = [PY, "-c", "from copytrace.faces.cli import app; app()"]
STORY = ("The regional council voted on Tuesday to widen the northern harbour channel by two metres, ending a "
         "dispute with fishing cooperatives that had stalled the project since spring. ")
HOSTILE = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\u202e"


# --- processes -------------------------------------------------------------------------------------


def descendants(pid: int) -> set[int]:
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
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def run_tracked(cmd: list[str], stop_when=None, signum: int | None = None, timeout: float = 900):
    """Run `cmd`; when `stop_when()` becomes true send `signum`. Returns (code, stderr, left, stopped_at):
    `left` the descendants ever seen that are still alive 10 s after the process ended."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=err)
        seen, stopped_at, started = set(), None, time.monotonic()
        while proc.poll() is None:
            seen |= descendants(proc.pid)
            if stop_when is not None and stopped_at is None:
                hit = stop_when()
                if hit:
                    seen |= descendants(proc.pid)
                    proc.send_signal(signum)
                    stopped_at = hit
            if time.monotonic() - started > timeout:
                proc.kill()
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = {p for p in seen if alive(p)}
        for p in left:  # counted; then cleaned up so one case does not spoil the next
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        err.seek(0)
        return proc.returncode, err.read().decode("utf-8", "replace"), left, stopped_at


# --- 1. malformed inputs -------------------------------------------------------------------------------


def _warc_record(url: str, html: str) -> bytes:
    body = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}".encode()
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2024-05-01T10:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash(url)):032x}>\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body + b"\r\n\r\n"


def _page(k: int) -> str:
    return (f"<html><head><title>Story {k}</title></head><body><article><h1>Story {k}</h1>"
            + "".join(f"<p>{STORY} Paragraph {j} of story {k}.</p>" for j in range(6)) + "</article></body></html>")


def build_malformed(root: Path) -> dict[str, int | None]:
    """The corpus; returns the records each file holds (None: a file that is one input, or cannot be counted)."""
    root.mkdir()
    expect: dict[str, int | None] = {}

    def put(name: str, data: bytes, records: int | None = None) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expect[name] = records

    put("ok.txt", STORY.encode() * 3)
    put("empty.txt", b"")
    put("blank.txt", b"   \n\t\n")
    put("binary.txt", bytes(range(256)) * 40)
    put("binary.dat", os.urandom(4096))  # an unknown type
    put("bad-utf8.txt", STORY.encode() + b"\xc3\x28 broken \xff")
    put("latin1.txt", ("Caf\u00e9 cr\u00e8me " + STORY).encode("latin-1"))
    put("utf16.txt", ("\ufeff" + STORY * 2).encode("utf-16"))
    put("nul.txt", STORY.encode() + b"\x00\x00" + STORY.encode())
    put("big.txt", (STORY * (50 * 2**20 // len(STORY) + 1)).encode())  # 50 MB: over the 16 MB default
    rows = [json.dumps({"id": "j1", "text": STORY * 2, "title": f"Title {HOSTILE}", "source": f"Out{HOSTILE}let"}),
            '{"id": "j2", "text": "unterminated',
            "not json at all",
            json.dumps(["a", "list"]),
            json.dumps({"id": "j3"}),
            json.dumps({"id": "j1", "text": STORY}),  # duplicate id
            json.dumps({"id": "j4", "text": "\ud800 lone surrogate " + STORY}),
            json.dumps({"id": "j5", "text": STORY + "\u0000" + STORY}),
            json.dumps({"id": "", "text": STORY}),
            json.dumps({"id": "j6", "text": STORY * 3, "date": "not a date"})]
    put("lines.jsonl", ("\n".join(rows) + "\n").encode(), len(rows))
    put("dupes.jsonl", (json.dumps({"id": "j6", "text": STORY + " again"}) + "\n").encode(), 1)  # id of lines.jsonl
    ragged = "id,text,source\nc1,\"" + STORY + "\",Wire\nc2,short row\nc3,\"" + STORY + "\",Wire,extra,fields\n" \
             "c4,\"unterminated quote\n"
    put("ragged.csv", ragged.encode(), None)
    whole = gzip.compress("".join(json.dumps({"id": f"g{k}", "text": STORY * 4 + str(k)}) + "\n"
                                  for k in range(300)).encode())
    put("cut.jsonl.gz", whole[: len(whole) // 2])
    put("notgzip.jsonl.gz", b"this is not gzip at all")
    warc = b"".join(_warc_record(f"https://example.org/{k}", _page(k)) for k in range(8))
    put("cut.warc", warc[: int(len(warc) * 0.6)])
    put("cut.warc.gz", gzip.compress(warc)[: len(gzip.compress(warc)) // 2])
    put("page.html", _page(99).encode())
    put("garbage.html", os.urandom(2000))
    put("feed.xml", b"<?xml version='1.0'?><rss><channel><item><title>x</title><description>unclosed")
    put("broken.parquet", b"PAR1 not really parquet PAR1")
    # A name that is not UTF-8.
    bad_name = os.path.join(os.fsencode(root), b"caf\xe9-latin1-name.txt")
    with open(bad_name, "wb") as handle:
        handle.write(STORY.encode() * 2)
    expect["caf\\xe9-latin1-name.txt"] = None
    # Links: to a file, to a folder, a loop back up, a link to itself, a broken one.
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "linked-story.txt").write_text(STORY * 2)
    expect["elsewhere/linked-story.txt"] = None
    os.symlink(root / "ok.txt", root / "link-to-file.txt")
    expect["link-to-file.txt"] = None
    os.symlink(root / "elsewhere", root / "linked-folder")
    expect["linked-folder"] = None  # a folder already read: one reject
    os.symlink(root, root / "elsewhere" / "loop")
    expect["elsewhere/loop"] = None
    os.symlink(root / "self.txt", root / "self.txt")
    expect["self.txt"] = None
    os.symlink(root / "nowhere.txt", root / "broken-link.txt")
    expect["broken-link.txt"] = None
    os.mkfifo(root / "fifo.txt")
    expect["fifo.txt"] = None
    # A deep tree (300 levels), and a path past PATH_MAX (24 levels of 200-byte names).
    _nested(root, "deep", ["d"] * 300)
    expect["deep/" + "d/" * 300 + "leaf.txt"] = None
    _nested(root, "long", [f"{k:02d}" + "x" * 198 for k in range(24)])
    expect["long"] = None  # somewhere under it, one reject: path too long
    return expect


def _nested(root: Path, top: str, names: list[str]) -> None:
    """root/top/names.../leaf.txt, made relative to open folders (so a path past PATH_MAX can be made)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for name in [top, *names]:
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        leaf = os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(leaf, (STORY * 2).encode())
        os.close(leaf)
    finally:
        os.close(fd)


def _accounted(out: Path) -> tuple[dict[str, int], dict[str, int], int]:
    from copytrace.io.output import read_scan

    result = read_scan(out)
    docs: dict[str, int] = {}
    for origin in result.documents["origin"].to_pylist():
        file = origin.split(" (")[0].rsplit(":", 1)[0]  # "page.html:1 (from the page: title)"
        docs[file] = docs.get(file, 0) + 1
    rejects: dict[str, int] = {}
    for file in result.rejects["file"].to_pylist():
        rejects[file] = rejects.get(file, 0) + 1
    return docs, rejects, result.documents.num_rows + result.rejects.num_rows


def malformed(tmp: Path) -> dict:
    corpus = tmp / "malformed"
    expect = build_malformed(corpus)
    report = {}
    for engine in ("memory", "local"):
        out = tmp / f"malformed-{engine}"
        code, err, left, _ = run_tracked(CLI + ["scan", str(corpus), "-o", str(out), "-q", "--engine", engine,
                                                "--memory", "256MB"])
        row = {"exit": code, "tracebacks": err.count("Traceback"), "processes_left": len(left)}
        if code == 0:
            docs, rejects, total = _accounted(out)
            lost = []
            for name, records in expect.items():
                under = [f for f in set(docs) | set(rejects) if f == name or f.startswith(name + "/")]
                got = sum(docs.get(f, 0) + rejects.get(f, 0) for f in under)
                if got == 0 or (records is not None and got < records):
                    lost.append(name)
            stats = json.loads((out / "summary.json").read_text())
            row.update({"files": len(expect), "results": sum(docs.values()), "rejects": sum(rejects.values()),
                        "inputs_lost": len(lost), "lost": lost,
                        "read_equals_used_plus_rejected":
                            stats["documents_read"] == stats["documents_used"] + stats["documents_rejected"]})
        else:
            row["error"] = err.strip().splitlines()[-1:] if err.strip() else []
        report[engine] = row
    return report


# --- 2. hard stops of a local scan ----------------------------------------------------------------------

SCAN_STAGES = ("raw", "documents", "fingerprint", "candidates", "verify", "align", "trace", "output", "write")


def write_corpus(folder: Path, docs: int) -> None:
    from corpus import build

    documents, _ = build(docs, seed=7)
    folder.mkdir()
    rows = documents.to_pylist()
    per_file = max(1, len(rows) // 8)
    for f in range(0, len(rows), per_file):
        with open(folder / f"part-{f // per_file:02d}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows[f:f + per_file]:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _stage_reached(out: Path, stage: str):
    work = out / ".work"

    def check():
        if stage == "write":
            return "write" if list(out.parent.glob(f".{out.name}.partial-*")) else None
        folder = work / stage
        return stage if folder.is_dir() and any(folder.iterdir()) else None
    return check


def same_outputs(a: Path, b: Path) -> tuple[bool, list[str]]:
    from copytrace.io.output import ScanOutput

    left, right = ScanOutput(a), ScanOutput(b)
    differ = [n for n in sorted(set(left.names()) | set(right.names()) | {"rejects"})
              if (left.get(n) is None) != (right.get(n) is None)
              or (left.get(n) is not None and not left.get(n).equals(right.get(n)))]
    return not differ, differ


def scan_stops(tmp: Path, docs: int) -> dict:
    corpus = tmp / "scan-corpus"
    write_corpus(corpus, docs)
    scan = lambda out: CLI + ["scan", str(corpus), "-o", str(out), "-q", "--engine", "local",  # noqa: E731
                              "--memory", "64MB", "--keep-work"]
    started = time.perf_counter()
    code, err, left, _ = run_tracked(scan(tmp / "reference"))
    reference_seconds = time.perf_counter() - started
    assert code == 0, err
    rows = []
    for signum in (signal.SIGKILL, signal.SIGTERM):
        for stage in SCAN_STAGES:
            out = tmp / f"stop-{signum.name}-{stage}"
            code, err, left, hit = run_tracked(scan(out), _stage_reached(out, stage), signum)
            code2, err2, left2, _ = run_tracked(scan(out))
            same, differ = same_outputs(tmp / "reference", out) if code2 == 0 else (False, ["resume failed"])
            rows.append({"signal": signum.name, "stage": stage, "stopped": hit is not None, "exit": code,
                         "processes_left": len(left) + len(left2),
                         "tracebacks": err.count("Traceback") + err2.count("Traceback"),
                         "resumed": code2 == 0, "identical": same, "differ": differ})
            print(f"  {signum.name:8s} {stage:12s} stopped={hit is not None} exit={code} left={len(left)} "
                  f"resume={code2} identical={same} {differ or ''}", flush=True)
    return {"reference_seconds": round(reference_seconds, 1), "runs": rows}


# --- 3. hard stops of index add -------------------------------------------------------------------------


def index_tables(path: Path) -> dict:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as db:
        q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
        return {"documents": q("select doc, id, digest, family, batch from documents order by doc"),
                "pairs": q("select a, b, jaccard, shared_shingles, family_link from pairs order by a, b"),
                "families": q("select family, size, original, members from families order by family"),
                "batches": q("select batch, label, added, present, rejected from batches order by batch")}


def index_stops(tmp: Path, docs: int, batch_docs: int) -> dict:
    corpus = tmp / "index-corpus"
    write_corpus(corpus, docs)

    def fresh(path: Path) -> None:
        code, err, _, _ = run_tracked(CLI + ["index", "create", str(path)])
        assert code == 0, err

    add = lambda path: CLI + ["index", "add", str(path), str(corpus), "--batch-docs", str(batch_docs)]  # noqa: E731
    reference = tmp / "reference.duckdb"
    fresh(reference)
    started = time.perf_counter()
    code, err, _, _ = run_tracked(add(reference))
    seconds = time.perf_counter() - started
    assert code == 0, err
    # A re-run that adds nothing: no batch recorded, the file does not grow.
    size = reference.stat().st_size
    run_tracked(add(reference))
    rerun_noop = {"grew_bytes": reference.stat().st_size - size,
                  "batches": len(index_tables(reference)["batches"])}
    wanted = index_tables(reference)
    rows = []
    for signum in (signal.SIGKILL, signal.SIGTERM):
        for share in (0.2, 0.45, 0.7, 0.9):
            path = tmp / f"index-{signum.name}-{int(share * 100)}.duckdb"
            fresh(path)
            at = time.monotonic() + share * seconds
            code, err, left, _ = run_tracked(add(path), lambda: time.monotonic() >= at or None, signum)
            code2, err2, left2, _ = run_tracked(add(path))
            got = index_tables(path) if code2 == 0 else {}
            differ = [k for k in wanted if got.get(k) != wanted[k]]
            rows.append({"signal": signum.name, "at": share, "exit": code, "processes_left": len(left) + len(left2),
                         "tracebacks": err.count("Traceback") + err2.count("Traceback"), "resumed": code2 == 0,
                         "identical": not differ, "differ": differ})
            print(f"  {signum.name:8s} at {share:.0%} of the add: exit={code} left={len(left)} resume={code2} "
                  f"identical={not differ} {differ or ''}", flush=True)
    return {"reference_seconds": round(seconds, 1), "rerun_adding_nothing": rerun_noop, "runs": rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=4000, help="documents of the killed local scans")
    parser.add_argument("--index-docs", type=int, default=2000, help="documents of the killed index adds")
    parser.add_argument("--batch-docs", type=int, default=250)
    parser.add_argument("--parts", default="malformed,scan,index")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="copytrace-reliability-") as tmp:
        tmp = Path(tmp)
        if "malformed" in parts:
            print("malformed inputs", flush=True)
            report["malformed"] = malformed(tmp)
            for engine, row in report["malformed"].items():
                print(f"  {engine}: {json.dumps(row)}", flush=True)
        if "scan" in parts:
            print(f"hard stops of a local scan ({args.docs} documents)", flush=True)
            report["scan"] = scan_stops(tmp, args.docs)
        if "index" in parts:
            print(f"hard stops of index add ({args.index_docs} documents, batches of {args.batch_docs})", flush=True)
            report["index"] = index_stops(tmp, args.index_docs, args.batch_docs)
    runs = report.get("scan", {}).get("runs", []) + report.get("index", {}).get("runs", [])
    malformed_rows = list(report.get("malformed", {}).values())
    totals = {
        "inputs_lost": sum(r.get("inputs_lost", 1) for r in malformed_rows),
        "tracebacks": sum(r["tracebacks"] for r in malformed_rows + runs),
        "processes_left_after_a_stop": sum(r["processes_left"] for r in malformed_rows + runs),
        "stops": len(runs),
        "stops_that_hit": sum(1 for r in runs if r.get("stopped", True)),
        "resumes_identical": f"{sum(r['identical'] for r in runs)}/{len(runs)}",
    }
    if "index" in report:
        totals["index_rerun_adding_nothing"] = report["index"]["rerun_adding_nothing"]
    report["totals"] = totals
    print("totals: " + json.dumps(totals))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    ok = (totals["inputs_lost"] == 0 and totals["tracebacks"] == 0 and totals["processes_left_after_a_stop"] == 0
          and all(r["identical"] for r in runs))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

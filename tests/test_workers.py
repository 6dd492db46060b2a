"""A scan's worker processes: they leave unused packages alone, and exit at once when their pool shuts down; a
scanning command's own process leaves them alone while it runs."""

import importlib.util
import sys
import time

import pytest

from copytrace.parallel import UnusedPackages, process_pool


def _imports() -> dict:
    """In a worker: which of the packages its stage units never use it can import, and whether Arrow and the
    compiled kernels work without them."""
    import numpy as np
    import pyarrow as pa

    from copytrace.text.hash_sort import stable_argsort

    found = {}
    for name in ("pandas", "scipy", "scipy.linalg"):
        try:
            __import__(name)
            found[name] = True
        except ModuleNotFoundError:
            found[name] = False
    values = np.array([5, 3, 9, 1] * 40, dtype=np.uint64)
    return {"found": found, "arrow": pa.array(["a", None, "b"], pa.large_string()).null_count,
            "sorted": bool((np.diff(values[stable_argsort(values)].astype(np.int64)) >= 0).all()),
            "loaded": sorted(m for m in ("pandas", "scipy") if m in sys.modules)}


def _say(text: str) -> str:
    print(text, flush=False)  # left in the buffer: the worker's exit must flush it
    return text


def test_a_worker_does_not_import_what_no_stage_uses():
    with process_pool(1) as pool:
        seen = pool.submit(_imports).result(timeout=120)
    assert seen["found"] == {"pandas": False, "scipy": False, "scipy.linalg": False}
    assert seen["arrow"] == 1 and seen["sorted"]
    assert seen["loaded"] == []


def test_only_the_unused_packages_are_refused():
    finder = UnusedPackages()
    for name in ("pandas", "pandas.core.frame", "scipy", "scipy.linalg.cython_blas"):
        with pytest.raises(ModuleNotFoundError):
            finder.find_spec(name)
    for name in ("pyarrow", "numpy", "numba", "pandasql", "scipyx", "copytrace.engines.local"):
        assert finder.find_spec(name) is None  # left to the other finders


def test_this_process_keeps_pandas():
    # Only workers refuse it: the process that runs a scan is the user's, and may use pandas itself. (Checked
    # here, not in a skipif: this module is imported by the workers above, where the probe would be refused.)
    assert not any(isinstance(finder, UnusedPackages) for finder in sys.meta_path)
    if importlib.util.find_spec("pandas") is None:
        pytest.skip("pandas is not installed here")
    import pandas  # noqa: F401


def test_a_worker_exits_at_once_with_its_output_flushed(capfd):
    pool = process_pool(2)
    processes = []
    try:
        assert list(pool.map(_say, ["first worker line", "second worker line"])) == ["first worker line",
                                                                                      "second worker line"]
        processes = list(pool._processes.values())
    finally:
        started = time.perf_counter()
        pool.shutdown()
    assert time.perf_counter() - started < 30  # no hang; the speed itself is the benchmarks' to measure
    assert [p.exitcode for p in processes] == [0, 0]
    out = capfd.readouterr().out
    assert "first worker line" in out and "second worker line" in out


# A scanning command's own process goes without them too while it runs (but for the Ray engine).
_COMMAND = """
import sys
from copytrace.faces.cli import main
code = main(sys.argv[1:])
print("LOADED", sorted(m for m in ("pandas", "scipy") if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("command", ["scan", "dedup"])
def test_a_scan_command_goes_without_the_unused_packages(command, tmp_path):
    import subprocess

    from conftest import LAVROV

    out = tmp_path / "out"
    args = [str(LAVROV), "-o", str(out), "-q"] + (["--report"] if command == "scan" else [])
    done = subprocess.run([sys.executable, "-c", _COMMAND, command, *args], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stderr
    written = {p.name for p in out.iterdir()}
    assert {"documents.parquet", "families.parquet", "report.html"} <= written if command == "scan" else written


def test_explain_goes_without_them_too(tmp_path):
    import subprocess

    import pyarrow.parquet as pq
    from conftest import LAVROV

    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "copytrace.faces.cli", "scan", str(LAVROV), "-o", str(out), "-q"],
                   check=True, capture_output=True, timeout=300)
    edge = pq.read_table(out / "edges.parquet").to_pylist()[0]
    for ids in ([edge["copy"]], [edge["source"], edge["copy"]]):  # one document; a pair aligned on demand
        done = subprocess.run([sys.executable, "-c", _COMMAND, "explain", *ids, "-o", str(out), "--json"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "LOADED []" in done.stderr and edge["copy"] in done.stdout


def test_the_index_commands_go_without_them_too(tmp_path):
    import subprocess

    from conftest import LAVROV

    index = str(tmp_path / "news.idx")
    subprocess.run([sys.executable, "-m", "copytrace.faces.cli", "index", "create", index], check=True,
                   capture_output=True, timeout=120)
    first = sorted(LAVROV.iterdir())[0]
    printed = {}
    for args in (["add", index, str(LAVROV)], ["query", index, "--text-file", str(first)], ["explain", index]):
        done = subprocess.run([sys.executable, "-c", _COMMAND, "index", *args], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        assert "LOADED []" in done.stderr
        printed[args[0]] = done.stdout
    assert "added 3" in printed["add"] and "shingles shared" in printed["query"]


def test_a_command_run_in_a_program_leaves_its_imports_alone(tmp_path):
    from conftest import LAVROV

    from copytrace.faces.cli import main

    assert main(["scan", str(LAVROV), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert not any(isinstance(finder, UnusedPackages) for finder in sys.meta_path)
    if importlib.util.find_spec("pandas") is not None:
        import pandas  # noqa: F401  (the program's own use, after the command)


def test_the_packages_are_refused_while_the_command_runs_and_not_with_ray():
    from copytrace.faces.terminal import without_unused_packages

    @without_unused_packages
    def command(engine: str = "auto") -> bool:
        return any(isinstance(finder, UnusedPackages) for finder in sys.meta_path)

    assert command(engine="local") and command(engine="auto")
    assert not command(engine="ray")
    assert not any(isinstance(finder, UnusedPackages) for finder in sys.meta_path)

"""How long `copytrace --help` and `--version` take to start, against Python itself and typer + rich.

Each command is run REPEAT times as a fresh process (the way a user runs it);
the best and the median wall times are reported, with their ratio to a bare
`python -c pass` and to importing typer and rich (the floor of any typer CLI)
measured in the same run, and the best CPU seconds (user + system of the
child), which a loaded machine inflates far less than the wall time.

    PYTHONPATH=src .venv/bin/python bench/cli_startup.py --repeat 15
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import typer, rich.console": [sys.executable, "-c", "import typer, rich.console"],
    "copytrace --version": [sys.executable, "-m", "copytrace", "--version"],
    "copytrace --help": [sys.executable, "-m", "copytrace", "--help"],
    "copytrace scan --help": [sys.executable, "-m", "copytrace", "scan", "--help"],
    "copytrace explain --help": [sys.executable, "-m", "copytrace", "explain", "--help"],
}


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(command: list[str], repeat: int, cpu: list[float] | None = None) -> list[float]:
    times = []
    env = {**os.environ, "COLUMNS": "100"}
    for _ in range(repeat):
        started, used = time.perf_counter(), child_cpu()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(child_cpu() - used)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rows = {}
    for name, command in COMMANDS.items():
        wall(command, 2)  # warm the file cache and .pyc files
        cpu: list[float] = []
        times = wall(command, args.repeat, cpu)
        rows[name] = {"best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3),
                      "cpu_best_s": round(min(cpu), 3)}
    base, floor = rows["python -c pass"]["best_s"], rows["import typer, rich.console"]["best_s"]
    for name, row in rows.items():
        row["x_python"] = round(row["best_s"] / base, 2)
        row["x_typer_rich"] = round(row["best_s"] / floor, 2)
        print(f"{name:<28} best {row['best_s']:.3f} s  median {row['median_s']:.3f} s  "
              f"x{row['x_python']:.1f} python  x{row['x_typer_rich']:.2f} typer+rich  cpu {row['cpu_best_s']:.3f} s")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()

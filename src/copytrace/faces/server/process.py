"""Running `copytrace serve` as a child process on a free loopback port (tests, load test, scripts)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`copytrace serve INDEX` on 127.0.0.1 and a free port; stopped (its own pid only) on exit.

    Without a `token` the server is started with `--no-token` (writes open to loopback clients) unless
    `open_writes` is false (then it makes its own token, which the caller does not know)."""

    def __init__(self, index: str | Path, token: str | None = None, max_body_mb: float | None = None,
                 startup_seconds: float = 60.0, extra_args: list[str] | None = None,
                 open_writes: bool = True, log: str | Path | None = None):
        self.index, self.token, self.max_body_mb = Path(index), token, max_body_mb
        self.extra_args, self.open_writes = list(extra_args or []), open_writes
        self.log = Path(log) if log else None  # the server's stderr (tracebacks of 500s) goes there when given
        self.startup_seconds = startup_seconds
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServerProcess":
        args = [sys.executable, "-m", "copytrace.faces.cli", "serve", str(self.index), "--host", "127.0.0.1",
                "--port", str(self.port)]
        if self.max_body_mb is not None:
            args += ["--max-body-mb", str(self.max_body_mb)]
        if not self.token and self.open_writes:
            args.append("--no-token")
        args += self.extra_args
        env = {k: v for k, v in os.environ.items() if k != "COPYTRACE_TOKEN"}
        if self.token:
            env["COPYTRACE_TOKEN"] = self.token
        stderr = open(self.log, "ab") if self.log else subprocess.PIPE
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        if self.log:
            stderr.close()
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.process.stderr.read() if self.process.stderr else self.log.read_bytes()
                raise RuntimeError(f"server exited: {said.decode(errors='replace')}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer on {self.url} within {self.startup_seconds} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def __exit__(self, *exc) -> None:
        self.stop()

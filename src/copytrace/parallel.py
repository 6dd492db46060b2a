"""How the compiled kernels share the cores, and worker processes that never outlive their scan."""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_SECONDS = 1.0


@contextmanager
def small_parallel_chunks():
    """Parallel loops started from this thread hand out one iteration at a time.

    By default a `prange` is split into one equal share per core up front; on
    a machine shared with other work, the wall time is then that of the most
    slowed core. Handed out one by one (iterations here are units of many
    documents, bands or partitions of anchors), a slowed core simply takes
    fewer. Set from Python: setting it inside a kernel would stop numba from
    caching the kernel.
    """
    import numba

    previous = numba.set_parallel_chunksize(1)
    try:
        yield
    finally:
        numba.set_parallel_chunksize(previous)


def watch_parent(parent: int) -> None:
    """Initializer of a worker process: die with the process that started it.

    A scan killed with SIGKILL (or by `timeout`, systemd, docker) runs no
    clean-up, and its pool's workers would live on, each holding hundreds of
    megabytes, with the resource tracker they keep alive. On Linux the kernel
    kills the worker when its parent dies (PR_SET_PDEATHSIG); elsewhere, and
    as a second guard, a thread checks the parent every second. SIGINT is the
    parent's to handle: a Ctrl-C stops the pool from there, not with a
    traceback from every worker.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM is how a pool's terminate() stops its workers: a forked worker must not keep a handler its parent
    # had installed (`sigterm_as_interrupt`, a test's server), or it lives on waiting for a task and the pool's
    # join never returns.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the thread below still watches
            pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="copytrace-parent-watch").start()


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def start_worker(parent: int) -> None:
    """Initializer of a scan's spawned worker: it dies with its parent (`watch_parent`), and as it lives for one
    scan whose stage units make many small objects, it collects young ones less often (`collector`); it does
    not import the packages no stage unit uses (`UnusedPackages`) and exits without tearing down (`_exit_now`).
    A forked worker inherits its parent's collector thresholds."""
    from copytrace.collector import collect_less_often

    collect_less_often()
    watch_parent(parent)
    sys.meta_path.insert(0, UnusedPackages())
    atexit.register(_exit_now)


class UnusedPackages:
    """An import finder for a scan's worker: the packages its stage units never use are not found.

    Where they are installed, pyarrow imports pandas the first time it is given a Python list (to see whether
    it is a pandas object) and numba imports scipy (for the linear algebra it compiles): 0.3 CPU s a worker
    at each scan's start, for nothing. Both go without them, as in an install that lacks them.
    """

    UNUSED = frozenset({"pandas", "scipy"})

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.UNUSED:
            raise ModuleNotFoundError(f"{name} is not used in a copytrace worker", name=name)
        return None


@contextmanager
def unused_packages_refused(refuse: bool = True):
    """While a command runs in this process, it goes without the packages no stage unit uses, as a worker does
    (`UnusedPackages`): numba imports SciPy as it loads, and pyarrow imports pandas the first time it is given
    a Python list, 0.3 s and more of every `copytrace scan`. Not with the Ray engine (Ray Data uses pandas),
    and only while the command runs: a program calling it can import them after. Packages imported already
    stay usable."""
    if not refuse or any(isinstance(finder, UnusedPackages) for finder in sys.meta_path):
        yield
        return
    finder = UnusedPackages()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _exit_now() -> None:
    """A worker's exit once its pool is shut down: its modules and objects are not torn down one by one (0.3 s
    of a scan's end, the pool's shutdown waiting for it); the process goes, as at a kill, its output flushed."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes (the parent's numba threads do not survive a fork) that die with it."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=start_worker,
                               initargs=(os.getpid(),))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once (the scan is being stopped): its workers are killed, not waited for."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(5)


@contextmanager
def pool_stopped_on_error(pool: ProcessPoolExecutor):
    """`with` a pool: shut down normally, or stopped at once when an exception (Ctrl-C, SIGTERM) leaves it."""
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be: the same clean-up runs."""


@contextmanager
def sigterm_as_interrupt():
    """SIGTERM (what `timeout`, systemd and docker send) handled like Ctrl-C while the block runs.

    Only from the main thread (elsewhere a handler cannot be installed, and the block runs as it is).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    received = []

    def stop(signum, frame):
        received.append(signum)
        raise Stopped(f"stopped by signal {signum}")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except BaseException as err:
        # What the interrupt set off on its way out (a library's own "interrupted" error, a rollback of a
        # transaction the interrupted statement already ended) is still the stop, not a crash with a traceback.
        if received and not isinstance(err, KeyboardInterrupt):
            raise Stopped(f"stopped by signal {received[0]}") from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def on_sigterm_as_interrupt(function):
    """`function` run under `sigterm_as_interrupt` (a decorator for commands; the signature stays visible)."""
    import functools

    @functools.wraps(function)
    def run(*args, **kwargs):
        with sigterm_as_interrupt():
            return function(*args, **kwargs)

    return run

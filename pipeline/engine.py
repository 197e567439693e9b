"""Engines: run one function over the inputs and yield the results in input
order, whatever order the workers finish in. Everything corpus-wide
(deduplication, writing) happens on the results afterwards, in the caller,
so every engine gives byte-identical output.

- local: this process (workers=1) or a process pool (default: all cores);
- dask: tasks on dask.distributed, on an existing cluster (scheduler
  address) or a LocalCluster started for the run.

At most `window` tasks are in flight, so results never pile up in memory
faster than the caller writes them out.
"""
from __future__ import annotations

import os
import signal
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Callable, Iterable, Iterator

ENGINES = ("local", "dask")
PR_SET_PDEATHSIG = 1     # linux/prctl.h


def default_workers() -> int:
    return os.cpu_count() or 1


def _in_order(submit: Callable, result: Callable, items: Iterable, window: int) -> Iterator:
    """Keep `window` tasks submitted; yield their results first-in, first-out."""
    items = iter(items)
    pending = deque(submit(item) for item in islice(items, window))
    while pending:
        head = pending.popleft()
        for item in islice(items, 1):
            pending.append(submit(item))
        yield result(head)


def die_with_parent(parent: int) -> None:
    """Pool initializer: a killed run (SIGKILL gives it no chance to stop its
    pool) must not leave workers behind waiting for work forever. Ctrl-C is
    the parent's to handle: it stops the workers (a worker's own traceback
    would only bury the one-line message)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:        # the parent died before the line above
        os._exit(1)


def run_local(func: Callable, items: list, workers: int | None = None) -> Iterator:
    workers = workers or default_workers()
    if workers <= 1 or len(items) <= 1:
        yield from map(func, items)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        try:
            yield from _in_order(lambda item: pool.submit(func, item), lambda fut: fut.result(), items, 8 * workers)
        except BaseException:     # Ctrl-C, or the caller stopped reading: nobody waits for the documents in flight
            stop_workers(pool)
            raise


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers now instead of letting shutdown() wait for their tasks."""
    # ProcessPoolExecutor has no public way to do this before Python 3.14 (terminate_workers)
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def run_dask(func: Callable, items: list, workers: int | None = None, scheduler: str | None = None) -> Iterator:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as e:   # pragma: no cover - dask is in the lock file
        raise RuntimeError("the dask engine needs dask[distributed]: pip install 'dask[distributed]'") from e
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        window = 8 * max(1, len(client.scheduler_info(n_workers=-1)["workers"]))

        def result(fut):
            value = fut.result()
            fut.release()
            return value

        # pure=False: the same file listed twice is still two tasks
        yield from _in_order(lambda item: client.submit(func, item, pure=False), result, items, window)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run(engine: str, func: Callable, items: list, workers: int | None = None, scheduler: str | None = None) -> Iterator:
    if engine == "local":
        return run_local(func, items, workers)
    if engine == "dask":
        return run_dask(func, items, workers, scheduler)
    raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")

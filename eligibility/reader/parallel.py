"""Many lines read at once, in worker processes when there are enough to pay for them.

Reading is deterministic, pure Python and a line at a time, so an import of new studies,
where the reader is the largest cost, can read a batch's lines on every core:
:func:`read_many` takes the lines (text, kind, heading, items, conditions, as
:func:`~eligibility.reader.read` takes them), reads each distinct one once, and gives the
readings in order, the same as :func:`read` would (``tests/reader/test_parallel.py``).

The workers are started once per process ("spawn": they import only the reader, never
Django, and inherit no database connection) and kept for the next batch. They are not used
for fewer than :data:`MIN_LINES` lines, with one core, in a daemonic process (a Celery
prefork worker may not start processes), or when the environment sets
``READER_PROCESSES=1``; then the lines are read here, one by one.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from .reader import Reading, clear_cache, read

#: Below this many distinct lines, starting or feeding workers costs more than it saves.
MIN_LINES = 400
#: Lines a worker reads per task.
CHUNK = 100

Request = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]

_pool: ProcessPoolExecutor | None = None


def read_many(requests: Sequence[Request], *, distinct: bool = True) -> list[Reading]:
    """The reading of each request, in order. ``distinct=False`` reads every request
    even when the same line comes twice (the import benchmark's "every line read cold")."""
    keys = list(dict.fromkeys(requests)) if distinct else list(requests)
    processes = _processes()
    if processes > 1 and len(keys) >= MIN_LINES:
        chunks = [keys[i : i + CHUNK] for i in range(0, len(keys), CHUNK)]
        readings = [
            reading
            for part in _workers(processes).map(_read_chunk, chunks, [not distinct] * len(chunks))
            for reading in part
        ]
    else:
        readings = _read_chunk(keys, cold=not distinct)
    if not distinct:
        return readings
    found = dict(zip(keys, readings, strict=True))
    return [found[request] for request in requests]


def _read_chunk(requests: Sequence[Request], cold: bool = False) -> list[Reading]:
    out = []
    for text, kind, heading, items, conditions in requests:
        if cold:
            clear_cache()
        out.append(read(text, kind=kind, heading=heading, items=items, conditions=conditions))
    return out


def _processes() -> int:
    wanted = os.environ.get("READER_PROCESSES", "")
    count = int(wanted) if wanted.isdigit() else (os.cpu_count() or 1)
    if multiprocessing.current_process().daemon:
        return 1
    return max(count, 1)


def _workers(processes: int) -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        atexit.register(_shutdown)
    return _pool


def _shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None

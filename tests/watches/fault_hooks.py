"""Loaded by the worker of the worker-kill test (``celery worker -I``): holds an alert run
half-way through its digests, so that the test can kill the process running it.

The digests are queued one watch per transaction; the second transaction waits while the
file ``hold`` exists in ``WATCH_FAULT_DIR``. Every attempt writes its process id to
``attempts.log`` there first, so the test knows whom to kill and how many runs there were.
"""

import os
import time
from pathlib import Path

from watches import matching

HOLD_SECONDS_MAX = 60
WORK = Path(os.environ["WATCH_FAULT_DIR"])

matching.DIGESTS_PER_BATCH = 1
_digests_create = matching._digests_create
_watch_alerts_run = matching.watch_alerts_run


def _attempt(**kwargs):
    with open(WORK / "attempts.log", "a") as attempts:
        attempts.write(f"{os.getpid()}\n")
    _attempt.batches = 0
    return _watch_alerts_run(**kwargs)


def _held_digests_create(watch_ids, today):
    _attempt.batches += 1
    if _attempt.batches == 2:
        (WORK / "held.log").write_text(f"{os.getpid()}\n")
        deadline = time.monotonic() + HOLD_SECONDS_MAX
        while (WORK / "hold").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return _digests_create(watch_ids, today)


matching.watch_alerts_run = _attempt
matching._digests_create = _held_digests_create

"""A test-only Celery task for the worker-kill test (``celery worker -I`` loads it).

``effect_once`` does its effect idempotently (a marker created with ``O_EXCL`` guards
one line appended to ``effects.log``), then keeps working while ``hold`` exists, which
is when the test kills the pool process running it. Each attempt writes its process id
to ``attempts.log`` first, so the test knows whom to kill and how many runs there were.
"""

import os
import time
from pathlib import Path

from celery import shared_task

HOLD_SECONDS_MAX = 60


@shared_task(name="tests.production.fault_tasks.effect_once")
def effect_once(directory: str, key: str) -> str:
    work = Path(directory)
    with open(work / "attempts.log", "a") as attempts:
        attempts.write(f"{os.getpid()}\n")
    try:
        fd = os.open(work / f"effect-{key}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        pass  # an earlier attempt already did it
    else:
        os.close(fd)
        with open(work / "effects.log", "a") as effects:
            effects.write(f"{key}\n")
    deadline = time.monotonic() + HOLD_SECONDS_MAX
    while (work / "hold").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with open(work / "done.log", "a") as done:
        done.write(f"{key}\n")
    return key

"""A Celery worker process killed (SIGKILL) in the middle of a task.

What must hold, with the project's Celery settings (``task_acks_late`` and
``task_reject_on_worker_lost``) on a Redis of the test's own: the message is not
acknowledged before the task finishes, so when the pool process running it dies the
task is delivered again and runs to the end; and because the task is idempotent, its
effect happens once although it ran twice.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from celery import Celery

from .servers import ROOT, VENV_BIN, project_env, stop_process, wait_until

pytestmark = pytest.mark.slow

TASK = "tests.production.fault_tasks.effect_once"


def lines(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_a_task_killed_midway_runs_again_and_its_effect_happens_once(tmp_path, private_redis):
    env = project_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL=private_redis.url
    )
    worker = subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "config", "worker", "-I", "tests.production.fault_tasks"]
        + ["--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
        + [f"--hostname=fault@{os.getpid()}"],
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path / "worker.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: b" ready." in (tmp_path / "worker.log").read_bytes(), 60, "worker")
        (tmp_path / "hold").touch()
        producer = Celery("producer", broker=private_redis.url)
        producer.send_task(TASK, args=[str(tmp_path), "referral-42"])

        attempts = tmp_path / "attempts.log"
        first = wait_until(lambda: lines(attempts), 30, "first attempt")[0]
        wait_until(lambda: lines(tmp_path / "effects.log"), 10, "effect of the first attempt")
        os.kill(int(first), signal.SIGKILL)  # the pool process, mid-task (effect done, no ack)

        second = wait_until(lambda: lines(attempts)[1:], 30, "redelivery")[0]
        assert second != first
        (tmp_path / "hold").unlink()
        wait_until(lambda: lines(tmp_path / "done.log"), 30, "second attempt finished")

        assert lines(attempts) == [first, second]  # ran twice
        assert lines(tmp_path / "effects.log") == ["referral-42"]  # effect once
        assert lines(tmp_path / "done.log") == ["referral-42"]
        assert "WorkerLostError" in (tmp_path / "worker.log").read_text()
    except (AssertionError, TimeoutError) as failure:
        log = (tmp_path / "worker.log").read_text(errors="replace")[-4000:]
        raise AssertionError(f"{failure}\n--- worker log (tail) ---\n{log}") from failure
    finally:
        (tmp_path / "hold").unlink(missing_ok=True)
        stop_process(worker, timeout=20)

"""With a real Redis and a real Celery worker: a day's digests reach each watcher exactly
once through a Redis outage, and through a worker killed in the middle of the alert run.

The referrals' outbox tests, for the watchlist: the Redis and the worker are the test's
own (``tests/referrals/conftest.py``), mail goes to files, and every e-mail carries its
outbox message id, so "exactly once" is counted, not assumed.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from celery import Celery

from notifications.models import OutboxMessage
from notifications.tasks import outbox_deliver
from tests.referrals.conftest import (  # noqa: F401 - fixtures
    ROOT,
    celery_worker,
    delivered_messages,
    file_database,
    mail_dir,
    redis_server,
    wait_for,
    worker_environment,
)
from watches.matching import watch_alerts_run
from watches.models import WatchAlert, WatchDigest

from .conftest import make_watch

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WATCHERS = 3


def watchers_and_a_new_trial_near_them() -> list:
    """The watchlist's baseline, three watchers in Portland, then a trial opening there."""
    from tests.factories import SiteFactory, TrialFactory

    TrialFactory(nct_id="NCT91000000")  # a catalog the watchlist has seen: its baseline
    watch_alerts_run()
    watches = [make_watch(email=f"watcher{n}@example.org") for n in range(WATCHERS)]
    trial = TrialFactory(nct_id="NCT91000001")
    SiteFactory(trial=trial, city="Portland", latitude=45.52, longitude=-122.68)
    return watches


def digest_messages() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="watch_digest"))


def digests_sent() -> bool:
    messages = digest_messages()
    return bool(messages) and all(m.status == "sent" for m in messages)


def assert_each_digest_delivered_once(mail_dir) -> None:  # noqa: F811
    time.sleep(3)  # let any duplicate that was going to happen happen
    expected = sorted(str(m.pk) for m in digest_messages())
    delivered = sorted(i for i in delivered_messages(mail_dir) if i in expected)
    assert delivered == expected, "each digest exactly once"
    watch_ids = list(WatchDigest.objects.values_list("watch_id", flat=True))
    assert len(expected) == len(watch_ids) == len(set(watch_ids)) == WATCHERS


def test_digests_queued_while_redis_is_down_are_delivered_exactly_once_when_it_is_back(
    redis_server,  # noqa: F811
    celery_worker,  # noqa: F811
    mail_dir,  # noqa: F811
):
    watchers_and_a_new_trial_near_them()
    wait_for(
        lambda: not OutboxMessage.objects.filter(status="pending").exists(),
        30,
        what="the confirmation messages to be settled",
    )

    redis_server.stop()
    started = time.monotonic()
    run = watch_alerts_run()
    elapsed = time.monotonic() - started
    assert (run.changes, run.alerts, run.digests) == (1, WATCHERS, WATCHERS)
    assert elapsed < 10, f"the run waited on the broker: {elapsed:.1f}s"
    assert [m.status for m in digest_messages()] == ["pending"] * WATCHERS

    redis_server.start()  # same port: the worker and this process reconnect
    # Race the periodic delivery on purpose: queue every digest once more ourselves.
    for message in digest_messages():
        outbox_deliver.apply_async((message.pk,), retry=True)
    wait_for(digests_sent, 90, interval=0.5, what="every digest to be sent")
    assert_each_digest_delivered_once(mail_dir)


# --- a worker killed half-way through the alert run ------------------------------------------


def lines(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.fixture
def holding_worker(redis_server, mail_dir, tmp_path, file_database, settings):  # noqa: F811
    """A real prefork worker (one pool process) whose alert run waits half-way through its
    digests while ``tmp_path / "hold"`` exists (``tests/watches/fault_hooks.py``)."""
    env = worker_environment(
        redis_server=redis_server,
        mail_dir=mail_dir,
        file_database=file_database,
        settings=settings,
        WATCH_FAULT_DIR=str(tmp_path),
    )
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed at teardown
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-I",
         "tests.watches.fault_hooks", "--concurrency=1", "--loglevel=INFO", "--without-gossip",
         "--without-mingle", f"--hostname=watchfault@{os.getpid()}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: " ready." in (tmp_path / "worker.log").read_text(), 60, what="the worker")
        yield worker
    finally:
        (tmp_path / "hold").unlink(missing_ok=True)
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)
        log.close()


def test_an_alert_run_killed_half_way_is_finished_by_its_redelivery_each_digest_once(
    redis_server,  # noqa: F811
    holding_worker,
    mail_dir,  # noqa: F811
    tmp_path,
):
    watchers_and_a_new_trial_near_them()
    (tmp_path / "hold").touch()
    Celery("producer", broker=redis_server.url).send_task("watches.tasks.watch_alerts_send")

    held = wait_for_lines(tmp_path / "held.log", "the run to reach its second digest")
    # Killed with the changes matched and one digest queued (one watch per transaction).
    assert WatchAlert.objects.count() == WATCHERS
    assert WatchDigest.objects.count() == 1
    os.kill(int(held[0]), signal.SIGKILL)

    wait_for(lambda: len(lines(tmp_path / "attempts.log")) == 2, 30, what="the redelivery")
    (tmp_path / "hold").unlink()
    wait_for(
        lambda: WatchDigest.objects.count() == WATCHERS and digests_sent(),
        60,
        interval=0.5,
        what="the redelivered run's digests to be sent",
    )
    first, second = lines(tmp_path / "attempts.log")
    assert first == held[0] != second
    assert "WorkerLostError" in (tmp_path / "worker.log").read_text()
    assert not WatchAlert.objects.filter(digest__isnull=True).exists()
    assert_each_digest_delivered_once(mail_dir)


def wait_for_lines(path, what: str) -> list[str]:
    wait_for(lambda: lines(path), 60, what=what)
    return lines(path)

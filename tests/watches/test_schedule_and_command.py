"""The periodic tasks beat runs (the changed-since sync, the alerts, the retention), the
command, and the entry point on the questionnaire's results."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from config.celery import app

pytestmark = pytest.mark.django_db


def test_beat_runs_the_sync_the_alerts_and_the_retention():
    schedule = settings.CELERY_BEAT_SCHEDULE
    sync = schedule["finder-sync-ctgov"]
    assert sync["task"] == "finder.tasks.sync_ctgov_task"
    assert sync["kwargs"] == {"condition": "multiple sclerosis", "changed_only": True}
    assert schedule["watches-send-alerts"]["task"] == "watches.tasks.watch_alerts_send"
    assert schedule["watches-erase-expired"]["task"] == "watches.tasks.watches_erase_expired"
    app.loader.import_default_modules()
    for entry in ("finder-sync-ctgov", "watches-send-alerts", "watches-erase-expired"):
        assert schedule[entry]["task"] in app.tasks, entry


def test_the_command_runs_the_alerts_and_says_what_it_did(first_snapshot, clock):
    from .conftest import SECOND_DAY, make_watch

    make_watch()
    first_snapshot.month_later()
    clock.at(SECOND_DAY)
    from finder.registry import registry_sync_changed

    registry_sync_changed(condition="multiple sclerosis")
    out = StringIO()
    call_command("send_watch_alerts", stdout=out)
    assert out.getvalue().startswith("changes 5, alerts 2, digests 1 (detect ")
    out = StringIO()
    call_command("send_watch_alerts", stdout=out)
    assert out.getvalue().startswith("changes 0, alerts 0, digests 0")


def test_the_periodic_task_is_the_same_run(first_snapshot, clock):
    from watches.tasks import watch_alerts_send

    from .conftest import make_watch

    make_watch()
    result = watch_alerts_send.apply().get()
    assert (result["changes"], result["alerts"], result["digests"]) == (0, 0, 0)


def test_the_results_of_the_questionnaire_offer_to_keep_the_answers(client, db):
    from tests.web.conftest import ELIGIBLE_FORM, answer_questions

    call_command("load_demo_catalog", care_ms_only=True, verbosity=0)
    client.post("/check/", {"location": "94301"})
    answer_questions(client, "/check/questions/", ELIGIBLE_FORM)
    html = client.get("/check/results/").content.decode()
    assert 'href="/watches/new/?answers=1"' in html
    page = client.get("/watches/new/?answers=1").content.decode()
    assert 'name="use_answers"' in page
    assert "Palo Alto" in page  # the place of the visit


@pytest.mark.django_db(transaction=True)
def test_the_clusters_beat_and_workers_run_the_sync_and_the_alerts(tmp_path):
    """bin/cluster starts beat with the settings' scheduler, which writes the schedule's
    entries to the database, and workers on the default queue, where those tasks go.

    Transactional, as beat runs: the scheduler calls ``close_old_connections()``, which
    drops a connection left inside a transaction (the test case's own, on PostgreSQL)."""
    from importlib.machinery import SourceFileLoader
    from importlib.util import module_from_spec, spec_from_loader

    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    loader = SourceFileLoader("cluster", str(settings.BASE_DIR / "bin" / "cluster"))
    cluster = module_from_spec(spec_from_loader("cluster", loader))
    loader.exec_module(cluster)
    specs = cluster.process_specs(cluster.parse_args(["--state", str(tmp_path), "start"]), tmp_path)
    beat = specs["beat"]
    workers = [argv for name, argv in specs.items() if name.startswith("worker-")]
    assert beat[1:4] == ["-A", "config", "beat"] and not any("--scheduler" in a for a in beat)
    assert len(workers) == 2 and not any(
        a.startswith(("-Q", "--queues")) for w in workers for a in w
    )
    assert not getattr(settings, "CELERY_TASK_ROUTES", None)

    DatabaseScheduler(app=app)  # what beat does on start
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["finder-sync-ctgov"] == "finder.tasks.sync_ctgov_task"
    assert tasks["watches-send-alerts"] == "watches.tasks.watch_alerts_send"
    assert tasks["watches-erase-expired"] == "watches.tasks.watches_erase_expired"

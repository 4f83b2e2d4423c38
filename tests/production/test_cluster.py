"""The local cluster (bin/cluster): any web process continues what another one started.

Two gunicorn web processes, two Celery workers and beat on the machine's PostgreSQL
(a database of this test's own, dropped afterwards) and Redis (database 12, never
flushed). A browser session is a cookie, and cookies do not depend on the port, so a
``requests.Session`` talking to both ports is a patient behind a load balancer.

What must hold: a questionnaire started on one process continues on the other where it
stopped (sessions are in the database); the result and the referral made through one
process are seen by the other; the referral is in the site team's queue on the other.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.factories import ELIGIBLE_ANSWERS, as_form

from .servers import free_port

pytestmark = [pytest.mark.services, pytest.mark.slow]

TRIAL = "NCT00548405"
ANSWERS = as_form(ELIGIBLE_ANSWERS)
QUESTION = re.compile(r'name="question" value="([a-z0-9_]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SITE_CHOICE = re.compile(r'name="site"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="site"')
REFERENCE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}\b")


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
def cluster(start_cluster):
    """The full cluster on a new database, stopped and the database dropped afterwards."""
    database = f"trialfinder_cluster_{uuid.uuid4().hex[:10]}"
    database_url = with_database(os.environ["DATABASE_URL"], database)
    redis_url = with_database(os.environ["REDIS_URL"], "12")
    started = None
    try:
        started = start_cluster(
            database_url=database_url,
            redis_url=redis_url,
            celery_workers=2,
            beat=True,
            extra=["--demo"],
        )
        yield started
    finally:
        if started is not None:
            started.stop()
        subprocess.run(
            ["psql", with_database(database_url, "postgres"), "-qc"]
            + [f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
            check=False,
            capture_output=True,
            timeout=60,
        )


def answer(session: requests.Session, base: str, page: requests.Response) -> requests.Response:
    key = QUESTION.search(page.text).group(1)
    data = {"csrfmiddlewaretoken": CSRF.search(page.text).group(1), "question": key}
    data[key] = ANSWERS[key]
    return session.post(f"{base}/trials/{TRIAL}/check/", data=data, timeout=15)


def main_content(html: str) -> str:
    """The page's <main>, without the per-request CSRF token."""
    main = html[html.find("<main") : html.find("</main>")]
    return CSRF.sub("", main)


def asked(page: requests.Response) -> str | None:
    match = QUESTION.search(page.text)
    return match.group(1) if match else None


def test_a_questionnaire_and_a_referral_cross_web_processes(cluster):
    a, b = cluster.url(0), cluster.url(1)
    patient = requests.Session()

    # Three answers on process A.
    page = patient.get(f"{a}/trials/{TRIAL}/check/", timeout=15)
    assert page.status_code == 200 and asked(page) == "age"
    answered = []
    for _ in range(3):
        answered.append(asked(page))
        page = answer(patient, a, page)
        assert page.status_code == 200
    next_on_a = asked(page)
    assert next_on_a not in answered

    # Process B asks the next question, not the first one, and finishes the walk.
    page = patient.get(f"{b}/trials/{TRIAL}/check/", timeout=15)
    assert asked(page) == next_on_a
    for _ in range(len(ANSWERS)):
        if asked(page) is None:
            break
        page = answer(patient, b, page)
        assert page.status_code == 200
    assert asked(page) is None
    result_b = patient.get(f"{b}/trials/{TRIAL}/check/result/", timeout=15)
    result_a = patient.get(f"{a}/trials/{TRIAL}/check/result/", timeout=15)
    assert result_a.status_code == result_b.status_code == 200
    assert main_content(result_a.text) == main_content(result_b.text)  # the same screening

    # The patient asks to be contacted through A.
    form = patient.get(f"{a}/trials/{TRIAL}/contact/", timeout=15)
    site_match = SITE_CHOICE.search(form.text)
    assert site_match, form.text[:2000]
    site = site_match.group(1) or site_match.group(2)
    sent = patient.post(
        f"{a}/trials/{TRIAL}/contact/",
        data={
            "csrfmiddlewaretoken": CSRF.search(form.text).group(1),
            "site": site,
            "name": "Alex Example",
            "email": "alex@example.org",
            "phone": "",
            "consent": "on",
        },
        timeout=15,
    )
    assert sent.status_code == 200 and sent.url.endswith("/referrals/sent/"), sent.text[:2000]
    reference = REFERENCE.search(sent.text).group(0)
    # B shows the same confirmation (the session holds it).
    assert reference in patient.get(f"{b}/referrals/sent/", timeout=15).text

    # The site's coordinator signs in on B and finds it in the queue.
    cluster.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "from referrals.models import SiteMembership; "
        "u = User.objects.create_user('coordinator', password='a long cluster password'); "
        f"SiteMembership.objects.create(user=u, site_id={int(site)})",
    )
    team = requests.Session()
    login = team.get(f"{b}/accounts/login/", timeout=15)
    signed_in = team.post(
        f"{b}/accounts/login/",
        data={
            "csrfmiddlewaretoken": CSRF.search(login.text).group(1),
            "username": "coordinator",
            "password": "a long cluster password",
        },
        timeout=15,
    )
    assert signed_in.status_code == 200 and "/accounts/login/" not in signed_in.url
    queue = team.get(f"{b}/team/referrals/", timeout=15)
    assert queue.status_code == 200 and reference in queue.text
    # ... and on A, with the same sign-in.
    assert reference in team.get(f"{a}/team/referrals/", timeout=15).text


def test_both_web_processes_are_ready_and_workers_are_up(cluster):
    for index in (0, 1):
        response = requests.get(f"{cluster.url(index)}/readyz", timeout=15)
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert set(cluster.processes) == {
        f"web-{cluster.ports[0]}",
        f"web-{cluster.ports[1]}",
        "worker-1",
        "worker-2",
        "beat",
    }
    assert free_port()  # the cluster left spare ports alone

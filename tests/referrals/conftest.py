"""Fixtures for the referrals tests: people, a screened trial, and real servers.

Real servers: ``redis_server`` starts its own ``redis-server`` on a spare port (never
the machine's shared one) and ``celery_worker`` a real ``celery -A config worker``
(with an embedded beat running the periodic tasks every second) pointed at that Redis
and at the test database, sending mail to a temporary directory. Tests using them need
``@pytest.mark.django_db(transaction=True)`` so the worker sees committed rows.

On SQLite the worker needs the test database in a file, not in memory: the
``file_database`` fixture below swaps the test's connection onto a file copy for that
test only, leaving every other test on pytest-django's usual in-memory database
(PostgreSQL through ``DATABASE_URL`` needs nothing).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import ELIGIBLE_ANSWERS  # re-exported to the referral tests

ROOT = Path(__file__).resolve().parents[2]
RULESETS = ROOT / "eligibility" / "rulesets"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

#: The same patient with the EDSS unknown: possibly eligible.
POSSIBLY_ELIGIBLE_ANSWERS = {**ELIGIBLE_ANSWERS, "edss": "unsure"}
#: Too old for CARE-MS II.
INELIGIBLE_ANSWERS = {**ELIGIBLE_ANSWERS, "age": 61}

CONTACT = {
    "name": "Alice Zebrowski",
    "email": "alice.zebrowski@example.org",
    "phone": "+1 650 555 0142",
}


@pytest.fixture
def file_database(transactional_db, tmp_path):
    """The default database as a file that another process (a Celery worker) can open.

    PostgreSQL and file-based SQLite need nothing. pytest-django's SQLite test database
    is in memory, so for the length of the test the ``default`` connection is swapped
    for one on a file copy of it (made with SQLite's backup API: schema and the rows
    the fixtures committed). The in-memory database is left open and untouched, and is
    put back afterwards; the file goes with the temp dir. Needs a transactional test.
    """
    from django.db import connections

    original = connections["default"]
    if original.vendor != "sqlite" or not original.is_in_memory_db():
        yield original.settings_dict["NAME"]
        return
    path = tmp_path / "test-database.sqlite3"
    original.ensure_connection()
    target = sqlite3.connect(path)
    original.connection.backup(target)
    target.close()
    replacement = original.__class__({**original.settings_dict, "NAME": str(path)}, "default")
    connections["default"] = replacement
    try:
        yield str(path)
    finally:
        replacement.close()
        connections["default"] = original


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 costs ~0.1 s a hash (passwords and API keys): tests use MD5 unless they ask
    for ``real_hashers`` (the accounts tests check the production hashers themselves)."""
    if "real_hashers" not in request.fixturenames:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def real_hashers(settings):
    """The production PASSWORD_HASHERS from config.settings (argon2 first)."""
    return settings.PASSWORD_HASHERS


# --- people and things ------------------------------------------------------------------------


@pytest.fixture
def trial(db):
    """CARE-MS II with its curated criteria, recruiting."""
    from eligibility.models import CriterionSource
    from eligibility.services import criteria_replace
    from tests.factories import TrialFactory

    trial = TrialFactory(
        nct_id="NCT00548405",
        acronym="CARE-MS II",
        brief_title="Alemtuzumab vs interferon beta-1a in relapsing MS",
    )
    items = json.loads((RULESETS / "NCT00548405.json").read_text(encoding="utf-8"))
    criteria_replace(trial=trial, criteria=items, source=CriterionSource.CURATED)
    trial.refresh_from_db()
    return trial


@pytest.fixture
def site(trial):
    from tests.factories import SiteFactory

    return SiteFactory(
        trial=trial, facility="Stanford Neuroscience Health Center", city="Palo Alto"
    )


@pytest.fixture
def other_site(trial):
    from tests.factories import SiteFactory

    return SiteFactory(
        trial=trial,
        facility="Cleveland Clinic Mellen Center",
        city="Cleveland",
        state="Ohio",
        postal_code="44195",
        latitude=41.5025,
        longitude=-81.6208,
    )


@pytest.fixture
def coordinator(site):
    from tests.referrals.factories import SiteMembershipFactory

    return SiteMembershipFactory(site=site).user


@pytest.fixture
def other_coordinator(other_site):
    from tests.referrals.factories import SiteMembershipFactory

    return SiteMembershipFactory(site=other_site).user


@pytest.fixture
def clinician(db):
    from tests.referrals.factories import ClinicianProfileFactory

    return ClinicianProfileFactory().user


@pytest.fixture
def other_clinician(db):
    from tests.referrals.factories import ClinicianProfileFactory

    return ClinicianProfileFactory().user


@pytest.fixture
def partner_key(db):
    """(partner, raw key) of a partner with one API key."""
    from tests.referrals.factories import partner_with_key

    return partner_with_key("Neuro Patients Network")


@pytest.fixture
def other_partner_key(db):
    from tests.referrals.factories import partner_with_key

    return partner_with_key("Another Finder")


@pytest.fixture
def referral(site, django_capture_on_commit_callbacks):
    """A patient's referral to ``site`` (notifications delivered, locmem mail)."""
    from tests.referrals.factories import referral_for

    with django_capture_on_commit_callbacks(execute=True):
        return referral_for(site=site)


# --- real servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """A private redis-server on a spare port that a test may stop and start again."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.ping, 10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None
        wait_for(lambda: not self.ping(), 5, what="redis-server to stop")


@pytest.fixture
def redis_server(tmp_path):
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def celery_worker(redis_server, mail_dir, tmp_path, file_database, settings):
    """A real Celery worker (+ embedded beat) on the test Redis and the test database.

    This process publishes to the same Redis (not eagerly), so the whole path is real.
    """

    from config.celery import app

    env = worker_environment(
        redis_server=redis_server,
        mail_dir=mail_dir,
        file_database=file_database,
        settings=settings,
        REFERRAL_OUTBOX_RETRY_SECONDS="1",
    )
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed at teardown
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-B", "--scheduler", "celery.beat:PersistentScheduler",
         "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    _reset_celery_connections(app)
    settings.SITE_URL = "https://finder.example.org"
    try:
        wait_for(
            lambda: "ready." in (tmp_path / "worker.log").read_text(),
            60,
            what="the celery worker to be ready",
        )
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)
        log.close()
        app.conf.update(saved)
        _reset_celery_connections(app)


def _reset_celery_connections(app) -> None:
    """Drop pooled broker connections so the next publish uses the current broker_url.

    The app's pool is kombu's process-wide pool for its broker URL: closing it in place
    would leave a closed pool registered for that URL, and every later publish to it
    (eager tasks acquire a producer too) would fail with "Acquire on closed pool".
    ``kombu.pools.reset()`` closes the pools *and* forgets them.
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def delivered_messages(mail_dir: Path) -> list[str]:
    """The X-Outbox-Message ids of every email the file backend wrote (repeats kept)."""
    ids = []
    for path in sorted(mail_dir.glob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("X-Outbox-Message:"):
                ids.append(line.split(":", 1)[1].strip())
    return ids


# --- the browser ------------------------------------------------------------------------------

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture
def chromium(browser):
    """The session's browser (tests/conftest.py)."""
    return browser


@pytest.fixture
def browser_context(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    yield context
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"referrals-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[str]:
    """Serious or critical axe-core violations on the page (ids)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        v["id"]
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def worker_environment(*, redis_server, mail_dir, file_database, settings, **extra: str) -> dict:
    """The environment of a real Celery worker on the test's Redis, database (the file copy
    on SQLite) and mail directory, with the test's keys; ``extra`` settings added."""
    from django.db import connection

    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{file_database}"
    else:
        database_url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        # django-environ drops one leading slash of the path: four slashes keep it absolute.
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DEBUG": "0",
        "SITE_URL": "https://finder.example.org",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }

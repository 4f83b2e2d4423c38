"""Fixtures for the watchlist: the registry a month apart, watchers, and a clock.

``registry`` serves the Portland search page of tests/data/registry as the registry API
does: the first snapshot (real content) until ``registry.month_later()``, then the
derived one (``make_second_snapshot.py``). A request with ``filter.advanced`` (a
changed-since fetch) gets only the studies last updated on that day or later, as the
registry would. Nothing leaves the process (``responses``).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
import time_machine

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_DATA = ROOT / "tests" / "data" / "registry"
FIRST_PAGE = REGISTRY_DATA / "ms-recruiting-portland-page.json"
SECOND_PAGE = REGISTRY_DATA / "ms-recruiting-portland-page.month-later.derived.json"
REGISTRY_URL = "https://registry.test/api/v2/studies"

#: The first snapshot's day, and the second's a month later.
FIRST_DAY = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
SECOND_DAY = datetime(2026, 10, 2, 6, 0, tzinfo=UTC)

CLOSES = "NCT06441617"  # stops recruiting
SITE_OPENS = "NCT06408259"  # paediatric (10 to 17): its Portland site starts recruiting
CRITERIA = "NCT06433752"  # ENABLE: a maximum age of 55, a new site in Salem
NEW_TRIAL = "NCT99990001"  # derived copy of ENABLE as first fetched
UNCHANGED = "NCT04047628"  # BEAT-MS

_RANGE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}),MAX\]")


def page(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


class FakeRegistry:
    """The registry API as far as the sync uses it, switchable to a month later."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self.current = page(FIRST_PAGE)
        self.requests: list[dict[str, list[str]]] = []
        mock.add_callback(responses.GET, REGISTRY_URL, callback=self._answer)

    def month_later(self) -> None:
        self.current = page(SECOND_PAGE)

    def _answer(self, request):
        params = parse_qs(urlsplit(request.url).query)
        self.requests.append(params)
        studies = self.current["studies"]
        if "filter.advanced" in params:
            since = date.fromisoformat(_RANGE.fullmatch(params["filter.advanced"][0]).group(1))
            studies = [s for s in studies if last_update(s) >= since]
        return 200, {}, json.dumps({"studies": studies, "totalCount": len(studies)})


def last_update(study: dict) -> date:
    status = study["protocolSection"]["statusModule"]
    return date.fromisoformat(status["lastUpdatePostDateStruct"]["date"])


@pytest.fixture
def registry(settings):
    settings.CTGOV_API_URL = REGISTRY_URL
    settings.CTGOV_TIMEOUT = 2.0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeRegistry(mock)


@pytest.fixture
def clock():
    """``clock.at(moment)`` moves the (frozen) clock; it starts on the first snapshot's day."""
    traveller = time_machine.travel(FIRST_DAY, tick=False)
    frozen = traveller.start()

    class Clock:
        def at(self, moment: datetime) -> None:
            frozen.move_to(moment)

        def forward(self, delta: timedelta) -> None:
            frozen.shift(delta)

    yield Clock()
    traveller.stop()


@pytest.fixture
def settings_for_mail(settings):
    settings.SITE_URL = "https://finder.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


# --- places and watchers -------------------------------------------------------------------


def place(label: str, latitude: float, longitude: float, country_code: str = "US"):
    from sites.geocoding import Place

    return Place(latitude=latitude, longitude=longitude, label=label, country_code=country_code)


PORTLAND = ("Portland, Oregon, United States", 45.5152, -122.6784)
SALEM = ("Salem, Oregon, United States", 44.9429, -123.0351)
SEATTLE = ("Seattle, Washington, United States", 47.6062, -122.3321)
MADRID = ("Madrid, Spain", 40.4168, -3.7038)

#: An adult the paediatric trial rules out; ENABLE's new maximum age of 55 too.
AGED_60 = {"age": 60, "ms_diagnosis": "yes"}
AGED_34 = {"age": 34, "ms_diagnosis": "yes"}


def make_watch(
    *,
    where=PORTLAND,
    radius_km: float = 80.0,
    condition: str = "multiple sclerosis",
    trial=None,
    answers=None,
    email: str = "watcher@example.org",
    language: str = "en",
    confirmed: bool = True,
    unit: str = "mi",
):
    """A watch as the pages save it (through the service), confirmed unless told."""
    from watches.services import watch_confirm, watch_create

    watch = watch_create(
        email=email,
        place=place(*where),
        radius_km=radius_km,
        unit=unit,
        language=language,
        condition=condition,
        trial=trial,
        answers=answers,
    )
    if confirmed:
        watch_confirm(watch=watch)
    return watch


@pytest.fixture
def first_snapshot(db, registry, clock, settings_for_mail):
    """The catalog as the first snapshot has it, seen once by the watchlist (its baseline)."""
    from finder.registry import registry_sync_changed
    from watches.matching import watch_alerts_run

    registry_sync_changed(condition="multiple sclerosis")
    watch_alerts_run()
    return registry


def month_later(registry, clock):
    """The registry a month later, synced (changed-since) and the alerts computed and sent."""
    from django.core import mail

    from finder.registry import registry_sync_changed
    from notifications.services import outbox_deliver_pending
    from watches.matching import watch_alerts_run

    registry.month_later()
    clock.at(SECOND_DAY)
    sync = registry_sync_changed(condition="multiple sclerosis")
    mail.outbox.clear()
    run = watch_alerts_run()
    outbox_deliver_pending()
    return sync, run


def alerts_of(watch) -> list[tuple[str, str]]:
    """(NCT id, kind) of every alert of a watch, sorted."""
    return sorted(watch.alerts.values_list("trial__nct_id", "kind"))


#: The session of a visit that found its place (Portland) on an earlier page.
PORTLAND_SESSION = {
    "latitude": 45.5152,
    "longitude": -122.6784,
    "label": "Portland, Oregon, United States",
    "country_code": "US",
    "query": "Portland, Oregon",
    "typed": "Portland, Oregon",
}


@pytest.fixture
def visitor(client, settings_for_mail):
    """A visit that found its place (Portland) on an earlier page."""
    session = client.session
    session["origin"] = PORTLAND_SESSION
    session.save()
    return client


@pytest.fixture
def enable_trial(db):
    from tests.factories import SiteFactory, TrialFactory

    trial = TrialFactory(nct_id="NCT06433752", acronym="ENABLE")
    SiteFactory(trial=trial, city="Portland", latitude=45.52, longitude=-122.68)
    return trial

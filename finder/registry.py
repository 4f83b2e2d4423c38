"""The live ClinicalTrials.gov API v2: search pages fetched lazily, as raw studies.

The fetching reads only; :func:`finder.importing.registry_sync` writes what it fetches.
:func:`registry_sync_changed` is the periodic sync: it asks the registry only for the
studies updated since the last *complete* sync of the condition (their
``LastUpdatePostDate``; :class:`~finder.models.RegistrySyncState` records when that ran),
imports them through the same import (change detection by content: an unchanged record
writes nothing), and records on each trial when the registry last confirmed it
(``Trial.registry_checked_at``). A partial run (a status filter, a page limit, a later
``since``) never moves the next fetch's start forward.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .conditions import condition_query
from .ctgov import RawStudy, iter_document_studies
from .models import RegistrySyncState, Trial
from .selectors import DEFAULT_CONDITION, condition_q

if TYPE_CHECKING:
    from .importing import ImportReport

logger = logging.getLogger(__name__)

#: The registry's page size limit (API v2 refuses more).
REGISTRY_MAX_PAGE_SIZE = 1000
#: How far before the last sync a changed-since fetch starts: the registry posts by date
#: (US Eastern time), so a day of overlap catches what was posted as the last sync ran.
#: Overlapping costs nothing: an unchanged record is recognised by content.
CHANGED_SINCE_OVERLAP = timedelta(days=1)


def changed_since_filter(since: date) -> str:
    """The registry's Essie expression for "updated on ``since`` or later" (``filter.advanced``)."""
    return f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"


class RegistryError(Exception):
    """The registry API could not be reached or did not answer usefully.

    The message is one line a person can act on. ``report`` holds what was imported
    before the failure (pages already fetched stay imported).
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.report: ImportReport | None = None


def registry_pages(
    *,
    condition: str,
    statuses: Sequence[str] = (),
    updated_since: date | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
    session: requests.Session | None = None,
) -> Iterator[dict[str, Any]]:
    """Search pages from the registry API (``settings.CTGOV_API_URL``), fetched lazily.

    ``updated_since`` keeps the studies whose last update was posted on that day or later
    (:func:`changed_since_filter`). Follows ``nextPageToken`` until there is none or
    ``max_pages`` pages were fetched. Raises :class:`RegistryError` with a one-line
    message when the registry cannot be reached, times out, answers with an HTTP error
    or with something that is not a page.
    """
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = "ms-trial-finder/1.0 (+ClinicalTrials.gov API v2 sync)"
    params: dict[str, Any] = {
        "format": "json",
        "query.cond": condition,
        "pageSize": min(max(page_size, 1), REGISTRY_MAX_PAGE_SIZE),
    }
    if statuses:
        params["filter.overallStatus"] = ",".join(statuses)
    if updated_since is not None:
        params["filter.advanced"] = changed_since_filter(updated_since)
    fetched = 0
    while max_pages is None or fetched < max_pages:
        page = _registry_get(session, params)
        fetched += 1
        yield page
        token = page.get("nextPageToken")
        if not token:
            return
        params["pageToken"] = token


def _registry_get(session: requests.Session, params: dict[str, Any]) -> dict[str, Any]:
    url, timeout = settings.CTGOV_API_URL, settings.CTGOV_TIMEOUT
    try:
        response = session.get(
            url, params=params, timeout=timeout, headers={"Accept": "application/json"}
        )
        response.raise_for_status()
        page = response.json()
    except requests.Timeout:
        raise RegistryError(f"ClinicalTrials.gov did not answer within {timeout:g} s ({url})")
    except requests.ConnectionError as exc:
        raise RegistryError(f"cannot reach ClinicalTrials.gov at {url}: {_root_cause(exc)}")
    except requests.HTTPError as exc:
        body = " ".join(exc.response.text.split())[:200]
        raise RegistryError(
            f"ClinicalTrials.gov answered HTTP {exc.response.status_code} "
            f"{exc.response.reason or ''} for {url}".rstrip()
            + (f": {body}" if body else "")
        )
    except (requests.RequestException, ValueError) as exc:
        raise RegistryError(f"ClinicalTrials.gov sent an unreadable answer from {url}: {exc}")
    if not isinstance(page, dict) or not isinstance(page.get("studies", []), list):
        raise RegistryError(f"ClinicalTrials.gov sent something that is not a search page ({url})")
    return page


def _root_cause(exc: BaseException) -> str:
    # requests nests the socket error several levels deep; the innermost says it plainly
    # ("Name or service not known", "Connection refused").
    while exc.__cause__ or exc.__context__:
        exc = exc.__cause__ or exc.__context__
    return " ".join((str(exc) or exc.__class__.__name__).split())


def registry_raw_studies(
    *,
    condition: str,
    statuses: Sequence[str] = (),
    updated_since: date | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
    session: requests.Session | None = None,
) -> Iterator[RawStudy]:
    """The studies of :func:`registry_pages`, one at a time, ready for :func:`studies_import`."""
    pages = registry_pages(
        condition=condition,
        statuses=statuses,
        updated_since=updated_since,
        page_size=page_size,
        max_pages=max_pages,
        session=session,
    )
    for number, page in enumerate(pages, start=1):
        yield from iter_document_studies(page, source=f"registry page {number}")


# --- the periodic sync -------------------------------------------------------------------------


@dataclass
class RegistrySync:
    """What a sync did: the import's report, where the fetch started, what it confirmed."""

    report: ImportReport
    since: date | None
    checked: int
    checked_at: datetime


def registry_last_checked() -> datetime | None:
    """When a sync last confirmed trials against the registry (``None``: never)."""
    return Trial.objects.aggregate(last=Max("registry_checked_at"))["last"]


def sync_condition_key(condition: str) -> str:
    """The condition as :class:`~finder.models.RegistrySyncState` keys it."""
    return " ".join(condition.lower().split())[:200]


def registry_last_complete_sync(condition: str = DEFAULT_CONDITION) -> datetime | None:
    """When the last complete sync of ``condition`` started (``None``: never)."""
    return (
        RegistrySyncState.objects.filter(condition=sync_condition_key(condition))
        .values_list("completed_at", flat=True)
        .first()
    )


def registry_changed_since(condition: str = DEFAULT_CONDITION) -> date | None:
    """Where the next changed-since fetch of ``condition`` starts: the day of its last
    complete sync, less the overlap; ``None`` (fetch everything) before the first one.

    Not the trials' latest ``registry_checked_at``: a partial run (``--status``,
    ``--max-pages``) confirms the trials it fetched, and starting after it would never
    fetch again a trial that left those statuses meanwhile.
    """
    last = registry_last_complete_sync(condition)
    if last is None:
        return None
    return timezone.localdate(last) - CHANGED_SINCE_OVERLAP


def _complete_sync_record(condition: str, at: datetime) -> None:
    RegistrySyncState.objects.update_or_create(
        condition=sync_condition_key(condition), defaults={"completed_at": at}
    )


def registry_sync_changed(
    *,
    condition: str,
    statuses: Sequence[str] = (),
    since: date | None = None,
    changed_only: bool = True,
    page_size: int = 100,
    max_pages: int | None = None,
    progress: Callable[[Iterator[RawStudy]], Iterable[RawStudy]] | None = None,
) -> RegistrySync:
    """Import what the registry changed for ``condition``, and record what it confirmed.

    With ``changed_only`` the fetch asks for the studies updated since ``since`` (default:
    :func:`registry_changed_since`, from the last complete sync; the first sync fetches
    everything). Every study fetched and imported is confirmed now.

    A run is complete when it has no status filter and no page limit, and fetched
    everything (no ``since``) or everything changed since a day no later than where the
    last complete sync leaves off. A complete run is recorded
    (:class:`~finder.models.RegistrySyncState`, at its start) and the next changed-since
    fetch starts from it. After a complete changed-since fetch the registry has also
    said that nothing else changed since ``since``, so the trials an earlier sync
    confirmed and that still match ``condition`` are confirmed now too. A status filter
    would hide a trial that left those statuses, a page limit the pages not fetched, and
    a later ``since`` what changed before it, so with any of them only the studies
    fetched count and the next fetch starts where it would have anyway. A failed fetch
    confirms and records nothing (the pages imported before it stay imported);
    :class:`RegistryError` carries their report. ``progress`` wraps the studies as they
    are fetched (the command's progress bar).
    """
    from .importing import studies_import

    resumes_at = registry_changed_since(condition)
    if changed_only and since is None:
        since = resumes_at
    if not changed_only:
        since = None
    checked_at = timezone.now()
    fetched: list[str] = []
    raw = registry_raw_studies(
        condition=condition,
        statuses=statuses,
        updated_since=since,
        page_size=page_size,
        max_pages=max_pages,
    )
    noted = _noting_labels(raw, fetched)
    report = studies_import(raw_studies=progress(noted) if progress else noted)
    imported = set(fetched) - {skipped.label for skipped in report.skipped}
    covers = since is None or (resumes_at is not None and since <= resumes_at)
    complete = covers and not statuses and max_pages is None
    checked = trials_registry_checked(
        nct_ids=imported,
        condition=condition if complete and since is not None else None,
        at=checked_at,
    )
    if complete:
        _complete_sync_record(condition, checked_at)
    logger.info(
        "registry sync since %s: %s; %d trials confirmed",
        since.isoformat() if since else "the beginning",
        report.summary,
        checked,
    )
    return RegistrySync(report=report, since=since, checked=checked, checked_at=checked_at)


def _noting_labels(raw: Iterable[RawStudy], labels: list[str]) -> Iterator[RawStudy]:
    for study in raw:
        labels.append(study.label)
        yield study


def trials_registry_checked(*, nct_ids: Iterable[str], condition: str | None, at: datetime) -> int:
    """Record that the registry confirmed these trials at ``at`` (and, with ``condition``,
    every trial confirmed before that matches it); returns how many rows were set."""
    ids = sorted(set(nct_ids))
    checked = 0
    for start in range(0, len(ids), 500):  # within any database's parameter limit
        chunk = ids[start : start + 500]
        checked += Trial.objects.filter(nct_id__in=chunk).update(registry_checked_at=at)
    if condition is not None:
        checked += Trial.objects.filter(
            condition_q(condition_query(condition)), registry_checked_at__lt=at
        ).update(registry_checked_at=at)
    return checked

"""The live ClinicalTrials.gov API v2: search pages fetched lazily, as raw studies.

Reads only; :func:`finder.importing.registry_sync` writes what it fetches.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings

from .ctgov import RawStudy, iter_document_studies

if TYPE_CHECKING:
    from .importing import ImportReport

logger = logging.getLogger(__name__)

#: The registry's page size limit (API v2 refuses more).
REGISTRY_MAX_PAGE_SIZE = 1000


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
    page_size: int = 100,
    max_pages: int | None = None,
    session: requests.Session | None = None,
) -> Iterator[dict[str, Any]]:
    """Search pages from the registry API (``settings.CTGOV_API_URL``), fetched lazily.

    Follows ``nextPageToken`` until there is none or ``max_pages`` pages were fetched.
    Raises :class:`RegistryError` with a one-line message when the registry cannot be
    reached, times out, answers with an HTTP error or with something that is not a page.
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
    page_size: int = 100,
    max_pages: int | None = None,
    session: requests.Session | None = None,
) -> Iterator[RawStudy]:
    """The studies of :func:`registry_pages`, one at a time, ready for :func:`studies_import`."""
    pages = registry_pages(
        condition=condition,
        statuses=statuses,
        page_size=page_size,
        max_pages=max_pages,
        session=session,
    )
    for number, page in enumerate(pages, start=1):
        yield from iter_document_studies(page, source=f"registry page {number}")

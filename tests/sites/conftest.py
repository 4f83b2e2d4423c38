"""Fixtures for the sites tests: a fake online geocoder (no network) and a fresh index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from sites import geocoding, index


@dataclass
class FakeLocation:
    latitude: float
    longitude: float
    address: str
    raw: dict = field(default_factory=dict)


@dataclass
class FakeGeocoder:
    """Stands in for geopy's rate-limited Nominatim.geocode; records every call."""

    answers: dict[str, Any] = field(default_factory=dict)
    error: Exception | None = None
    calls: list[tuple[Any, dict]] = field(default_factory=list)

    def __call__(self, query, **kwargs):
        self.calls.append((query, kwargs))
        if self.error is not None:
            raise self.error
        key = query if isinstance(query, str) else query.get("postalcode")
        return self.answers.get(key)


@pytest.fixture
def fake_geocoder(monkeypatch, settings):
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_MODE = "fallback"
    fake = FakeGeocoder()
    monkeypatch.setattr(geocoding, "online_geocoder", lambda: fake)
    return fake


@pytest.fixture(autouse=True)
def _offline_by_default(settings):
    settings.GEOCODER = ""


@pytest.fixture(autouse=True)
def _fresh_site_index():
    """Each test sees an index built from its own rows (transactions roll back unseen)."""
    index.site_index_invalidate()
    yield
    index.site_index_invalidate()

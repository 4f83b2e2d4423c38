"""Audit gap 3: the catalog's import queues geocoding through a signal, not a task import.

finder/importing.py used to import ``sites.tasks``; it now sends
``sites.signals.sites_need_geocoding``, whose receiver ``SitesConfig.ready()`` connects.
"""

from __future__ import annotations

import sites.tasks
from finder.importing import sites_geocode_later
from sites.signals import sites_need_geocoding


def test_the_sites_app_connects_its_receiver():
    assert sites_need_geocoding.has_listeners()


def test_an_import_queues_geocoding_through_the_signal(monkeypatch):
    sent, queued = [], []
    monkeypatch.setattr(sites.tasks.geocode_sites, "delay", queued.append)

    def spy(sender, *, site_ids, **kwargs):
        sent.append(site_ids)

    sites_need_geocoding.connect(spy, weak=False, dispatch_uid="test-spy")
    try:
        sites_geocode_later(site_ids=[5, 6])
    finally:
        sites_need_geocoding.disconnect(dispatch_uid="test-spy")
    assert sent == [[5, 6]]
    assert queued == [[5, 6]]

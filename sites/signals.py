"""Signals of the sites app.

``sites_need_geocoding`` is sent (after the import's transaction commits) with the ids of
sites saved without coordinates; ``SitesConfig.ready()`` connects the receiver that queues
their geocoding (:func:`sites.tasks.queue_geocoding`), so the catalog's import never
imports a task.
"""

from django.dispatch import Signal

#: Sent with ``site_ids`` once sites the registry gave no coordinates have committed.
sites_need_geocoding = Signal()

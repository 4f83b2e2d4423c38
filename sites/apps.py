from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sites"
    verbose_name = "Sites"

    def ready(self) -> None:
        # Keeps the per-process distance index fresh in every process (web, worker, beat,
        # commands), not only where the selectors happen to be imported.
        from .index import connect_invalidation_signals
        from .signals import sites_need_geocoding
        from .tasks import queue_geocoding

        connect_invalidation_signals()
        # The catalog's import sends it after committing sites without coordinates.
        sites_need_geocoding.connect(queue_geocoding, dispatch_uid="sites-geocode")

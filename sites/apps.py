from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sites"
    verbose_name = "Sites"

    def ready(self) -> None:
        # Keeps the per-process distance index fresh in every process (web, worker, beat,
        # commands), not only where the selectors happen to be imported.
        from .index import connect_invalidation_signals

        connect_invalidation_signals()

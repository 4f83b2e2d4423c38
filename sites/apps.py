from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sites"
    verbose_name = "Sites"

    def ready(self) -> None:
        # Connects the signals that keep the per-process distance index fresh, in every
        # process (web, worker, beat, commands), not only where the API is imported.
        from . import selectors  # noqa: F401

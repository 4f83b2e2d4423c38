from django.apps import AppConfig


class WatchesConfig(AppConfig):
    name = "watches"
    verbose_name = "Watchlist: alerts about trials"

    def ready(self) -> None:
        from .notifications import watch_kinds_register

        watch_kinds_register()

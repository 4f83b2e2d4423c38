from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy: encryption at rest"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

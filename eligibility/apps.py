from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "eligibility"
    verbose_name = "Eligibility"

    def ready(self) -> None:
        from .signals import criteria_changed
        from .tasks import queue_reevaluation

        criteria_changed.connect(queue_reevaluation, dispatch_uid="eligibility-reevaluate")

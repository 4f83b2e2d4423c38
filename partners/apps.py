from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and API keys"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .keys import api_keys_changed
        from .models import Partner, PartnerAPIKey

        def retire_cached_keys(sender, **kwargs) -> None:
            api_keys_changed()

        for model in (Partner, PartnerAPIKey):
            for signal in (post_save, post_delete):
                signal.connect(
                    retire_cached_keys, sender=model, weak=False, dispatch_uid=f"api-keys-{model}"
                )

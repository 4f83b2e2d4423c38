"""System checks: production refuses to run without encryption keys."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def encryption_keys_check(app_configs, **kwargs):
    from .crypto import keys_configured

    if keys_configured() or settings.DEBUG:
        return []
    return [
        checks.Error(
            "FIELD_ENCRYPTION_KEYS is empty: personal data cannot be encrypted.",
            hint="Set FIELD_ENCRYPTION_KEYS to one or more Fernet keys, newest first.",
            # The id predates this app: deployments that silence or watch for the check
            # name it so.
            id="referrals.E001",
        )
    ]

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from privacy.signals import keys_rotated

        from .notifications import referral_kinds_register

        referral_kinds_register()
        keys_rotated.connect(
            record_key_rotation, dispatch_uid="referrals-audit-key-rotation", weak=False
        )


def record_key_rotation(sender, *, rows: dict[str, int], initiator: str, **kwargs) -> None:
    """A key rotation goes into the referrals' audit trail, as it always has."""
    from .services import encryption_keys_rotation_record

    encryption_keys_rotation_record(rows=rows, initiator=initiator)

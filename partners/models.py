"""Partners of the API and their keys.

A partner is an organisation that uses the partner API (a hospital, a patient group,
another finder). Its keys are stored hashed (only the prefix is readable) and cached
for authentication by :mod:`partners.keys`.
"""

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from .keys import InvalidatingQuerySet


class Partner(models.Model):
    """An organisation that uses the partner API (a hospital, a patient group, a finder)."""

    name = models.CharField(max_length=200, unique=True)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvalidatingQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerAPIKeyManager(APIKeyManager.from_queryset(InvalidatingQuerySet)):
    def get_usable_keys(self):
        # Authentication reads the partner of every key it checks: one query, not two.
        return super().get_usable_keys().select_related("partner")


class PartnerAPIKey(AbstractAPIKey):
    """A partner's API key, stored hashed (only the prefix is readable); revocable."""

    objects = PartnerAPIKeyManager()
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"

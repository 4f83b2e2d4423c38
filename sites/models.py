"""Trial sites (locations) with their coordinates and recruitment status."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteStatus(models.TextChoices):
    RECRUITING = "RECRUITING", _("Recruiting")
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING", _("Not yet recruiting")
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION", _("Enrolling by invitation")
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING", _("Active, not recruiting")
    SUSPENDED = "SUSPENDED", _("Suspended")
    TERMINATED = "TERMINATED", _("Terminated")
    COMPLETED = "COMPLETED", _("Completed")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")
    AVAILABLE = "AVAILABLE", _("Available")
    UNKNOWN = "UNKNOWN", _("Unknown status")


class GeocodeStatus(models.TextChoices):
    REGISTRY = "registry", _("From the registry")
    GAZETTEER = "gazetteer", _("From the gazetteer")
    GEOCODER = "geocoder", _("From the online geocoder")
    MANUAL = "manual", _("Set by a curator")
    PENDING = "pending", _("Waiting for geocoding")
    FAILED = "failed", _("Could not be placed")


class Site(models.Model):
    trial = models.ForeignKey("finder.Trial", on_delete=models.CASCADE, related_name="sites")
    # Stable key of the registry location (facility, city, state, zip, country) so a
    # re-import updates the same row instead of adding another.
    registry_key = models.CharField(max_length=64, editable=False)
    facility = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    state = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=120, blank=True)
    country_code = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=SiteStatus.choices, default=SiteStatus.UNKNOWN)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=60, blank=True)
    contact_email = models.EmailField(blank=True)
    geocode_status = models.CharField(
        max_length=16, choices=GeocodeStatus.choices, default=GeocodeStatus.PENDING
    )
    geocode_error = models.CharField(max_length=300, blank=True)
    geocode_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["trial", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "registry_key"], name="site_unique_registry_key_per_trial"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "latitude", "longitude"], name="site_status_lat_lon"),
            models.Index(fields=["latitude", "longitude"], name="site_lat_lon"),
            models.Index(fields=["geocode_status"], name="site_geocode_status"),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in [self.facility, self.city, self.country] if p)

    def save(self, *args, **kwargs):
        if not self.registry_key:
            self.registry_key = site_registry_key(
                facility=self.facility,
                city=self.city,
                state=self.state,
                postal_code=self.postal_code,
                country=self.country,
            )
        super().save(*args, **kwargs)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def site_registry_key(*, facility: str, city: str, state: str, postal_code: str, country: str):
    """A short stable hash of a location's address, case- and space-insensitive."""
    import hashlib

    fields = (facility, city, state, postal_code, country)
    parts = [" ".join((p or "").lower().split()) for p in fields]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

"""Display helpers for trials and sites: distances, age ranges, badges, addresses.

Presentation only (words and number formats); what a trial *is* stays on the model.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sites.countries import country_name_local, place_label_local

register = template.Library()

KM_PER_MILE = 1.609344


@register.filter
def country(name: str) -> str:
    """A country as the registry writes it, in the page's language ("España")."""
    return country_name_local(name)


@register.filter
def place_label(place) -> str:
    """A located place's label with its country in the page's language ("Madrid, España")."""
    return place_label_local(getattr(place, "label", "") or "", getattr(place, "country_code", ""))


@register.simple_tag
def distance(ranked_site, unit: str = "km") -> str:
    """ "17 mi" / "27 km"; "less than 1 km" close by; "" without a distance."""
    km = getattr(ranked_site, "distance_km", None)
    if km is None:
        return ""
    value = km / KM_PER_MILE if unit == "mi" else km
    label = pgettext("unit", "mi") if unit == "mi" else pgettext("unit", "km")
    if value < 1:
        return _("less than 1 %(unit)s") % {"unit": label}
    return f"{number_format(round(value), 0, force_grouping=True)} {label}"


def _years(value: Decimal | None) -> str:
    if value is None:
        return ""
    return number_format(value.normalize() if isinstance(value, Decimal) else value)


@register.simple_tag
def age_range(trial) -> str:
    """The trial's ages in words: "18 to 55", "18 and over", "any age"."""
    low, high = _years(trial.minimum_age_years), _years(trial.maximum_age_years)
    if low and high:
        return _("%(low)s to %(high)s") % {"low": low, "high": high}
    if low:
        return _("%(low)s and over") % {"low": low}
    if high:
        return _("up to %(high)s") % {"high": high}
    return _("Any age")


@register.simple_tag
def trial_badges(trial) -> list:
    """The short facts seed 000 shows as badges (finder.selectors decides which)."""
    from finder.selectors import trial_badges as badges_for

    return badges_for(trial=trial)


@register.filter
def spots_left_current(trial) -> bool:
    """Whether "about N spots left" may be shown (not for a date gone by: finder.selectors)."""
    from finder.selectors import spots_left_current as is_current

    return is_current(trial=trial)


@register.filter
def place(site) -> str:
    """City, state and country of a site, whatever parts it has."""
    return ", ".join(p for p in (site.city, site.state, site.country) if p)


@register.filter
def full_address(site) -> str:
    return ", ".join(
        p for p in (site.facility, site.city, site.state, site.postal_code, site.country) if p
    )

"""Template tags of the watchlist's entry points on the search and results pages."""

from django import template

from ..selectors import catalog_checked_at

register = template.Library()


@register.simple_tag
def catalog_checked_on():
    """When a sync last confirmed the catalog against ClinicalTrials.gov (or None)."""
    return catalog_checked_at()

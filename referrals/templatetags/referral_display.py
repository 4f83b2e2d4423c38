"""Template filters of the site team's pages."""

from django import template

from ..display import CriteriaCounts, criteria_counts

register = template.Library()


@register.filter
def checked_counts(results) -> CriteriaCounts:
    """``{% with counts=referral.results|checked_counts %}``: checked of total criteria."""
    return criteria_counts(results if isinstance(results, list) else [])

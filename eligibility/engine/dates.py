"""Dates as patients give them: a day (``2026-03-04``) or a month (``2026-03``).

A month is an interval: its first to its last day, or to today in the current month.
:func:`days_since` turns either into the number of whole days before the evaluation
date (a :class:`~eligibility.engine.values.DayRange` for a month); :func:`format_when`
says it back to a patient ("on 4 March 2026", "in March 2026", "el 4 de marzo de 2026").
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from .values import DayRange

#: The earliest date a dated fact accepts.
EARLIEST = date(1900, 1, 1)

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")

MONTH_NAMES = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def is_month(text: str) -> bool:
    """True for a normalised month (``YYYY-MM``), false for a day (``YYYY-MM-DD``)."""
    return len(text) == 7


def parse_day(value: Any) -> date | None:
    """A ``date`` (not a datetime) or a ``YYYY-MM-DD`` string as a date; ``None`` for
    anything else; ``ValueError`` for a day that does not exist (``2026-02-30``)."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a valid date") from None
    return None


def check_day_or_month(value: Any, today: date) -> str:
    """A day or a month, normalised to ``YYYY-MM-DD`` / ``YYYY-MM``; else ``ValueError``.

    A day may not be in the future nor before 1900; a month may not be after the
    current month nor before 1900.
    """
    day = parse_day(value)
    if day is not None:
        if day > today:
            raise ValueError("cannot be in the future")
        if day < EARLIEST:
            raise ValueError("cannot be before 1900")
        return day.isoformat()
    month = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if month is None:
        raise ValueError("must be a date written as YYYY-MM-DD or a month written as YYYY-MM")
    year, number = int(month[1]), int(month[2])
    if not 1 <= number <= 12:
        raise ValueError(f"'{value}' is not a valid month")
    if year < EARLIEST.year:
        raise ValueError("cannot be before 1900")
    if (year, number) > (today.year, today.month):
        raise ValueError("cannot be in the future")
    return value


def month_days(text: str, today: date) -> tuple[date, date]:
    """The first and last day of a month answer, the last capped at ``today``."""
    year, number = int(text[:4]), int(text[5:7])
    last = date(year, number, calendar.monthrange(year, number)[1])
    return date(year, number, 1), min(last, today)


def days_since(text: str, today: date) -> int | DayRange:
    """Whole days from a day or month answer to ``today``; a month gives a range."""
    if not is_month(text):
        return (today - date.fromisoformat(text)).days
    first, last = month_days(text, today)
    low, high = (today - last).days, (today - first).days
    return low if low == high else DayRange(low, high)


def format_day(day: date, lang: str) -> str:
    """``4 March 2026`` / ``4 de marzo de 2026``."""
    month = MONTH_NAMES[lang][day.month - 1]
    if lang == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def format_month(text: str, lang: str) -> str:
    """``March 2026`` / ``marzo de 2026`` for ``2026-03``."""
    month = MONTH_NAMES[lang][int(text[5:7]) - 1]
    return f"{month} de {text[:4]}" if lang == "es" else f"{month} {text[:4]}"


def format_date(text: str, lang: str) -> str:
    """A day or month answer as a patient reads it (``4 March 2026``, ``March 2026``)."""
    if is_month(text):
        return format_month(text, lang)
    return format_day(date.fromisoformat(text), lang)


def format_days_ago(value: int | DayRange, lang: str) -> str:
    """``today``, ``1 day ago``, ``40 days ago``, ``between 76 and 106 days ago``."""
    if isinstance(value, DayRange):
        if lang == "es":
            return f"hace entre {value.low} y {value.high} días"
        return f"between {value.low} and {value.high} days ago"
    if value == 0:
        return "hoy" if lang == "es" else "today"
    if lang == "es":
        return "hace 1 día" if value == 1 else f"hace {value} días"
    return "1 day ago" if value == 1 else f"{value} days ago"


def format_when(value: str | int | DayRange, lang: str) -> str:
    """When something happened, to complete a sentence: ``on 4 March 2026``, ``in March
    2026``, ``40 days ago``; in Spanish ``el 4 de marzo de 2026``, ``en marzo de 2026``."""
    if not isinstance(value, str):
        return format_days_ago(value, lang)
    if is_month(value):
        preposition = "en" if lang == "es" else "in"
    else:
        preposition = "el" if lang == "es" else "on"
    return f"{preposition} {format_date(value, lang)}"

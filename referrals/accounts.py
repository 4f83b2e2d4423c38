"""Account helpers shared by the login throttling configuration."""

from __future__ import annotations

#: django-axes stores usernames in a 255-character column; ours are at most 150.
USERNAME_MAX_LENGTH = 150


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The username axes records for a login attempt, cut to a length it can store.

    Django's login form does not enforce the username's maximum length on the server,
    so a hostile, very long username would otherwise reach the database (PostgreSQL
    refuses it: a 500 instead of "wrong username or password").
    """
    if credentials:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get("username")
    return username[:USERNAME_MAX_LENGTH] if isinstance(username, str) else username

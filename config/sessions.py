"""The session store: Django's database sessions, one query cheaper for a new visitor.

Django looks a new random session key up before it inserts it (``exists()``), then
inserts with ``must_create=True``, which already refuses a key in use (the unique
primary key) and makes ``create()`` draw again. The look-up costs a query for every
visitor who starts a session (a patient typing a place) and protects nothing the
insert does not: 32 random characters out of 36 do not collide in practice, and when
they do, the insert's refusal is the check.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string

__all__ = ["SessionStore"]


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

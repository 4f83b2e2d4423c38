"""The kinds of notification the outbox can carry, each registered by the app that owns it.

An app registers its kinds in its ``AppConfig.ready()``: a name (stored on every
:class:`~notifications.models.OutboxMessage`), a label for the admin, a renderer that
turns a message into the email to send (``None`` when nobody is left to send it to), and
optionally a hook run once the email has gone out (the referrals app records it in its
audit trail there). The outbox itself knows no kind and no subject model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.core.mail import EmailMessage

    from .models import OutboxMessage

Renderer = Callable[["OutboxMessage"], "EmailMessage | None"]
SentHook = Callable[["OutboxMessage"], None]

KIND_MAX_LENGTH = 64


class UnknownKind(LookupError):
    """A kind no installed app has registered."""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    render: Renderer
    on_sent: SentHook | None = None


_registry: dict[str, Kind] = {}


def kind_register(
    name: str, *, label: str, render: Renderer, on_sent: SentHook | None = None
) -> Kind:
    """Make ``name`` a kind the outbox can deliver. Registering it again the same way is a
    no-op; registering it with another renderer or hook is refused (two apps, one name)."""
    if not name or len(name) > KIND_MAX_LENGTH:
        raise ValueError(f"a kind is a name of 1 to {KIND_MAX_LENGTH} characters: {name!r}")
    kind = Kind(name=name, label=label, render=render, on_sent=on_sent)
    registered = _registry.setdefault(name, kind)
    if (registered.render, registered.on_sent) != (render, on_sent):
        raise ValueError(f"the notification kind {name!r} is already registered elsewhere")
    return registered


def kind_get(name: str) -> Kind:
    """The registered kind called ``name``; :class:`UnknownKind` if there is none."""
    try:
        return _registry[name]
    except KeyError:
        raise UnknownKind(name) from None

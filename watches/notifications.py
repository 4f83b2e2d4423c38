"""The e-mails of the watchlist, rendered when the outbox delivers them.

Two kinds: ``watch_confirmation`` (about a :class:`~watches.models.Watch`: the double
opt-in link, and a link to delete the request at once) and ``watch_digest`` (about a
:class:`~watches.models.WatchDigest`: a day's alerts, each with its reason and a link to
the trial). Both are in the watcher's language and carry links drawn as they are
rendered (their hashes only are stored); the digest's link opens the watch to pause,
change or delete it, and is also its ``List-Unsubscribe`` (one click, RFC 8058). The
text names studies, clinics and the place watched, never the address or the answers.
"""

from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from eligibility.engine.evaluate import ELIGIBLE, INELIGIBLE, POSSIBLY_ELIGIBLE
from finder.models import OverallStatus
from finder.templatetags.trial_display import distance
from notifications.kinds import kind_register
from notifications.models import OutboxMessage

from .models import TokenPurpose, Watch, WatchDigest, WatchStatus
from .services import (
    KIND_CONFIRMATION,
    KIND_DIGEST,
    confirmation_end,
    retention_end,
    watch_digest_sent,
    watch_token_issue,
)


def watch_kinds_register() -> None:
    """Make the watchlist's messages kinds the outbox delivers (``WatchesConfig.ready``)."""
    kind_register(KIND_CONFIRMATION, label="Watch: confirm the address", render=render_confirmation)
    kind_register(
        KIND_DIGEST, label="Watch: a day's alerts", render=render_digest, on_sent=watch_digest_sent
    )


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def render_confirmation(message: OutboxMessage) -> EmailMessage | None:
    """The double opt-in e-mail, or None once the watch is confirmed or gone."""
    watch: Watch | None = message.subject
    if watch is None or watch.status != WatchStatus.UNCONFIRMED or not watch.email:
        return None
    token = watch_token_issue(watch=watch, purpose=TokenPurpose.CONFIRM)
    # A token of its own for the delete link (it outlives the confirmation: the watch
    # can be deleted from this e-mail after it is confirmed, too).
    delete_token = watch_token_issue(watch=watch, purpose=TokenPurpose.DELETE)
    with translation.override(watch.language):
        context = {
            **watch_context(watch),
            "confirm_url": absolute_url(reverse("watches:confirm_open", args=[token])),
            "delete_url": absolute_url(reverse("watches:delete_open", args=[delete_token])),
            "valid_until": confirmation_end(watch),
        }
        return _email("emails/watch_confirmation", context, watch)


def render_digest(message: OutboxMessage) -> EmailMessage | None:
    """A day's alerts of one watch, or None when the watch is paused, gone or has none."""
    digest: WatchDigest | None = message.subject
    if digest is None:
        return None
    watch = digest.watch
    if watch.status != WatchStatus.ACTIVE or not watch.email:
        return None
    alerts = list(digest.alerts.select_related("trial", "site").order_by("trial__nct_id", "id"))
    if not alerts:
        return None
    token = watch_token_issue(watch=watch, purpose=TokenPurpose.MANAGE)
    manage_url = absolute_url(reverse("watches:manage_open", args=[token]))
    with translation.override(watch.language):
        context = {
            **watch_context(watch),
            "trials": digest_trials(alerts, watch),
            "manage_url": manage_url,
            "keep_until": retention_end(watch),
        }
        email = _email("emails/watch_digest", context, watch)
    email.extra_headers.update(
        {
            "List-Unsubscribe": "<{}>".format(
                absolute_url(reverse("watches:unsubscribe", args=[token]))
            ),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    )
    return email


def watch_context(watch: Watch) -> dict:
    """What both e-mails say about the watch."""
    trial = watch.trial
    return {
        "watch": watch,
        "trial": trial,
        "condition": watch.condition,
        "place": watch.place_label,
        "radius": distance(SimpleNamespace(distance_km=watch.radius_km), watch.unit),
        "with_answers": watch.answers is not None,
    }


def digest_trials(alerts, watch: Watch) -> list[dict]:
    """The alerts grouped by trial, in NCT order, each trial with its link and reasons."""
    trials: OrderedDict[int, dict] = OrderedDict()
    for alert in alerts:
        entry = trials.setdefault(
            alert.trial_id,
            {
                "trial": alert.trial,
                "url": absolute_url(reverse("finder:trial_detail", args=[alert.trial.nct_id])),
                "alerts": [],
            },
        )
        entry["alerts"].append(
            {
                "kind": alert.kind,
                "site": alert.site,
                "distance": distance(SimpleNamespace(distance_km=alert.distance_km), watch.unit),
                "before_label": verdict_label((alert.verdicts or {}).get("before", "")),
                "after_label": verdict_label((alert.verdicts or {}).get("after", "")),
                "status": _status_label(alert.trial.overall_status),
            }
        )
    return list(trials.values())


#: The verdicts as the result pages name them (the same words, so the same translations).
VERDICT_LABELS = {
    ELIGIBLE: _("You may qualify"),
    POSSIBLY_ELIGIBLE: _("You might qualify: some questions are open"),
    INELIGIBLE: _("Probably not a match"),
}


def verdict_label(verdict: str):
    return VERDICT_LABELS.get(verdict, verdict)


def _status_label(status: str):
    try:
        return OverallStatus(status).label
    except ValueError:
        return status


def _email(template: str, context: dict, watch: Watch) -> EmailMessage:
    """The e-mail to the watcher; call it inside ``translation.override(watch.language)``."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    email = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[watch.email]
    )
    email.extra_headers["Content-Language"] = watch.language
    return email

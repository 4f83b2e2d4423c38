"""The watch pages: save a watch, confirm it, and pause, change or delete it, without an
account.

Nothing personal is ever in a URL: a watch is saved from a search (its condition in the
query string) or a trial page (its NCT id), the place comes from the visit's session or
the form, and a message's link carries only a random token. A link is checked, kept in
the session (with its hash), and the page moves to an address without it at once, so the
token does not stay in the browser's history.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from config.throttling import client_address
from eligibility.session import AnswerStore
from finder.models import Trial
from finder.selectors import DEFAULT_CONDITION
from sites.location import distance_unit, location_origin, session_origin

from . import conf
from .forms import WatchAreaForm, WatchForm
from .models import TokenPurpose, Watch, WatchStatus, watch_token_hash
from .selectors import watch_token_for, watch_token_valid
from .services import (
    WatchRejected,
    confirmation_end,
    radius_km_for,
    retention_end,
    watch_change,
    watch_confirm,
    watch_create,
    watch_delete,
    watch_pause,
    watch_resume,
    watch_token_issue,
    watch_used,
)

SESSION_CONFIRM = "watch_confirm"
SESSION_MANAGE = "watch_manage"
#: The answer store's scope the questionnaires share (``match.views.MATCH_SCOPE``).
ANSWERS_SCOPE = "*"
SESSION_DELETE = "watch_delete"
#: A watch was just deleted through the pages: the next page says so, once.
SESSION_DELETED = "watch_deleted"


# --- saving a watch ------------------------------------------------------------------------


#: What a ``?trial=`` must look like to be looked up; anything else is ignored, as an NCT
#: id the catalog lacks is (the watch is then of the search).
NCT_ID = re.compile(r"NCT[0-9]{8}", re.IGNORECASE)


def _watched(request: HttpRequest) -> tuple[Trial | None, str, bool]:
    """What the new watch follows: the trial named in the query string, else its condition;
    and whether the condition held control characters (``\\x00`` and the like: refused,
    since no database keeps a NUL and none belongs in a search). The condition returned
    is without them, for the page to show."""
    nct_id = request.GET.get("trial", "").strip().upper()
    if NCT_ID.fullmatch(nct_id):
        trial = Trial.objects.filter(nct_id=nct_id).first()
        if trial is not None:
            return trial, "", False
    condition = " ".join(request.GET.get("condition", "").split())[:200]
    controls = any(unicodedata.category(char) == "Cc" for char in condition)
    if controls:
        condition = " ".join(
            "".join(char for char in condition if unicodedata.category(char) != "Cc").split()
        )
    return None, condition or DEFAULT_CONDITION, controls


def _condition_refused(form: WatchForm) -> None:
    if not hasattr(form, "cleaned_data"):  # an unbound form (GET) has none to update
        form.cleaned_data = {}
    form.add_error(
        None,
        _(
            "The search to watch (condition) contains control characters, which cannot be "
            "saved. Go back to the search and search again."
        ),
    )


def _requests_allowed(request: HttpRequest) -> bool:
    """At most ``WATCH_REQUESTS_PER_HOUR`` confirmation e-mails an hour from one address,
    so the form cannot flood someone's inbox. Fails open when the cache is down."""
    key = f"watches:requests:{client_address(request)}"
    try:
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) <= conf.setting("WATCH_REQUESTS_PER_HOUR")
    except Exception:  # the cache's outage must not stop the page
        return True


@never_cache
@sensitive_post_parameters("email")
@require_http_methods(["GET", "POST"])
def watch_new(request: HttpRequest) -> HttpResponse:
    trial, condition, bad_condition = _watched(request)
    origin = session_origin(request)
    unit = distance_unit(request, origin)
    answers = AnswerStore(request, ANSWERS_SCOPE).answers
    initial = {
        "location": origin.label if origin else "",
        "use_answers": bool(answers) and request.GET.get("answers") == "1",
    }
    status = 200
    if request.method == "POST":
        form = WatchForm(request.POST, unit=unit)
        if bad_condition:
            _condition_refused(form)
        elif form.is_valid():
            place = _new_place(request, form, origin)
            if place is None and not form.errors:
                form.add_error(
                    "location",
                    _("Enter a postal code or a city, so that we know what is near you."),
                )
            if not form.errors and not _requests_allowed(request):
                form.add_error(
                    None,
                    _(
                        "Too many alerts were asked for from here in the last hour. "
                        "Try again later."
                    ),
                )
            if not form.errors:
                try:
                    watch_create(
                        email=form.cleaned_data["email"],
                        place=place,
                        radius_km=radius_km_for(form.cleaned_data["radius"], unit),
                        unit=unit,
                        language=request.LANGUAGE_CODE,
                        condition=condition,
                        trial=trial,
                        answers=answers if form.cleaned_data["use_answers"] else None,
                    )
                except WatchRejected as rejected:
                    field = "email" if rejected.field == "email" else None
                    form.add_error(field, _("Check this: we could not save the alert."))
                else:
                    return redirect("watches:sent")
        status = 400
    else:
        form = WatchForm(initial=initial, unit=unit)
        if bad_condition:
            _condition_refused(form)
            status = 400
    if not answers:
        form.fields.pop("use_answers")
    return render(
        request,
        "watches/new.html",
        {
            "form": form,
            "trial": trial,
            "condition": condition,
            "origin": origin,
            "has_answers": bool(answers),
            "confirm_days": conf.setting("WATCH_CONFIRM_DAYS"),
            "retention_days": conf.setting("WATCH_RETENTION_DAYS"),
        },
        status=status,
    )


def _new_place(request: HttpRequest, form: WatchForm, origin):
    """The place of the visit when the box still shows it, else the one typed."""
    typed = (form.cleaned_data.get("location") or "").strip()
    if origin is not None and typed == origin.label and form.cleaned_data.get("lat") is None:
        return origin
    return location_origin(request, form)


@never_cache
def watch_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "watches/sent.html", {"confirm_days": conf.setting("WATCH_CONFIRM_DAYS")}
    )


# --- links from the e-mails ------------------------------------------------------------------


def _link_problem(request: HttpRequest, problem: str) -> HttpResponse:
    return render(
        request,
        "watches/link_problem.html",
        {"problem": problem},
        status=410 if problem == "expired" else 404,
    )


def _keep(request: HttpRequest, key: str, *, watch_id: int, token_hash: str) -> None:
    request.session[key] = {"id": watch_id, "token": token_hash}


def _session_watch(request: HttpRequest, key: str) -> Watch | None:
    kept = request.session.get(key) or {}
    if not isinstance(kept, dict):
        return None
    token = watch_token_valid(watch_id=kept.get("id"), token_hash=str(kept.get("token", "")))
    return token.watch if token is not None else None


def _open_link(request: HttpRequest, token: str, purpose: str, session_key: str, then: str):
    """A link of an e-mail: its token, if valid for ``purpose``, is kept in the session and
    the visitor sent on to ``then``, a page without the token in its address. Returns
    ``(response, token row or None)``."""
    found, problem = watch_token_for(token=token, purpose=purpose)
    if problem:
        return _link_problem(request, problem), None
    _keep(request, session_key, watch_id=found.watch_id, token_hash=found.token_hash)
    return redirect(then), found


@never_cache
def confirm_open(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation e-mail's link: kept in the session, then ``/watches/confirm/``."""
    response, _found = _open_link(
        request, token, TokenPurpose.CONFIRM, SESSION_CONFIRM, "watches:confirm"
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Second step of the double opt-in: one click on the page (not the link alone, which
    mail scanners open too)."""
    watch = _session_watch(request, SESSION_CONFIRM)
    if watch is None:
        return _link_problem(request, "unknown")
    if request.method == "POST":
        watch_confirm(watch=watch)
        request.session.pop(SESSION_CONFIRM, None)
        _manage_in_session(request, watch)
        request.session["watch_confirmed"] = True
        return redirect("watches:manage")
    return render(
        request,
        "watches/confirm.html",
        {"watch": watch, "valid_until": confirmation_end(watch)},
    )


def _manage_in_session(request: HttpRequest, watch: Watch) -> None:
    # A fresh token of its own (never e-mailed): the session holds a hash like any link's.
    token = watch_token_issue(watch=watch, purpose=TokenPurpose.MANAGE)
    _keep(request, SESSION_MANAGE, watch_id=watch.pk, token_hash=watch_token_hash(token))


@never_cache
def manage_open(request: HttpRequest, token: str) -> HttpResponse:
    """A digest's link: the watch is in use; kept in the session, then ``/watches/manage/``."""
    response, found = _open_link(
        request, token, TokenPurpose.MANAGE, SESSION_MANAGE, "watches:manage"
    )
    if found is not None:
        watch_used(watch=found.watch)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """The watch: pause or resume it, change the place or the distance, delete it."""
    watch = _session_watch(request, SESSION_MANAGE)
    if watch is None:
        return _link_problem(request, "unknown")
    unit = watch.unit
    form = WatchAreaForm(
        initial={"location": watch.place_label, "radius": str(round(watch.radius_in_unit))},
        unit=unit,
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "delete":
            watch_delete(watch=watch)
            request.session.pop(SESSION_MANAGE, None)
            request.session[SESSION_DELETED] = True
            return redirect("watches:deleted")
        if action == "pause":
            watch_pause(watch=watch)
            return redirect("watches:manage")
        if action == "resume":
            watch_resume(watch=watch)
            return redirect("watches:manage")
        if action == "change":
            form = WatchAreaForm(request.POST, unit=unit)
            if form.is_valid():
                place = _changed_place(request, form, watch)
                if not form.errors:
                    watch_change(
                        watch=watch,
                        place=place,
                        radius_km=radius_km_for(form.cleaned_data["radius"], unit),
                        unit=unit,
                    )
                    request.session["watch_changed"] = True
                    return redirect("watches:manage")
        status = 400
    return render(
        request,
        "watches/manage.html",
        {
            "watch": watch,
            "form": form,
            "keep_until": retention_end(watch),
            "just_confirmed": request.session.pop("watch_confirmed", False),
            "just_changed": request.session.pop("watch_changed", False),
            "paused": watch.status == WatchStatus.PAUSED,
        },
        status=status,
    )


def _changed_place(request: HttpRequest, form: WatchAreaForm, watch: Watch):
    """The place typed, or ``None`` to keep the watch's (the box still shows its label)."""
    typed = (form.cleaned_data.get("location") or "").strip()
    coordinates = form.cleaned_data.get("lat") is not None
    if typed == watch.place_label and not coordinates:
        return None
    if not typed and not coordinates:
        return None
    return location_origin(request, form)


@never_cache
def deleted(request: HttpRequest) -> HttpResponse:
    return render(
        request, "watches/deleted.html", {"shown": request.session.pop(SESSION_DELETED, False)}
    )


@never_cache
def delete_open(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation e-mail's "delete this request now" link: kept in the session,
    then ``/watches/delete/``."""
    response, _found = _open_link(
        request, token, TokenPurpose.DELETE, SESSION_DELETE, "watches:delete"
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    """Delete the request with one click on the page (not the link alone, which mail
    scanners open too), confirmed or not."""
    watch = _session_watch(request, SESSION_DELETE)
    if watch is None:
        return _link_problem(request, "unknown")
    if request.method == "POST":
        watch_delete(watch=watch)
        request.session.pop(SESSION_DELETE, None)
        request.session.pop(SESSION_CONFIRM, None)
        request.session[SESSION_DELETED] = True
        return redirect("watches:deleted")
    return render(request, "watches/delete.html", {"watch": watch})


@csrf_exempt  # the token in the link is the authority; RFC 8058 one-click has no form
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """``List-Unsubscribe``: a mail client's one-click POST deletes the watch; a browser's
    GET opens the watch's page, where deleting is one button."""
    found, problem = watch_token_for(token=token, purpose=TokenPurpose.MANAGE)
    if problem:
        return _link_problem(request, problem)
    if request.method == "POST":
        watch_delete(watch=found.watch, reason="unsubscribed")
        return render(request, "watches/deleted.html", {"shown": True})
    return manage_open(request, token)

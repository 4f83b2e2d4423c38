"""Referral pages: the patient's request, the clinician's referrals, the site team's queue.

Thin: each view reads one selector or calls one service. A referral is only ever
looked up through a selector scoped to the asker, so another site's (or another
clinician's) referral answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from eligibility.selectors import trial_questions
from eligibility.session import session_screening
from finder.models import Trial
from sites.location import session_origin
from sites.models import Site

from . import selectors
from .audit import actor_from_request, audit_record
from .consent import consent_text
from .display import answers_for_display, criteria_counts, criteria_for_display
from .forms import (
    ClinicianReferralForm,
    NoteForm,
    PatientReferralForm,
    QueueFilterForm,
    StatusChangeForm,
)
from .models import AuditAction, Channel
from .services import (
    REFERABLE_VERDICTS,
    ReferralRejected,
    referral_create,
    referral_create_from_screening,
    referral_note_add,
    referral_status_change,
)

#: Where this app keeps the reference to show on the confirmation page.
SESSION_SENT = "referral_sent"
PERSONAL_FIELDS = (
    "name", "email", "phone", "note",
    "patient_name", "patient_email", "patient_phone",
    "clinician_name", "clinician_email", "clinician_phone",
)  # fmt: skip


#: The pages word some service errors for people, not for API clients.
PAGE_MESSAGES = {
    "consent": _lazy("Tick the box to agree, so that we can send the request."),
}


def _add_errors(form, errors: dict[str, str], field_for=None) -> None:
    for key, message in errors.items():
        message = PAGE_MESSAGES.get(key, message)
        field = field_for(key) if field_for else (key.split(".")[-1] if "." in key else key)
        if key == "contact" and field_for is None:
            field = "email"
        form.add_error(field if field in form.fields else None, message)


# --- the patient -----------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters(*PERSONAL_FIELDS)
def referral_create_view(request, nct_id: str):
    """ "Ask to be contacted": pick a site, leave a name and an email or phone, consent."""
    trial = get_object_or_404(Trial, nct_id=nct_id.upper())
    screening = session_screening(request, nct_id=trial.nct_id)
    if screening is None or screening.verdict not in REFERABLE_VERDICTS:
        return render(request, "referrals/referral_unavailable.html", {"trial": trial}, status=200)
    if hasattr(screening, "referral"):
        sent = request.session.get(SESSION_SENT) or {}
        if sent.get("reference") == screening.referral.reference:
            return redirect("referral_sent")
        return render(request, "referrals/referral_unavailable.html", {"trial": trial})
    sites = selectors.referral_sites(trial=trial, origin=session_origin(request))
    form = PatientReferralForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        site = Site.objects.get(pk=form.cleaned_data["site"])
        try:
            referral = referral_create_from_screening(
                screening=screening,
                site=site,
                contact=form.contact(),
                consent=form.cleaned_data["consent"],
                actor=actor_from_request(request),
            )
        except ReferralRejected as exc:
            _add_errors(form, exc.errors)
        else:
            request.session[SESSION_SENT] = {
                "reference": referral.reference,
                "nct_id": trial.nct_id,
                "site": referral.site_id,
                "emailed": bool(form.cleaned_data.get("email")),
            }
            return redirect("referral_sent")
    selected = form["site"].value() or (str(sites[0].id) if sites else None)
    consents = {str(site.id): consent_text(trial=trial, site=site) for site in sites}
    return render(
        request,
        "referrals/referral_form.html",
        {
            "trial": trial,
            "screening": screening,
            "form": form,
            "sites": sites,
            "consents": consents,
            "selected_consent": consents.get(str(selected), ""),
        },
    )


@never_cache
def referral_sent_view(request):
    """The confirmation page: the reference number, and what happens next."""
    sent = request.session.get(SESSION_SENT)
    if not sent:
        return redirect("finder:home")
    trial = get_object_or_404(Trial, nct_id=sent["nct_id"])
    site = Site.objects.filter(pk=sent["site"]).first()
    return render(
        request, "referrals/referral_sent.html", {"sent": sent, "trial": trial, "site": site}
    )


# --- the referring clinician -----------------------------------------------------------------


def _clinician_or_404(request) -> None:
    if not selectors.is_referring_clinician(user=request.user):
        raise Http404


@login_required
@never_cache
def clinician_referral_list(request):
    _clinician_or_404(request)
    referrals = selectors.referrals_for_clinician(user=request.user)
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    trials = Trial.objects.filter(overall_status="RECRUITING").order_by("nct_id")
    return render(request, "referrals/clinician_list.html", {"page": page, "trials": trials})


@login_required
@never_cache
@sensitive_post_parameters(*PERSONAL_FIELDS)
def clinician_referral_create(request, nct_id: str):
    _clinician_or_404(request)

    trial = get_object_or_404(Trial, nct_id=nct_id.upper())
    sites = selectors.referral_sites(trial=trial)
    user = request.user
    profile = user.clinician_profile
    form = ClinicianReferralForm(
        request.POST or None,
        questions=trial_questions(trial=trial),
        sites=sites,
        initial={
            "clinician_name": user.get_full_name(),
            "clinician_email": user.email,
            "clinician_phone": profile.phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        site = Site.objects.get(pk=form.cleaned_data["site"])
        try:
            referral = referral_create(
                trial=trial,
                site=site,
                answers=form.answers(),
                contact=form.patient_contact(),
                consent=form.cleaned_data["consent"],
                actor=actor_from_request(request),
                channel=Channel.CLINICIAN,
                clinician=form.clinician_contact(),
            )
        except ReferralRejected as exc:
            _add_errors(form, exc.errors, field_for=form.field_for_error)
        else:
            messages.success(
                request,
                _("Referral %(reference)s was sent to the study team.")
                % {"reference": referral.reference},
            )
            return redirect("clinician_referral_detail", reference=referral.reference)
    consent = consent_text(trial=trial, site=sites[0], channel=Channel.CLINICIAN) if sites else ""
    return render(
        request,
        "referrals/clinician_form.html",
        {"trial": trial, "form": form, "consent": consent, "has_sites": bool(sites)},
    )


@login_required
@never_cache
def clinician_referral_detail(request, reference: str):
    _clinician_or_404(request)
    referral = selectors.referral_for_clinician(user=request.user, reference=reference)
    if referral is None:
        raise Http404
    audit_record(actor=actor_from_request(request), action=AuditAction.VIEW, referral=referral)
    return render(request, "referrals/clinician_detail.html", {"referral": referral})


# --- the site team ---------------------------------------------------------------------------


def _team_member_or_404(request) -> None:
    if not selectors.is_site_team_member(user=request.user):
        raise Http404


def _team_referral_or_404(request, reference: str):
    _team_member_or_404(request)
    referral = selectors.referral_for_site_team(user=request.user, reference=reference)
    if referral is None:
        raise Http404
    return referral


def _queue_filters(request) -> tuple[QueueFilterForm, str | None, int | None]:
    """The queue's filter form and the status and trial it selects (None: any)."""
    filters = QueueFilterForm(
        request.GET or None, trials=selectors.trials_for_site_team(user=request.user)
    )
    if not filters.is_valid():
        return filters, None, None
    return filters, filters.cleaned_data["status"] or None, filters.cleaned_data["trial"]


@login_required
@never_cache
def team_referral_queue(request):
    """The referrals to the user's sites, newest first, filtered by status and study."""
    _team_member_or_404(request)
    filters, status, trial_id = _queue_filters(request)
    referrals = selectors.referrals_for_site_team(
        user=request.user, status=status, trial_id=trial_id
    )
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    audit_record(
        actor=actor_from_request(request),
        action=AuditAction.LIST,
        detail={"status": status or "", "trial": trial_id, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/team_queue.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )


@login_required
@never_cache
def team_referral_detail(request, reference: str):
    """Everything about one referral, with its verdict then and under today's criteria."""
    referral = _team_referral_or_404(request, reference)
    audit_record(actor=actor_from_request(request), action=AuditAction.VIEW, referral=referral)
    return _team_detail_page(request, referral)


def _team_detail_page(request, referral, status_form=None, note_form=None, status=200):
    current = selectors.referral_reevaluate(referral=referral)
    return render(
        request,
        "referrals/team_detail.html",
        {
            "referral": referral,
            "answers": answers_for_display(referral.answers),
            "criteria_then": criteria_for_display(referral.results),
            "counts_then": criteria_counts(referral.results),
            "current": current,
            "criteria_now": criteria_for_display(current.criteria),
            "counts_now": criteria_counts(current.criteria),
            "verdict_changed": current.verdict != referral.verdict,
            "activities": referral.activities.select_related("author"),
            "status_form": status_form or StatusChangeForm(referral=referral),
            "note_form": note_form or NoteForm(),
        },
        status=status,
    )


@login_required
@require_POST
@sensitive_post_parameters("note")
def team_referral_status(request, reference: str):
    referral = _team_referral_or_404(request, reference)
    form = StatusChangeForm(request.POST, referral=referral)
    if form.is_valid():
        try:
            referral_status_change(
                referral=referral,
                to_status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                actor=actor_from_request(request),
            )
        except ReferralRejected as exc:
            _add_errors(form, exc.errors)
        else:
            messages.success(request, _("Status updated."))
            return redirect("team_referral_detail", reference=referral.reference)
    return _team_detail_page(request, referral, status_form=form, status=400)


@login_required
@require_POST
@sensitive_post_parameters("note")
def team_referral_note(request, reference: str):
    referral = _team_referral_or_404(request, reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            referral_note_add(
                referral=referral, note=form.cleaned_data["note"], actor=actor_from_request(request)
            )
        except ReferralRejected as exc:
            _add_errors(form, exc.errors)
        else:
            messages.success(request, _("Note added."))
            return redirect("team_referral_detail", reference=referral.reference)
    return _team_detail_page(request, referral, note_form=form, status=400)


EXPORT_COLUMNS = (
    "reference", "created_at", "trial", "site", "status", "verdict",
    "name", "email", "phone",
)  # fmt: skip


@login_required
@never_cache
def team_referral_export(request):
    """The queue (same filters) as CSV, contact details included; the export is audited."""
    _team_member_or_404(request)
    _filters, status, trial_id = _queue_filters(request)
    referrals = list(
        selectors.referrals_for_site_team(user=request.user, status=status, trial_id=trial_id)
    )
    audit_record(
        actor=actor_from_request(request),
        action=AuditAction.EXPORT,
        detail={
            "status": status or "",
            "trial": trial_id,
            "references": [r.reference for r in referrals],
        },
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="referrals-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    for r in referrals:
        writer.writerow(
            [
                r.reference,
                r.created_at.isoformat(),
                r.trial.nct_id,
                str(r.site),
                r.get_status_display(),
                r.verdict,
                *(_csv_safe(v) for v in (r.contact_name, r.contact_email, r.contact_phone)),
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheet programs.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

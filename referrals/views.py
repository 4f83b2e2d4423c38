"""Referral pages: the patient's request and its status, the clinician's referrals, the site
team's queue and team, invitations, and the operators' queue of referrals waiting for a team.

Thin: each view reads one selector or calls one service. A referral is only ever
looked up through a selector scoped to the asker, so another site's (or another
clinician's) referral answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from eligibility.selectors import trial_questions
from eligibility.session import session_screening
from finder.models import Trial
from sites.location import distance_unit, session_origin
from sites.models import Site

from . import selectors
from .audit import actor_from_request, audit_record
from .consent import consent_text
from .display import answers_for_display, criteria_counts, criteria_for_display
from .forms import (
    ClinicianReferralForm,
    InvitationAccountForm,
    NoteForm,
    PatientReferralForm,
    QueueFilterForm,
    SiteInvitationForm,
    SiteSearchForm,
    StatusChangeForm,
)
from .models import INVITATION_VALID_FOR, AuditAction, Channel, SiteInvitation, SiteRole
from .services import (
    EMAIL_INVALID,
    EMAIL_OR_PHONE,
    NAME_WITHOUT_LETTERS,
    PHONE_INVALID,
    REFERABLE_VERDICTS,
    InvitationRejected,
    InvitationUnusable,
    ReferralRejected,
    referral_create,
    referral_create_from_screening,
    referral_note_add,
    referral_status_change,
    site_invitation_accept,
    site_invitation_approve,
    site_invitation_create,
    site_invitation_refused,
    site_invitation_resend,
    site_invitation_revoke,
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
    "consent": gettext_lazy("Tick the box to agree, so that we can send the request."),
}

#: The services' contact errors (English, for the API) as the pages say them, translated.
CONTACT_MESSAGES = {
    "is required": gettext_lazy("This field is required."),
    NAME_WITHOUT_LETTERS: gettext_lazy(
        "Enter a name, with letters: the study team greets you by it."
    ),
    EMAIL_INVALID: gettext_lazy(
        "This is not a valid email address (for example name@example.org)."
    ),
    PHONE_INVALID: gettext_lazy(
        "This is not a valid phone number: include the country code if you are outside the "
        "site's country (for example +1 650 555 0100)."
    ),
    EMAIL_OR_PHONE: gettext_lazy("Give an email address or a phone number (or both)."),
}


def _add_errors(form, errors: dict[str, str], field_for=None) -> None:
    for key, message in errors.items():
        message = PAGE_MESSAGES.get(key) or CONTACT_MESSAGES.get(message, message)
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
    origin = session_origin(request)
    sites = selectors.referral_sites(trial=trial, origin=origin)
    unit = distance_unit(request, origin)
    picker_action = request.POST.get("sites") if request.method == "POST" else None
    query, shown = SiteSearchForm(request.POST or None).picker()
    if picker_action == "more":
        shown += selectors.SITES_MORE
    elif picker_action in ("search", "clear"):
        shown = selectors.SITES_OFFERED
        query = "" if picker_action == "clear" else query
    selected = request.POST.get("site") or (str(sites[0].id) if sites else "")
    offered = selectors.referral_sites_offered(
        sites=sites, query=query, shown=shown, selected=selected
    )
    if picker_action:
        # Showing other sites is not sending: what was typed comes back, with no errors.
        form = PatientReferralForm(
            initial=request.POST.dict(), sites=sites, shown=offered.shown, unit=unit
        )
    else:
        form = PatientReferralForm(
            request.POST or None, sites=sites, shown=offered.shown, unit=unit
        )
    if request.method == "POST" and not picker_action and form.is_valid():
        site = Site.objects.get(pk=form.cleaned_data["site"])
        try:
            referral = referral_create_from_screening(
                screening=screening,
                site=site,
                contact=form.contact(),
                consent=form.cleaned_data["consent"],
                actor=actor_from_request(request),
                language=request.LANGUAGE_CODE,
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
    selected = str(form["site"].value() or "")
    consents = {str(site.id): consent_text(trial=trial, site=site) for site in offered.shown}
    with_team = selectors.site_ids_with_team(site_ids=[site.id for site in offered.shown])
    return render(
        request,
        "referrals/referral_form.html",
        {
            "trial": trial,
            "screening": screening,
            "form": form,
            "sites": sites,
            "offered": offered,
            "search": SiteSearchForm(initial={"site_query": query, "shown": len(offered.shown)}),
            "more_step": min(selectors.SITES_MORE, offered.more),
            "without_team": [str(site.id) for site in offered.shown if site.id not in with_team],
            "ranked": origin is not None,
            "unit": unit,
            "consents": consents,
            "selected_consent": consents.get(selected, ""),
        },
    )


@never_cache
def referral_sent_view(request):
    """The confirmation page: the reference number, and what happens next."""
    sent = request.session.get(SESSION_SENT)
    if not sent:
        return redirect("finder:home")
    referral = selectors.referral_for_patient(reference=sent["reference"])
    if referral is None:
        return redirect("finder:home")
    return _referral_status_page(request, referral, sent=sent)


@never_cache
def referral_status_view(request, reference: str):
    """A patient's request by its reference: what happens next, and whether the site's
    team has opened it. The reference is random and the page shows nothing personal."""
    referral = selectors.referral_for_patient(reference=reference)
    if referral is None:
        raise Http404
    sent = request.session.get(SESSION_SENT) or {}
    return _referral_status_page(
        request, referral, sent=sent if sent.get("reference") == referral.reference else None
    )


def _referral_status_page(request, referral, *, sent):
    return render(
        request,
        "referrals/referral_sent.html",
        {
            "referral": referral,
            "sent": sent,
            "trial": referral.trial,
            "site": referral.site,
            "progress": selectors.referral_progress(referral=referral),
        },
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
                language=request.LANGUAGE_CODE,
            )
        except ReferralRejected as exc:
            _add_errors(form, exc.errors, field_for=form.field_for_error)
        else:
            if selectors.referral_team_notified(referral=referral):
                done = _("Referral %(reference)s was sent to the study team.")
            else:
                done = _(
                    "Referral %(reference)s is saved, but this site's study team does not use "
                    "MS Trial Finder yet, so nobody there has been told: contact the site "
                    "directly. The MS Trial Finder operators see it waiting and can invite the "
                    "team."
                )
            messages.success(request, done % {"reference": referral.reference})
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
    # "site_team": the views the patient's status page counts as the site opening it.
    audit_record(
        actor=actor_from_request(request),
        action=AuditAction.VIEW,
        referral=referral,
        detail={"scope": "site_team"},
    )
    return _team_detail_page(request, referral)


def _team_detail_page(request, referral, status_form=None, note_form=None, status=200):
    # An erased referral has no answers left to check today's criteria against.
    current = None if referral.is_erased else selectors.referral_reevaluate(referral=referral)
    return render(
        request,
        "referrals/team_detail.html",
        {
            "referral": referral,
            "answers": answers_for_display(referral.answers),
            "criteria_then": criteria_for_display(referral.results),
            "counts_then": criteria_counts(referral.results),
            "current": current,
            "criteria_now": criteria_for_display(current.criteria) if current else [],
            "counts_now": criteria_counts(current.criteria) if current else None,
            "verdict_changed": current is not None and current.verdict != referral.verdict,
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


# --- invitations to a site's team --------------------------------------------------------------

#: Where an opened invitation link is kept while its holder signs up or signs in.
SESSION_INVITATION = "site_invitation"
#: How each reason a link cannot be used answers: gone for good, or never there.
INVITATION_PROBLEM_STATUS = {"used": 410, "expired": 410, "withdrawn": 410, "unknown": 404}


def _invitation_problem_page(request, reason: str, invitation=None):
    return render(
        request,
        "referrals/invitation_invalid.html",
        {"reason": reason, "invitation": invitation},
        status=INVITATION_PROBLEM_STATUS.get(reason, 404),
    )


@never_cache
def site_invitation_open(request, token: str):
    """The link in an invitation email: checked, kept in the session, then a page without
    the token in its address (so it is not left in the browser's history)."""
    invitation = selectors.site_invitation_for_token(token=token)
    problem = invitation.link_problem() if invitation is not None else "unknown"
    if problem:
        if invitation is not None:
            site_invitation_refused(
                invitation=invitation, reason=problem, actor=actor_from_request(request)
            )
        return _invitation_problem_page(request, problem, invitation)
    request.session[SESSION_INVITATION] = {"id": invitation.pk, "token": invitation.token_hash}
    return redirect("site_invitation_accept")


def _session_invitation(request) -> SiteInvitation | None:
    kept = request.session.get(SESSION_INVITATION) or {}
    invitation = (
        SiteInvitation.objects.select_related("site", "site__trial")
        .filter(pk=kept.get("id"))
        .first()
    )
    # A link sent again replaces the token: the older one no longer opens this page.
    if invitation is None or invitation.token_hash != kept.get("token"):
        return None
    return invitation


@never_cache
@sensitive_post_parameters("password1", "password2")
def site_invitation_accept_view(request):
    """Join the site's team: create an account, or accept as the signed-in user."""
    invitation = _session_invitation(request)
    if invitation is None:
        return _invitation_problem_page(request, "unknown")
    problem = invitation.link_problem()
    if problem:
        return _invitation_problem_page(request, problem, invitation)
    signed_in = request.user.is_authenticated
    form = None
    if not signed_in:
        form = InvitationAccountForm(
            request.POST or None, instance=get_user_model()(email=invitation.email)
        )
    if request.method == "POST" and (signed_in or form.is_valid()):
        user = request.user if signed_in else form.save(commit=False)
        try:
            site_invitation_accept(
                invitation=invitation, user=user, actor=actor_from_request(request)
            )
        except InvitationUnusable as exc:
            return _invitation_problem_page(request, exc.reason, invitation)
        if not signed_in:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session.pop(SESSION_INVITATION, None)
        messages.success(
            request,
            _("Welcome to the study team at %(site)s. Referrals to the site appear here.")
            % {"site": invitation.site},
        )
        return redirect("team_referral_queue")
    return render(
        request,
        "referrals/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- the site team's own people ---------------------------------------------------------------


def _invitation_errors(form, errors: dict[str, str]) -> None:
    for key, message in errors.items():
        form.add_error(key if key in form.fields else None, message)


@login_required
@never_cache
@sensitive_post_parameters("email")
def team_members(request):
    """Who is on the teams of the user's sites; coordinators invite colleagues here."""
    _team_member_or_404(request)
    coordinated = list(
        Site.objects.filter(pk__in=selectors.coordinator_site_ids(user=request.user))
    )
    form = SiteInvitationForm(request.POST or None, sites=coordinated)
    if request.method == "POST":
        if not coordinated:
            raise Http404
        if form.is_valid():
            site = next(s for s in coordinated if s.pk == form.cleaned_data["site"])
            try:
                site_invitation_create(
                    site=site,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    actor=actor_from_request(request),
                )
            except InvitationRejected as exc:
                _invitation_errors(form, exc.errors)
            else:
                messages.success(request, _("Invitation sent."))
                return redirect("team_members")
    return render(
        request,
        "referrals/team_members.html",
        {
            "memberships": selectors.team_memberships(user=request.user),
            "invitations": selectors.open_invitations_for_sites(
                site_ids=[site.pk for site in coordinated]
            ),
            "form": form if coordinated else None,
            "valid_days": INVITATION_VALID_FOR.days,
        },
        status=400 if request.method == "POST" else 200,
    )


INVITATION_ACTIONS = {
    "resend": (
        site_invitation_resend,
        gettext_lazy("The invitation was sent again, with a new link."),
    ),
    "revoke": (site_invitation_revoke, gettext_lazy("The invitation was withdrawn.")),
    "approve": (site_invitation_approve, gettext_lazy("Approved: the invitation is on its way.")),
}


@login_required
@require_POST
def site_invitation_action(request, invitation_id: int, action: str):
    """Send again, withdraw or (operators) approve an invitation; back to where it was."""
    invitation = selectors.site_invitation_for_team(user=request.user, invitation_id=invitation_id)
    if invitation is None or action not in INVITATION_ACTIONS:
        raise Http404
    service, done = INVITATION_ACTIONS[action]
    try:
        service(invitation=invitation, actor=actor_from_request(request))
    except InvitationRejected as exc:
        messages.error(request, " ".join(exc.errors.values()))
    else:
        messages.success(request, done)
    back = (
        "operator_waiting_referrals" if selectors.is_operator(user=request.user) else "team_members"
    )
    return redirect(back)


# --- the operators ---------------------------------------------------------------------------


def _operator_or_404(request) -> None:
    if not selectors.is_operator(user=request.user):
        raise Http404


@login_required
@never_cache
def operator_waiting_referrals(request):
    """Referrals to sites with no team yet (reference, study, site, age), oldest first, and
    the invitations waiting for an operator's approval. No personal data on this page."""
    _operator_or_404(request)
    page = Paginator(selectors.referrals_waiting_for_team(), 50).get_page(request.GET.get("page"))
    site_ids = {referral.site_id for referral in page.object_list}
    invitations: dict[int, list] = {}
    for invitation in selectors.open_invitations_for_sites(site_ids=site_ids):
        invitations.setdefault(invitation.site_id, []).append(invitation)
    audit_record(
        actor=actor_from_request(request),
        action=AuditAction.LIST,
        detail={"queue": "waiting_for_team", "page": page.number},
    )
    return render(
        request,
        "referrals/operator_waiting.html",
        {
            "page": page,
            "rows": [(r, invitations.get(r.site_id, [])) for r in page.object_list],
            "awaiting_approval": selectors.invitations_awaiting_approval(),
        },
    )


@login_required
@require_POST
def operator_invite_registry_contact(request, site_id: int):
    """Invite the address the registry lists for a site; it waits for an approval."""
    _operator_or_404(request)
    site = get_object_or_404(Site.objects.select_related("trial"), pk=site_id)
    try:
        site_invitation_create(
            site=site,
            email=site.contact_email,
            role=SiteRole.COORDINATOR,
            actor=actor_from_request(request),
        )
    except InvitationRejected as exc:
        messages.error(request, " ".join(exc.errors.values()))
    else:
        messages.success(
            request, _("The invitation to the registry contact waits for an approval below.")
        )
    return redirect("operator_waiting_referrals")

"""Referral pages and the sign-in pages (one include in config/urls.py).

No route carries personal data: referrals are addressed by their random reference,
invitations by a random single-use token, and the patient's screening and confirmation
travel in the session.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    # The patient
    path("trials/<nct:nct_id>/contact/", views.referral_create_view, name="referral_create"),
    path("referrals/sent/", views.referral_sent_view, name="referral_sent"),
    path("referrals/<reference:reference>/", views.referral_status_view, name="referral_status"),
    # The referring clinician
    path("clinician/referrals/", views.clinician_referral_list, name="clinician_referral_list"),
    path(
        "clinician/trials/<nct:nct_id>/refer/",
        views.clinician_referral_create,
        name="clinician_referral_create",
    ),
    path(
        "clinician/referrals/<reference:reference>/",
        views.clinician_referral_detail,
        name="clinician_referral_detail",
    ),
    # The site team
    path("team/referrals/", views.team_referral_queue, name="team_referral_queue"),
    path("team/referrals/export.csv", views.team_referral_export, name="team_referral_export"),
    path(
        "team/referrals/<reference:reference>/",
        views.team_referral_detail,
        name="team_referral_detail",
    ),
    path(
        "team/referrals/<reference:reference>/status/",
        views.team_referral_status,
        name="team_referral_status",
    ),
    path(
        "team/referrals/<reference:reference>/notes/",
        views.team_referral_note,
        name="team_referral_note",
    ),
    path("team/members/", views.team_members, name="team_members"),
    path(
        "team/invitations/<int:invitation_id>/<slug:action>/",
        views.site_invitation_action,
        name="site_invitation_action",
    ),
    # Invitations: the emailed link (a random token, nothing else), then a page without it
    path("team/join/", views.site_invitation_accept_view, name="site_invitation_accept"),
    path("team/join/<str:token>/", views.site_invitation_open, name="site_invitation_open"),
    # The operators
    path("operators/waiting/", views.operator_waiting_referrals, name="operator_waiting_referrals"),
    path(
        "operators/sites/<int:site_id>/invite-registry-contact/",
        views.operator_invite_registry_contact,
        name="operator_invite_registry_contact",
    ),
    # Accounts
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

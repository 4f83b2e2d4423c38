"""Referral pages and the sign-in pages (one include in config/urls.py).

No route carries personal data: referrals are addressed by their random reference, and
the patient's screening and confirmation travel in the session.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    # The patient
    path("trials/<nct:nct_id>/contact/", views.referral_create_view, name="referral_create"),
    path("referrals/sent/", views.referral_sent_view, name="referral_sent"),
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
    # Accounts
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

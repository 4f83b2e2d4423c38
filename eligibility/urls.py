"""The trial check pages, under the trial's page ("find trials for me" is match.urls)."""

from django.urls import path

from . import views

app_name = "eligibility"

urlpatterns = [
    path("trials/<nct:nct_id>/check/", views.trial_check, name="trial_check"),
    path(
        "trials/<nct:nct_id>/check/result/",
        views.trial_check_result,
        name="trial_check_result",
    ),
    path(
        "trials/<nct:nct_id>/check/restart/",
        views.trial_check_restart,
        name="trial_check_restart",
    ),
]

"""The questionnaire pages: one trial (under its page) and "find trials for me"."""

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
    path("check/", views.match_start, name="match_start"),
    path("check/questions/", views.match_questions, name="match_questions"),
    path("check/results/", views.match_results, name="match_results"),
    path("check/restart/", views.match_restart, name="match_restart"),
]

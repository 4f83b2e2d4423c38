"""The questionnaire pages: one trial (under its page) and "find trials for me"."""

from django.urls import path

from . import views

app_name = "eligibility"

urlpatterns = [
    path("trials/<str:nct_id>/check/", views.trial_check, name="trial_check"),
    path("check/", views.match_start, name="match_start"),
]

""" "Find trials for me" pages (mounted at "/", namespace ``match``)."""

from django.urls import path

from . import views

app_name = "match"

urlpatterns = [
    path("check/", views.match_start, name="start"),
    path("check/questions/", views.match_questions, name="questions"),
    path("check/results/", views.match_results, name="results"),
    path("check/restart/", views.match_restart, name="restart"),
]

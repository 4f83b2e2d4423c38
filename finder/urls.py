"""Patient-facing pages, mounted at "/".

Two namespaces: ``finder`` (home, search, trial pages) and ``eligibility`` (the
questionnaires, from eligibility.urls), so each app names its own routes.
"""

from django.urls import include, path

from . import views

finder_patterns = [
    path("", views.home, name="home"),
    path("trials/", views.trial_search, name="trial_search"),
    path("trials/<nct:nct_id>/", views.trial_detail, name="trial_detail"),
]

urlpatterns = [
    path("", include((finder_patterns, "finder"))),
    path("", include("eligibility.urls")),
]

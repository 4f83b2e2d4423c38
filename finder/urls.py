"""Patient-facing pages, mounted at "/".

Namespace ``finder``: home, search and the trial page. The questionnaires under them
are eligibility.urls and match.urls (included by config.urls).
"""

from django.urls import path

from . import views

app_name = "finder"

urlpatterns = [
    path("", views.home, name="home"),
    path("trials/", views.trial_search, name="trial_search"),
    path("trials/<nct:nct_id>/", views.trial_detail, name="trial_detail"),
]

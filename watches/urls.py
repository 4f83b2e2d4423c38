"""The watch pages, mounted at "/" (namespace ``watches``)."""

from django.urls import path

from . import views

app_name = "watches"

urlpatterns = [
    path("watches/new/", views.watch_new, name="new"),
    path("watches/sent/", views.watch_sent, name="sent"),
    path("watches/confirm/<str:token>/", views.confirm_open, name="confirm_open"),
    path("watches/confirm/", views.confirm, name="confirm"),
    path("watches/manage/<str:token>/", views.manage_open, name="manage_open"),
    path("watches/manage/", views.manage, name="manage"),
    path("watches/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("watches/delete/<str:token>/", views.delete_open, name="delete_open"),
    path("watches/delete/", views.delete, name="delete"),
    path("watches/deleted/", views.deleted, name="deleted"),
]

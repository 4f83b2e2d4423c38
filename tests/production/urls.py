"""The project's routes plus one page and one API view that query the database.

The in-process middleware tests use these so they do not depend on any feature view.
"""

from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError
from django.urls import include, path


def count_users(request):
    return HttpResponse(str(User.objects.count()))


def error_after_database_error(request):
    """What a DRF exception handler returns after rendering a database error itself."""
    connection.ensure_connection()
    connection.errors_occurred = True
    return HttpResponseServerError("Internal error")


urlpatterns = [
    path("api/probe/database-error/", error_after_database_error),
    path("probe/users/", count_users),
    path("api/probe/users/", count_users),
    path("", include("config.urls")),
]

"""The project's routes plus one page and one API view that query the database.

The in-process middleware tests use these so they do not depend on any feature view.
"""

from django.contrib.auth.models import User
from django.http import HttpResponse
from django.urls import include, path


def count_users(request):
    return HttpResponse(str(User.objects.count()))


urlpatterns = [
    path("probe/users/", count_users),
    path("api/probe/users/", count_users),
    path("", include("config.urls")),
]

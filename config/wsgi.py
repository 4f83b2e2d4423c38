"""WSGI entry point (gunicorn config.wsgi).

The handler builds its requests from :class:`Request`, which fixes one way a hostile
request reached a 500 before any middleware ran: a ``Content-Type`` with a charset sets
the request's encoding while it is being built, Django's encoding setter asks
``hasattr(self, "GET")``, and on a WSGI request that parses the query string, so more
than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` parameters raised ``TooManyFieldsSent`` outside
every handler (tests/fuzz/test_wsgi_request.py). Here the setter drops a parsed ``GET``
without parsing it; the query is parsed later, inside the middleware, where the error
is a 400 problem response like any other.
"""

import os

import django
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Request(WSGIRequest):
    """A WSGI request whose encoding can be set without parsing the query string."""

    @property
    def encoding(self):
        return self._encoding

    @encoding.setter
    def encoding(self, value):
        self._encoding = value
        self.__dict__.pop("GET", None)  # a cached_property: parsed only if read before
        if hasattr(self, "_post"):
            del self._post


class Handler(WSGIHandler):
    request_class = Request


def wsgi_application() -> Handler:
    """What ``django.core.wsgi.get_wsgi_application`` does, with :class:`Request`."""
    django.setup(set_prefix=False)
    return Handler()


application = wsgi_application()

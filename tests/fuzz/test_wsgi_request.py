"""Requests that break Django before any middleware runs, sent to the real WSGI
application (config.wsgi), as gunicorn sends them.

Found by tests/fuzz/test_api_fuzz.py (``FUZZ_RANDOM=1``): a ``Content-Type`` with a
charset and more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` query parameters. Building the
request sets its encoding, and Django's ``encoding`` setter asks ``hasattr(self,
"GET")``, which on a WSGIRequest parses the query string (``GET`` is a cached
property): ``TooManyFieldsSent`` is raised while the request is built, outside every
middleware and handler, and gunicorn answers its own 500 with a traceback in the log.
config/wsgi.py builds its requests from a request class whose encoding setter drops a
parsed ``GET`` without parsing it, so the error is raised in the middleware, a 400.
"""

from __future__ import annotations

import io

import pytest

TOO_MANY = "&".join(f"p{n}=1" for n in range(250))


def call(application, *, path: str, query: str, content_type: str) -> str:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": "0",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses = []
    application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    return statuses[0]


@pytest.fixture
def application(db):
    from config.wsgi import application

    return application


def test_too_many_parameters_without_a_charset_reach_the_application(application):
    status = call(application, path="/healthz", query=TOO_MANY, content_type="")
    assert status.startswith("200")  # /healthz reads no parameter
    status = call(application, path="/api/v1/", query=TOO_MANY, content_type="")
    assert status.startswith("404")


def test_too_many_parameters_with_a_charset_is_a_400_not_a_500(application):
    status = call(
        application,
        path="/api/v1/trials/",
        query=TOO_MANY,
        content_type="application/json; charset=utf-8",
    )
    assert status.startswith("400")


def test_the_encoding_set_later_drops_a_parsed_query(application, rf):
    from config.wsgi import Request

    environ = rf.get("/api/v1/trials/", {"q": "é"}).environ
    request = Request(environ)
    assert request.GET["q"] == "é"
    request.encoding = "latin-1"
    assert request.GET["q"] == "Ã©"  # parsed again, in the new encoding

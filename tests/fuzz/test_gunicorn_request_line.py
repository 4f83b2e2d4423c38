"""Through gunicorn with config/gunicorn.py: the application answers every request line up
to gunicorn's maximum (issue 21 found gunicorn's HTML error page past 4 KB).

Starts its own gunicorn on a spare port, on an empty SQLite file of its own (the
requests here touch no table), and always stops it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.production.servers import ROOT, VENV_BIN, free_port, http_get, stop_process, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    port = free_port()
    directory = Path(tempfile.mkdtemp(prefix="gunicorn-line-"))
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "gunicorn-line-test-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{directory / 'empty.sqlite3'}",
        "REDIS_URL": "",
    }
    log = (directory / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config=python:config.gunicorn", "config.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: http_get(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200,
            90,
            "gunicorn /healthz",
        )
        yield port
    finally:
        stop_process(process)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def request_line(port: int, target: str) -> tuple[int, str, bytes]:
    """Send ``GET <target>`` as it is; (status, content type, body)."""
    raw = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw.encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers.get("Content-Type", ""), body


@pytest.mark.parametrize("length", [4200, 6000, 8000])
def test_a_request_line_up_to_the_maximum_reaches_the_application(server, length):
    target = "/api/v1/" + "x" * (length - len("GET /api/v1/ HTTP/1.1"))
    status, content_type, body = request_line(server, target)
    assert status == 404
    assert content_type == "application/problem+json"
    assert json.loads(body)["title"] == "Not found"


def test_a_path_with_an_encoded_newline_is_a_problem_404(server):
    status, content_type, _ = request_line(server, "/api/v1/trials/%0A/")
    assert (status, content_type) == (404, "application/problem+json")


def test_past_the_maximum_gunicorn_answers_uri_too_long(server):
    status, _, _ = request_line(server, "/api/v1/" + "x" * 9000)
    assert status == 414

"""Servers a production test starts for itself, on spare ports, and always stops.

- :class:`PrivateRedis`: a ``redis-server`` without persistence.
- :class:`PrivatePostgres`: a PostgreSQL cluster made with ``initdb`` in a temporary
  directory owned by the ``postgres`` OS user, run as that user on its own port and
  socket directory.
- :class:`Cluster`: the project's own ``bin/cluster`` (gunicorn web processes, Celery
  workers) pointed at whichever PostgreSQL and Redis the test chose.

The machine's shared PostgreSQL (5432) and Redis (6379) are never stopped, restarted or
flushed by anything here. Every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout:.0f}s")
        time.sleep(interval)


def http_get(url: str, timeout: float = 5.0, headers: dict | None = None):
    """``(status, body)``; status ``None`` if the connection failed or timed out."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (OSError, TimeoutError):
        return None, b""


def stop_process(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 10.0) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class PrivateRedis:
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.ping, 10, f"redis-server on {self.port}")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL 15 cluster, run as the ``postgres`` OS user."""

    port: int = field(default_factory=free_port)
    directory: Path | None = None
    running: bool = False

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def init(self) -> PrivatePostgres:
        self.directory = Path(tempfile.mkdtemp(prefix="pgfault-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(
            self._as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
                + ["--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        return self

    def _pg_ctl(self, *argv: str, timeout: float = 60) -> None:
        subprocess.run(
            self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *argv]),
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def start(self) -> PrivatePostgres:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        options += " -c fsync=off -c max_connections=200"
        log = str(self.directory / "postgres.log")
        self._pg_ctl("start", "-w", "-t", "30", "-o", options, "-l", log)
        self.running = True
        return self

    def ready(self) -> bool:
        result = subprocess.run(
            [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            check=False,
        )
        return result.returncode == 0

    def stop(self, fast: bool = True) -> None:
        """Fast shutdown: open transactions are aborted and every connection is closed."""
        if self.running:
            self._pg_ctl("stop", "-w", "-t", "30", "-m", "fast" if fast else "smart")
            self.running = False

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + ["-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout.strip()

    def destroy(self) -> None:
        self.stop()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def project_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process of the project (DEBUG off, plain HTTP)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_SETTINGS"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="production-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        FIELD_ENCRYPTION_KEYS="iSwZAOUP7dx7Ol4_Ve1HppNA5trZ7Ee1Mr3WX_FNC30=",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *argv: str, timeout: float = 180) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *argv],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


@dataclass
class Cluster:
    """``bin/cluster`` started with a state directory of its own, stopped on exit."""

    state: Path
    database_url: str
    redis_url: str
    ports: list[int] = field(default_factory=lambda: [free_port(), free_port()])
    celery_workers: int = 0
    beat: bool = False
    extra: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def start(self, timeout: float = 90) -> Cluster:
        argv = [str(VENV_BIN / "python"), str(ROOT / "bin" / "cluster"), "--state", str(self.state)]
        argv += ["start", "--ports", ",".join(map(str, self.ports))]
        argv += ["--database-url", self.database_url, "--redis-url", self.redis_url]
        argv += ["--celery-workers", str(self.celery_workers), "--web-workers", "1"]
        argv += ["--web-threads", "4", "--worker-concurrency", "1", "--timeout", "60"]
        argv += [] if self.beat else ["--no-beat"]
        for key, value in self.env.items():
            argv += ["--env", f"{key}={value}"]
        argv += self.extra
        subprocess.run(
            argv, cwd=ROOT, env=project_env(), check=True, capture_output=True, timeout=timeout
        )
        return self

    def manage(self, *argv: str, **env: str) -> str:
        """Run a management command with the cluster's own environment (keys included)."""
        lines = (self.state / "env").read_text().splitlines()
        values = dict(line.split("=", 1) for line in lines if "=" in line)
        return manage(project_env(**{**values, **env}), *argv)

    def url(self, index: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    @property
    def processes(self) -> dict[str, int]:
        return json.loads((self.state / "cluster.json").read_text())["processes"]

    def log(self, name: str) -> str:
        return (self.state / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        argv = [str(VENV_BIN / "python"), str(ROOT / "bin" / "cluster"), "--state", str(self.state)]
        subprocess.run(
            [*argv, "stop"],
            cwd=ROOT,
            env=project_env(),
            check=False,
            capture_output=True,
            timeout=60,
        )


class SlowServer:
    """A TCP server that reads a request and then says nothing for ``delay`` seconds.

    Pointed at as an HTTP(S) proxy, it stands for a geocoder that hangs: the client
    sees its connection accepted and no answer. ``requests`` lists the first line of
    every request it got (``CONNECT nominatim.openstreetmap.org:443 HTTP/1.1``).
    """

    def __init__(self, delay: float = 30.0):
        import socketserver
        import threading

        self.delay = delay
        self.requests: list[str] = []
        self._closing = threading.Event()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(5)
                with contextlib.suppress(OSError):
                    first = self.request.recv(4096).split(b"\r\n", 1)[0]
                    outer.requests.append(first.decode(errors="replace"))
                outer._closing.wait(outer.delay)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()

"""Fixtures for the production tests: private servers, migrated databases, clusters.

Tests marked ``services`` use the machine's PostgreSQL and Redis (each in a database of
its own): they run when ``DATABASE_URL`` names PostgreSQL and ``REDIS_URL`` is set (the
second CI pass) and are skipped otherwise, or fail when ``REQUIRE_SERVICES=1`` and the
servers do not answer. The fault tests start every server they break themselves and run
in any pass.
"""

from __future__ import annotations

import os
import uuid

import pytest

from .servers import Cluster, PrivatePostgres, PrivateRedis, manage, project_env

TEMPLATE_DATABASE = "trialfinder_template"


@pytest.fixture(autouse=True)
def _services_available(request):
    if request.node.get_closest_marker("services") is None:
        return
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres") and os.environ.get("REDIS_URL"):
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail("REQUIRE_SERVICES=1 but DATABASE_URL (PostgreSQL) or REDIS_URL is not set")
    pytest.skip("needs DATABASE_URL=postgres://... and REDIS_URL (second CI pass)")


@pytest.fixture(scope="session")
def private_postgres():
    """A PostgreSQL cluster of our own, with a migrated database holding the demo catalog.

    Each test copies that database (``CREATE DATABASE ... TEMPLATE``), which takes a
    fraction of a second, instead of migrating again.
    """
    server = PrivatePostgres().init().start()
    try:
        server.psql(f"CREATE DATABASE {TEMPLATE_DATABASE}")
        env = project_env(DATABASE_URL=server.url(TEMPLATE_DATABASE), REDIS_URL="")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo_catalog")
        yield server
    finally:
        server.destroy()


@pytest.fixture
def fresh_database(private_postgres):
    """The URL of a new database on the private server, copied from the migrated one."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    private_postgres.psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    return private_postgres.url(name)


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def start_cluster(tmp_path):
    """Start ``bin/cluster`` with the given options; every cluster is stopped afterwards."""
    started: list[Cluster] = []

    def start(**options) -> Cluster:
        cluster = Cluster(state=tmp_path / f"cluster{len(started)}", **options)
        started.append(cluster)
        return cluster.start()

    yield start
    for cluster in started:
        cluster.stop()

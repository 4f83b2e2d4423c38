"""The partners app's first migration moves the partner tables out of finder, rows and all."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework_api_key.crypto import KeyGenerator

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("finder", "0002_partners"), ("referrals", "0001_initial"), ("partners", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_an_issued_key_keeps_working_after_the_move():
    old_apps = _migrate(BEFORE)
    key, prefix, hashed_key = KeyGenerator().generate()
    OldPartner = old_apps.get_model("finder", "Partner")
    OldKey = old_apps.get_model("finder", "PartnerAPIKey")
    partner = OldPartner.objects.create(name="Example MS Society")
    OldKey.objects.create(
        id=f"{prefix}.{hashed_key[-20:]}",
        prefix=prefix,
        hashed_key=hashed_key,
        name="issued before the move",
        partner=partner,
    )
    try:
        new_apps = _migrate(_latest())
        Key = new_apps.get_model("partners", "PartnerAPIKey")
        moved = Key.objects.get(prefix=prefix)
        assert moved.partner.name == "Example MS Society"

        from partners.keys import usable_api_key

        found = usable_api_key(key)
        assert found is not None
        assert found.partner.name == "Example MS Society"
        assert "partners_partnerapikey" in connection.introspection.table_names()
        assert "finder_partnerapikey" not in connection.introspection.table_names()
    finally:
        _migrate(_latest())


def test_the_content_types_follow_the_models():
    from django.contrib.contenttypes.models import ContentType

    from partners.models import Partner, PartnerAPIKey

    assert ContentType.objects.get_for_model(Partner).app_label == "partners"
    assert ContentType.objects.get_for_model(PartnerAPIKey).app_label == "partners"
    assert not ContentType.objects.filter(app_label="finder", model="partner").exists()


def test_the_move_can_be_reversed():
    _migrate(BEFORE)
    try:
        assert "finder_partner" in connection.introspection.table_names()
        assert "partners_partner" not in connection.introspection.table_names()
    finally:
        _migrate(_latest())

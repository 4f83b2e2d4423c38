"""Apps register their notification kinds; one name belongs to one app."""

import pytest

from notifications import kinds
from notifications.kinds import UnknownKind, kind_get, kind_register
from referrals.models import OutboxKind


@pytest.fixture(autouse=True)
def _registry_put_back(monkeypatch):
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))


def render(message):
    return None


def test_it_registers_a_kind():
    kind = kind_register("test_invitation", label="Invitation", render=render)
    assert kind_get("test_invitation") is kind
    assert (kind.label, kind.render, kind.on_sent) == ("Invitation", render, None)


def test_registering_the_same_kind_again_is_a_no_op():
    first = kind_register("test_invitation", label="Invitation", render=render)
    assert kind_register("test_invitation", label="Invitation", render=render) is first


def test_it_refuses_a_second_renderer_for_a_name():
    kind_register("test_invitation", label="Invitation", render=render)
    with pytest.raises(ValueError, match="already registered"):
        kind_register("test_invitation", label="Invitation", render=lambda message: None)


@pytest.mark.parametrize("name", ["", "x" * 65])
def test_it_refuses_a_name_the_column_cannot_hold(name):
    with pytest.raises(ValueError, match="1 to 64 characters"):
        kind_register(name, label="Bad", render=render)


def test_an_unknown_kind_is_a_lookup_error():
    with pytest.raises(UnknownKind):
        kind_get("nobody_registered_this")
    assert issubclass(UnknownKind, LookupError)


def test_the_referrals_app_registers_its_three_kinds():
    for kind in OutboxKind:
        assert kind_get(kind.value).label == kind.label

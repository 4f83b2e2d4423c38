"""Partner API keys: created by command or admin, hashed, revocable, sent as Api-Key."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from partners.keys import usable_api_key
from partners.models import Partner, PartnerAPIKey
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/trials/"


def create_key(*args) -> tuple[str, str]:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    text = out.getvalue()
    return text, text.strip().splitlines()[-1]


def test_the_command_creates_the_partner_and_prints_the_key_last(api):
    text, key = create_key("Example MS Society")
    partner = Partner.objects.get(name="Example MS Society")
    api_key = PartnerAPIKey.objects.get_from_key(key)
    assert api_key.partner == partner
    assert key.startswith(api_key.prefix + ".")
    assert text.count(key) == 1


def test_the_command_reuses_an_existing_partner(api):
    create_key("Example MS Society")
    create_key("Example MS Society", "--name", "second system")
    assert Partner.objects.count() == 1
    assert PartnerAPIKey.objects.count() == 2


def test_the_key_is_stored_hashed(api):
    _, key = create_key("Example MS Society")
    stored = PartnerAPIKey.objects.get()
    assert key not in stored.hashed_key
    assert key.split(".", 1)[1] not in stored.hashed_key


def test_the_command_refuses_an_empty_name(api):
    with pytest.raises(CommandError):
        create_key("  ")


def test_the_command_sets_an_expiry(api):
    _, key = create_key("Example MS Society", "--expires-in-days", "30")
    expiry = PartnerAPIKey.objects.get_from_key(key).expiry_date
    assert timezone.now() + timedelta(days=29) < expiry < timezone.now() + timedelta(days=31)


def test_a_valid_key_is_accepted(keyed_api, catalog):
    assert keyed_api.get(URL).status_code == 200


def test_no_key_is_an_anonymous_caller(api, catalog):
    assert api.get(URL).status_code == 200


@pytest.mark.parametrize(
    "header", ["Api-Key nope", "Api-Key abc.def", "Api-Key ", "Api-Key \u00e9\u00e9.\u00e9"]
)
def test_an_unknown_key_is_a_401(api, catalog, header):
    body = assert_problem(api.get(URL, HTTP_AUTHORIZATION=header), 401)
    assert "API key" in body["detail"]


# Each change is made after the key has answered once (so it is in the key cache).


def test_a_revoked_key_is_a_401(keyed_api, catalog):
    assert keyed_api.get(URL).status_code == 200
    PartnerAPIKey.objects.update(revoked=True)
    assert_problem(keyed_api.get(URL), 401)


def test_a_key_revoked_by_saving_it_is_a_401(keyed_api, catalog):
    assert keyed_api.get(URL).status_code == 200
    api_key = PartnerAPIKey.objects.get()
    api_key.revoked = True
    api_key.save()
    assert_problem(keyed_api.get(URL), 401)


def test_a_deleted_key_is_a_401(keyed_api, catalog):
    assert keyed_api.get(URL).status_code == 200
    PartnerAPIKey.objects.get().delete()
    assert_problem(keyed_api.get(URL), 401)


def test_an_expired_key_is_a_401(keyed_api, catalog):
    assert keyed_api.get(URL).status_code == 200
    PartnerAPIKey.objects.update(expiry_date=timezone.now() - timedelta(minutes=1))
    assert_problem(keyed_api.get(URL), 401)


def test_a_deactivated_partners_key_is_a_401(keyed_api, catalog):
    assert keyed_api.get(URL).status_code == 200
    Partner.objects.update(is_active=False)
    assert_problem(keyed_api.get(URL), 401)


def test_a_partner_deactivated_by_saving_it_is_a_401(keyed_api, catalog):
    assert keyed_api.get(URL).status_code == 200
    partner = Partner.objects.get()
    partner.is_active = False
    partner.save()
    assert_problem(keyed_api.get(URL), 401)


class TestKeyCache:
    def test_a_known_key_costs_no_query_once_cached(self, partner_key, django_assert_num_queries):
        cache.clear()
        with django_assert_num_queries(1):  # the process reads its table of keys
            first = usable_api_key(partner_key)
        with django_assert_num_queries(0):
            again = usable_api_key(partner_key)
        assert again == first and again.partner.name == "Example MS Society"

    def test_the_secret_is_checked_even_when_cached(self, partner_key):
        for _ in range(3):
            assert usable_api_key(partner_key) is not None
        prefix, secret = partner_key.split(".")
        wrong = secret[:-1] + ("y" if secret.endswith("x") else "x")  # one character off
        assert usable_api_key(f"{prefix}.{wrong}") is None
        assert usable_api_key(prefix) is None
        assert usable_api_key(f"{prefix}.") is None

    def test_without_the_cache_keys_are_read_from_the_database(
        self, partner_key, monkeypatch, caplog
    ):
        def unreachable(*args, **kwargs):
            raise ConnectionError("cache down")

        for method in ("get", "add", "set"):
            monkeypatch.setattr(cache, method, unreachable)
        assert usable_api_key(partner_key).partner.name == "Example MS Society"
        PartnerAPIKey.objects.update(revoked=True)  # logs, does not raise
        assert usable_api_key(partner_key) is None
        assert "Cache unavailable" in caplog.text


def test_a_401_says_how_to_authenticate(api, catalog):
    response = api.get(URL, HTTP_AUTHORIZATION="Api-Key nope")
    assert response["WWW-Authenticate"] == "Api-Key"


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client, django_user_model):
        user = django_user_model.objects.create_superuser(
            "admin", "admin@example.org", "a-long-admin-password"
        )
        client.force_login(user)
        return client

    def test_creating_a_key_shows_it_once(self, admin_client):
        partner = Partner.objects.create(name="Example Hospital")
        response = admin_client.post(
            "/admin/partners/partnerapikey/add/",
            {"name": "EHR bridge", "partner": partner.pk},
            follow=True,
        )
        assert response.status_code == 200
        messages = [str(m) for m in response.context["messages"]]
        key = next(m for m in messages if "API key" in m).split(": ")[1].split(". ")[0]
        assert PartnerAPIKey.objects.get_from_key(key).partner == partner

    def test_the_revoke_action_revokes(self, admin_client, partner_key):
        api_key = PartnerAPIKey.objects.get_from_key(partner_key)
        admin_client.post(
            "/admin/partners/partnerapikey/",
            {"action": "revoke_keys", "_selected_action": [api_key.pk]},
        )
        api_key.refresh_from_db()
        assert api_key.revoked

    def test_the_partner_page_lists_its_keys(self, admin_client, partner_key):
        partner = Partner.objects.get()
        response = admin_client.get(f"/admin/partners/partner/{partner.pk}/change/")
        assert response.status_code == 200
        assert PartnerAPIKey.objects.get().prefix in response.content.decode()

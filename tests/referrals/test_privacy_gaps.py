"""Issue 21, what a patient's referral keeps and for how long: a number is not a name,
the audit keeps a patient's network and not their address, a referral no team ever took
up is erased after REFERRAL_UNCLAIMED_RETENTION_DAYS, and the consent says the answers
go too."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.audit import coarse_ip
from referrals.consent import consent_text
from referrals.models import AuditEvent, Referral
from referrals.tasks import referral_contacts_erase_expired
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS
from tests.referrals.test_patient_referral import form_data, remember_screening, url
from tests.referrals.test_referral_create_api import URL, body, error_fields

# --- a name has letters ----------------------------------------------------------------------


@pytest.fixture
def post(client, partner_key, django_capture_on_commit_callbacks):
    _partner, raw = partner_key

    def do(data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL, data, content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {raw}"
            )

    return do


@pytest.mark.parametrize("name", ["12345", "+1 650 555 0100", "---", "(555)"])
def test_a_name_without_letters_is_a_400_naming_the_field(post, site, name):
    response = post(body(site, contact={**CONTACT, "name": name}))

    assert response.status_code == 400
    assert error_fields(response) == {"contact.name"}
    assert name not in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("name", ["Lee", "José Pérez", "李雷", "O'Brien-Smith 3rd"])
def test_names_in_any_script_are_names(post, site, name):
    assert post(body(site, contact={**CONTACT, "name": name})).status_code == 201


def test_the_contact_form_says_it_in_spanish(client, trial, site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    response = client.post(url(trial), form_data(site, name="12345"), HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert "Escriba un nombre, con letras" in html
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "spanish"),
    [
        ({"email": "alice@"}, "Esta no es una dirección de correo electrónico válida"),
        ({"email": "", "phone": "12"}, "Este no es un número de teléfono válido"),
        ({"email": ""}, "Indique un correo electrónico, un teléfono o ambos."),
        ({"consent": ""}, "Marque la casilla para aceptar"),
    ],
)
def test_every_contact_error_of_the_form_is_in_spanish(client, trial, site, overrides, spanish):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    data = {k: v for k, v in form_data(site, **overrides).items() if v != ""}
    response = client.post(url(trial), data, HTTP_ACCEPT_LANGUAGE="es")
    assert spanish in response.content.decode()


# --- the audit keeps a patient's network, not their address -------------------------------------


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"),
        (None, None),
    ],
)
def test_coarse_ip_is_the_network(address, network):
    assert coarse_ip(address) == network


def test_a_patients_referral_is_audited_with_their_network_only(client, trial, site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    client.post(url(trial), form_data(site), REMOTE_ADDR="198.51.100.23")

    event = AuditEvent.objects.get(action="create")
    assert (event.actor_label, event.ip_address) == ("patient", "198.51.100.0")


def test_a_partners_referral_keeps_the_partners_address(post, site):
    assert post(body(site)).status_code == 201
    assert AuditEvent.objects.get(action="create").ip_address == "127.0.0.1"


# --- a referral no team ever took up ---------------------------------------------------------


def age(referral, days: int) -> None:
    Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_a_referral_no_team_took_up_is_erased_after_the_unclaimed_period(referral, settings):
    settings.REFERRAL_UNCLAIMED_RETENTION_DAYS = 180
    age(referral, 179)
    assert referral_contacts_erase_expired.apply().get() == 0

    age(referral, 181)
    assert referral_contacts_erase_expired.apply().get() == 1

    erased = Referral.objects.get(pk=referral.pk)
    assert (erased.contact_name, erased.contact_email, erased.answers) == ("", "", {})
    assert erased.contact_erased_at is not None
    assert AuditEvent.objects.filter(action="erase", actor_label="retention").count() == 1


def test_a_referral_whose_team_was_told_waits_for_the_team(coordinator, referral, settings):
    settings.REFERRAL_UNCLAIMED_RETENTION_DAYS = 1
    age(referral, 999)
    assert referral_contacts_erase_expired.apply().get() == 0


def test_a_team_that_was_told_and_left_still_keeps_the_referral(coordinator, referral, settings):
    """The team had it (its notice went out): the team's closing starts the clock, not this."""
    coordinator.site_memberships.all().delete()
    settings.REFERRAL_UNCLAIMED_RETENTION_DAYS = 1
    age(referral, 999)
    assert referral.outbox.filter(kind="site_team_new_referral", status="sent").exists()
    assert referral_contacts_erase_expired.apply().get() == 0


# --- the consent says so ---------------------------------------------------------------------


def test_the_consent_says_the_answers_are_erased_too_and_when(trial, site, settings):
    settings.REFERRAL_RETENTION_DAYS, settings.REFERRAL_UNCLAIMED_RETENTION_DAYS = 90, 180
    text = consent_text(trial=trial, site=site)
    assert (
        "My contact details and answers are deleted 90 days after the study team closes my "
        "referral, or 180 days after I send it if no study team has taken it up by then."
    ) in text


def test_the_spanish_consent_names_the_sites_country_in_spanish(trial, site):
    from django.utils import translation

    site.country = "Spain"
    with translation.override("es"):
        assert ", España para el estudio" in consent_text(trial=trial, site=site)
    assert ", Spain for the study" in consent_text(trial=trial, site=site)


def test_unknown_field_names_are_named_cut_and_counted(post, site):
    long_name = "x" * 5000
    many = {f"extra{i:02d}": 1 for i in range(30)}
    response = post({**body(site), long_name: 1, **many})

    assert response.status_code == 400
    fields = error_fields(response)
    assert len(fields) == 10
    assert all(len(name) <= 64 for name in fields)
    assert len(response.content) < 3000
    assert not Referral.objects.exists()

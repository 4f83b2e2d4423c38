"""Every referral route answers 404 (or the login page, or 401 in the API) to outsiders.

Outsiders: a coordinator of another site, a clinician who did not make the referral, a
partner with another key, and an anonymous visitor. The referral here is made by a
clinician through a partner-free route and also by a partner, so each insider is real.
"""

import pytest
from django.urls import reverse

from referrals.audit import Actor
from referrals.models import AuditEvent, Channel, Referral
from referrals.services import referral_create
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS

OUTSIDERS = ["other_site_coordinator", "other_clinician", "other_partner", "anonymous"]


def referral_by(site, actor, **options):
    """A referral made through the service as ``actor`` (notifications delivered)."""
    return referral_create(
        trial=site.trial,
        site=site,
        answers=ELIGIBLE_ANSWERS,
        contact=CONTACT,
        consent=True,
        actor=actor,
        **options,
    )


@pytest.fixture
def clinician_referral(site, clinician, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return referral_by(
            site,
            Actor(label=clinician.username, user=clinician),
            channel=Channel.CLINICIAN,
            clinician={"name": "Dr Who", "email": "dr@example.org"},
        )


@pytest.fixture
def partner_referral(site, partner_key, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return referral_by(site, Actor(label="partner", partner=partner_key[0]))


@pytest.fixture
def as_outsider(request, client, other_coordinator, other_clinician, other_partner_key):
    """A client signed in (or keyed) as the outsider named by the test's parameter."""
    headers = {}
    who = request.param
    if who == "other_site_coordinator":
        client.force_login(other_coordinator)
    elif who == "other_clinician":
        client.force_login(other_clinician)
    elif who == "other_partner":
        headers = {"Authorization": f"Api-Key {other_partner_key[1]}"}
    return who, client, headers


def page_routes(reference):
    return [
        ("get", reverse("team_referral_detail", args=[reference])),
        ("post", reverse("team_referral_status", args=[reference])),
        ("post", reverse("team_referral_note", args=[reference])),
        ("get", reverse("clinician_referral_detail", args=[reference])),
    ]


def assert_refused(response, who):
    if who in ("anonymous", "other_partner"):
        # Pages know no API keys: both are anonymous there and sent to sign in.
        assert response.status_code == 302, response
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 404, response


@pytest.mark.parametrize("as_outsider", OUTSIDERS, indirect=True)
def test_outsiders_cannot_reach_a_referral_page(as_outsider, clinician_referral):
    who, client, headers = as_outsider
    before = clinician_referral.status
    for method, url in page_routes(clinician_referral.reference):
        data = {"status": "contacted", "note": "hijack"} if method == "post" else None
        response = getattr(client, method)(url, data, headers=headers)
        assert_refused(response, who)
    referral = Referral.objects.get(pk=clinician_referral.pk)
    assert referral.status == before
    assert not referral.activities.exclude(note="").exists()
    # Nothing was viewed, so nothing but the creation is in the trail.
    assert set(AuditEvent.objects.values_list("action", flat=True)) <= {"create", "notify"}


@pytest.mark.parametrize("as_outsider", OUTSIDERS, indirect=True)
def test_outsiders_cannot_read_a_referral_through_the_api(as_outsider, partner_referral):
    who, client, headers = as_outsider
    response = client.get(f"/api/v1/referrals/{partner_referral.reference}/", headers=headers)
    # Another key: 404. No key (signed-in staff and clinicians included): 401.
    assert response.status_code == (404 if who == "other_partner" else 401)


@pytest.mark.parametrize("as_outsider", OUTSIDERS, indirect=True)
def test_outsiders_do_not_see_it_in_a_queue_list_or_export(as_outsider, clinician_referral):
    who, client, headers = as_outsider
    reference = clinician_referral.reference
    for name in ("team_referral_queue", "team_referral_export", "clinician_referral_list"):
        response = client.get(reverse(name), headers=headers)
        assert response.status_code in (200, 302, 404)
        assert reference not in response.content.decode()
    if who == "other_site_coordinator":
        assert client.get(reverse("team_referral_queue")).status_code == 200
    if who == "other_clinician":
        assert client.get(reverse("clinician_referral_list")).status_code == 200


@pytest.mark.parametrize("as_outsider", OUTSIDERS, indirect=True)
def test_outsiders_get_no_confirmation_page_of_someone_else(as_outsider, clinician_referral):
    _who, client, headers = as_outsider
    response = client.get(reverse("referral_sent"), headers=headers)
    assert response.status_code == 302  # nothing in this session: back to the home page
    assert clinician_referral.reference not in response.content.decode()


def test_insiders_reach_every_route(client, coordinator, clinician, clinician_referral):
    reference = clinician_referral.reference
    client.force_login(coordinator)
    assert client.get(reverse("team_referral_detail", args=[reference])).status_code == 200
    response = client.post(
        reverse("team_referral_note", args=[reference]), {"note": "Left a voicemail"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("team_referral_status", args=[reference]), {"status": "contacted"}
    )
    assert response.status_code == 302
    client.force_login(clinician)
    assert client.get(reverse("clinician_referral_detail", args=[reference])).status_code == 200


def test_a_coordinator_of_both_sites_sees_both(
    client, site, other_site, django_capture_on_commit_callbacks
):
    from tests.referrals.factories import SiteMembershipFactory, referral_for

    user = SiteMembershipFactory(site=site).user
    SiteMembershipFactory(site=other_site, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        first = referral_for(site=site)
        second = referral_for(site=other_site)
    client.force_login(user)
    page = client.get(reverse("team_referral_queue")).content.decode()
    assert first.reference in page and second.reference in page


def test_a_user_without_a_site_gets_404_for_the_queue(client, django_user_model, db):
    user = django_user_model.objects.create_user("nobody", password="x" * 16)
    client.force_login(user)
    assert client.get(reverse("team_referral_queue")).status_code == 404
    assert client.get(reverse("team_referral_export")).status_code == 404
    assert client.get(reverse("clinician_referral_list")).status_code == 404

"""In a browser: a site coordinator's invitation and first sign-in; a referral to a site
with no team yet, told as it is, then opened once the team has joined.

The demo catalog is loaded (its sites are illustrative). Invitations go to typed
addresses, never to a registry contact; mail stays in Django's test outbox.
"""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from eligibility.services import screening_evaluate
from finder.models import Trial
from referrals.models import Referral, SiteMembership
from tests.browser.conftest import CARE_MS_II, PHONE, check_page
from tests.factories import ELIGIBLE_ANSWERS

COORDINATOR = {
    "username": "mrivera",
    "first_name": "Maria",
    "last_name": "Rivera",
    "password": "granite harbour lantern 71",
}
INVITEE = "maria.rivera@stanford.example.org"
PATIENT = {"name": "Alice Zebrowski", "email": "alice.zebrowski@example.org"}
PALO_ALTO = {
    "latitude": 37.4419,
    "longitude": -122.143,
    "label": "Palo Alto, CA",
    "country_code": "US",
}


def palo_alto_site():
    return Trial.objects.get(nct_id=CARE_MS_II).sites.get(city="Palo Alto")


def invite(site, email=INVITEE) -> str:
    """Invite with the operators' command; the path of the link in the email sent."""
    before = len(mail.outbox)
    call_command("invite_site_team", str(site.pk), email, stdout=StringIO())
    sent = mail.outbox[before:]
    assert len(sent) == 1 and sent[0].to == [email]
    link = re.search(r"https?://\S+/team/join/[\w-]+/", sent[0].body).group(0)
    return urlsplit(link).path


def accept(page, path: str, *, screenshots: str | None = None) -> None:
    page.goto(page.base_url + path)
    expect(page).to_have_url(re.compile(r"/team/join/$"))  # the token leaves the address bar
    expect(page.locator("h1")).to_contain_text("Join the study team at Palo Alto")
    if screenshots:
        check_page(page, screenshots)
    page.get_by_label("Username").fill(COORDINATOR["username"])
    page.get_by_label("First name").fill(COORDINATOR["first_name"])
    page.get_by_label("Last name").fill(COORDINATOR["last_name"])
    page.get_by_label("Password", exact=True).fill(COORDINATOR["password"])
    page.get_by_label("Password confirmation").fill(COORDINATOR["password"])
    page.get_by_role("button", name="Create my account and join").click()
    expect(page).to_have_url(re.compile(r"/team/referrals/$"))


def with_screening(page, trial) -> None:
    """The browser's session holds an eligible screening and a place, as the
    questionnaire and the search leave them."""
    screening = screening_evaluate(trial=trial, answers=ELIGIBLE_ANSWERS).screening
    assert screening.verdict in ("eligible", "possibly_eligible")
    session = SessionStore()
    session["screenings"] = {trial.nct_id: ["fingerprint", str(screening.pk)]}
    session["origin"] = PALO_ALTO
    session.create()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": page.base_url}]
    )


def test_a_coordinator_is_invited_and_signs_in_for_the_first_time(page, new_page):
    site = palo_alto_site()
    path = invite(site)

    phone = new_page(viewport=PHONE)
    phone.goto(phone.base_url + path)
    expect(phone.locator("h1")).to_contain_text("Join the study team")
    check_page(phone, "invitation-accept")

    # The phone opened the link but did not accept: the desktop's acceptance is the one use.
    accept(page, path, screenshots="invitation-accept")
    expect(page.locator("main")).to_contain_text("Welcome to the study team at Palo Alto")
    expect(page.locator("main")).to_contain_text("0 referrals")
    check_page(page, "team-first-login")
    membership = SiteMembership.objects.get(user__username=COORDINATOR["username"])
    assert membership.site == site and membership.role == "coordinator"

    # The team page: who is on it, and a colleague's invitation.
    page.get_by_role("link", name="Your team and invitations").click()
    expect(page.locator("h1")).to_have_text("Your team")
    expect(page.locator("main")).to_contain_text("Maria Rivera")
    check_page(page, "team-members")

    # Signing out and in again: the account works without the link.
    page.get_by_role("button", name="Sign out").click()
    page.goto(page.base_url + "/team/referrals/")
    page.get_by_label("Username").fill(COORDINATOR["username"])
    page.get_by_label("Password").fill(COORDINATOR["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/team/referrals/$"))

    # On the phone too, with the account just made.
    phone.goto(phone.base_url + "/team/referrals/")
    phone.get_by_label("Username").fill(COORDINATOR["username"])
    phone.get_by_label("Password").fill(COORDINATOR["password"])
    phone.get_by_role("button", name="Sign in").click()
    expect(phone).to_have_url(re.compile(r"/team/referrals/$"))
    check_page(phone, "team-first-login")
    phone.get_by_role("button", name="Sign out").click()

    # The link again, anywhere: used, and the page says what to do.
    again = phone.goto(phone.base_url + path)
    assert again.status == 410
    expect(phone.locator("h1")).to_have_text("This invitation has already been used")
    expect(phone.locator("#what-to-do")).to_contain_text("sign in with the username and password")
    check_page(phone, "invitation-used")
    expired = page.goto(page.base_url + "/team/join/not-a-valid-token/")
    assert expired.status == 404
    check_page(page, "invitation-invalid")


def test_a_referral_to_a_site_with_no_team_is_told_as_it_is(page, new_page):
    trial = Trial.objects.get(nct_id=CARE_MS_II)
    site = palo_alto_site()
    site.contact_name = "MS Research Office (illustrative)"
    site.contact_phone = "+1 650 555 0177"
    site.contact_email = "ms-research@example.org"
    site.save()
    with_screening(page, trial)

    page.goto(page.base_url + f"/trials/{CARE_MS_II}/contact/")
    main = page.locator("main")
    radios = page.locator('input[name="site"]')
    expect(radios).to_have_count(5)
    expect(main).to_contain_text("Showing 5 of 191 sites taking new patients")
    expect(page.locator('label[for="id_site_0"]')).to_contain_text(re.compile(r"\(\d+ mi\)"))
    expect(page.locator('label[for="id_site_0"]')).to_contain_text("Palo Alto")
    expect(page.locator('label[for="id_site_0"]')).to_contain_text("Not on MS Trial Finder yet")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, f"the contact form is {height} px tall"
    check_page(page, "contact-form")

    small = new_page(viewport=PHONE)
    with_screening(small, trial)
    small.goto(small.base_url + f"/trials/{CARE_MS_II}/contact/")
    expect(small.locator('input[name="site"]')).to_have_count(5)
    check_page(small, "contact-form")

    # Show more without JavaScript's help keeps what was typed.
    page.get_by_label("Your name", exact=True).fill(PATIENT["name"])
    page.get_by_label("Email address", exact=True).fill(PATIENT["email"])
    page.get_by_role("button", name="Show 10 more sites").click()
    expect(radios).to_have_count(15)
    expect(page.get_by_label("Email address", exact=True)).to_have_value(PATIENT["email"])
    page.get_by_label("Find a site by city, state, postal code or name").fill("Boston")
    page.get_by_role("button", name="Search sites").click()
    expect(main).to_contain_text("site matches “Boston”")
    check_page(page, "contact-form-search")
    page.get_by_label(re.compile("^Palo Alto Neurology")).check()
    page.locator('input[name="consent"]').check()
    page.get_by_role("button", name="Send my request").click()
    expect(page).to_have_url(re.compile(r"/referrals/sent/$"))

    referral = Referral.objects.get()
    assert referral.site == site
    expect(page.locator("h1")).to_have_text("We have your request")
    expect(page.locator("#no-team")).to_contain_text("nobody there has been told")
    expect(main).not_to_contain_text("within a few working days")
    expect(page.locator("#site-contact")).to_contain_text("+1 650 555 0177")
    expect(page.locator("#site-contact")).to_contain_text("ms-research@example.org")
    expect(page.locator("#opened")).to_have_text("Not yet")
    assert PATIENT["email"] not in page.url and "alice" not in page.url.lower()
    check_page(page, "referral-no-team")

    status_path = f"/referrals/{referral.reference}/"
    phone = new_page(viewport=PHONE)
    phone.goto(phone.base_url + status_path)
    expect(phone.locator("#reference")).to_have_text(referral.reference)
    check_page(phone, "referral-no-team")

    # The team joins and opens it: the patient's page says when.
    team = new_page()
    accept(team, invite(site))
    expect(team.locator("table")).to_contain_text(referral.reference)
    team.get_by_role("link", name=referral.reference).click()
    expect(team.locator("#contact-title + dl")).to_contain_text(PATIENT["name"])
    phone.reload()
    expect(phone.locator("#opened")).not_to_have_text("Not yet")
    expect(phone.locator("main")).to_contain_text("opened your request on")
    check_page(phone, "referral-opened")
    page.goto(page.base_url + status_path)
    check_page(page, "referral-opened")


@pytest.fixture(autouse=True)
def _no_mail_leaves(settings):
    """Belt and braces: whatever the environment says, mail stays in memory here."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

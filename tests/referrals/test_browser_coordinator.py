"""In a browser: a coordinator signs in and works a referral from new to enrolled."""

import pytest

from referrals.models import AuditEvent, Referral, Status
from tests.referrals.conftest import CONTACT, POSSIBLY_ELIGIBLE_ANSWERS, axe_violations, screenshot
from tests.referrals.factories import PASSWORD, referral_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_works_a_referral_from_new_to_enrolled(
    browser_context, live_server, site, coordinator
):
    referral = referral_for(site=site, answers=POSSIBLY_ELIGIBLE_ANSWERS)
    page = browser_context.new_page()

    page.goto(f"{live_server.url}/team/referrals/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "login")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/team/referrals/")
    assert referral.reference in page.locator("table").inner_text()
    assert CONTACT["name"] not in page.content()
    screenshot(page, "team-queue")
    assert axe_violations(page) == []

    page.get_by_role("link", name=referral.reference).click()
    page.wait_for_url(f"**/team/referrals/{referral.reference}/")
    assert CONTACT["name"] in page.locator("#contact-title + dl").inner_text()
    screenshot(page, "team-referral-new")
    assert axe_violations(page) == []

    steps = [
        ("Contacted", "Left a message, called back Tuesday"),
        ("Screening visit booked", "Visit on the 14th"),
        ("Enrolled", ""),
    ]
    for label, note in steps:
        page.get_by_label(label, exact=True).check()
        if note:
            page.get_by_label("Note (optional)").fill(note)
        page.get_by_role("button", name="Save status").click()
        page.wait_for_load_state()
        assert page.locator(".status-label").first.inner_text() == label
        if label == "Contacted":
            screenshot(page, "team-referral-contacted")

    referral.refresh_from_db()
    assert referral.status == Status.ENROLLED and referral.closed_at is not None
    assert "This referral is closed" in page.content()
    assert "Visit on the 14th" in page.locator(".timeline").inner_text()
    screenshot(page, "team-referral-enrolled")
    assert AuditEvent.objects.filter(referral=referral, action="status").count() == 3
    assert Referral.objects.get(pk=referral.pk).activities.count() == 4

"""The site team sees how much of a real trial was checked (issue 17): on the referral's
page, "N of M criteria checked; K for the study team to check", from the imported
NCT06408259, whose registered lines wait for review."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.services import screening_evaluate
from finder.models import Trial
from referrals.audit import Actor
from referrals.services import referral_create_from_screening
from tests.referrals.conftest import CONTACT
from tests.referrals.factories import SiteMembershipFactory

PAGE = (
    Path(__file__).resolve().parents[1] / "data" / "registry" / "ms-recruiting-portland-page.json"
)


@pytest.fixture
def imported(db):
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id="NCT06408259")


def test_the_team_sees_how_many_criteria_were_checked(client, imported):
    site = imported.sites.filter(status="RECRUITING").first()
    member = SiteMembershipFactory(site=site).user
    outcome = screening_evaluate(
        trial=imported,
        answers={
            "age": 14,
            "sex": "female",
            "ms_diagnosis": "yes",
            "ms_course": "relapsing_remitting",
        },
    )
    assert outcome.verdict == "possibly_eligible"
    assert 0 < outcome.checked < outcome.total
    referral = referral_create_from_screening(
        screening=outcome.screening,
        site=site,
        contact=CONTACT,
        consent=True,
        actor=Actor(label="patient"),
    )
    client.force_login(member)

    html = client.get(f"/team/referrals/{referral.reference}/", HTTP_ACCEPT_LANGUAGE="en")

    text = " ".join(html.content.decode().split())
    left = outcome.total - outcome.checked
    expected = (
        f"{outcome.checked} of {outcome.total} criteria checked; {left} for the study team to check"
    )
    assert text.count(expected) == 2  # then, and under today's criteria

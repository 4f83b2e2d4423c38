"""MRI with gadolinium, electronic implants, a device with internet access."""

from datetime import date

import pytest

from eligibility.engine.evaluate import CriterionSpec, compile_trial
from eligibility.engine.facts import prepare_facts
from eligibility.reader import propose
from tests.reader.conftest import note_of, rule_of

NO_MRI = {"fact": "can_have_mri", "op": "==", "value": "no"}


@pytest.mark.parametrize(
    "text",
    [
        (
            "Patients sensitive to gadolinium, or who are unable to undergo the required number"
            " of MRI scans."
        ),
        (
            "history of allergic reactions to gadolinium or any other condition contraindicated"
            " for MRI."
        ),
        "Inability to undergo MRI with gadolinium.",
        "Contraindication to MRI or to gadolinium.",
        (
            "Inability to complete an MRI scan (contraindications for MRI, including but not"
            " restricted to claustrophobia, pacemaker, cochlear implants, intracranial vascular"
            " clips) or contraindications to gadolinium administration"
        ),
    ],
)
def test_reads_a_line_naming_the_scan_and_the_contrast(text):
    assert rule_of(text, kind="exclusion") == NO_MRI


@pytest.mark.parametrize(
    "text",
    [
        "Inability to successfully undergo MRI scanning.",  # a contrast allergy alone answers "no"
        "A known history of sensitivity to Gd.",
        "Patients with known hypersensitivity to gadolinium-DPTA.",
        "Inability to complete the baseline MRI scan.",
    ],
)
def test_can_have_mri_is_broader_than_the_scan_or_the_contrast_alone(text):
    assert rule_of(text, kind="exclusion") is None


def test_able_to_have_an_mri_with_gadolinium_as_an_inclusion():
    assert rule_of("Able to undergo MRI with gadolinium") == {
        "fact": "can_have_mri",
        "op": "==",
        "value": "yes",
    }


@pytest.mark.parametrize(
    "text",
    [
        "Patients with electronic implants such as pacemakers or neurostimulators.",
        "Pacemaker or other electronic implant",
        "Implanted electronic devices (e.g., pacemaker, defibrillator)",
    ],
)
def test_reads_electronic_implants_as_a_class(text):
    assert rule_of(text, kind="exclusion") == {
        "fact": "implanted_device",
        "op": "==",
        "value": "yes",
    }


@pytest.mark.parametrize(
    "text",
    [
        "Pacemaker",  # one kind: the answer counts any electronic implant
        (
            "Patients with certain artificial heart valves, pacemakers, or other"
            " metallic/electronic material in their bodies."
        ),
        (
            "Participants with an implanted electronic device (e.g., pacemaker, defibrillator,"
            " neurostimulator) that is not MRI compatible"
        ),
    ],
)
def test_an_implant_line_the_answer_does_not_say_is_not_read(text):
    assert rule_of(text, kind="exclusion") is None
    assert "Not read" in note_of(text, kind="exclusion")


def _status(text: str, answer: str) -> str:
    """The line's status, its proposal accepted unread, for one has_internet_device answer."""
    proposal = propose(text, kind="inclusion")
    spec = CriterionSpec(
        id=1,
        kind="inclusion",
        rule=proposal.rule if proposal else None,
        text=proposal.patient_text if proposal else text,
    )
    facts = prepare_facts({"has_internet_device": answer}, today=date(2025, 6, 15))
    return compile_trial([spec]).statuses(facts)[0]


@pytest.mark.parametrize(
    "text",
    [
        "Access to a smartphone or computer with internet access for electronic diaries.",
        "Has a smartphone or a computer with internet access",
        "Access to a computer or smartphone with internet access at home",
    ],
)
def test_reads_a_line_naming_a_smartphone_and_a_computer(text):
    assert rule_of(text) == {"fact": "has_internet_device", "op": "==", "value": "yes"}
    # As before: the answer is the line's question, so "no" fails it and "unsure" is open.
    assert _status(text, "yes") == "pass"
    assert _status(text, "no") == "fail"
    assert _status(text, "unsure") == "unknown"


@pytest.mark.parametrize(
    "text",
    [
        "Internet access",
        "Internet access.",
        "Access to the internet",
        "Access to internet at home",
        "Has internet access for electronic diaries",
        "Access to the internet with a compatible device",
    ],
)
def test_a_bare_internet_line_does_not_rule_out_a_tablet_only_patient(text):
    # The line takes any device with internet; has_internet_device asks for a smartphone
    # or computer, so a patient whose only device is a tablet may truthfully answer "no".
    assert rule_of(text) is None
    assert "tablet" in note_of(text)
    for answer in ("yes", "no", "unsure"):
        assert _status(text, answer) != "fail"


@pytest.mark.parametrize(
    "text",
    [
        # E-mail is not asked, and a tablet-only patient may answer "no" (NCT06441617).
        (
            "Access to the internet and e-mail with a compatible device (smartphone, computer,"
            " or tablet)"
        ),
        "Access to the internet and e-mail",
        "Access to a smartphone or tablet with internet access",
        # One kind of device: a computer owner answers "yes" and need not own a smartphone.
        "Owns a smartphone with internet access",
        "Access to a computer with internet access",
        "Has a mobile phone with internet access",
    ],
)
def test_an_internet_line_saying_more_or_less_than_the_answer_is_not_read(text):
    assert rule_of(text) is None
    assert "has_internet_device" in note_of(text)

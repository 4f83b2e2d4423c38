"""MRI with contrast, electronic implants, a device with internet access.

``can_have_mri`` is "can have an MRI scan with gadolinium contrast" (no implant that rules
it out, no severe claustrophobia, no contrast allergy). It is broader than "allergy to
gadolinium" and than "unable to undergo MRI" (a contrast allergy alone answers "no"), so it
reads only a line that names both the scan and the contrast ("sensitive to gadolinium, or
unable to undergo MRI", "allergy to gadolinium or any other MRI contraindication").
``implanted_device`` reads a line about electronic implants as a class ("pacemakers or
other electronic implants"); a pacemaker alone, or metal in the body, is not the answer.
"""

from __future__ import annotations

import re

from .reading import Clause, Refusal, comparison, quoted
from .subjects import PEOPLE
from .vocabulary import join_alternatives

_GADOLINIUM = (
    r"(?:gadolinium|gd|contrast(?: agents?| media| dye)?|gadolinium-based contrast agents?)"
)
_ALLERGY = (
    rf"(?:contraindications? (?:to|for) {_GADOLINIUM}(?: administration)?"
    rf"|(?:known |a )?(?:history of )?(?:allergic reactions?|allergy|allergies|hypersensitivity"
    rf"|sensitivity|intolerance) to {_GADOLINIUM}|sensitive to {_GADOLINIUM}|allergic to "
    rf"{_GADOLINIUM})"
)
_CANNOT_MRI = (
    r"(?:(?:who (?:are|is) )?(?:unable|not able) to (?:undergo|have|tolerate|complete)|inability to"
    r" (?:undergo|have|tolerate|complete)|cannot (?:undergo|have)) (?:the required number of |an?"
    r" )?"
    r"(?:mri|magnetic resonance imaging)(?: scans?| scanning| examinations?)?"
    r"|(?:any )?(?:other )?(?:conditions? )?contraindicat(?:ed|ions?) (?:for|to) (?:an? )?(?:mri"
    r"|magnetic resonance imaging)(?: scans?)?"
)
_MRI_EXCLUSION = re.compile(
    rf"^(?:(?:{PEOPLE}) (?:who are |with )?)?(?:{_ALLERGY}),? (?:or|and/or) (?:{_CANNOT_MRI})$"
    rf"|^(?:(?:{PEOPLE}) (?:who are |with )?)?(?:{_CANNOT_MRI}),? (?:or|and/or) (?:{_ALLERGY})$"
    rf"|^(?:{_CANNOT_MRI}) (?:with|and|or) {_GADOLINIUM}(?: administration| injection)?$"
    rf"|^contraindications? to (?:mri|magnetic resonance imaging) (?:or|and) (?:to )?{_GADOLINIUM}$"
)
_MRI_INCLUSION = re.compile(
    rf"^(?:(?:must be )?able to )(?:undergo|have) (?:an? )?(?:mri|magnetic resonance imaging)"
    rf"(?: scans?)? with {_GADOLINIUM}(?: administration)?$"
)

_IMPLANT_ITEM = (
    r"(?:cardiac |heart )?pacemakers?|(?:implantable )?(?:cardioverter[- ])?defibrillators?"
    r"|(?:neuro|nerve |deep brain |spinal cord )stimulators?|cochlear implants?"
    r"|implanted (?:medicine |drug |infusion )?pumps?"
)
_IMPLANT_CLASS = (
    r"(?:any |an )?(?:other |another )?(?:implanted |implantable )?electronic (?:implants?"
    r"|devices?|medical"
    r" devices?|material)(?: in (?:the|their) bod(?:y|ies))?"
)
_IMPLANT_ITEMS = rf"(?:{_IMPLANT_ITEM})(?:,? (?:or |and )?(?:{_IMPLANT_ITEM}))*"
_IMPLANT = re.compile(
    rf"^(?:(?:{PEOPLE}) with )?(?:an? )?(?:{_IMPLANT_ITEMS},? (?:or |and )?)?"
    rf"{_IMPLANT_CLASS}(?: \((?:e\.g\.,? |such as |including )?{_IMPLANT_ITEMS}\)"
    rf"|,? (?:such as|including|e\.g\.,?) {_IMPLANT_ITEMS})?$"
)

_DEVICE = r"(?:smartphone|computer|tablet|mobile phone)"
_INTERNET = re.compile(
    r"^(?:(?:has|have|having|with|owns?) )?(?:access to (?:the )?internet(?: and e-?mail)?"
    rf"|internet access|(?:access to )?an? {_DEVICE}(?:,? (?:or|and) (?:an? )?{_DEVICE})*"
    r" with internet access)"
    rf"(?: with a (?:compatible )?device(?: \({_DEVICE}(?:,? (?:or )?{_DEVICE})*\))?)?"
    # A purpose ("for electronic diaries") does not narrow the access.
    r"(?: at home)?(?: for [a-z -]+)?$"
)


def read_mri(text: str, kind: str) -> Clause | Refusal | None:
    """ "Patients sensitive to gadolinium, or who are unable to undergo MRI"."""
    if not re.search(r"\bmri\b|magnetic resonance|gadolinium", text):
        return None
    # "(contraindications for MRI, including claustrophobia, pacemaker ...)": examples.
    text = re.sub(
        r" \((?:contraindications? (?:for|to) mri|e\.g\.|such as|including)[^)]*\)", "", text
    )
    if kind == "exclusion" and _MRI_EXCLUSION.fullmatch(text):
        return Clause(
            comparison("can_have_mri", "==", "no"),
            "who cannot have an MRI scan with contrast dye",
            "que no pueden hacerse una resonancia magnética con contraste",
            "mri",
            f"Matched {quoted(text)} as not able to have an MRI with gadolinium: the line names "
            "both the scan and the contrast, as can_have_mri does.",
        )
    if kind == "inclusion" and _MRI_INCLUSION.fullmatch(text):
        return Clause(
            comparison("can_have_mri", "==", "yes"),
            "who can have an MRI scan with contrast dye",
            "que pueden hacerse una resonancia magnética con contraste",
            "mri",
            f"Matched {quoted(text)} as able to have an MRI with gadolinium (can_have_mri).",
        )
    if re.search(r"gadolinium|contrast|\bgd\b|\bmri\b", text) and re.search(
        r"allerg|sensitiv|unable|inability|contraindicat", text
    ):
        return Refusal(
            "mri",
            "can_have_mri (MRI with contrast: implants, claustrophobia, contrast "
            "allergy) is broader than a line naming only the scan or only the contrast",
        )
    return None


def read_implant(text: str, kind: str) -> Clause | Refusal | None:
    """ "Pacemakers or other electronic implants"."""
    if kind != "exclusion" or not re.search(
        r"pacemaker|defibrillator|stimulator|electronic|implant", text
    ):
        return None
    if _IMPLANT.fullmatch(text):
        return Clause(
            comparison("implanted_device", "==", "yes"),
            "with a pacemaker, defibrillator, nerve stimulator or another electronic implant",
            "con un marcapasos, un desfibrilador, un neuroestimulador u otro implante electrónico",
            "implant",
            f"Matched {quoted(text)} as an electronic implant (implanted_device).",
        )
    return Refusal(
        "implant",
        "implanted_device is any electronic implant; the line names one kind,"
        " or metal, so the answer is not the same",
    )


def read_internet(text: str, kind: str) -> Clause | Refusal | None:
    """ "Access to a smartphone or computer with internet access", "Internet access".

    ``has_internet_device`` asks for a smartphone or computer with internet access: a line
    also asking for e-mail, or taking a tablet, or naming one kind of device only, says
    something else (a tablet-only patient may truthfully answer "no"), so it is not read.
    A bare "Internet access" names no device, so it takes a tablet too: the answer is
    narrower than the line and would rule out a tablet-only patient the line takes, so it
    is not read either (since reader version 3). Only a line naming exactly a smartphone
    and a computer is the question the patient answers.
    """
    if kind != "inclusion" or "internet" not in text:
        return None
    if not _INTERNET.fullmatch(text):
        return None
    devices = set(re.findall(_DEVICE, text))
    if re.search(r"\be-?mail\b", text) or "tablet" in devices:
        return Refusal(
            "internet",
            "has_internet_device asks about a smartphone or computer with internet access; "
            "a line also asking for e-mail or taking a tablet says something else",
        )
    if not devices:
        return Refusal(
            "internet",
            "has_internet_device asks about a smartphone or computer with internet access; "
            "a line asking for internet access on any device takes a tablet-only patient, "
            "who may truthfully answer no",
        )
    if devices != {"smartphone", "computer"}:
        return Refusal(
            "internet",
            "has_internet_device asks about a smartphone or computer with internet access; "
            f"a line naming {join_alternatives(sorted(devices), 'en')} only says something else",
        )
    return Clause(
        comparison("has_internet_device", "==", "yes"),
        "who have a smartphone or computer with internet access",
        "que tienen un teléfono inteligente o una computadora con acceso a internet",
        "internet",
        f"Matched {quoted(text)} as a device with internet access.",
    )

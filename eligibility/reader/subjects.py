"""The words around what a line says: who it is about and how it asks.

"Male and female patients between ages 18-55", "Subjects must have a confirmed diagnosis",
"Patients who have received": the subject and the modal verb carry no rule. They are
stripped before a pattern reads the rest; a sex restriction they carry ("Men, age 18-65")
is read by :mod:`eligibility.reader.demographics`, not here.
"""

from __future__ import annotations

import re

BOTH_SEXES = (
    r"(?:male and female|female and male|male or female|female or male|men and women"
    r"|women and men|men or women|women or men|both (?:male and female|genders|sexes))"
)
PEOPLE = (
    r"(?:the )?(?:adult |enrolled |eligible )?(?:patients?|subjects?|participants?|persons?"
    r"|people|individuals?|volunteers?|candidates?)"
)

_SUBJECT = re.compile(
    rf"^(?:{BOTH_SEXES} )?(?:{PEOPLE} )?(?:of both (?:genders|sexes) )?"
    r"(?:(?:who|that) )?(?:(?:must|should|will|shall|to) )?(?:(?:also|already) )?"
    r"(?:(?:be|have|has|had|are|is|was|were|carry|having) )?(?:been )?"
)


def strip_subject(text: str) -> str:
    """``text`` without a leading subject and modal: "subjects must have a ..." -> "a ..."."""
    return _SUBJECT.sub("", text, count=1).strip()


def strip_article(text: str) -> str:
    return re.sub(r"^(?:an?|the) ", "", text)

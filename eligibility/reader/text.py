"""Registry wording made uniform before the patterns read it, and the words that stop them.

:func:`normalize` lowercases a criterion line and irons out how registries write the same
thing: unicode dashes and comparison signs, trademark signs, the decimal comma of
"EDSS 0-5,5", footnote marks glued to words ("Criteria139"), citations and visit labels
in brackets, abbreviations repeated in brackets ("(EDSS)"), and the typos seen in the
registry data (each listed in :data:`_TYPOS` with where it was seen). Nothing it does
changes what a line means; every pattern then reads the normalised text whole.

:func:`judgement` names the words that leave a line to a clinician (spec section 6.3):
a line containing one gets no proposal. :func:`names_other_arm` spots headings and lines
about healthy controls, non-MS participants or one cohort of several.
"""

from __future__ import annotations

import re
from functools import lru_cache

# --- normalisation -----------------------------------------------------------------------

_CHARACTERS = str.maketrans(
    {
        "≤": " <= ",
        "≥": " >= ",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "®": "",
        "™": "",
        "©": "",
        "β": "beta",
        "\u00a0": " ",
        "ï": "i",
        "é": "e",
    }
)

#: Typos and variant spellings seen in ``tests/data/registry`` (or common in registries),
#: corrected before reading: (a word every match contains, a whole-word pattern, its
#: replacement). The word lets the pattern be skipped on the many lines without it.
_TYPOS: tuple[tuple[str, str, str], ...] = (
    ("screenin", r"\bscreenin\b", r"screening"),  # NCT00260741
    ("befor", r"\bbefor\b", r"before"),  # NCT02048072
    ("then", r"\b(more|less|greater|higher|lower|older|younger) then\b", r"\1 than"),  # NCT02727907
    ("mitoxanthrone", r"\bmitoxanthrone\b", r"mitoxantrone"),  # NCT00260741
    ("glativamir", r"\bglativamir\b", r"glatiramer"),  # NCT01679041
    ("gilanya", r"\bgilanya\b", r"gilenya"),  # NCT02048072
    ("supressor", r"\bimmune[- ]supressors?\b", r"immunosuppressant"),  # NCT00261326
    ("supress", r"\bsupress", r"suppress"),
    ("between", r"\bbetween he ages\b", r"between the ages"),  # NCT00618527
    ("progressive", r"\bprogressive[- ]remitting\b", r"progressive-relapsing"),  # NCT01480076
    ("cyclosporin", r"\bcyclosporin a\b", r"cyclosporine"),  # NCT00405353
    ("cyclosporin", r"\bcyclosporin\b", r"cyclosporine"),
    ("ciclosporin", r"\bciclosporin\b", r"cyclosporine"),
    ("methylprednisone", r"\bmethylprednisone\b", r"methylprednisolone"),  # NCT00836719
    ("blockers", r"\bbata[- ]blockers\b", r"beta-blockers"),  # NCT02048072
    ("fullfilled", r"\bfullfilled\b", r"fulfilled"),  # NCT02048072
    ("dpta", r"\bgadolinium-dpta\b", r"gadolinium"),  # NCT00405353 (DTPA)
    ("erimental", r"\bex(p)?erimental\b", r"experimental"),
    ("feeding", r"\bbreast feeding\b", r"breastfeeding"),
    ("breast-feeding", r"\bbreast-feeding\b", r"breastfeeding"),
    ("bearing", r"\bchild bearing\b", r"childbearing"),
    ("birth-control", r"\bbirth-control\b", r"birth control"),
    ("child-bearing", r"\bchild-bearing\b", r"childbearing"),
    ("randomisation", r"\brandomisation\b", r"randomization"),
    ("randomised", r"\brandomised\b", r"randomized"),
    ("enrolment", r"\benrolment\b", r"enrollment"),
    ("haematopoietic", r"\bhaematopoietic\b", r"hematopoietic"),
    ("ischaemic", r"\bischaemic\b", r"ischemic"),
    ("tumour", r"\btumour", r"tumor"),
    ("immunisation", r"\bimmunisation\b", r"immunization"),
    ("hospitalisation", r"\bhospitalisation\b", r"hospitalization"),
    ("immunoglobulines", r"\bimmunoglobulines\b", r"immunoglobulins"),
    # Seen in the third and fourth held-out batches (written like registry text).
    ("relaspe", r"\brelaspe(s?)\b", r"relapse\1"),
    ("screeen", r"\bscreeening\b", r"screening"),
    ("wks", r"(\d) wks\b", r"\1 weeks"),
    ("mos", r"(\d) mos\b", r"\1 months"),
    # "five (5) years": the number written twice.
    (
        "(",
        r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) \((\d+)\)",
        r"\1",
    ),
    ("evidence", r"\bno (?:clinical )?evidence of ((?:ms |clinical )?relapses?)\b", r"no \1"),
    ("malignan", r"\bhistory of any malignanc", r"history of malignanc"),
    # Seen in the fifth held-out batch.
    ("corticosteriod", r"\bcorticosteriod(s?)\b", r"corticosteroid\1"),
    ("recie", r"\brecie(ve[ds]?|ving)\b", r"recei\1"),
    # Seen in the sixth held-out batch.
    ("cyclophosphamid", r"\bcyclophosphamid\b", r"cyclophosphamide"),
    ("mitoxantone", r"\bmitoxantone\b", r"mitoxantrone"),
    ("intravenuous", r"\bintravenuous\b", r"intravenous"),
    (
        "(",
        r"\b(?:thirty|forty|sixty|ninety|twenty-four|eighteen|fourteen) \((\d+)\)",
        r"\1",
    ),
)
_TYPO_PATTERNS = tuple(
    (trigger, re.compile(pattern), replacement) for trigger, pattern, replacement in _TYPOS
)

# Brackets holding only a citation, a section, a visit or a day label, a footnote.
_REFERENCE = re.compile(
    r"\s*[\[(](?:[^\[\]()]*?(?:et al|\b(?:19|20)\d\d\b|\bsection\b|\bappendix\b|\bvisit\b"
    r"|\bday -?\d+\b|\bmonth -?\d+\b|\bref\b|\bsee\b|\bann neurol\b)[^\[\]()]*?)[\])]",
    re.IGNORECASE,
)
# A bracketed abbreviation or one capitalised word repeating the term before it:
# "(EDSS)", "[MS]", "(RRMS)", "(Novantrone)". Read on the original case.
_ABBREVIATION = re.compile(r"\s*[\[(](?:[A-Z][A-Za-z0-9+/-]{0,11}|[a-z]{1,3}\+?)[\])]")
_FOOTNOTE = re.compile(r"\b(criteria|criterion|formula)\d{1,3}\b")
_DECIMAL_COMMA = re.compile(r"(?<![\w,.])(\d),([05])(?![\d,])")
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.;,:]+$")

# Phrases that name a standard exception the facts already make, or the contraception
# the fact asks about: "adequate" there is not a clinician's call.
_STANDARD_PHRASES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\b(?:adequately|successfully|appropriately|effectively) treated\b"), "treated"),
    (
        re.compile(r"\badequate (?:method of |methods of |form of )?(contraception|birth control)"),
        r"effective \1",
    ),
    (re.compile(r"\bself[- ]reported\b"), "self reported"),
)

# A steroid that is not systemic: inhaled, on the skin, in the nose, eye or ear.
_NON_SYSTEMIC_ROUTE = (
    r"(?:inhaled|inhalational|inhalative|topical|topically applied|dermal|cutaneous|skin|nasal"
    r"|intranasal|ophthalmic|ocular|otic)"
)
_NON_SYSTEMIC = (
    rf"(?:{_NON_SYSTEMIC_ROUTE}|(?:(?:cortico)?steroid )?(?:eye|ear|nasal) (?:drops|sprays?)"
    r"|(?:(?:cortico)?steroid )?(?:creams?|ointments?|inhalers?))"
)
_STEROIDS_ALLOWED = (
    rf"(?:(?:the )?use of |however,? |but )?{_NON_SYSTEMIC}(?:(?:,? and/or |,? and |,? or |, )"
    rf"{_NON_SYSTEMIC})*(?: (?:cortico)?steroids?| glucocorticoids?| (?:cortico)?steroid"
    r" preparations?)? (?:are|is) (?:allowed|permitted|acceptable|not excluded|not exclusionary)"
    r"(?: (?:at any time|during the study))?"
)

# Clarifying sentences that repeat a fact's own meaning (they may follow a line).
CLARIFICATIONS: tuple[re.Pattern, ...] = (
    # NCT00405353: the protocol's definition of a relapse, the fact's own idea.
    re.compile(r"\. relapse (?:will be|is) defined (?:historically )?as [^.]*$"),
    # NCT04047628: a vaccine's antibodies are not a hepatitis B diagnosis.
    re.compile(
        r"\. hepatitis b surface antibody following hepatitis b immunization is not considered "
        r"to be evidence of (?:past )?infection$"
    ),
    # NCT02720107: what pregnancy means.
    re.compile(r", where pregnancy is defined as [^.]*$"),
    # "...; inhaled and topical steroids are allowed": it permits only steroids that are not
    # taken by mouth, drip or injection, which days_since_systemic_steroids never counts.
    # One naming anything else ("intra-articular", "oral", "low-dose") is not a
    # clarification, and the line stays unread.
    re.compile(rf"(?:[.;] {_STEROIDS_ALLOWED}|,? \({_STEROIDS_ALLOWED}\))$"),
)


def normalize(text: str) -> str:
    """One criterion line (its own words, not its sub-items) made uniform for reading."""
    text = text.translate(_CHARACTERS)
    if "(" in text or "[" in text:
        for _ in range(3):  # nested brackets: "(Polman et al, 2005 [Appendix I])"
            text = _REFERENCE.sub("", text)
        text = _ABBREVIATION.sub("", text)
    text = text.lower()
    text = _FOOTNOTE.sub(r"\1", text)
    for trigger, pattern, replacement in _TYPO_PATTERNS:
        if trigger in text:
            text = pattern.sub(replacement, text)
    text = _DECIMAL_COMMA.sub(r"\1.\2", text)
    for pattern, replacement in _STANDARD_PHRASES:
        text = pattern.sub(replacement, text)
    text = text.replace("=<", " <= ").replace("=>", " >= ")
    text = _SPACES.sub(" ", text).strip()
    return _TRAILING.sub("", text)


def drop_clarification(text: str) -> tuple[str, str]:
    """The line without a trailing clarifying sentence, and that sentence ('' if none)."""
    for pattern in CLARIFICATIONS:
        found = pattern.search(text)
        if found:
            sentence = found.group(0).lstrip(". ,;")
            if sentence.startswith("(") and sentence.endswith(")"):
                sentence = sentence[1:-1]
            return text[: found.start()].rstrip(" ,"), sentence
    return text, ""


# --- words that leave the call to a clinician ----------------------------------------------

_JUDGEMENT: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("clinically significant", r"\bclinically (?:significant|relevant|important|meaningful)"),
        ("significant", r"\b(?:in)?significant(?:ly)?\b"),
        ("severe", r"\bsevere(?:ly)?\b"),
        ("uncontrolled", r"\b(?:uncontrolled|poorly controlled|well[- ]controlled)\b"),
        ("not controlled", r"\bnot (?:be )?(?:well[- ])?controlled\b"),
        ("stable", r"\b(?:un)?stable\b|\bstabili[sz]ed\b|\bstability\b"),
        ("in the opinion of", r"\bopinion\b|\bjudge?ment\b|\bdiscretion\b"),
        ("as determined by", r"\b(?:determined|judged|deemed|assessed|felt) (?:by|to)\b"),
        ("the investigator", r"\binvestigators?\b|\bradiologist\b|\btreating physician\b"),
        ("interfere", r"\binterfer(?:e|es|ed|ing|ence)\b"),
        ("adequate", r"\badequate(?:ly)?\b"),
        ("suitable", r"\b(?:un)?suitab|\b(?:in)?appropriate\b"),
        ("at risk", r"\bat risk\b|\brisk of\b|\bjeopardi[sz]e"),
        (
            "could affect",
            r"\b(?:may|could|would|might|likely to) (?:affect|compromise|prevent|"
            r"preclude|put|increase|influence|limit|make)\b",
        ),
        ("preclude", r"\bprecludes?\b"),
        # "major depressive episode" is a diagnosis (DSM-5), not a clinician's weighing.
        ("major", r"\bmajor\b(?! depressi)"),
        ("serious", r"\bserious(?! (?:active )?infection)"),
        ("moderate", r"\bmoderate\b"),
        ("individual basis", r"\bindividual basis\b|\bcase[- ]by[- ]case\b"),
        (
            "contraindication",
            r"\bcontraindicat\w*+(?! (?:to|for) (?:an? )?(?:mri|magnetic resonance|gadolinium)\b)",
        ),
        ("failure", r"\b(?:non-?responders?|treatment failure|inadequate response)\b"),
    )
)


_ANY_JUDGEMENT = re.compile(
    "|".join(f"(?P<j{index}>{pattern.pattern})" for index, (_, pattern) in enumerate(_JUDGEMENT))
)


#: Words one of which every judgement pattern holds: a line with none of them is not
#: searched (the one pattern is slow on a line it does not match; tests/reader/test_text.py
#: checks that the two answers agree).
JUDGEMENT_TRIGGERS = (
    *("clinically", "significan", "severe", "controlled", "stab", "opinion", "judg"),
    *("discretion", "determined", "deemed", "assessed", "felt", "investigator"),
    *("radiologist",),
    *("treating physician", "interfer", "adequate", "suitab", "appropriate", "risk"),
    *("jeopardi", "may", "could", "would", "might", "likely", "preclude", "major"),
    *("serious", "moderate", "individual basis", "case", "contraindicat", "responder"),
    *("failure", "inadequate response"),
)


#: Words that open an exception, which may belong to any part of a line: a line holding
#: one is never read in part.
EXCEPTION = re.compile(
    r"\b(?:except|unless|other than|excluding|with the exception|apart from"
    r"|but not(?! limited to)|aside from)\b"
)


def judgement(text: str) -> str | None:
    """The first words in ``text`` that leave the decision to a clinician, as the line
    gives them ("clinically relevant", "poorly controlled"), or None."""
    if not any(trigger in text for trigger in JUDGEMENT_TRIGGERS):
        return None
    found = _ANY_JUDGEMENT.search(text)
    if found is None:
        return None
    return found.group(0)


# --- other arms ------------------------------------------------------------------------------

_OTHER_ARM_HEADING = re.compile(
    r"healthy|control|volunteer|non[- ]?ms\b|without (?:ms|multiple sclerosis)|caregiver"
    r"|care partner|family|\bpart [a-z0-9]\b|\bparts?\b|cohort|\barms?\b|group|stage|sub-?study"
    r"|extension|open[- ]label|p(?:a)?ediatric|adolescent|children|\badults?\b|rrms|ppms|spms"
    r"|progressive|relapsing|remitting|\bwomen\b|\bmen\b|\bfemales?\b|\bmales?\b|\bonly\b"
)
_MS_ARM_HEADING = re.compile(
    r"^(?:(?:key|main|major|general|other|additional) )?(?:inclusion|exclusion|eligibility)?"
    r"(?: criteri\w*)?(?: include)?(?: \((?:ms patients|patients with ms|persons with ms|people"
    r" with ms|all to be fulfilled|if any apply)\))?$"
)
_OTHER_ARM_TEXT = re.compile(
    r"\bhealthy (?:controls?|volunteers?|subjects?|participants?|individuals?|persons?)\b"
    r"|\bcontrol (?:group|arm|subjects?|participants?|cohort)\b|\bcontrols?:"
    r"|\bnon[- ]ms (?:participants?|subjects?|patients?)\b|\bcaregivers?\b|\bcare partners?\b"
    r"|\b(?:in|for) (?:part|cohort|arm|group) [a-z0-9]\b"
)


@lru_cache(maxsize=1024)
def _normalized_heading(heading: str) -> str:
    return normalize(heading)


def names_other_arm(heading: str, text: str) -> str | None:
    """Why a line may be about another arm than the MS patients, or None.

    A heading is accepted when it is a plain kind heading ("Key Exclusion Criteria",
    "Exclusion criteria (MS patients)") or a topic label ("Prior/Concomitant Therapy");
    one naming a population, cohort, part or course ("Healthy controls", "Part B",
    "PPMS cohort") is not, since its lines do not apply to every MS patient.
    """
    label = _normalized_heading(heading)
    if label and not _MS_ARM_HEADING.match(label) and _OTHER_ARM_HEADING.search(label):
        return f'under the heading "{heading.strip()}", which names one group of the study'
    found = _OTHER_ARM_TEXT.search(text)
    if found:
        return f'mentions "{found.group(0)}", another arm than the MS patients'
    return None


_MS_CONDITION = re.compile(
    r"multiple sclerosis|\bms\b|\brrms\b|\bspms\b|\bppms\b|\bcis\b|clinically isolated"
    r"|demyelinat|optic neuritis|transverse myelitis"
)


def is_ms_condition(condition: str) -> bool:
    """Whether a registered condition names MS (or a first demyelinating event)."""
    return bool(_MS_CONDITION.search(condition.lower()))

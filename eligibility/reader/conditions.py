"""Other diagnoses (``other_conditions``), cancer (``years_since_cancer``) and substance use.

Every ``other_conditions`` code means "now or in the past", so a line must say "history
of" (or "past or current") for it to be read, unless the condition stays once diagnosed
(HIV, NMOSD): "patients with epilepsy" may not rule out someone whose childhood epilepsy
ended, but the code would. A class the line names is read through a code inside it
("history of seizures" -> epilepsy: everyone with epilepsy has had seizures); a code
broader than the line is never used (heart_disease for "myocardial infarction", the nmosd
code, which includes MOG antibody disease, for "neuromyelitis optica" alone).

Cancer: ``years_since_cancer`` does not count a removed basal or squamous cell skin cancer
or a treated cervical carcinoma in situ, so "history of malignancy" with any of those
exceptions, or none, rules out no one the line takes. "Within N years" is read as fewer
than N years (answers are approximate). "Solid tumours", "active malignancy" and cancers
judged cured case by case are not read.

Substance use: the code is alcohol *or* drug misuse in the past year; a line about one of
them, or with no time, is broader or different and is not read.
"""

from __future__ import annotations

import re

from eligibility.engine.facts import format_number

from .reading import Clause, Refusal, comparison, quoted
from .subjects import PEOPLE
from .vocabulary import (
    condition_label,
    condition_term,
    distribute_noun,
    join_alternatives,
)
from .windows import window_at_end

_HISTORY = re.compile(
    r"^(?:(?:with )?(?:a |any )?(?:known |prior |past |previous |documented |medical )?"
    r"(?:history|hx)"
    r"(?: or (?:presence|evidence|current))?(?: of)?,?(?: or (?:current|present))?"
    r"(?: or positive (?:screening )?test(?: result)?(?: at screening)? for:?)?"
    r"|(?:presence|evidence) (?:or history )?of (?:past or current|current or past)"
    r"|(?:evidence of )?(?:past or current|current or past|past or present|present or past)"
    r"|(?:presence|evidence) or history of|history or presence of|(?:ever )?(?:been )?"
    r"diagnosed with|prior)(?:\s+|$)"
)
_PRESENT = re.compile(
    r"^(?:(?:known |current |active )?(?:presence|evidence|diagnosis) of|known|current(?:ly)?"
    r"|meeting (?:the )?(?:diagnostic )?criteria for"
    r"|(?:positive|reactive) (?:screening )?(?:test(?: result)?|serology) (?:at screening )?for)\s+"
)
_SUBJECT = re.compile(
    rf"^(?:{PEOPLE}|females?|women|men) (?:(?:with|who have|having|who had|who has|has|have|had)"
    r"\s+|(?=meeting\b))"
)
_NEGATIVE = re.compile(
    r"^(?:no (?:known )?(?:history of )?|(?:must )?(?:be )?(?:documented to be |tested )?)"
)
_EXAMPLES = re.compile(
    r",?\s*(?:\((?:e\.g\.|i\.e\.|such as|including)[^)]*\)|(?:,\s*)?including(?: but not limited "
    r"to)?"
    r"(?: the following)?:? .*$|such as .*$)"
)
_SAFE_EXCEPTIONS = re.compile(
    r",?\s*(?:with the exception of|except(?: for)?|other than|excluding) febrile seizures"
    r"(?: in childhood)?$"
)
_ITEM_SPLIT = re.compile(
    r"\s*(?:,\s*(?:or|and)?|;|(?<!active )(?<!latent )\bor\b|\band/or\b|\band\b|/)\s*"
)


_MAJOR_DEPRESSION = re.compile(
    r"(?:an? )?(?:current |active )?major depressi(?:ve (?:episode|disorder)|on)"
)
_SCREENING_TEST = re.compile(
    r"(?:(?:who have|who has|with) )?(?:an? )?(?:positive|reactive) (?:screening )?"
    r"(?:(?:serum|urine) )?(?:pregnancy )?(?:tests?|serology|results?)(?: results?)?"
    r"(?: \([^()]*\))?(?: (?:at|during) screening)?(?: for [a-z0-9 ,/-]+)?"
)
_AIDS_OR_HIV = re.compile(
    r"^(?:known to have |to have |have |has )?(?:aids|acquired immunodeficiency syndrome)"
    r"(?: \(aids\))? or (?:to )?(?:be |test |tests |testing |tested )?(?:hiv[- ]positive"
    r"|positive (?:for )?(?:the )?(?:hiv|human immunodeficiency virus)(?: antibod(?:y|ies))?"
    r"(?: test)?)"
)


def _items(text: str) -> list[str]:
    parts = [
        re.sub(r"^(?:with|having) ", "", part.strip(" ,;:")) for part in _ITEM_SPLIT.split(text)
    ]
    return distribute_noun([part for part in parts if part])


def read_conditions(text: str, kind: str, items: tuple[str, ...] = ()) -> Clause | Refusal | None:
    """ "History of HIV, hepatitis B or hepatitis C", "Presence or history of stroke"."""
    body = _SUBJECT.sub("", text)
    # "Known to have AIDS or to test positive for HIV antibody": AIDS is HIV's late stage,
    # so the two together are exactly the hiv code (AIDS alone would be narrower).
    body = _AIDS_OR_HIV.sub("hiv", body)
    body = re.sub(r"^(?:known )?hiv[- ]positiv(?:e|ity)(?: status)?$", "known hiv", body)
    if _MAJOR_DEPRESSION.fullmatch(body):
        return Refusal(
            "other_conditions",
            "the depression code is any depression now, broader than a major depressive episode",
        )
    if _SCREENING_TEST.fullmatch(body) and "screening" in body:
        return Refusal(
            "other_conditions",
            "a test at screening is still to come; no answer says what it will show",
        )
    negative = False
    if kind == "inclusion":
        if match := re.fullmatch(
            r"(?:must (?:be )?)?(?:documented to be )?(?P<what>.+?)[- ]negative", body
        ):
            body, negative = match.group("what"), True
        elif body.startswith("no "):
            body, negative = body[3:], True
        else:
            return None
    history = False
    if match := _HISTORY.match(body):
        history, body = True, body[match.end() :]
    elif match := _PRESENT.match(body):
        body = body[match.end() :]
    body = _SAFE_EXCEPTIONS.sub("", body)
    body = _EXAMPLES.sub("", body).strip(" ,;:")
    # A phrase that is one code whole is not cut at its "or" ("suicidal ideation or
    # behaviour in the past year").
    phrases = ([body] if condition_term(body) else _items(body)) if body else []
    phrases.extend(item for raw in items for item in _items(raw))
    if not phrases:
        return None
    terms = []
    for phrase in phrases:
        term = condition_term(phrase)
        if term is None:
            if any(condition_term(p) for p in phrases):
                return Refusal(
                    "other_conditions",
                    f"could not read {quoted(phrase)} as one of the other_conditions codes",
                )
            return None
        terms.append(term)
    if any(t.nmo for t in terms) != any(t.mog for t in terms):
        return Refusal(
            "other_conditions",
            "the nmosd code counts NMOSD and MOG antibody disease "
            "together; the line names only one of them, so the code is broader",
        )
    for term in terms:
        if not (history or term.lifelong or term.now or negative):
            return Refusal(
                "other_conditions",
                f"the {term.code} code counts the condition now or in the past; the line is "
                "about now only, so the code is broader",
            )
    codes = list(dict.fromkeys(term.code for term in terms))
    rule = comparison("other_conditions", "contains_any", codes)
    en, es = _condition_phrase(codes, negative)
    reason = f"Matched {quoted(text)} as other_conditions {', '.join(codes)}"
    if history:
        reason += ' ("history of": now or in the past, as the codes mean)'
    return Clause({"not": rule} if negative else rule, en, es, "plain_diagnosis", reason + ".")


_NOW_CODES = {"active_infection", "depression", "suicidal_thoughts", "substance_use"}


def _condition_phrase(codes: list[str], negative: bool) -> tuple[str, str]:
    ever = [code for code in codes if code not in _NOW_CODES]
    now = [code for code in codes if code in _NOW_CODES]
    en, es = [], []
    if ever:
        labels_en = join_alternatives([condition_label(c, "en") for c in ever], "en")
        labels_es = join_alternatives([condition_label(c, "es") for c in ever], "es")
        if negative:
            en.append(f"who have never had {labels_en}")
            es.append(f"que nunca han tenido {labels_es}")
        else:
            en.append(f"who have or have had {labels_en}")
            es.append(f"que tienen o han tenido {labels_es}")
    if now:
        labels_en = join_alternatives([condition_label(c, "en") for c in now], "en")
        labels_es = join_alternatives([condition_label(c, "es") for c in now], "es")
        en.append(f"{'without' if negative else 'with'} {labels_en}")
        es.append(f"{'sin' if negative else 'con'} {labels_es}")
    return join_alternatives(en, "en"), join_alternatives(es, "es")


# --- cancer ---------------------------------------------------------------------------------

_CANCER = (
    r"(?:an? )?(?:malignanc(?:y|ies)|malignant (?:disease|neoplasms?|tumors?)|cancers?|neoplasms?"
    r"|neoplastic disease)"
)
_CANCER_LEAD = re.compile(
    rf"^(?:(?:{PEOPLE}) (?:with|who have|has|have|had) )?(?:(?:a |any )?(?:known |prior |past"
    r" |previous |personal )?history of(?: or (?:current|active))?|(?:history or presence|presence"
    r" or history) of|current or (?:previous|past|prior)|(?:previous|past|prior) or current|any)?"
    rf"\s*(?:an? )?(?:previous or active )?{_CANCER}$"
)
_ALL_CANCERS = re.compile(
    r",?\s*including (?:both )?solid tumou?rs?,? (?:and|or) (?:ha?ematologic(?:al)?|blood)"
    r" (?:malignanc(?:y|ies)|cancers?),?"
)
# "Malignancy diagnosed or treated in the past five years": what years_since_cancer counts.
_DIAGNOSED_OR_TREATED = re.compile(r" (?:diagnosed or treated|treated or diagnosed)$")
_EXCEPTION_START = re.compile(
    r",?\s*\(?(?:except|other than|with the exception of|excluding|apart from)(?: for)?\s"
)
_AFTER_BRACKETS = re.compile(r"\)\s*(?P<rest>(?:with)?in [^()]+)$")
_EXCEPTION_WORDS = frozenset(
    {
        *("basal", "squamous", "cell", "basal-cell", "squamous-cell", "carcinoma", "carcinomas"),
        *("cancer", "cancers", "skin", "cutaneous", "in", "situ", "in-situ", "cis"),
        *("cervix", "cervical", "uterine", "uterus", "intraepithelial", "neoplasia"),
        *("excised", "removed", "resected", "treated", "curatively", "completely", "resolved"),
        *("localized", "localised", "non-metastatic", "nonmetastatic", "non-melanoma"),
        *("nonmelanoma", "of", "the", "that", "which", "have", "has", "been", "and", "or"),
        *("prior", "to", "study", "enrollment", "entry", "screening", "for", "with", "no"),
        *("evidence", "recurrence"),
    }
)
_YEARS = {"five": 5, "ten": 10}


def _exceptions_ok(text: str) -> bool:
    """Whether every exception is one years_since_cancer already leaves out: a removed basal
    or squamous cell skin cancer, a treated cervical carcinoma in situ.

    Read as a bag of words, with two checks that keep other cancers out: "squamous" needs
    "skin" (a squamous cell lung cancer counts), "cervix" needs "in situ" (an invasive one
    counts)."""
    words = re.findall(r"[a-z][a-z-]*", text.lower())
    words = [w for w in words if w not in ("except", "other", "than", "exception", "excluding")]
    if not words or not set(words) <= _EXCEPTION_WORDS:
        return False
    if "squamous" in words and not {"skin", "cutaneous"} & set(words):
        return False
    if {"cervix", "cervical"} & set(words) and not {
        "situ",
        "in-situ",
        "cis",
        "intraepithelial",
    } & set(words):
        return False
    return bool(
        {
            "basal",
            "basal-cell",
            "squamous",
            "squamous-cell",
            "cervix",
            "cervical",
            "non-melanoma",
            "nonmelanoma",
        }
        & set(words)
    )


def read_cancer(text: str, kind: str) -> Clause | Refusal | None:
    """ "History of malignancy (except basal cell carcinoma)", "... within the past 5 years"."""
    if not re.search(r"malignan|cancer|neoplas|carcinoma|tumor", text):
        return None
    body = text
    negative = False
    if kind == "inclusion":
        if not body.startswith("no "):
            return None
        body, negative = body[3:], True
    exceptions = ""
    if match := _EXCEPTION_START.search(body):
        body, exceptions = body[: match.start()], body[match.start() :]
        # "Malignancy (other than ...) within the past five years": the window after the
        # brackets is the line's.
        if exceptions.lstrip(" ,").startswith("(") and (
            after := _AFTER_BRACKETS.search(exceptions)
        ):
            body, exceptions = f"{body} {after['rest']}", exceptions[: after.start() + 1]
    body = re.sub(r" of any organ system\b", "", body)
    body = _ALL_CANCERS.sub("", body).strip(" ,")
    window = None
    if found := window_at_end(body):
        window, body = found
        body = _DIAGNOSED_OR_TREATED.sub("", body)
    if not _CANCER_LEAD.fullmatch(body.strip(" ,")):
        if re.search(r"solid tumor|hematologic|active|current", body):
            return Refusal(
                "cancer",
                "the line names some cancers or a present cancer only; "
                "years_since_cancer counts every cancer, so it is broader",
            )
        return None
    if window is None and not re.search(r"history|previous|prior|past", body):
        return Refusal(
            "cancer",
            "a cancer now (the line has no 'history of'): years_since_cancer"
            " cannot tell a present cancer from a recently treated one",
        )
    if exceptions and not _exceptions_ok(exceptions):
        return Refusal(
            "cancer",
            f"the exception {quoted(exceptions)} is not one years_since_cancer already leaves out",
        )
    note = (
        "; its exceptions are cancers years_since_cancer already leaves out" if exceptions else ""
    )
    if window is not None:
        if window.unit != "year":
            return Refusal(
                "cancer", "a cancer window in months or days; years_since_cancer counts years"
            )
        years = int(window.number) if window.number.is_integer() else window.number
        shown = format_number(years)
        rule = comparison("years_since_cancer", "<", years)
        en = f"who have had cancer or cancer treatment in the past {shown} years"
        es = f"que han tenido cáncer o tratamiento contra el cáncer en los últimos {shown} años"
        reason = (
            f"Matched {quoted(text)} as cancer within {shown} years, read as fewer than "
            f"{shown} years ago (answers are approximate){note}."
        )
        pattern = "cancer_within"
    else:
        rule = comparison("years_since_cancer", "ever", True)
        en = (
            "who have ever had cancer (not counting a removed basal or squamous cell skin "
            "cancer or a treated cervical carcinoma in situ)"
        )
        es = (
            "que han tenido cáncer alguna vez (sin contar un cáncer de piel basocelular o "
            "escamoso extirpado ni un carcinoma in situ de cuello uterino tratado)"
        )
        reason = f"Matched {quoted(text)} as any history of cancer{note}."
        pattern = "cancer_ever"
    if negative:
        rule = {"not": rule}
        en = en.replace("who have ever had", "who have never had").replace(
            "who have had", "who have not had"
        )
        es = es.replace("que han tenido cáncer alguna vez", "que nunca han tenido cáncer").replace(
            "que han tenido", "que no han tenido"
        )
    return Clause(rule, en, es, pattern, reason)


# --- substance use ------------------------------------------------------------------------------

_SUBSTANCE = re.compile(
    r"^(?:(?:a |any )?(?:known |past |prior )?(?:history of|past history of) )?(?:current )?"
    r"(?:substance(?: (?:and|or|and/or) alcohol)?|drugs? (?:and|or|and/or) alcohol|alcohol"
    r" (?:and|or|and/or) (?:drugs?|substance)) (?:abuse|misuse|dependence|use disorder)s?"
    r"|^(?:(?:a |any )?(?:past )?history of )?abuse of recreational drugs,? including marijuana"
    r" and alcohol"
)


def read_substance_use(text: str, kind: str) -> Clause | Refusal | None:
    """ "Drug or alcohol abuse within 1 year prior to Screening"."""
    if kind != "exclusion" or not re.search(r"abuse|misuse|dependence", text):
        return None
    body = re.sub(rf"^(?:{PEOPLE}|subject) (?:with|has|had|who have|who has)\s+", "", text)
    match = _SUBSTANCE.match(body)
    if not match:
        if re.search(r"\b(?:drug|alcohol)", body):
            return Refusal(
                "substance_use",
                "substance_use counts alcohol and drug misuse together;"
                " a line about one of them is narrower than the answer",
            )
        return None
    rest = body[match.end() :].strip(" ,")
    window = re.fullmatch(
        r"(?:or )?(?:(?:with)?in|during|in) (?:the )?(?:past|last|previous)? ?"
        r"(?:(?P<n>\d+|one|two|five) )?(?P<unit>years?|months?)"
        r"(?: (?:prior to|before) (?:screening|enrollment|randomization|study entry))?",
        rest,
    )
    if not window:
        return Refusal(
            "substance_use",
            "substance_use is misuse in the past year; the line's time is not at least a year",
        )
    written = window.group("n") or "1"
    number = int(written) if written.isdigit() else {"one": 1, "two": 2, "five": 5}[written]
    months = number * (12 if window.group("unit").startswith("year") else 1)
    if months < 12:
        return Refusal("substance_use", "the line's window is shorter than the code's past year")
    return Clause(
        comparison("other_conditions", "contains_any", ["substance_use"]),
        f"with {condition_label('substance_use', 'en')}",
        f"con {condition_label('substance_use', 'es')}",
        "substance_use",
        f"Matched {quoted(text)} as alcohol or drug misuse within at least a year; the code's "
        "past year is inside it.",
    )

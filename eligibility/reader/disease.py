"""MS itself: the diagnosis, the course, the EDSS, relapse counts, disease duration, MRI.

Courses (spec section 6.4): "relapsing MS" / "a relapsing form of MS" includes clinically
isolated syndrome and active secondary progressive MS, and a patient cannot say whether
their SPMS is active, so a relapsing-MS inclusion rules out primary progressive MS only.
An inclusion takes the union of its alternatives ("relapsing MS or SPMS" rules out PPMS
only; "MS or RRMS" is "MS"); only a definition lets its list stand for the word ("relapsing
MS: RRMS or SPMS"). A line taking CIS never also requires ``ms_diagnosis`` (CIS is not yet
MS). "Progressive forms"
are secondary and primary progressive MS. "Progressive relapsing MS" was withdrawn in 2013
and patients are now told primary progressive MS (with activity): an exclusion listing it
excludes PPMS; an inclusion listing it but not PPMS cannot be read, since the answer cannot
tell the two apart.

The diagnosis: any revision of the McDonald criteria is what ``ms_diagnosis`` records.
The Poser criteria's "clinically definite MS" is stricter, so a Poser line is not read.

EDSS bounds are read in every way registries write them; an inclusion range without
"inclusive" is read with closed ends and an exclusion range with open ones (each rules out
only what every reading rules out). Values must be EDSS steps (multiples of 0.5).

Relapse counts use the count facts for 12 and 24 months; "at least one relapse within N
months" otherwise becomes the day count of the last relapse, on the window's longest
reading. A Gd-enhancing lesion as an alternative is not read: ``days_since_new_mri_activity``
also counts new T2 lesions, so it is broader than the line.
"""

from __future__ import annotations

import math
import re

from eligibility.engine.facts import format_number
from eligibility.engine.rules import iter_comparisons

from .reading import (
    Clause,
    Refusal,
    all_of,
    all_rule,
    any_rule,
    comparison,
    partial_of,
    quoted,
)
from .subjects import strip_subject
from .text import EXCEPTION
from .vocabulary import (
    CIS,
    COURSES,
    PP,
    PR,
    PROGRESSIVE,
    RELAPSING,
    RR,
    SP,
    course_label,
    course_tokens,
    course_words,
    join_all,
    join_alternatives,
)
from .windows import Window, find_window, window_at_end, window_at_start

# --- diagnosis and course -------------------------------------------------------------------

_MS = r"(?:multiple sclerosis|ms)"
_CRITERIA = re.compile(
    r",?\s*(?:\(|\b)(?:(?:as )?(?:defined|diagnosed|confirmed) (?:by|according to|using)|"
    r"according to"
    r"|per|by|using|meeting|fulfilling|based on|in accordance with|as per|with)?\s*(?:the )?"
    r"(?:\d{4} )?(?:revised )?(?:\d{4} )?(?:revision of the )?mcdonald'?s?(?: \d{4})?(?: "
    r"committee)?"
    r"(?: diagnostic)?(?: criteria)?(?: \d{4})?(?: #?\d(?:-\d)?)?(?: for (?:the )?(?:diagnosis"
    r"|ms diagnosis|diagnosis of ms))?(?: \d{4})?(?: revision)?\)?"
)
_LUBLIN = re.compile(
    r",?\s*(?:(?:as )?defined by lublin(?: and reingold)?(?: et al\.?)?(?:,? \(?\d{4}\)?)?"
    r"|(?:and |, )?(?:according to |per |using |as defined by )?(?:the )?(?:\d{4} )?lublin"
    r"(?: and reingold| et al\.?)?(?: \(?\d{4}\)?)?(?: (?:disease |clinical )?course)?"
    r" (?:definitions?|criteria|classification|descriptors?|phenotypes?))"
)
# An exclusion of an MS diagnosis (a CIS trial): ms_diagnosis says exactly that.
_MS_DIAGNOSED = re.compile(
    rf"(?:already )?(?:meets?|fulfil?ls?|meeting|fulfilling) (?:the )?(?:\d{{4}} )?(?:revised )?"
    rf"mcdonald(?: diagnostic)? criteria for {_MS}"
    rf"|(?:any (?:previous |prior )?|(?:an? )?(?:previous|prior|established|confirmed|definite) )"
    rf"diagnosis of {_MS}"
)
# (A bare "Diagnosis of MS" in an exclusion is not read: in a trial with a control arm it
# may be the controls' line without a heading of its own.)
_POSER = re.compile(r"\bposer\b")
_BY_NEUROLOGIST = re.compile(
    r",? by a (?:physician|neurologist)(?:, who is a neurologist or has access to a"
    r" neurologist's statement of diagnosis)?"
    r"|,? (?:confirmed|made|established) by (?:the |a |their )?(?:treating |referring )?"
    r"neurologist"
    r"|\s*\((?:any|all) (?:disease |clinical )?(?:courses?|types?|forms?|subtypes?)\)"
)
_DURATION_SUFFIX = re.compile(
    r",? (?:of|with) (?:at least|a minimum of|more than|greater than) (?P<n>\d+|three|six)"
    r" (?P<unit>months?|years?)(?:'|')? (?:disease )?duration$"
)
_COURSE_SUFFIX = re.compile(
    r",? with (?:an? )?(?P<course>[a-z -]+?) (?:disease |clinical )?course"
    r"(?: of (?:the )?disease)?$"
)
_DIAGNOSIS_WORDS = re.compile(
    r"\b(?:diagnosis of|diagnosed with|diagnosis|diagnosed|confirmed|established|documented"
    r"|definite|clinically definite|clinically confirmed|carry)\b"
)
_QUALIFIER_WORDS = (
    r"an?|the|with|exhibiting|suffer(?:s|ing)? from|who|suffer|having|been"
    r"|from any form of|any form of|must|have|has|be|is|are|patients?|subjects?|participants?"
    r"|of both genders"
    r"|people|persons?|individuals?"
)
_QUALIFIERS = re.compile(rf"\b(?:and|{_QUALIFIER_WORDS})\b")
#: The same words with "and" kept: it joins alternatives in a list of courses.
_QUALIFIERS_BUT_AND = re.compile(rf"\b(?:{_QUALIFIER_WORDS})\b")
_WORD_NUMBERS = {"three": 3, "six": 6}


#: The courses "relapsing MS" takes (spec 6.4: CIS and active SPMS are relapsing forms).
_RELAPSING_COURSES = frozenset({RR, SP, CIS})
_WORD_COURSES = {RELAPSING: _RELAPSING_COURSES, PROGRESSIVE: frozenset({SP, PP})}
#: "MS" given as an alternative ("MS or CIS"): any course of MS.
ANY_MS = "any_ms"


def _inclusion_courses(tokens: list[tuple[str, str]]) -> set[str] | Refusal:
    """The courses an inclusion takes: every one its alternatives take (the union), so a
    word given beside a named course is never dropped ("relapsing MS or SPMS" takes every
    relapsing form). Only a definition lets the named courses stand for the word
    ("relapsing MS: RRMS or SPMS", "relapsing MS (RRMS, SPMS)"). ``ANY_MS`` in the set
    means "MS" itself is one of the alternatives ("MS or CIS"); course words joined by
    "and" are alternatives too ("relapsing and progressive forms")."""
    kinds = [kind for kind, _ in tokens]
    # The word defined: "relapsing MS", "MS with a relapsing course", or "MS" itself.
    head = 1 if kinds[:1] == ["ms"] else 0
    if head and kinds[1:2] == ["comma"] and tokens[2:3] == [("course", RELAPSING)]:
        head = 2  # "multiple sclerosis, with a relapsing MS course: ..."
    if tokens[head : head + 1] == [("course", RELAPSING)]:
        start = head + (2 if kinds[head + 1 : head + 2] == ["ms"] else 1)
    else:
        start = head
    end = start
    while end < len(kinds) and kinds[end] in ("define", "comma"):
        end += 1
    if start and "define" in kinds[start:end]:
        listed = tokens[end:]
        if (
            listed
            and listed[0][0] == "course"
            and all(
                kind in ("course", "ms", "or", "comma") and code not in (RELAPSING, PROGRESSIVE)
                for kind, code in listed
            )
        ):
            tokens = listed  # a definition: its courses are what the word means here
    accepted: set[str] = set()
    listed_pr = False
    for i, (kind, code) in enumerate(tokens):
        if kind == "course":
            if code == RELAPSING and tokens[i + 1 : i + 2] and tokens[i + 1][1] in COURSES:
                continue  # "relapsing SPMS": a word about the course after it
            if code == PR:
                listed_pr = True
            else:
                accepted |= _WORD_COURSES.get(code, {code})
        elif kind == "ms":
            before = tokens[i - 1][0] if i else ""
            after = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if "course" in (before, after):
                continue  # "relapsing MS", "MS with a relapsing-remitting course"
            if after in ("comma", "define"):
                return Refusal(
                    "ms_course",
                    "names MS and then courses after it: either alternatives to MS (any course)"
                    " or the courses it means, and the line does not say which",
                )
            if before or after:
                accepted.add(ANY_MS)
    if listed_pr and PP not in accepted and ANY_MS not in accepted:
        return Refusal(
            "ms_course",
            "lists progressive relapsing MS, which patients are now told is primary "
            "progressive MS; the answer cannot tell them apart, so no course can be ruled out",
        )
    return accepted


def _course_set(words: list[str], kind: str) -> set[str] | Refusal:
    explicit = {word for word in words if word in COURSES}
    excluded = set(explicit)
    if PR in words and PP not in excluded:
        # A PPMS trial excluding "RRMS, SPMS or PRMS" must not rule out its own PPMS
        # patients: only those with relapses were once called progressive relapsing.
        return Refusal(
            "ms_course",
            "excludes progressive relapsing MS but not primary progressive MS; patients are now "
            "told primary progressive MS (with activity), and the answer cannot tell them apart",
        )
    if PROGRESSIVE in words:
        excluded |= {SP, PP}
    if RELAPSING in words and not explicit:
        excluded |= {RR, CIS}
    return excluded


def _course_clause(codes: set[str], kind: str, words: str) -> Clause | None:
    ordered = [code for code in COURSES if code in codes]
    if kind == "inclusion" and codes == {RELAPSING}:
        return Clause(
            comparison("ms_course", "!=", PP),
            "with a relapsing form of MS (any type except primary progressive MS)",
            "con una forma recurrente de EM (cualquier tipo excepto la EM primaria progresiva)",
            "ms_course_relapsing",
            f"Matched {quoted(words)} as relapsing MS, which includes CIS and active secondary "
            "progressive MS (spec 6.4): only primary progressive MS is ruled out.",
        )
    if not ordered or (kind == "inclusion" and len(ordered) == len(COURSES)):
        return None
    rule = (
        comparison("ms_course", "==", ordered[0])
        if len(ordered) == 1
        else comparison("ms_course", "in", ordered)
    )
    if set(ordered) == {SP, PP}:
        en = "with a progressive form of MS (secondary or primary progressive)"
        es = "con una forma progresiva de EM (secundaria o primaria progresiva)"
    else:
        en = "with " + join_alternatives([course_label(c, "en") for c in ordered], "en")
        es = "con " + join_alternatives([course_label(c, "es") for c in ordered], "es")
    if kind == "inclusion":
        pattern, what = "ms_course_named", "the MS courses the study takes"
    else:
        pattern, what = "ms_course_excluded", "the MS courses the study does not take"
    notes = ""
    if "progressive-relapsing" in words or "progressive relapsing" in words:
        notes = " Progressive relapsing MS is read as primary progressive MS (its name since 2013)."
    return Clause(rule, en, es, pattern, f"Matched {quoted(words)} as {what}.{notes}")


_DX_EN = "whose neurologist has diagnosed multiple sclerosis"
_DX_ES = "a las que un neurólogo ha diagnosticado esclerosis múltiple"


_SPMS_WORDS = r"(?:secondary[- ]progressive(?: multiple sclerosis| ms)?(?: \(spms\))?|spms)"
_ACTIVITY = (
    r"(?:evidence of )?(?:ongoing )?(?:(?:clinical|disease|inflammatory|relapse|relapsing)"
    r" )?activity(?: \([^()]*\))?"
)
#: "SPMS with disease activity", "active SPMS": whether SPMS is active is not asked.
_ACTIVE_SPMS = re.compile(
    rf"\b(?:active |relapsing )?(?P<sp>{_SPMS_WORDS}) with {_ACTIVITY}"
    rf"|\bactive (?P<sp2>{_SPMS_WORDS})"
)
#: "SPMS without disease activity", "non-active SPMS" (an exclusion's alternative).
_INACTIVE_SPMS = re.compile(
    rf"(?:,? (?:or|and/or) |, )?(?:(?:{_SPMS_WORDS}) (?:without|with no) {_ACTIVITY}"
    rf"|(?:non-?active|inactive|not active) (?:{_SPMS_WORDS}))(?=$|,| or\b)"
)


def read_ms_disease(text: str, kind: str) -> Clause | Refusal | None:
    """A diagnosis of MS (McDonald) and / or the MS courses named or excluded.

    Whether secondary progressive MS is active is not asked (spec 6.4). In an inclusion,
    "SPMS with disease activity" is read as SPMS, which takes every SPMS patient, so the
    rule is partial: it rules out only people the line rules out and never says the line
    is met. In an exclusion, an alternative "SPMS without disease activity" is left to the
    study team and the others read as a partial rule.
    """
    if kind == "inclusion" and (active := _ACTIVE_SPMS.search(text)):
        plain = _ACTIVE_SPMS.sub(lambda m: m["sp"] or m["sp2"], text)
        result = read_ms_disease(plain, kind)
        if not isinstance(result, Clause):
            return result
        if not any(
            SP in _values(c) for c in iter_comparisons(result.rule) if c["fact"] == "ms_course"
        ):
            return None  # the activity words belonged to something the reading dropped
        return partial_of(
            result,
            [active.group(0).strip()],
            "no answer says whether secondary progressive MS is active, so every SPMS patient"
            " passes this reading",
        )
    if (
        kind == "exclusion"
        and (prms := _PR_ALTERNATIVE.search(text))
        and not _PP_NAMED.search(text)
    ):
        # "RRMS, SPMS or PRMS" in a PPMS trial: progressive relapsing MS is what patients are
        # now told is PPMS with activity, so that part is left to the study team.
        rest = (text[: prms.start()] + text[prms.end() :]).strip(" ,")
        result = read_ms_disease(rest, kind)
        if not isinstance(result, Clause) or EXCEPTION.search(text):
            return None
        return partial_of(
            result,
            [prms.group(0).strip(" ,").removeprefix("or ").removeprefix("and/or ")],
            "patients are now told primary progressive MS (with activity) for progressive "
            "relapsing MS, and the answer cannot tell them apart; the other courses, read "
            "whole, rule out only people the line rules out",
        )
    if kind == "exclusion" and (history := _COURSE_HISTORY.fullmatch(text)):
        # "History of relapsing-remitting MS": secondary progressive MS follows a
        # relapsing-remitting course, so an SPMS patient has that history too.
        result = _read_ms_disease(history["courses"], kind)
        if not isinstance(result, Clause) or result.pattern != "ms_course_excluded":
            return _read_ms_disease(text, kind)
        codes = result.rule["value"] if result.rule["op"] == "in" else [result.rule["value"]]
        if RR in codes and SP not in codes:
            codes = [code for code in COURSES if code in {*codes, SP}]
            return _course_clause(set(codes), kind, text)
        return result
    if kind == "exclusion" and (inactive := _INACTIVE_SPMS.search(text)):
        rest = (text[: inactive.start()] + text[inactive.end() :]).strip(" ,")
        result = read_ms_disease(rest, kind) if rest != text else None
        if not isinstance(result, Clause) or EXCEPTION.search(text):
            return None
        return partial_of(
            result,
            [inactive.group(0).strip(" ,").removeprefix("or ").removeprefix("and/or ")],
            "no answer says whether secondary progressive MS is active; the other courses, "
            "read whole, rule out only people the line rules out",
        )
    result = _read_ms_disease(text, kind)
    # "Diagnosis of SPMS, defined as a progressive increase in disability for at least 6
    # months following an initial relapsing-remitting course": the course read, its
    # definition (which may be narrower) left to the study team.
    defined = _DEFINED_AS.fullmatch(text) if kind == "inclusion" else None
    if defined and not isinstance(result, Clause) and not EXCEPTION.search(text):
        head = _read_ms_disease(defined["head"], kind)
        if isinstance(head, Clause) and any(
            c["fact"] == "ms_course" for c in iter_comparisons(head.rule)
        ):
            return partial_of(
                head,
                [defined["definition"]],
                "the definition may be narrower than the course a patient reports",
            )
    return result


def _values(comparison: dict) -> list:
    value = comparison.get("value")
    return value if isinstance(value, list) else [value]


_DEFINED_AS = re.compile(
    r"(?P<head>.+?),? (?P<definition>(?:defined|characteri[sz]ed|confirmed) (?:as|by) .+)"
)
_PR_ALTERNATIVE = re.compile(
    r"(?:,? (?:or|and/or) |, )(?:progressive[- ]relapsing|relapsing[- ]progressive|prms)"
    r"(?: \(prms\))?(?=$|,| or\b| ms\b| multiple sclerosis\b)"
)
_PP_NAMED = re.compile(r"primary[- ]progressive|\bppms\b|primary progression")
_COURSE_HISTORY = re.compile(
    r"(?:(?:a |any )?(?:known |prior |previous )?history of |(?:a )?(?:prior |previous )"
    r"diagnosis of )(?P<courses>.+?)(?: (?:at|before|prior to) (?:screening|baseline|entry))?"
)


def _read_ms_disease(text: str, kind: str) -> Clause | Refusal | None:
    if not re.search(
        rf"\b{_MS}\b|rrms|spms|ppms|prms|\bcis\b|clinically isolated|remitting"
        r"|progressive|relapsing|mcdonald|poser|disease course",
        text,
    ):
        return None
    if _POSER.search(text):
        return Refusal(
            "ms_diagnosis",
            "the Poser criteria's clinically definite MS is stricter "
            "than the McDonald diagnosis ms_diagnosis records",
        )
    rest = strip_subject(text)
    if kind == "exclusion" and _MS_DIAGNOSED.fullmatch(rest):
        return Clause(
            comparison("ms_diagnosis", "==", "yes"),
            _DX_EN,
            _DX_ES,
            "ms_diagnosis",
            f"Matched {quoted(text)} as a diagnosis of MS, which the study does not take (a "
            "patient whom the McDonald criteria fit but no neurologist has diagnosed is left "
            "to the study team).",
        )
    notes = []
    mcdonald = bool(_CRITERIA.search(rest)) and "mcdonald" in rest
    if "mcdonald" in rest:
        rest = _CRITERIA.sub(" ", rest)
        if "mcdonald" in rest:
            return None
        notes.append("any revision of the McDonald criteria is what ms_diagnosis records")
    rest = _LUBLIN.sub(" ", rest)
    rest = _BY_NEUROLOGIST.sub(" ", rest)
    extra: list[Clause] = []
    if match := _DURATION_SUFFIX.search(rest):
        if kind != "inclusion":
            return None
        number = _WORD_NUMBERS.get(match.group("n")) or int(match.group("n"))
        extra.append(_duration_at_least(number, match.group("unit"), match.group(0)))
        rest = rest[: match.start()]
    course_text = ""
    if match := _COURSE_SUFFIX.search(rest):
        course_text = match.group("course")
        rest = rest[: match.start()]
    has_diagnosis = bool(_DIAGNOSIS_WORDS.search(rest)) or mcdonald
    body = _DIAGNOSIS_WORDS.sub(" ", rest)
    alternatives = _QUALIFIERS_BUT_AND.sub(" ", body)
    body = _QUALIFIERS.sub(" ", body)
    body = re.sub(r"\s+", " ", body).strip(" ,;:")
    if course_text:
        body = f"{body} {course_text}".strip()
        alternatives = f"{alternatives} {course_text}"
    sub_type = re.fullmatch(rf"any (?:disease )?sub-?types? of {_MS}", body)
    if sub_type or re.fullmatch(_MS, body) or (not body and mcdonald):
        if kind != "inclusion":
            return None
        clauses = [_diagnosis_clause(text, notes), *extra]
        return all_of(clauses)
    words = course_words(body)
    if words is None:
        return None
    if kind == "inclusion":
        codes = _inclusion_courses(course_tokens(alternatives))
        if isinstance(codes, Refusal):
            return codes
        if ANY_MS in codes:
            if CIS in codes:
                return Refusal(
                    "ms_course",
                    "takes MS of any course or CIS: no course is ruled out, and a patient with"
                    " CIS may truthfully answer that no MS has been diagnosed",
                )
            # "MS or RRMS" takes whoever "MS" takes.
            return all_of([_diagnosis_clause(text, notes), *extra])
        if codes == set(COURSES) and not extra:
            return Refusal(
                "ms_course",
                "takes every MS course, CIS included, so no course is ruled out (and a patient"
                " with CIS may truthfully answer that no MS has been diagnosed)",
            )
        if RELAPSING in words and codes == _RELAPSING_COURSES:
            codes = {RELAPSING}
    else:
        codes = _course_set(words, kind)
        if isinstance(codes, Refusal):
            return codes
    course = _course_clause(codes, kind, text)
    clauses = []
    # CIS is not yet MS: a patient with CIS may answer that no MS has been diagnosed.
    takes_cis = CIS in codes or RELAPSING in codes
    if kind == "inclusion" and has_diagnosis and not takes_cis:
        diagnosis = _diagnosis_clause(text, notes)
        if course is None:
            clauses.append(diagnosis)
        else:
            # One phrase: "whose neurologist has diagnosed relapsing-remitting MS".
            combined = all_of([diagnosis, course])
            clauses.append(
                Clause(
                    combined.rule,
                    "whose neurologist has diagnosed " + course.en.removeprefix("with "),
                    "a las que un neurólogo ha diagnosticado " + course.es.removeprefix("con "),
                    combined.pattern,
                    combined.reason,
                )
            )
    elif course is not None:
        clauses.append(course)
    clauses.extend(extra)
    return all_of(clauses) if clauses else None


def _diagnosis_clause(words: str, notes: list[str]) -> Clause:
    note = f"; {notes[0]}" if notes else ""
    return Clause(
        comparison("ms_diagnosis", "==", "yes"),
        _DX_EN,
        _DX_ES,
        "ms_diagnosis",
        f"Matched {quoted(words)} as a diagnosis of MS{note}.",
    )


_WITHOUT_RELAPSE = re.compile(
    r"^(?:(?:diagnosis of|patients with|participants with|subjects with) )?"
    rf"(?:secondary[- ]progressive {_MS}|spms) without (?:evidence of )?(?:an? |any )?"
    r"(?:clinical )?(?:relapses?|attacks?)"
    r" (?:in|within|during) the (?:past |last |previous |preceding )?(?P<window>2 years|two years"
    r"|24 months|12 months|1 year|one year|year)(?: (?:before|prior to) (?:screening|randomization"
    r"|baseline))?$"
)


def read_inactive_spms(text: str, kind: str) -> Clause | None:
    """An exclusion of "SPMS without relapse in the past 2 years": the course and a count."""
    if kind != "exclusion":
        return None
    match = _WITHOUT_RELAPSE.fullmatch(text)
    if not match:
        return None
    months = 24 if re.match(r"2|two|24", match.group("window")) else 12
    return Clause(
        all_rule(
            [
                comparison("ms_course", "==", SP),
                comparison(f"relapses_last_{months}_months", "==", 0),
            ]
        ),
        f"with secondary progressive MS and no MS attack in the past {months} months",
        f"con EM secundaria progresiva y sin brotes de EM en los últimos {months} meses",
        "ms_course_excluded",
        f"Matched {quoted(text)} as secondary progressive MS with no relapse in {months} months "
        f"(relapses_last_{months}_months counts exactly that window).",
    )


# --- EDSS -------------------------------------------------------------------------------------

_SCALE = re.compile(
    r"(?:converted )?(?:kurtzke )?(?:expanded disability status (?:scale|score)|edss)"
    r"(?: \(edss\))?(?: scores?)?(?: value)?"
)
_NUMBER = r"(\d{1,2}(?:\.\d)?)"
_EDSS_BOUNDS = (
    ("range", re.compile(rf"(?:between |from )?{_NUMBER} ?(?:-|to|and) ?{_NUMBER}")),
    (
        "<=",
        re.compile(
            rf"(?:<=|less than or equal to|less or equal to|lower than or equal to|equal to or less"
            rf" than|no (?:more|greater|higher) than|not (?:more|greater|higher) than|up to|maximum"
            rf"(?: of)?|at most|of no more than) ?{_NUMBER}"
        ),
    ),
    ("<=", re.compile(rf"{_NUMBER} or (?:less|lower|below|under)")),
    ("<", re.compile(rf"(?:<|less than|lower than|below|under) ?{_NUMBER}")),
    (
        ">=",
        re.compile(
            rf"(?:>=|at least|minimum(?: of)?|greater than or equal to|equal to or greater than"
            rf"|no less than|not less than) ?{_NUMBER}"
        ),
    ),
    (">=", re.compile(rf"{_NUMBER} or (?:more|higher|greater|above)")),
    (">", re.compile(rf"(?:>|more than|greater than|higher than|above|over) ?{_NUMBER}")),
)
_EDSS_PREFIX = re.compile(
    r"(?:(?:ms|multiple sclerosis) (?P<ms>subjects?|patients?) who (?:was|were|is|are) )?"
    r"(?:(?:must|should) be )?(?:(?P<ambulatory>ambulatory)(?: with| \(| and)?)?\s*(?:with\s*)?"
    r"(?:(?:an?|the)\b\s*)?(?:(?:screening|baseline|current|most recent)\b\s*)?"
)
_EDSS_SUFFIX = re.compile(
    r"(?:,? (?:at|during|prior to|before|on) (?:the )?(?:time of (?:the )?)?(?:screening|baseline"
    r"|randomization|entry|study entry|enrollment|inclusion)(?: visit)?)?"
    r"(?:,? (?:both )?inclusive)?(?:,? (?:at|during) (?:screening|baseline)(?: visit)?)?"
    r"(?: \(able to walk [^)]*\))?\)?"
    r"(?: and may be treatment-naive or previously treated with (?:an? )?(?:ms )?"
    r"disease[- ]modifying (?:therapy|therapies|treatment))?"
)


def _edss_value(text: str) -> float | None:
    value = float(text)
    if not 0 <= value <= 10 or not (value * 2).is_integer():
        return None
    return value


def _edss_number(value: float, lang: str) -> str:
    text = "0" if value == 0 else f"{value:.1f}"
    return text.replace(".", ",") if lang == "es" else text


def read_edss(text: str, kind: str) -> Clause | Refusal | None:
    """ "EDSS 0-5.5", "EDSS score of <= 5.5", "between 2.0 and 6.5 inclusive", "EDSS < 7"."""
    scale = _SCALE.search(text)
    if not scale:
        return None
    before = strip_subject(text[: scale.start()].strip())
    prefix = _EDSS_PREFIX.fullmatch(before)
    if prefix is None:
        return None
    after = text[scale.end() :].strip()
    after = re.sub(r"^\((?:expanded disability status (?:scale|score))\)", "", after).strip()
    after = re.sub(
        r"^(?:scores? )?(?:at|during) (?:the )?(?:screening|baseline)(?: visit)? ", "", after
    )
    after = re.sub(r"(\d) points?\b", r"\1", after)
    after = re.sub(
        r"^(?:\(|of |= ?|: ?|scores? |is |was |in the range (?:of )?)+", "", after
    ).strip()
    inclusive = "inclusive" in after
    exclusive = "exclusive" in after
    after_bounds = re.sub(r",?\s*\(?(?:both )?(?:in|ex)clusive\)?", "", after).strip(" ,")
    for op, pattern in _EDSS_BOUNDS:
        match = pattern.match(after_bounds)
        if not match or not _EDSS_SUFFIX.fullmatch(after_bounds[match.end() :]):
            continue
        values = [_edss_value(group) for group in match.groups()]
        if any(value is None for value in values):
            return Refusal("edss_bound", f"{quoted(match.group(0))} is not on the EDSS scale")
        return _edss_clause(op, values, kind, inclusive, exclusive, text, prefix)
    return None


def _edss_clause(op, values, kind, inclusive, exclusive, words, prefix) -> Clause | Refusal | None:
    notes = []
    if op == "range":
        low, high = values
        if low >= high:
            return None
        if exclusive or (kind == "exclusion" and not inclusive):
            low, high = low + 0.5, high - 0.5
            notes.append('a range without "inclusive" in an exclusion is read with open ends')
            if low > high:
                return None
        elif not inclusive:
            notes.append(
                'no "inclusive": read with closed ends (an inclusion rules out only '
                "what every reading rules out)"
            )
        else:
            notes.append('"inclusive" read as closed bounds')
        rule = comparison("edss", "between", [low, high])
        en = "with an EDSS disability score from {} to {}".format(
            _edss_number(low, "en"), _edss_number(high, "en")
        )
        es = "con una puntuación de discapacidad EDSS de {} a {}".format(
            _edss_number(low, "es"), _edss_number(high, "es")
        )
        upper = high
    else:
        (value,) = values
        rule = comparison("edss", op, value)
        en_words = {"<=": "of {} or less", "<": "below {}", ">=": "of {} or more", ">": "above {}"}
        es_words = {
            "<=": "de {} o menos",
            "<": "inferior a {}",
            ">=": "de {} o más",
            ">": "superior a {}",
        }
        en = "with an EDSS disability score " + en_words[op].format(_edss_number(value, "en"))
        es = "con una puntuación de discapacidad EDSS " + es_words[op].format(
            _edss_number(value, "es")
        )
        upper = value if op in ("<=", "<") else 10.0
    if prefix.group("ambulatory"):
        if upper > 6.5:
            return Refusal("edss_bound", '"ambulatory" with an EDSS above 6.5 is a judgement')
        notes.append('"ambulatory" follows from the EDSS bound')
    clause = Clause(
        rule,
        en,
        es,
        "edss_bound",
        f"Matched {quoted(words)} as an EDSS bound" + "".join(f"; {n}" for n in notes) + ".",
    )
    if prefix.group("ms") and kind == "inclusion":
        return all_of([_diagnosis_clause(words, []), clause])
    return clause


# --- relapse counts ----------------------------------------------------------------------------

_COUNT = re.compile(
    r"^(?:(?:have |has |had |experienced |had experienced |must have (?:had )?(?:experienced )?)*)"
    r"(?:(?P<least>at least|>=|a minimum of|minimum of) )?(?P<n>one|two|three|\d)(?: or more)?"
    r" (?:(?:ms|clinical|documented|confirmed|acute|clinically documented|new) )*"
    r"(?:relapses?|attacks?|exacerbations?)(?:/(?:attacks?|relapses?))?(?: of ms)?(?P<rest>.*)$"
)
_NUMBERS = {"one": 1, "two": 2, "three": 3}
_MRI_ACTIVITY = re.compile(r"gadolinium|\bgd\b|\bgd\+|gde\b|enhancing|\bmri\b|lesion")
_ALTERNATIVES_HEAD = re.compile(
    r"^(?:(?:meets?|subjects? must have (?:had )?(?:experienced )?|must have (?:had )?|have had|"
    r"had experienced|had|experienced|patients? must have (?:had )?)\s*)?(?:at least )?(?:1|one)"
    r" of the following"
    r"(?: criteria)?(?: for disease activity)?(?: criteria)?$"
)


def _one_count(text: str, kind: str) -> Clause | Refusal | None:
    match = _COUNT.match(text)
    if not match:
        return None
    count = _NUMBERS.get(match.group("n")) or int(match.group("n"))
    rest = match.group("rest").strip(" ,")
    rest = re.sub(r"^(?:onset )", "", rest)
    found = find_window(rest)
    if not found:
        return None
    window, where = found
    leftover = (rest[: where.start()] + rest[where.end() :]).strip(" ,")
    leftover = re.sub(
        r"^(?:prior to|before) (?:screening|randomization|entry|the trial)$", "", leftover
    ).strip()
    if leftover:
        return None
    months = (
        window.number * {"month": 1, "year": 12, "week": None, "day": None}[window.unit]
        if window.unit in ("month", "year")
        else None
    )
    plural_en = "MS attack" if count == 1 else "MS attacks"
    plural_es = "brote de EM" if count == 1 else "brotes de EM"
    if months in (12, 24):
        key = f"relapses_last_{int(months)}_months"
        return Clause(
            comparison(key, ">=", count),
            f"at least {count} {plural_en} in the past {int(months)} months",
            f"al menos {count} {plural_es} en los últimos {int(months)} meses",
            "relapse_count",
            f"Matched {quoted(text)} as at least {count} relapse(s) in {int(months)} months.",
        )
    if count == 1 and kind == "inclusion":
        return _relapse_within_clause(
            window,
            f"Matched {quoted(text)} as a relapse within {window.written('en')}, read as "
            f"{window.longest()} days (its longest reading: the rule fails only a last relapse "
            "outside every reading).",
        )
    return Refusal("relapse_count", f"no count fact for {window.written('en')}")


def _relapse_within_clause(window: Window, reason: str) -> Clause:
    """At least one relapse within ``window``, on its longest reading (an inclusion's)."""
    days = window.longest()
    return Clause(
        comparison("days_since_last_relapse", "<=", days),
        f"at least 1 MS attack in the past {days} days ({window.written('en')})",
        f"al menos 1 brote de EM en los últimos {days} días ({window.written('es')})",
        "relapse_count",
        reason,
    )


_AT_MOST = re.compile(
    r"\b(?:or (?:fewer|less)|at most|no more than|not more than|maximum|fewer than|less than"
    r"|up to|without|no)\b"
)
_BETWEEN = re.compile(
    r"^(?:between|from) (?:\d+|one|two) (?:and|to) (?P<n>\d+|two|three|four|five) "
    r"(?P<unit>months?|years?)\b"
)


def _relapse_within_widest(text: str) -> Clause | None:
    """An alternative that requires at least one relapse within a window, read no narrower
    than "a relapse within that window" (its longest reading), for a partial inclusion:
    whoever fails this fails the alternative. None when the relapse has no window of its
    own or the words could allow no relapse at all ("1 relapse or fewer")."""
    words = strip_subject(text)
    match = _COUNT.match(words)
    if not match or _AT_MOST.search(words):
        return None
    count = _NUMBERS.get(match.group("n")) or int(match.group("n"))
    rest = re.sub(r"^(?:onset )", "", match.group("rest").strip(" ,"))
    between = _BETWEEN.match(rest)
    if between:
        n = between.group("n")
        number = float(_NUMBERS.get(n) or n)
        window = Window(number, between.group("unit").rstrip("s"), between.group(0))
    else:
        window = window_at_start(rest)
    if count < 1 or window is None:
        return None
    return _relapse_within_clause(
        window,
        f"Matched {quoted(words)} as requiring a relapse within {window.written('en')} at "
        f"least, read as {window.longest()} days (its longest reading): whoever had none then "
        "does not meet it.",
    )


# MRI activity a patient can say (days_since_new_mri_activity: a scan showing new or
# active lesions); a scan at screening or baseline is in the future, not in the answers.
_MRI_ACTIVE = re.compile(
    r"gadolinium[- ]enhancing|\bgd[- ]?enhancing|\bgd\+|\bgde\b|\benhancing\b"
    r"|\bnew (?:or enlarging )?t2\b|\bnew (?:mri )?lesions?\b"
)
_SCAN_TO_COME = re.compile(
    r"\b(?:screening|baseline|entry|randomi[sz]ation|study|day 1|run-in)\b|\bat (?:screening"
    r"|baseline)\b"
)
# A window counted back from a day after screening ("within 6 weeks prior to
# randomization") holds the screening scan, which is still to come.
_ANCHOR_AFTER_SCREENING = re.compile(
    r"randomi[sz]ation|baseline|day 1|dos(?:e|ing)|infusion|administration|treatment|enrol"
    r"|entry|start"
)


def _mri_activity_within(text: str) -> Clause | None:
    """An alternative naming MRI activity in a past window, read no narrower than "an MRI
    showing new or active lesions in that window" (its longest reading), for a partial
    inclusion: whoever had no such scan then does not meet it. None for a scan still to
    come ("on the screening MRI"), a negation, or no window at the end."""
    words = strip_subject(text)
    if not _MRI_ACTIVE.search(words) or _AT_MOST.search(words):
        return None
    found = window_at_end(words)
    if found is None:
        return None
    window, before = found
    if _SCAN_TO_COME.search(before) or _ANCHOR_AFTER_SCREENING.search(window.words):
        return None
    days = window.longest()
    return Clause(
        comparison("days_since_new_mri_activity", "<=", days),
        f"an MRI showing new or active MS lesions in the past {days} days ({window.written('en')})",
        f"una resonancia con lesiones de EM nuevas o activas en los últimos {days} días "
        f"({window.written('es')})",
        "relapse_count",
        f"Matched {quoted(words)} as requiring at least an MRI with new or active lesions "
        f"within {window.written('en')}, read as {days} days (its longest reading): whoever "
        "had none then does not meet it.",
    )


# --- MRI activity in a window ---------------------------------------------------------------

#: The words a line about MRI activity may hold besides its window and a negation.
_MRI_WORDS = frozenset(
    [
        "new",
        "enlarging",
        "or",
        "and",
        "and/or",
        "gadolinium-enhancing",
        "gadolinium",
        "enhancing",
        "gd",
        "gd+",
        "gd-enhancing",
        "contrast-enhancing",
        "t1",
        "t2",
        "t2-hyperintense",
        "hyperintense",
        "lesion",
        "lesions",
        "on",
        "in",
        "any",
        "a",
        "an",
        "the",
        "brain",
        "spinal",
        "cord",
        "mri",
        "mris",
        "scan",
        "scans",
        "of",
        "magnetic",
        "resonance",
        "imaging",
        "evidence",
        "active",
        "cranial",
    ]
)
_MRI_NEGATION = re.compile(r"^(?:no|absence of|without|free of|there must be no) ")
_ENHANCING = re.compile(r"enhancing|gadolinium|\bgd\+?\b")
_NEW_T2 = re.compile(
    r"\bnew(?:,? (?:or )?enlarging)?(?: or enlarging)? t2\b|\bnew,? (?:or )?enlarging\b"
)


def read_mri_activity(text: str, kind: str) -> Clause | None:
    """ "New Gd-enhancing lesions, or new or enlarging T2 lesions, on any MRI within the past
    12 months": days_since_new_mri_activity (a scan with new or active lesions) says exactly
    that, so only a line naming both enhancing and new T2 lesions is read, and only with a
    window in the past; an exclusion of it, or an inclusion of its absence."""
    words = strip_subject(text)
    negative = bool(_MRI_NEGATION.match(words))
    if kind == "exclusion" and negative or kind == "inclusion" and not negative:
        return None
    found = window_at_end(_MRI_NEGATION.sub("", words))
    if found is None or _ANCHOR_AFTER_SCREENING.search(found[0].words):
        return None
    window, before = found
    if not (_ENHANCING.search(before) and _NEW_T2.search(before) and "mri" in before):
        return None
    tokens = re.sub(r"[,;()]|\(s\)", " ", before).split()
    if any(token not in _MRI_WORDS for token in tokens):
        return None
    days = window.shortest()
    shown = window.past(days, "en"), window.past(days, "es")
    if negative:
        rule = comparison("days_since_new_mri_activity", ">", days)
        en = f"who have had no MRI showing new or active MS lesions in {shown[0]}"
        es = f"sin resonancias con lesiones de EM nuevas o activas en {shown[1]}"
    else:
        rule = comparison("days_since_new_mri_activity", "<=", days)
        en = f"who have had an MRI showing new or active MS lesions in {shown[0]}"
        es = f"con una resonancia con lesiones de EM nuevas o activas en {shown[1]}"
    note = "" if window.exact else f"; {quoted(window.written('en'))} read as {days} days"
    return Clause(
        rule,
        en,
        es,
        "mri_activity",
        f"Matched {quoted(words)} as MRI activity (enhancing and new T2 lesions: what "
        f"days_since_new_mri_activity asks) within {window.written('en')}{note} (its shortest "
        "reading, so the rule rules out only what every reading rules out).",
    )


def _split_top(text: str, word: str) -> list[str]:
    """Split on `` word `` outside brackets."""
    parts, depth, start = [], 0, 0
    token = f" {word} "
    i = 0
    while i < len(text):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(token, i):
            parts.append(text[start:i])
            start = i + len(token)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return [part.strip(" ,;") for part in parts]


def _relapse_phrase(clauses: list[Clause], joiner) -> tuple[str, str]:
    return (
        "who have had " + joiner([c.en for c in clauses], "en"),
        "que han tenido " + joiner([c.es for c in clauses], "es"),
    )


_BUT_NOT_WITHIN = re.compile(r"\s*\((?P<words>but not (?:within|in) [^()]*)\)\.?$")


def read_relapse_counts(
    text: str, kind: str, items: tuple[str, ...] = ()
) -> Clause | Refusal | None:
    """ "At least 1 relapse in the previous year or 2 in the previous 2 years", and the same
    as a line introducing alternatives with ``items``."""
    if not re.search(r"relapse|attack|exacerbation", " ".join((text, *items))):
        return None
    if kind == "inclusion" and not items and (narrowed := _BUT_NOT_WITHIN.search(text)):
        # "..., or one clinical attack in the year prior to screening (but not within 30
        # days of screening)": the brackets only narrow the line; without them it is
        # broader, so it rules out only people the line rules out.
        clause = read_relapse_counts(text[: narrowed.start()], kind)
        if not isinstance(clause, Clause):
            return clause
        return partial_of(
            clause,
            [narrowed["words"]],
            "it only narrows the line, and no fact says when each relapse was",
        )
    if items:
        if not _ALTERNATIVES_HEAD.fullmatch(strip_subject(text)):
            return None
        alternatives = list(items)
        joiner = "any"
    else:
        body = strip_subject(text)
        alternatives = _split_top(body, "or")
        joiner = "any"
        if len(alternatives) == 1:
            alternatives = [part for piece in _split_top(body, "and") for part in [piece]]
            joiner = "all"
    clauses = []
    unread = []
    for alternative in alternatives:
        if _MRI_ACTIVITY.search(alternative):
            refusal = Refusal(
                "relapse_count",
                f"an alternative needs an MRI finding ({quoted(alternative)}): "
                "days_since_new_mri_activity also counts new T2 lesions, so it is broader",
            )
            clause = refusal
        else:
            clause = _one_count(strip_subject(alternative), kind)
        if isinstance(clause, Refusal) and kind == "inclusion":
            # Read no narrower than a relapse or an active MRI within its window: a
            # partial inclusion (whoever fails that fails the alternative).
            found = [
                part
                for part in (_relapse_within_widest(alternative), _mri_activity_within(alternative))
                if part is not None
            ]
            if found:
                clauses.append(all_of(found))
                unread.append(alternative)
                continue
        if not isinstance(clause, Clause):
            return clause
        clauses.append(clause)
    if kind != "inclusion":
        return None
    join_words = join_alternatives if joiner == "any" else join_all
    en, es = _relapse_phrase(clauses, join_words)
    rule = (any_rule if joiner == "any" else all_rule)([c.rule for c in clauses])
    clause = Clause(rule, en, es, "relapse_count", " ".join(c.reason for c in clauses))
    if unread:
        return partial_of(
            clause,
            unread,
            "no fact counts relapses in that window or says what an MRI showed, so only "
            "a relapse within the window is checked",
        )
    return clause


# --- disease duration and MRI -----------------------------------------------------------------


def _duration_at_least(number: int, unit: str, words: str) -> Clause:
    years = number / 12 if unit.startswith("month") else float(number)
    value = math.floor(years * 100) / 100
    amount_en = (
        f"{number} {'month' if unit.startswith('month') else 'year'}{'s' if number != 1 else ''}"
    )
    amount_es = (
        f"{number} {'mes' if number == 1 else 'meses'}"
        if unit.startswith("month")
        else f"{number} {'año' if number == 1 else 'años'}"
    )
    return Clause(
        comparison("years_since_first_symptoms", ">=", value),
        f"whose first MS symptoms began at least {amount_en} ago",
        f"cuyos primeros síntomas de EM empezaron hace al menos {amount_es}",
        "disease_duration",
        f"Matched {quoted(words)} as a disease duration of at least {amount_en}, read as years "
        "since the first symptoms (never shorter than time since diagnosis, so it rules out "
        "no one the line takes).",
    )


_DURATION = re.compile(
    r"^(?:an? )?(?:(?:ms |multiple sclerosis )?disease duration|duration of (?:multiple sclerosis"
    r"|ms"
    r"|the disease|disease))(?: of)? (?P<op>at least|greater than|more than|>=|>|a minimum of|of at"
    r" least) (?P<n>\d+|three|six) (?P<unit>months?|years?)(?P<onset> \(?from (?:the )?(?:first|"
    r"onset"
    r" of) (?:ms )?symptoms?\)?)?(?: (?:prior to|before|at) (?:screening|baseline|randomization"
    r"|entry))?$"
)
_DURATION_AT_MOST = re.compile(
    r"^(?:an? )?(?:(?:ms |multiple sclerosis )?disease duration|duration of (?:multiple sclerosis"
    r"|ms|the disease|disease))(?: of)? (?:no more than|not more than|at most|up to|<=|≤)"
    r" (?P<n>\d+) (?P<unit>months?|years?) (?:from|since) (?:the )?(?:onset of|first)"
    r" (?:(?:ms|neurological|neurologic) )?symptoms?(?: of ms)?"
    r"(?: (?:prior to|before|at) (?:screening|baseline|randomization|entry))?$"
)
_WORD_YEARS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_YEAR_NUMBER = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty)"
_DURATION_BETWEEN = re.compile(
    r"^(?:an? )?(?:(?:ms |multiple sclerosis )?disease duration|duration of (?:multiple sclerosis"
    rf"|ms|the disease|disease))(?: of)? (?:between )?(?P<low>{_YEAR_NUMBER}) (?:to|and|-)"
    rf" (?P<high>{_YEAR_NUMBER}) years? (?:from|since) (?:the )?(?:onset of|first)"
    r" (?:(?:ms|neurological|neurologic) )?symptoms?(?: of ms)?"
    r"(?: (?:prior to|before|at) (?:screening|baseline|randomization|entry))?(?:,? inclusive)?$"
)
_ONSET_WITHIN = re.compile(
    r"^(?:the )?(?:onset of (?:ms )?symptoms|first (?:ms )?symptoms?(?: of ms)?)"
    r" (?:within|no more than|in the (?:past|last)) (?P<n>\d+) years?(?: (?:before|prior to) [a-z"
    r" ]+)?$"
)


def read_disease_duration(text: str, kind: str) -> Clause | None:
    """ "Disease duration of at least 6 months (from the first symptom)"."""
    if "duration" not in text and "onset" not in text and "symptom" not in text:
        return None
    body = strip_subject(text)
    if match := _DURATION.fullmatch(body):
        if kind != "inclusion":
            return None
        number = _WORD_NUMBERS.get(match.group("n")) or int(match.group("n"))
        return _duration_at_least(number, match.group("unit"), text)
    if (match := _DURATION_AT_MOST.fullmatch(body)) and kind == "inclusion":
        # Only from the first symptoms: time since diagnosis is shorter, so an upper bound
        # on it would be broader than the line.
        number = int(match.group("n"))
        months = match.group("unit").startswith("month")
        years = math.ceil((number / 12 if months else number) * 100) / 100
        value = int(years) if float(years).is_integer() else years
        amount = f"{number} {'months' if months else 'years'}"
        return Clause(
            comparison("years_since_first_symptoms", "<=", value),
            f"whose first MS symptoms began no more than {format_number(value)} years ago",
            f"cuyos primeros síntomas de EM empezaron hace {format_number(value, 'es')} años o "
            "menos",
            "disease_duration",
            f"Matched {quoted(text)} as first symptoms within {amount} ({format_number(value)} "
            "years; a fraction of a year is rounded up, so no one the line takes is ruled out).",
        )
    if (match := _DURATION_BETWEEN.fullmatch(body)) and kind == "inclusion":
        low, high = (_WORD_YEARS.get(n) or int(n) for n in (match["low"], match["high"]))
        if low < high:
            return Clause(
                comparison("years_since_first_symptoms", "between", [low, high]),
                f"whose first MS symptoms began {low} to {high} years ago",
                f"cuyos primeros síntomas de EM empezaron hace entre {low} y {high} años",
                "disease_duration",
                f"Matched {quoted(text)} as first symptoms {low} to {high} years ago (ends "
                "included).",
            )
    if (match := _ONSET_WITHIN.fullmatch(body)) and kind == "inclusion":
        years = int(match.group("n"))
        return Clause(
            comparison("years_since_first_symptoms", "<=", years),
            f"whose first MS symptoms began no more than {years} years ago",
            f"cuyos primeros síntomas de EM empezaron hace {years} años o menos",
            "disease_duration",
            f"Matched {quoted(text)} as first symptoms within {years} years.",
        )
    return None


_DURATION_HEAD = (
    r"(?:(?:ms |multiple sclerosis )?disease duration|duration of (?:ms|multiple sclerosis|the"
    r" disease|disease))(?: (?:from|since) (?:the )?(?:onset of|first) (?:(?:ms|neurological"
    r"|neurologic) )?symptoms?(?: of ms)?)?"
)
_DURATION_BOUND = re.compile(
    r"(?:of )?(?P<op>less than|fewer than|under|<|no more than|not more than|at most|<=|≤|more"
    r" than|greater than|over|>|at least|>=|≥) (?P<n>\d+) years?"
)
_CONDITIONAL_DURATION = re.compile(rf"(?P<head>{_DURATION_HEAD}),?:? (?P<parts>.+)")
_IN_PATIENTS_WITH = re.compile(
    r"(?P<bound>.+?)(?: (?:from|since) (?:the )?(?:onset of|first) (?:(?:ms|neurological"
    r"|neurologic) )?symptoms?)? (?:in|for) (?:patients|subjects|participants|those|people)"
    r" (?:with|who have) (?P<condition>.+)"
)
_STRICT = {"less than", "fewer than", "under", "<", "more than", "greater than", "over", ">"}
_AT_MOST_WORDS = {"less than", "fewer than", "under", "<", "no more than", "not more than",
                  "at most", "<=", "≤"}  # fmt: skip


def read_conditional_duration(text: str, kind: str) -> Clause | None:
    """A disease duration that depends on the EDSS: "Disease duration from the onset of MS
    symptoms: less than 15 years in patients with an EDSS at screening > 5.0; less than 10
    years in patients with an EDSS at screening <= 5.0" (an inclusion: each bound holds for
    the patients its EDSS names), "Disease duration of more than 10 years from the onset of
    symptoms in patients with an EDSS of 2.0 or less" (an exclusion: both). Only from the
    first symptoms (time since diagnosis is shorter); an inclusion's bound read on the side
    that rules out fewer ("less than 10 years" fails more than 10), an exclusion's as written.
    """
    if "duration" not in text or " with" not in text:
        return None
    found = _CONDITIONAL_DURATION.fullmatch(strip_subject(text))
    if found is None or "symptom" not in text:
        return None
    pieces = []
    for part in re.split(r";\s*(?:and\s+)?", found["parts"].strip(" .")):
        conditional = _IN_PATIENTS_WITH.fullmatch(part.strip())
        if conditional is None:
            return None
        bound = _DURATION_BOUND.fullmatch(conditional["bound"].strip())
        condition = read_edss(conditional["condition"].strip(), "inclusion")
        if bound is None or not isinstance(condition, Clause) or "partial" in condition.rule:
            return None
        pieces.append((bound["op"], int(bound["n"]), condition))
    if not pieces or (kind == "exclusion" and len(pieces) != 1):
        return None
    rules, en, es = [], [], []
    for op, years, condition in pieces:
        at_most = op in _AT_MOST_WORDS
        if kind == "inclusion":
            duration = comparison("years_since_first_symptoms", "<=" if at_most else ">=", years)
            rules.append(any_rule([{"not": condition.rule}, duration]))
        else:
            strict = op in _STRICT
            which = ("<" if strict else "<=") if at_most else (">" if strict else ">=")
            duration = comparison("years_since_first_symptoms", which, years)
            rules.append(all_rule([duration, condition.rule]))
        words = "no more than" if at_most else "at least"
        if kind == "exclusion":
            words = {"<": "less than", "<=": "no more than", ">": "more than", ">=": "at least"}[
                which
            ]
        words_es = {
            "no more than": "hace como mucho",
            "less than": "hace menos de",
            "more than": "hace más de",
            "at least": "hace al menos",
        }[words]
        began_en = f"whose first MS symptoms began {words} {years} years ago"
        began_es = f"cuyos primeros síntomas de EM empezaron {words_es} {years} años"
        if kind == "exclusion":
            en.append(f"{condition.en} and {began_en}")
            es.append(f"{condition.es} y {began_es}")
        else:
            en.append(f"{began_en} (for people {condition.en})")
            es.append(f"{began_es} (para personas {condition.es})")
    rule = rules[0] if len(rules) == 1 else all_rule(rules)
    return Clause(
        rule,
        join_all(en, "en"),
        join_all(es, "es"),
        "disease_duration+edss_bound",
        f"Matched {quoted(text)} as a disease duration from the first symptoms that depends on "
        "the EDSS"
        + (
            "; each bound applies only to the patients its EDSS names"
            if kind == "inclusion"
            else "; both must hold"
        )
        + (
            ", and a bound of 'less than' or 'more than' is read on the side that rules out fewer"
            if kind == "inclusion"
            else ""
        )
        + ".",
    )


_MRI_LESIONS = re.compile(
    r"^(?:an? )?(?:prior |previous )?(?:brain |cranial |cerebral )?(?:mri|magnetic resonance "
    r"imaging)"
    r"(?: scan)? (?:demonstrating|showing|with) (?:lesions?|lesion\(s\)|abnormalities|white[- ]"
    r"matter"
    r" lesions?) (?:consistent with|typical of|attributable to|suggestive of|characteristic of)"
    r" (?:ms|multiple sclerosis)(?: from any point in time| at any time)?$"
)


def read_mri_lesions(text: str, kind: str) -> Clause | None:
    """ "A prior brain MRI demonstrating lesion(s) consistent with MS"."""
    if kind != "inclusion" or not re.search(r"\bmri\b|magnetic resonance", text):
        return None
    if not _MRI_LESIONS.fullmatch(strip_subject(text)):
        return None
    return Clause(
        comparison("mri_lesions_confirmed", "==", "yes"),
        "with an MRI showing brain lesions due to MS",
        "con una resonancia magnética que muestra lesiones cerebrales debidas a la EM",
        "mri_lesions",
        f"Matched {quoted(text)} as an MRI with MS lesions (mri_lesions_confirmed).",
    )


__all__ = [
    "format_number",
    "read_disease_duration",
    "read_edss",
    "read_mri_lesions",
    "read_ms_disease",
    "read_relapse_counts",
]

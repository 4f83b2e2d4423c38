"""Things that happened in a window: relapses, steroids, study drugs, live vaccines, and
MS or immune treatments (DMT washouts).

A line names a list of exposures and one time: a window ("within 6 months prior to
screening"), ever ("at any time", "previous", "before enrollment") or now ("current use").
Every item of the list must be read (an item the contract has no code for, such as total
lymphoid irradiation, stops the line); a class is read through the codes certainly in it
(:mod:`eligibility.reader.vocabulary`), which is safe where the rule rules out people who
*took* something: it rules out only people who took a member of the class.

Windows (:mod:`eligibility.reader.windows`): a rule that rules a patient out for something
inside the window uses the window's shortest reading (3 months = 84 days). Polarity: an
exclusion rules out an exposure; an inclusion "no relapse within 30 days" or "last dose at
least 1 month before" rules out the same exposure, so it uses the same shortest reading.
"Concomitant" and "concurrent" use are about the study period, which has not begun: a
patient on the drug now may stop it, so those lines are not read. Steroids are
``days_since_systemic_steroids`` (by mouth, vein or injection, for any reason): a line about
steroids in general is no narrower, but one about steroid courses of a length, a dose or
for a relapse only is, and is not read. In a list of alternatives ("relapse or IV
methylprednisolone 1000 mg/day within one month"), such a steroid course is left to the
study team and the rest is read as a partial rule (it rules out only people the line rules
out, and never passes the line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from eligibility.engine.facts import TREATMENT_GROUPS, expand_treatment_codes

from .reading import Clause, Refusal, all_rule, any_rule, comparison, partial_of, quoted
from .subjects import PEOPLE
from .vocabulary import (
    canonical_codes,
    join_alternatives,
    treatment_label,
    treatment_term,
)
from .windows import NUMBER, UNIT, Window, window_at_end

RELAPSE, STEROIDS, STUDY_DRUG, LIVE_VACCINE, TREATMENT = (
    "relapse",
    "steroids",
    "investigational",
    "live_vaccine",
    "treatment",
)

_EVENTS = (
    (
        RELAPSE,
        re.compile(
            r"(?:an? )?(?:onset of )?(?:an? )?(?:acute )?(?:(?:ms|clinical|documented|new)"
            r" )*(?:relapses?|exacerbations?|attacks?)(?:/attacks?)?(?: onset)?(?: of (?:ms|"
            r"multiple"
            r" sclerosis))?"
        ),
    ),
    (
        STEROIDS,
        re.compile(
            r"(?:(?:any )?(?:treatment|therapy) with |(?:a |any )?courses? of )?(?:systemic )?"
            r"(?:cortico)?steroids?"
            r"(?: (?:treatment|therapy|use|application|administration|intake|courses?))?"
            r"|(?:systemic )?glucocorticoids?(?: (?:treatment|therapy))?"
            r"|acth|adrenocorticotrophic hormone|adrenocorticotropic hormone|corticotropin"
        ),
    ),
    (
        STUDY_DRUG,
        re.compile(
            r"(?:any |another )?(?:other )?(?:experimental|investigational)(?: or (?:experimental"
            r"|investigational))? (?:agents?|drugs?|medications?|medicinal products?|products?"
            r"|therap(?:y|ies)|treatments?|compounds?)"
            r"|(?:participation|participated) in (?:an? |any |another )?(?:other )?(?:(?:drug|"
            r"pharmacological"
            r"|interventional|investigational)(?: clinical)? )?(?:clinical )?(?:research )?"
            r"(?:stud(?:y|ies)|trials?)(?: (?:involving|with|of|testing) (?:an? |any )?"
            r"investigational (?:agents?|drugs?|(?:medicinal )?products?|medications?"
            r"|compounds?))?"
        ),
    ),
    (
        LIVE_VACCINE,
        re.compile(
            r"(?:vaccination with |receipt of |immunization with )?(?:any )?(?:a )?live"
            r"(?: or live[- ]attenuated|[- ]attenuated| attenuated)? vaccin(?:es?|ations?)"
            r"(?: \(including [^)]*\))?"
        ),
    ),
)

# Words between items, and words about how an item was given.
_SEPARATOR = re.compile(
    r"(?:\s*(?:\b(?:any|either|one|all) of the following:?|\bthe following:?|,|;|/|\band/or\b"
    r"|\b(?:or|and) (?:of|with)\b|\bor\b|\band\b|\beither\b|\bsuch as\b"
    r"|\bincluding(?:,? but not limited to:?)?|\be\.g\.,?|\bfor example:?|\bno\b"
    r"|\bany\b|\ban?\b|\bthe\b|\bother\b)\s*)+"
)
# "interferon beta (any formulation)": the item as it is, every form of it.
_ANY_FORM = re.compile(r"\s*\((?:any|all|every) (?:formulations?|forms?|doses?|routes?)\)")
_INTRODUCES_EXAMPLES = re.compile(r"\b(?:such as|including|e\.g\.|for example)")
# "Any other disease-modifying therapy" with nothing named before it: other than something
# the line does not say (the study drug, a treatment the trial allows), so the whole class
# would rule out people the line takes. Only the examples it names are read, as a partial
# rule; with none, the line is not read.
_OTHER_FIRST = re.compile(r"(?:any |an |the )?(?:other|another)\s+")
# Examples written after the time words: "... within the last 2 years, including but not
# limited to ocrelizumab, rituximab or alemtuzumab".
_TRAILING_EXAMPLES = re.compile(
    r"(?P<head>.+?),? (?:including(?:,? but not limited to:?)?|such as|e\.g\.,?|for example,?)"
    r" (?P<examples>[^()]+?)\.?"
)
# Treatments and procedures no contract fact records: recognised, so a line naming one
# among read alternatives can be read in part, never whole.
_UNCODED = re.compile(
    r"(?:(?:any |an? )?(?:other )?(?:total (?:lymphoid|body) irradiation|tli"
    r"|(?:experimental|investigational) (?:procedures?|devices?|surgery|interventions?)"
    r"|anti-?cytokine (?:therap(?:y|ies)|treatments?|agents?)"
    r"|leflunomide|abatacept|belimumab|tocilizumab|anti-?tnf(?:-alpha)?(?: (?:therap(?:y|ies)"
    r"|agents?|treatments?))?|tnf(?:-alpha)? (?:inhibitors?|antagonists?)"
    r"|(?:total )?lymphoid irradiation|bone marrow transplant(?:ation)?))"
)
# "Fingolimod or another S1P receptor modulator": another than the one just named, so the
# class is read whole. Alone ("another S1P receptor modulator") it may mean another than the
# study's own drug, which the class would rule out too: not read.
_ANOTHER = re.compile(r"another\s+")
_EXCEPT = re.compile(r"\s*,?\s*(?:other than|except(?: for)?|with the exception of|excluding)\s+")
_ITEM_SUFFIX = re.compile(
    r"(?:\s(?:treatments?|therap(?:y|ies)|infusions?|use|administration|intake|drugs?"
    r"|medications?|agents?|products?|exposure|received|given|administered|taken))?"
)
_ROUTES = re.compile(
    r"\s*[\[(]?(?:intravenous|iv|oral|per os|po|intramuscular|im)(?:,? (?:and/or |or |and )?"
    r"(?:intravenous|iv|oral|per os|po|intramuscular|im)){2}[\])]?"
)


@dataclass
class Exposure:
    kind: str
    codes: list[str] = field(default_factory=list)
    exact: bool = True
    #: "any other <class>" first in its list: only the examples the line names are read.
    other: str = ""


def _event_at(text: str, position: int) -> tuple[int, Exposure] | None:
    """The longest exposure phrase starting at ``position``: its end and what it names."""
    best: tuple[int, Exposure] | None = None
    for kind, pattern in _EVENTS:
        match = pattern.match(text, position)
        longer = match and (best is None or match.end() > best[0])
        if longer and _ends_word(text, match.end()):
            best = (match.end(), Exposure(kind))
    # Treatment names: try every ending at a word boundary, longest first.
    ends = [m.start() for m in re.finditer(r"(?=[\s,;/)]|$)", text[position:])]
    for end in sorted((position + e for e in ends), reverse=True):
        if best is not None and end <= best[0]:
            break
        term = treatment_term(text[position:end])
        if term is not None:
            best = (end, Exposure(TREATMENT, list(term.codes), term.exact))
            break
    if best is None:
        return None
    end, exposure = best
    suffix = _ITEM_SUFFIX.match(text, end)
    if suffix and suffix.end() > end and _ends_word(text, suffix.end()):
        end = suffix.end()
    return end, exposure


def _ends_word(text: str, end: int) -> bool:
    return end == len(text) or not (text[end].isalnum() or text[end] == "-")


def scan_exposures(text: str) -> tuple[list[Exposure], list[str]] | str:
    """Every exposure a list names, and the treatment codes it excepts ("other than
    corticosteroids"); or the first words that name none."""
    text = _ANY_FORM.sub("", text)
    found: list[Exposure] = []
    excepted: list[str] = []
    target = found
    position = 0
    other_first = False  # "any other" before the first item
    examples_next = False  # the words just passed introduce examples ("such as")
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        if target and (another := _ANOTHER.match(text, position)):
            position = another.end()
            continue
        if not found and target is found and (other := _OTHER_FIRST.match(text, position)):
            other_first = True
            position = other.end()
            continue
        separator = _SEPARATOR.match(text, position)
        if separator and separator.end() > position:
            examples_next = bool(_INTRODUCES_EXAMPLES.search(separator.group(0)))
            position = separator.end()
            continue
        exception = _EXCEPT.match(text, position)
        if exception:
            target = excepted  # type: ignore[assignment]
            position = exception.end()
            continue
        if text[position] == "(":
            close = text.find(")", position)
            if close == -1:
                return text[position:]
            if (
                target
                and not target[-1].exact
                and re.match(
                    r"\((?:e\.g\.|such as|including|for"
                    r" example)",
                    text[position:],
                )
            ):
                # Examples of a class read through its codes: the class covers them, even
                # one the contract has no code for (a patient could not report it anyway);
                # an example that has a code is added.
                for example in re.split(r",|\bor\b|\band\b", text[position + 1 : close]):
                    term = treatment_term(
                        re.sub(
                            r"^(?:e\.g\.|such as|including|for example)", "", example.strip()
                        ).strip(" ,.:")
                    )
                    if term is not None:
                        target[-1].codes.extend(term.codes)
                position = close + 1
                continue
            inner = scan_exposures(text[position + 1 : close])
            if isinstance(inner, str) or not target or inner[1]:
                return text[position : close + 1]
            # "(Betaseron or Avonex)": brand names of the item before, nothing more.
            before = set(expand_treatment_codes(target[-1].codes)) if target[-1].codes else set()
            for item in inner[0]:
                if item.kind != target[-1].kind or not set(expand_treatment_codes(item.codes)) <= (
                    before or set(expand_treatment_codes(item.codes))
                ):
                    return text[position : close + 1]
            position = close + 1
            suffix = _ITEM_SUFFIX.match(text, position)
            if suffix and suffix.end() > position and _ends_word(text, suffix.end()):
                position = suffix.end()
            continue
        event = _event_at(text, position)
        if event is None:
            stop = _SEPARATOR.search(text, position)
            return text[position : stop.start() if stop else len(text)].strip()
        start = position
        position, exposure = event
        if target is excepted:
            if exposure.kind != TREATMENT:
                return "an exception that is not a treatment code"
            excepted.extend(exposure.codes)
        elif other_first and not found and exposure.kind == TREATMENT and not exposure.exact:
            # "Any other DMT": the class apart from what the line does not name.
            exposure.codes, exposure.other = [], text[start:position]
            target.append(exposure)
        elif examples_next and found and found[-1].other and exposure.kind == TREATMENT:
            found[-1].codes.extend(exposure.codes)  # "any other DMT such as ocrelizumab"
        else:
            target.append(exposure)
        other_first = examples_next = False
    return found, excepted


# --- the time of a line ----------------------------------------------------------------------

_EVER_BEFORE = re.compile(
    r"^(?:(?:any|a) )?(?:(?:current or (?:prior|previous)|prior|previous|past|earlier)"
    r"(?: history of)?|history of|ever|prior or current|current or past) "
)
_EVER_AFTER = re.compile(
    r",? (?:at any time(?: in the past)?|ever|(?:at any time )?(?:before|prior to)"
    r" (?:enrol?l?ment|study entry|entry"
    r"|the study|screening|randomization|baseline|inclusion|the trial|study start|day 1))$"
)
# "For (at least) N months" after something taken is a duration; after "no ..." a window.
_FOR_DURATION = re.compile(r"^(?:(?:presently|currently|now) or )?for\b")
_CURRENT = re.compile(
    r"^(?:current(?:ly)? (?:use|treatment|therapy|intake) (?:of|with) |current(?:ly)? )"
)
_CONCURRENT = re.compile(
    r"\b(?:concomitant|concurrent|simultaneous|planned|intend|started|start"
    r"|initiat|change|stable|since)\w*\b"
)
_SINCE = re.compile(
    r"^(?:the )?last (?P<list>.+?)(?: (?:dose|infusion|treatment|administration|relapse))?"
    r"(?: of the patient)? (?:should|must) (?:be|have been|have occurred) at least (?P<n>\d+|one"
    r"|two|three|six) (?P<unit>days?|weeks?|months?|years?) (?:before|prior to) [a-z ]+$"
)
_VERB = re.compile(
    r"^(?:an? )?(?:(?:known |prior |previous )?history of )?"
    rf"(?:(?:{PEOPLE}|females?|males?|women|men) )?(?:(?:who|that) )?(?:(?:is|are|was|were) on )?"
    r"(?:(?:have|has|had|must|should|will) )*(?:(?:not|never|ever|previously|already|recently"
    r"|been) )*(?:(?:received?|receiving|taken|took|used|using|treated with|exposed to"
    r"|administered|had|on)[;:]? )?(?:(?:any|prior|previous|past|current|recent|concurrent"
    r"|concomitant) )*(?:(?:treatment|therapy|use|exposure|receipt|administration|intake|usage)"
    r" (?:with|of|to)[;:]? )?"
)
_NEGATIVE = re.compile(
    r"^(?:(?:no|free of|without|not|never|must not|have not|has not|had not|did not|do not"
    r"|absence of|relapse[- ]free)\b"
    rf"|(?:(?:{PEOPLE}) )?(?:who )?(?:have|has|had|must|should) (?:not|never)\b)"
)


_LEAD = re.compile(
    rf"^(?:(?:{PEOPLE}|females?|males?|women|men) )?(?:(?:who|that) )?(?:(?:is|are|was|were) )?"
    r"(?:(?:have|has|had|must|should|will) )*(?:(?:not|never|no) )?"
)
_PERFECT = re.compile(
    r"^(?:(?:have|has) (?:not |never )?(?:ever )?(?:been )?(?:received?|taken|used|treated with"
    r"|exposed to)\b|(?:been )?treated with\b)"
)
_STEROIDS_ALLOWED = re.compile(
    r",? \((?:systemic |oral |intravenous |iv )?(?:cortico)?steroids?(?: (?:given|used|taken)"
    r" (?:for|to treat) (?:an? )?(?:ms )?relapses?)? (?:are|is) (?:allowed|permitted|not excluded)"
    r"\)$"
)
_NOT_NAIVE = re.compile(
    rf"(?:{PEOPLE} )?(?:who )?(?:are|is) not (?:treatment[- ])?naive to (?P<what>.+)"
)
_NOT_FREE = re.compile(
    rf"(?:{PEOPLE} )?(?:who )?(?:have|has) not been (?:free of|without) (?P<what>.+?) for"
    rf" (?:at least |a minimum of )?(?P<window>{NUMBER}[ -]{UNIT}\b.*)"
)
_NOT_PARTICIPATE = re.compile(
    rf"^(?:{PEOPLE} )?(?:may|must|should|will) not (?:participate|be enrolled) in (?P<what>.+?)"
    r" during the (?:study|trial),? or (?P<window>(?:with)?in .+)$"
)


def _time(text: str) -> tuple[str, Window | str | None, str]:
    """The time words of a line: a window, "ever" or "current"; the rest; the words."""
    found = window_at_end(text)
    if found is not None:
        window, rest = found
        return rest, window, window.words
    if match := _EVER_AFTER.search(text):
        return text[: match.start()], "ever", match.group(0).strip(" ,")
    lead = _LEAD.sub("", text, count=1)
    if match := _EVER_BEFORE.match(lead):
        return lead[match.end() :], "ever", match.group(0).strip()
    if match := _CURRENT.match(lead):
        return lead[match.end() :], "current", match.group(0).strip()
    if re.search(r"\b(?:is|are) on\b.*\b(?:presently|currently|now)$", text):
        return re.sub(r",? (?:presently|currently|now)$", "", text), "current", "presently"
    if _PERFECT.match(lead):
        return text, "ever", _PERFECT.match(lead).group(0)
    return text, None, ""


# --- phrases -------------------------------------------------------------------------------------


def _participles(exposure: Exposure, lang: str) -> str:
    if exposure.kind == RELAPSE:
        return "had an MS attack (relapse)" if lang == "en" else "tenido un brote de EM"
    if exposure.kind == STEROIDS:
        return (
            "taken steroids by mouth, drip or injection"
            if lang == "en"
            else "tomado corticoides por boca, gotero o inyección"
        )
    if exposure.kind == STUDY_DRUG:
        return (
            "received a drug in a clinical study"
            if lang == "en"
            else "recibido un fármaco en un estudio clínico"
        )
    if exposure.kind == LIVE_VACCINE:
        return "had a live vaccine" if lang == "en" else "recibido una vacuna viva"
    # Transplants and plasma exchange are had or received, drugs are taken.
    drugs = [treatment_label(c, lang) for c in exposure.codes if c not in _PROCEDURES]
    procedures = [treatment_label(c, lang) for c in exposure.codes if c in _PROCEDURES]
    phrases = []
    if drugs:
        phrases.append(("taken " if lang == "en" else "tomado ") + join_alternatives(drugs, lang))
    if procedures:
        phrases.append(
            ("had " if lang == "en" else "recibido ") + join_alternatives(procedures, lang)
        )
    return join_alternatives(phrases, lang)


_PROCEDURES = {"hsct", "plasma_exchange"}


def _nor(items: list[str]) -> str:
    """Spanish after "no": "tenido un brote ni tomado corticoides"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " ni " + items[-1]


def _merge(exposures: list[Exposure], excepted: list[str]) -> list[Exposure] | str:
    """One exposure per kind, treatment codes together (groups kept unless an exception
    takes a member out of one)."""
    merged: dict[str, Exposure] = {}
    for exposure in exposures:
        known = merged.setdefault(exposure.kind, Exposure(exposure.kind))
        known.codes.extend(exposure.codes)
        known.exact = known.exact and exposure.exact
    treatment = merged.get(TREATMENT)
    if treatment is not None:
        codes = treatment.codes
        if excepted:
            codes = [c for c in expand_treatment_codes(codes) if c not in set(excepted)]
            if not codes:
                return "the exceptions leave no treatment"
        treatment.codes = canonical_codes(codes)
    return list(merged.values())


def _count_months(time: Window) -> int | None:
    """12 or 24 when a window is the relapse counts' own (12 months, 2 years)."""
    months = time.number * {"month": 1, "year": 12}.get(time.unit, 0)
    return int(months) if months in (12, 24) else None


def _window_rule(exposure: Exposure, days: int) -> dict:
    if exposure.kind == TREATMENT:
        return comparison(
            "treatment_history", "taken_within", {"codes": exposure.codes, "days": days}
        )
    key = {
        RELAPSE: "days_since_last_relapse",
        STEROIDS: "days_since_systemic_steroids",
        STUDY_DRUG: "days_since_investigational_drug",
        LIVE_VACCINE: "days_since_live_vaccine",
    }[exposure.kind]
    return comparison(key, "<=", days)


def _ever_rule(exposure: Exposure) -> dict | None:
    if exposure.kind == TREATMENT:
        return comparison("treatments_ever", "contains_any", exposure.codes)
    if exposure.kind == STUDY_DRUG:
        return comparison("investigational_drug_ever", "==", "yes")
    if exposure.kind == STEROIDS:
        return comparison("days_since_systemic_steroids", "ever", True)
    if exposure.kind == RELAPSE:
        # The last relapse answer counts a first episode too (spec 6: "relapse or first
        # episode"), as a history of clinical attacks does.
        return comparison("days_since_last_relapse", "ever", True)
    return None


def _negated(rule: dict) -> dict:
    """ "Not within N days" without a ``not`` where a comparison can say it."""
    flipped = {"<=": ">", "<": ">=", ">": "<=", ">=": "<"}
    if "op" in rule and rule["op"] in flipped:
        return {**rule, "op": flipped[rule["op"]]}
    return {"not": rule}


# A steroid course narrowed by its route, dose or length: narrower than
# days_since_systemic_steroids (steroids by mouth, drip or injection, for any reason).
_STEROID_WORDS = (
    r"(?:methylprednisolone|prednisolone|prednisone|dexamethasone|(?:cortico)?steroids?"
    r"|glucocorticoids?|glucocorticosteroids?)"
)
_NARROWING = r"(?:intravenous|iv|i\.v\.|oral|high[- ]dose|pulsed?|pulse)"
_NARROW_STEROID = re.compile(
    r"(?:(?:treatment|therapy|use|a course|courses?|pulses?|administration) (?:with|of) )?"
    rf"(?P<pre>(?:{_NARROWING} )*){_STEROID_WORDS}"
    r"(?P<post>(?: (?:at )?\d[\d,.]*\s?(?:mg|g|grams?)(?:/(?:day|d|kg)| (?:per|a) day| daily)?)?"
    r"(?: (?:for|over) (?:\d+|one|two|three|four|five) (?:consecutive )?days?)?"
    r"(?: or (?:its |an )?equivalents?(?: dose)?)?)"
)
_ALTERNATIVE_CUT = re.compile(
    r"\s*(?:,\s*(?:(?:and|or)\b\s*,?)?|;|\band/or\b|\b(?:or|and)\b(?! (?:its |an )?equivalent))\s*"
)
# "Either of the following within one month prior to randomization:" with its items.
_WINDOW_HEAD = re.compile(r"(?:(?:either|any|one) )?of the following:? (?P<window>.+?):?")


def _top_level_parts(text: str) -> list[str]:
    """``text`` cut at commas, semicolons and "or" outside brackets."""
    parts, start = [], 0
    for cut in _ALTERNATIVE_CUT.finditer(text):
        before = text[: cut.start()]
        if before.count("(") + before.count("[") == before.count(")") + before.count("]"):
            parts.append(text[start : cut.start()])
            start = cut.end()
    parts.append(text[start:])
    return [part.strip(" ,;") for part in parts if part.strip(" ,;")]


def _narrow_steroid(words: str) -> bool:
    words = re.sub(r"^(?:no|not|without|free of) ", "", words)
    match = _NARROW_STEROID.fullmatch(_VERB.sub("", words, count=1).strip())
    return bool(match and (match.group("pre") or match.group("post")))


def _without_narrow_steroids(rest: str) -> tuple[str, list[str]] | None:
    """A list of alternatives with its narrowed steroid courses and its treatments no fact
    records taken out, and those; None unless every other alternative is read and at
    least one is, and none of those comes before one read (it may share its words)."""
    parts = _top_level_parts(rest)
    unread = [part for part in parts if _narrow_steroid(part) or _UNCODED.fullmatch(part)]
    uncoded = [i for i, part in enumerate(parts) if part in unread and not _narrow_steroid(part)]
    if uncoded and uncoded[0] < len(parts) - len(uncoded):
        return None
    read = [part for part in parts if part not in unread]
    if not unread or not read or _EXCEPT.search(rest):
        return None
    kept = " or ".join(read)
    if isinstance(scan_exposures(kept), str):
        return None
    return kept, unread


def read_exposures(text: str, kind: str, items: tuple[str, ...] = ()) -> Clause | Refusal | None:
    """Relapses, steroids, study drugs, live vaccines and treatments: within a window,
    ever, or now; as an exclusion or as an inclusion's "no ..."."""
    if since := _SINCE.fullmatch(text):
        return _read_since(since, kind, text)
    if match := _NOT_PARTICIPATE.fullmatch(text):
        # A promise not to join another trial during this one cannot be broken yet.
        text = f"participation in {match.group('what')} {match.group('window')}"
    if kind == "exclusion" and (not_free := _NOT_FREE.fullmatch(text)):
        # "Who have not been free of relapses for at least 12 months": a relapse within them.
        text = f"{not_free['what']} within {not_free['window']}"
    steroids_allowed = _STEROIDS_ALLOWED.search(text)
    if steroids_allowed:
        # "... or any other immunosuppressive drug (corticosteroids given for relapses are
        # allowed)": read only where the rule names no steroids, so it says the same.
        text = text[: steroids_allowed.start()]
    text = re.sub(r"^for any (?:indication|reason),? ", "", text)
    text = re.sub(r"^(?:treatment|dmt)[- ]naive,? (?:i\.e\.,?|that is,?|defined as) ", "", text)
    text = re.sub(
        r"^(?:prior )?(?:treatment|therapy|use) at any time with ", "prior treatment with ", text
    )
    if naive := _NOT_NAIVE.fullmatch(text):
        # "Subjects who are not naive to natalizumab": treated with it before.
        text = f"prior treatment with {naive['what']}"
    negative = bool(_NEGATIVE.match(text))
    body = re.sub(r"\s*\((?:self reported|including (?:for )?[^)]*)\)", "", text)
    if items and (head := _WINDOW_HEAD.fullmatch(body)) and window_at_end(head["window"]):
        # The window of every item is written before them: the items, then the window.
        body = f"{', '.join(items)} {head['window']}"
    elif items:
        body = f"{body} {', '.join(items)}"
    examples = ""
    if not items and (trailing := _TRAILING_EXAMPLES.fullmatch(body)):
        named = [e.strip(" ,") for e in re.split(r",|\bor\b|\band\b", trailing["examples"])]
        if _time(trailing["head"])[1] is not None and all(
            treatment_term(example) for example in named if example
        ):
            # Only treatments: "..., or total lymphoid irradiation" is an alternative.
            body, examples = trailing["head"], trailing["examples"]
    rest, time, time_words = _time(body)
    if time is None:
        if _UNCODED.fullmatch(_VERB.sub("", rest, count=1).strip(" ,;:")):
            return Refusal("exposure_window", f"no contract fact records {quoted(rest)}")
        return None
    if time == "ever":
        rest = re.sub(r",? at any time\b", "", rest)
    if examples:
        rest = f"{rest} (e.g. {examples})"
    if isinstance(time, Window) and not negative and _FOR_DURATION.match(time_words):
        # "Treatment with fingolimod for at least 6 months": how long it was taken, not when;
        # a dose within the window would rule out someone treated for a week.
        return Refusal(
            "exposure_window",
            f"{quoted(time_words)} says how long something was taken, not how long ago",
        )
    if _CONCURRENT.search(rest):
        return Refusal(
            "exposure_window",
            "concomitant, concurrent, planned or newly started use "
            "is about the study period or a start date, not a last dose",
        )
    rest = _VERB.sub("", rest, count=1)
    rest = re.sub(r"^(?:no |not |never |free of |without |absence of )", "", rest)
    rest = re.sub(r"^relapse[- ]free$", "relapse", rest)
    rest = _ROUTES.sub(" ", rest)
    rest = re.sub(r"\s+", " ", rest).strip(" ,;:")
    scanned = scan_exposures(rest)
    unread: list[str] = []
    if isinstance(scanned, str) and isinstance(time, Window) and (kind == "exclusion") != negative:
        # An exclusion "A or B", an inclusion "no A or B": either part rules out alone.
        split = _without_narrow_steroids(rest)
        if split is not None:
            rest, unread = split
            scanned = scan_exposures(rest)
    if isinstance(scanned, str):
        if _mentions_exposure(rest) or _UNCODED.search(rest):
            return Refusal(
                "exposure_window",
                f"could not read {quoted(scanned)} as a treatment, "
                "a relapse, steroids, a study drug or a live vaccine",
            )
        return None
    exposures, excepted = scanned
    if not exposures:
        return None
    if steroids_allowed and any(
        e.kind == STEROIDS or "corticosteroids" in expand_treatment_codes(e.codes)
        for e in exposures
    ):
        return None
    others = [exposure.other for exposure in exposures if exposure.other]
    if others and not all(exposure.codes for exposure in exposures if exposure.other):
        return Refusal(
            "dmt_washout",
            f'{quoted(others[0])} after "other" is the class apart from something the line '
            "does not name (the study drug, a treatment the trial allows), and it names no "
            "example",
        )
    if others and (kind == "exclusion") == negative:
        return None
    merged = _merge(exposures, excepted)
    if isinstance(merged, str):
        return Refusal("dmt_washout", merged)
    clause = _exposure_clause(merged, kind, negative, time, time_words, text)
    if not isinstance(clause, Clause):
        return clause
    whys = []
    if any(_narrow_steroid(part) for part in unread):
        whys.append(
            "a steroid course of one route, dose or length is narrower than any steroids "
            "taken by mouth, drip or injection"
        )
    if any(not _narrow_steroid(part) for part in unread):
        whys.append("no contract fact records it")
    if others:
        unread = [*unread, *(f"other {other} than those named" for other in others)]
        whys.append(
            '"other" leaves out something the line does not name, so only the examples it '
            "names are read"
        )
    if unread:
        return partial_of(clause, unread, "; ".join(whys))
    return clause


def _mentions_exposure(text: str) -> bool:
    return bool(
        re.search(r"treat|therap|use|received|relapse|steroid|drug|vaccin|investigational", text)
    )


def _pattern(exposures: list[Exposure], time) -> str:
    kinds = {exposure.kind for exposure in exposures}
    if kinds == {RELAPSE}:
        return "relapse_within"
    if kinds == {STEROIDS}:
        return "steroids_within"
    if kinds == {STUDY_DRUG}:
        return "investigational_within" if isinstance(time, Window) else "investigational_ever"
    if kinds == {LIVE_VACCINE}:
        return "live_vaccine_within"
    if kinds == {TREATMENT}:
        return {"current": "dmt_current", "ever": "dmt_ever"}.get(time, "dmt_washout")
    return "exposures_within" if isinstance(time, Window) else "exposures_ever"


def _exposure_clause(exposures, kind, negative, time, time_words, words) -> Clause | Refusal | None:
    if kind == "inclusion" and not negative:
        return Refusal(
            "exposure_window",
            "an inclusion requiring a treatment or event is not "
            "read (it would need the class read in full)",
        )
    if kind == "exclusion" and negative:
        return None
    rules = []
    notes = []
    if isinstance(time, Window):
        days = time.shortest()
        if not time.exact:
            notes.append(
                f"{quoted(time.written('en'))} read as {days} days (its shortest reading,"
                " so the rule rules out only what every reading rules out)"
            )
        if re.search(r"half[- ]lives", time_words):
            notes.append(
                '"or 5 half-lives, whichever is longer" can only lengthen the window; '
                "the stated minimum is used"
            )
        months = _count_months(time)
        if months and [e.kind for e in exposures] == [RELAPSE]:
            # "No relapse in the past 24 months" is the count fact itself.
            key = f"relapses_last_{months}_months"
            rule = comparison(key, "==", 0) if negative else comparison(key, ">=", 1)
            notes.append(f"read with {key}, which counts exactly that window")
            en_part = f"in the past {months} months"
            es_part = f"en los últimos {months} meses"
            if negative:
                en, es = (
                    f"who have had no MS attack {en_part}",
                    f"que no han tenido brotes de EM {es_part}",
                )
            else:
                en, es = (
                    f"who have had an MS attack {en_part}",
                    f"que han tenido un brote de EM {es_part}",
                )
            reason = f"Matched {quoted(words)} ({_describe_time(time, time_words)})"
            return Clause(
                rule, en, es, "relapse_within", reason + "".join(f"; {n}" for n in notes) + "."
            )
        for exposure in exposures:
            rules.append(_window_rule(exposure, days))
        en_time, es_time = f" in {time.past(days, 'en')}", f" en {time.past(days, 'es')}"
    elif time == "ever":
        for exposure in exposures:
            rule = _ever_rule(exposure)
            if rule is None:
                return Refusal("exposure_window", f"'ever' has no meaning for {exposure.kind}")
            rules.append(rule)
        en_time, es_time = "", ""
    else:  # current
        if any(exposure.kind != TREATMENT for exposure in exposures):
            return None
        rules.append(comparison("treatment_history", "currently_taking", exposures[0].codes))
    if time == "current":
        names_en = _participles(exposures[0], "en").removeprefix("taken ")
        names_es = _participles(exposures[0], "es").removeprefix("tomado ")
        en, es = f"who are currently taking {names_en}", f"que toman actualmente {names_es}"
    else:
        en_list = join_alternatives([_participles(e, "en") for e in exposures], "en")
        es_list = join_alternatives([_participles(e, "es") for e in exposures], "es")
        if time == "ever" and negative:
            en, es = f"who have never {en_list}", f"que nunca han {es_list}"
        elif time == "ever":
            en = f"who have ever {en_list}"
            es = f"que alguna vez han {es_list}"
        elif negative:
            es_list = _nor([_participles(e, "es") for e in exposures])
            en, es = f"who have not {en_list}{en_time}", f"que no han {es_list}{es_time}"
        else:
            en, es = f"who have {en_list}{en_time}", f"que han {es_list}{es_time}"
    rule = all_rule([_negated(r) for r in rules]) if negative else any_rule(rules)
    classes = [e for e in exposures if e.kind == TREATMENT and not e.exact]
    if classes:
        groups = [c for c in classes[0].codes if c in TREATMENT_GROUPS]
        notes.append(
            "a class read as the codes certainly in it"
            + (f" ({', '.join(groups)})" if groups else "")
        )
    reason = f"Matched {quoted(words)} ({_describe_time(time, time_words)})"
    reason += "".join(f"; {note}" for note in notes) + "."
    return Clause(rule, en, es, _pattern(exposures, time), reason)


def _describe_time(time, words: str) -> str:
    if isinstance(time, Window):
        return f"window {quoted(words)}"
    return f"{time}: {quoted(words)}"


def _read_since(match: re.Match, kind: str, words: str) -> Clause | Refusal | None:
    """ "Last relapse at least 2 months before study entry" (an inclusion)."""
    if kind != "inclusion":
        return None
    number = {"one": 1, "two": 2, "three": 3, "six": 6}.get(match.group("n")) or int(
        match.group("n")
    )
    window = Window(float(number), match.group("unit").rstrip("s"), match.group(0))
    days = window.shortest()
    listed = match.group("list")
    scanned = scan_exposures(listed)
    if isinstance(scanned, str) or not scanned[0]:
        return None
    exposures = _merge(*scanned)
    if isinstance(exposures, str) or len(exposures) != 1:
        return None
    (exposure,) = exposures
    note = f"; {quoted(window.written('en'))} read as {days} days (its shortest reading)"
    if exposure.kind == RELAPSE:
        return Clause(
            comparison("days_since_last_relapse", ">=", days),
            f"whose most recent MS attack began at least {window.ago(days, 'en')} ago",
            f"cuyo brote de EM más reciente empezó hace al menos {window.ago(days, 'es')}",
            "relapse_within",
            f"Matched {quoted(words)} as time since the last relapse{note}.",
        )
    if exposure.kind == TREATMENT:
        names_en = _participles(exposure, "en").removeprefix("taken ")
        names_es = _participles(exposure, "es").removeprefix("tomado ")
        return Clause(
            {"not": _window_rule(exposure, days - 1)},
            f"whose last dose of {names_en} was at least {window.ago(days, 'en')} ago",
            f"cuya última dosis de {names_es} fue hace al menos {window.ago(days, 'es')}",
            "dmt_washout",
            f"Matched {quoted(words)} as a washout: a dose within {days - 1} days rules out{note}.",
        )
    return None

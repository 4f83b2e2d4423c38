"""One registered line in, one proposed rule (or none) out: the order the patterns run in.

:func:`read` guards first (a non-MS trial, another arm, a clinician's call), then asks each
pattern in turn; the first that recognises its subject decides, with a clause or with a
refusal. An inclusion line that no pattern reads whole may still be a conjunction of
pieces each read alone ("Male and female patients between ages 18-55 with a diagnosis of
multiple sclerosis"): the line is cut at "with", "and", commas and semicolons into the
fewest pieces that every one reads, and they combine with ``all``. Exclusions are never
cut so: "A and B" in an exclusion may mean either or both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from eligibility.engine.facts import FACTS
from eligibility.engine.rules import RuleError, iter_comparisons, validate_rule

from .conditions import read_cancer, read_conditions, read_substance_use
from .demographics import read_age, read_sex
from .devices import read_implant, read_internet, read_mri
from .disease import (
    read_conditional_duration,
    read_disease_duration,
    read_edss,
    read_inactive_spms,
    read_mri_activity,
    read_mri_lesions,
    read_ms_disease,
    read_relapse_counts,
)
from .exposures import read_exposures
from .pregnancy import read_contraception, read_pregnancy
from .reading import Clause, Refusal, all_of, any_of, partial_of, quoted
from .subjects import PEOPLE
from .text import (
    EXCEPTION,
    drop_clarification,
    is_ms_condition,
    judgement,
    names_other_arm,
    normalize,
)
from .washouts import read_washout_list

READER_VERSION = "5"


@dataclass(frozen=True)
class Proposal:
    """A rule proposed for one registered line, with what a patient and a curator read.

    ``rule`` validates with :func:`eligibility.engine.rules.validate_rule` (contract v2);
    for an inclusion it says who the study takes, for an exclusion whom it does not.
    ``patient_text`` / ``patient_text_es`` are the noun phrases explanations wrap
    ("People aged 18 to 55"); ``pattern`` names the pattern (or patterns, joined by "+")
    that produced it; ``reason`` says which words matched and what was decided.
    """

    rule: dict
    patient_text: str
    patient_text_es: str
    pattern: str
    reason: str


@dataclass(frozen=True)
class Reading:
    """The reader's answer for one line: a proposal, or none and why (``note``)."""

    proposal: Proposal | None
    note: str


Reader = Callable[..., Clause | Refusal | None]

#: Patterns that read a whole line (they may use its sub-items), in the order they run.
LINE_READERS: tuple[Reader, ...] = (
    read_pregnancy,
    read_contraception,
    read_cancer,
    read_substance_use,
    read_mri,
    read_implant,
    read_internet,
    read_relapse_counts,
    read_mri_activity,
    read_conditional_duration,
    read_washout_list,
    read_exposures,
    read_conditions,
)
#: Patterns that also read a piece of an inclusion line.
CLAUSE_READERS: tuple[Reader, ...] = (
    read_inactive_spms,
    read_ms_disease,
    read_edss,
    read_age,
    read_sex,
    read_disease_duration,
    read_mri_lesions,
)
_TAKES_ITEMS = {read_relapse_counts, read_exposures, read_conditions}

_CUT = re.compile(
    r",\s*(?:and\s+)?(?:(?:must\s+)?(?:have|has)\s+)?(?:with\s+)?|;\s*|\s+with\s+"
    r"|\s+and\s+(?:(?:must\s+)?(?:have|has)\s+)?"
)
_MAX_PIECES = 10


def read(
    text: str,
    *,
    kind: str,
    heading: str = "",
    items: Sequence[str] = (),
    conditions: Sequence[str] = (),
) -> Reading:
    """Read one registered criterion line (``kind`` "inclusion" or "exclusion").

    ``text`` is the line as split by the registry splitter (its sub-items rendered
    below it, or not: only the first line is read as the line's own words), ``items`` its
    sub-items, ``heading`` the heading it sits under, ``conditions`` the trial's
    registered conditions (a trial none of whose conditions is MS gets no proposal).
    """
    if kind not in ("inclusion", "exclusion"):
        raise ValueError(f"kind must be 'inclusion' or 'exclusion', not {kind!r}")
    return _read_line(text, kind, heading, tuple(items), tuple(conditions))


@lru_cache(maxsize=8192)
def _read_line(
    text: str, kind: str, heading: str, items: tuple[str, ...], conditions: tuple[str, ...]
) -> Reading:
    if conditions and not any(is_ms_condition(condition) for condition in conditions):
        return Reading(None, "not an MS trial: its registered conditions name no form of MS")
    own = text.split("\n", 1)[0] if items else text
    return _read_normalized(normalize(own), kind, heading, tuple(normalize(i) for i in items))


@lru_cache(maxsize=8192)
def _read_normalized(line: str, kind: str, heading: str, items: tuple[str, ...]) -> Reading:
    other_arm = names_other_arm(heading, " ".join((line, *items)))
    if other_arm:
        return Reading(None, f"Not read: {other_arm}; it never excludes an MS patient.")
    call = judgement(" ".join((line, *items)))
    set_aside = ""
    if call and not items and (examples := _EXAMPLES.search(line)):
        # "Contraindication to MRI or gadolinium (e.g. pacemaker, severe claustrophobia)":
        # examples never change what the line says, so a call made in them is theirs.
        without = (line[: examples.start()] + line[examples.end() :]).strip()
        if not judgement(without):
            line, set_aside, call = without, examples.group(0).strip(), None
    stable = _STABLE_AND.fullmatch(line) if call and kind == "inclusion" and not items else None
    if stable:
        # "Clinically stable and free of relapse for at least 28 days": a partial rule.
        call = stable["stable"]
        result = _stable_and(stable)
        if result is None:
            return Reading(None, f'Not read: "{call}" leaves the decision to a clinician.')
        clarification = ""
    elif call:
        return Reading(None, f'Not read: "{call}" leaves the decision to a clinician.')
    elif not line:
        return Reading(None, "Not read: no words.")
    else:
        body, clarification = drop_clarification(line)
        result = _first_reading(body, kind, items)
        if not isinstance(result, Clause) and kind == "inclusion" and not items:
            result = _without_trailing_brackets(body) or result
    if isinstance(result, Refusal):
        return Reading(None, f"Not read ({result.pattern}): {result.reason}.")
    if result is None:
        return Reading(None, "Not read: no pattern reads the whole line.")
    try:
        validate_rule(result.rule)
    except RuleError as error:
        return Reading(None, f"Not read: the rule would be refused ({error}).")
    if _tests_nothing(result.rule):
        return Reading(None, "Not read: the bound covers the whole scale, so it checks nothing.")
    reason = result.reason
    if clarification:
        reason += f" The sentence {quoted(clarification)} only clarifies."
    if set_aside:
        reason += f" The examples {quoted(set_aside)} only illustrate the line."
    proposal = Proposal(
        result.rule,
        f"People {result.en}",
        f"Personas {result.es}",
        result.pattern,
        reason,
    )
    return Reading(proposal, reason)


_EXAMPLES = re.compile(r"\s*\((?:e\.g\.|eg\.|such as|for example|including)[^()]*\)")
_STABLE_AND = re.compile(
    rf"(?:(?:{PEOPLE}) )?(?:(?:must|should|will) )?(?:be |are |is )?(?P<stable>(?:clinically "
    r"|neurologically )?stable(?: ms| multiple sclerosis| disease)?),? (?:and|with|and with"
    r"|and have|and has|and had)? ?(?P<rest>.+)"
)


_TRAILING_BRACKETS = re.compile(r"\s*\((?P<inner>[^()]+)\)\.?$")
# Words in brackets that could take more people than the line before them.
_LOOSENING = re.compile(
    r"^(?:or|and/or|unless|except|other than|excluding|including|e\.g\.|i\.e\.)\b"
    r"|\b(?:unless|except|other than|allowed|permitted|exempt|waived|may be|can be)\b"
)


#: Patterns whose words a bracket can only describe or add to (a scale level, an age):
#: never a course or a treatment, which a bracket may define more broadly ("a relapsing
#: course (relapsing remitting, secondary progressive or progressive relapsing)").
_DESCRIBED_BY_BRACKETS = frozenset({"edss_bound", "age_range", "disease_duration"})


def _without_trailing_brackets(body: str) -> Clause | None:
    """An inclusion "EDSS 3.0 to 6.5 (ambulatory for at least 20 metres without rest)": the
    words in brackets may add to the line or only describe it; the rest, read whole, is no
    narrower than the line, so it is read as a partial rule and the brackets are left to the
    study team. Not when the brackets could take more people ("(or 7.0 if ...)"), and only
    for a scale, an age or a duration."""
    found = _TRAILING_BRACKETS.search(body)
    if found is None or _LOOSENING.search(found["inner"]):
        return None
    head = _first_reading(body[: found.start()].strip(" ,"), "inclusion", ())
    if not isinstance(head, Clause) or head.pattern not in _DESCRIBED_BY_BRACKETS:
        return None
    return partial_of(
        head,
        [found["inner"]],
        "words in brackets that may add to the line; the rest, read whole, is broader, so it "
        "rules out only people the line rules out",
    )


def _stable_and(stable: re.Match) -> Clause | None:
    """An inclusion "clinically stable and free of relapse for at least 28 days": the
    clinician's part left to the study team, the rest read whole as a partial rule (an
    inclusion's part is broader than the line, so it rules out only people the line rules
    out); None when the rest has a call or an exception of its own, or is not read."""
    rest = stable["rest"]
    if judgement(rest) or EXCEPTION.search(rest):
        return None
    result = _first_reading(drop_clarification(rest)[0], "inclusion", ())
    if not isinstance(result, Clause):
        return None
    return partial_of(
        result,
        [stable["stable"]],
        "a clinician's call; the rest of an inclusion, read whole, is broader than the line, "
        "so it rules out only people the line rules out",
    )


_HOLDS = {
    "<": lambda end, value: end < value,
    "<=": lambda end, value: end <= value,
    ">": lambda end, value: end > value,
    ">=": lambda end, value: end >= value,
    "between": lambda end, value: value[0] <= end <= value[1],
}


def _tests_nothing(rule: dict) -> bool:
    """A numeric comparison true at both ends of its fact's range is true for everyone."""
    for comparison in iter_comparisons(rule):
        fact = FACTS[comparison["fact"]]
        holds = _HOLDS.get(comparison["op"])
        if not (holds and fact.is_numeric and fact.min is not None and fact.max is not None):
            continue
        if holds(fact.min, comparison["value"]) and holds(fact.max, comparison["value"]):
            return True
    return False


def _first_reading(text: str, kind: str, items: tuple[str, ...]) -> Clause | Refusal | None:
    refusal: Refusal | None = None
    for reader in LINE_READERS:
        result = reader(text, kind, items) if reader in _TAKES_ITEMS else reader(text, kind)
        if isinstance(result, Clause):
            return result
        refusal = refusal or result
        if refusal is not None and kind == "exclusion":
            break
    if items:
        return refusal  # a line introducing sub-items is read by the patterns above or not at all
    # The clause patterns read the whole line too: one that does accounts for every word.
    result = _read_clause(text, kind)
    if isinstance(result, Clause):
        return result
    refusal = refusal or result
    # "A, or B" in an exclusion, "A with B and C" in an inclusion: every piece must still be
    # read whole, so whatever stopped the whole line stops it again inside its piece.
    combined = _read_exclusion_union(text) if kind == "exclusion" else _read_conjunction(text)
    return combined or refusal


_OR_CUT = re.compile(r",\s+or\s+|;\s*or\s+")


_OTHER_CLASS = re.compile(r"(?:any )?other\b")
# Unread parts that share no words with the parts after them ("Pregnant women, or women
# who plan to become pregnant within the next 2 years").
_SELF_CONTAINED = re.compile(
    r"(?:(?:women|females?|participants?|patients?|subjects?) (?:who are|that are) )?"
    r"(?:pregnant|pregnancy|lactating|nursing|breast-?feeding)(?: (?:women|females?))?"
)


def _read_exclusion_union(text: str) -> Clause | None:
    """An exclusion "A, or B": either part rules the patient out.

    Each part is read whole. A part that a pattern recognises as a subject of its own but
    cannot read (a ``Refusal``: "women planning to become pregnant during the study") is
    left to the study team, and the rest is a partial rule: each part read rules out only
    people the line rules out. Not when a part is recognised by no pattern, nor when an
    unread part comes before a part read: either may hold words the other parts share
    ("positive screening test for hepatitis B, hepatitis C, or HIV": "HIV" alone is not
    the line's test); nor when the line has an exception, which may belong to any part.
    """
    parts = [part.strip(" ,;") for part in _OR_CUT.split(text)]
    if len(parts) < 2:
        return None
    clauses, unread = [], []
    for part in parts:
        result = _first_reading(part, "exclusion", ())
        if isinstance(result, Clause):
            if unread and not all(_SELF_CONTAINED.fullmatch(part) for part in unread):
                return None  # a part read after one left unread may share its words
            clauses.append(result)
        elif isinstance(result, Refusal) or _OTHER_CLASS.match(part):
            # "History of stroke, or other neurologic disorders that limit walking": a class
            # apart from the parts before, so it shares none of their words.
            unread.append(part)
        else:
            return None
    if not clauses:
        return None
    combined = any_of(clauses)
    if not unread:
        return combined
    if EXCEPTION.search(text):
        return None
    return partial_of(
        combined,
        unread,
        "no fact says exactly what that part says; the other parts, each read whole, "
        "rule out only people the line rules out",
    )


def _read_clause(text: str, kind: str) -> Clause | Refusal | None:
    for reader in CLAUSE_READERS:
        result = reader(text, kind)
        if result is not None:
            return result
    return None


def _read_conjunction(text: str) -> Clause | Refusal | None:
    """An inclusion "A, B and C": the fewest pieces, each read alone, all required."""
    cuts = list(_CUT.finditer(text))
    if not cuts or len(cuts) >= _MAX_PIECES:
        return None
    starts = [0, *(cut.end() for cut in cuts)]
    ends = [*(cut.start() for cut in cuts), len(text)]
    count = len(starts)

    @cache
    def piece(i: int, j: int) -> Clause | Refusal | None:
        words = text[starts[i] : ends[j - 1]].strip(" ,;")
        result = _read_clause(words, "inclusion")
        if result is None:
            for reader in LINE_READERS:
                result = (
                    reader(words, "inclusion", ())
                    if reader in _TAKES_ITEMS
                    else reader(words, "inclusion")
                )
                if result is not None:
                    break
        return result

    @cache
    def best(i: int) -> tuple[Clause, ...] | None:
        if i == count:
            return ()
        found: tuple[Clause, ...] | None = None
        for j in range(count, i, -1):
            if i == 0 and j == count:
                continue  # the whole line was already tried
            head = piece(i, j)
            if not isinstance(head, Clause):
                continue
            tail = best(j)
            if tail is not None and (found is None or 1 + len(tail) < len(found)):
                found = (head, *tail)
        return found

    clauses = best(0)
    if not clauses:
        return None
    if sum(clause.pattern == "sex" for clause in clauses) > 1:
        return None  # "male and female ..." cut apart would take nobody
    if any(clause.pattern == "sex" for clause in clauses) and _BOTH_SEXES.search(text):
        # "Men and women of reproductive potential must agree to ...": the line is about
        # both sexes, and "men" cut off as a piece would rule out every woman.
        return None
    if sum(bool(_MS_FACTS & _facts_of(clause.rule)) for clause in clauses) > 1:
        # "Relapsing and progressive forms of MS", "MS and CIS": course words joined by
        # "and" are alternatives, and cut apart they would have to hold at once.
        return None
    return all_of(list(clauses))


_MS_FACTS = {"ms_course", "ms_diagnosis"}
_BOTH_SEXES = re.compile(
    r"(?=.*\b(?:men|males?|boys?)\b)(?=.*\b(?:women|females?|girls?)\b)", re.DOTALL
)


def _facts_of(rule: dict) -> set[str]:
    return {comparison["fact"] for comparison in iter_comparisons(rule)}


def clear_cache() -> None:
    """Forget the lines already read (a benchmark's cold runs; the reading never changes)."""
    _read_line.cache_clear()
    _read_normalized.cache_clear()


def propose(
    text: str,
    *,
    kind: str,
    heading: str = "",
    items: Sequence[str] = (),
    conditions: Sequence[str] = (),
) -> Proposal | None:
    """The proposed rule for one registered line, or None (see :func:`read` for why)."""
    return read(text, kind=kind, heading=heading, items=items, conditions=conditions).proposal

"""Pregnancy and breastfeeding, planning a pregnancy, contraception.

``pregnancy_or_breastfeeding`` is one answer for both, so it reads a line only when the
line names both ("pregnant or nursing women"); "pregnancy" alone or "breastfeeding" alone
is narrower than the answer and is not read. The rule reads ``sex != male`` with it, so
that a man is asked his sex and never whether he is pregnant. ``planning_pregnancy``
asks about the next two years: a line whose window is at least that long ("in the
coming 30 months", "during or after the trial") is read; "during the study" may be
shorter and is not. A woman-only planning line adds ``sex = female`` (the answer also
covers fathering a child).

Contraception is a willingness (``yes``, ``no``, ``not_needed``): an exclusion of people
of childbearing potential not using it rules out ``no``; an inclusion that requires it
fails ``no`` only. Where the line is about women, men pass (``sex`` is not female); where it
names both sexes beside its subject ("subjects of reproductive potential, both women and
men"), no sex is ruled out (``not_needed`` is whoever cannot conceive or father a child). A line
that also asks for a negative pregnancy test, or only about sexually active women, is not
read.
"""

from __future__ import annotations

import re

from .reading import Clause, Refusal, all_rule, any_rule, comparison, partial_of, quoted

_PREGNANT = r"(?:currently )?(?:pregnan(?:t|cy)|positive (?:serum |urine )?pregnancy test)"
_NURSING = (
    r"(?:currently )?(?:breastfeeding|nursing|lactating|lactation|breast-feeding)"
    r"(?: \(lactating\))?"
)
_WOMEN = r"(?:female (?:subjects?|patients?|participants?)|women|woman|females?|mothers?)"
_ANYONE = r"(?:subjects?|patients?|participants?|persons?|individuals?|people)"
_CBP = (
    r"(?:(?:fertile|sexually active) )?(?:women|females?|female (?:subjects?|patients?"
    r"|participants?)|subjects?|patients?|participants?)(?: of (?:child ?bearing|reproductive)"
    r" potential)?(?: \(defined as [^)]*\))?(?: \(including [^)]*\))?"
)
_BOTH_CBP = (
    r"(?:(?:women|females?|female (?:subjects?|patients?|participants?))(?: of childbearing"
    r" potential)?(?: \(defined [^)]*\))? (?:and|or) (?:men|males?|male (?:subjects?|patients?"
    r"|participants?))(?: (?:with|whose) (?:female )?partners?(?: (?:is|are|was|were))?(?: of"
    r" childbearing potential)?)?|(?:men and women|women and men|both men and women))"
)

# Both sexes named beside the subject: "Subjects of reproductive potential, both women and
# men, must ...", "Participants of reproductive potential (men and women) ...".
_SEXES = (
    r"(?:both )?(?:men and women|women and men|males and females|females and males|male and"
    r" female|female and male)(?: alike)?"
)
_BOTH_APPOSITION = rf"(?P<sexes>,? {_SEXES},?| \({_SEXES}\))"

_PLAN = re.compile(
    r"(?:who (?:are |is )?|are |is )?(?:wishing|planning|plans?|intending|intend|intention|wish"
    r"|wants?|considering|contemplat(?:e|es|ing))(?: to)? (?P<what>become pregnant"
    r"|becoming pregnant|pregnancy|a pregnancy|parent children|father (?:a )?children"
    r"|father a child|have (?:a )?child(?:ren)?)"
)
_LONG_ENOUGH = re.compile(
    r" (?:in|within|during) the (?:coming|next|following) (?P<n>\d+) (?P<unit>months|years)"
    r"| during the (?:study|trial|treatment period) and (?:for|within)(?: at least)? (?P<after>\d+)"
    r" (?P<after_unit>months|years) after the (?:final|last) dose(?: of (?:the )?study"
    r" (?:drug|treatment|medication))?"
    r"| during the (?:trial|study) or (?:following|after) the (?:trial|study)(?: \([^)]*\))?"
)


def _state(text: str) -> str | None:
    text = re.sub(r"^(?:who |that )?(?:are |is |were |was )?(?:either )?", "", text.strip())
    if re.fullmatch(_PREGNANT, text):
        return "pregnant"
    if re.fullmatch(_NURSING, text):
        return "nursing"
    return None


def _plan_clause(match: re.Match, text: str, women: bool) -> tuple[Clause | Refusal, int]:
    """The plan a line names at ``match``, and where its time words end."""
    when = _LONG_ENOUGH.match(text, match.end())
    if not when:
        return (
            Refusal(
                "planning_pregnancy",
                "planning_pregnancy asks about the next two years; the line's time may be shorter",
            ),
            match.end(),
        )
    number, unit = (
        when.group("n") or when.group("after"),
        when.group("unit") or when.group("after_unit"),
    )
    if number:
        # "During the study and within 2 years after the last dose" is at least 2 years.
        months = int(number) * (12 if unit == "years" else 1)
        if months < 24:
            return Refusal("planning_pregnancy", "the line's window is shorter than two years"), 0
    words = text[match.start() : when.end()].strip()
    rule = comparison("planning_pregnancy", "==", "yes")
    # "Become pregnant" is about women; the answer also covers fathering a child.
    if women or not re.match(r"parent|father|have", match.group("what")):
        clause = Clause(
            all_rule([comparison("sex", "==", "female"), rule]),
            "who are women planning a pregnancy in the next two years",
            "que son mujeres y tienen previsto un embarazo en los próximos dos años",
            "planning_pregnancy",
            f"Matched {quoted(words)} as planning a pregnancy; the line's time covers the "
            "answer's two years; women only.",
        )
    else:
        clause = Clause(
            rule,
            "who are planning a pregnancy, or to father a child, in the next two years",
            "que tienen previsto buscar un embarazo o tener un hijo en los próximos dos años",
            "planning_pregnancy",
            f"Matched {quoted(words)} as planning a pregnancy or to father a child; the line's "
            "time covers the answer's two years.",
        )
    return clause, when.end()


_PREGNANCY_EN = "who are pregnant or breastfeeding"
_PREGNANCY_ES = "que están embarazadas o dando el pecho"


def _pregnancy_clause(words: str) -> Clause:
    # ``sex != male`` first: a man is never asked whether he is pregnant or breastfeeding
    # (the questionnaire asks sex before a pregnancy question whose rule reads it), and a
    # woman, a patient of another sex or one who did not say is asked.
    return Clause(
        all_rule(
            [comparison("sex", "!=", "male"), comparison("pregnancy_or_breastfeeding", "==", "yes")]
        ),
        _PREGNANCY_EN,
        _PREGNANCY_ES,
        "pregnancy",
        f"Matched {quoted(words)} as pregnant or breastfeeding (one answer for both); "
        "a man is not asked.",
    )


_NOT_USING = re.compile(
    rf"^(?:for )?(?P<who>{_BOTH_CBP}|{_CBP}){_BOTH_APPOSITION}?,? (?:who (?:do|does|are|is) not"
    r" (?:using|use|practic(?:e|ing))|who (?:are|is) not willing to use|not using|unwilling to use"
    r"|inability to comply with|unless (?:they are )?willing to (?:use|ensure that they or their"
    r" partners? use)|who (?:do not|cannot|are unable to) (?:agree to )?(?:use|practice))"
    r"(?: one of the following)?(?: (?:effective|reliable|acceptable|highly effective|adequate))?"
    r" (?:methods? of )?(?:contraception|birth control)(?: methods?)?(?P<rest>.*)$"
)
_CONTRACEPTION_TAIL = re.compile(
    r"^(?:(?::| \(|,)[^;]*\)?|(?: during (?:the|this) (?:study|trial)(?: and for (?:\w+|\d+) "
    r"(?:days|weeks|months)(?: thereafter| after [^,;]*)?)?)|)\.?$"
)


def _contraception_exclusion(text: str) -> Clause | Refusal | None:
    match = _NOT_USING.fullmatch(text)
    if not match:
        return None
    who = match.group("who")
    if "sexually active" in who:
        return Refusal(
            "contraception", "only sexually active women: the contraception answer cannot say that"
        )
    if not _CONTRACEPTION_TAIL.fullmatch(match.group("rest")):
        return None
    both = bool(re.match(_BOTH_CBP, who))
    women = not both and bool(
        re.match(
            rf"(?:(?:fertile) )?{_WOMEN}|(?:subjects?|patients?|"
            r"participants?) of child ?bearing",
            who,
        )
    )
    if match.group("sexes"):
        if both or re.match(rf"(?:(?:fertile) )?{_WOMEN}", who):
            return None  # the sexes named twice, or women said to be men and women
        both, women = True, False
    if women:
        return Clause(
            all_rule([comparison("sex", "==", "female"), comparison("contraception", "==", "no")]),
            "who are women who could become pregnant and are not willing to use contraception",
            "que son mujeres que pueden quedarse embarazadas y no están dispuestas a usar un "
            "método anticonceptivo",
            "contraception",
            f"Matched {quoted(text)} as women of childbearing potential not using "
            "contraception: contraception = no (not_needed passes), women only.",
        )
    return Clause(
        comparison("contraception", "==", "no"),
        "who are not willing to use contraception (and could conceive a child)",
        "que no están dispuestas a usar un método anticonceptivo (y podrían concebir un hijo)",
        "contraception",
        f"Matched {quoted(text)} as people of childbearing potential, or with such a partner, "
        "not using contraception: contraception = no (not_needed passes).",
    )


def read_pregnancy(text: str, kind: str) -> Clause | Refusal | None:
    """Exclusions: "Pregnant or nursing women", "Women who are pregnant, wishing to become
    pregnant in the coming 30 months, or are breastfeeding", contraception refusals."""
    if kind != "exclusion" or not re.search(
        r"pregnan|nursing|breastfeed|lactat|contracep|birth "
        r"control|parent children|father",
        text,
    ):
        return None
    body = re.sub(r",? (?:are|is) (?:excluded|not eligible(?: to enter the study)?)$", "", text)
    body = re.sub(r"^(?:the )?(?:subject|participant|patient) (?:is|has)\s+", "", body)
    # "..., and women of child-bearing potential ... who are not using ...": a union.
    pieces = [p for p in re.split(rf", and (?=(?:{_CBP}|fertile)\b)", body) if p]
    clauses: list[Clause] = []
    for piece in pieces:
        clause = _pregnancy_piece(piece)
        if not isinstance(clause, Clause):
            return clause
        clauses.append(clause)
    if len(clauses) == 1:
        return clauses[0]
    return Clause(
        any_rule([c.rule for c in clauses]),
        " or ".join(c.en for c in clauses),
        " o ".join(c.es for c in clauses),
        "+".join(dict.fromkeys(c.pattern for c in clauses)),
        " ".join(c.reason for c in clauses),
    )


def _pregnancy_piece(text: str) -> Clause | Refusal | None:
    contraception = _contraception_exclusion(text)
    if contraception is not None:
        return contraception
    women = bool(re.match(rf"^(?:{_WOMEN})\b", text))
    body = re.sub(rf"^(?:{_WOMEN}|{_ANYONE})(?: (?:who|that) (?:are|is))?\s*", "", text)
    body = re.sub(rf"\s(?:{_WOMEN})$", "", body)
    plans: list[Clause] = []
    if match := _PLAN.search(body):
        plan, end = _plan_clause(match, body, women)
        if not isinstance(plan, Clause):
            return plan
        plans.append(plan)
        body = f"{body[: match.start()]} {body[end:]}"
    parts = [
        p
        for p in re.split(r",\s*(?:or |and )?|\s+or\s+|\s+and/or\s+|\s+and\s+", body)
        if p.strip(" ,")
    ]
    states = set()
    for part in parts:
        state = _state(part)
        if state is None:
            return None
        states.add(state)
    clauses: list[Clause] = []
    if states:
        if states != {"pregnant", "nursing"}:
            only = "pregnancy" if "pregnant" in states else "breastfeeding"
            return Refusal(
                "pregnancy",
                f"{only} alone: pregnancy_or_breastfeeding is one answer "
                "for both, so it is broader than the line",
            )
        clauses.append(_pregnancy_clause(text))
    clauses.extend(plans)
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return Clause(
        any_rule([c.rule for c in clauses]),
        " or ".join(c.en for c in clauses),
        " o ".join(c.es for c in clauses),
        "+".join(dict.fromkeys(c.pattern for c in clauses)),
        " ".join(c.reason for c in clauses),
    )


# --- contraception required (inclusions) ---------------------------------------------------------

_MUST_USE = re.compile(
    rf"^(?:for )?(?P<who>{_BOTH_CBP}|{_CBP}|{_ANYONE})?{_BOTH_APPOSITION}?[,:]? ?(?:who (?:were"
    r"|are|is) )?(?:must |should"
    r" |will |to )?(?:be |are )?(?:required to |willing to |willing and able to |able and willing"
    r" to )?(?:agree(?:s)? to |agreed to |agreement to )?(?:practi[cs]e|use|ensure that they or"
    r" their partners?"
    r" (?:use|used)|adhere to|using|practicing)(?: an?| one)?(?: (?:effective|reliable|acceptable"
    r"|highly effective|adequate|medically acceptable))?(?: (?:methods?|forms?|means) of)?"
    r" (?:contraception|birth control|contraceptive methods?|the contraception provisions)"
    r"(?: methods?)?(?P<rest>.*)$"
)
_INCLUSION_TAIL = re.compile(
    r"^(?:"
    r"| of section [\d.]+"
    r"| \[[^\]]*\]?"
    r"| \([^)]*\)"
    r"|,? (?:during|for the duration of|throughout) (?:the|this) (?:study|trial|treatment period"
    r"|treatment)(?: participation)?(?: and for (?:at least )?(?:\w+|\d+) (?:days|weeks|months)"
    r"(?: thereafter| after[^,;]*)?)?"
    r"|,? prior to study entry and for the duration of (?:the )?study participation"
    r"|(?: \([^)]*\))? prior to study entry and for the duration of (?:the )?study participation"
    r"|,? (?:during (?:the|this) (?:study|trial) )?and (?:be willing and able to )?continue"
    r" contraception for \d+ days after (?:their|the) last dose of study (?:treatment|drug)"
    r"|,? (?:during (?:the|this) (?:study|trial) )?and for (?:\w+|\d+) (?:days|weeks|months)"
    r" (?:thereafter|after[^,;]*)"
    r"|,? for the duration of the study and for \d+ days after any study drug administration,? or"
    r" (?:is|are) (?:surgically sterile|post-?menopausal)(?: or (?:surgically sterile|post-?"
    r"menopausal))?"
    r")$"
)


_PREGNANCY_TEST_AND = re.compile(
    rf"(?:for )?(?P<who>{_BOTH_CBP}|{_CBP})[,:]? (?:must )?(?:have )?(?P<test>a negative"
    r" (?:serum |urine )?(?:\(?(?:serum|urine)\)? )?pregnancy test(?: result)?"
    r"(?: at (?:screening|baseline)(?: and (?:at )?(?:baseline|day 1))?)?),? and (?:must )?"
)


def read_contraception(text: str, kind: str) -> Clause | Refusal | None:
    """Inclusions: "Women of child-bearing potential must practice a reliable method of birth
    control", "... and men must agree to use adequate contraception"."""
    if kind != "inclusion" or not re.search(r"contracep|birth control", text):
        return None
    if (test := _PREGNANCY_TEST_AND.match(text)) and not re.search(
        r"pregnancy test|not be pregnant", text[test.end() :]
    ):
        # "... must have a negative pregnancy test at screening and agree to use a reliable
        # method of contraception": the test is still to come; the contraception part, read
        # whole, is broader than the line, so it rules out only people the line rules out.
        rest = read_contraception(f"{test['who']} {text[test.end() :]}", kind)
        if isinstance(rest, Clause):
            return partial_of(
                rest,
                [test["test"]],
                "a pregnancy test at screening is still to come (pregnancy_or_breastfeeding is "
                "broader)",
            )
    if re.search(r"pregnancy test|not be pregnant", text):
        return Refusal(
            "contraception",
            "it also needs a negative pregnancy test, which "
            "pregnancy_or_breastfeeding cannot say (it is broader); a partial "
            "inclusion is not proposed",
        )
    body = re.sub(r"^(?:females?|women) of childbearing potential and men\b", "women and men", text)
    match = _MUST_USE.fullmatch(body)
    if not match or not _INCLUSION_TAIL.fullmatch(match.group("rest")):
        return None
    who = match.group("who") or ""
    both = bool(re.match(_BOTH_CBP, who)) or not who
    women = not both and bool(
        re.match(
            rf"(?:(?:fertile) )?{_WOMEN}|(?:subjects?|patients?"
            r"|participants?) of child ?bearing",
            who,
        )
    )
    if match.group("sexes"):
        # "Subjects of reproductive potential, both women and men": the answer covers
        # fathering a child too (not_needed: cannot conceive), so no sex is ruled out.
        if not who or re.match(_BOTH_CBP, who) or re.match(rf"(?:(?:fertile) )?{_WOMEN}", who):
            return None  # no subject, the sexes named twice, or women said to be both
        both, women = True, False
    if not women and not both:
        return None
    if women:
        return Clause(
            any_rule([comparison("sex", "!=", "female"), comparison("contraception", "!=", "no")]),
            "who, if they are women who could become pregnant, are willing to use contraception",
            "que, si son mujeres que pueden quedarse embarazadas, están dispuestas a usar un "
            "método anticonceptivo",
            "contraception",
            f"Matched {quoted(text)} as contraception for women of childbearing potential: "
            "fails a woman who is not willing (not_needed passes); men pass.",
        )
    return Clause(
        comparison("contraception", "!=", "no"),
        "who are willing to use contraception if they could conceive a child",
        "dispuestas a usar un método anticonceptivo si pudieran concebir un hijo",
        "contraception",
        f"Matched {quoted(text)} as contraception for anyone who could conceive: fails only "
        "'no' (not_needed passes).",
    )

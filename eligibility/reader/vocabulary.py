"""Registry words for treatments, other diagnoses and MS courses, mapped to contract v2 codes.

Every entry is a whole-phrase regular expression over normalised text
(:func:`eligibility.reader.text.normalize`). Treatment names cover generic names, brand
names and the development codes seen in registries; a *class* ("immunosuppressants",
"any approved MS treatment") maps to a code group or to the codes certainly in it, never
to more: such a mapping may be narrower than the class (a rule built on it can miss a drug
the contract has no code for, but never rules out someone the line would take), so it is
marked ``exact=False`` and only used where a narrower reading is safe (see
:mod:`eligibility.reader`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eligibility.engine.facts import FACTS, TREATMENT_CODES, TREATMENT_GROUPS


@dataclass(frozen=True)
class Term:
    """What a registry phrase names: treatment codes and groups, and whether exactly."""

    codes: tuple[str, ...]
    exact: bool = True


def _compile(entries):
    return tuple((re.compile(rf"(?:{pattern})"), term) for pattern, term in entries)


_MONOCLONALS = (
    "natalizumab",
    "alemtuzumab",
    "ocrelizumab",
    "rituximab",
    "ofatumumab",
    "ublituximab",
    "daclizumab",
)

# Specific treatments: generic, brand and development names.
_TREATMENTS = _compile(
    (
        (
            r"(?:(?:recombinant )?(?:human )?(?:peg(?:ylated)?[- ]?)?interferon[- ]?beta"
            r"|(?:peg)?interferon[- ]beta|beta[- ]?interferons?|ifn[- ]?beta|ifnb|ifn"
            r"|peginterferon(?: beta)?)(?:[- ]?1[ab])?(?: \(?either 1a or 1b\)?)?"
            r"(?: (?:drugs?|therapy|treatment))?"
            r"|avonex|rebif|betaseron|betaferon|extavia|plegridy",
            Term(("interferon_beta",)),
        ),
        (
            r"glatiramer(?: acetate)?(?: copolymer-1)?|copaxone|glatopa|copolymer[- ]1|cop-1",
            Term(("glatiramer_acetate",)),
        ),
        (r"natalizumab|tysabri|bg[- ]?0+2|antegren", Term(("natalizumab",))),
        (r"fingolimod|gilenya|fty[- ]?720", Term(("fingolimod",))),
        (
            r"dimethyl[- ]?fumarate|dmf|tecfidera|bg[- ]?00012|bg[- ]?12|fumaderm",
            Term(("dimethyl_fumarate",)),
        ),
        (r"teriflunomide|aubagio", Term(("teriflunomide",))),
        (r"alemtuzumab|lemtrada|campath", Term(("alemtuzumab",))),
        (r"ocrelizumab|ocrevus", Term(("ocrelizumab",))),
        (r"rituximab|rituxan|mabthera", Term(("rituximab",))),
        (r"mitoxantrone|novantrone", Term(("mitoxantrone",))),
        (r"cyclophosphamide|cytoxan|endoxan", Term(("cyclophosphamide",))),
        (r"cladribine|mavenclad|leustatin", Term(("cladribine",))),
        (r"methotrexate", Term(("methotrexate",))),
        (r"azathioprine|imuran", Term(("azathioprine",))),
        (r"cyclosporine|sandimmune?|neoral", Term(("cyclosporine",))),
        (
            r"ivig|igiv|iv ?ig|i\.v\. ?ig|intravenous ig"
            r"|(?:intravenous|iv|i\.v\.) (?:immuno|immune |gamma[- ])globulins?(?: g)?",
            Term(("ivig",)),
        ),
        # Any immunoglobulin: IVIG is the one the contract has, so narrower.
        (r"(?:immuno|gamma[- ])globulins?", Term(("ivig",), exact=False)),
        (r"ofatumumab|kesimpta|arzerra", Term(("ofatumumab",))),
        (r"ublituximab(?:-xiiy)?|briumvi", Term(("ublituximab",))),
        (r"ozanimod|zeposia", Term(("ozanimod",))),
        (r"ponesimod|ponvory", Term(("ponesimod",))),
        (r"siponimod|mayzent", Term(("siponimod",))),
        (r"diroximel[- ]fumarate|vumerity", Term(("diroximel_fumarate",))),
        (r"monomethyl[- ]fumarate|bafiertam", Term(("monomethyl_fumarate",))),
        (r"daclizumab|zinbryta|zenapax", Term(("daclizumab",))),
        (r"laquinimod", Term(("laquinimod",))),
        (
            r"mycophenolate(?: mofetil| sodium)?|cellcept|myfortic",
            Term(("mycophenolate",)),
        ),
        (
            r"tolebrutinib|evobrutinib|fenebrutinib|remibrutinib|orelabrutinib"
            r"|(?:a |any )?(?:bruton'?s tyrosine kinase|btk) inhibitors?",
            Term(("btk_inhibitor",)),
        ),
        (
            r"a?hsct|autologous (?:hematopoietic )?stem cell transplant(?:ation)?"
            r"|autologous hematopoietic stem cell transplant(?:ation)?",
            Term(("hsct",)),
        ),
        (r"plasma exchange|plasmapheresis|plex", Term(("plasma_exchange",))),
        (
            r"(?:prolonged-release )?(?:dal)?fampridine|4-aminopyridine|4-ap|ampyra|fampyra",
            Term(("dalfampridine",)),
        ),
    )
)

# Classes: a code group, or the codes certainly inside the class (narrower: exact=False).
_CLASSES = _compile(
    (
        (
            r"(?:any )?(?:other )?(?:non-?corticosteroid )?immunosuppress(?:ants?|ives?|ion)"
            r"(?: (?:agents?|drugs?|medications?|therap(?:y|ies)|treatments?))?",
            Term(("@immunosuppressant",), exact=False),
        ),
        # "Interferon" alone: interferon beta is the only one in MS, and the only code.
        (r"interferons?(?: therapy| treatment)?", Term(("interferon_beta",), exact=False)),
        (
            r"(?:other )?(?:non-?corticosteroid )?immunomodulat(?:ors?|ory (?:agents?|drugs?"
            r"|medications?|therap(?:y|ies)|treatments?)|ing (?:agents?|drugs?|therap(?:y|ies)))",
            Term(("interferon_beta", "glatiramer_acetate"), exact=False),
        ),
        (
            r"(?:other )?cytotoxic (?:agents?|drugs?|therap(?:y|ies)|medications?|treatments?)",
            Term(("mitoxantrone", "cyclophosphamide", "cladribine"), exact=False),
        ),
        (
            r"(?:other )?chemotherap(?:y|ies|eutic (?:treatments?|agents?|drugs?|therap(?:y|ies)))",
            Term(("mitoxantrone", "cyclophosphamide"), exact=False),
        ),
        (
            r"(?:any )?(?:other )?(?:therapeutic )?monoclonal antibod(?:y|ies)"
            r"(?: (?:therap(?:y|ies)|treatments?))?",
            Term(_MONOCLONALS, exact=False),
        ),
        (
            r"(?:other )?(?:an )?anti-?cd20 (?:therap(?:y|ies)|antibod(?:y|ies)|treatments?"
            r"|agents?)|(?:other )?b[- ]cell[- ](?:targeted|targeting|depleting|depletion)"
            r" (?:therap(?:y|ies)|treatments?|agents?|antibod(?:y|ies))",
            Term(("@anti_cd20",), exact=False),
        ),
        (
            r"(?:other )?(?:s1p|sphingosine[- ]1[- ]phosphate) (?:receptor )?modulators?",
            Term(("@s1p_modulator",), exact=False),
        ),
        (
            r"(?:any )?(?:other )?(?:approved )?(?:ms |multiple sclerosis )?disease[- ]modifying"
            r" (?:therap(?:y|ies)|treatments?|drugs?|medications?|agents?)(?: for ms)?"
            r"|(?:any )?(?:other )?(?:approved )?(?:ms |multiple sclerosis )?dmts?"
            r"|(?:any )?approved (?:ms|multiple sclerosis) (?:treatments?|therap(?:y|ies)|drugs?"
            r"|medications?)",
            Term(("@approved_dmt",), exact=False),
        ),
        # Interferons are cytokines; no other code is certainly a cytokine or anti-cytokine.
        (
            r"(?:any )?cytokine(?: or anti-?cytokine)? (?:therap(?:y|ies)|treatments?|agents?)"
            r"|cytokine-based therap(?:y|ies)",
            Term(("interferon_beta",), exact=False),
        ),
        (r"fumarates?", Term(("dimethyl_fumarate", "diroximel_fumarate", "monomethyl_fumarate"))),
        # Any haematopoietic stem cell transplant: the contract's code is the autologous one.
        (
            r"(?:an? )?hematopoietic stem cell transplant(?:ation)?s?",
            Term(("hsct",), exact=False),
        ),
    )
)


_TERMS = (*_TREATMENTS, *_CLASSES)
# One pattern for all of them (the first alternative that matches the whole phrase wins,
# as the list's order would): a phrase is tried at every word end while scanning a list.
_ANY_TERM = re.compile(
    "|".join(f"(?P<t{i}>{pattern.pattern})" for i, (pattern, _) in enumerate(_TERMS))
)


def treatment_term(phrase: str) -> Term | None:
    """The treatment codes a phrase names, or None when it names none the contract has."""
    found = _ANY_TERM.fullmatch(phrase.strip(" ,;:"))
    return _TERMS[int(found.lastgroup[1:])][1] if found else None


def canonical_codes(codes: list[str]) -> list[str]:
    """Codes and groups once each: groups first (contract order), then codes not already
    in a listed group, in registry order."""
    groups = [group for group in TREATMENT_GROUPS if group in codes]
    covered = {member for group in groups for member in TREATMENT_GROUPS[group].members}
    return [*groups, *(code for code in TREATMENT_CODES if code in codes and code not in covered)]


def treatment_label(code: str, lang: str) -> str:
    """A code or group as a patient reads it ("natalizumab", "an immunosuppressant")."""
    if code in TREATMENT_GROUPS:
        group = TREATMENT_GROUPS[code]
        label = group.label(lang)
        if code in ("@immunosuppressant", "@anti_cd20", "@s1p_modulator"):
            members = [FACTS["treatments_ever"].choice_label(m, lang) for m in group.members]
            return f"{label} ({join_alternatives(members, lang)})"
        return label
    return FACTS["treatments_ever"].choice_label(code, lang)


def join_alternatives(items: list[str], lang: str) -> str:
    """ "a, b or c" / "a, b o c" (Spanish "u" before an o- sound)."""
    if len(items) <= 1:
        return "".join(items)
    last = items[-1]
    if lang == "es":
        word = " u " if last[:1].lower() in "oó" or last[:2].lower() == "ho" else " o "
    else:
        word = " or "
    return ", ".join(items[:-1]) + word + last


def join_all(items: list[str], lang: str) -> str:
    """ "a, b and c" / "a, b y c" (Spanish "e" before an i- sound)."""
    if len(items) <= 1:
        return "".join(items)
    last = items[-1]
    if lang == "es":
        word = " e " if last[:1].lower() in "ií" or last[:2].lower() == "hi" else " y "
    else:
        word = " and "
    return ", ".join(items[:-1]) + word + last


# --- other diagnoses (other_conditions) ---------------------------------------------------


@dataclass(frozen=True)
class ConditionTerm:
    """A registry phrase for an ``other_conditions`` code.

    ``lifelong``: once diagnosed it stays (HIV, NMOSD), so a line in the present tense
    ("patients with HIV") means the same as the code's "now or in the past"; otherwise
    the line must say "history of" (the code also counts a condition that has resolved).
    ``now``: the code itself is about now or the past year ("a serious infection right
    now"), so the line must be about now too.
    """

    code: str
    lifelong: bool = False
    now: bool = False
    mog: bool = False  # names MOG antibody disease (the nmosd code needs both halves)
    nmo: bool = False


_CONDITIONS = tuple(
    (re.compile(rf"(?:{pattern})"), term)
    for pattern, term in (
        (
            r"(?:an? )?(?:hiv|human immunodeficiency virus)(?:[- ]?1(?:/2)?)?(?: \(?hiv\)?)?"
            r"(?: infection| antibod(?:y|ies)| positive)?",
            ConditionTerm("hiv", lifelong=True),
        ),
        (
            r"(?:an? )?(?:chronic )?(?:hepatitis b|hbv)(?: virus)?(?: infection)?",
            ConditionTerm("hepatitis_b"),
        ),
        (
            r"(?:an? )?(?:chronic )?(?:hepatitis c|hcv)(?: virus)?(?: infection| antibod(?:y|ies)"
            r")?",
            ConditionTerm("hepatitis_c"),
        ),
        (
            r"(?:a )?(?:(?:active or latent|latent or active) )?(?:tuberculosis|tb)(?: infection)?",
            ConditionTerm("tuberculosis"),
        ),
        (r"progressive multifocal leukoencephalopathy|pml", ConditionTerm("pml", lifelong=True)),
        (
            r"neuromyelitis optica spectrum disorders?|nmosd|neuromyelitis optica|nmo",
            ConditionTerm("nmosd", lifelong=True, nmo=True),
        ),
        (
            r"(?:myelin oligodendrocyte glycoprotein|mog)(?: antibody| antibody[- ]associated|"
            r"-igg)?(?: associated)? (?:disease|disorder)s?|mogad",
            ConditionTerm("nmosd", lifelong=True, mog=True),
        ),
        (
            r"(?:an? )?(?:epilepsy|seizures?|seizure disorders?|convulsions?|(?:other )?"
            r"convulsive disorders?)",
            ConditionTerm("epilepsy"),
        ),
        (
            r"(?:an? )?(?:strokes?|cerebrovascular accidents?|(?:ischemic )?cerebrovascular"
            r" (?:disorders?|diseases?|events?))",
            ConditionTerm("stroke"),
        ),
        (r"(?:a )?(?:heart|cardiac) disease", ConditionTerm("heart_disease")),
        (r"(?:type [12] )?diabetes(?: mellitus)?", ConditionTerm("diabetes")),
        (r"(?:a )?(?:liver|hepatic) diseases?", ConditionTerm("liver_disease")),
        (r"(?:a )?(?:kidney|renal) diseases?", ConditionTerm("kidney_disease")),
        (
            r"(?:an? )?(?:other )?autoimmune (?:diseases?|disorders?)",
            ConditionTerm("other_autoimmune"),
        ),
        (
            r"(?:an? )?(?:(?:primary|congenital|acquired) )?immune ?deficiency(?: disorders?)?"
            r"|immunodeficiency(?: disorders?)?",
            ConditionTerm("immunodeficiency"),
        ),
        (
            r"(?:any )?active (?:systemic )?infections?|serious (?:active )?infections?",
            ConditionTerm("active_infection", now=True),
        ),
        (r"(?:current |active )?depression", ConditionTerm("depression", now=True)),
        # The code is thoughts of suicide in the past year: only a line with that window.
        (
            r"suicidal (?:ideation|thoughts)(?: (?:or|and/or) (?:suicidal )?"
            r"(?:behaviou?r|attempts?))?"
            r" (?:with)?in the (?:past|last|previous|preceding) (?:year|12 months)",
            ConditionTerm("suicidal_thoughts", now=True),
        ),
    )
)

_ADJECTIVE_DISEASE = re.compile(r"^(renal|kidney|liver|hepatic|heart|cardiac|autoimmune)$")


def condition_term(phrase: str) -> ConditionTerm | None:
    """The ``other_conditions`` code a phrase names exactly (or as a part), or None."""
    phrase = phrase.strip(" ,;:")
    for pattern, term in _CONDITIONS:
        if pattern.fullmatch(phrase):
            return term
    return None


def distribute_noun(items: list[str]) -> list[str]:
    """ "renal or liver disease" -> "renal disease", "liver disease"."""
    if len(items) < 2:
        return items
    last = items[-1].split()
    if len(last) < 2:
        return items
    noun = last[-1]
    return [f"{item} {noun}" if _ADJECTIVE_DISEASE.match(item) else item for item in items]


def condition_label(code: str, lang: str) -> str:
    return FACTS["other_conditions"].choice_label(code, lang)


# --- MS courses --------------------------------------------------------------------------

RR = "relapsing_remitting"
SP = "secondary_progressive"
PP = "primary_progressive"
CIS = "clinically_isolated_syndrome"
#: The courses in the contract's order (what ``in`` lists follow).
COURSES = (RR, SP, PP, CIS)
#: "progressive relapsing MS" (withdrawn in 2013): patients are now told primary
#: progressive MS with activity, so it reads as PP in an exclusion and cannot be told
#: apart from PP in an inclusion.
PR = "progressive_relapsing"
#: "Progressive forms" and "relapsing forms" as words, resolved by the reader.
PROGRESSIVE = "progressive"
RELAPSING = "relapsing"

_COURSE_WORDS = re.compile(
    r"(?P<rr>relapsing[- ]remitting|remitting[- ]relapsing|relapse[- ]remitting|r-r|rrms)"
    r"|(?P<pr>progressive[- ]relapsing|relapsing[- ]progressive|prms)"
    r"|(?P<sp>secondary[- ]progressive|secondary progression|spms|secondary)"
    r"|(?P<pp>primary[- ]progressive|primary progression|ppms|primary)"
    r"|(?P<cis>clinically isolated syndrome|cis)"
    r"|(?P<prog>progressive)"
    r"|(?P<rel>relapsing)"
)
_COURSE_CODES = {
    "rr": RR,
    "pr": PR,
    "sp": SP,
    "pp": PP,
    "cis": CIS,
    "prog": PROGRESSIVE,
    "rel": RELAPSING,
}
_COURSE_FILLER = re.compile(
    r"\b(?:or|and|and/or|either|any|a|an|the|of|forms?|subtypes?|sub-types?|types?|ms|multiple"
    r" sclerosis|disease|course|courses|clinical|(?:with )?superimposed relapses|from onset"
    r"|including|include|defined as|that is)\b|\bi\.e\.|\be\.g\.|[,;:()/]"
)


def course_words(phrase: str) -> list[str] | None:
    """The course words a phrase lists ("rrms or spms" -> [RR, SP]), or None if the
    phrase says anything else."""
    found = []
    for match in _COURSE_WORDS.finditer(phrase):
        found.append(_COURSE_CODES[match.lastgroup])
    rest = _COURSE_WORDS.sub(" ", phrase)
    rest = _COURSE_FILLER.sub(" ", rest)
    if rest.strip() or not found:
        return None
    return found


_COURSE_TOKENS = re.compile(
    _COURSE_WORDS.pattern + r"|(?P<ms>\bmultiple sclerosis\b|\bms\b)"
    r"|(?P<or>\band/or\b|\bor\b|\band\b|/)"
    r"|(?P<comma>[,;])"
    r"|(?P<define>[:(]|\bi\.e\.|\bdefined as\b|\bthat is\b)"
    r"|(?P<include>\bincluding\b|\binclude\b|\be\.g\.)"
)


def course_tokens(phrase: str) -> list[tuple[str, str]]:
    """A course phrase as its words in order, connectors kept: ("course", code), ("ms", ""),
    ("or", "") for "or" / "and" / "and/or", ("comma", ""), ("define", "") for ":", "(",
    "i.e.", ("include", "") for "including", "e.g." (other words are dropped; call
    :func:`course_words` first to know that the phrase says nothing else)."""
    tokens = []
    for match in _COURSE_TOKENS.finditer(phrase):
        group = match.lastgroup
        if group in _COURSE_CODES:
            tokens.append(("course", _COURSE_CODES[group]))
        else:
            tokens.append((group, ""))
    while tokens and tokens[0][0] in ("or", "comma"):
        tokens.pop(0)
    while tokens and tokens[-1][0] in ("or", "comma", "define", "include"):
        tokens.pop()
    return tokens


def course_label(code: str, lang: str) -> str:
    return FACTS["ms_course"].choice_label(code, lang)

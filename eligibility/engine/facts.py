"""The fact registry: the single source of truth for the questionnaire's answer keys.

Every answer key of the public contract (``shared/clinical/ms-trials.md`` sections 1 and
6) is declared here once, with its type, range, step, choices and their labels, whether
``unsure`` and ``never`` are accepted, the question a patient is asked and its help
text, in English and Spanish, and the JSON Schema of its values
(:meth:`Fact.json_schema`). The questionnaire form, the API serializer, the OpenAPI
schema and the rule validator are all derived from :data:`FACTS`; nothing else retypes
a key. Treatment code groups (``@anti_cd20``...) are declared here too
(:data:`TREATMENT_GROUPS`, :func:`expand_treatment_codes`).

Some keys are derived from others (:func:`derive_facts`): ``age`` from ``birth_date``,
each ``days_since_...`` key from its dated fact (``last_relapse``...), the two treatment
lists from ``treatment_history``. Rules test the derived keys; patients are asked the
keys they derive from (:func:`question_key`).

It lives inside the engine package, which is plain Python (no Django import, no import
of our apps), so the engine can be tested and benchmarked on its own.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Literal

from .dates import check_day_or_month, days_since, format_date, format_when, parse_day
from .treatments import derived_lists, history_agreement, history_from_answer
from .values import (
    CURRENT,
    NEVER,
    UNSURE,
    DayRange,
    TreatmentHistory,
    UncertainCodes,
    day_span,
    is_known,
)

FactType = Literal[
    "integer", "number", "date", "choice", "multi_choice", "month_date", "days", "treatment_history"
]

#: Languages with translated labels; anything else falls back to English.
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"

#: Oldest age the contract accepts, for ``age`` and for ``birth_date``.
MAX_AGE = 120

#: The largest day count a ``days_since_...`` key accepts (about 137 years).
MAX_DAYS = 50000


def normalize_language(lang: str | None) -> str:
    """Map ``"es"``, ``"es-MX"``, ``"ES"`` to ``"es"``; anything untranslated to English."""
    if lang in LANGUAGES:  # the usual case: already normalised (called per text piece)
        return lang
    if not lang:
        return DEFAULT_LANGUAGE
    base = lang.lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Text:
    """A piece of patient-facing text in every supported language."""

    en: str
    es: str

    def get(self, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """The text in ``lang``, falling back to English."""
        return self.es if normalize_language(lang) == "es" and self.es else self.en


@dataclass(frozen=True)
class Choice:
    """One allowed value of a choice fact.

    ``statement`` is an optional first-person sentence fragment used in explanations
    ("a neurologist has diagnosed you with MS"); without it the fact's value template
    is filled with the label.
    """

    code: str
    label_text: Text
    statement: Text | None = None

    def label(self, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """The label in ``lang``, falling back to English."""
        return self.label_text.get(lang)


_DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _enum(*codes: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(codes)}


@dataclass(frozen=True)
class Fact:
    """One answer key: its type, domain and patient-facing wording.

    The JSON shape of an answer value, by ``type`` (:meth:`json_schema` gives it as a
    JSON Schema; ``"unsure"`` is also accepted where ``accepts_unsure``, ``"never"``
    where ``accepts_never``):

    - ``integer`` / ``number``: a JSON number within ``min``..``max`` (``number`` on
      ``step`` when it has one; ``integer`` whole);
    - ``date``: ``"YYYY-MM-DD"``, not in the future (``birth_date``);
    - ``choice``: one of ``choice_codes``;
    - ``multi_choice``: a list of codes (``[]`` = none of them);
    - ``month_date``: a day ``"YYYY-MM-DD"`` or a month ``"YYYY-MM"``, from 1900 and
      not in the future, or ``"never"``; it derives the ``days`` key ``derives``;
    - ``days``: a whole number of days ``0..50000`` or ``"never"``, derived from the
      ``month_date`` key ``derived_from`` (or given directly);
    - ``treatment_history``: an object from treatment code to the last dose, a day or a
      month as for ``month_date``, ``"current"`` or ``"unsure"`` (``{}`` = none ever).

    ``value_text`` is a template with ``{value}`` used to tell the patient back what they
    answered ("you are {value}"); for dated facts ``{value}`` is when ("on 4 March
    2026", "in March 2026", "40 days ago"). ``empty_text`` is used for an empty list,
    ``never_text`` for ``never``. ``unit`` (singular, plural) follows a number when it
    is told back ("5 years"). ``accepts_groups`` lets rules name treatment code groups
    (``@anti_cd20``) among this fact's codes; ``code_name`` names its codes in errors.
    """

    key: str
    type: FactType
    question_text: Text
    help_text: Text
    value_text: Text
    order: int
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[Choice, ...] = ()
    accepts_unsure: bool = True
    empty_text: Text | None = None
    accepts_never: bool = False
    never_text: Text | None = None
    derives: str | None = None
    derived_from: str | None = None
    accepts_groups: bool = False
    code_name: str = "treatment code"
    unit: tuple[Text, Text] | None = None

    def question(self, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """The question asked of the patient, in ``lang`` (falls back to English)."""
        return self.question_text.get(lang)

    def help(self, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """Plain-language help for the question, in ``lang`` (falls back to English)."""
        return self.help_text.get(lang)

    @cached_property
    def choice_codes(self) -> tuple[str, ...]:
        """Every accepted code, ``unsure`` included when the spec lists it as a value."""
        return tuple(choice.code for choice in self.choices)

    @cached_property
    def rule_codes(self) -> tuple[str, ...]:
        """Codes a rule may test: ``unsure`` never decides a criterion, so it is left out."""
        return tuple(code for code in self.choice_codes if code != UNSURE)

    @property
    def is_numeric(self) -> bool:
        """Numbers rules compare: ``integer``, ``number`` and day counts."""
        return self.type in ("integer", "number", "days")

    @property
    def has_plain_values(self) -> bool:
        """Whether rules only ever see plain values of this fact: no ``never``, no
        :class:`~eligibility.engine.values.DayRange`, no uncertain list (a list derived
        from a history, or one read from a partial record, can be one)."""
        return not (self.accepts_never or self.type in ("days", "multi_choice"))

    @property
    def is_whole(self) -> bool:
        """Whole numbers only: ``integer`` and day counts."""
        return self.type in ("integer", "days")

    def choice(self, code: str) -> Choice:
        """The :class:`Choice` for ``code``; ``KeyError`` if the fact has no such code."""
        for choice in self.choices:
            if choice.code == code:
                return choice
        raise KeyError(code)

    def choice_label(self, code: str, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """The label of ``code`` in ``lang``."""
        return self.choice(code).label(lang)

    def format_value(self, value: Any, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """A value as a patient reads it: labels for codes, ``10.5``/``10,5`` for numbers,
        ``4 March 2026`` / ``March 2026`` for dates, ``Never`` for ``never``."""
        lang = normalize_language(lang)
        if value == NEVER and self.accepts_never:
            return _NEVER_LABEL.get(lang)
        if self.type == "choice":
            return self.choice_label(value, lang)
        if self.type == "multi_choice":
            if isinstance(value, UncertainCodes):
                value = value.known
            labels = [self.choice_label(code, lang) for code in value]
            return _join(labels, lang)
        if self.type == "month_date":
            return format_date(value, lang)
        if self.type == "treatment_history":
            return describe_history(value, None, lang)
        if self.type == "days":
            return format_when(value, lang)
        if self.is_numeric:
            number = format_number(value, lang)
            if self.unit is None:
                return number
            singular, plural = self.unit
            return f"{number} {(singular if value == 1 else plural).get(lang)}"
        return str(value)

    def describe_answer(self, value: Any, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """What the patient told us, as a clause: "you are 58", "su puntuación EDSS es 5,5"."""
        if value == UNSURE:
            return _UNSURE_CLAUSE.get(lang).format(question=self.question(lang))
        if value == NEVER and self.never_text is not None:
            return self.never_text.get(lang)
        if self.type == "choice":
            choice = self.choice(value)
            if choice.statement is not None:
                return choice.statement.get(lang)
        if self.type == "multi_choice" and self.empty_text is not None:
            known = value.known if isinstance(value, UncertainCodes) else value
            if not known:
                return self.empty_text.get(lang)
        if self.type == "treatment_history":
            return describe_history(value, None, lang)
        if self.type in ("month_date", "days"):
            return self.value_text.get(lang).format(value=format_when(value, lang))
        return self.value_text.get(lang).format(value=self.format_value(value, lang))

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of this fact's answer values (OpenAPI 3.0 compatible).

        ``description`` is the English question. ``unsure`` and ``never``, where
        accepted, are alternatives in a ``oneOf`` that never overlap.
        """
        if self.type == "choice":
            return {
                "type": "string",
                "enum": list(self.choice_codes),
                "description": self.question(),
            }
        alternatives = self._value_schemas()
        words = [
            word for word, ok in ((NEVER, self.accepts_never), (UNSURE, self.accepts_unsure)) if ok
        ]
        if words:
            alternatives.append(_enum(*words))
        schema = dict(alternatives[0]) if len(alternatives) == 1 else {"oneOf": alternatives}
        schema["description"] = self.question()
        return schema

    def _value_schemas(self) -> list[dict[str, Any]]:
        if self.is_numeric:
            value: dict[str, Any] = {"type": "integer" if self.is_whole else "number"}
            if self.min is not None:
                value["minimum"] = self.min
            if self.max is not None:
                value["maximum"] = self.max
            if self.step and self.type == "number":
                value["multipleOf"] = self.step
            return [value]
        if self.type == "date":
            return [{"type": "string", "format": "date"}]
        if self.type == "multi_choice":
            return [
                {
                    "type": "array",
                    "items": {"type": "string", "enum": list(self.choice_codes)},
                    "uniqueItems": True,
                }
            ]
        if self.type == "month_date":
            return [_DAY_SCHEMA, _MONTH_SCHEMA]
        # treatment_history
        dose = {"oneOf": [_DAY_SCHEMA, _MONTH_SCHEMA, _enum(CURRENT, UNSURE)]}
        return [
            {
                "type": "object",
                "properties": dict.fromkeys(TREATMENT_CODES, dose),
                "additionalProperties": False,
            }
        ]


_DAY_SCHEMA: dict[str, Any] = {"type": "string", "format": "date", "pattern": _DAY_PATTERN}
_MONTH_SCHEMA: dict[str, Any] = {"type": "string", "pattern": _MONTH_PATTERN}

_UNSURE_CLAUSE = Text(
    en="you are not sure about '{question}'",
    es="no está seguro/a de '{question}'",
)
_NEVER_LABEL = Text("Never", "Nunca")


def format_number(value: float, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """``10.0`` -> ``"10"``, ``10.5`` -> ``"10.5"`` (``"10,5"`` in Spanish)."""
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    return text.replace(".", ",") if normalize_language(lang) == "es" else text


def _join(items: list[str], lang: str | None, *, alternatives: bool = False) -> str:
    """Join for prose: "a, b and c" / "a, b y c"; with ``alternatives`` "a or b" / "a ni b"."""
    if len(items) <= 1:
        return "".join(items)
    last = items[-1]
    if normalize_language(lang) == "es":
        if alternatives:
            conjunction = " ni "
        else:
            # Spanish writes "e" for "y" before an i- sound: "natalizumab e interferón".
            conjunction = " e " if last[:1].lower() in "ií" or last[:2].lower() == "hi" else " y "
    else:
        conjunction = " or " if alternatives else " and "
    return ", ".join(items[:-1]) + conjunction + last


def join_words(items: list[str], lang: str | None = DEFAULT_LANGUAGE) -> str:
    """Public form of the prose join used in explanations."""
    return _join(items, lang)


# --- choices ------------------------------------------------------------------------------

_YES = Text("Yes", "Sí")
_NO = Text("No", "No")
_NOT_SURE = Text("Not sure", "No estoy seguro/a")


def _yes_no_unsure(yes: Text, no: Text) -> tuple[Choice, ...]:
    return (
        Choice("yes", _YES, yes),
        Choice("no", _NO, no),
        Choice(UNSURE, _NOT_SURE),
    )


#: Treatment codes with their labels, in the order the spec lists them.
TREATMENTS: tuple[Choice, ...] = (
    Choice("interferon_beta", Text("interferon beta", "interferón beta")),
    Choice("glatiramer_acetate", Text("glatiramer acetate", "acetato de glatiramer")),
    Choice("natalizumab", Text("natalizumab", "natalizumab")),
    Choice("fingolimod", Text("fingolimod", "fingolimod")),
    Choice("dimethyl_fumarate", Text("dimethyl fumarate", "dimetilfumarato")),
    Choice("teriflunomide", Text("teriflunomide", "teriflunomida")),
    Choice("alemtuzumab", Text("alemtuzumab", "alemtuzumab")),
    Choice("ocrelizumab", Text("ocrelizumab", "ocrelizumab")),
    Choice("rituximab", Text("rituximab", "rituximab")),
    Choice("mitoxantrone", Text("mitoxantrone", "mitoxantrona")),
    Choice("cyclophosphamide", Text("cyclophosphamide", "ciclofosfamida")),
    Choice("cladribine", Text("cladribine", "cladribina")),
    Choice("methotrexate", Text("methotrexate", "metotrexato")),
    Choice("azathioprine", Text("azathioprine", "azatioprina")),
    Choice("cyclosporine", Text("cyclosporine", "ciclosporina")),
    Choice("ivig", Text("intravenous immunoglobulin (IVIG)", "inmunoglobulina intravenosa (IGIV)")),
    Choice("corticosteroids", Text("corticosteroids (steroids)", "corticoides (esteroides)")),
    # Contract v2 (spec section 6.2).
    Choice("ofatumumab", Text("ofatumumab", "ofatumumab")),
    Choice("ublituximab", Text("ublituximab", "ublituximab")),
    Choice("ozanimod", Text("ozanimod", "ozanimod")),
    Choice("ponesimod", Text("ponesimod", "ponesimod")),
    Choice("siponimod", Text("siponimod", "siponimod")),
    Choice("diroximel_fumarate", Text("diroximel fumarate", "fumarato de diroximel")),
    Choice("monomethyl_fumarate", Text("monomethyl fumarate", "fumarato de monometilo")),
    Choice("daclizumab", Text("daclizumab", "daclizumab")),
    Choice("laquinimod", Text("laquinimod", "laquinimod")),
    Choice("mycophenolate", Text("mycophenolate", "micofenolato")),
    Choice(
        "btk_inhibitor",
        Text(
            "a BTK inhibitor (tolebrutinib, evobrutinib, fenebrutinib, remibrutinib or another)",
            "un inhibidor de la BTK (tolebrutinib, evobrutinib, fenebrutinib, remibrutinib u otro)",
        ),
    ),
    Choice(
        "hsct",
        Text(
            "a stem cell transplant (autologous haematopoietic stem cell transplantation)",
            "un trasplante de células madre (trasplante autólogo de progenitores hematopoyéticos)",
        ),
    ),
    Choice(
        "plasma_exchange",
        Text("plasma exchange (plasmapheresis)", "recambio plasmático (plasmaféresis)"),
    ),
    Choice(
        "dalfampridine",
        Text(
            "dalfampridine (fampridine, 4-aminopyridine)",
            "dalfampridina (fampridina, 4-aminopiridina)",
        ),
    ),
)
TREATMENT_CODES: tuple[str, ...] = tuple(choice.code for choice in TREATMENTS)


@dataclass(frozen=True)
class TreatmentGroup:
    """A named set of treatment codes a rule may list instead of its members (``@anti_cd20``).

    Membership is part of the public contract (spec section 6.2): rules keep the group's
    name and it is resolved when they are compiled, so a change here re-evaluates every
    rule that names the group.
    """

    code: str
    label_text: Text
    members: tuple[str, ...]

    def label(self, lang: str | None = DEFAULT_LANGUAGE) -> str:
        return self.label_text.get(lang)


_APPROVED_DMT = (
    "interferon_beta",
    "glatiramer_acetate",
    "natalizumab",
    "fingolimod",
    "siponimod",
    "ozanimod",
    "ponesimod",
    "dimethyl_fumarate",
    "diroximel_fumarate",
    "monomethyl_fumarate",
    "teriflunomide",
    "alemtuzumab",
    "ocrelizumab",
    "ofatumumab",
    "ublituximab",
    "cladribine",
    "mitoxantrone",
)

#: The code groups of the contract, by name.
TREATMENT_GROUPS: Mapping[str, TreatmentGroup] = {
    group.code: group
    for group in (
        TreatmentGroup(
            "@approved_dmt",
            Text(
                "an approved MS disease-modifying treatment",
                "un tratamiento modificador de la enfermedad aprobado para la EM",
            ),
            _APPROVED_DMT,
        ),
        TreatmentGroup(
            "@anti_cd20",
            Text("an anti-CD20 treatment", "un tratamiento anti-CD20"),
            ("ocrelizumab", "ofatumumab", "ublituximab", "rituximab"),
        ),
        TreatmentGroup(
            "@s1p_modulator",
            Text("an S1P receptor modulator", "un modulador del receptor S1P"),
            ("fingolimod", "siponimod", "ozanimod", "ponesimod"),
        ),
        TreatmentGroup(
            "@immunosuppressant",
            Text("an immunosuppressant", "un inmunosupresor"),
            (
                "methotrexate",
                "azathioprine",
                "cyclosporine",
                "cyclophosphamide",
                "mycophenolate",
                "mitoxantrone",
            ),
        ),
        TreatmentGroup(
            "@any_dmt",
            Text(
                "any MS disease-modifying treatment",
                "cualquier tratamiento modificador de la EM",
            ),
            (*_APPROVED_DMT, "rituximab", "daclizumab", "laquinimod", "btk_inhibitor", "hsct"),
        ),
    )
}


def expand_treatment_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Codes and group names as the codes they stand for, once each, in registry order.

    ``["@anti_cd20", "natalizumab"]`` gives natalizumab, ocrelizumab, rituximab,
    ofatumumab, ublituximab. A name that is neither a code nor a group raises ``KeyError``.
    """
    wanted: set[str] = set()
    for code in codes:
        if code in TREATMENT_GROUPS:
            wanted.update(TREATMENT_GROUPS[code].members)
        elif code in _TREATMENT_CODE_SET:
            wanted.add(code)
        else:
            raise KeyError(code)
    return tuple(code for code in TREATMENT_CODES if code in wanted)


_TREATMENT_CODE_SET = frozenset(TREATMENT_CODES)


#: Other diagnoses (``other_conditions``), spec section 6.3.
CONDITIONS: tuple[Choice, ...] = (
    Choice(
        "nmosd",
        Text(
            "neuromyelitis optica spectrum disorder (NMOSD) or MOG antibody disease (MOGAD)",
            "trastorno del espectro de la neuromielitis óptica (NMOSD) o enfermedad asociada "
            "a anticuerpos anti-MOG (MOGAD)",
        ),
    ),
    Choice("epilepsy", Text("epilepsy", "epilepsia")),
    Choice("stroke", Text("a stroke", "un ictus (accidente cerebrovascular)")),
    Choice(
        "heart_disease",
        Text(
            "heart disease (a heart attack, heart failure or a serious heart-rhythm problem)",
            "una enfermedad del corazón (un infarto, insuficiencia cardiaca o una alteración "
            "grave del ritmo cardiaco)",
        ),
    ),
    Choice("hiv", Text("HIV", "VIH")),
    Choice("hepatitis_b", Text("hepatitis B", "hepatitis B")),
    Choice("hepatitis_c", Text("hepatitis C", "hepatitis C")),
    Choice("tuberculosis", Text("tuberculosis (TB)", "tuberculosis")),
    Choice(
        "pml",
        Text(
            "progressive multifocal leukoencephalopathy (PML), at any time",
            "leucoencefalopatía multifocal progresiva (LMP), en cualquier momento",
        ),
    ),
    Choice(
        "active_infection",
        Text("a serious infection right now", "una infección grave en este momento"),
    ),
    Choice(
        "immunodeficiency",
        Text(
            "a weakened immune system (immunodeficiency)",
            "un sistema inmunitario debilitado (inmunodeficiencia)",
        ),
    ),
    Choice("diabetes", Text("diabetes", "diabetes")),
    Choice("liver_disease", Text("liver disease", "una enfermedad del hígado")),
    Choice("kidney_disease", Text("kidney disease", "una enfermedad del riñón")),
    Choice(
        "other_autoimmune",
        Text(
            "another autoimmune disease, such as lupus or rheumatoid arthritis (not counting "
            "thyroid disease)",
            "otra enfermedad autoinmune, como el lupus o la artritis reumatoide (sin contar "
            "las enfermedades del tiroides)",
        ),
    ),
    Choice("depression", Text("depression right now", "depresión en este momento")),
    Choice(
        "suicidal_thoughts",
        Text("thoughts of suicide in the past year", "pensamientos de suicidio en el último año"),
    ),
    Choice(
        "psychiatric_illness",
        Text(
            "schizophrenia, bipolar disorder or another serious mental illness",
            "esquizofrenia, trastorno bipolar u otra enfermedad mental grave",
        ),
    ),
    Choice(
        "substance_use",
        Text(
            "alcohol or drug misuse in the past year",
            "abuso de alcohol o de drogas en el último año",
        ),
    ),
)
CONDITION_CODES: tuple[str, ...] = tuple(choice.code for choice in CONDITIONS)

_EDSS_HELP = Text(
    en=(
        "The EDSS (Expanded Disability Status Scale) is the score neurologists use to "
        "describe how much MS affects walking and other functions. It goes from 0 (normal "
        "examination) to 10 in half steps; around 6 means needing a cane to walk. Your "
        "neurologist's notes usually give it. If you don't know it, answer 'Not sure'."
    ),
    es=(
        "La EDSS (Escala Expandida del Estado de Discapacidad) es la puntuación que usan "
        "los neurólogos para describir cuánto afecta la EM a la marcha y a otras funciones. "
        "Va de 0 (exploración normal) a 10, en medios puntos; alrededor de 6 significa "
        "necesitar un bastón para caminar. Suele figurar en los informes de su neurólogo. "
        "Si no la conoce, responda 'No estoy seguro/a'."
    ),
)
_RELAPSE_HELP = Text(
    en=(
        "A relapse (also called an attack or flare) is a new MS symptom, or an old one "
        "getting clearly worse, that lasts at least 24 hours without a fever or infection. "
        "Count your very first MS episode too if it happened in this period."
    ),
    es=(
        "Un brote (también llamado recaída o ataque) es un síntoma nuevo de EM, o uno "
        "antiguo que empeora claramente, que dura al menos 24 horas sin fiebre ni infección. "
        "Cuente también su primer episodio de EM si ocurrió en este periodo."
    ),
)

# --- the registry ---------------------------------------------------------------------------

# Asking order: the facts that rule most people in or out come first (age, diagnosis,
# type of MS), the ones patients often need their records for (EDSS, MRI) later.
_FACT_LIST: tuple[Fact, ...] = (
    Fact(
        key="birth_date",
        type="date",
        order=10,
        accepts_unsure=False,
        question_text=Text("What is your date of birth?", "¿Cuál es su fecha de nacimiento?"),
        help_text=Text(
            "We use it only to work out your age on the day you check.",
            "Solo la usamos para calcular su edad el día que consulta.",
        ),
        value_text=Text("you were born on {value}", "nació el {value}"),
    ),
    Fact(
        key="age",
        type="integer",
        order=11,
        min=0,
        max=MAX_AGE,
        step=1,
        accepts_unsure=False,
        question_text=Text("How old are you?", "¿Cuántos años tiene?"),
        help_text=Text("Your age today, in whole years.", "Su edad hoy, en años cumplidos."),
        value_text=Text("you are {value}", "tiene {value} años"),
    ),
    Fact(
        key="ms_diagnosis",
        type="choice",
        order=20,
        choices=_yes_no_unsure(
            Text("a neurologist has diagnosed you with MS", "un neurólogo le ha diagnosticado EM"),
            Text(
                "a neurologist has not diagnosed you with MS",
                "ningún neurólogo le ha diagnosticado EM",
            ),
        ),
        question_text=Text(
            "Has a neurologist diagnosed you with multiple sclerosis (MS)?",
            "¿Un neurólogo le ha diagnosticado esclerosis múltiple (EM)?",
        ),
        help_text=Text(
            "Doctors diagnose MS with the McDonald criteria: signs of damage in different "
            "parts of the brain or spinal cord, at different times, seen in your symptoms, "
            "your examination and MRI scans. Answer 'Yes' if a neurologist told you that you "
            "have MS.",
            "Los médicos diagnostican la EM con los criterios de McDonald: signos de daño en "
            "distintas zonas del cerebro o la médula espinal, en distintos momentos, según sus "
            "síntomas, la exploración y las resonancias magnéticas. Responda 'Sí' si un "
            "neurólogo le dijo que tiene EM.",
        ),
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    ),
    Fact(
        key="ms_course",
        type="choice",
        order=30,
        choices=(
            Choice(
                "relapsing_remitting", Text("relapsing-remitting MS", "EM remitente-recurrente")
            ),
            Choice(
                "secondary_progressive",
                Text("secondary progressive MS", "EM secundaria progresiva"),
            ),
            Choice("primary_progressive", Text("primary progressive MS", "EM primaria progresiva")),
            Choice(
                "clinically_isolated_syndrome",
                Text("clinically isolated syndrome (CIS)", "síndrome clínico aislado (SCA)"),
            ),
            Choice(UNSURE, _NOT_SURE),
        ),
        question_text=Text(
            "Which type of MS did your doctor say you have?",
            "¿Qué tipo de EM le dijo su médico que tiene?",
        ),
        help_text=Text(
            "Relapsing-remitting: attacks followed by recovery. Secondary progressive: it began "
            "with attacks and now worsens steadily. Primary progressive: it worsened steadily "
            "from the start. Clinically isolated syndrome: a first episode only.",
            "Remitente-recurrente: brotes seguidos de recuperación. Secundaria progresiva: "
            "empezó con brotes y ahora empeora de forma continua. Primaria progresiva: empeora "
            "de forma continua desde el principio. Síndrome clínico aislado: solo un primer "
            "episodio.",
        ),
        value_text=Text("you have {value}", "tiene {value}"),
    ),
    Fact(
        key="years_since_first_symptoms",
        type="number",
        order=40,
        min=0,
        max=80,
        question_text=Text(
            "How many years ago did your first MS symptoms begin?",
            "¿Hace cuántos años empezaron sus primeros síntomas de EM?",
        ),
        help_text=Text(
            "Count from the first symptoms, even if the diagnosis came later. Half years are "
            "fine (for example 2.5).",
            "Cuente desde los primeros síntomas, aunque el diagnóstico llegara después. Puede "
            "usar medios años (por ejemplo 2,5).",
        ),
        value_text=Text(
            "your first MS symptoms began {value} years ago",
            "sus primeros síntomas de EM empezaron hace {value} años",
        ),
    ),
    Fact(
        key="relapses_last_12_months",
        type="integer",
        order=50,
        min=0,
        max=50,
        step=1,
        question_text=Text(
            "How many MS attacks (relapses) have you had in the past 12 months?",
            "¿Cuántos brotes de EM ha tenido en los últimos 12 meses?",
        ),
        help_text=_RELAPSE_HELP,
        value_text=Text(
            "you had {value} MS attacks in the past 12 months",
            "tuvo {value} brotes de EM en los últimos 12 meses",
        ),
    ),
    Fact(
        key="relapses_last_24_months",
        type="integer",
        order=51,
        min=0,
        max=100,
        step=1,
        question_text=Text(
            "How many MS attacks (relapses) have you had in the past 24 months, "
            "including the last 12?",
            "¿Cuántos brotes de EM ha tenido en los últimos 24 meses, incluidos los últimos 12?",
        ),
        help_text=_RELAPSE_HELP,
        value_text=Text(
            "you had {value} MS attacks in the past 24 months",
            "tuvo {value} brotes de EM en los últimos 24 meses",
        ),
    ),
    Fact(
        key="relapse_on_interferon_or_glatiramer",
        type="choice",
        order=60,
        choices=_yes_no_unsure(
            Text(
                "you had a relapse while taking interferon beta or glatiramer acetate",
                "tuvo un brote mientras tomaba interferón beta o acetato de glatiramer",
            ),
            Text(
                "you did not have a relapse while taking interferon beta or glatiramer acetate",
                "no tuvo ningún brote mientras tomaba interferón beta o acetato de glatiramer",
            ),
        ),
        question_text=Text(
            "In the past 10 years, did you have an MS attack while taking interferon beta or "
            "glatiramer acetate, after at least 6 months on it?",
            "En los últimos 10 años, ¿tuvo un brote de EM mientras tomaba interferón beta o "
            "acetato de glatiramer, tras al menos 6 meses de tratamiento?",
        ),
        help_text=Text(
            "Interferon beta is sold as Avonex, Rebif, Betaferon/Betaseron or Plegridy; "
            "glatiramer acetate as Copaxone. Answer 'Yes' if you had a relapse after being on "
            "one of them for 6 months or more.",
            "El interferón beta se vende como Avonex, Rebif, Betaferon o Plegridy; el acetato "
            "de glatiramer como Copaxone. Responda 'Sí' si tuvo un brote después de llevar 6 "
            "meses o más con uno de ellos.",
        ),
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    ),
    Fact(
        key="edss",
        type="number",
        order=70,
        min=0.0,
        max=10.0,
        step=0.5,
        question_text=Text(
            "What is your most recent EDSS score?",
            "¿Cuál es su puntuación EDSS más reciente?",
        ),
        help_text=_EDSS_HELP,
        value_text=Text("your EDSS score is {value}", "su puntuación EDSS es {value}"),
    ),
    Fact(
        key="mri_lesions_confirmed",
        type="choice",
        order=80,
        choices=_yes_no_unsure(
            Text(
                "an MRI shows lesions typical of MS",
                "una resonancia muestra lesiones típicas de EM",
            ),
            Text(
                "an MRI does not show lesions typical of MS",
                "una resonancia no muestra lesiones típicas de EM",
            ),
        ),
        question_text=Text(
            "Has a doctor told you that an MRI scan shows MS lesions in your brain?",
            "¿Le ha dicho un médico que una resonancia magnética muestra lesiones de EM "
            "en su cerebro?",
        ),
        help_text=Text(
            "MS lesions are small areas of damage (also called plaques or white spots) that an "
            "MRI scan shows in the brain's white matter. The study team will check the "
            "images themselves; answer from what your doctor told you.",
            "Las lesiones de EM son pequeñas zonas dañadas (también llamadas placas o manchas "
            "blancas) que la resonancia magnética muestra en la sustancia blanca del cerebro. "
            "El equipo del estudio revisará las imágenes; responda según lo que le dijo su "
            "médico.",
        ),
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    ),
    Fact(
        key="treatments_ever",
        type="multi_choice",
        order=90,
        choices=TREATMENTS,
        accepts_groups=True,
        question_text=Text(
            "Which MS or immune treatments have you ever taken?",
            "¿Qué tratamientos para la EM o el sistema inmunitario ha tomado alguna vez?",
        ),
        help_text=Text(
            "Tick every one you have ever taken, even briefly. Leave all unticked if you have "
            "never taken any. Interferon beta includes peginterferon (Plegridy).",
            "Marque todos los que haya tomado alguna vez, aunque fuera poco tiempo. No marque "
            "ninguno si nunca ha tomado ninguno. El interferón beta incluye el peginterferón "
            "(Plegridy).",
        ),
        value_text=Text("you have taken {value}", "ha tomado {value}"),
        empty_text=Text(
            "you have never taken an MS or immune treatment",
            "nunca ha tomado un tratamiento para la EM o el sistema inmunitario",
        ),
    ),
    Fact(
        key="treatments_last_6_months",
        type="multi_choice",
        order=91,
        choices=TREATMENTS,
        accepts_groups=True,
        question_text=Text(
            "Which of these treatments have you taken in the past 6 months?",
            "¿Cuáles de estos tratamientos ha tomado en los últimos 6 meses?",
        ),
        help_text=Text(
            "Tick every one you took at any time in the past 6 months.",
            "Marque todos los que haya tomado en algún momento de los últimos 6 meses.",
        ),
        value_text=Text(
            "in the past 6 months you took {value}", "en los últimos 6 meses tomó {value}"
        ),
        empty_text=Text(
            "you have not taken an MS or immune treatment in the past 6 months",
            "no ha tomado ningún tratamiento para la EM o el sistema inmunitario en los "
            "últimos 6 meses",
        ),
    ),
    Fact(
        key="investigational_drug_ever",
        type="choice",
        order=100,
        choices=_yes_no_unsure(
            Text(
                "you have received a drug in another clinical study",
                "ha recibido un fármaco en otro estudio clínico",
            ),
            Text(
                "you have never received a drug in another clinical study",
                "nunca ha recibido un fármaco en otro estudio clínico",
            ),
        ),
        question_text=Text(
            "Have you ever received a drug as part of another clinical study?",
            "¿Alguna vez ha recibido un fármaco dentro de otro estudio clínico?",
        ),
        help_text=Text(
            "An investigational drug is one being tested in a study and not yet approved, or "
            "an approved drug given in a study.",
            "Un fármaco en investigación es uno que se está probando en un estudio y aún no "
            "está aprobado, o un fármaco aprobado administrado dentro de un estudio.",
        ),
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    ),
    Fact(
        key="sex",
        type="choice",
        order=110,
        accepts_unsure=False,
        choices=(
            Choice("female", Text("Female", "Mujer")),
            Choice("male", Text("Male", "Hombre")),
            Choice("other", Text("Other", "Otro")),
        ),
        question_text=Text("What is your sex?", "¿Cuál es su sexo?"),
        help_text=Text(
            "Some studies take only women or only men.",
            "Algunos estudios solo admiten mujeres o solo hombres.",
        ),
        value_text=Text("your sex is '{value}'", "su sexo es '{value}'"),
    ),
)


# --- contract v2 (spec section 6) -----------------------------------------------------------

_DATE_HINT = Text(
    "Give the month and year (the exact day if you know it), or answer 'Never'.",
    "Indique el mes y el año (el día exacto si lo sabe), o responda 'Nunca'.",
)
_DAYS_HELP = Text(
    "Count whole days from that day to today (0 means today). You can give the date "
    "instead. Answer 'Never' if it has never happened.",
    "Cuente los días completos desde ese día hasta hoy (0 significa hoy). También puede "
    "indicar la fecha. Responda 'Nunca' si no ha ocurrido nunca.",
)


def _dated(
    key: str,
    days_key: str,
    *,
    order: int,
    question: Text,
    days_question: Text,
    help_text: Text,
    value: Text,
    never: Text,
) -> tuple[Fact, Fact]:
    """A dated fact (a day, a month or ``never``) and the day count rules test."""
    return (
        Fact(
            key=key,
            type="month_date",
            order=order,
            accepts_never=True,
            derives=days_key,
            question_text=question,
            help_text=Text(f"{help_text.en} {_DATE_HINT.en}", f"{help_text.es} {_DATE_HINT.es}"),
            value_text=value,
            never_text=never,
        ),
        Fact(
            key=days_key,
            type="days",
            order=order + 1,
            min=0,
            max=MAX_DAYS,
            step=1,
            accepts_never=True,
            derived_from=key,
            question_text=days_question,
            help_text=_DAYS_HELP,
            value_text=value,
            never_text=never,
        ),
    )


def _yes_no_fact(
    key: str, order: int, question: Text, help_text: Text, yes: Text, no: Text
) -> Fact:
    return Fact(
        key=key,
        type="choice",
        order=order,
        choices=_yes_no_unsure(yes, no),
        question_text=question,
        help_text=help_text,
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    )


_CONTRACT_V2_FACTS: tuple[Fact, ...] = (
    *_dated(
        "last_relapse",
        "days_since_last_relapse",
        order=52,
        question=Text(
            "When did your most recent MS attack (relapse) begin?",
            "¿Cuándo empezó su brote de EM más reciente?",
        ),
        days_question=Text(
            "How many days ago did your most recent MS attack (relapse) begin?",
            "¿Hace cuántos días empezó su brote de EM más reciente?",
        ),
        help_text=Text(
            "A relapse (also called an attack or flare) is a new MS symptom, or an old one "
            "getting clearly worse, that lasts at least 24 hours without a fever or "
            "infection. Count your very first MS episode too. We need the day it began.",
            "Un brote (también llamado recaída o ataque) es un síntoma nuevo de EM, o uno "
            "antiguo que empeora claramente, que dura al menos 24 horas sin fiebre ni "
            "infección. Cuente también su primer episodio de EM. Nos interesa el día en que "
            "empezó.",
        ),
        value=Text("your last relapse began {value}", "su último brote empezó {value}"),
        never=Text("you have never had a relapse", "nunca ha tenido un brote"),
    ),
    *_dated(
        "last_new_mri_activity",
        "days_since_new_mri_activity",
        order=81,
        question=Text(
            "When was your most recent MRI scan that showed new or active MS lesions?",
            "¿Cuándo fue su resonancia magnética más reciente que mostró lesiones de EM "
            "nuevas o activas?",
        ),
        days_question=Text(
            "How many days ago was your most recent MRI scan that showed new or active MS lesions?",
            "¿Hace cuántos días fue su resonancia magnética más reciente que mostró lesiones "
            "de EM nuevas o activas?",
        ),
        help_text=Text(
            "Your doctor may have called them new, enlarging or enhancing lesions (enhancing "
            "means they light up with the contrast dye, gadolinium). Give the date of that "
            "scan. If no scan has ever shown new or active lesions, answer 'Never'.",
            "Su médico puede haberlas llamado lesiones nuevas, que crecen o que captan "
            "contraste (las que se iluminan con el contraste, el gadolinio). Indique la fecha "
            "de esa resonancia. Si ninguna resonancia ha mostrado nunca lesiones nuevas o "
            "activas, responda 'Nunca'.",
        ),
        value=Text(
            "your most recent MRI scan with new or active lesions was {value}",
            "su resonancia más reciente con lesiones nuevas o activas fue {value}",
        ),
        never=Text(
            "no MRI scan has ever shown you new or active lesions",
            "ninguna resonancia le ha mostrado lesiones nuevas o activas",
        ),
    ),
    Fact(
        key="treatment_history",
        type="treatment_history",
        order=89,
        choices=TREATMENTS,
        accepts_groups=True,
        question_text=Text(
            "Which MS or immune treatments have you ever taken, and when did you last take "
            "each one?",
            "¿Qué tratamientos para la EM o el sistema inmunitario ha tomado alguna vez, y "
            "cuándo tomó cada uno por última vez?",
        ),
        help_text=Text(
            "Add every one you have ever taken, even briefly. For each, say that you still "
            "take it, or give the month and year of your last dose or infusion (the exact day "
            "if you know it), or answer 'Not sure' if you don't remember when. Interferon "
            "beta includes peginterferon (Plegridy). Leave the list empty if you have never "
            "taken any.",
            "Añada todos los que haya tomado alguna vez, aunque fuera poco tiempo. Para cada "
            "uno, indique que lo sigue tomando, o el mes y el año de la última dosis o "
            "infusión (el día exacto si lo sabe), o responda 'No estoy seguro/a' si no "
            "recuerda cuándo. El interferón beta incluye el peginterferón (Plegridy). Deje la "
            "lista vacía si nunca ha tomado ninguno.",
        ),
        value_text=Text("{value}", "{value}"),
        empty_text=Text(
            "you have never taken an MS or immune treatment",
            "nunca ha tomado un tratamiento para la EM o el sistema inmunitario",
        ),
    ),
    *_dated(
        "last_systemic_steroids",
        "days_since_systemic_steroids",
        order=95,
        question=Text(
            "When did you last take steroids by mouth, by drip or by injection?",
            "¿Cuándo tomó por última vez corticoides por boca, por gotero o en inyección?",
        ),
        days_question=Text(
            "How many days ago did you last take steroids by mouth, by drip or by injection?",
            "¿Hace cuántos días tomó por última vez corticoides por boca, por gotero o en "
            "inyección?",
        ),
        help_text=Text(
            "Steroids (corticosteroids) include prednisone, prednisolone, methylprednisolone "
            "and dexamethasone, and ACTH injections, taken for a relapse or for any other "
            "reason. Creams, inhalers and eye drops do not count.",
            "Los corticoides incluyen la prednisona, la prednisolona, la metilprednisolona y "
            "la dexametasona, y las inyecciones de ACTH, por un brote o por cualquier otro "
            "motivo. No cuentan las cremas, los inhaladores ni los colirios.",
        ),
        value=Text(
            "your last dose of steroids by mouth, drip or injection was {value}",
            "su última dosis de corticoides por boca, gotero o inyección fue {value}",
        ),
        never=Text(
            "you have never taken steroids by mouth, drip or injection",
            "nunca ha tomado corticoides por boca, gotero o inyección",
        ),
    ),
    *_dated(
        "last_investigational_drug",
        "days_since_investigational_drug",
        order=101,
        question=Text(
            "When did you last receive a drug as part of a clinical study?",
            "¿Cuándo recibió por última vez un fármaco dentro de un estudio clínico?",
        ),
        days_question=Text(
            "How many days ago did you last receive a drug as part of a clinical study?",
            "¿Hace cuántos días recibió por última vez un fármaco dentro de un estudio clínico?",
        ),
        help_text=Text(
            "Any drug given to you inside a clinical study (a research trial), whether it was "
            "a new drug or an approved one. Give the date of the last dose.",
            "Cualquier fármaco que le dieran dentro de un estudio clínico (un ensayo de "
            "investigación), fuera nuevo o ya aprobado. Indique la fecha de la última dosis.",
        ),
        value=Text(
            "you last received a drug in a clinical study {value}",
            "recibió por última vez un fármaco en un estudio clínico {value}",
        ),
        never=Text(
            "you have never received a drug in a clinical study",
            "nunca ha recibido un fármaco en un estudio clínico",
        ),
    ),
    Fact(
        key="pregnancy_or_breastfeeding",
        type="choice",
        order=111,
        choices=_yes_no_unsure(
            Text("you are pregnant or breastfeeding", "está embarazada o dando el pecho"),
            Text(
                "you are not pregnant or breastfeeding",
                "no está embarazada ni dando el pecho",
            ),
        ),
        question_text=Text(
            "Are you pregnant or breastfeeding?",
            "¿Está embarazada o dando el pecho?",
        ),
        help_text=Text(
            "Answer 'Yes' if you are pregnant now or are breastfeeding (expressing milk "
            "counts too). If you cannot be pregnant, answer 'No'.",
            "Responda 'Sí' si está embarazada ahora o si da el pecho (también si se extrae "
            "leche). Si no puede estar embarazada, responda 'No'.",
        ),
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    ),
    Fact(
        key="planning_pregnancy",
        type="choice",
        order=112,
        choices=_yes_no_unsure(
            Text(
                "you are planning a pregnancy, or to father a child, in the next two years",
                "tiene previsto buscar un embarazo o tener un hijo en los próximos dos años",
            ),
            Text(
                "you are not planning a pregnancy, or to father a child, in the next two years",
                "no tiene previsto buscar un embarazo ni tener un hijo en los próximos dos años",
            ),
        ),
        question_text=Text(
            "Are you planning a pregnancy, or to father a child, in the next two years?",
            "¿Tiene previsto buscar un embarazo o tener un hijo en los próximos dos años?",
        ),
        help_text=Text(
            "Studies often last one or two years, and it is often not known whether a study "
            "treatment is safe in pregnancy. Answer 'Yes' if you or your partner hope to "
            "become pregnant in that time.",
            "Los estudios suelen durar uno o dos años, y a menudo no se sabe si el tratamiento "
            "del estudio es seguro durante el embarazo. Responda 'Sí' si usted o su pareja "
            "desean un embarazo en ese tiempo.",
        ),
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    ),
    Fact(
        key="contraception",
        type="choice",
        order=113,
        choices=(
            Choice(
                "yes",
                _YES,
                Text(
                    "you are willing to use effective contraception during a study",
                    "está dispuesto/a a usar un método anticonceptivo eficaz durante un estudio",
                ),
            ),
            Choice(
                "no",
                _NO,
                Text(
                    "you are not willing to use contraception during a study",
                    "no está dispuesto/a a usar un método anticonceptivo durante un estudio",
                ),
            ),
            Choice(
                "not_needed",
                Text(
                    "Not needed: I cannot become pregnant or father a child",
                    "No lo necesito: no puedo quedarme embarazada ni dejar embarazada a mi pareja",
                ),
                Text(
                    "you cannot become pregnant or father a child",
                    "no puede quedarse embarazada ni dejar embarazada a su pareja",
                ),
            ),
            Choice(UNSURE, _NOT_SURE),
        ),
        question_text=Text(
            "Would you be willing to use effective birth control (contraception) during a study?",
            "¿Estaría dispuesto/a a usar un método anticonceptivo eficaz durante un estudio?",
        ),
        help_text=Text(
            "Effective methods include the pill, a contraceptive implant, injection or patch, "
            "and an IUD (coil); the study team will tell you which ones it accepts. Answer "
            "'Not needed' if you cannot become pregnant or father a child, for example after "
            "the menopause or a sterilisation.",
            "Son métodos eficaces, por ejemplo, la píldora, el implante, la inyección o el "
            "parche anticonceptivos y el DIU; el equipo del estudio le dirá cuáles acepta. "
            "Responda 'No lo necesito' si no puede quedarse embarazada ni dejar embarazada a "
            "su pareja, por ejemplo después de la menopausia o de una esterilización.",
        ),
        value_text=Text("your answer was '{value}'", "su respuesta fue '{value}'"),
    ),
    *_dated(
        "last_live_vaccine",
        "days_since_live_vaccine",
        order=120,
        question=Text(
            "When did you last have a live vaccine?",
            "¿Cuándo recibió por última vez una vacuna viva (atenuada)?",
        ),
        days_question=Text(
            "How many days ago did you last have a live vaccine?",
            "¿Hace cuántos días recibió por última vez una vacuna viva (atenuada)?",
        ),
        help_text=Text(
            "Live vaccines contain a weakened germ: for example MMR (measles, mumps and "
            "rubella), yellow fever, chickenpox, the live shingles vaccine, the typhoid "
            "capsules or the nasal-spray flu vaccine. Most other vaccines, including flu "
            "injections and COVID-19 vaccines, are not live. If it was many years ago, for "
            "example in childhood, an approximate month and year is fine.",
            "Las vacunas vivas contienen un germen debilitado: por ejemplo, la triple vírica "
            "(sarampión, paperas y rubéola), la de la fiebre amarilla, la de la varicela, la "
            "vacuna viva contra el herpes zóster, las cápsulas contra la fiebre tifoidea o la "
            "vacuna de la gripe en espray nasal. La mayoría de las demás vacunas, como la de "
            "la gripe inyectada o las de la COVID-19, no son vivas. Si fue hace muchos años, "
            "por ejemplo en la infancia, basta con un mes y un año aproximados.",
        ),
        value=Text(
            "you last had a live vaccine {value}",
            "recibió por última vez una vacuna viva {value}",
        ),
        never=Text("you have never had a live vaccine", "nunca ha recibido una vacuna viva"),
    ),
    Fact(
        key="other_conditions",
        type="multi_choice",
        order=130,
        choices=CONDITIONS,
        code_name="condition code",
        question_text=Text(
            "Has a doctor ever told you that you have any of these conditions?",
            "¿Alguna vez un médico le ha dicho que tiene alguna de estas enfermedades?",
        ),
        help_text=Text(
            "Tick every one you have now or have had in the past, unless it says 'right now' "
            "or 'in the past year'. Leave all unticked if none of them apply to you.",
            "Marque todas las que tiene ahora o ha tenido en el pasado, salvo las que dicen "
            "'en este momento' o 'en el último año'. No marque ninguna si no tiene ninguna "
            "de ellas.",
        ),
        value_text=Text("you have or have had {value}", "tiene o ha tenido {value}"),
        empty_text=Text(
            "you have none of the conditions on the list",
            "no tiene ninguna de las enfermedades de la lista",
        ),
    ),
    Fact(
        key="years_since_cancer",
        type="number",
        order=131,
        min=0,
        max=100,
        accepts_never=True,
        unit=(Text("year", "año"), Text("years", "años")),
        question_text=Text(
            "How many years ago did you last have cancer or cancer treatment?",
            "¿Hace cuántos años tuvo cáncer o recibió tratamiento contra el cáncer por última vez?",
        ),
        help_text=Text(
            "Count from the last time the cancer was there or was treated; answer 0 if you "
            "have cancer now. Do not count a basal cell or squamous cell skin cancer that was "
            "removed, or treated carcinoma in situ of the cervix (abnormal cells on the neck "
            "of the womb). Answer 'Never' if you have never had cancer.",
            "Cuente desde la última vez que tuvo el cáncer o recibió tratamiento; responda 0 "
            "si tiene cáncer ahora. No cuente un cáncer de piel basocelular o escamoso que se "
            "extirpó, ni un carcinoma in situ de cuello uterino ya tratado (células anormales "
            "en el cuello del útero). Responda 'Nunca' si nunca ha tenido cáncer.",
        ),
        value_text=Text(
            "you last had cancer or cancer treatment {value} ago",
            "tuvo cáncer o tratamiento contra el cáncer por última vez hace {value}",
        ),
        never_text=Text("you have never had cancer", "nunca ha tenido cáncer"),
    ),
    _yes_no_fact(
        "implanted_device",
        140,
        Text(
            "Do you have a pacemaker, a defibrillator, a nerve stimulator or another "
            "electronic implant?",
            "¿Lleva un marcapasos, un desfibrilador, un neuroestimulador u otro implante "
            "electrónico?",
        ),
        Text(
            "For example a heart pacemaker or defibrillator, a brain or spinal cord "
            "stimulator, a cochlear implant or an implanted medicine pump.",
            "Por ejemplo, un marcapasos o un desfibrilador cardiaco, un estimulador cerebral "
            "o de la médula espinal, un implante coclear o una bomba de medicación implantada.",
        ),
        Text("you have an electronic implant", "lleva un implante electrónico"),
        Text("you do not have an electronic implant", "no lleva ningún implante electrónico"),
    ),
    _yes_no_fact(
        "can_have_mri",
        141,
        Text(
            "Can you have an MRI scan with contrast dye (gadolinium)?",
            "¿Puede hacerse una resonancia magnética con contraste (gadolinio)?",
        ),
        Text(
            "Answer 'No' if you have an implant or metal in your body that rules out MRI, if "
            "you cannot stay in the scanner because of a severe fear of closed spaces "
            "(claustrophobia), or if you are allergic to the contrast dye. Many MS studies use "
            "MRI scans to see how well the treatment works.",
            "Responda 'No' si lleva un implante o algún metal en el cuerpo que impide hacer "
            "resonancias, si no puede permanecer en el aparato por un miedo intenso a los "
            "espacios cerrados (claustrofobia) o si es alérgico/a al contraste. Muchos "
            "estudios de EM usan resonancias para ver si el tratamiento funciona.",
        ),
        Text(
            "you can have an MRI scan with contrast dye",
            "puede hacerse una resonancia magnética con contraste",
        ),
        Text(
            "you cannot have an MRI scan with contrast dye",
            "no puede hacerse una resonancia magnética con contraste",
        ),
    ),
    _yes_no_fact(
        "has_internet_device",
        150,
        Text(
            "Do you have a smartphone or a computer with internet access?",
            "¿Tiene un teléfono inteligente o una computadora (ordenador) con acceso a internet?",
        ),
        Text(
            "Some studies send questionnaires by app or e-mail, or hold visits by video call.",
            "Algunos estudios envían cuestionarios por una aplicación o por correo "
            "electrónico, o hacen visitas por videollamada.",
        ),
        Text(
            "you have a smartphone or computer with internet access",
            "tiene un teléfono inteligente o una computadora con acceso a internet",
        ),
        Text(
            "you do not have a smartphone or computer with internet access",
            "no tiene un teléfono inteligente ni una computadora con acceso a internet",
        ),
    ),
)

#: Every answer key of the public contract, by key.
FACTS: Mapping[str, Fact] = {fact.key: fact for fact in (*_FACT_LIST, *_CONTRACT_V2_FACTS)}

#: Answer keys in the default asking order.
ASKING_ORDER: tuple[str, ...] = tuple(sorted(FACTS, key=lambda key: FACTS[key].order))

#: The two keys that both answer "how old is the patient": rules test ``age``.
AGE_KEYS = ("age", "birth_date")

#: Each dated fact and the day count derived from it: ``last_relapse`` ->
#: ``days_since_last_relapse``.
DATED_FACTS: Mapping[str, str] = {
    fact.key: fact.derives for fact in FACTS.values() if fact.derives is not None
}

#: Each day count and the dated fact it is derived from (and asked as).
DERIVED_FROM: Mapping[str, str] = {days: dated for dated, days in DATED_FACTS.items()}

#: The lists ``treatment_history`` derives.
HISTORY_LISTS = ("treatments_ever", "treatments_last_6_months")

#: The answer keys a caller may mark as read from a partial record (``partial`` of
#: :func:`derive_facts`): an absent code is unknown there, not never (spec section 6.2).
PARTIAL_KEYS = (
    "treatment_history",
    "treatments_ever",
    "treatments_last_6_months",
    "other_conditions",
)

#: The facts about pregnancy that are asked only after ``sex``.
PREGNANCY_FACTS = ("pregnancy_or_breastfeeding", "planning_pregnancy", "contraception")


def question_key(key: str, *, age_key: str = "birth_date") -> str:
    """The answer key a patient is asked for the rule fact ``key``.

    ``age`` is asked as ``age_key`` (``birth_date`` or ``age``), a day count as its
    dated fact (``days_since_last_relapse`` as ``last_relapse``); others as themselves.
    """
    if key == "age":
        return age_key
    return DERIVED_FROM.get(key, key)


# --- telling a treatment history back --------------------------------------------------------

_DOSE_TEXTS = {
    CURRENT: Text("you are taking {treatment} now", "está tomando {treatment} actualmente"),
    UNSURE: Text(
        "you have taken {treatment} but are not sure when you last took it",
        "ha tomado {treatment}, pero no está seguro/a de cuándo lo tomó por última vez",
    ),
    "dated": Text(
        "your last dose of {treatment} was {when}", "su última dosis de {treatment} fue {when}"
    ),
}
_NEVER_TAKEN = Text("you have never taken {treatments}", "nunca ha tomado {treatments}")
_NEVER_TAKEN_ANY = Text(
    "you have never taken any of these treatments",
    "nunca ha tomado ninguno de estos tratamientos",
)


def _treatment_label(code: str, lang: str) -> str:
    return FACTS["treatments_ever"].choice_label(code, lang)


def describe_dose(code: str, last: Any, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """One line of a history: "your last dose of natalizumab was in March 2026"."""
    lang = normalize_language(lang)
    treatment = _treatment_label(code, lang)
    if last in (CURRENT, UNSURE):
        return _DOSE_TEXTS[last].get(lang).format(treatment=treatment)
    return _DOSE_TEXTS["dated"].get(lang).format(treatment=treatment, when=format_when(last, lang))


def describe_history(
    history: Any, codes: Collection[str] | None, lang: str | None = DEFAULT_LANGUAGE
) -> str:
    """A treatment history told back, limited to ``codes`` (every code when ``None``).

    ``history`` is an answer (code -> date, ``current`` or ``unsure``) or a
    :class:`~eligibility.engine.values.TreatmentHistory`; dates are told as given.
    """
    lang = normalize_language(lang)
    if isinstance(history, TreatmentHistory):
        doses: Mapping[str, Any] = history.answer if history.answer is not None else history.doses
    else:
        doses = history
    shown = [code for code in doses if codes is None or code in codes]
    if shown:
        return _join([describe_dose(code, doses[code], lang) for code in shown], lang)
    if codes is None or not codes:
        return FACTS["treatment_history"].empty_text.get(lang)  # type: ignore[union-attr]
    if len(codes) > 3:
        return _NEVER_TAKEN_ANY.get(lang)
    labels = [_treatment_label(code, lang) for code in TREATMENT_CODES if code in codes]
    return _NEVER_TAKEN.get(lang).format(treatments=_join(labels, lang, alternatives=True))


_NOT_TAKEN_RECENTLY = Text(
    "you have not taken {treatments} in the past 6 months",
    "no ha tomado {treatments} en los últimos 6 meses",
)
_NOT_TAKEN_ANY_RECENTLY = Text(
    "you have not taken any of these treatments in the past 6 months",
    "no ha tomado ninguno de estos tratamientos en los últimos 6 meses",
)


def describe_list_codes(
    key: str, value: Any, codes: Collection[str], lang: str | None = DEFAULT_LANGUAGE
) -> str:
    """A treatment list told back as far as ``codes`` go: "you have taken natalizumab",
    "you have not taken natalizumab or fingolimod in the past 6 months"."""
    lang = normalize_language(lang)
    fact = FACTS[key]
    known = value.known if isinstance(value, UncertainCodes) else value
    taken = [code for code in known if code in codes]
    if taken:
        return fact.value_text.get(lang).format(value=fact.format_value(taken, lang))
    if key == "treatments_ever":
        return describe_history({}, codes, lang)
    if len(codes) > 3:
        return _NOT_TAKEN_ANY_RECENTLY.get(lang)
    labels = [_treatment_label(code, lang) for code in TREATMENT_CODES if code in codes]
    return _NOT_TAKEN_RECENTLY.get(lang).format(treatments=_join(labels, lang, alternatives=True))


# --- validation -----------------------------------------------------------------------------


class InvalidAnswers(Exception):
    """Answers that break the contract; ``errors`` maps each offending key to a message.

    The API maps it to a 400 once, at the edge. A problem with the whole object (not a
    dict) is reported under the key ``"answers"``.
    """

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.errors.items()))


def age_on(birth_date: date, today: date) -> int:
    """Whole years from ``birth_date`` to ``today``, birthday-aware.

    A 29 February birthday falls on 1 March in common years (the person is not a year
    older on 28 February), which is what comparing (month, day) tuples gives.
    """
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def _is_number(value: Any) -> bool:
    # bool is a subclass of int, but True is not an answer to "how old are you?".
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_numeric(fact: Fact, value: Any) -> int | float:
    """Return the normalised number or raise ``ValueError`` with the message to show."""
    never = " or 'never'" if fact.accepts_never else ""
    if not _is_number(value):
        raise ValueError(f"must be a number{never}, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if fact.is_whole:
        # JSON encoders may write 3 as 3.0; accept that, refuse a real fraction.
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"must be a whole number{never}")
            value = int(value)
    else:
        value = float(value)
    assert fact.min is not None and fact.max is not None
    if not fact.min <= value <= fact.max:
        low, high = format_number(fact.min), format_number(fact.max)
        raise ValueError(f"must be between {low} and {high}{never}")
    if fact.type == "number" and fact.step and not (value / fact.step).is_integer():
        raise ValueError(f"must be a multiple of {format_number(fact.step)}")
    return value


def _check_date(value: Any, today: date) -> str:
    parsed = parse_day(value)
    if parsed is None:
        raise ValueError("must be a date written as YYYY-MM-DD")
    if parsed > today:
        raise ValueError("cannot be in the future")
    if age_on(parsed, today) > MAX_AGE:
        raise ValueError(f"gives an age over {MAX_AGE}")
    # Normalised answers stay JSON-safe: screenings store them as they are.
    return parsed.isoformat()


def _check_choice(fact: Fact, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be one of: {', '.join(fact.choice_codes)}")
    if value not in fact.choice_codes:
        raise ValueError(
            f"unknown value '{value}'; expected one of: {', '.join(fact.choice_codes)}"
        )
    return value


def _check_codes(fact: Fact, value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of {fact.code_name}s (an empty list means none)")
    unknown = [code for code in value if not isinstance(code, str) or code not in fact.choice_codes]
    if unknown:
        raise ValueError(f"unknown {fact.code_name} " + ", ".join(f"'{code}'" for code in unknown))
    return _in_registry_order(fact, value)


def _in_registry_order(fact: Fact, codes: Any) -> list[str]:
    # Duplicates are harmless; a canonical order makes stored screenings comparable.
    given = set(codes)
    return [code for code in fact.choice_codes if code in given]


def _check_history(value: Any, today: date) -> dict[str, str]:
    """A ``treatment_history`` object normalised (registry order); every problem named."""
    if not isinstance(value, Mapping):
        raise ValueError(
            "must be an object mapping treatment codes to the last dose: a date (YYYY-MM-DD), "
            "a month (YYYY-MM), 'current' or 'unsure' ({} means no treatment ever)"
        )
    problems: list[str] = []
    clean: dict[str, str] = {}
    for code, last in value.items():
        if not isinstance(code, str) or code not in _TREATMENT_CODE_SET:
            problems.append(f"unknown treatment code '{code}'")
        elif isinstance(last, str) and last in (CURRENT, UNSURE):
            clean[code] = last
        else:
            try:
                clean[code] = check_day_or_month(last, today)
            except ValueError as problem:
                problems.append(
                    f"{code}: {problem} (expected a date, a month, 'current' or 'unsure')"
                )
    if problems:
        raise ValueError("; ".join(problems))
    return {code: clean[code] for code in TREATMENT_CODES if code in clean}


def _check_value(fact: Fact, value: Any, today: date) -> Any:
    if isinstance(value, str) and value == UNSURE and fact.accepts_unsure:
        return UNSURE
    if isinstance(value, str) and value == NEVER and fact.accepts_never:
        return NEVER
    if fact.type == "date":
        return _check_date(value, today)
    if fact.type == "month_date":
        return check_day_or_month(value, today)
    if fact.type == "treatment_history":
        return _check_history(value, today)
    if fact.is_numeric:
        return _check_numeric(fact, value)
    if fact.type == "choice":
        return _check_choice(fact, value)
    return _check_codes(fact, value)


def validate_answers(answers: Any, *, today: date) -> dict[str, Any]:
    """Check answers against the contract and return them normalised.

    Normalised means: integers and day counts as ``int``, numbers as ``float``, dates
    as ISO strings (``YYYY-MM-DD``, months ``YYYY-MM``), code lists and treatment
    histories deduplicated in registry order, and every code of
    ``treatments_last_6_months`` also counted in ``treatments_ever`` (when that list is
    given). Raises :class:`InvalidAnswers` naming every offending key: unknown keys,
    wrong types, values out of range or off the EDSS half-step, unknown codes, dates in
    the future or before 1900, and the cross-field rules of the spec (sections 1, 6.1
    and 6.2).
    """
    if not isinstance(answers, Mapping):
        raise InvalidAnswers({"answers": "must be an object mapping answer keys to values"})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in answers.items():
        fact = FACTS.get(key) if isinstance(key, str) else None
        if fact is None:
            errors[str(key)] = "unknown answer key"
            continue
        if value is None:
            # An explicit null is the same as not answering.
            continue
        try:
            clean[key] = _check_value(fact, value, today)
        except ValueError as problem:
            errors[key] = str(problem)
    _check_cross_fields(clean, errors, today)
    if errors:
        raise InvalidAnswers(errors)
    _merge_recent_treatments(clean)
    return clean


def _add_error(errors: dict[str, str], key: str, message: str) -> None:
    errors[key] = f"{errors[key]}; {message}" if key in errors else message


def _check_cross_fields(clean: dict[str, Any], errors: dict[str, str], today: date) -> None:
    r12 = clean.get("relapses_last_12_months")
    r24 = clean.get("relapses_last_24_months")
    if isinstance(r12, int) and isinstance(r24, int) and r24 < r12:
        errors["relapses_last_24_months"] = (
            "must be at least relapses_last_12_months: the past 24 months include the last 12"
        )
    age, birth = clean.get("age"), clean.get("birth_date")
    if isinstance(age, int) and isinstance(birth, str):
        computed = age_on(date.fromisoformat(birth), today)
        if abs(computed - age) > 1:
            errors["age"] = f"does not agree with birth_date (which gives {computed})"
    for dated in DATED_FACTS:
        _check_day_count_agrees(clean, errors, dated, today)
    _check_relapse_dates(clean, errors, today)
    _check_investigational_dates(clean, errors, today)
    _check_history_agrees(clean, errors, today)


def _day_count(clean: Mapping[str, Any], dated: str, today: date) -> tuple[Any, str]:
    """The day count rules will see for ``dated`` (``None`` if unknown), and the key
    to name in an error: the dated key when the client sent it, else the day key."""
    days_key = DATED_FACTS[dated]
    given, stated = clean.get(dated), clean.get(days_key)
    name = dated if given is not None else days_key
    if is_known(stated):
        return stated, name
    if is_known(given):
        return (NEVER if given == NEVER else days_since(given, today)), name
    return None, name


def _check_day_count_agrees(
    clean: Mapping[str, Any], errors: dict[str, str], dated: str, today: date
) -> None:
    days_key = DATED_FACTS[dated]
    given, stated = clean.get(dated), clean.get(days_key)
    if not (is_known(given) and is_known(stated)):
        return
    if given == NEVER or stated == NEVER:
        if given != stated:
            _add_error(errors, dated, f"does not agree with {days_key} (one of them is 'never')")
        return
    low, high = day_span(days_since(given, today))
    if not low - 7 <= stated <= high + 7:
        derived = str(low) if low == high else f"{low} to {high}"
        _add_error(
            errors,
            dated,
            f"gives {derived} days, which does not agree with {days_key} ({stated}) within 7 days",
        )


def _check_relapse_dates(clean: Mapping[str, Any], errors: dict[str, str], today: date) -> None:
    days, name = _day_count(clean, "last_relapse", today)
    if days is None:
        return
    for count_key, limit in (("relapses_last_12_months", 365), ("relapses_last_24_months", 730)):
        count = clean.get(count_key)
        if not isinstance(count, int):
            continue
        if days == NEVER:
            if count >= 1:
                _add_error(errors, name, f"is 'never', but {count_key} is {count}")
            continue
        # A month contradicts a count only when every one of its days does.
        low, high = day_span(days)
        if count == 0 and high < limit:
            _add_error(errors, name, f"is less than {limit} days ago, but {count_key} is 0")
        elif count >= 1 and low >= limit:
            _add_error(errors, name, f"is {limit} days ago or more, but {count_key} is {count}")


def _check_investigational_dates(
    clean: Mapping[str, Any], errors: dict[str, str], today: date
) -> None:
    days, name = _day_count(clean, "last_investigational_drug", today)
    ever = clean.get("investigational_drug_ever")
    if days is None or ever not in ("yes", "no"):
        return
    if ever == "no" and days != NEVER:
        _add_error(errors, name, "gives a last dose, but investigational_drug_ever is 'no'")
    elif ever == "yes" and days == NEVER:
        _add_error(errors, name, "is 'never', but investigational_drug_ever is 'yes'")


def _check_history_agrees(clean: Mapping[str, Any], errors: dict[str, str], today: date) -> None:
    answer = clean.get("treatment_history")
    if not isinstance(answer, dict):
        return
    ever, recent = clean.get("treatments_ever"), clean.get("treatments_last_6_months")
    if isinstance(ever, list) and isinstance(recent, list):
        ever = ever + [code for code in recent if code not in ever]
    problems = history_agreement(history_from_answer(answer, today), ever, recent)
    if problems:
        _add_error(
            errors,
            "treatment_history",
            "does not agree with the treatment lists: " + "; ".join(problems),
        )


def _merge_recent_treatments(clean: dict[str, Any]) -> None:
    recent, ever = clean.get("treatments_last_6_months"), clean.get("treatments_ever")
    # Only merge into a list the patient gave: a missing or 'unsure' history stays unknown,
    # because the recent codes alone do not tell us what else was ever taken.
    if isinstance(recent, list) and isinstance(ever, list):
        clean["treatments_ever"] = _in_registry_order(FACTS["treatments_ever"], ever + recent)


def derive_facts(
    answers: Mapping[str, Any], *, today: date, partial: Collection[str] = ()
) -> dict[str, Any]:
    """Add the facts computed from others, as of ``today``.

    - ``age`` from ``birth_date``;
    - each day count from its dated fact (``days_since_last_relapse`` from
      ``last_relapse``): an ``int``, a :class:`~eligibility.engine.values.DayRange` for
      a month, ``never`` or ``unsure``;
    - ``treatment_history`` becomes a :class:`~eligibility.engine.values.TreatmentHistory`
      (doses in days), and ``treatments_ever`` / ``treatments_last_6_months`` are derived
      from it (the latter an :class:`~eligibility.engine.values.UncertainCodes` when a
      code's date leaves its membership open).

    A derived key the patient stated (``age``, a day count, a list) is kept as stated;
    an ``unsure`` one is replaced by what its source says. ``answers`` is expected to be
    normalised by :func:`validate_answers`; ``date`` objects are accepted too.

    ``partial`` names the keys (of :data:`PARTIAL_KEYS`) whose answers were read from a
    record that lists only what it knows, such as a FHIR export: a code absent from them
    is unknown, not never. A partial ``treatment_history`` leaves every unlisted code
    open (:class:`~eligibility.engine.values.TreatmentHistory` ``unlisted``); a partial
    list becomes an :class:`~eligibility.engine.values.UncertainCodes` whose unknown
    members are the codes it does not give. It is set by the caller, never sent as an
    answer.
    """
    unknown_keys = set(partial) - set(PARTIAL_KEYS)
    if unknown_keys:
        raise ValueError(f"not keys a partial record can give: {', '.join(sorted(unknown_keys))}")
    facts = dict(answers)
    birth = facts.get("birth_date")
    if "age" not in facts and birth is not None and birth != UNSURE:
        birth_date = birth if isinstance(birth, date) else date.fromisoformat(birth)
        facts["age"] = age_on(birth_date, today)
    for dated, days_key in DATED_FACTS.items():
        given = facts.get(dated)
        if given is None or is_known(facts.get(days_key)):
            continue
        if isinstance(given, date):
            given = given.isoformat()
        if given in (UNSURE, NEVER):
            facts[days_key] = given
        else:
            facts[days_key] = days_since(given, today)
    for key in partial:
        if FACTS[key].type == "multi_choice" and isinstance(facts.get(key), list | tuple):
            facts[key] = _partial_list(FACTS[key], facts[key])
    answer = facts.get("treatment_history")
    if isinstance(answer, Mapping):
        every_code = TREATMENT_CODES if "treatment_history" in partial else None
        history = history_from_answer(answer, today, every_code=every_code)
        facts["treatment_history"] = history
        lists = derived_lists(history, TREATMENT_CODES)
        for key, derived in zip(HISTORY_LISTS, lists, strict=True):
            if not is_known(facts.get(key)):
                facts[key] = derived
    return facts


def _partial_list(fact: Fact, codes: Any) -> UncertainCodes:
    given = set(codes)
    return UncertainCodes(
        tuple(code for code in fact.rule_codes if code in given),
        tuple(code for code in fact.rule_codes if code not in given),
    )


def prepare_facts(answers: Any, *, today: date, partial: Collection[str] = ()) -> dict[str, Any]:
    """Validate, normalise and derive in one step: what the engine evaluates.

    ``partial``: the keys read from a partial record (:func:`derive_facts`).
    """
    clean = validate_answers(answers, today=today)
    return derive_facts(clean, today=today, partial=partial)


__all__ = [
    "AGE_KEYS",
    "ASKING_ORDER",
    "CONDITIONS",
    "CURRENT",
    "DATED_FACTS",
    "DERIVED_FROM",
    "FACTS",
    "MAX_DAYS",
    "NEVER",
    "PARTIAL_KEYS",
    "TREATMENTS",
    "TREATMENT_CODES",
    "TREATMENT_GROUPS",
    "UNSURE",
    "Choice",
    "DayRange",
    "Fact",
    "InvalidAnswers",
    "Text",
    "TreatmentGroup",
    "TreatmentHistory",
    "UncertainCodes",
    "age_on",
    "derive_facts",
    "describe_history",
    "describe_list_codes",
    "expand_treatment_codes",
    "format_number",
    "is_known",
    "join_words",
    "normalize_language",
    "prepare_facts",
    "question_key",
    "validate_answers",
]

"""The fact registry: the single source of truth for the questionnaire's answer keys.

Every answer key of the public contract (``shared/clinical/ms-trials.md`` section 1) is
declared here once, with its type, range, step, choices and their labels, whether
``unsure`` is accepted, the question a patient is asked and its help text, in English
and Spanish. The questionnaire form, the API serializer, the OpenAPI schema and the rule
validator are all derived from :data:`FACTS`; nothing else retypes a key.

It lives inside the engine package, which is plain Python (no Django import, no import
of our apps), so the engine can be tested and benchmarked on its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Literal

FactType = Literal["integer", "number", "date", "choice", "multi_choice"]

#: The answer that means "I don't know"; it makes every criterion needing the fact unknown.
UNSURE = "unsure"

#: Languages with translated labels; anything else falls back to English.
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"

#: Oldest age the contract accepts, for ``age`` and for ``birth_date``.
MAX_AGE = 120


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


@dataclass(frozen=True)
class Fact:
    """One answer key: its type, domain and patient-facing wording.

    ``value_text`` is a template with ``{value}`` used to tell the patient back what they
    answered ("you are {value}"); ``empty_text`` is used for an empty list.
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
        return self.type in ("integer", "number")

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
        """A value as a patient reads it: labels for codes, ``10.5``/``10,5`` for numbers."""
        lang = normalize_language(lang)
        if self.type == "choice":
            return self.choice_label(value, lang)
        if self.type == "multi_choice":
            labels = [self.choice_label(code, lang) for code in value]
            return _join(labels, lang)
        if self.is_numeric:
            return format_number(value, lang)
        return str(value)

    def describe_answer(self, value: Any, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """What the patient told us, as a clause: "you are 58", "su puntuación EDSS es 5,5"."""
        if value == UNSURE:
            return _UNSURE_CLAUSE.get(lang).format(question=self.question(lang))
        if self.type == "choice":
            choice = self.choice(value)
            if choice.statement is not None:
                return choice.statement.get(lang)
        if self.type == "multi_choice" and not value and self.empty_text is not None:
            return self.empty_text.get(lang)
        return self.value_text.get(lang).format(value=self.format_value(value, lang))


_UNSURE_CLAUSE = Text(
    en="you are not sure about '{question}'",
    es="no está seguro/a de '{question}'",
)


def format_number(value: float, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """``10.0`` -> ``"10"``, ``10.5`` -> ``"10.5"`` (``"10,5"`` in Spanish)."""
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    return text.replace(".", ",") if normalize_language(lang) == "es" else text


def _join(items: list[str], lang: str | None) -> str:
    """Join for prose: "a, b and c" / "a, b y c"."""
    conjunction = " y " if normalize_language(lang) == "es" else " and "
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + conjunction + items[-1]


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
)
TREATMENT_CODES: tuple[str, ...] = tuple(choice.code for choice in TREATMENTS)

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
        question_text=Text(
            "Which MS or immune treatments have you ever taken?",
            "¿Qué tratamientos para la EM o el sistema inmunitario ha tomado alguna vez?",
        ),
        help_text=Text(
            "Tick every one you have ever taken, even briefly. Leave all unticked if you have "
            "never taken any.",
            "Marque todos los que haya tomado alguna vez, aunque fuera poco tiempo. No marque "
            "ninguno si nunca ha tomado ninguno.",
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

#: Every answer key of the public contract, by key.
FACTS: Mapping[str, Fact] = {fact.key: fact for fact in _FACT_LIST}

#: Answer keys in the default asking order.
ASKING_ORDER: tuple[str, ...] = tuple(f.key for f in sorted(_FACT_LIST, key=lambda f: f.order))

#: The two keys that both answer "how old is the patient": rules test ``age``.
AGE_KEYS = ("age", "birth_date")


# --- validation -----------------------------------------------------------------------------


class InvalidAnswers(Exception):
    """Answers that break the contract; ``errors`` maps each offending key to a message.

    The API maps it to a 400 once, at the edge. A problem with the whole object (not a
    dict) is reported under the key ``"answers"``.
    """

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.errors.items()))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
    if not _is_number(value):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if fact.type == "integer":
        # JSON encoders may write 3 as 3.0; accept that, refuse a real fraction.
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError("must be a whole number")
            value = int(value)
    else:
        value = float(value)
    assert fact.min is not None and fact.max is not None
    if not fact.min <= value <= fact.max:
        low, high = format_number(fact.min), format_number(fact.max)
        raise ValueError(f"must be between {low} and {high}")
    if fact.type == "number" and fact.step and not (value / fact.step).is_integer():
        raise ValueError(f"must be a multiple of {format_number(fact.step)}")
    return value


def _check_date(value: Any, today: date) -> str:
    if isinstance(value, date) and not hasattr(value, "hour"):
        parsed = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a valid date") from None
    else:
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
        raise ValueError("must be a list of treatment codes (an empty list means none)")
    unknown = [code for code in value if not isinstance(code, str) or code not in fact.choice_codes]
    if unknown:
        raise ValueError("unknown treatment code " + ", ".join(f"'{code}'" for code in unknown))
    return _in_registry_order(fact, value)


def _in_registry_order(fact: Fact, codes: Any) -> list[str]:
    # Duplicates are harmless; a canonical order makes stored screenings comparable.
    given = set(codes)
    return [code for code in fact.choice_codes if code in given]


def _check_value(fact: Fact, value: Any, today: date) -> Any:
    if value == UNSURE and fact.accepts_unsure:
        return UNSURE
    if fact.type == "date":
        return _check_date(value, today)
    if fact.is_numeric:
        return _check_numeric(fact, value)
    if fact.type == "choice":
        return _check_choice(fact, value)
    return _check_codes(fact, value)


def validate_answers(answers: Any, *, today: date) -> dict[str, Any]:
    """Check answers against the contract and return them normalised.

    Normalised means: integers as ``int``, numbers as ``float``, ``birth_date`` as an ISO
    string, treatment lists deduplicated in registry order, and every code of
    ``treatments_last_6_months`` also counted in ``treatments_ever`` (when that list is
    given). Raises :class:`InvalidAnswers` naming every offending key: unknown keys,
    wrong types, values out of range or off the EDSS half-step, unknown codes, dates in
    the future, and the cross-field rules of the spec.
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


def _merge_recent_treatments(clean: dict[str, Any]) -> None:
    recent, ever = clean.get("treatments_last_6_months"), clean.get("treatments_ever")
    # Only merge into a list the patient gave: a missing or 'unsure' history stays unknown,
    # because the recent codes alone do not tell us what else was ever taken.
    if isinstance(recent, list) and isinstance(ever, list):
        clean["treatments_ever"] = _in_registry_order(FACTS["treatments_ever"], ever + recent)


def derive_facts(answers: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """Add the facts computed from others: ``age`` from ``birth_date`` as of ``today``.

    A given ``age`` is kept as the patient stated it. ``answers`` is expected to be
    normalised by :func:`validate_answers`; a ``date`` object is accepted too.
    """
    facts = dict(answers)
    birth = facts.get("birth_date")
    if "age" not in facts and birth is not None and birth != UNSURE:
        birth_date = birth if isinstance(birth, date) else date.fromisoformat(birth)
        facts["age"] = age_on(birth_date, today)
    return facts


def prepare_facts(answers: Any, *, today: date) -> dict[str, Any]:
    """Validate, normalise and derive in one step: what the engine evaluates."""
    return derive_facts(validate_answers(answers, today=today), today=today)


def is_known(value: Any) -> bool:
    """True when a fact value decides criteria (not missing, not ``unsure``)."""
    return value is not None and not (isinstance(value, str) and value == UNSURE)

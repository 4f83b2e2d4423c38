"""The questionnaire's one-question form, derived from the fact registry.

Nothing here retypes a question, a range, a choice or a treatment group: the fields are
built from a :class:`eligibility.selectors.Question` (itself read from
``eligibility.engine.facts.FACTS``). What this module adds is the patient's side of the
web form, with error messages in plain, translated words:

- numbers typed with a decimal comma; "not sure" and "never" as submit buttons (no
  JavaScript needed);
- a "none of these" box for lists, so a list is always answered whole;
- dated facts (``month_date``) as a month and a year, the contract's ``YYYY-MM``;
- the treatment history as one row per treatment, grouped by the registry's code
  groups: a box to tick, then "still taking it", the month and year of the last dose,
  or "not sure when" (the contract's ``{code: "YYYY-MM" | "current" | "unsure"}``).

:func:`contradiction_message` words the contract's cross-field errors for patients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext as _

from .engine.dates import EARLIEST, MONTH_NAMES
from .engine.facts import (
    CURRENT,
    FACTS,
    NEVER,
    TREATMENT_CODES,
    TREATMENT_GROUPS,
    UNSURE,
    InvalidAnswers,
    format_number,
    normalize_language,
    validate_answers,
)
from .selectors import Question

#: The submit button a patient presses when they do not know the answer.
UNSURE_BUTTON = "answer_unsure"
#: The submit button a patient presses when the event never happened.
NEVER_BUTTON = "answer_never"
#: The pseudo-choice of a list meaning "none of these" (an empty list).
NONE_CHOICE = "none"
#: A treatment row's third way of answering "when": a month and year.
DATED = "dated"

_YEAR = re.compile(r"[0-9]{4}")


class QuestionForm(forms.Form):
    """One question. ``cleaned_answer`` is the value in the contract's terms.

    Fields are named after the answer key (``edss``, so ids and error links read
    ``id_edss``); a dated fact has two, ``<key>_month`` and ``<key>_year``; a treatment
    history has the list of ticked codes (``treatment_history``) and, per treatment,
    ``<code>_when``, ``<code>_month`` and ``<code>_year``. Pressing "not sure" or
    "never" answers without reading the fields.
    """

    def __init__(self, *args, question: Question, lang: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.lang = normalize_language(lang)
        self.today = timezone.localdate()
        self.cleaned_answer: Any = None
        if question.type == "month_date":
            self.fields.update(_month_year_fields(question.key))
        elif question.type == "treatment_history":
            self.fields[question.key] = _history_list_field(question)
            for code, _label in question.choices:
                self.fields.update(_dose_fields(code))
        else:
            self.fields[question.key] = _field_for(question)

    # --- what the template reads -------------------------------------------------------

    @property
    def field(self) -> forms.BoundField:
        """The question's field (the ticked codes of a treatment history)."""
        return self[self.question.key]

    @property
    def month(self) -> forms.BoundField:
        return self[f"{self.question.key}_month"]

    @property
    def year(self) -> forms.BoundField:
        return self[f"{self.question.key}_year"]

    @property
    def unsure_button(self) -> bool:
        """Everything but a choice gets a "not sure" button; a choice lists it itself."""
        return self.question.allows_unsure and self.question.type != "choice"

    @property
    def never_button(self) -> bool:
        return self.question.allows_never

    @property
    def previous_button_answer(self) -> str:
        """The button's words when the answer already given was a button ("Never", "Not
        sure"): a button has no state of its own to show it by."""
        return {NEVER: _("Never"), UNSURE: _("Not sure")}.get(
            self.initial.get("previous_answer"), ""
        )

    @property
    def treatment_sections(self) -> list[TreatmentSection]:
        """The treatment rows, grouped as the registry's code groups suggest."""
        options = {option.data["value"]: option for option in self.field}
        labels = dict(self.question.choices)
        return [
            TreatmentSection(
                title=title,
                rows=[
                    TreatmentRow(
                        code=code,
                        label=capfirst(labels[code]),
                        option=options[code],
                        when=self[f"{code}_when"],
                        month=self[f"{code}_month"],
                        year=self[f"{code}_year"],
                    )
                    for code in codes
                ],
            )
            for title, codes in treatment_sections()
        ]

    @property
    def none_option(self) -> BoundWidget:
        """The box "I have never taken any of these"."""
        return next(o for o in self.field if o.data["value"] == NONE_CHOICE)

    # --- cleaning ----------------------------------------------------------------------

    def _button_answer(self) -> str | None:
        if self.unsure_button and self.data.get(UNSURE_BUTTON) is not None:
            return UNSURE
        if self.never_button and self.data.get(NEVER_BUTTON) is not None:
            return NEVER
        return None

    @property
    def answered_unsure(self) -> bool:
        return self.is_bound and self._button_answer() == UNSURE

    def full_clean(self):
        button = self._button_answer() if self.is_bound else None
        if button is not None:
            # A button wins over whatever was typed: the patient said so in one press.
            self._errors = forms.utils.ErrorDict()
            self.cleaned_data = {self.question.key: button}
            self.cleaned_answer = button
            return
        super().full_clean()
        if self.is_bound and not self._errors:
            self.cleaned_answer = self.cleaned_data[self.question.key]

    def clean(self):
        cleaned = super().clean()
        question = self.question
        if question.type == "month_date":
            value = self._month_answer(question.key, _question_month_words())
            if value is not None:
                cleaned[question.key] = value
        elif question.type == "treatment_history":
            self._forget_unticked_rows()
            if question.key in cleaned:
                history = self._history_answer(cleaned[question.key])
                if history is not None:
                    cleaned[question.key] = history
        elif question.key in cleaned:
            cleaned[question.key] = _to_answer(question, cleaned[question.key])
        return cleaned

    def _month_answer(self, prefix: str, words: MonthWords) -> str | None:
        """``YYYY-MM`` from ``<prefix>_month`` and ``<prefix>_year``, or None with the
        problem added next to the part at fault."""
        month_name, year_name = f"{prefix}_month", f"{prefix}_year"
        if month_name in self._errors:
            return None  # not one of the twelve months: Django said so already
        month = self.cleaned_data.get(month_name) or ""
        year = (self.cleaned_data.get(year_name) or "").strip()
        problem = _month_problem(month, year, self.today, words)
        if problem is not None:
            part, message = problem
            self.add_error(month_name if part == "month" else year_name, message)
            return None
        return f"{int(year):04d}-{int(month):02d}"

    def _history_answer(self, ticked: list[str]) -> dict[str, str] | None:
        """The contract's history from the ticked rows; unticked rows are ignored (their
        controls are hidden and may keep what was chosen before unticking)."""
        if NONE_CHOICE in ticked:
            if len(ticked) > 1:
                self.add_error(
                    self.question.key,
                    _(
                        "You ticked 'I have never taken any of these' and a treatment. "
                        "Untick one of them."
                    ),
                )
                return None
            return {}
        labels = dict(self.question.choices)
        history: dict[str, str] = {}
        for code in TREATMENT_CODES:
            if code not in ticked:
                continue
            last = self._dose_answer(code, labels[code])
            if last is not None:
                history[code] = last
        if len(history) < len(ticked):
            return None
        return history

    def _forget_unticked_rows(self) -> None:
        """Drop what Django found wrong in rows not ticked: they are not part of the answer."""
        ticked = set(self.field.value() or ())
        for code in TREATMENT_CODES:
            if code not in ticked:
                for part in ("when", "month", "year"):
                    self._errors.pop(f"{code}_{part}", None)

    def _dose_answer(self, code: str, label: str) -> str | None:
        when = self.cleaned_data.get(f"{code}_when")
        month = self.cleaned_data.get(f"{code}_month")
        year = (self.cleaned_data.get(f"{code}_year") or "").strip()
        if not when and (month or year):
            when = DATED  # a month or a year given: the patient meant a last dose
        if when in (CURRENT, UNSURE):
            return when
        if when == DATED:
            return self._month_answer(code, _dose_month_words(label))
        if f"{code}_when" not in self._errors:
            self.add_error(
                f"{code}_when",
                _(
                    "Say when you last took %(treatment)s: you are still taking it, the "
                    "month and year of your last dose, or you are not sure when."
                )
                % {"treatment": label},
            )
        return None

    def add_answer_error(self, message: str) -> None:
        """An error about the whole answer (a cross-field contradiction)."""
        name = f"{self.question.key}_month" if self.question.type == "month_date" else None
        self.add_error(name or self.question.key, message)

    @staticmethod
    def initial_for(question: Question, answer: Any) -> dict[str, Any]:
        """The form's initial data for an answer already given (going back to a question)."""
        if answer is None:
            return {}
        if answer in (UNSURE, NEVER) and question.type != "choice":
            return {"previous_answer": answer}
        if question.type == "multi_choice":
            return {question.key: list(answer) or [NONE_CHOICE]}
        if question.type in ("integer", "number"):
            return {question.key: format_number(answer)}
        if question.type == "month_date":
            return _month_initial(question.key, answer)
        if question.type == "treatment_history":
            return _history_initial(question.key, answer)
        return {question.key: answer}


@dataclass(frozen=True)
class TreatmentRow:
    """One treatment of the history question: its box and how its last dose is given."""

    code: str
    label: str
    option: BoundWidget  # this code's box of ``treatment_history``
    when: forms.BoundField
    month: forms.BoundField
    year: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [*self.when.errors, *self.month.errors, *self.year.errors]


@dataclass(frozen=True)
class TreatmentSection:
    title: str
    rows: list[TreatmentRow]


def treatment_sections() -> list[tuple[str, tuple[str, ...]]]:
    """Treatment codes in reading order, sectioned by the registry's code groups: the
    approved MS treatments, the other MS treatments (``@any_dmt`` beyond those), the
    immunosuppressants, and everything else (relapse, symptom and other immune
    treatments), each code once."""
    approved = TREATMENT_GROUPS["@approved_dmt"].members
    other_ms = tuple(c for c in TREATMENT_GROUPS["@any_dmt"].members if c not in approved)
    shown = {*approved, *other_ms}
    immune = tuple(c for c in TREATMENT_GROUPS["@immunosuppressant"].members if c not in shown)
    shown.update(immune)
    rest = tuple(code for code in TREATMENT_CODES if code not in shown)
    return [
        (_("Approved MS treatments"), approved),
        (_("Other MS treatments, including treatments tested in studies"), other_ms),
        (_("Immunosuppressants"), immune),
        (_("Relapse, symptom and other immune treatments"), rest),
    ]


# --- fields ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListWords:
    """What a list question says when it is not answered, or answered both ways."""

    none_label: Any
    required: Any
    none_and_code: Any


_TREATMENT_LIST_WORDS = ListWords(
    none_label=gettext_lazy("None of these"),
    required=gettext_lazy("Tick every treatment you have taken, or tick 'None of these'."),
    none_and_code=gettext_lazy("You ticked 'None of these' and a treatment. Untick one of them."),
)
_LIST_WORDS = {
    "other_conditions": ListWords(
        none_label=pgettext_lazy("conditions", "None of these"),
        required=gettext_lazy(
            "Tick every condition a doctor has told you about, or tick 'None of these'."
        ),
        none_and_code=gettext_lazy(
            "You ticked 'None of these' and a condition. Untick one of them."
        ),
    ),
}


def _list_words(question: Question) -> ListWords:
    return _LIST_WORDS.get(question.key, _TREATMENT_LIST_WORDS)


def _field_for(question: Question) -> forms.Field:
    """The Django field for one registry question of a single field."""
    common = {"label": question.text, "help_text": question.help}
    if question.type == "choice":
        return forms.ChoiceField(
            choices=question.choices,
            widget=forms.RadioSelect,
            error_messages={"required": gettext_lazy("Choose one of the answers.")},
            **common,
        )
    if question.type == "multi_choice":
        words = _list_words(question)
        return forms.MultipleChoiceField(
            choices=[*question.choices, (NONE_CHOICE, words.none_label)],
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": words.required},
            **common,
        )
    if question.type in ("integer", "number"):
        return NumberAnswerField(question=question, **common)
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)


def _month_field(**kwargs) -> forms.ChoiceField:
    """A month chosen by name (the names are the engine's, as answers are told back)."""
    names = MONTH_NAMES[normalize_language(get_language())]
    return forms.ChoiceField(
        choices=[("", _("Choose a month"))]
        + [(str(number), capfirst(name)) for number, name in enumerate(names, start=1)],
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a month from the list.")},
        **kwargs,
    )


def _year_field(**kwargs) -> forms.CharField:
    """A year typed as four digits: quicker than a list of 127 years, and no spinner."""
    return forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "spellcheck": "false",
                "maxlength": "4",
                "class": "input--year",
            }
        ),
        **kwargs,
    )


def _month_year_fields(key: str) -> dict[str, forms.Field]:
    return {
        f"{key}_month": _month_field(label=_("Month")),
        f"{key}_year": _year_field(label=_("Year")),
    }


def _history_list_field(question: Question) -> forms.MultipleChoiceField:
    """The ticked treatments, in the order the page shows them, then "never any"."""
    labels = dict(question.choices)
    ordered = [code for _title, codes in treatment_sections() for code in codes]
    return forms.MultipleChoiceField(
        choices=[(code, capfirst(labels[code])) for code in ordered]
        + [(NONE_CHOICE, _("I have never taken any of these"))],
        widget=forms.CheckboxSelectMultiple,
        label=question.text,
        help_text=question.help,
        error_messages={
            "required": gettext_lazy(
                "Tick each treatment you have taken, or tick 'I have never taken any of these'."
            )
        },
    )


def _dose_fields(code: str) -> dict[str, forms.Field]:
    return {
        f"{code}_when": forms.ChoiceField(
            choices=[
                (CURRENT, _("I am still taking it")),
                (DATED, _("My last dose was in")),
                (UNSURE, _("I'm not sure when")),
            ],
            widget=forms.RadioSelect,
            required=False,
            label=_("When did you last take it?"),
        ),
        f"{code}_month": _month_field(label=_("Month")),
        f"{code}_year": _year_field(label=_("Year")),
    }


# --- months and years -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthWords:
    """The problems a month and year can have, worded for one question or one row."""

    missing: str
    missing_month: str
    missing_year: str
    bad_year: str
    too_early: str
    future: str


def _question_month_words() -> MonthWords:
    this_year = {"year": timezone.localdate().year, "earliest": EARLIEST.year}
    return MonthWords(
        missing=_("Choose the month and enter the year, or press 'Never' or 'I'm not sure'."),
        missing_month=_("Choose the month as well as the year."),
        missing_year=_("Enter the year as well as the month."),
        bad_year=_("Enter the year as 4 digits, like 2021."),
        too_early=_("Enter a year from %(earliest)s to %(year)s.") % this_year,
        future=_("That month is in the future. Choose this month or an earlier one."),
    )


def _dose_month_words(treatment: str) -> MonthWords:
    values = {
        "treatment": treatment,
        "year": timezone.localdate().year,
        "earliest": EARLIEST.year,
    }
    return MonthWords(
        missing=_("Choose the month and enter the year of your last dose of %(treatment)s.")
        % values,
        missing_month=_("Choose the month of your last dose of %(treatment)s.") % values,
        missing_year=_("Enter the year of your last dose of %(treatment)s.") % values,
        bad_year=_("Enter the year of your last dose of %(treatment)s as 4 digits, like 2021.")
        % values,
        too_early=_(
            "Enter a year from %(earliest)s to %(year)s for your last dose of %(treatment)s."
        )
        % values,
        future=_(
            "That month is in the future: choose the month of your last dose of "
            "%(treatment)s, this month or earlier."
        )
        % values,
    )


def _month_problem(month: str, year: str, today: date, words: MonthWords) -> tuple[str, str] | None:
    """The part at fault (``"month"`` or ``"year"``) and what to say, or None."""
    if not month and not year:
        return "month", words.missing
    if not month:
        return "month", words.missing_month
    if not year:
        return "year", words.missing_year
    if not _YEAR.fullmatch(year):
        return "year", words.bad_year
    if int(year) < EARLIEST.year:
        return "year", words.too_early
    if (int(year), int(month)) > (today.year, today.month):
        return ("year" if int(year) > today.year else "month"), words.future
    return None


def _month_initial(prefix: str, answer: str) -> dict[str, str]:
    """``2026-03`` (or a day of it) as the month and year controls show it."""
    return {f"{prefix}_month": str(int(answer[5:7])), f"{prefix}_year": answer[:4]}


def _history_initial(key: str, answer: dict[str, str]) -> dict[str, Any]:
    if not answer:
        return {key: [NONE_CHOICE]}
    initial: dict[str, Any] = {key: list(answer)}
    for code, last in answer.items():
        if last in (CURRENT, UNSURE):
            initial[f"{code}_when"] = last
        else:
            initial[f"{code}_when"] = DATED
            initial.update(_month_initial(code, last))
    return initial


# --- numbers ----------------------------------------------------------------------------------


class NumberAnswerField(forms.Field):
    """A number typed as text (``2.5`` or ``2,5``), checked against the registry's range.

    A text input with ``inputmode`` avoids the number spinner that a tremor or a scroll
    wheel changes by accident, and accepts the decimal comma Spanish speakers type.
    """

    def __init__(self, *, question: Question, **kwargs):
        self.question = question
        integer = question.type == "integer"
        attrs = {
            "inputmode": "numeric" if integer else "decimal",
            "autocomplete": "off",
            "spellcheck": "false",
            "class": "input--number",
        }
        required = (
            gettext_lazy("Enter a number, or press 'Never'.")
            if question.allows_never
            else gettext_lazy("Enter a number.")
        )
        super().__init__(
            widget=forms.TextInput(attrs={**attrs, "maxlength": "12"}),
            error_messages={"required": required},
            **kwargs,
        )

    def to_python(self, value):
        text = str(value or "").strip().replace(" ", "").replace(",", ".")
        if not text:
            return None
        if len(text) > 12:
            raise forms.ValidationError(self._range_message(), code="invalid")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self._range_message(), code="invalid") from None
        if not number.is_finite():
            raise forms.ValidationError(self._range_message(), code="invalid")
        question = self.question
        if question.type == "integer" and number != number.to_integral_value():
            raise forms.ValidationError(
                _("Enter a whole number, like %(example)s.") % {"example": "2"}, code="integer"
            )
        if (question.min is not None and number < Decimal(str(question.min))) or (
            question.max is not None and number > Decimal(str(question.max))
        ):
            raise forms.ValidationError(self._range_message(), code="range")
        step = question.step
        if question.type == "number" and step and number % Decimal(str(step)) != 0:
            raise forms.ValidationError(
                _("Enter a number in steps of %(step)s, like %(example)s.")
                % {
                    "step": format_number(step, _current_lang()),
                    "example": format_number(3.5, _current_lang()),
                },
                code="step",
            )
        return int(number) if question.type == "integer" else float(number)

    def _range_message(self) -> str:
        lang = _current_lang()
        return _("Enter a number from %(min)s to %(max)s.") % {
            "min": format_number(self.question.min, lang),
            "max": format_number(self.question.max, lang),
        }


def _current_lang() -> str:
    return get_language() or "en"


def _to_answer(question: Question, value: Any) -> Any:
    """A cleaned field value as the contract's answer value."""
    if question.type == "multi_choice":
        codes = list(value)
        if NONE_CHOICE in codes:
            if len(codes) > 1:
                raise forms.ValidationError({question.key: _list_words(question).none_and_code})
            return []
        return codes
    if question.type == "date" and value is not None:
        return value.isoformat()
    return value


# --- contradictions between answers -----------------------------------------------------------

#: The pairs of answers the contract's cross-field rules compare (sections 1 and 6).
_CONTRADICTING_PAIRS = (
    ("relapses_last_12_months", "last_relapse"),
    ("relapses_last_24_months", "last_relapse"),
    ("investigational_drug_ever", "last_investigational_drug"),
    ("treatments_ever", "treatment_history"),
    ("treatments_last_6_months", "treatment_history"),
)


def contradiction_message(key: str, answers: dict[str, Any]) -> str | None:
    """The contradiction between the answer to ``key`` and an earlier one, in the
    patient's words, or None when it is none of the section 6 pairs.

    Which pair contradicts is the engine's decision: each pair that includes ``key`` is
    validated on its own, so the rules (a month contradicts only when every one of its
    days does) are never retyped here.
    """
    for pair in _CONTRADICTING_PAIRS:
        if key not in pair or not all(answers.get(k) is not None for k in pair):
            continue
        try:
            validate_answers({k: answers[k] for k in pair}, today=timezone.localdate())
        except InvalidAnswers:
            return _pair_message(pair, answers)
    return None


def _pair_message(pair: tuple[str, str], answers: dict[str, Any]) -> str:
    first, second = pair
    lang = _current_lang()
    change = _("Change this answer, or go back and change the earlier one.")
    if second == "last_relapse":
        count, last = answers[first], answers[second]
        months = 12 if first == "relapses_last_12_months" else 24
        when = FACTS[second].format_value(last, lang)
        if count == 0:
            said = _(
                "You said you had no MS attacks (relapses) in the past %(months)s months, "
                "but that your most recent attack began in %(when)s."
            ) % {"months": months, "when": when}
        elif last == NEVER:
            said = ngettext(
                "You said you had %(count)s MS attack (relapse) in the past %(months)s months, "
                "but also that you have never had one.",
                "You said you had %(count)s MS attacks (relapses) in the past %(months)s "
                "months, but also that you have never had one.",
                count,
            ) % {"count": count, "months": months}
        else:
            said = ngettext(
                "You said you had %(count)s MS attack (relapse) in the past %(months)s months, "
                "but that your most recent attack began in %(when)s, longer ago than that.",
                "You said you had %(count)s MS attacks (relapses) in the past %(months)s "
                "months, but that your most recent attack began in %(when)s, longer ago "
                "than that.",
                count,
            ) % {"count": count, "months": months, "when": when}
        return f"{said} {change}"
    if second == "last_investigational_drug":
        last = answers[second]
        if last == NEVER:
            said = _(
                "You said you have received a drug in a clinical study, but also that you "
                "never have."
            )
        else:
            said = _(
                "You said you have never received a drug in a clinical study, but you gave "
                "the date of a last dose (%(when)s)."
            ) % {"when": FACTS[second].format_value(last, lang)}
        return f"{said} {change}"
    return f"{_history_list_message(first)} {change}"


def _history_list_message(list_key: str) -> str:
    """A treatment history that does not match a treatment list answered earlier."""
    if list_key == "treatments_ever":
        return _(
            "The treatments you give here are not the same as the treatments you said "
            "earlier you have ever taken."
        )
    return _(
        "The last doses you give here do not match the treatments you said earlier you "
        "took in the past 6 months."
    )

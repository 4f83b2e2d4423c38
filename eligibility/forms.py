"""The questionnaire's one-question form, derived from the fact registry.

Nothing here retypes a question, a range or a choice: :func:`question_form` builds the
field from a :class:`eligibility.selectors.Question` (itself read from
``eligibility.engine.facts.FACTS``). What this module adds is the patient's side of the web
form: numbers typed with a decimal comma, a "not sure" button for numbers, a "none of
these" box for treatment lists, and error messages in plain, translated words.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine.facts import UNSURE, format_number
from .selectors import Question

#: The submit button a patient presses when they do not know a number or a list.
UNSURE_BUTTON = "answer_unsure"
#: The pseudo-choice of a treatment list meaning "I have taken none of these".
NONE_CHOICE = "none"


class QuestionForm(forms.Form):
    """One question. ``cleaned_answer`` is the value in the contract's terms.

    The field is named after the answer key (``edss``), so ids and error links read
    ``id_edss``. Pressing the "not sure" button answers ``unsure`` without reading the
    field, which is why it needs no JavaScript.
    """

    def __init__(self, *args, question: Question, lang: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.lang = lang
        self.fields[question.key] = _field_for(question)
        self.cleaned_answer: Any = None

    @property
    def field(self) -> forms.BoundField:
        return self[self.question.key]

    @property
    def unsure_button(self) -> bool:
        """Numbers and lists get a separate "not sure" button; choices list it as a choice."""
        return self.question.allows_unsure and self.question.type != "choice"

    @property
    def answered_unsure(self) -> bool:
        return self.unsure_button and self.data.get(UNSURE_BUTTON) is not None

    def full_clean(self):
        if self.is_bound and self.answered_unsure:
            # "Not sure" wins over whatever was typed: the patient said they don't know.
            self._errors = forms.utils.ErrorDict()
            self.cleaned_data = {self.question.key: UNSURE}
            self.cleaned_answer = UNSURE
            return
        super().full_clean()
        if self.is_bound and not self._errors:
            self.cleaned_answer = self.cleaned_data[self.question.key]

    def clean(self):
        cleaned = super().clean()
        key = self.question.key
        if key in cleaned:
            cleaned[key] = _to_answer(self.question, cleaned[key])
        return cleaned

    def add_answer_error(self, message: str) -> None:
        self.add_error(self.question.key, message)

    @staticmethod
    def initial_for(question: Question, answer: Any) -> dict[str, Any]:
        """The form's initial data for an answer already given (going back to a question)."""
        if answer is None or answer == UNSURE and question.type != "choice":
            return {}
        if question.type == "multi_choice":
            return {question.key: list(answer) or [NONE_CHOICE]}
        if question.type in ("integer", "number"):
            return {question.key: format_number(answer)}
        return {question.key: answer}


def _field_for(question: Question) -> forms.Field:
    """The Django field for one registry question."""
    common = {"label": question.text, "help_text": question.help}
    if question.type == "choice":
        return forms.ChoiceField(
            choices=question.choices,
            widget=forms.RadioSelect,
            error_messages={"required": gettext_lazy("Choose one of the answers.")},
            **common,
        )
    if question.type == "multi_choice":
        choices = [*question.choices, (NONE_CHOICE, gettext_lazy("None of these"))]
        return forms.MultipleChoiceField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": gettext_lazy(
                    "Tick every treatment you have taken, or tick 'None of these'."
                )
            },
            **common,
        )
    if question.type in ("integer", "number"):
        return NumberAnswerField(question=question, **common)
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)


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
        super().__init__(
            widget=forms.TextInput(attrs={**attrs, "maxlength": "12"}),
            error_messages={"required": gettext_lazy("Enter a number.")},
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
    from django.utils.translation import get_language

    return get_language() or "en"


def _to_answer(question: Question, value: Any) -> Any:
    """A cleaned field value as the contract's answer value."""
    if question.type == "multi_choice":
        codes = list(value)
        if NONE_CHOICE in codes:
            if len(codes) > 1:
                raise forms.ValidationError(
                    {
                        question.key: _(
                            "You ticked 'None of these' and a treatment. Untick one of them."
                        )
                    }
                )
            return []
        return codes
    if question.type == "date" and value is not None:
        return value.isoformat()
    return value

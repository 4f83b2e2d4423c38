"""The web questionnaire: one question per page, for one trial or for every MS trial.

A :class:`Flow` says where a questionnaire's pages live and which trials it asks about;
:func:`question_page` serves it (GET: the next or the requested question; POST: save an
answer and move on). The trial check (``eligibility.views``) and "Find trials for me"
(``match.views``) are two flows over the one answer set of the screening session
(``eligibility.session``).

What to ask next is ``eligibility.services.questionnaire_next``: it skips questions that
cannot change a verdict and returns None once every verdict is settled, which ends the
questionnaire early. A question key may appear in a URL (``?q=edss`` to go back to it);
an answer never does. The web asks the patient's age (``WEB_AGE_KEY``), never the date
of birth.

The helpers at the end present an outcome: criteria grouped by status, the questions to
take to a neurologist, the answers with links to change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from finder.models import Trial

from .engine.facts import FACTS, UNSURE, InvalidAnswers, describe_dose
from .forms import QuestionForm, contradiction_message
from .selectors import WEB_AGE_KEY, Question, asked_key, question_for, question_keys
from .services import Answers, ScreeningOutcome, answers_prepare, questionnaire_next
from .session import AnswerStore


@dataclass(frozen=True)
class Flow:
    """Where a questionnaire's pages live and which trials it asks about."""

    scope: str
    trials: list[Trial]
    question_url: str
    result_url: str
    restart_url: str
    cancel_url: str
    title: str

    def question_keys(self) -> list[str]:
        """Every question this questionnaire could ask, in the registry's order."""
        return question_keys(trials=self.trials, age_key=WEB_AGE_KEY)

    def next_key(self, answers: Answers | dict[str, Any]) -> str | None:
        """The next question worth asking, or None when every verdict is settled."""
        return questionnaire_next(trials=self.trials, answers=answers, age_key=WEB_AGE_KEY)


def question_page(request: HttpRequest, flow: Flow) -> HttpResponse:
    """GET: the next (or the requested) question. POST: save an answer, then move on."""
    store = AnswerStore(request, flow.scope)
    lang = request.LANGUAGE_CODE
    keys = flow.question_keys()
    requested = request.POST.get("question") or request.GET.get("q")
    if requested in keys:
        key = requested
    else:
        key = flow.next_key(store.answers)
        if key is None:
            return redirect(flow.result_url)
    question = question_for(key, lang=lang)

    if request.method == "POST":
        form = QuestionForm(request.POST, question=question, lang=lang)
        prepared = _answers_with(form, store) if form.is_valid() else None
        if prepared is not None:
            store.save(key, form.cleaned_answer)
            following = flow.next_key(prepared)
            return redirect(flow.question_url if following else flow.result_url)
        status = 400
    else:
        form = QuestionForm(
            question=question,
            lang=lang,
            initial=QuestionForm.initial_for(question, store.answers.get(key)),
        )
        status = 200
    return render(
        request,
        "eligibility/question.html",
        {
            "flow": flow,
            "form": form,
            "question": question,
            "progress": _progress(store, keys, key),
            "back_url": _back_url(flow, store, key),
            "answered_before": bool(store.answers) and not store.path,
        },
        status=status,
    )


def _answers_with(form: QuestionForm, store: AnswerStore) -> Answers | None:
    """Every answer with the new one, validated once together (the cross-field rules of
    the contract); ``None``, with the error on the form, when they do not fit."""
    key = form.question.key
    answers = {**store.answers, key: form.cleaned_answer}
    try:
        return answers_prepare(answers=answers)
    except InvalidAnswers as invalid:
        form.add_answer_error(_cross_field_message(key, invalid.errors, answers))
        return None


def _cross_field_message(key: str, errors: dict[str, str], answers: dict[str, Any]) -> str:
    pair = {"relapses_last_12_months", "relapses_last_24_months"}
    if key in pair and pair & set(errors):
        return _(
            "The past 24 months include the past 12 months, so the number for 24 months "
            "(%(r24)s) cannot be smaller than the number for 12 months (%(r12)s). "
            "Check both numbers."
        ) % {
            "r24": answers.get("relapses_last_24_months"),
            "r12": answers.get("relapses_last_12_months"),
        }
    contradiction = contradiction_message(key, answers)
    if contradiction is not None:
        return contradiction
    return _("This answer does not fit with your other answers. Check it and try again.")


@dataclass(frozen=True)
class Progress:
    number: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * (self.number - 1) / self.total) if self.total else 0


def _progress(store: AnswerStore, keys: list[str], key: str) -> Progress:
    path = [k for k in store.path if k in keys]
    if key in path:
        number = path.index(key) + 1
    else:
        number = len([k for k in keys if k in store.answers]) + 1
    return Progress(number=min(number, len(keys)), total=len(keys))


def _back_url(flow: Flow, store: AnswerStore, key: str) -> str:
    path = store.path
    if key in path:
        index = path.index(key)
        previous = path[index - 1] if index > 0 else None
    else:
        previous = path[-1] if path else None
    return f"{flow.question_url}?q={previous}" if previous else flow.cancel_url


# --- presenting an outcome -----------------------------------------------------------------


def first_reason(outcome: ScreeningOutcome) -> str:
    """The one criterion a match card names: the first that rules out, else the first open."""
    for status in ("fail", "unknown"):
        for criterion in outcome.criteria:
            if criterion["status"] == status:
                return criterion["text"]
    return ""


def criteria_groups(criteria: list[dict]) -> list[dict]:
    """Criteria grouped for reading: what rules you out, what your answers leave open, what
    the study team checks, what fits."""
    titles = {
        "fail": _("What rules you out"),
        "unknown": _("What we could not check yet"),
        "not_checked": _("What the study team checks with you"),
        "pass": _("What fits"),
    }
    return [
        {"status": status, "title": titles[status], "criteria": items}
        for status in ("fail", "unknown", "not_checked", "pass")
        if (items := [c for c in criteria if c["status"] == status])
    ]


def neurologist_questions(outcome: ScreeningOutcome, lang: str) -> list[Question]:
    """The unknowns as questions to take to a neurologist: missing answers, 'not sure',
    and treatments whose last dose the patient was not sure of.

    Rules test day counts (``days_since_last_relapse``); the patient was asked the date
    (``last_relapse``), so each key is told as the question that answers it, once.
    """
    keys: dict[str, None] = {}
    for criterion in outcome.criteria:
        if criterion["status"] != "unknown":
            continue
        for key, value in criterion["facts_used"].items():
            if _left_open(value):
                keys[asked_key(key, age_key=WEB_AGE_KEY)] = None
    for key in outcome.missing:
        keys[asked_key(key, age_key=WEB_AGE_KEY)] = None
    ordered = sorted(keys, key=lambda key: FACTS[key].order)
    return [question_for(key, lang=lang) for key in ordered]


def _left_open(value: Any) -> bool:
    """An answer of 'not sure', or a treatment history with a dose of unsure date."""
    if isinstance(value, dict):
        return UNSURE in value.values()
    return isinstance(value, str) and value == UNSURE


def answers_summary(answers: dict[str, Any], flow: Flow, lang: str) -> list[dict]:
    """Each answer as the patient reads it, with the link that changes it.

    Dates read "March 2026" / "marzo de 2026"; a treatment history is told row by row
    (a list, built with ``format_html`` so every label is escaped).
    """
    rows = []
    asked = set(flow.question_keys())
    for key in sorted(answers.keys() & asked, key=lambda key: FACTS[key].order):
        fact = FACTS[key]
        rows.append(
            {
                "key": key,
                "question": fact.question(lang),
                "answer": _answer_shown(key, answers[key], lang),
                "change_url": f"{flow.question_url}?q={key}",
            }
        )
    return rows


def _answer_shown(key: str, value: Any, lang: str) -> str:
    fact = FACTS[key]
    if value == UNSURE:
        return _("Not sure")
    if fact.type == "multi_choice" and not value:
        return pgettext("conditions", "None") if key == "other_conditions" else _("None")
    if fact.type == "treatment_history":
        if not value:
            return _("None")
        lines = [capfirst(describe_dose(code, last, lang)) for code, last in value.items()]
        if len(lines) == 1:
            return lines[0]
        items = format_html_join("", "<li>{}</li>", ((line,) for line in lines))
        return format_html('<ul class="answer-rows">{}</ul>', items)
    return fact.format_value(value, lang)

"""Three-valued evaluation of criteria, trial verdicts and plain-language explanations.

Truth values are Python's ``True`` (TRUE), ``False`` (FALSE) and ``None`` (UNKNOWN);
they combine with Kleene's strong logic: an ``all`` with one FALSE operand is FALSE even
when others are UNKNOWN, an ``any`` with one TRUE operand is TRUE likewise. A missing
fact or the answer ``unsure`` makes a comparison UNKNOWN, never TRUE or FALSE.

A rule is compiled once (:func:`compile_rule`) into nested closures with each operator's
operand pre-processed; :func:`interpret_rule` walks the JSON on every call and is kept
deliberately simple, as the benchmark baseline and the oracle the tests compare against.

Evaluation takes *prepared facts*: answers passed through
:func:`eligibility.engine.facts.prepare_facts` (validated, normalised, ``age``, day
counts and treatment lists derived).

A criterion may have no rule (``CriterionSpec.rule is None``): a registered line the
service cannot check (spec section 6.4). Its status is ``not_checked``, which counts
like ``unknown`` in the verdict, so a trial with one is never ``eligible``. A criterion
whose rule is *partial* (``{"partial": rule, "unread": ...}``: the rule reads only part
of its line) keeps the statuses that rule a patient out or leave it open (``fail``,
``unknown``), and is ``not_checked`` where its rule would pass: the study team checks
the part the rule does not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from types import CodeType
from typing import Any, Literal

from .facts import (
    ASKING_ORDER,
    DERIVED_FROM,
    FACTS,
    HISTORY_LISTS,
    TREATMENT_CODES,
    UNSURE,
    Text,
    describe_history,
    describe_list_codes,
    is_known,
    join_words,
    normalize_language,
    prepare_facts,
)
from .rules import (
    OPERATORS,
    PARTIAL_KEY,
    Rule,
    RuleError,
    is_partial,
    iter_comparisons,
    probe_values,
    rule_codes,
    rule_facts,
    validate_rule,
)
from .treatments import SIX_MONTHS_DAYS, derived_lists, dose_within
from .values import DayRange, TreatmentHistory, UncertainCodes, json_value

Truth = bool | None
Evaluator = Callable[[Mapping[str, Any]], Truth]

TRUE: Truth = True
FALSE: Truth = False
UNKNOWN: Truth = None

INCLUSION = "inclusion"
EXCLUSION = "exclusion"
CriterionKind = Literal["inclusion", "exclusion"]

PASS, FAIL, STATUS_UNKNOWN = "pass", "fail", "unknown"
#: A criterion with no rule: the study team checks it; counts like ``unknown``.
NOT_CHECKED = "not_checked"
ELIGIBLE, POSSIBLY_ELIGIBLE, INELIGIBLE = "eligible", "possibly_eligible", "ineligible"


# --- Kleene connectives (shared by the interpreter, the compiler and the tests) ---------------


def kleene_not(value: Truth) -> Truth:
    """Negation: UNKNOWN stays UNKNOWN."""
    return None if value is None else not value


def _junction(values: Iterable[Truth], decisive: bool) -> Truth:
    """``decisive`` (False for AND, True for OR) wins, then UNKNOWN, else its opposite."""
    unknown = False
    for value in values:
        if value is decisive:
            return decisive
        if value is None:
            unknown = True
    return None if unknown else not decisive


def kleene_all(values: Iterable[Truth]) -> Truth:
    """Conjunction: FALSE wins, then UNKNOWN, else TRUE."""
    return _junction(values, False)


def kleene_any(values: Iterable[Truth]) -> Truth:
    """Disjunction: TRUE wins, then UNKNOWN, else FALSE."""
    return _junction(values, True)


# --- the straightforward interpreter ----------------------------------------------------------


def interpret_rule(rule: Rule, facts: Mapping[str, Any]) -> Truth:
    """Evaluate ``rule`` by walking its JSON; the reference semantics of the engine."""
    if PARTIAL_KEY in rule:
        return interpret_rule(rule[PARTIAL_KEY], facts)
    if "all" in rule:
        return kleene_all(interpret_rule(child, facts) for child in rule["all"])
    if "any" in rule:
        return kleene_any(interpret_rule(child, facts) for child in rule["any"])
    if "not" in rule:
        return kleene_not(interpret_rule(rule["not"], facts))
    operator = OPERATORS[rule["op"]]
    if operator.evaluate_facts is not None:
        return operator.evaluate_facts(facts, rule.get("value"))
    value = facts.get(rule["fact"])
    if not is_known(value):
        return None
    return operator.test(value, rule.get("value"))


# --- the compiler -----------------------------------------------------------------------------


def compile_rule(rule: Rule, *, validate: bool = True) -> Evaluator:
    """Compile ``rule`` once into a closure ``facts -> Truth`` equal to :func:`interpret_rule`.

    Validates first (raising :class:`RuleError`) unless the caller already did.
    """
    if validate:
        validate_rule(rule)
    return _compile(rule)


def _compile(rule: Rule) -> Evaluator:
    if PARTIAL_KEY in rule:
        return _compile(rule[PARTIAL_KEY])
    if "all" in rule:
        return _compile_junction(tuple(_compile(child) for child in rule["all"]), False)
    if "any" in rule:
        return _compile_junction(tuple(_compile(child) for child in rule["any"]), True)
    if "not" in rule:
        return _compile_not(_compile(rule["not"]))
    operator = OPERATORS[rule["op"]]
    if operator.build_facts is not None:
        return operator.build_facts(rule.get("value"))
    return _compile_comparison(rule["fact"], operator.build(rule.get("value")))


def _compile_comparison(key: str, predicate: Callable[[Any], Truth]) -> Evaluator:
    def evaluate(facts: Mapping[str, Any]) -> Truth:
        value = facts.get(key)
        # `unsure` is a string; comparing it with a number would raise, so test it first.
        if value is None or value == UNSURE:
            return None
        return predicate(value)

    return evaluate


def _compile_junction(children: tuple[Evaluator, ...], decisive: bool) -> Evaluator:
    """AND (``decisive`` False) or OR (True) over compiled operands, short-circuiting."""
    if len(children) == 1:
        return children[0]

    def evaluate(facts: Mapping[str, Any]) -> Truth:
        unknown = False
        for child in children:
            value = child(facts)
            if value is decisive:
                return decisive
            if value is None:
                unknown = True
        return None if unknown else not decisive

    return evaluate


def _compile_not(child: Evaluator) -> Evaluator:
    def evaluate(facts: Mapping[str, Any]) -> Truth:
        value = child(facts)
        return None if value is None else not value

    return evaluate


# --- criteria and trials ----------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion as plain data (the Django layer builds these from its models).

    ``text`` and ``text_es`` are the patient-facing wording, written as a noun phrase
    ("People aged 18 to 55") so explanations can say "This study takes people aged ...".
    ``rule`` is ``None`` for a registered line with no live rule: it is ``not_checked``.
    ``clinical_text`` is the criterion as the registry wrote it, shown beside the
    patient text.
    """

    id: Any
    kind: CriterionKind
    rule: Rule | None
    text: str
    text_es: str = ""
    clinical_text: str = ""

    @property
    def partial(self) -> bool:
        """Whether the rule reads its line only in part (it never passes; see the module)."""
        return is_partial(self.rule)

    def text_for(self, lang: str | None) -> str:
        """Patient text in ``lang``, falling back to English."""
        if normalize_language(lang) == "es" and self.text_es:
            return self.text_es
        return self.text


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's status from the patient's side, with the facts and the reason."""

    id: Any
    kind: CriterionKind
    text: str
    status: str
    facts_used: dict[str, Any]
    explanation: str
    needs: tuple[str, ...] = ()
    clinical_text: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The API's criterion object."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "clinical_text": self.clinical_text,
            "status": self.status,
            "facts_used": self.facts_used,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class TrialResult:
    """A trial's verdict, every criterion's result, and the answer keys still unknown.

    ``checked`` of ``total`` criteria have a rule (the others are ``not_checked``).
    """

    verdict: str
    results: tuple[CriterionResult, ...]
    missing: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def checked(self) -> int:
        return sum(1 for result in self.results if result.status != NOT_CHECKED)


def criterion_status(kind: str, truth: Truth, partial: bool = False) -> str:
    """An inclusion met, or an exclusion that does not apply, passes; UNKNOWN is unknown.

    A ``partial`` rule reads only part of its line, so where it would pass the line is
    ``not_checked`` (the study team checks the rest); its ``fail`` stands.
    """
    if truth is None:
        return STATUS_UNKNOWN
    applies_against = (truth is False) if kind == INCLUSION else (truth is True)
    if applies_against:
        return FAIL
    return NOT_CHECKED if partial else PASS


def verdict_of(statuses: Iterable[str]) -> str:
    """Spec sections 2 and 6.4: ineligible if any fails, else possibly eligible if any is
    unknown or not checked, else eligible."""
    unknown = False
    for status in statuses:
        if status == FAIL:
            return INELIGIBLE
        if status in (STATUS_UNKNOWN, NOT_CHECKED):
            unknown = True
    return POSSIBLY_ELIGIBLE if unknown else ELIGIBLE


def interpret_criterion(spec: CriterionSpec, facts: Mapping[str, Any]) -> str:
    """A criterion's status by the interpreter (the reference for the compiled paths)."""
    if spec.rule is None:
        return NOT_CHECKED
    return criterion_status(spec.kind, interpret_rule(spec.rule, facts), spec.partial)


def interpret_verdict(specs: Iterable[CriterionSpec], facts: Mapping[str, Any]) -> str:
    """A trial's verdict by the interpreter (the reference for the generated function)."""
    return verdict_of(interpret_criterion(spec, facts) for spec in specs)


@dataclass(frozen=True)
class CompiledCriterion:
    """A criterion with its rule compiled, the facts the rule reads, and probe values.

    ``probes`` maps each fact to the values worth trying when asking whether an answer
    could still change this criterion (see :func:`~eligibility.engine.rules.probe_values`).
    """

    spec: CriterionSpec
    evaluate: Evaluator
    facts: tuple[str, ...]

    @cached_property
    def probes(self) -> Mapping[str, tuple[Any, ...]]:
        # Only the questionnaire needs them: computed on first use, not at compile time.
        if self.spec.rule is None:
            return {}
        return {key: probe_values(self.spec.rule, key) for key in self.facts}

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def checked(self) -> bool:
        """Whether the criterion has a rule (else it is ``not_checked``)."""
        return self.spec.rule is not None

    def status(self, facts: Mapping[str, Any]) -> str:
        """``pass``, ``fail``, ``unknown`` or ``not_checked`` for prepared ``facts``."""
        if self.spec.rule is None:
            return NOT_CHECKED
        return criterion_status(self.spec.kind, self.evaluate(facts), self.spec.partial)


class CompiledTrial:
    """A trial's criteria compiled once; evaluate it against any number of answer sets."""

    def __init__(self, criteria: Iterable[CompiledCriterion], *, trial_id: Any = None):
        self.trial_id = trial_id
        self.criteria: tuple[CompiledCriterion, ...] = tuple(criteria)
        # Generated on first use: it is most of a compiled trial's memory and compile
        # time, and the catalog-wide paths (eligibility.engine.catalog) never call it.
        self._verdict: Callable[[Mapping[str, Any]], str] | None = None
        self.facts: tuple[str, ...] = tuple(
            dict.fromkeys(k for c in self.criteria for k in c.facts)
        )

    def __repr__(self) -> str:
        return f"CompiledTrial({self.trial_id!r}, {len(self.criteria)} criteria)"

    def verdict(self, facts: Mapping[str, Any]) -> str:
        """The verdict only, for prepared ``facts``; stops at the first failing criterion."""
        verdict = self._verdict
        if verdict is None:
            # Two threads may both generate it; either function is the same verdict.
            verdict = self._verdict = compile_verdict(self.criteria)
        return verdict(facts)

    def statuses(self, facts: Mapping[str, Any]) -> list[str]:
        """Every criterion's status, in criterion order, for prepared ``facts``."""
        return [c.status(facts) for c in self.criteria]

    def evaluate_facts(self, facts: Mapping[str, Any], *, lang: str = "en") -> TrialResult:
        """The full result (statuses, facts used, explanations) for prepared ``facts``."""
        results = tuple(explain_criterion(c, facts, lang=lang) for c in self.criteria)
        needed = {key for result in results for key in result.needs}
        missing = tuple(key for key in ASKING_ORDER if key in needed)
        return TrialResult(verdict_of(r.status for r in results), results, missing)

    def evaluate(self, answers: Any, *, today: date, lang: str = "en") -> TrialResult:
        """Validate raw ``answers`` (raises ``InvalidAnswers``) and evaluate them."""
        return self.evaluate_facts(prepare_facts(answers, today=today), lang=lang)


class _VerdictSource:
    """Generates the Python source of one trial's verdict function.

    Calling one nested closure per rule node costs a Python call per node; a trial's
    verdict is on the catalog-wide hot path (one answer set against every trial), so
    it is generated as a single straight-line function instead: each fact is fetched
    once, each comparison is an inline expression, Kleene connectives are conditional
    expressions, and the first failing criterion returns. Only validated rules reach
    here, so every fact key and literal comes from the registry or is a number; literals
    are still written with ``repr`` and sets are passed in as named constants.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.variables: dict[str, str] = {}
        self.temporaries = 0

    def constant(self, value: Any) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    def temporary(self) -> str:
        self.temporaries += 1
        return f"t{self.temporaries}"

    def fetch(self, key: str) -> str:
        """The local holding fact ``key`` (None when missing or unsure), fetched once."""
        if key not in self.variables:
            name = self.variables[key] = f"v{len(self.variables)}"
            self.lines.append(f"    {name} = get({key!r})")
            self.lines.append(f"    if {name} == {UNSURE!r}: {name} = None")
        return self.variables[key]

    def truth(self, rule: Rule) -> str:
        """Emit statements computing ``rule``'s truth; return the temporary holding it."""
        if PARTIAL_KEY in rule:
            return self.truth(rule[PARTIAL_KEY])
        target = self.temporary()
        if "all" in rule or "any" in rule:
            parts = [self.truth(child) for child in rule.get("all") or rule["any"]]
            wins, otherwise = ("False", "True") if "all" in rule else ("True", "False")
            decided = " or ".join(f"{p} is {wins}" for p in parts)
            unknown = " or ".join(f"{p} is None" for p in parts)
            expression = f"{wins} if ({decided}) else (None if ({unknown}) else {otherwise})"
        elif "not" in rule:
            inner = self.truth(rule["not"])
            expression = f"None if {inner} is None else (not {inner})"
        else:
            expression = self.comparison(rule)
        self.lines.append(f"    {target} = {expression}")
        return target

    def comparison(self, rule: Rule) -> str:
        """The expression of one comparison (TRUE, FALSE or None)."""
        operator = OPERATORS[rule["op"]]
        operand = rule.get("value")
        if operator.build_facts is not None:
            # It reads several facts (treatment_history, else the lists).
            return f"{self.constant(operator.build_facts(operand))}(facts)"
        fact = FACTS[rule["fact"]]
        variable = self.fetch(rule["fact"])
        predicate = f"{self.constant(operator.build(operand))}({variable})"
        if operator.source is None:
            test = predicate
        else:
            test = operator.source(variable, operand, self.constant)
            if not (fact.has_plain_values or operator.source_any_value):
                # Inline for plain values; `never`, a day range or an uncertain list
                # take the three-valued predicate.
                plain = self.constant(_PLAIN_TYPES[fact.type])
                test = f"({test}) if {variable}.__class__ in {plain} else {predicate}"
        return f"None if {variable} is None else ({test})"

    def function(self, criteria: Iterable[CompiledCriterion]) -> Callable[[Mapping], str]:
        for criterion in criteria:
            if criterion.spec.rule is None:
                self.lines.append("    unknown = True  # not checked")
                continue
            result = self.truth(criterion.spec.rule)
            fails_on = "True" if criterion.kind == EXCLUSION else "False"
            self.lines.append(f"    if {result} is {fails_on}: return {INELIGIBLE!r}")
            if criterion.spec.partial:
                # It never passes: not checked where it does not fail.
                self.lines.append("    unknown = True  # partial")
            else:
                self.lines.append(f"    if {result} is None: unknown = True")
        body = "\n".join(self.lines)
        source = (
            "def verdict(facts):\n    get = facts.get\n    unknown = False\n"
            f"{body}\n    return {POSSIBLY_ELIGIBLE!r} if unknown else {ELIGIBLE!r}\n"
        )
        namespace: dict[str, Any] = dict(self.constants)
        # The source is built only from validated rules (see the class docstring).
        exec(_compiled_source(source), namespace)  # noqa: S102
        return namespace["verdict"]


_NUMBER_TYPES = frozenset({int, float})
_LIST_TYPES = frozenset({list, tuple})
_PLAIN_TYPES = {"integer": _NUMBER_TYPES, "number": _NUMBER_TYPES, "days": _NUMBER_TYPES}
_PLAIN_TYPES["multi_choice"] = _LIST_TYPES


@lru_cache(maxsize=4096)
def _compiled_source(source: str) -> CodeType:
    """Byte-compiling dominates compile time; trials with the same rules share the code."""
    return compile(source, "<trial verdict>", "exec")


def compile_verdict(criteria: Iterable[CompiledCriterion]) -> Callable[[Mapping[str, Any]], str]:
    """One generated function ``facts -> verdict`` for validated, compiled criteria."""
    return _VerdictSource().function(criteria)


def compile_criterion(spec: CriterionSpec) -> CompiledCriterion:
    """Validate and compile one criterion; a :class:`RuleError` names the criterion."""
    if spec.kind not in (INCLUSION, EXCLUSION):
        raise RuleError(
            "kind", f"must be 'inclusion' or 'exclusion', not {spec.kind!r}"
        ).for_criterion(spec.id)
    if spec.rule is None:
        return CompiledCriterion(spec, _not_checked, ())
    try:
        evaluator = compile_rule(spec.rule)
    except RuleError as error:
        raise error.for_criterion(spec.id) from None
    return CompiledCriterion(spec, evaluator, rule_facts(spec.rule))


def _not_checked(facts: Mapping[str, Any]) -> Truth:
    return None


def compile_trial(criteria: Iterable[CriterionSpec], *, trial_id: Any = None) -> CompiledTrial:
    """Compile every criterion of a trial (raises :class:`RuleError` naming the culprit)."""
    return CompiledTrial((compile_criterion(spec) for spec in criteria), trial_id=trial_id)


def evaluate_trials(
    trials: Iterable[CompiledTrial], answers: Any, *, today: date
) -> list[tuple[Any, str]]:
    """One set of raw answers against many trials: ``(trial_id, verdict)`` per trial.

    The answers are validated once; this is the catalog-wide path the benchmark times.
    """
    facts = prepare_facts(answers, today=today)
    return [(trial.trial_id, trial.verdict(facts)) for trial in trials]


# --- explanations -----------------------------------------------------------------------------


def deciding_facts(rule: Rule, facts: Mapping[str, Any]) -> tuple[Truth, list[str]]:
    """The rule's truth and the facts that decide it, for explanations.

    A FALSE ``all`` is decided by its FALSE operands alone, a TRUE ``any`` by its TRUE
    ones, so "you told us you are 58" is not padded with facts that did not matter. For
    an UNKNOWN result the keys are the unknown facts that would settle it. A treatment
    history operator names the list that decided it when the history was not answered.
    """
    if PARTIAL_KEY in rule:
        return deciding_facts(rule[PARTIAL_KEY], facts)
    if "all" in rule or "any" in rule:
        children = [deciding_facts(child, facts) for child in rule.get("all") or rule["any"]]
        truths = [truth for truth, _ in children]
        truth = kleene_all(truths) if "all" in rule else kleene_any(truths)
        # The operands that agree with the result decide it (all of them when TRUE for
        # `all` / FALSE for `any`, since every operand was needed).
        keys = [key for t, ks in children if t is truth for key in ks]
        return truth, list(dict.fromkeys(keys))
    if "not" in rule:
        truth, keys = deciding_facts(rule["not"], facts)
        return kleene_not(truth), keys
    operator = OPERATORS[rule["op"]]
    if operator.deciding_facts is not None:
        return operator.deciding_facts(facts, rule.get("value"))
    return interpret_rule(rule, facts), [rule["fact"]]


_TEMPLATES = {
    "en": {
        (INCLUSION, PASS): "This study takes {text}; you told us {facts}, so you meet this.",
        (INCLUSION, FAIL): "This study takes {text}; you told us {facts}.",
        (EXCLUSION, FAIL): "This study does not take {text}; you told us {facts}.",
        (EXCLUSION, PASS): (
            "This study does not take {text}; you told us {facts}, so this does not apply to you."
        ),
        INCLUSION: "this study takes {text}",
        EXCLUSION: "this study does not take {text}",
        "unknown": "We don't know yet whether this applies to you: {rule}; {reasons}.",
        "ask_one": "your answer to {questions} would tell us",
        "ask_many": "your answers to {questions} would tell us",
        "unsure": "you told us you are not sure about {questions}, which your doctor may know",
        "month": (
            "the month you gave for {questions} is not precise enough, and the exact day "
            "would tell us"
        ),
        "dose_unsure": "you are not sure when you last took {treatments}",
        "dose_month": (
            "the month you gave for your last dose of {treatments} is not precise enough, "
            "and the exact day would tell us"
        ),
        "undecided": "your answers so far do not settle it",
        "partial": "the records sent list only some of your {things} and say nothing of {codes}",
        "partial_many": (
            "the records sent list only some of your {things} and say nothing of the others"
        ),
        NOT_CHECKED: (
            "We can't check this from your answers, so the study team will check it with "
            "you: {rule}."
        ),
        "partial_rest": (
            "We can check only part of this from your answers: {rule}. You told us {facts}, "
            "which does not rule you out; the study team will check the rest with you."
        ),
    },
    "es": {
        (INCLUSION, PASS): "Este estudio admite a {text}; nos dijo que {facts}, así que lo cumple.",
        (INCLUSION, FAIL): "Este estudio admite a {text}; nos dijo que {facts}.",
        (EXCLUSION, FAIL): "Este estudio no admite a {text}; nos dijo que {facts}.",
        (EXCLUSION, PASS): (
            "Este estudio no admite a {text}; nos dijo que {facts}, así que esto no le afecta."
        ),
        INCLUSION: "este estudio admite a {text}",
        EXCLUSION: "este estudio no admite a {text}",
        "unknown": "Todavía no sabemos si esto se aplica a usted: {rule}; {reasons}.",
        "ask_one": "su respuesta a {questions} nos lo diría",
        "ask_many": "sus respuestas a {questions} nos lo dirían",
        "unsure": "nos dijo que no está seguro/a de {questions}, algo que su médico puede saber",
        "month": (
            "el mes que indicó en {questions} no es lo bastante preciso, y el día exacto nos "
            "lo diría"
        ),
        "dose_unsure": "no está seguro/a de cuándo tomó por última vez {treatments}",
        "dose_month": (
            "el mes que indicó para su última dosis de {treatments} no es lo bastante "
            "preciso, y el día exacto nos lo diría"
        ),
        "undecided": "sus respuestas hasta ahora no lo deciden",
        "partial": (
            "los registros enviados solo recogen algunos de sus {things} y no dicen nada de {codes}"
        ),
        "partial_many": (
            "los registros enviados solo recogen algunos de sus {things} y no dicen nada de "
            "los demás"
        ),
        NOT_CHECKED: (
            "No podemos comprobarlo con sus respuestas, así que el equipo del estudio lo "
            "comprobará con usted: {rule}."
        ),
        "partial_rest": (
            "Con sus respuestas solo podemos comprobar una parte de esto: {rule}. Nos dijo "
            "que {facts}, lo que no le excluye; el equipo del estudio comprobará el resto "
            "con usted."
        ),
    },
}


def _lower_first(text: str) -> str:
    # Patient texts are written capitalised for lists ("People aged 18 to 55").
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _quoted_questions(keys: list[str], lang: str) -> str:
    # A day count is asked as its date ("When did your most recent MS attack begin?").
    asked = dict.fromkeys(DERIVED_FROM.get(key, key) for key in keys)
    return join_words([f"'{FACTS[key].question(lang)}'" for key in asked], lang)


def _history_of(facts: Mapping[str, Any]) -> TreatmentHistory | None:
    history = facts.get("treatment_history")
    return history if isinstance(history, TreatmentHistory) else None


def _derived_list_source(key: str, facts: Mapping[str, Any]) -> TreatmentHistory | None:
    """The history a treatment list in ``facts`` was derived from, if it was."""
    history = _history_of(facts)
    if history is None or key not in HISTORY_LISTS:
        return None
    derived = derived_lists(history, TREATMENT_CODES)[HISTORY_LISTS.index(key)]
    return history if facts.get(key) == derived else None


def facts_used(keys: Iterable[str], facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts a criterion reads, as JSON, with the answers they were derived from.

    A day count comes with its dated answer (``last_relapse``), a derived treatment list
    with ``treatment_history``, and ``treatment_history`` with the lists that stand in
    for it when it is not answered.
    """
    used: dict[str, Any] = {}
    for key in keys:
        related: tuple[str, ...] = ()
        if key in DERIVED_FROM:
            related = (DERIVED_FROM[key],)
        elif key in HISTORY_LISTS and _history_of(facts) is not None:
            related = ("treatment_history",)
        elif key == "treatment_history":
            related = HISTORY_LISTS
        for name in (key, *related):
            if name in facts:
                used[name] = json_value(facts[name])
    return used


def _told(rule: Rule, key: str, facts: Mapping[str, Any], lang: str) -> str:
    """What the patient told us about ``key``, limited to what ``rule`` asks about."""
    source = DERIVED_FROM.get(key)
    if source is not None and is_known(facts.get(source)):
        return FACTS[source].describe_answer(facts[source], lang)
    if key == "treatment_history":
        return describe_history(facts[key], rule_codes(rule, key), lang)
    if key in HISTORY_LISTS and not _comparisons(rule, key):
        # A list standing in for an unanswered history (taken_within, currently_taking).
        codes = rule_codes(rule, "treatment_history") or frozenset()
        return describe_list_codes(key, facts[key], codes, lang)
    history = _derived_list_source(key, facts)
    if history is not None:
        return describe_history(history, rule_codes(rule, key), lang)
    return FACTS[key].describe_answer(facts[key], lang)


def _undecided_doses(rule: Rule, key: str, facts: Mapping[str, Any]) -> tuple[list, list]:
    """Codes the rule lists whose last dose leaves it open: of unsure date, or a month."""
    history = _history_of(facts) if key in (*HISTORY_LISTS, "treatment_history") else None
    if history is None:
        return [], []
    codes = rule_codes(rule, key)
    bounds = [SIX_MONTHS_DAYS]
    if key == "treatment_history":
        bounds = [c["value"]["days"] for c in _comparisons(rule, key) if c["op"] == "taken_within"]
    unsure, months = [], []
    for code, dose in history.doses.items():
        if codes is not None and code not in codes:
            continue
        if dose == UNSURE:
            unsure.append(code)
        elif isinstance(dose, DayRange) and any(dose_within(dose, b) is None for b in bounds):
            months.append(code)
    return unsure, months


def _comparisons(rule: Rule, key: str) -> list[Rule]:
    return [c for c in iter_comparisons(rule) if c["fact"] == key]


def _unknown_reasons(
    rule: Rule, deciding: list[str], facts: Mapping[str, Any], lang: str
) -> list[str]:
    templates = _TEMPLATES[lang]
    missing = [key for key in deciding if key not in facts]
    unsure = [key for key in deciding if facts.get(key) == UNSURE]
    months = [key for key in deciding if isinstance(facts.get(key), DayRange)]
    reasons = []
    if missing:
        template = templates["ask_one"] if len(missing) == 1 else templates["ask_many"]
        reasons.append(template.format(questions=_quoted_questions(missing, lang)))
    if unsure:
        reasons.append(templates["unsure"].format(questions=_quoted_questions(unsure, lang)))
    if months:
        reasons.append(templates["month"].format(questions=_quoted_questions(months, lang)))
    label = FACTS["treatments_ever"].choice_label
    for key in deciding:
        if key not in (*HISTORY_LISTS, "treatment_history") or not is_known(facts.get(key)):
            continue
        doses_unsure, doses_month = _undecided_doses(rule, key, facts)
        for template, codes in (("dose_unsure", doses_unsure), ("dose_month", doses_month)):
            if codes:
                treatments = join_words([label(code, lang) for code in codes], lang)
                reasons.append(templates[template].format(treatments=treatments))
    reasons.extend(_partial_reasons(rule, deciding, facts, lang))
    return list(dict.fromkeys(reasons)) or [templates["undecided"]]


_TREATMENTS_WORD = Text("treatments", "tratamientos")
_DIAGNOSES_WORD = Text("diagnoses", "diagnósticos")


def _left_open(key: str, facts: Mapping[str, Any]) -> tuple[frozenset[str], str, Text]:
    """The codes a partial record leaves open for ``key``, the list fact that names them,
    and what they are ("treatments")."""
    history = _history_of(facts)
    if key in (*HISTORY_LISTS, "treatment_history") and history is not None:
        return history.unlisted, "treatments_ever", _TREATMENTS_WORD
    value = facts.get(key)
    if key in ("treatments_ever", "other_conditions") and isinstance(value, UncertainCodes):
        word = _DIAGNOSES_WORD if key == "other_conditions" else _TREATMENTS_WORD
        return frozenset(value.unknown), key, word
    return frozenset(), key, _TREATMENTS_WORD


def _partial_reasons(
    rule: Rule, deciding: list[str], facts: Mapping[str, Any], lang: str
) -> list[str]:
    """Why a partial record (a FHIR export) leaves the rule open: it says nothing about
    codes the rule lists (spec section 6.2)."""
    templates = _TEMPLATES[lang]
    reasons = []
    for key in deciding:
        open_codes, list_key, word = _left_open(key, facts)
        if not open_codes:
            continue
        listed = rule_codes(rule, key)
        fact = FACTS[list_key]
        codes = [
            code
            for code in fact.rule_codes
            if code in open_codes and (listed is None or code in listed)
        ]
        if len(codes) > 3:
            reasons.append(templates["partial_many"].format(things=word.get(lang)))
        elif codes:
            names = join_words([fact.choice_label(code, lang) for code in codes], lang)
            reasons.append(templates["partial"].format(things=word.get(lang), codes=names))
    return reasons


def explain_criterion(
    criterion: CompiledCriterion, facts: Mapping[str, Any], *, lang: str = "en"
) -> CriterionResult:
    """Status, facts used and a plain-language explanation built from the actual values."""
    lang = normalize_language(lang)
    spec = criterion.spec
    templates = _TEMPLATES[lang]
    text = _lower_first(spec.text_for(lang))
    rule_text = templates[spec.kind].format(text=text)
    if spec.rule is None:
        explanation = templates[NOT_CHECKED].format(rule=rule_text)
        return CriterionResult(
            spec.id,
            spec.kind,
            spec.text_for(lang),
            NOT_CHECKED,
            {},
            explanation,
            clinical_text=spec.clinical_text,
        )
    truth = criterion.evaluate(facts)
    status = criterion_status(spec.kind, truth, spec.partial)
    _, deciding = deciding_facts(spec.rule, facts)
    used = facts_used(criterion.facts, facts)
    if status == STATUS_UNKNOWN:
        reasons = _unknown_reasons(spec.rule, deciding, facts, lang)
        explanation = templates["unknown"].format(rule=rule_text, reasons="; ".join(reasons))
        return CriterionResult(
            spec.id,
            spec.kind,
            spec.text_for(lang),
            status,
            used,
            explanation,
            tuple(deciding),
            clinical_text=spec.clinical_text,
        )
    told = join_words([_told(spec.rule, key, facts, lang) for key in deciding], lang)
    if status == NOT_CHECKED:
        # A partial rule that does not rule the patient out: the rest is the team's.
        explanation = templates["partial_rest"].format(rule=rule_text, facts=told)
    else:
        explanation = templates[(spec.kind, status)].format(text=text, facts=told)
    return CriterionResult(
        spec.id,
        spec.kind,
        spec.text_for(lang),
        status,
        used,
        explanation,
        clinical_text=spec.clinical_text,
    )


__all__ = [
    "ELIGIBLE",
    "EXCLUSION",
    "FAIL",
    "FALSE",
    "INCLUSION",
    "INELIGIBLE",
    "NOT_CHECKED",
    "PASS",
    "POSSIBLY_ELIGIBLE",
    "STATUS_UNKNOWN",
    "TRUE",
    "UNKNOWN",
    "CompiledCriterion",
    "CompiledTrial",
    "CriterionResult",
    "CriterionSpec",
    "TrialResult",
    "compile_criterion",
    "compile_rule",
    "compile_trial",
    "criteria_from_ruleset",
    "criterion_status",
    "deciding_facts",
    "evaluate_trials",
    "explain_criterion",
    "facts_used",
    "interpret_criterion",
    "interpret_rule",
    "interpret_verdict",
    "kleene_all",
    "kleene_any",
    "kleene_not",
    "verdict_of",
]


def criteria_from_ruleset(items: Iterable[Mapping[str, Any]]) -> list[CriterionSpec]:
    """CriterionSpecs from a ruleset file's list (``eligibility/rulesets/*.json``).

    Ids are ``"<kind>-<order>"``, stable across reloads of the same file.
    """
    return [
        CriterionSpec(
            id=f"{item['kind']}-{item['order']}",
            kind=item["kind"],
            rule=item["rule"],
            text=item["patient_text"],
            text_es=item.get("patient_text_es", ""),
            clinical_text=item.get("clinical_text", ""),
        )
        for item in items
    ]

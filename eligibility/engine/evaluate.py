"""Three-valued evaluation of criteria, trial verdicts and plain-language explanations.

Truth values are Python's ``True`` (TRUE), ``False`` (FALSE) and ``None`` (UNKNOWN);
they combine with Kleene's strong logic: an ``all`` with one FALSE operand is FALSE even
when others are UNKNOWN, an ``any`` with one TRUE operand is TRUE likewise. A missing
fact or the answer ``unsure`` makes a comparison UNKNOWN, never TRUE or FALSE.

A rule is compiled once (:func:`compile_rule`) into nested closures with each operator's
operand pre-processed; :func:`interpret_rule` walks the JSON on every call and is kept
deliberately simple, as the benchmark baseline and the oracle the tests compare against.

Evaluation takes *prepared facts*: answers passed through
:func:`eligibility.engine.facts.prepare_facts` (validated, normalised, ``age`` derived).
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
    FACTS,
    UNSURE,
    is_known,
    join_words,
    normalize_language,
    prepare_facts,
)
from .rules import (
    OPERATORS,
    Rule,
    RuleError,
    probe_values,
    rule_facts,
    validate_rule,
)

Truth = bool | None
Evaluator = Callable[[Mapping[str, Any]], Truth]

TRUE: Truth = True
FALSE: Truth = False
UNKNOWN: Truth = None

INCLUSION = "inclusion"
EXCLUSION = "exclusion"
CriterionKind = Literal["inclusion", "exclusion"]

PASS, FAIL, STATUS_UNKNOWN = "pass", "fail", "unknown"
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
    if "all" in rule:
        return kleene_all(interpret_rule(child, facts) for child in rule["all"])
    if "any" in rule:
        return kleene_any(interpret_rule(child, facts) for child in rule["any"])
    if "not" in rule:
        return kleene_not(interpret_rule(rule["not"], facts))
    value = facts.get(rule["fact"])
    if not is_known(value):
        return None
    return OPERATORS[rule["op"]].test(value, rule.get("value"))


# --- the compiler -----------------------------------------------------------------------------


def compile_rule(rule: Rule, *, validate: bool = True) -> Evaluator:
    """Compile ``rule`` once into a closure ``facts -> Truth`` equal to :func:`interpret_rule`.

    Validates first (raising :class:`RuleError`) unless the caller already did.
    """
    if validate:
        validate_rule(rule)
    return _compile(rule)


def _compile(rule: Rule) -> Evaluator:
    if "all" in rule:
        return _compile_junction(tuple(_compile(child) for child in rule["all"]), False)
    if "any" in rule:
        return _compile_junction(tuple(_compile(child) for child in rule["any"]), True)
    if "not" in rule:
        return _compile_not(_compile(rule["not"]))
    return _compile_comparison(rule["fact"], OPERATORS[rule["op"]].build(rule.get("value")))


def _compile_comparison(key: str, predicate: Callable[[Any], bool]) -> Evaluator:
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
    """

    id: Any
    kind: CriterionKind
    rule: Rule
    text: str
    text_es: str = ""

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

    def as_dict(self) -> dict[str, Any]:
        """The API's criterion object."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "status": self.status,
            "facts_used": self.facts_used,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class TrialResult:
    """A trial's verdict, every criterion's result, and the answer keys still unknown."""

    verdict: str
    results: tuple[CriterionResult, ...]
    missing: tuple[str, ...] = field(default=())


def criterion_status(kind: str, truth: Truth) -> str:
    """An inclusion met, or an exclusion that does not apply, passes; UNKNOWN is unknown."""
    if truth is None:
        return STATUS_UNKNOWN
    applies_against = (truth is False) if kind == INCLUSION else (truth is True)
    return FAIL if applies_against else PASS


def verdict_of(statuses: Iterable[str]) -> str:
    """Spec section 2: ineligible if any fails, else possibly eligible if any unknown."""
    unknown = False
    for status in statuses:
        if status == FAIL:
            return INELIGIBLE
        if status == STATUS_UNKNOWN:
            unknown = True
    return POSSIBLY_ELIGIBLE if unknown else ELIGIBLE


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
        return {key: probe_values(self.spec.rule, key) for key in self.facts}

    @property
    def kind(self) -> str:
        return self.spec.kind

    def status(self, facts: Mapping[str, Any]) -> str:
        """``pass``, ``fail`` or ``unknown`` for prepared ``facts``."""
        return criterion_status(self.spec.kind, self.evaluate(facts))


class CompiledTrial:
    """A trial's criteria compiled once; evaluate it against any number of answer sets."""

    def __init__(self, criteria: Iterable[CompiledCriterion], *, trial_id: Any = None):
        self.trial_id = trial_id
        self.criteria: tuple[CompiledCriterion, ...] = tuple(criteria)
        self._verdict = compile_verdict(self.criteria)
        self.facts: tuple[str, ...] = tuple(
            dict.fromkeys(k for c in self.criteria for k in c.facts)
        )

    def __repr__(self) -> str:
        return f"CompiledTrial({self.trial_id!r}, {len(self.criteria)} criteria)"

    def verdict(self, facts: Mapping[str, Any]) -> str:
        """The verdict only, for prepared ``facts``; stops at the first failing criterion."""
        return self._verdict(facts)

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
            variable = self.fetch(rule["fact"])
            operator = OPERATORS[rule["op"]]
            operand = rule.get("value")
            if operator.source is not None:
                test = operator.source(variable, operand, self.constant)
            else:
                test = f"{self.constant(operator.build(operand))}({variable})"
            expression = f"None if {variable} is None else ({test})"
        self.lines.append(f"    {target} = {expression}")
        return target

    def function(self, criteria: Iterable[CompiledCriterion]) -> Callable[[Mapping], str]:
        for criterion in criteria:
            result = self.truth(criterion.spec.rule)
            fails_on = "True" if criterion.kind == EXCLUSION else "False"
            self.lines.append(f"    if {result} is {fails_on}: return {INELIGIBLE!r}")
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
    try:
        evaluator = compile_rule(spec.rule)
    except RuleError as error:
        raise error.for_criterion(spec.id) from None
    return CompiledCriterion(spec, evaluator, rule_facts(spec.rule))


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
    an UNKNOWN result the keys are the unknown facts that would settle it.
    """
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
    },
}


def _lower_first(text: str) -> str:
    # Patient texts are written capitalised for lists ("People aged 18 to 55").
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _quoted_questions(keys: list[str], lang: str) -> str:
    return join_words([f"'{FACTS[key].question(lang)}'" for key in keys], lang)


def explain_criterion(
    criterion: CompiledCriterion, facts: Mapping[str, Any], *, lang: str = "en"
) -> CriterionResult:
    """Status, facts used and a plain-language explanation built from the actual values."""
    lang = normalize_language(lang)
    spec = criterion.spec
    templates = _TEMPLATES[lang]
    truth = criterion.evaluate(facts)
    status = criterion_status(spec.kind, truth)
    _, deciding = deciding_facts(spec.rule, facts)
    text = _lower_first(spec.text_for(lang))
    used = {key: facts[key] for key in criterion.facts if key in facts}
    if status == STATUS_UNKNOWN:
        missing = [key for key in deciding if key not in facts]
        unsure = [key for key in deciding if facts.get(key) == UNSURE]
        reasons = []
        if missing:
            template = templates["ask_one"] if len(missing) == 1 else templates["ask_many"]
            reasons.append(template.format(questions=_quoted_questions(missing, lang)))
        if unsure:
            reasons.append(templates["unsure"].format(questions=_quoted_questions(unsure, lang)))
        explanation = templates["unknown"].format(
            rule=templates[spec.kind].format(text=text), reasons="; ".join(reasons)
        )
        return CriterionResult(
            spec.id, spec.kind, spec.text_for(lang), status, used, explanation, tuple(deciding)
        )
    told = join_words([FACTS[key].describe_answer(facts[key], lang) for key in deciding], lang)
    explanation = templates[(spec.kind, status)].format(text=text, facts=told)
    return CriterionResult(spec.id, spec.kind, spec.text_for(lang), status, used, explanation)


__all__ = [
    "ELIGIBLE",
    "EXCLUSION",
    "FAIL",
    "FALSE",
    "INCLUSION",
    "INELIGIBLE",
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
    "interpret_rule",
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
        )
        for item in items
    ]

"""Condition search that understands patients: one matcher for the database and the site index.

A patient types "MS", "RRMS", "relapsing multiple sclerosis" or "esclerosis múltiple"; the
registry writes "Multiple Sclerosis, Relapsing-Remitting", "RMS" or a MeSH heading. Both
sides are read with the same vocabulary of *concepts*:

``#ms``
    multiple sclerosis in any form (a trial that names only "RRMS" or "SPMS" has it too).
``#ms-relapsing``, ``#ms-progressive``, ``#ms-spms``, ``#ms-ppms``
    a trial names that form (``#ms-progressive``: progressive MS without saying primary or
    secondary).
``#ms-general``
    a trial names multiple sclerosis and no form of it: a trial for MS in general, which may
    take patients with any form.
``#cis``
    clinically isolated syndrome.

:func:`condition_search_text` writes, once per trial at import or save, the text stored in
``Trial.condition_search``: its conditions, keywords and MeSH terms normalised (lower case,
accents and punctuation folded: ``" multiple sclerosis relapsing remitting | rms | ..."``),
then the concept tags the terms name (``"#ms #ms-relapsing "``).

:func:`condition_query` reads what a patient typed into a :class:`ConditionQuery`: at least
one of ``any_of`` (concept tags) and every one of ``all_of`` (" word": a word start) must be
substrings of that stored text. The database filters with ``condition_search__contains`` on
each needle (``finder.selectors.trials_search``) and the site index tests the same needles
in memory (``sites.index.SiteIndex.condition_mask``): one matcher, two executions, the same
answer. What each query matches (docs/web.md says it for patients):

* a name of the disease ("MS", "multiple sclerosis", "esclerosis múltiple", "EM"):
  every MS trial;
* a relapsing form ("RRMS", "RMS", "relapsing MS", "relapsing-remitting", "EMRR",
  "EM recurrente", "remitente-recurrente"): trials for relapsing MS and for MS in general;
* "progressive MS", "EM progresiva": trials for any progressive form and for MS in general;
* "SPMS"/"secondary progressive", "EMSP": SPMS trials, progressive MS trials that do not
  say which, and MS in general; "PPMS"/"primary progressive", "EMPP" likewise;
* "CIS", "clinically isolated syndrome", "síndrome clínico aislado": trials naming CIS;
* any other words ("fatigue", "optica"), also after a concept ("MS fatigue"): every word
  must start a word of the trial's conditions, keywords or MeSH terms, so "ms" never
  matches "systems" and "sclerosis" finds systemic sclerosis only because it says so.

False matches are kept out on the trial side: a bare abbreviation ("MS" may be mitral
stenosis, "RMS" rhabdomyosarcoma, "CIS" carcinoma in situ) or a form word ("progressive
supranuclear palsy") counts only in a trial that names multiple sclerosis elsewhere.

Plain Python, no Django: ``finder.models`` and ``sites.index`` import it. A change to the
vocabulary changes what is stored: add a migration that recomputes
``Trial.condition_search`` (as ``finder/migrations/0004`` does).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MS = "#ms"
RELAPSING = "#ms-relapsing"
PROGRESSIVE = "#ms-progressive"
SPMS = "#ms-spms"
PPMS = "#ms-ppms"
GENERAL = "#ms-general"
CIS = "#cis"
FORMS = (RELAPSING, PROGRESSIVE, SPMS, PPMS)
#: Every tag, in the order they are stored.
TAGS = (MS, *FORMS, GENERAL, CIS)

#: The trial tags a patient's form finds: the form, the wider kinds that hold it, MS at large.
FORM_FINDS: dict[str, tuple[str, ...]] = {
    RELAPSING: (RELAPSING, GENERAL),
    PROGRESSIVE: (PROGRESSIVE, SPMS, PPMS, GENERAL),
    SPMS: (SPMS, PROGRESSIVE, GENERAL),
    PPMS: (PPMS, PROGRESSIVE, GENERAL),
    CIS: (CIS,),
}

# How a phrase counts: a name of the disease ("strong" alone, "weak" only beside another MS
# word in the same term), the forms it names, and whether those need MS named elsewhere.
_STRONG, _WEAK = "strong", "weak"


@dataclass(frozen=True)
class _Phrase:
    name: str | None = None  # _STRONG, _WEAK or None
    forms: frozenset[str] = frozenset()
    forms_need_context: bool = True


def _name(strength: str = _STRONG) -> _Phrase:
    return _Phrase(name=strength)


def _form(*forms: str, name: str | None = None, need_context: bool = True) -> _Phrase:
    return _Phrase(name=name, forms=frozenset(forms), forms_need_context=need_context)


#: Normalised phrases (see :func:`normalise`) and what they name. Longest phrases win.
_VOCABULARY: dict[str, _Phrase] = {
    # the disease
    "multiple sclerosis": _name(),
    "sclerosis multiple": _name(),  # MeSH order: "Sclerosis, Multiple"
    "disseminated sclerosis": _name(),
    "encephalomyelitis disseminata": _name(),
    "esclerosis multiple": _name(),
    "sclerose en plaques": _name(),
    "sclerosi multipla": _name(),
    "multiple sklerose": _name(),
    "esclerose multipla": _name(),
    "ms": _name(_WEAK),
    "em": _name(_WEAK),
    # abbreviations that name the disease and a form
    "rrms": _form(RELAPSING, name=_STRONG, need_context=False),
    "spms": _form(SPMS, name=_STRONG, need_context=False),
    "ppms": _form(PPMS, name=_STRONG, need_context=False),
    "prms": _form(PPMS, name=_STRONG, need_context=False),
    "emrr": _form(RELAPSING, name=_STRONG, need_context=False),
    "emsp": _form(SPMS, name=_STRONG, need_context=False),
    "empp": _form(PPMS, name=_STRONG, need_context=False),
    "rms": _form(RELAPSING, name=_WEAK),  # also rhabdomyosarcoma, root mean square
    "emr": _form(RELAPSING, name=_WEAK),
    # relapsing forms
    "relapsing": _form(RELAPSING),
    "remitting": _form(RELAPSING),
    "relapsing remitting": _form(RELAPSING),
    "remitting relapsing": _form(RELAPSING),
    "relapse remitting": _form(RELAPSING),
    "recurrente": _form(RELAPSING),
    "remitente": _form(RELAPSING),
    "recidivante": _form(RELAPSING),
    "recurrente remitente": _form(RELAPSING),
    "remitente recurrente": _form(RELAPSING),
    "en brotes": _form(RELAPSING),
    "con brotes": _form(RELAPSING),
    # progressive forms
    "progressive": _form(PROGRESSIVE),
    "chronic progressive": _form(PROGRESSIVE),
    "progresiva": _form(PROGRESSIVE),
    "secondary progressive": _form(SPMS),
    "secundaria progresiva": _form(SPMS),
    "progresiva secundaria": _form(SPMS),
    "primary progressive": _form(PPMS),
    "progressive relapsing": _form(PPMS),  # PRMS, now PPMS with activity
    "primaria progresiva": _form(PPMS),
    "progresiva primaria": _form(PPMS),
    # clinically isolated syndrome
    "clinically isolated syndrome": _form(CIS, need_context=False),
    "clinically isolated syndromes": _form(CIS, need_context=False),
    "sindrome clinico aislado": _form(CIS, need_context=False),
    "sindrome clinicamente aislado": _form(CIS, need_context=False),
    "cis": _form(CIS),  # also carcinoma in situ
}
_LONGEST = max(len(p.split()) for p in _VOCABULARY)
#: Words that neither match nor stop a phrase from describing the whole term or query.
_FILLER = frozenset(
    {
        "a",
        "an",
        "and",
        "or",
        "of",
        "the",
        "in",
        "for",
        "with",
        "to",
        "type",
        "form",
        "forms",
        "disease",
        "i",
        "have",
        "my",
        "trial",
        "trials",
        "study",
        "studies",
        "patient",
        "patients",
        "y",
        "o",
        "de",
        "del",
        "la",
        "el",
        "los",
        "las",
        "en",
        "con",
        "para",
        "tipo",
        "forma",
        "formas",
        "enfermedad",
        "tengo",
        "mi",
        "ensayo",
        "ensayos",
        "estudio",
        "estudios",
        "paciente",
        "pacientes",
    }
)
#: A form right after one of these is denied ("non-relapsing SPMS"), not named.
_NEGATIONS = frozenset({"non", "not", "no", "without", "sin"})

_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation folded: ``"Esclerosis Múltiple, RR"`` ->
    ``"esclerosis multiple rr"``."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class _Reading:
    """What one term or query names."""

    strong_name: bool
    weak_name: bool
    phrases: int  # how many phrases of the vocabulary the text holds
    forms: frozenset[str]
    context_free_forms: frozenset[str]
    other_words: tuple[str, ...]  # words no phrase took, fillers left out

    @property
    def names_ms(self) -> bool:
        """A full name, or an abbreviation beside another MS word ("relapsing MS"); "MS"
        or "RMS" alone is not enough."""
        return self.strong_name or (self.weak_name and self.phrases > 1)


def _read(text: str) -> _Reading:
    words = normalise(text).split()
    strong = weak = False
    phrases = 0
    forms: set[str] = set()
    context_free: set[str] = set()
    other: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST, len(words) - i), 0, -1):
            phrase = _VOCABULARY.get(" ".join(words[i : i + size]))
            if phrase is not None:
                break
        else:
            if words[i] not in _FILLER:
                other.append(words[i])
            i += 1
            continue
        denied = i > 0 and words[i - 1] in _NEGATIONS
        phrases += 1
        strong |= phrase.name == _STRONG
        weak |= phrase.name == _WEAK
        if not denied:
            forms |= phrase.forms
            if not phrase.forms_need_context:
                context_free |= phrase.forms
        i += size
    return _Reading(
        strong_name=strong,
        weak_name=weak,
        phrases=phrases,
        forms=frozenset(forms),
        context_free_forms=frozenset(context_free),
        other_words=tuple(w for w in other if w not in _NEGATIONS),
    )


# --- the trial side ----------------------------------------------------------------------------


def condition_tags(terms: Iterable[str]) -> list[str]:
    """The concept tags a trial's terms (conditions, keywords, MeSH terms) name, in
    :data:`TAGS` order."""
    readings = [_read(term) for term in terms]
    has_ms = any(r.names_ms for r in readings)
    found: set[str] = set()
    for reading in readings:
        found |= reading.context_free_forms
        # A form counts in a term that names MS, or in a term that is nothing but a form
        # ("Relapsing-Remitting", "RMS") of a trial that names MS elsewhere.
        if reading.names_ms or (has_ms and not reading.other_words):
            found |= reading.forms
    if any(form in found for form in FORMS):
        found.add(MS)
    elif has_ms:
        found |= {MS, GENERAL}
    return [tag for tag in TAGS if tag in found]


def condition_search_text(terms: Iterable[str]) -> str:
    """The stored search text: normalised terms between `` | ``, then the tags.

    Every word follows a space, so a word start is ``" " + word``; each tag is followed by
    a space, so ``"#ms "`` does not find ``"#ms-relapsing"``.
    """
    seen: dict[str, None] = {}
    for term in terms:
        key = normalise(term)
        if key:
            seen.setdefault(key, None)
    tags = condition_tags(seen)
    return "".join(f" {key} |" for key in seen) + "".join(f" {tag}" for tag in tags) + " "


# --- the patient side --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionQuery:
    """What a typed condition asks: one of ``any_of`` and all of ``all_of`` in the stored text.

    ``any_of`` are tag needles (``"#ms "``), ``all_of`` word starts (``" fatigue"``). A query
    with neither matches every trial; ``nothing`` (typed text with no word in it) none.
    """

    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    nothing: bool = False

    @property
    def key(self) -> tuple:
        """Equal for queries that match the same trials ("RRMS", "relapsing MS")."""
        return (self.any_of, self.all_of, self.nothing)

    @property
    def is_everything(self) -> bool:
        return not (self.any_of or self.all_of or self.nothing)

    def matches(self, text: str) -> bool:
        """Whether a stored :func:`condition_search_text` satisfies the query."""
        if self.nothing:
            return False
        if self.any_of and not any(needle in text for needle in self.any_of):
            return False
        return all(needle in text for needle in self.all_of)


def condition_query(text: str) -> ConditionQuery:
    """Read a patient's condition into a :class:`ConditionQuery` (see the module docstring).

    Concepts are read when the text names MS ("relapsing MS", "RRMS", "EM") or is nothing
    but a form ("relapsing", "progresiva"); a form among other words ("progressive
    supranuclear palsy") is plain words.
    """
    if not text or not text.strip():
        return ConditionQuery()
    reading = _read(text)
    words = normalise(text).split()
    if not words:
        return ConditionQuery(nothing=True)
    named = reading.strong_name or reading.weak_name
    concept = named or (reading.forms and not reading.other_words)
    if not concept:
        plain = tuple(w for w in words if w not in _FILLER) or tuple(words)
        return ConditionQuery(all_of=_word_needles(plain))
    if reading.forms:
        tags = {tag for form in reading.forms for tag in FORM_FINDS[form]}
        any_of = tuple(tag for tag in TAGS if tag in tags)
    else:
        any_of = (MS,)
    return ConditionQuery(
        any_of=tuple(f"{tag} " for tag in any_of), all_of=_word_needles(reading.other_words)
    )


def _word_needles(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f" {word}" for word in words))

"""Washout lists: a window for each treatment (or group) in one line.

"Treatment with interferon beta or glatiramer acetate within 1 month, fingolimod within 2
months, or natalizumab within 6 months prior to randomization"; "Patients who have not
completed a washout of at least 1 month from interferon beta, or of at least 3 months from
dimethyl fumarate, before randomization". Each list is read as
:mod:`eligibility.reader.exposures` reads one (every item read, a class through the codes
certainly in it), with its own window, and the line rules out a patient any of them rules
out. A window's anchor written once at the end ("prior to randomization") is every
window's, read as today like every anchor.

A window "within N" rules out a dose inside it on its shortest reading (3 months: 84
days); a washout "of at least N" is not complete for a dose less than N ago, so it rules
out a dose within one day fewer (1 month: 27 days), as "last dose at least 1 month before"
does. A line with one window is the exposures pattern's; one with an exception ("unless an
accelerated elimination procedure was done"), concomitant or planned use, or an "other"
class is not read here.
"""

from __future__ import annotations

import re

from .exposures import (
    _CONCURRENT,
    _EXCEPT,
    _VERB,
    TREATMENT,
    _merge,
    _participles,
    _window_rule,
    scan_exposures,
)
from .reading import Clause, all_rule, any_rule, partial_of, quoted
from .subjects import PEOPLE
from .vocabulary import join_alternatives
from .windows import _ANCHORED, _BEFORE, ANCHOR, NUMBER, UNIT, Window, _number, _unit

# "have not completed a washout (period) of at least" / "(must have) completed a washout".
_NOT_WASHED_OUT = re.compile(
    rf"^(?:{PEOPLE} )?(?:who )?(?:have|has) not (?:completed|had|undergone) (?:a |the )?"
    r"(?:required )?wash[- ]?out(?: period)? "
)
_WASHED_OUT = re.compile(
    rf"^(?:{PEOPLE} )?(?:who )?(?:(?:must|should|will) )?(?:have |has )?(?:completed |had "
    r"|undergone )?(?:a |the )?(?:required )?wash[- ]?out(?: period)? "
)
_WITHIN = re.compile(
    rf"(?P<lead>(?:with)?in|during) (?:the )?(?:last |past |previous |preceding )?"
    rf"(?P<number>{NUMBER})[ -](?P<unit>{UNIT}){_ANCHORED}"
)
_AT_LEAST = re.compile(
    rf"(?:(?:a |the )?wash[- ]?out(?: period)? )?(?:of )?(?:at least|a minimum of|>=|≥) "
    rf"(?P<number>{NUMBER})[ -](?P<unit>{UNIT})(?: (?:from|after|since|for|of))?"
)
_SHARED_ANCHOR = re.compile(rf",? (?:{_BEFORE}|immediately {_BEFORE}) {ANCHOR}")
_BETWEEN = re.compile(r"^(?:\s|,|;|\band\b|\bor\b|\band/or\b|\bwith\b|\bof\b)*")
_ITEM_EXCEPTION = re.compile(r"\s*\((?:unless|except|other than|excluding)\b[^()]*\)")
_MARK = "\u00a7"  # where an exception in brackets was


def read_washout_list(text: str, kind: str) -> Clause | None:
    """Two or more treatment lists, each with its own window (see the module)."""
    washout = _NOT_WASHED_OUT.match(text) if kind == "exclusion" else _WASHED_OUT.match(text)
    body = text[washout.end() :] if washout else text
    if not washout and kind != "exclusion":
        return None
    # An exception in brackets after a list's window is that list's alone ("teriflunomide
    # within 3.5 months (unless an accelerated elimination procedure was completed)"): the
    # list is left to the study team, the others still rule out alone.
    body = _ITEM_EXCEPTION.sub(" " + _MARK, body)
    if _EXCEPT.search(body) or _CONCURRENT.search(body) or re.search(r"\bunless\b", body):
        return None
    pairs = _pairs(body, washout is not None)
    if pairs is None or len(pairs) < 2:
        return None
    excepted = [i for i, (words, _) in enumerate(pairs) if words.startswith(_MARK)]
    if excepted and (washout or kind != "exclusion"):
        return None
    unread = [f"{pairs[i - 1][0]} {pairs[i - 1][1].words}" for i in excepted if i]
    if len(unread) != len(excepted) or pairs[-1][0].endswith(_MARK):
        return None  # an exception with no list before it, or after the last
    pairs = [
        (words.removeprefix(_MARK).strip(" ,;"), window)
        for i, (words, window) in enumerate(pairs)
        if i + 1 not in excepted
    ]
    rules, en_parts, es_parts = [], [], []
    for words, window in pairs:
        scanned = scan_exposures(words)
        if isinstance(scanned, str) or not scanned[0]:
            return None
        exposures, excepted = scanned
        if any(exposure.other for exposure in exposures):
            return None
        merged = _merge(exposures, excepted)
        if isinstance(merged, str) or any(e.kind != TREATMENT for e in merged):
            return None
        (exposure,) = merged
        days = window.shortest() - (1 if washout else 0)
        if days < 1:
            return None
        rules.append(_window_rule(exposure, days))
        en_parts.append(f"{_participles(exposure, 'en')} in {window.past(days, 'en')}")
        es_parts.append(f"{_participles(exposure, 'es')} en {window.past(days, 'es')}")
    rule = any_rule(rules)
    if kind == "inclusion":
        rule = all_rule([{"not": r} for r in rules])
        en = "who have not " + join_alternatives(en_parts, "en")
        es = "que no han " + " ni ".join(es_parts)
    else:
        en = "who have " + join_alternatives(en_parts, "en")
        es = "que han " + join_alternatives(es_parts, "es")
    how = (
        'a washout "of at least" N is not complete for a dose less than N ago, so each rules'
        " out a dose within a day fewer than its shortest reading"
        if washout
        else "each window read on its shortest reading"
    )
    reason = (
        f"Matched {quoted(text)} as {len(pairs)} treatment lists, each with its own window"
        f" ({'; '.join(quoted(w.words) for _, w in pairs)}); {how}."
    )
    clause = Clause(rule, en, es, "dmt_washout", reason)
    if unread:
        return partial_of(
            clause,
            unread,
            "its exception (a procedure, a test) is nothing the facts say; the other lists, "
            "each read whole, rule out only people the line rules out",
        )
    return clause


def _pairs(body: str, washout: bool) -> list[tuple[str, Window]] | None:
    """The (list, window) pairs of ``body``, in order; None unless they account for it all.

    A washout line writes the window first ("of at least 1 month from interferon beta"),
    the others after the list ("interferon beta within 1 month").
    """
    body = body.rstrip(" .;,")
    shared = None
    for match in _SHARED_ANCHOR.finditer(body):
        if match.end() == len(body):
            shared = match
    if shared is not None:
        body = body[: shared.start()]
    pattern = _AT_LEAST if washout else _WITHIN
    matches = list(pattern.finditer(body))
    if len(matches) < 2:
        return None
    pairs = []
    if washout:
        if body[: matches[0].start()].strip(" ,"):
            return None
        for i, match in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
            words = re.sub(r"(?:\s|,|;|\band\b|\bor\b)+$", "", body[match.end() : end]).strip()
            pairs.append((words, _window(match)))
    else:
        start = 0
        for match in matches:
            words = body[start : match.start()]
            words = _BETWEEN.sub("", words) if start else _VERB.sub("", words, count=1)
            pairs.append((words.strip(" ,;"), _window(match)))
            start = match.end()
        if body[start:].strip(" ,;"):
            return None
    return pairs


def _window(match: re.Match) -> Window:
    return Window(_number(match["number"]), _unit(match["unit"]), match.group(0).strip())

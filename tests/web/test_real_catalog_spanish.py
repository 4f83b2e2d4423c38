"""The four real trials' pages in Spanish have no English of ours (issue 19, "their pages
and questionnaires in both languages"; issue 20, item 5): every text node of the Spanish
trial page, first question and result page, outside registry text (marked ``lang="en"``)
and the registry's own names (sites, sponsor, conditions), is compared with the English
page, and any node the two share that has English words in it fails."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command

from finder.models import Trial

REAL = ("NCT06441617", "NCT06408259", "NCT06433752", "NCT04047628")

#: Words that mean the text is English (none is a Spanish word).
ENGLISH = {
    "the", "and", "you", "your", "this", "that", "with", "for", "of", "to", "is", "are",
    "not", "or", "we", "our", "study", "trial", "criteria", "criterion", "check", "checks",
    "who", "what", "when", "how", "people", "answer", "answers", "question", "yes",
}  # fmt: skip


class _Text(HTMLParser):
    """Visible text nodes outside ``lang="en"`` subtrees, scripts and styles."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col"}

    def __init__(self, skip_english: bool = True):
        super().__init__()
        self.skip_english = skip_english
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        marked = self.skip_english and (dict(attrs).get("lang") or "").startswith("en")
        english = marked or tag in ("script", "style")
        self.stack.append((tag, english or (self.stack[-1][1] if self.stack else False)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not (self.stack and self.stack[-1][1]):
            self.nodes.append(text)


def text_nodes(markup: str, *, skip_english: bool = True) -> list[str]:
    parser = _Text(skip_english)
    parser.feed(markup)
    return parser.nodes


def registry_names(trial: Trial) -> list[str]:
    names = [trial.nct_id, trial.acronym, trial.sponsor, *(trial.collaborators or [])]
    names += [*(trial.conditions or []), *(trial.keywords or [])]
    for site in trial.sites.all():
        names += [site.facility, site.city, site.state, site.contact_name]
    names += [arm.label for arm in trial.arms.all()]
    return sorted({n for n in names if n}, key=len, reverse=True)


def english_of_ours(spanish: str, english: str, names: list[str]) -> list[str]:
    shared = set(text_nodes(english, skip_english=False))  # the whole English page
    found = []
    for node in text_nodes(spanish):
        if node not in shared:
            continue
        rest = node
        for name in names:
            rest = rest.replace(name, " ")
        words = {w.casefold() for w in re.findall(r"[A-Za-z]+", rest)}
        if words & ENGLISH:
            found.append(node)
    return found


@pytest.fixture
def catalog(db):
    call_command("load_demo_catalog", stdout=StringIO())


def pages(nct_id: str, lang: str) -> dict[str, str]:
    from django.test import Client

    client, got = Client(), {}  # a new visitor: no answers yet
    for name, url in (("trial", f"/trials/{nct_id}/"), ("question", f"/trials/{nct_id}/check/")):
        got[name] = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    session = client.session
    session["answers"] = {"age": 40, "ms_diagnosis": "yes"}
    session.save()
    got["result"] = client.get(
        f"/trials/{nct_id}/check/result/", HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()
    return got


def test_the_real_trials_spanish_pages_have_no_english_of_ours(catalog):
    for nct_id in REAL:
        names = registry_names(Trial.objects.get(nct_id=nct_id))
        spanish, english = pages(nct_id, "es"), pages(nct_id, "en")
        for name in spanish:
            assert '<html lang="es"' in spanish[name], (nct_id, name)
            assert english_of_ours(spanish[name], english[name], names) == [], (nct_id, name)


def test_the_check_finds_english_outside_registry_text():
    spanish = (
        '<p>Comprobamos 3 criterios</p><p lang="en">Age 18 to 55 years</p>'
        "<p>University of Somewhere</p><p>Check if you may qualify</p>"
    )
    english = (
        '<html lang="en"><p>We checked 3 criteria</p><p lang="en">Age 18 to 55 years</p>'
        "<p>University of Somewhere</p><p>Check if you may qualify</p>"
    )
    names = ["University of Somewhere"]
    assert english_of_ours(spanish, english, names) == ["Check if you may qualify"]

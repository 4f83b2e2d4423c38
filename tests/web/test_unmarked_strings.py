"""No English of ours reaches a Spanish page unmarked (issue 20, item 5): every word a
template writes itself is inside ``{% translate %}`` or ``{% blocktranslate %}`` (then
the catalogue test holds it to a Spanish translation), or comes from a variable.

A template is read as text: comments, translated blocks, tags, variables, scripts and
styles are taken out, then the HTML tags; what is left, and every human-read attribute
(``placeholder``, ``aria-label``, ``title``, ``alt``), must have no words. The few
exceptions are listed with their reason.
"""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

#: Words that are the same in both languages: the product's name.
SAME_IN_BOTH = ("MS Trial Finder",)

#: Templates read by staff only, who work in English: the site team's and the operators'
#: notices (sent in English whatever the patient's language; docs/referrals.md) and the
#: clinician's confirmation, a partner clinic's e-mail (also sent in English).
STAFF_ONLY = {
    "emails/clinician_confirmation.txt",
    "emails/clinician_confirmation_subject.txt",
    "emails/operator_referral_waiting.txt",
    "emails/site_team_new_referral.txt",
    "emails/site_team_new_referral_subject.txt",
    # Written in both languages on purpose: a server error is shown without the
    # translation machinery, which may be what failed.
    "500.html",
}

_REMOVED = [
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%.*?%\}", re.S),
    re.compile(r"\{\{.*?\}\}", re.S),
    re.compile(r"<script\b.*?</script>|<style\b.*?</style>", re.S | re.I),
]
_READ_ATTRIBUTES = re.compile(r'\b(?:placeholder|aria-label|title|alt)="([^"]*)"')
_WORD = re.compile(r"[^\W\d_]{2,}")


def unmarked_words(source: str) -> list[str]:
    """The words of ``source`` (a template) that no translation tag holds."""
    for pattern in _REMOVED:
        source = pattern.sub(" ", source)
    attributes = _READ_ATTRIBUTES.findall(source)
    text = re.sub(r"<[^>]*>", " ", source)
    text = re.sub(r"&[A-Za-z]+;|&#\d+;", " ", text)
    for same in SAME_IN_BOTH:
        text = text.replace(same, " ")
    return [word for chunk in [text, *attributes] for word in _WORD.findall(chunk)]


def patient_templates() -> list[str]:
    names = sorted(
        str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*") if path.is_file()
    )
    return [name for name in names if name not in STAFF_ONLY]


@pytest.mark.parametrize("name", patient_templates())
def test_every_word_a_template_writes_is_marked_for_translation(name):
    assert unmarked_words((TEMPLATES / name).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ('<p>{% translate "Find a trial" %}</p>', []),
        ("<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>", []),
        ("<p>{{ trial.title }} Find a trial</p>", ["Find", "trial"]),
        ('<input placeholder="Your city">', ["Your", "city"]),
        ('<input placeholder="{% translate "Your city" %}">', []),
        ("{# a note #}{% comment %}Usage: ...{% endcomment %}<b>MS Trial Finder</b>", []),
        ("<p>Buscar</p>", ["Buscar"]),  # Spanish written in a template is not marked either
    ],
)
def test_the_check_finds_words_outside_the_translation_tags(source, words):
    assert unmarked_words(source) == words


def test_the_exceptions_are_templates_that_exist():
    assert all((TEMPLATES / name).is_file() for name in STAFF_ONLY)


def test_python_marks_strings_with_names_makemessages_reads():
    """``makemessages`` finds ``_()``, ``gettext_lazy()``, ``pgettext()``... by name: a
    string marked through another alias (``gettext_lazy as _lazy``) is never extracted,
    so the page shows it in English whatever the language."""
    root = TEMPLATES.parent
    alias = re.compile(r"from django\.utils\.translation import[^\n]*\bas (\w+)")
    found = []
    for path in root.rglob("*.py"):
        if {".venv", "migrations", "tests"} & set(path.relative_to(root).parts):
            continue
        found += [
            (str(path.relative_to(root)), name)
            for name in alias.findall(path.read_text(encoding="utf-8"))
            if name != "_"
        ]
    assert found == []

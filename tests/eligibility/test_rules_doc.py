"""docs/rules.md's fact reference is the registry's: a missing key, code or group fails."""

from eligibility.engine.facts import CONDITIONS, FACTS, TREATMENT_GROUPS, TREATMENTS
from eligibility.rules_doc import BEGIN, END, fact_reference, rules_doc_path, rules_doc_render


def committed() -> str:
    return rules_doc_path().read_text(encoding="utf-8")


def test_the_committed_reference_is_the_registrys():
    text = committed()
    assert rules_doc_render(text) == text, "run: python manage.py rules_doc"


def test_every_key_code_and_group_is_in_it():
    block = committed().split(BEGIN)[1].split(END)[0]
    for key in FACTS:
        assert f"| `{key}` |" in block, key
    for choice in (*TREATMENTS, *CONDITIONS):
        assert f"`{choice.code}`" in block, choice.code
    for group in TREATMENT_GROUPS:
        assert f"`{group}`" in block, group


def test_the_doc_explains_not_checked():
    text = " ".join(committed().split())
    assert "`not_checked`" in text
    assert "a trial with any criterion not checked is never `eligible`" in text


def test_a_stale_reference_is_noticed():
    stale = committed().replace("| `edss` |", "| `edss_old` |")
    assert rules_doc_render(stale) != stale
    assert "| `edss` |" in fact_reference()

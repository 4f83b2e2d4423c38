"""The contract v2 questions in a real browser: a trial whose rules use dated facts, the
treatment history, pregnancy, contraception, other conditions and cancer, walked in
English and in Spanish, at desktop and at phone width.

Every page is checked with axe-core and saved as a screenshot
(``artifacts/screenshots/v2-<lang>-<question>-<size>.png``, see conftest). Dates are
relative to today: the live server runs on the real clock.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from eligibility.engine.dates import MONTH_NAMES
from tests.browser.conftest import DESKTOP, PHONE, check_page
from tests.browser.test_patient_flows import answer_current as answer_section_1
from tests.browser.test_patient_flows import current_key
from tests.web.test_questionnaire_v2 import V2_NCT, V2_QUESTIONS, v2_trial_create

CONTINUE = re.compile("^(Continue|Continuar)$")


def months_ago(count: int, today: date | None = None) -> str:
    """``YYYY-MM`` of the month ``count`` months before this one."""
    today = today or date.today()
    index = today.year * 12 + today.month - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_name(month: str, lang: str) -> str:
    name = MONTH_NAMES[lang][int(month[5:7]) - 1]
    return f"{name} de {month[:4]}" if lang == "es" else f"{name} {month[:4]}"


#: A woman nothing in the rules rules out, as she would answer in the browser.
PATIENT = {
    "age": "41",
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "relapses_last_12_months": "1",
    "relapses_last_24_months": "2",
    "last_relapse": months_ago(4),
    "treatment_history": {"interferon_beta": "current", "natalizumab": months_ago(30)},
    "last_systemic_steroids": "never",
    "last_investigational_drug": "never",
    "sex": "female",
    "pregnancy_or_breastfeeding": "no",
    "contraception": "not_needed",
    "other_conditions": ["epilepsy"],
    "years_since_cancer": "never",
}
MONTH_KEYS = {"last_relapse", "last_systemic_steroids", "last_investigational_drug"}
VERDICT = {
    "en": "Nothing in your answers rules you out so far",
    "es": "Nada en sus respuestas le excluye por ahora",
}


@pytest.fixture
def v2_site(demo_site):
    v2_trial_create()
    return demo_site


def fill_month(page, prefix: str, month: str) -> None:
    page.select_option(f"#id_{prefix}_month", str(int(month[5:7])))
    page.fill(f"#id_{prefix}_year", month[:4])


def fill_history(page, history: dict) -> None:
    if not history:
        page.check("input[name=treatment_history][value=none]")
        return
    for code, last in history.items():
        page.check(f"input[name=treatment_history][value={code}]")
        if last in ("current", "unsure"):
            page.check(f"input[name={code}_when][value={last}]")
        else:
            page.check(f"input[name={code}_when][value=dated]")
            fill_month(page, code, last)


def answer_current(page, value) -> None:
    """Answer the question on screen as a patient would, then submit it."""
    key = current_key(page)
    if value == "never":
        page.click("button[name=answer_never]")
    elif key == "treatment_history" or (key in MONTH_KEYS and value != "unsure"):
        if key == "treatment_history":
            fill_history(page, value)
        else:
            fill_month(page, key, value)
        page.get_by_role("button", name=CONTINUE).click()
    else:
        answer_section_1(page, value)  # numbers, choices, lists, "not sure"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(("lang", "locale"), [("en", "en-US"), ("es", "es-ES")], ids=["en", "es"])
def test_a_patient_walks_the_v2_questions(new_page, v2_site, lang, locale, viewport):
    page = new_page(viewport=viewport, locale=locale)
    page.goto(page.base_url + f"/trials/{V2_NCT}/check/")
    asked = []
    while page.locator("input[name=question]").count():
        key = current_key(page)
        assert key not in asked, f"{key} asked twice"
        asked.append(key)
        check_page(page, f"v2-{lang}-{key}")
        answer_current(page, PATIENT[key])
    assert set(asked) <= V2_QUESTIONS
    assert asked.index("sex") < asked.index("pregnancy_or_breastfeeding")
    expect(page.locator(".verdict h2")).to_have_text(VERDICT[lang])
    summary = page.locator(".answers-summary")
    expect(summary).to_contain_text(month_name(PATIENT["last_relapse"], lang))
    expect(summary).to_contain_text(month_name(PATIENT["treatment_history"]["natalizumab"], lang))
    expect(page.locator(".criterion-result--not_checked")).to_have_count(1)
    check_page(page, f"v2-{lang}-result")
    if viewport is PHONE:
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0


def open_question(page, key: str) -> None:
    page.goto(page.base_url + f"/trials/{V2_NCT}/check/?q={key}")
    assert current_key(page) == key


def test_a_dose_is_asked_only_once_its_treatment_is_ticked(page, v2_site):
    open_question(page, "treatment_history")
    when = page.locator("#id_natalizumab_when_0")
    expect(when).to_be_hidden()
    page.check("input[name=treatment_history][value=natalizumab]")
    expect(when).to_be_visible()
    expect(page.locator("#id_natalizumab_month")).to_be_visible()
    page.uncheck("input[name=treatment_history][value=natalizumab]")
    expect(when).to_be_hidden()


def test_month_errors_are_announced_and_linked_to_the_control(new_page, v2_site):
    for viewport, locale, message in (
        (DESKTOP, "en-US", "That month is in the future"),
        (PHONE, "es-ES", "Ese mes está en el futuro"),
    ):
        page = new_page(viewport=viewport, locale=locale)
        open_question(page, "last_relapse")
        next_month = months_ago(-1)
        fill_month(page, "last_relapse", next_month)
        page.get_by_role("button", name=CONTINUE).click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(message)
        expect(alert).to_be_focused()
        error_part = "year" if next_month[:4] != str(date.today().year) else "month"
        control = page.locator(f"#id_last_relapse_{error_part}")
        assert control.get_attribute("aria-invalid") == "true"
        check_page(page, f"v2-{locale[:2]}-error-month")
        alert.get_by_role("link").click()
        expect(control).to_be_focused()


def test_a_treatment_row_error_is_shown_on_its_row(new_page, v2_site):
    for viewport, locale in ((DESKTOP, "en-US"), (PHONE, "es-ES")):
        page = new_page(viewport=viewport, locale=locale)
        open_question(page, "treatment_history")
        page.check("input[name=treatment_history][value=ocrelizumab]")
        page.get_by_role("button", name=CONTINUE).click()
        expect(page.get_by_role("alert")).to_contain_text("ocrelizumab")
        row = page.locator(".dose--error")
        expect(row).to_have_count(1)
        expect(row.locator("#id_ocrelizumab_when_error")).to_be_visible()
        check_page(page, f"v2-{locale[:2]}-error-treatment")
        page.get_by_role("alert").get_by_role("link").click()
        expect(page.locator("#id_ocrelizumab_when_0")).to_be_focused()


def test_the_treatment_history_works_without_javascript(new_page, v2_site):
    page = new_page(javascript=False, viewport=PHONE)
    open_question(page, "treatment_history")
    fill_history(page, {"glatiramer_acetate": "unsure", "fingolimod": months_ago(8)})
    page.get_by_role("button", name=CONTINUE).click()
    assert current_key(page) != "treatment_history"
    page.goto(page.base_url + f"/trials/{V2_NCT}/check/?q=treatment_history")
    expect(page.locator("input[name=treatment_history][value=fingolimod]")).to_be_checked()
    expect(page.locator("#id_fingolimod_year")).to_have_value(months_ago(8)[:4])
    check_page(page, "v2-en-treatment_history-no-js", axe=False)


def test_phone_targets_are_big_enough_on_the_v2_questions(phone_page, v2_site):
    page = phone_page
    for key in ("last_relapse", "treatment_history"):
        open_question(page, key)
        if key == "treatment_history":
            page.check("input[name=treatment_history][value=natalizumab]")
        targets = page.locator("main button, main .choice label:visible, main select:visible")
        for target in targets.all():
            box = target.bounding_box()
            assert box["height"] >= 44, target.inner_text()
        for width in (320, 390):
            page.set_viewport_size({"width": width, "height": 800})
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{key} scrolls sideways at {width}px"

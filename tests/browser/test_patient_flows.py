"""A patient's flows in a real browser: search, trial page, questionnaire, results.

Every page visited is checked with axe-core and saved as a screenshot (see conftest).
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CARE_MS_I, CARE_MS_II, PHONE, check_page
from tests.web.conftest import ELIGIBLE_FORM

#: A typical CARE-MS II candidate: relapsing MS, relapsed on interferon beta.
ELIGIBLE = ELIGIBLE_FORM
#: The same patient who does not know their EDSS score.
POSSIBLY_ELIGIBLE = {**ELIGIBLE, "edss": "unsure"}
#: Too old for CARE-MS II (18 to 55): the questionnaire ends after one question.
INELIGIBLE = {**ELIGIBLE, "age": "60"}


def current_key(page) -> str:
    return page.locator("input[name=question]").get_attribute("value")


def answer_current(page, value) -> None:
    """Answer the question on screen with ``value`` (a code, a number, a list, or unsure)."""
    key = current_key(page)
    if value == "unsure" and page.locator("button[name=answer_unsure]").count():
        page.click("button[name=answer_unsure]")
        return
    if isinstance(value, list):
        for code in value or ["none"]:
            page.check(f"input[name={key}][value={code}]")
    elif page.locator(f"input[type=radio][name={key}]").count():
        page.check(f"input[name={key}][value={value}]")
    else:
        page.fill(f"#id_{key}", value)
    page.get_by_role("button", name=re.compile("^(Continue|Continuar)$")).click()


def answer_all(page, answers: dict, *, screenshot_prefix: str | None = None) -> list[str]:
    """Answer questions until a result page; returns the keys asked, in order."""
    asked = []
    while page.locator("input[name=question]").count():
        key = current_key(page)
        assert key not in asked, f"{key} asked twice"
        asked.append(key)
        if screenshot_prefix:
            check_page(page, f"{screenshot_prefix}-{key}")
        answer_current(page, answers[key])
    return asked


def test_search_shows_nearest_clinic_and_other_locations(page, phone_page):
    for each in (page, phone_page):
        each.goto(each.base_url + "/")
        check_page(each, "home")
        each.fill("#id_location", "94301")
        each.get_by_role("button", name="Search trials").click()
        expect(each).to_have_url(re.compile(r"/trials/\?"))
        card = each.locator("article", has_text="CARE-MS II")
        expect(card).to_contain_text("Recruiting in Palo Alto")
        expect(card).to_contain_text("+190 other locations")
        expect(card).to_contain_text(re.compile(r"\(\d+ mi\)"))
        expect(card).to_contain_text("No placebo group")
        expect(card).to_contain_text("18 to 55")
        check_page(each, "search-results")


def test_unknown_place_is_reported_next_to_the_field(page):
    page.goto(page.base_url + "/trials/?condition=multiple+sclerosis&location=Qwertyville")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    error = page.locator("#id_location_error")
    expect(error).to_contain_text("We could not find “Qwertyville”")
    described = page.locator("#id_location").get_attribute("aria-describedby")
    assert "id_location_error" in described.split()
    assert page.locator("#id_location").get_attribute("aria-invalid") == "true"
    check_page(page, "search-unknown-place")
    page.goto(page.base_url + "/no-such-page/")
    expect(page.locator("h1")).to_have_text("Page not found")
    check_page(page, "not-found")


def test_trial_page_shows_what_seed_000_shows_with_the_protocol_age(page, phone_page):
    for each in (page, phone_page):
        each.goto(each.base_url + f"/trials/{CARE_MS_II}/?location=94301")
        main = each.locator("main")
        expect(main).to_contain_text("CARE-MS II")
        expect(main).to_contain_text("18 to 55")
        assert "65" not in main.locator(".facts").first.inner_text()
        expect(main).to_contain_text("Recruiting in Palo Alto")
        expect(main).to_contain_text("+190 other locations")
        expect(main).not_to_contain_text("spots left")  # "by April 2026" has gone by
        expect(main).to_contain_text("Pivotal trial")
        expect(main).to_contain_text("Demonstration list of clinics")
        expect(main).to_contain_text("Alemtuzumab 12 mg")
        expect(main).to_contain_text("Bayer")
        more = each.locator("summary", has_text="See 4 more")
        expect(more).to_be_visible()
        more.click()
        expect(main).to_contain_text("MRI shows brain lesions")
        check_page(each, "trial")
    page.get_by_role("link", name="Check if you may qualify").click()
    expect(page).to_have_url(re.compile(rf"/trials/{CARE_MS_II}/check/$"))


@pytest.mark.parametrize(
    ("name", "answers", "verdict"),
    [
        ("eligible", ELIGIBLE, "You may qualify for this study"),
        (
            "possibly-eligible",
            POSSIBLY_ELIGIBLE,
            "You might qualify, but some points are still open",
        ),
        ("ineligible", INELIGIBLE, "This study is probably not a match for you"),
    ],
)
def test_questionnaire_reaches_each_verdict(page, name, answers, verdict):
    page.goto(page.base_url + f"/trials/{CARE_MS_II}/check/")
    asked = answer_all(page, answers, screenshot_prefix="question" if name == "eligible" else None)
    expect(page).to_have_url(re.compile(r"/check/result/$"))
    expect(page.locator(".verdict h2")).to_contain_text(verdict)
    expect(page.locator("main")).not_to_contain_text("you will qualify")
    check_page(page, f"result-{name}")
    if name == "ineligible":
        # Too old: nothing else can change the verdict, so nothing else is asked.
        assert asked == ["age"]
        expect(page.locator(".criterion-result--fail")).to_contain_text("aged 18 to 55")
    if name == "possibly-eligible":
        questions = page.locator("#neurologist-title + p + ul")
        expect(questions).to_contain_text("EDSS")
    if name == "eligible":
        assert len(asked) == len(ELIGIBLE)
        # Answers never travel in a URL: the result's address is the same for everyone.
        assert urlsplit(page.url).path == f"/trials/{CARE_MS_II}/check/result/"
        assert urlsplit(page.url).query == ""


def test_back_keeps_answers_and_an_answer_can_be_changed(page):
    page.goto(page.base_url + f"/trials/{CARE_MS_II}/check/")
    answer_current(page, "35")
    answer_current(page, "yes")
    assert current_key(page) == "ms_course"
    page.get_by_role("link", name="Back").click()
    assert current_key(page) == "ms_diagnosis"
    expect(page.locator("input[name=ms_diagnosis][value=yes]")).to_be_checked()
    page.get_by_role("link", name="Back").click()
    expect(page.locator("#id_age")).to_have_value("35")
    page.fill("#id_age", "36")
    page.get_by_role("button", name="Continue").click()
    # The diagnosis was already answered: the next new question comes.
    assert current_key(page) == "ms_course"
    answer_all(page, ELIGIBLE)
    expect(page.locator(".answers-summary")).to_contain_text("36")
    # Change an answer from the results page: the verdict follows.
    page.get_by_role("link", name=re.compile("Change – How old are you")).click()
    page.fill("#id_age", "58")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".verdict h2")).to_have_text("This study is probably not a match for you")


def test_validation_errors_are_announced_and_next_to_the_field(page):
    page.goto(page.base_url + f"/trials/{CARE_MS_II}/check/")
    page.fill("#id_age", "abc")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a number from 0 to 120")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page).to_have_title(re.compile("^Error:"))
    assert "id_age_error" in page.locator("#id_age").get_attribute("aria-describedby").split()
    check_page(page, "question-error")
    page.get_by_role("link", name="Enter a number from 0 to 120.").click()
    expect(page.locator("#id_age")).to_be_focused()


def test_spanish_version_follows_the_browser_and_the_switch(new_page):
    page = new_page(locale="es-ES")
    page.goto(page.base_url + f"/trials/{CARE_MS_II}/?location=Madrid,+Spain")
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.locator("main")).to_contain_text("Quién puede participar")
    expect(page.locator("main")).to_contain_text("Personas de 18 a 55 años")
    expect(page.locator("main")).to_contain_text(re.compile(r"\d+ km"))
    check_page(page, "trial-es")
    page.get_by_role("link", name="Comprobar si puede participar").click()
    expect(page.locator("h1")).to_have_text("¿Cuántos años tiene?")
    check_page(page, "question-es")
    answer_all(page, INELIGIBLE)
    expect(page.locator(".verdict h2")).to_contain_text("probablemente no")
    check_page(page, "result-es")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator(".verdict h2")).to_have_text("This study is probably not a match for you")


def test_everything_works_with_javascript_off(new_page):
    page = new_page(javascript=False)
    page.goto(page.base_url + "/")
    expect(page.locator("[data-locate]")).to_be_hidden()
    page.fill("#id_location", "Palo Alto, California")
    page.get_by_role("button", name="Search trials").click()
    page.get_by_role("link", name=re.compile("Comparison of Alemtuzumab.*Study Two")).click()
    page.get_by_role("link", name="Check if you may qualify").click()
    answer_all(page, POSSIBLY_ELIGIBLE)
    expect(page.locator(".verdict h2")).to_have_text(
        "You might qualify, but some points are still open"
    )
    # axe-core cannot run where scripts are off; the same page is checked with them on.
    check_page(page, "result-no-js", axe=False)


def test_phone_sized_questionnaire_reflows_and_has_big_targets(new_page):
    page = new_page(viewport=PHONE)
    page.goto(page.base_url + f"/trials/{CARE_MS_II}/check/")
    answer_current(page, "35")
    check_page(page, "question-choice")
    for target in page.locator("main button, main .choice label, main a.button").all():
        box = target.bounding_box()
        assert box["height"] >= 44, target.inner_text()
    # WCAG reflow: 320 CSS pixels wide (a 1280-px screen at 400 %) needs no sideways scroll.
    for width in (320, 640):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("/", f"/trials/{CARE_MS_II}/", f"/trials/{CARE_MS_II}/check/"):
            page.goto(page.base_url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways at {width}px"


def test_keyboard_alone_completes_the_questionnaire(page):
    page.goto(page.base_url + f"/trials/{CARE_MS_II}/")
    # Tab to the call to action and press Enter, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Check if you may qualify":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/check/$"))
    while page.locator("input[name=question]").count():
        key = current_key(page)
        value = INELIGIBLE[key] if key == "age" else ELIGIBLE[key]
        # Focus moves from the top of the page into the form with Tab only.
        for _ in range(15):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == key:
                break
        else:
            pytest.fail(f"Tab never reached the answer to {key}")
        focused = page.locator(":focus")
        outline = focused.evaluate("e => getComputedStyle(e).outlineStyle")
        assert outline != "none" or key != "age"
        page.keyboard.type(value)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page.locator(".verdict h2")).to_have_text("This study is probably not a match for you")


def test_find_trials_for_me_ranks_by_verdict_then_distance(page):
    page.goto(page.base_url + "/check/")
    check_page(page, "match-start")
    page.fill("#id_location", "94301")
    page.get_by_role("button", name="Start the questions").click()
    asked = answer_all(page, ELIGIBLE, screenshot_prefix="match-question")
    assert len(asked) <= len(ELIGIBLE)
    expect(page).to_have_url(re.compile(r"/check/results/$"))
    cards = page.locator("article.trial-card")
    expect(cards).to_have_count(2)
    # The typical CARE-MS II candidate: eligible there, ruled out of CARE-MS I (prior therapy).
    expect(cards.nth(0)).to_contain_text("CARE-MS II")
    expect(cards.nth(0)).to_contain_text("You may qualify")
    expect(cards.nth(1)).to_contain_text("CARE-MS I")
    expect(cards.nth(1)).to_contain_text("Probably not a match")
    check_page(page, "match-results")
    cards.nth(1).get_by_role("link", name=re.compile("See why")).click()
    expect(page).to_have_url(re.compile(rf"/trials/{CARE_MS_I}/check/result/$"))
    expect(page.locator(".criterion-result--fail")).to_contain_text("other than corticosteroids")


def test_every_page_at_phone_size(phone_page):
    """Screenshots and axe-core of every page at phone size (desktop ones come above)."""
    page = phone_page
    page.goto(page.base_url + "/trials/?condition=multiple+sclerosis&location=Qwertyville")
    check_page(page, "search-unknown-place")
    page.goto(page.base_url + f"/trials/{CARE_MS_II}/check/")
    answer_all(page, POSSIBLY_ELIGIBLE, screenshot_prefix="question")
    check_page(page, "result-possibly-eligible")
    page.goto(page.base_url + "/check/")
    check_page(page, "match-start")
    page.fill("#id_location", "94301")
    page.get_by_role("button", name="Start the questions").click()
    answer_all(page, POSSIBLY_ELIGIBLE)
    expect(page).to_have_url(re.compile(r"/check/results/$"))
    check_page(page, "match-results")
    page.goto(page.base_url + "/trials/NCT99999999/")
    check_page(page, "not-found")

"""In Spanish from the search to the confirmation (issue 20, item 5): the search finds the
trial by the page's own example, "esclerosis múltiple", the questionnaire, the result, the
contact form with its consent and the confirmation are in Spanish, and the referral is
stored in Spanish. Desktop and phone, axe clean, screenshots of each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.browser.conftest import CARE_MS_II, PHONE, check_page
from tests.browser.test_patient_flows import ELIGIBLE, answer_all

#: Words that would mean an English string was left on a Spanish page.
ENGLISH = re.compile(r"\b(Send my request|Your name|Email address|Next step|Continue)\b")


def spanish(page) -> None:
    assert page.locator("html").get_attribute("lang") == "es"
    text = page.locator("main").inner_text()
    assert not ENGLISH.search(text), ENGLISH.search(text)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_patient_asks_to_be_contacted_in_spanish(new_page, viewport):
    page = new_page(locale="es-ES", **({"viewport": viewport} if viewport else {}))
    page.goto(page.base_url + "/trials/")
    page.get_by_label(re.compile("^Enfermedad")).fill("esclerosis múltiple")
    page.get_by_label(re.compile("código postal o ciudad")).fill("Madrid")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("main")).to_contain_text("CARE-MS II")
    expect(page.locator("main")).to_contain_text("(título tal como está registrado, en inglés)")
    spanish(page)
    check_page(page, "es-referral-search")

    page.locator(f'a[href^="/trials/{CARE_MS_II}/"]').first.click()
    expect(page.locator("main")).to_contain_text("Quién puede participar")
    spanish(page)
    page.get_by_role("link", name="Comprobar si puede participar").first.click()
    answer_all(page, ELIGIBLE)
    expect(page.locator(".verdict h2")).to_be_visible()
    spanish(page)
    check_page(page, "es-referral-result")

    page.get_by_role("link", name="Pedir que se pongan en contacto conmigo").click()
    expect(page.locator("h1")).to_have_text(
        "Pida al equipo del estudio que se ponga en contacto con usted"
    )
    consent = page.locator("#consent-text")
    expect(consent).to_contain_text("Acepto que MS Trial Finder")
    spanish(page)
    check_page(page, "es-referral-form")

    page.get_by_label("Su nombre", exact=True).fill("Lucía Prueba")
    page.get_by_label("Correo electrónico", exact=True).fill("lucia.prueba@example.org")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    # Without the consent nothing is sent, and the error is in Spanish.
    expect(page.locator(".error-summary")).to_be_visible()
    spanish(page)
    assert not Referral.objects.exists()
    page.locator('input[name="consent"]').check()
    page.get_by_role("button", name="Enviar mi solicitud").click()
    page.wait_for_url("**/referrals/sent/")
    referral = Referral.objects.get()
    expect(page.locator("#reference")).to_have_text(referral.reference)
    spanish(page)
    check_page(page, "es-referral-confirmation")
    assert referral.language == "es"
    assert referral.consent_text.startswith("Acepto que MS Trial Finder")
    assert "lucia" not in page.url.lower() and "prueba" not in page.url.lower()

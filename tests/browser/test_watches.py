"""In a browser: saving a watch, confirming it from the link of the e-mail, deleting it, in
English and in Spanish, at desktop and phone width.

The demo catalog is loaded (CARE-MS II recruits in Palo Alto). A watch is saved from a
search's results (the place of the visit kept) or from a trial page (the place typed);
the confirmation e-mail is the one the outbox delivered (Django's test outbox). Every
page is checked with axe-core and saved as a screenshot, always before the address is
typed; no URL the browser asks for carries the address.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import CARE_MS_II, DESKTOP, PHONE, check_page
from watches.models import Watch, WatchStatus

ADDRESS = "watcher.browser@example.org"
CONFIRM_LINK = re.compile(r"https?://\S+?(/watches/confirm/[\w-]+/)")

WORDS = {
    "en": {
        "entry": "Get alerts by e-mail",
        "trial_link": "Tell me when it opens near me or changes",
        "email": "Your e-mail address",
        "place": "Your postal code or city",
        "send": "Send me the confirmation link",
        "sent": "Check your e-mail",
        "confirm_title": "Confirm your alerts",
        "confirm": "Confirm and start the alerts",
        "on": "Your alerts are on.",
        "delete": "Delete my alerts",
        "deleted": "Your alerts are deleted",
        "search": "Search",
    },
    "es": {
        "entry": "Recibir avisos por correo electrónico",
        "trial_link": "Avisarme cuando abra cerca de mí o cambie",
        "email": "Su dirección de correo electrónico",
        "place": "Su código postal o ciudad",
        "send": "Enviarme el enlace de confirmación",
        "sent": "Revise su correo electrónico",
        "confirm_title": "Confirme sus avisos",
        "confirm": "Confirmar y activar los avisos",
        "on": "Sus avisos están activos.",
        "delete": "Borrar mis avisos",
        "deleted": "Sus avisos se han borrado",
        "search": "Buscar",
    },
}


@pytest.fixture
def mail_site(demo_site, settings):
    settings.SITE_URL = demo_site.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    return demo_site


def recording_urls(page) -> list[str]:
    """Every URL the page asks for, from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def from_search(page, words: dict, name: str) -> None:
    """Search near Palo Alto, then follow the results' way into a watch."""
    page.goto(page.base_url + "/trials/")
    page.get_by_label(words["place"]).first.fill("Palo Alto, CA")
    page.get_by_role("button", name=words["search"], exact=True).click()
    expect(page.locator(".trial-list")).to_contain_text("CARE-MS II")
    page.get_by_role("link", name=words["entry"]).click()
    expect(page).to_have_url(re.compile(r"/watches/new/\?condition="))
    # The place of the search is kept: nothing to type but the address.
    expect(page.get_by_label(words["place"])).to_have_value(re.compile("Palo Alto"))
    check_page(page, f"{name}-new")


def from_trial(page, words: dict, name: str) -> None:
    """A trial page's link: the watch follows CARE-MS II; the place is typed."""
    page.goto(f"{page.base_url}/trials/{CARE_MS_II}/")
    page.get_by_role("link", name=words["trial_link"]).click()
    expect(page).to_have_url(re.compile(rf"/watches/new/\?trial={CARE_MS_II}$"))
    expect(page.locator("form.card")).to_contain_text(CARE_MS_II)
    check_page(page, f"{name}-new")
    page.get_by_label(words["place"]).fill("94301")


def confirmation_path(language: str) -> str:
    (message,) = mail.outbox
    assert message.to == [ADDRESS]
    assert message.extra_headers["Content-Language"] == language
    return CONFIRM_LINK.search(message.body).group(1)


@pytest.mark.parametrize(
    ("language", "viewport", "entry"),
    [
        ("en", DESKTOP, from_search),
        ("en", PHONE, from_trial),
        ("es", DESKTOP, from_trial),
        ("es", PHONE, from_search),
    ],
    ids=["en-desktop-search", "en-phone-trial", "es-desktop-trial", "es-phone-search"],
)
def test_a_watch_is_saved_confirmed_from_the_email_and_deleted(
    new_page, mail_site, language, viewport, entry
):
    words = WORDS[language]
    page = new_page(viewport=viewport, locale="es-ES" if language == "es" else "en-US")
    name = f"watches-{language}-{entry.__name__.removeprefix('from_')}"
    urls = recording_urls(page)

    entry(page, words, name)
    page.get_by_label(words["email"]).fill(ADDRESS)
    page.get_by_role("button", name=words["send"]).click()
    expect(page).to_have_url(re.compile(r"/watches/sent/$"))
    expect(page.locator("h1")).to_have_text(words["sent"])
    check_page(page, f"{name}-sent")
    watch = Watch.objects.get()
    assert (watch.status, watch.language) == (WatchStatus.UNCONFIRMED, language)
    assert (watch.trial is not None) == (entry is from_trial)

    # The link of the e-mail: checked, then the token leaves the address bar.
    page.goto(page.base_url + confirmation_path(language))
    expect(page).to_have_url(re.compile(r"/watches/confirm/$"))
    expect(page.locator("h1")).to_have_text(words["confirm_title"])
    expect(page.locator("dl")).to_contain_text("Palo Alto")
    check_page(page, f"{name}-confirm")
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page).to_have_url(re.compile(r"/watches/manage/$"))
    expect(page.get_by_role("status").first).to_contain_text(words["on"])
    check_page(page, f"{name}-manage")
    assert Watch.objects.get().status == WatchStatus.ACTIVE

    page.get_by_role("button", name=words["delete"]).click()
    expect(page).to_have_url(re.compile(r"/watches/deleted/$"))
    expect(page.locator("h1")).to_have_text(words["deleted"])
    check_page(page, f"{name}-deleted")
    assert not Watch.objects.exists()
    # The confirmation link does not work twice, and nothing else was sent.
    page.goto(page.base_url + CONFIRM_LINK.search(mail.outbox[0].body).group(1))
    expect(page).not_to_have_url(re.compile(r"/watches/confirm/$"))
    assert len(mail.outbox) == 1

    assert urls, "no request recorded"
    for url in urls:
        assert "watcher.browser" not in url and "%40" not in url and "@" not in urlsplit(url).path
        assert "example.org" not in url, url

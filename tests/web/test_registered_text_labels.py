"""Registry text is shown as registered and labelled so on Spanish pages (issue 20, item 5)."""

from django.core.management import call_command

from tests.web.conftest import CARE_MS_II

NOTE_ES = "(título tal como está registrado, en inglés)"


def test_a_spanish_page_labels_the_registry_title(client, demo_catalog):
    for url in (f"/trials/{CARE_MS_II}/", "/trials/?condition=esclerosis+m%C3%BAltiple"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert 'lang="en">Comparison of Alemtuzumab and Rebif' in html
        assert NOTE_ES in html, url


def test_an_english_page_does_not(client, demo_catalog):
    html = client.get(f"/trials/{CARE_MS_II}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "as registered, in English)" not in html.split("<h1", 1)[1].split("</header>", 1)[0]


def test_a_spanish_page_labels_the_registered_summary_and_criteria(client, demo_catalog):
    html = client.get(f"/trials/{CARE_MS_II}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    note = "Tal como está registrado en ClinicalTrials.gov, en inglés:"
    assert html.count(note) == 2
    purpose, criteria = html.split(note)[1:3]
    for registered in (purpose, criteria):
        assert " ".join(registered.split()).startswith('</p> <div class="prose" lang="en">')
    english = client.get(f"/trials/{CARE_MS_II}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "As registered on ClinicalTrials.gov" not in english


def test_a_demonstration_trials_card_says_it_is_one(client, demo_catalog):
    html = client.get("/trials/", {"condition": "multiple sclerosis"}).content.decode()
    cards = html.split('<article class="card trial-card"')[1:]
    assert len(cards) == 2
    for card in cards:
        assert "<strong>A demonstration:</strong>" in card
        assert "ended in 2011; it is shown as recruiting, with illustrative clinics" in card


def test_a_real_trials_card_does_not(client, db):
    call_command("load_demo_catalog", verbosity=0)  # with the real registry trials
    html = client.get("/trials/", {"condition": "multiple sclerosis"}).content.decode()
    cards = html.split('<article class="card trial-card"')[1:]
    real = [card for card in cards if "CARE-MS" not in card]
    assert real and all("A demonstration" not in card for card in real)

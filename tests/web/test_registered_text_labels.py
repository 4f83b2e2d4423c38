"""Registry text is shown as registered and labelled so on Spanish pages (issue 20, item 5)."""

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

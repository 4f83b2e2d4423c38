"""The patient's own country, as their browser says it, decides which reading of a postal
code valid in two countries comes first, and the unit of distances (issue 20, item 4 and
item 3): "08001" from a browser set to es-ES is Barcelona, with the New Jersey ZIP code
offered; "75001" from fr-FR is a message saying what to type, not a town in Texas; a
patient in the United Kingdom reads miles."""

import pytest
from django.test import RequestFactory

from sites.geocoding import UnplaceablePostalCode, geocode
from sites.location import browser_region, distance_unit


def place(text, **kwargs):
    return geocode(query=text, pick_most_populous=True, **kwargs)


def test_a_bare_code_is_read_as_spanish_first_for_a_browser_in_spain():
    found = place("08001", region="ES")

    assert (found.label, found.country_code) == ("Barcelona 08001, Spain", "ES")
    assert found.note == (
        "We read 08001 as a postal code in Spain. For the US ZIP code, choose Alloway, NJ below."
    )
    [us] = found.alternatives
    assert (us.label, us.country_code) == ("Alloway, NJ 08001, United States", "US")
    # The button sends back text that is that ZIP code whatever the browser says.
    assert place(us.query, region="ES") == us


def test_the_same_code_stays_a_zip_code_elsewhere():
    for region in (None, "US", "GB"):
        found = place("08001", region=region)
        assert found.country_code == "US", region
        assert [a.country_code for a in found.alternatives] == ["ES"]


def test_a_code_that_is_only_spanish_needs_no_alternative():
    found = place("03001", region="ES")  # Alicante; there is no US ZIP code 03001
    assert found.country_code == "ES" and found.alternatives == ()


@pytest.mark.parametrize(("region", "country"), [("FR", "France"), ("MX", "Mexico")])
def test_a_code_of_a_country_we_cannot_place_is_a_message_not_a_town_in_texas(region, country):
    with pytest.raises(UnplaceablePostalCode) as raised:
        place("75001", region=region)
    message = raised.value.message
    assert f"Postal codes in {country} are not in our offline gazetteer" in message
    assert "For the US ZIP code, type “75001, US”." in message
    assert place("75001, US", region=region).label.startswith("Addison, TX 75001")


@pytest.mark.parametrize(
    ("header", "region"),
    [
        ("es-ES,es;q=0.9", "ES"),
        ("en-GB", "GB"),
        ("es", None),
        ("zh-Hant-TW", "TW"),
        ("*", None),
        ("", None),
        ("en-us;q=0.8", "US"),
    ],
)
def test_the_browser_region_is_its_first_languages_country(header, region):
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert browser_region(request) == region


@pytest.mark.parametrize(
    ("where", "unit"),
    [("London", "mi"), ("Palo Alto, CA", "mi"), ("Madrid", "km"), ("Berlin", "km")],
)
def test_distances_are_in_the_unit_of_the_patients_country(where, unit):
    request = RequestFactory().get("/")
    assert distance_unit(request, place(where)) == unit


def test_device_coordinates_take_the_unit_of_the_browsers_country():
    factory = RequestFactory()
    assert distance_unit(factory.get("/", HTTP_ACCEPT_LANGUAGE="en-GB"), None) == "mi"
    assert distance_unit(factory.get("/", HTTP_ACCEPT_LANGUAGE="es-ES"), None) == "km"


def test_the_search_page_reads_the_code_by_the_browsers_country(client, demo_catalog):
    spain = client.get(
        "/trials/", {"location": "08001"}, HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9"
    ).content.decode()
    assert "Barcelona 08001" in spain
    assert 'value="08001, US"' in spain  # the ZIP code offered as a button

    usa = client.get("/trials/", {"location": "08001"}, HTTP_ACCEPT_LANGUAGE="en-US").content
    assert "Alloway, NJ 08001" in usa.decode()


def test_a_patient_in_london_reads_miles(client, demo_catalog):
    html = client.get("/trials/", {"location": "London"}).content.decode()
    assert "Recruiting in London" in html
    assert " mi)" in html and " km)" not in html


def test_a_spanish_page_names_countries_in_spanish(client, demo_catalog):
    html = client.get("/trials/", {"location": "Madrid"}, HTTP_ACCEPT_LANGUAGE="es").content
    text = " ".join(html.decode().split())
    assert "hemos elegido el más grande, Madrid, España." in text
    assert "Madrid, Colombia</button>" in text
    assert "Madrid, Spain" not in text
    english = client.get("/trials/", {"location": "Madrid"}, HTTP_ACCEPT_LANGUAGE="en").content
    assert "we chose the largest, Madrid, Spain." in " ".join(english.decode().split())


def test_a_site_address_names_its_country_in_the_pages_language(client, demo_catalog):
    from tests.web.conftest import CARE_MS_II

    url = f"/trials/{CARE_MS_II}/"
    spanish = client.get(url, {"location": "94301"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '"site-list__address">Palo Alto, California 94304, Estados Unidos</span>' in spanish
    assert ", United States</span>" not in spanish
    english = client.get(url, {"location": "94301"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '"site-list__address">Palo Alto, California 94304, United States</span>' in english


def test_a_country_we_cannot_place_codes_for_is_named_in_spanish(client, demo_catalog):
    html = client.get("/trials/", {"location": "75001"}, HTTP_ACCEPT_LANGUAGE="es-MX")
    text = " ".join(html.content.decode().split())
    assert "Los códigos postales de México" in text or "de México no" in text, text[-3000:]

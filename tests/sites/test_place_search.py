"""Place search that understands patients: an ambiguous name is the most populous place
with the others offered, postal codes are read for the countries we can place, and the
rest get a message saying what to type, never a town of the same number elsewhere."""

import pytest
from rest_framework.test import APIClient

from sites.countries import postal_code_countries
from sites.geocoding import (
    SPANISH_PROVINCES,
    AmbiguousPlace,
    PlaceNotFound,
    UnplaceablePostalCode,
    gazetteer,
    geocode,
)
from sites.location import LocationInputError, origin_dict, origin_from_params
from tests.factories import SiteFactory, TrialFactory


def place(text, **kwargs):
    return geocode(query=text, pick_most_populous=True, **kwargs)


# --- ambiguous names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chosen", "offered"),
    [
        ("Madrid", "Madrid, Spain", "Madrid, Colombia"),
        ("London", "London, United Kingdom", "London, Canada"),
        ("Paris", "Paris, France", "Paris, Texas, United States"),
        ("Barcelona", "Barcelona, Spain", "Barcelona, Venezuela"),
        ("Portland", "Portland, Oregon, United States", "Portland, Maine, United States"),
    ],
)
def test_an_ambiguous_name_is_the_most_populous_place_and_offers_the_others(text, chosen, offered):
    found = place(text)
    assert found.label == chosen
    assert offered in [a.label for a in found.alternatives]
    assert found.note == f"More than one place is called “{text}”; we chose the largest, {chosen}."


@pytest.mark.parametrize("text", ["Madrid", "Springfield", "San Jose", "Valencia", "08001"])
def test_each_alternative_searched_again_is_exactly_that_place(text):
    for alternative in place(text).alternatives:
        again = place(alternative.query)
        assert again == alternative
        assert again.label == alternative.label


def test_alternatives_have_distinct_labels_and_a_limit():
    found = place("San Jose")
    labels = [a.label for a in found.alternatives]
    assert len(labels) == len(set(labels))
    assert found.label not in labels
    assert len(place("Springfield").alternatives) == 5


def test_a_unique_name_has_no_alternatives_and_no_note():
    found = place("Madrid, Spain")
    assert (found.alternatives, found.note) == ((), "")


def test_site_geocoding_still_refuses_to_guess():
    with pytest.raises(AmbiguousPlace):
        geocode(query="Madrid")


def test_the_alternatives_do_not_make_two_places_different():
    assert place("Madrid") == place("Madrid, Spain")


# --- postal codes ------------------------------------------------------------------------------


def test_a_bare_five_digit_code_is_a_us_zip_code_and_says_so():
    found = place("08001")
    assert (found.label, found.country_code) == ("Alloway, NJ 08001, United States", "US")
    assert found.note == (
        "We read 08001 as a US ZIP code (Alloway, NJ). For Spain, add the city: 08001 Barcelona."
    )
    [spanish] = found.alternatives
    assert (spanish.label, spanish.country_code, spanish.query) == (
        "Barcelona 08001, Spain",
        "ES",
        "08001, Spain",
    )


def test_a_us_zip_code_that_is_no_spanish_code_offers_nothing():
    found = place("94301")
    assert found.alternatives == ()
    assert "For another country, add the city after the code." in found.note


@pytest.mark.parametrize(
    "kwargs",
    [
        {"query": "08001, Spain"},
        {"query": "08001, España"},
        {"query": "08001", "country": "ES"},
        {"postal_code": "08001", "country": "Spain"},
    ],
)
def test_a_spanish_postal_code_with_its_country_is_in_spain(kwargs):
    found = geocode(pick_most_populous=True, **kwargs)
    assert (found.label, found.country_code) == ("Barcelona 08001, Spain", "ES")
    assert abs(found.latitude - 41.39) < 0.1 and abs(found.longitude - 2.16) < 0.1


@pytest.mark.parametrize("text", ["08001 Barcelona", "Barcelona 08001", "Barcelona, 08001"])
def test_a_code_with_its_city_is_that_city_in_the_codes_country(text):
    found = place(text)
    assert (found.label, found.country_code) == ("Barcelona, Spain", "ES")
    assert found.alternatives == ()


def test_the_code_tells_two_cities_of_one_name_apart():
    # Mérida, Mexico is larger; 06800 is a code of the province of Badajoz, by Mérida, Spain.
    assert place("06800 Mérida").label == "Mérida, Spain"
    assert place("Mérida").label == "Mérida, Mexico"


def test_a_code_and_a_city_of_another_country_is_that_city():
    assert place("10115 Berlin").label == "Berlin, Germany"
    assert place("75001 Paris").label == "Paris, France"


def test_a_us_address_still_ends_at_its_zip_code():
    assert place("Palo Alto, CA 94301").label == "Palo Alto, CA 94301, United States"
    assert place("Stanford, California 94305").source == "zipcodes"


def test_a_spanish_code_outside_the_capital_is_placed_at_the_capital_and_says_so():
    found = place("08200, Spain")
    assert found.label == "08200, Barcelona province, Spain"
    assert "We placed 08200 at Barcelona, the capital of its province" in found.note


def test_a_five_digit_code_that_is_no_us_zip_but_spanish_is_spanish():
    found = place("28013")
    assert (found.label, found.country_code) == ("Madrid 28013, Spain", "ES")
    assert found.note.startswith(
        "28013 is not a US ZIP code; we read it as a postal code in Spain."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("75001, France", "Postal codes in France are not in our offline gazetteer"),
        ("SW1A 1AA", "Postal codes in United Kingdom"),
        ("K1A 0B1", "Postal codes in Canada"),
        ("1012 AB", "for example “1012 AB Amsterdam”"),
        ("1010", "We can place US ZIP codes and Spanish postal codes on their own"),
    ],
)
def test_a_code_we_cannot_place_gets_a_message_not_a_town(text, message):
    with pytest.raises(UnplaceablePostalCode, match=message):
        place(text)


def test_a_code_that_is_not_spanish_is_not_placed_in_spain():
    with pytest.raises(PlaceNotFound, match="“94301” is not a Spanish postal code"):
        place("94301, Spain")
    with pytest.raises(PlaceNotFound, match="“53001” is not a Spanish postal code"):
        geocode(postal_code="53001", country="ES")


def test_every_spanish_province_capital_is_in_the_gazetteer():
    for number, (province, capital) in enumerate(SPANISH_PROVINCES, start=1):
        found = geocode(postal_code=f"{number:02d}001", country="ES")
        assert found.country_code == "ES", province
        assert found.label.endswith(f" {number:02d}001, Spain"), (province, capital)
    assert len(SPANISH_PROVINCES) == 52


def test_postal_code_shapes_name_their_countries():
    assert postal_code_countries("SW1A 1AA") == ["GB"]
    assert postal_code_countries("1200-123") == ["PT"]
    assert {"US", "ES", "FR", "DE", "IT", "MX"} <= set(postal_code_countries("08001"))
    assert "ES" not in postal_code_countries("94301")
    assert postal_code_countries("Barcelona") == []


def test_the_gazetteer_holds_us_zip_codes_only():
    # What the shipped data covers; a new country needs data, not a new shape.
    assert "08001" in gazetteer().zips and len(gazetteer().zips) > 40_000


# --- the location layer, the API and the pages --------------------------------------------------


def test_a_patients_ambiguous_place_is_chosen_not_refused():
    found = origin_from_params({"place": "Madrid"})
    assert found.label == "Madrid, Spain"
    assert [a.label for a in found.alternatives] == ["Madrid, Colombia"]


def test_an_unplaceable_code_is_an_error_with_its_message():
    with pytest.raises(LocationInputError) as caught:
        origin_from_params({"place": "SW1A 1AA"})
    assert caught.value.hint.startswith("Postal codes in United Kingdom")
    assert caught.value.errors["place"] == caught.value.hint


def test_the_origin_lists_the_alternatives_only_when_there_are_some():
    assert set(origin_dict(place("Madrid, Spain"))) == {"latitude", "longitude", "label"}
    shown = origin_dict(place("Madrid"))
    assert shown["label"] == "Madrid, Spain"
    assert shown["note"].startswith("More than one place is called")
    [colombia] = shown["alternatives"]
    assert colombia["label"] == colombia["place"] == "Madrid, Colombia"
    assert set(colombia) == {"latitude", "longitude", "label", "place"}


@pytest.mark.django_db
def test_the_sites_api_answers_an_ambiguous_place_with_its_alternatives():
    trial = TrialFactory(nct_id="NCT00548405")
    SiteFactory(trial=trial, city="Madrid", country="Spain", latitude=40.42, longitude=-3.70)
    response = APIClient().get(f"/api/v1/trials/{trial.nct_id}/sites/", {"place": "Paris"})
    assert response.status_code == 200
    origin = response.json()["origin"]
    assert origin["label"] == "Paris, France"
    assert origin["alternatives"][0]["place"] == "Paris, Texas, United States"
    again = APIClient().get(
        f"/api/v1/trials/{trial.nct_id}/sites/", {"place": origin["alternatives"][0]["place"]}
    )
    assert again.json()["origin"]["label"] == "Paris, Texas, United States"
    assert "alternatives" not in again.json()["origin"]


@pytest.mark.django_db
def test_the_trial_page_offers_the_other_places_as_buttons(client):
    trial = TrialFactory(nct_id="NCT00548405")
    SiteFactory(trial=trial, city="Madrid", country="Spain", latitude=40.42, longitude=-3.70)
    html = client.get(f"/trials/{trial.nct_id}/", {"location": "Madrid"}).content.decode()
    assert "More than one place is called “Madrid”; we chose the largest, Madrid, Spain." in html
    assert "Did you mean:" in html
    assert (
        '<button type="submit" class="button button--link" name="location" '
        'value="Madrid, Colombia">Madrid, Colombia</button>'
    ) in html
    # The choice is kept with the place: the next page shows it without asking again.
    assert client.session["origin"]["alternatives"][0]["label"] == "Madrid, Colombia"
    html = client.get(f"/trials/{trial.nct_id}/").content.decode()
    assert 'value="Madrid, Colombia"' in html


@pytest.mark.django_db
def test_the_trial_page_explains_a_code_it_cannot_place(client):
    trial = TrialFactory(nct_id="NCT00548405")
    response = client.get(f"/trials/{trial.nct_id}/", {"location": "75001, France"})
    assert response.status_code == 400
    assert "Postal codes in France are not in our offline gazetteer" in response.content.decode()


@pytest.mark.django_db
def test_a_unique_place_shows_no_did_you_mean(client):
    trial = TrialFactory(nct_id="NCT00548405")
    html = client.get(f"/trials/{trial.nct_id}/", {"location": "Madrid, Spain"}).content.decode()
    assert "Did you mean" not in html
    assert "place-alternatives" not in html

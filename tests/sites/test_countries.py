"""sites.countries: ISO codes from the names ClinicalTrials.gov and patients write."""

import pytest

from sites.countries import country_code_for, country_name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("US", "US"),
        ("us", "US"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Korea, Republic of", "KR"),
        ("Iran, Islamic Republic of", "IR"),
        ("Russian Federation", "RU"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Viet Nam", "VN"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Netherlands", "NL"),
        ("Congo, The Democratic Republic of the", "CD"),
        ("Côte D'Ivoire", "CI"),
        ("Moldova, Republic of", "MD"),
        ("Macedonia, The Former Yugoslav Republic of", "MK"),
        ("  spain ", "ES"),
        ("DEU", "DE"),
    ],
)
def test_resolves_registry_and_everyday_country_names(text, code):
    assert country_code_for(text) == code


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "Republic of", "XX"])
def test_returns_none_for_unknown_countries(text):
    assert country_code_for(text) is None


def test_names_a_code():
    assert country_name("US") == "United States"
    assert country_name("es") == "Spain"
    assert country_name("ZZ") == "ZZ"

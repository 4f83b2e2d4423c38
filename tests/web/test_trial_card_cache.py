"""The search page's trial cards, their trial-only parts kept in the "fragments" cache
(finder/templatetags/trial_cards.py): never another visitor's place, answers or
language, never a trial as it was before a change, and one cache round trip a page."""

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import caches

from finder.models import Trial
from tests.web.conftest import CARE_MS_I, CARE_MS_II, ELIGIBLE_FORM, answer_questions

SEARCH = "/trials/"


def cached_card_parts() -> list[str]:
    """The card parts' keys in the "fragments" cache: local memory in the default run,
    Redis in the run against the real services."""
    store = caches["fragments"]._cache  # noqa: SLF001
    if isinstance(store, dict):
        keys = list(store)
    else:
        keys = [key.decode() for key in store.get_client().scan_iter("*trial_card*")]
    return [key for key in keys if "template.cache.trial_card." in key]


def page(client, params, **headers) -> str:
    response = client.get(SEARCH, {"condition": "multiple sclerosis", **params}, **headers)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_card_cached_for_one_place_shows_the_next_visitor_their_own(client, demo_catalog):
    palo_alto = page(client, {"location": "94301"})
    assert "Recruiting in Palo Alto (2 mi)" in palo_alto
    assert cached_card_parts()  # the trial's parts are kept from now on

    madrid = page(client, {"location": "Madrid, Spain"})
    assert "Recruiting in Madrid" in madrid and " km)" in madrid
    assert "Palo Alto" not in madrid and " mi)" not in madrid
    nowhere = page(client.__class__(), {})  # a new visitor: no place kept
    assert "Recruiting at 191 locations" in nowhere and "Recruiting in" not in nowhere
    assert page(client, {"location": "94301"}) == palo_alto


def test_a_cached_card_is_the_card_rendered_afresh(client, demo_catalog):
    cold = page(client, {"location": "94301"})
    warm = page(client, {"location": "94301"})
    assert warm == cold
    caches["fragments"].clear()
    assert page(client, {"location": "94301"}) == cold


def test_each_language_has_its_own_card(client, demo_catalog):
    english = page(client, {})
    spanish = page(client, {}, HTTP_ACCEPT_LANGUAGE="es")
    assert "Ver el estudio" in spanish and "Sin grupo placebo" in spanish
    assert "(título tal como está registrado, en inglés)" in spanish
    assert "<dt>Edad</dt>" in spanish and "See the study" not in spanish
    assert page(client, {}) == english
    assert "Ver el estudio" not in english and "<dt>Age</dt>" in english


def test_a_visitors_verdicts_stay_on_their_own_results(client, demo_catalog):
    client.post("/check/", {"location": "94301"})
    answer_questions(client, "/check/questions/", ELIGIBLE_FORM)
    results = client.get("/check/results/").content.decode()
    ii, i = results.index("(CARE-MS II)"), results.index("(CARE-MS I)")
    assert "You may qualify" in results[ii:i] and "Probably not a match" in results[i:]
    assert f"/trials/{CARE_MS_I}/check/result/" in results
    assert not cached_card_parts()  # the questionnaire's results keep no card
    page(client, {"location": "94301"})  # now the cards' parts are cached, without a verdict
    assert client.get("/check/results/").content.decode().count("verdict-label--") == 2

    for visitor in (client, client.__class__()):
        html = page(visitor, {"location": "94301"})
        assert "verdict-label" not in html and "/check/result/" not in html
        assert "See why" not in html and "Check if you may qualify" in html


def test_a_trial_changed_in_any_way_gets_a_new_card(client, demo_catalog):
    assert "Pivotal trial" in page(client, {})
    # QuerySet.update: no save(), no updated_at; the card reads the trial as loaded.
    Trial.objects.filter(nct_id=CARE_MS_II).update(
        brief_title="A renamed CARE-MS II", is_pivotal=False, minimum_age_years=21
    )
    Trial.objects.filter(nct_id=CARE_MS_I).update(is_pivotal=False)
    html = page(client, {})
    assert "A renamed CARE-MS II" in html and "21 to 55" in html
    assert "Pivotal trial" not in html


def test_spots_left_leave_the_cached_card_once_their_date_is_gone(
    client, demo_catalog, time_machine
):
    # A minute apart (well within the parts' time in the cache), either side of midnight.
    time_machine.move_to(datetime(2026, 4, 30, 23, 59, 30, tzinfo=UTC), tick=False)
    assert "About 45 spots left by April 2026" in page(client, {})
    time_machine.move_to(datetime(2026, 5, 1, 0, 0, 30, tzinfo=UTC), tick=False)
    assert "spots left" not in page(client, {})


@pytest.fixture
def cache_calls(monkeypatch):
    """The calls made to the fragments cache (not those its get_many makes itself)."""
    calls, depth = [], []
    cache = caches["fragments"]
    for name in ("get", "get_many", "set", "set_many"):
        method = getattr(cache, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            if not depth:
                calls.append(_name)
            depth.append(_name)
            try:
                return _method(*args, **kwargs)
            finally:
                depth.pop()

        monkeypatch.setattr(cache, name, counted)
    return calls


def test_a_page_of_cards_is_one_read_and_at_most_one_write(client, demo_catalog, cache_calls):
    page(client, {"location": "94301"})
    assert cache_calls == ["get_many", "set_many"]
    cache_calls.clear()
    page(client, {"location": "Madrid, Spain"})
    assert cache_calls == ["get_many"]


# --- the nearest clinic, written in Python ----------------------------------------------


def ranked_site(**fields):
    from sites.selectors import RankedSite

    return RankedSite(
        **{
            "id": 1,
            "trial_id": 1,
            "nct_id": CARE_MS_II,
            "facility": "Stanford Neuroscience Health Center",
            "city": "Palo Alto",
            "state": "California",
            "postal_code": "94304",
            "country": "United States",
            "country_code": "US",
            "status": "RECRUITING",
            "latitude": 37.4,
            "longitude": -122.1,
            "distance_km": 3.2,
            "distance_mi": 2.0,
            **fields,
        }
    )


WHERE_CASES = [
    {"nearest": ranked_site(), "others": 190, "site_count": 190, "unit": "mi"},
    {"nearest": ranked_site(), "others": 1, "site_count": 1, "unit": "km"},
    {"nearest": ranked_site(distance_km=0.4), "others": 0, "site_count": 0, "unit": "km"},
    {"nearest": ranked_site(distance_km=2500.7), "others": 3, "site_count": 3, "unit": "mi"},
    {"nearest": ranked_site(distance_km=None), "others": 2, "site_count": 2, "unit": "mi"},
    {"nearest": ranked_site(city="", facility="Clínica <Norte> & Sur"), "others": 1234},
    {"nearest": ranked_site(city='O\'Fallon "MO"'), "others": 5, "unit": "mi"},
    {"nearest": None, "others": 191, "site_count": 191, "unit": "mi"},
    {"nearest": None, "others": 1, "site_count": 1},
    {"nearest": None, "others": 0, "site_count": 0, "unit": "km"},
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("case", range(len(WHERE_CASES)))
def test_the_cards_nearest_clinic_is_the_trial_pages_to_the_character(case, language):
    from django.template import engines
    from django.utils import translation

    django_engine = engines["django"]
    include = django_engine.from_string('{% include "includes/recruiting_where.html" %}')
    tag = django_engine.from_string(
        "{% load trial_cards %}{% card_where nearest others site_count unit %}"
    )
    with translation.override(language):
        expected = include.render(WHERE_CASES[case])
        assert tag.render(WHERE_CASES[case]) == expected
    assert "trial-card__where" in expected


def test_the_search_page_answers_while_the_fragment_cache_is_down(client, demo_catalog, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "config.cache.FragmentCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    caches._settings = None  # noqa: SLF001 (rebuild the aliases from the settings)
    caches.__dict__.pop("settings", None)
    try:
        html = page(client, {"location": "94301"})
    finally:
        caches.close_all()
    assert "Recruiting in Palo Alto (2 mi)" in html and "Pivotal trial" in html


# --- the card's facts, badges and demonstration line, written in Python ------------------


def unsaved_trial(**fields):
    from decimal import Decimal

    return Trial(
        **{
            "nct_id": "NCT01234567",
            "acronym": "",
            "brief_title": "A study",
            "minimum_age_years": Decimal("18.00"),
            "maximum_age_years": Decimal("55.00"),
            **fields,
        }
    )


def trial_cases():
    from decimal import Decimal

    return [
        unsaved_trial(),
        unsaved_trial(maximum_age_years=None, sex="FEMALE", phases=["PHASE3"], sponsor="Genzyme"),
        unsaved_trial(minimum_age_years=None, maximum_age_years=Decimal("65.50"), sex="MALE"),
        unsaved_trial(minimum_age_years=None, maximum_age_years=None, phases=["PHASE2", "PHASE3"]),
        unsaved_trial(minimum_age_years=Decimal("17.5"), phases=["NA"], sponsor='A & <B> "C"'),
        unsaved_trial(has_placebo_group=False, is_pivotal=True, travel_may_be_covered=True),
        unsaved_trial(time_reimbursement="VARIES", waitlist_available=True, prior_safety_data=True),
        unsaved_trial(time_reimbursement="PAID", has_placebo_group=True),
        unsaved_trial(sites_are_illustrative=True, acronym="CARE-MS <II>"),
        unsaved_trial(sites_are_illustrative=True),
    ]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "tag, include",
    [
        ("card_facts trial", '"includes/trial_facts.html"'),
        ("card_badges trial", '"includes/trial_badges.html"'),
        ("card_demo_note trial", '"includes/illustrative_notice.html" with compact=True'),
    ],
)
def test_the_cards_facts_badges_and_notes_are_the_includes_to_the_character(tag, include, language):
    from django.template import engines
    from django.utils import translation

    django_engine = engines["django"]
    included = django_engine.from_string("{% include " + include + " %}")
    tagged = django_engine.from_string("{% load trial_cards %}{% " + tag + " %}")
    with translation.override(language):
        for trial in trial_cases():
            assert tagged.render({"trial": trial}) == included.render({"trial": trial})

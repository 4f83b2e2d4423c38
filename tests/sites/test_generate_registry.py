"""generate_registry: synthetic trials and clustered sites, removable with --clear."""

from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from finder.models import Trial
from sites.models import Site
from sites.selectors import sites_nearest_for_condition
from tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


def test_it_generates_trials_and_sites_in_the_reserved_range():
    call_command("generate_registry", trials=20, sites=300, seed=3, condition_share=0.5)
    trials = Trial.objects.filter(nct_id__startswith="NCT8")
    assert trials.count() == 20
    assert Site.objects.filter(trial__in=trials).count() == 300
    assert all(t.sites.exists() for t in trials)  # every trial has a site
    assert trials.filter(condition_search__contains="multiple sclerosis").exists()
    assert trials.exclude(condition_search__contains="multiple sclerosis").exists()
    site = Site.objects.first()
    assert -90 <= site.latitude <= 90 and -180 <= site.longitude <= 180
    assert site.city and site.country_code


def test_sites_cluster_in_cities():
    call_command("generate_registry", trials=5, sites=1000, seed=4)
    per_city = Counter(Site.objects.values_list("city", "country_code"))
    assert len(per_city) < 700
    # Big cities hold many sites, jittered a few km around the centre.
    (city, country), count = per_city.most_common(1)[0]
    assert count >= 10
    spots = Site.objects.filter(city=city, country_code=country)
    assert spots.values("latitude", "longitude").distinct().count() == count


def test_it_is_reproducible_with_a_seed():
    call_command("generate_registry", trials=3, sites=30, seed=5)
    first = list(Site.objects.order_by("registry_key").values_list("latitude", "longitude"))
    call_command("generate_registry", clear=True, trials=3, sites=30, seed=5)
    second = list(Site.objects.order_by("registry_key").values_list("latitude", "longitude"))
    assert first == second


def test_clear_removes_only_synthetic_trials():
    real = TrialFactory(nct_id="NCT00548405")
    call_command("generate_registry", trials=4, sites=10)
    call_command("generate_registry", trials=2, sites=4)  # appends after the last id
    assert Trial.objects.filter(nct_id__startswith="NCT8").count() == 6
    call_command("generate_registry", clear=True)
    assert list(Trial.objects.all()) == [real]
    assert not Site.objects.exists()


def test_the_index_sees_generated_sites():
    call_command("generate_registry", trials=3, sites=30, seed=6)
    from sites.geocoding import coordinates_place

    found = sites_nearest_for_condition(
        condition="multiple sclerosis", origin=coordinates_place(0, 0), limit=500
    )
    assert (
        len(found)
        == Site.objects.filter(trial__condition_search__contains="multiple sclerosis").count()
    )


def test_it_rejects_sites_without_trials():
    with pytest.raises(CommandError, match="Sites need trials"):
        call_command("generate_registry", sites=10)

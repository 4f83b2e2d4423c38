"""config/gunicorn.py: what a worker does before it takes traffic."""

import gc

import pytest

from config import gunicorn
from sites.geocoding import gazetteer


@pytest.fixture
def unfreeze():
    yield
    gc.unfreeze()


def test_a_worker_builds_the_gazetteer_then_hides_the_heap_from_the_collector(unfreeze):
    gunicorn.post_worker_init(worker=None)

    places = gazetteer()
    assert places.zips and places.cities
    # Frozen objects sit in the permanent generation, which collections never walk.
    assert gc.get_freeze_count() > len(places.zips)
    tracked = {id(o) for o in gc.get_objects()}
    assert id(places.zips) not in tracked
    assert id(places.cities) not in tracked
    # Objects made afterwards are collected as before.
    later = [object()]
    assert id(later) in {id(o) for o in gc.get_objects(generation=0)}

"""Matching changes to watches is a query, not a loop over watches: the number of queries
does not grow with the watches; the grid cells never miss a watch within its radius."""

import math
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sites.ranking import geodesic_km
from watches.geometry import cell_of, circle_cells
from watches.matching import trial_changes_detect, watch_alerts_match, watch_alerts_run
from watches.models import ChangeKind, WatchAlert

from .conftest import make_watch

pytestmark = pytest.mark.django_db


def many_watches(count: int, start: int = 0) -> None:
    """``count`` confirmed watches around Portland, every fifth with answers."""
    rng = random.Random(start)
    for n in range(start, start + count):
        where = ("Near Portland", 45.5 + rng.uniform(-0.3, 0.3), -122.7 + rng.uniform(-0.3, 0.3))
        answers = {"age": 30 + n % 40, "ms_diagnosis": "yes"} if n % 5 == 0 else None
        make_watch(where=where, email=f"w{n}@example.org", answers=answers)


def changes_near_portland(number: int) -> None:
    """A new recruiting trial in Portland, and a first clinic there for a recruiting trial
    the watchlist has seen already."""
    from tests.factories import SiteFactory, TrialFactory

    seen = TrialFactory(nct_id=f"NCT9000{number:04d}")
    watch_alerts_run()  # the watchlist sees it, with no clinic yet
    new = TrialFactory(nct_id=f"NCT9100{number:04d}")
    SiteFactory(trial=new, latitude=45.52, longitude=-122.68)
    SiteFactory(trial=seen, latitude=45.40, longitude=-122.60)
    trial_changes_detect()


def match_counting_queries() -> tuple[int, int]:
    """The queries that find the matches (the alerts' inserts are batched by row count),
    and how many alerts were made."""
    with CaptureQueriesContext(connection) as queries:
        created = watch_alerts_match()
    reads = [q for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    return len(reads), created


def test_matching_costs_the_same_queries_for_4_or_80_watches(settings_for_mail):
    watch_alerts_run()  # the baseline of an empty catalog
    many_watches(4)
    changes_near_portland(1)
    few, created = match_counting_queries()
    assert created == 2 * 4  # every watch hears of both changes

    many_watches(76, start=4)
    changes_near_portland(2)
    many, created = match_counting_queries()
    assert created == 2 * 80
    assert few == many <= 10


def test_each_kind_of_change_is_matched_in_the_same_queries(settings_for_mail):
    watch_alerts_run()
    many_watches(10)
    changes_near_portland(1)
    watch_alerts_match()
    kinds = set(WatchAlert.objects.values_list("kind", flat=True))
    assert kinds == {ChangeKind.OPENED, ChangeKind.SITE_OPENED}


# --- the grid ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "radius_km"),
    [
        (45.5, -122.7, 80),
        (0.0, 179.8, 100),  # across the antimeridian
        (-33.9, 151.2, 400),
        (88.5, 10.0, 250),  # a cap over the pole
        (64.1, -21.9, 400),  # high latitude: wide in longitude
        (40.4, -3.7, 16),
    ],
)
def test_every_point_within_the_radius_is_in_a_cell_of_the_circle(latitude, longitude, radius_km):
    cells = set(circle_cells(latitude, longitude, radius_km))
    rng = random.Random(latitude * 1000 + longitude)
    inside = 0
    for _ in range(4000):
        # Points up to 1.3 radii away, in every direction, with the exact distance deciding.
        bearing, reach = rng.uniform(0, 2 * math.pi), rng.uniform(0, 1.3) * radius_km / 111.0
        lat = max(-90.0, min(90.0, latitude + reach * math.cos(bearing)))
        lon = longitude + reach * math.sin(bearing) / max(math.cos(math.radians(lat)), 0.05)
        lon = (lon + 180) % 360 - 180
        if geodesic_km(latitude, longitude, lat, lon) <= radius_km:
            inside += 1
            assert cell_of(lat, lon) in cells, (lat, lon)
    assert inside > 1000


def test_the_cells_in_sql_are_the_cells_in_python(settings_for_mail):
    from sites.models import Site
    from tests.factories import SiteFactory
    from watches.geometry import SITE_CELL_SQL

    points = [(45.52, -122.68), (-33.87, 151.21), (0.0, 179.99), (-0.5, -180.0), (89.99, 0.5)]
    for lat, lon in points:
        SiteFactory(latitude=lat, longitude=lon)
    sql = f"SELECT s.latitude, s.longitude, {SITE_CELL_SQL} FROM {Site._meta.db_table} s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [])
        rows = cursor.fetchall()
    assert {(lat, lon): cell for lat, lon, cell in rows} == {
        (lat, lon): cell_of(lat, lon) for lat, lon in points
    }

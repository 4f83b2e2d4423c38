"""The grid the matching query joins on: one-degree cells of latitude and longitude.

A watch is stored with every cell its circle (place and radius) touches
(:func:`circle_cells`); a site's cell is computed in SQL from its coordinates
(:data:`SITE_CELL_SQL`). The join ``watch cell = site cell`` finds, through an index,
every watch a site may be near, whatever the number of watches; the exact geodesic
distance then decides (``watches.matching``).

The cells are conservative: by the bound ``sites.ranking`` proves (a geodesic of length
``s`` spans a central angle of at most ``s / KM_PER_RADIAN_MIN`` on the unit sphere in
geodetic coordinates), every point within the radius lies in the spherical cap of that
angle, and every cell the cap's bounding box touches is listed. A cell too many costs a
distance computation; a cell missed would lose an alert, so none is.

Plain Python, numpy and pyproj (no Django).
"""

from __future__ import annotations

import math

import numpy as np
from geopy.distance import ELLIPSOIDS
from pyproj import Geod

from sites.ranking import KM_PER_RADIAN_MIN

CELL_DEGREES = 1
LONGITUDE_CELLS = 360 // CELL_DEGREES
#: Widening of the cap's angle, against rounding at the edges of cells.
_MARGIN_DEGREES = 1e-6
# The ellipsoid of geopy's geodesic, as sites.ranking builds it (PROJ's axis in metres).
_A_KM, _, _FLATTENING = ELLIPSOIDS["WGS-84"]
_GEOD = Geod(a=_A_KM * 1000.0, f=_FLATTENING)

#: The cell of the site row ``s`` (the same numbering as :func:`cell_of`), for raw SQL on
#: SQLite and PostgreSQL alike: FLOOR then CAST, since PostgreSQL's CAST rounds. Written
#: for a query with parameters (``%%`` is the modulo operator there).
SITE_CELL_SQL = (
    "(CAST(FLOOR(s.latitude + 90) AS INTEGER) * 360"
    " + (CAST(FLOOR(s.longitude + 180) AS INTEGER) %% 360))"
)


def cell_of(latitude: float, longitude: float) -> int:
    """The cell holding a point (latitude -90..90, longitude -180..180)."""
    row = math.floor(latitude + 90)
    column = math.floor(longitude + 180) % LONGITUDE_CELLS
    return row * LONGITUDE_CELLS + column


def cap_degrees(radius_km: float) -> float:
    """The angle (degrees) of the spherical cap that holds every point within ``radius_km``."""
    return math.degrees(radius_km / KM_PER_RADIAN_MIN) + _MARGIN_DEGREES


def circle_cells(latitude: float, longitude: float, radius_km: float) -> list[int]:
    """Every cell holding a point within ``radius_km`` of the place (and a few more)."""
    cap = cap_degrees(radius_km)
    south, north = latitude - cap, latitude + cap
    rows = range(math.floor(max(south, -90.0) + 90), math.floor(min(north, 90.0) + 90) + 1)
    if north >= 90 or south <= -90 or cap >= 90:
        columns = range(LONGITUDE_CELLS)  # the cap holds a pole: every longitude
    else:
        half = math.degrees(math.asin(min(1.0, math.sin(math.radians(cap)) / _cos(latitude))))
        if half >= 180:
            columns = range(LONGITUDE_CELLS)
        else:
            west = math.floor(longitude - half + 180)
            east = math.floor(longitude + half + 180)
            columns = sorted({c % LONGITUDE_CELLS for c in range(west, east + 1)})
    return [row * LONGITUDE_CELLS + column for row in rows for column in columns]


def _cos(latitude: float) -> float:
    return max(math.cos(math.radians(latitude)), 1e-12)


def geodesic_km_pairs(lat1, lon1, lat2, lon2):
    """The WGS-84 geodesic distance (km) between matching entries of four arrays, in one
    vectorised call: the distance ``sites.ranking.geodesic_km`` gives for each pair."""
    lat1, lon1, lat2, lon2 = (np.asarray(a, dtype=np.float64) for a in (lat1, lon1, lat2, lon2))
    if len(lat1) == 0:
        return np.empty(0, dtype=np.float64)
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres, dtype=np.float64) / 1000.0

#!/usr/bin/env python3
"""Exact WGS-84 geodesic cost per pair: geopy (geographiclib, pure Python) vs the ranking's
pyproj path (PROJ's C implementation of the same algorithm, vectorised).

    .venv/bin/python bench/bench_geodesic.py            # 2,000 pairs, 7 repeats
    .venv/bin/python bench/bench_geodesic.py --pairs 10000 --repeats 9

The two run in turn, repeat after repeat, on the same random pairs (uniform on the
sphere, from one origin per call as the ranking does); the report gives the median
microseconds per pair of each, the median of the per-repeat ratios, and the largest
difference between their distances. Plain Python: no database, no Django.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from geopy.distance import geodesic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sites.ranking import geodesic_km_from  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(20261125)
    latitudes = np.degrees(np.arcsin(rng.uniform(-1, 1, args.pairs)))
    longitudes = rng.uniform(-180, 180, args.pairs)
    origin = (48.85, 2.35)

    python_us, c_us = [], []
    for _ in range(args.repeats):
        started = time.perf_counter()
        slow = [geodesic(origin, (a, b)).km for a, b in zip(latitudes, longitudes, strict=True)]
        python_us.append((time.perf_counter() - started) * 1e6 / args.pairs)
        started = time.perf_counter()
        fast = geodesic_km_from(origin, latitudes, longitudes)
        c_us.append((time.perf_counter() - started) * 1e6 / args.pairs)
    ratios = [p / c for p, c in zip(python_us, c_us, strict=True)]
    difference = float(np.max(np.abs(np.array(slow) - fast)))
    print(f"{args.pairs} pairs, {args.repeats} repeats (medians)")
    print(f"geopy geodesic (geographiclib, Python): {statistics.median(python_us):8.2f} µs/pair")
    print(f"ranking geodesic_km_from (pyproj, C):   {statistics.median(c_us):8.2f} µs/pair")
    print(f"ratio (per repeat, median):             {statistics.median(ratios):8.0f}x")
    print(f"largest difference:                     {difference:.2e} km")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The pause a full garbage collection costs a web worker, and what ``gc.freeze()`` saves.

    .venv/bin/python bench/bench_gc.py              # 7 collections per stage
    .venv/bin/python bench/bench_gc.py --repeats 15

A full collection stops every thread of the process while it walks every object the
collector tracks. In one process, the same steps a gunicorn worker goes through
(``config/gunicorn.py``): Django set up, then the offline gazetteer built, then the heap
frozen. After each step it reports how many objects the collector tracks and the median
wall time of a full ``gc.collect()``. Needs no database or cache.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def full_collection_ms(repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="collections per stage")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")  # no secret key needed; nothing is served
    import django

    django.setup()
    from config import gunicorn
    from sites.geocoding import gazetteer

    stages = [("Django set up", lambda: None), ("gazetteer built", gazetteer)]
    stages.append(("heap frozen (config/gunicorn.py)", lambda: gunicorn.post_worker_init(None)))
    print("| stage | objects tracked | full collection, median (ms) |")
    print("|---|---:|---:|")
    for name, step in stages:
        step()
        tracked = len(gc.get_objects())
        print(f"| {name} | {tracked:,} | {full_collection_ms(args.repeats):.1f} |", flush=True)
    print(f"\nfrozen objects: {gc.get_freeze_count():,}; {args.repeats} collections per stage")


if __name__ == "__main__":
    main()

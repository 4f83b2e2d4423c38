"""gunicorn settings shared by every deployment (``gunicorn -c config/gunicorn.py``).

Command-line flags (bind, workers, threads, timeouts) still come from the operator.
"""

import gc

#: The longest request line (method, path and query, version) gunicorn passes on: its
#: maximum, up from 4094, so that the application, not gunicorn's HTML error page,
#: answers every request up to it (a long query gets the API's problem-details 400 or
#: its answer). Beyond 8190 bytes gunicorn itself answers 414 URI Too Long.
limit_request_line = 8190


def post_worker_init(worker):
    """Build the offline gazetteer before the worker takes traffic, then freeze the heap.

    The gazetteer is built lazily on first use otherwise, and that first patient to type
    a city name would wait for it (about 2 s on a quiet machine, far more under load).

    It is also a few hundred thousand long-lived objects. Left in the collector's oldest
    generation, every full collection walks all of them, about 0.2 s during which no
    thread of the worker runs (``bench/bench_gc.py``): that pause was the
    99th-percentile latency under load (``bench/bench_api.py``). ``gc.freeze()`` moves
    everything alive now (Django, the URL resolvers, the gazetteer) out of the
    collector's sight; objects made later are collected as before.
    """
    from sites.geocoding import gazetteer

    gazetteer()
    gc.collect()
    gc.freeze()

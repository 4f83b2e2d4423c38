"""gunicorn settings shared by every deployment (``gunicorn -c config/gunicorn.py``).

Command-line flags (bind, workers, threads, timeouts) still come from the operator.
"""

import gc

#: The longest request line (method, path and query, version) gunicorn passes on: its
#: maximum, up from 4094, so that the application, not gunicorn's HTML error page,
#: answers every request up to it (a long query gets the API's problem-details 400 or
#: its answer). Beyond 8190 bytes gunicorn itself answers 414 URI Too Long.
limit_request_line = 8190

#: Load the application in the master, so ``when_ready`` can build the site index and
#: its KD-trees once, before the workers are forked; the workers then share those pages
#: instead of each building its own (``sites.index``; README, "Site search at registry
#: scale"). The price: a code change needs a full restart, not ``kill -HUP``.
preload_app = True


def when_ready(server):
    """Build the site index and the trees of the usual conditions in the master.

    A database that is not reachable yet must not stop the server: the workers then
    build the index on their first query, as without preload.
    """
    try:
        from sites.index import site_index_warm

        site_index_warm()
    except Exception:
        server.log.exception("Site index not built before the fork; workers build their own")
    from django.db import connections

    connections.close_all()  # never share a database socket with the workers
    gc.collect()
    gc.freeze()  # so the workers' collections never write to the shared pages


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

"""gunicorn settings shared by every deployment (``gunicorn -c config/gunicorn.py``).

Command-line flags (bind, workers, threads, timeouts) still come from the operator.
"""


def post_worker_init(worker):
    """Build the offline gazetteer before the worker takes traffic.

    It is built lazily on first use otherwise, and that first patient to type a city
    name would wait for it (about 2 s on a quiet machine, far more under load).
    """
    from sites.geocoding import gazetteer

    gazetteer()

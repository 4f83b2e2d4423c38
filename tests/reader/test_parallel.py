"""Many lines read at once (``eligibility.reader.parallel``): in worker processes or here,
the readings are the ones ``read`` gives, in order."""

import pytest

from eligibility.reader import parallel, read
from finder.criteria_lines import split_criteria
from tests.reader.conftest import registry_records


def registry_requests():
    requests = []
    for record in registry_records().values():
        conditions = tuple(record["conditions"])
        for line in split_criteria(record["text"]).lines:
            requests.append((line.text, line.kind, line.heading, tuple(line.items), conditions))
    return requests


def one_by_one(requests):
    return [
        read(text, kind=kind, heading=heading, items=items, conditions=conditions)
        for text, kind, heading, items, conditions in requests
    ]


@pytest.mark.parametrize("processes", ["1", "2"])
def test_read_many_gives_what_read_gives_in_order(monkeypatch, processes):
    monkeypatch.setenv("READER_PROCESSES", processes)
    requests = registry_requests()
    assert len(set(requests)) >= parallel.MIN_LINES  # enough for the workers
    doubled = requests + requests[::-1]
    assert parallel.read_many(doubled) == one_by_one(doubled)
    assert parallel.read_many(requests[:50], distinct=False) == one_by_one(requests[:50])


def test_a_daemonic_process_reads_here(monkeypatch):
    # A Celery prefork worker may not start processes.
    class Daemon:
        daemon = True

    monkeypatch.delenv("READER_PROCESSES", raising=False)
    monkeypatch.setattr(parallel.multiprocessing, "current_process", lambda: Daemon())
    assert parallel._processes() == 1


def test_too_few_lines_are_read_here(monkeypatch):
    monkeypatch.setenv("READER_PROCESSES", "2")
    started = []
    monkeypatch.setattr(parallel, "_workers", lambda n: started.append(n))
    requests = registry_requests()[: parallel.MIN_LINES - 1]
    assert parallel.read_many(requests) == one_by_one(requests)
    assert started == []

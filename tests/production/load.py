"""A small, bounded load generator for the fault tests (the real load test is bench/load).

Threads loop over a list of URLs until told to stop, or until their request or time
budget runs out, and record every outcome so a test can say what held when.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic() when the request was sent
    elapsed: float
    url: str
    status: int | None  # None: connection failed or timed out
    body: str  # the first 2,000 characters


@dataclass
class Load:
    urls: list[str]
    threads: int = 4
    timeout: float = 10.0
    max_seconds: float = 60.0
    max_requests: int = 20_000
    headers: dict[str, str] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> Load:
        self._deadline = time.monotonic() + self.max_seconds
        for index in range(self.threads):
            worker = threading.Thread(target=self._run, args=(index,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=self.timeout + 5)

    def _run(self, index: int) -> None:
        session = requests.Session()
        session.headers.update(self.headers)
        position = index
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            with self._lock:
                if len(self.outcomes) >= self.max_requests:
                    return
            url = self.urls[position % len(self.urls)]
            position += 1
            started = time.monotonic()
            try:
                response = session.get(url, timeout=self.timeout, allow_redirects=False)
                status, body = response.status_code, response.text[:2000]
            except requests.RequestException as exc:
                status, body = None, f"{type(exc).__name__}: {exc}"
                session = requests.Session()
                session.headers.update(self.headers)
            outcome = Outcome(started, time.monotonic() - started, url, status, body)
            with self._lock:
                self.outcomes.append(outcome)

    def since(self, moment: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.started >= moment]

    def between(self, start: float, end: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if start <= o.started < end]

    def count(self) -> int:
        with self._lock:
            return len(self.outcomes)


def wait_for_requests(load: Load, count: int, timeout: float) -> None:
    """Block until ``count`` more requests have completed (bounded by ``timeout``)."""
    target = load.count() + count
    deadline = time.monotonic() + timeout
    while load.count() < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"load made fewer than {count} requests in {timeout:.0f}s")
        time.sleep(0.05)


def statuses(outcomes: list[Outcome]) -> dict[int | None, int]:
    counts: dict[int | None, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts

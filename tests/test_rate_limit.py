"""The polite client-side rate limit: one limiter per API host, shared by all its streams.

Time is never measured here: the limiter runs on a fake clock that only moves when the
limiter sleeps, so the slots it hands out can be counted and compared exactly.
"""

from __future__ import annotations

import contextlib
import io
import threading

import pytest
from harness import catalog_selecting

from tap_pixieset.rate_limit import RateLimiter
from tap_pixieset.settings import CONFIG_SCHEMA
from tap_pixieset.tap import TapPixieset


class FakeClock:
    """A clock that stands still until someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_slots_are_spaced_by_the_interval():
    clock = FakeClock()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(9):
        limiter.wait()
        starts.append(clock.now)
    assert starts == pytest.approx([i * 0.25 for i in range(9)])
    assert limiter.reserved == 9


def test_no_burst_after_an_idle_pause():
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 60  # idle for a minute: unused slots are not saved up
    first, second = limiter.reserve(), limiter.reserve()
    assert second - first == pytest.approx(0.5)


def test_zero_disables_the_limit():
    clock = FakeClock()
    limiter = RateLimiter(0, clock=clock, sleep=clock.sleep)
    for _ in range(50):
        limiter.wait()
    assert clock.sleeps == []


def test_threads_sharing_a_limiter_get_distinct_evenly_spaced_slots():
    limiter = RateLimiter(10, clock=lambda: 0.0)
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            slot = limiter.reserve()
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(slots) == pytest.approx([i * 0.1 for i in range(200)])


def test_the_default_is_conservative():
    default = CONFIG_SCHEMA["properties"]["max_requests_per_second"]["default"]
    assert 0 < default <= 5


def test_all_streams_of_a_host_share_one_limiter_and_every_request_takes_a_slot(sim):
    streams = {"clients", "client_documents", "invoices", "payments", "session_types"}
    config = sim.tap_config(max_requests_per_second=5)
    tap = TapPixieset(
        config=config, catalog=catalog_selecting(config, streams), validate_config=True
    )
    studio = [tap.streams[name] for name in sorted(streams)]
    limiters = {id(stream.requests_session.rate_limiter) for stream in studio}
    assert len(limiters) == 1
    limiter = studio[0].requests_session.rate_limiter
    assert tap.session_for("gallery").rate_limiter is not limiter  # another host, its own limit

    # A frozen clock: each request is told to sleep until its slot, so the slots handed out
    # show the spacing, even if requests were sent from several threads at once.
    delays: list[float] = []
    limiter.clock, limiter.sleep = (lambda: 0.0), delays.append
    slots: list[float] = []
    reserve = limiter.reserve

    def recording_reserve() -> float:
        slots.append(reserve())
        return slots[-1]

    limiter.reserve = recording_reserve  # type: ignore[method-assign]
    sim.reset_log()
    with contextlib.redirect_stdout(io.StringIO()):
        tap.sync_all()

    paths = {request.path for request in sim.requests}
    assert len(paths) > len(streams), "the requests came from several streams (and clients)"
    assert len(slots) == limiter.reserved == sim.request_count("studio")
    # One slot every 1/5 s across all streams, in the order requests asked for them.
    assert sorted(slots) == pytest.approx([i * 0.2 for i in range(len(slots))])
    assert sorted(delays) == pytest.approx(sorted(slots)[1:])  # the first slot is now: no sleep

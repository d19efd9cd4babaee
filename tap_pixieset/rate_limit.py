"""The client-side rate limit: one limiter per API host, shared by every stream of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces requests evenly so that at most ``per_second`` start in any second.

    Each request reserves the next free slot, one ``1 / per_second`` after the previous
    one, and sleeps until it comes. Slots never pile up while the tap is idle, so there is
    no burst after a pause. Thread-safe: every stream (and worker thread) of one host
    shares one limiter. ``clock`` and ``sleep`` can be replaced, to test it without time.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / float(per_second) if per_second and per_second > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: float | None = None
        #: How many requests have been given a slot.
        self.reserved = 0

    def reserve(self) -> float:
        """Claim the next free slot and return its time (on ``clock``)."""
        with self._lock:
            now = self.clock()
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + self.interval
            self.reserved += 1
            return slot

    def wait(self) -> None:
        """Block until this request's slot has come."""
        if not self.interval:
            return
        delay = self.reserve() - self.clock()
        if delay > 0:
            self.sleep(delay)

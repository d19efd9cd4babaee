"""Fault injection, switched per test and deterministic by seed.

``sim.faults = Faults(error_rate=0.2, seed=3)`` makes the simulator misbehave the way a
real API and network do: slow answers, 5xx, 429 with ``Retry-After`` (in seconds or as an
HTTP date), bodies cut short, connections that drop or stall, and data that changes while
a list is paged (:class:`~pixieset_simulator.drift.Drift`). With the same seed and the
same sequence of requests, the same requests fail the same way.

``injected`` counts each fault served, by kind. Every kind in :data:`RETRIED_KINDS` must
cost a well-behaved client exactly one retry, which is what the fault-matrix tests check.
:data:`FAULT_CASES` names the cases of that matrix, for the tests and the timing script.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pixieset_simulator.dataset import Dataset
from pixieset_simulator.drift import Drift
from pixieset_simulator.http import Request, Response

#: Faults a client has to retry, once each.
RETRIED_KINDS = ("disconnect", "stall", "rate_limit", "error", "truncate", "cut")


@dataclass
class Faults:
    """Which faults to inject. All off by default."""

    seed: int = 1
    #: Seconds added to every API request.
    latency: float = 0.0
    #: Share of API requests answered with a random 500/502/503/504.
    error_rate: float = 0.0
    #: Share of API requests answered 429 with ``Retry-After``.
    rate_limit_rate: float = 0.0
    #: The ``Retry-After`` value: seconds ("0", "1"), or "http-date+N" for an HTTP date
    #: N seconds ahead.
    retry_after: str = "0"
    #: Share of 200 answers whose body is cut in half (a consistent length, invalid JSON).
    truncate_rate: float = 0.0
    #: Share of 200 answers where the connection drops halfway through the announced body.
    cut_rate: float = 0.0
    #: Share of API requests where the server hangs up without answering.
    disconnect_rate: float = 0.0
    #: Share of API requests answered only after ``stall_seconds`` (past the client's timeout).
    stall_rate: float = 0.0
    stall_seconds: float = 2.0
    #: At most this many faults of a kind ({"stall": 1}), to bound a test's time.
    limits: dict[str, int] = field(default_factory=dict)
    #: Data that changes while lists are paged.
    drift: Drift | None = None
    #: Faults served so far, by kind.
    injected: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def retried(self) -> int:
        """Faults served that a client must retry (one retry each)."""
        return sum(self.injected[kind] for kind in RETRIED_KINDS)

    def _roll(self, kind: str, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            if kind in self.limits and self.injected[kind] >= self.limits[kind]:
                return False
            hit = self._rng.random() < rate
            if hit:
                self.injected[kind] += 1
            return hit

    def _retry_after_header(self) -> str:
        if self.retry_after.startswith("http-date"):
            ahead = float(self.retry_after.partition("+")[2] or 0)
            return email.utils.formatdate(time.time() + ahead, usegmt=True)
        return self.retry_after

    def before(self, request: Request) -> Response | None:
        """A fault answer instead of the real one, or None to answer normally."""
        if self.latency:
            time.sleep(self.latency)
        if self._roll("disconnect", self.disconnect_rate):
            return Response(0, None, transport="close")  # status 0: nothing is answered
        if self._roll("stall", self.stall_rate):
            # Every roll happens before the sleep, in request order, so that a retry arriving
            # meanwhile cannot change which request gets which fault (determinism by seed).
            time.sleep(self.stall_seconds)
            return Response(0, None, transport="close")  # the client has given up by now
        if self._roll("rate_limit", self.rate_limit_rate):
            return Response(
                429,
                {"error": "Too Many Requests", "message": "Slow down"},
                [("Retry-After", self._retry_after_header())],
            )
        if self._roll("error", self.error_rate):
            with self._lock:
                status = self._rng.choice([500, 502, 503, 504])
            return Response(status, {"error": "Server Error", "message": "Something went wrong"})
        return None

    def before_page(self, dataset: Dataset, path: str, request: Request) -> None:
        """Let the data drift before a list page is built."""
        if self.drift is not None:
            self.drift.before_page(dataset, path, request)

    def after(self, dataset: Dataset, path: str, response: Response) -> Response:
        """The real answer, possibly damaged, and possibly followed by a deletion."""
        if self.drift is not None:
            self.drift.after_page(dataset, path, response)
        if response.status == 200 and not isinstance(response.body, bytes):
            if self._roll("truncate", self.truncate_rate):
                body = response.encoded()
                response.body = body[: max(1, len(body) // 2)]
            elif self._roll("cut", self.cut_rate):
                response.transport = "cut"
        return response


#: The fault matrix: each fault alone, then all together. Rates and limits are sized for
#: the demo dataset read in pages of 10: every case injects faults, and no case waits long.
FAULT_CASES: dict[str, dict[str, Any]] = {
    "latency": {"latency": 0.002},
    "5xx": {"error_rate": 0.15},
    "429 Retry-After seconds": {
        "rate_limit_rate": 0.05,
        "retry_after": "1",
        "limits": {"rate_limit": 2},
    },
    "429 Retry-After HTTP date": {
        "rate_limit_rate": 0.05,
        "retry_after": "http-date+1",
        "limits": {"rate_limit": 2},
    },
    "429 Retry-After 0": {"rate_limit_rate": 0.15},
    "truncated body": {"truncate_rate": 0.15},
    "connection cut mid-body": {"cut_rate": 0.08},
    "connection refused/reset": {"disconnect_rate": 0.08},
    "read timeout": {"stall_rate": 0.02, "stall_seconds": 4.0, "limits": {"stall": 2}},
    "drift": {"drift": "default"},
    "deleted after listing": {"drift": "delete_listed"},
    "all together": {
        "latency": 0.002,
        "error_rate": 0.05,
        "rate_limit_rate": 0.05,
        "truncate_rate": 0.05,
        "cut_rate": 0.03,
        "disconnect_rate": 0.03,
        "stall_rate": 0.01,
        "stall_seconds": 4.0,
        "limits": {"stall": 1},
        "drift": "default+delete_listed",
    },
}


def fault_case(name: str, seed: int = 1) -> Faults:
    """A fresh :class:`Faults` for the matrix case ``name``."""
    options = dict(FAULT_CASES[name])
    drift = options.pop("drift", None)
    if drift is not None:
        options["drift"] = Drift(
            budgets={} if drift == "delete_listed" else Drift().budgets,
            delete_listed=2 if "delete_listed" in drift else 0,
            seed=seed,
        )
    return Faults(seed=seed, **options)

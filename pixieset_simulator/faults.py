"""Fault injection: latency, 5xx, 429 with Retry-After, truncated bodies. Deterministic by seed."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from pixieset_simulator.http import Request, Response


@dataclass
class Faults:
    """Which faults to inject. All off by default; switched per test."""

    seed: int = 1
    #: Seconds added to every API request.
    latency: float = 0.0
    #: Share of API requests answered with a random 500/502/503/504.
    error_rate: float = 0.0
    #: Share of API requests answered 429 with ``Retry-After``.
    rate_limit_rate: float = 0.0
    retry_after: str = "0"
    #: Share of 200 answers whose body is cut short.
    truncate_rate: float = 0.0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def before(self, request: Request) -> Response | None:
        """A fault answer instead of the real one, or None."""
        if self.latency:
            time.sleep(self.latency)
        if self._roll(self.rate_limit_rate):
            return Response(429, {"error": "Too Many Requests", "message": "Slow down"}, [("Retry-After", self.retry_after)])
        if self._roll(self.error_rate):
            with self._lock:
                status = self._rng.choice([500, 502, 503, 504])
            return Response(status, {"error": "Server Error", "message": "Something went wrong"})
        return None

    def after(self, response: Response) -> Response:
        """The real answer, possibly damaged."""
        if response.status == 200 and self._roll(self.truncate_rate):
            body = response.encoded()
            response.body = body[: max(1, len(body) // 2)]
        return response

"""Concurrent child and detail requests, with output identical to a sequential sync.

The SDK syncs a child stream inline, one parent record at a time, so a sync that reads one
detail per invoice waits for every request in turn. :class:`ChildPrefetcher` lets a parent
stream look a few records ahead and fetch their children's records on a bounded thread
pool while the main thread keeps emitting in order. When the SDK reaches a parent record
and syncs its children, the child stream takes the records already fetched for that
context instead of requesting them; everything after that (post-processing, RECORD and
STATE messages) is the SDK's usual path on the main thread. So records, their order and
state are what a sequential sync gives. A fetch that failed raises its exception at the
point where the sequential sync would have made the request. Requests still go through the
host's shared session, so the rate limit and re-login apply to them as to any other.

When the tap is told to stop, :meth:`ChildPrefetcher.abandon` drops every fetch not
started yet; fetches in flight end at once, because the transport refuses new requests and
shuts down the ones in flight (see transport.abort_all).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

Fetch = Callable[[], Any]


def context_key(stream_name: str, context: Mapping[str, Any] | None) -> tuple[Hashable, ...]:
    """A hashable key for one child stream and one parent context.

    Values are compared as text: a prefetch is keyed from the raw API record (Gallery ids are
    JSON integers) while the SDK asks with the post-processed one (ids coerced to strings).
    """
    return (stream_name, *sorted((key, str(value)) for key, value in (context or {}).items()))


class ChildPrefetcher:
    """A bounded pool that fetches child-stream records ahead of the main thread."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="pixieset-fetch"
        )
        self._futures: dict[tuple[Hashable, ...], Future[Any]] = {}
        self._lock = threading.Lock()

    @property
    def lookahead(self) -> int:
        """How many parent records a stream may read ahead of the one being emitted."""
        return self.max_workers * 2

    def submit(self, key: tuple[Hashable, ...], fetch: Fetch) -> None:
        """Start fetching ``key`` unless it is already being fetched."""
        with self._lock:
            if key not in self._futures:
                self._futures[key] = self._executor.submit(fetch)

    def take(self, key: tuple[Hashable, ...]) -> Any:
        """What the fetch for ``key`` returned (waiting for it), or None if it was never submitted."""
        with self._lock:
            future = self._futures.pop(key, None)
        return None if future is None else future.result()

    def cancel_pending(self) -> None:
        """Drop every fetch not taken yet: its parent stream has finished (or failed)."""
        with self._lock:
            for future in self._futures.values():
                future.cancel()
            self._futures.clear()

    def abandon(self) -> None:
        """Cancel every fetch not started, from a signal handler: never waits for long.

        The handler runs on the main thread, which may hold a lock at that moment, so locks
        are only tried; the pool's own queue is emptied by ``shutdown(cancel_futures=True)``.
        """
        if self._lock.acquire(timeout=0.5):
            try:
                for future in self._futures.values():
                    future.cancel()
            finally:
                self._lock.release()
        worker = threading.Thread(
            target=self._executor.shutdown,
            kwargs={"wait": False, "cancel_futures": True},
            daemon=True,
        )
        worker.start()
        worker.join(0.5)

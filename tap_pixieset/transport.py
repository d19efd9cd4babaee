"""Bounds on every HTTP exchange: a total deadline and a cap on the body, inflated or not.

``request_timeout`` bounds each wait for data, so a server that sends one byte every few
seconds could keep a request alive forever. Here every request runs under a
:class:`Deadline`: a watchdog thread shuts the request's socket down when the request's
total time (``max_request_seconds``) runs out, which ends any read blocked on it, in the
headers or the body. The same switch aborts every request in flight when the tap is told
to stop (:func:`abort_all`).

Bodies are read by :func:`read_body_capped`, in chunks with a running count: the tap asks
for ``gzip`` or ``deflate`` only and inflates them itself, a bounded step at a time, so a
small compressed body that inflates to gigabytes is stopped at ``max_response_mb`` like a
plain one.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import requests
import requests.adapters
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

#: The encodings the tap asks for, and inflates itself with a bound.
ACCEPT_ENCODING = "gzip, deflate"
CHUNK = 64 * 1024

_local = threading.local()
_stop = threading.Event()


class ResponseTooLargeError(requests.exceptions.RequestException):
    """A response body was larger than ``max_response_mb``, inflated or not. Not retried."""


class RequestDeadlineError(requests.exceptions.Timeout):
    """A request did not complete within ``max_request_seconds``. Retried like a timeout."""


class StoppedError(requests.exceptions.RequestException):
    """The tap was told to stop (SIGTERM or SIGINT): no request is sent or finished."""


class Deadline:
    """The total time one request may take; expiring it shuts the request's socket down."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def attach(self, connection: HTTPConnection) -> None:
        """Watch ``connection``: it carries this request."""
        with self._lock:
            self._connections.append(connection)
            expired = self.expired
        if expired:
            _shut(connection)

    def expire(self) -> None:
        """End the request now: every blocked read on its connection returns."""
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that expires deadlines when their time comes."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._active: dict[int, Deadline] = {}
        self._ids = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> int:
        with self._wake:
            while self._heap and self._heap[0][1] not in self._active:
                heapq.heappop(self._heap)  # finished in time: forget it
            key = next(self._ids)
            heapq.heappush(self._heap, (deadline.at, key, deadline))
            self._active[key] = deadline
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pixieset-deadlines", daemon=True
                )
                self._thread.start()
            if self._heap[0][1] == key:  # the earliest now: the thread must wake sooner
                self._wake.notify()
            return key

    def remove(self, key: int) -> None:
        with self._wake:
            self._active.pop(key, None)

    def expire_all(self) -> None:
        # Called from a signal handler, on a thread that may hold the lock: only try it.
        if not self._wake.acquire(timeout=0.5):
            return
        try:
            active = list(self._active.values())
        finally:
            self._wake.release()
        for deadline in active:
            deadline.expire()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)  # finished in time
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    _, key, due = heapq.heappop(self._heap)
                    self._active.pop(key, None)
                else:
                    wait = self._heap[0][0] - now if self._heap else None
                    self._wake.wait(wait)
                    continue
            due.expire()


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Run the block (one request: send and read) under a total deadline of ``seconds``."""
    check_not_stopped()
    watch = Deadline(seconds)
    key = _WATCHDOG.add(watch)
    previous = getattr(_local, "deadline", None)
    _local.deadline = watch
    try:
        yield watch
    finally:
        _local.deadline = previous
        _WATCHDOG.remove(key)


def stop_requested() -> bool:
    """True once the tap has been told to stop."""
    return _stop.is_set()


def check_not_stopped() -> None:
    """Raise :class:`StoppedError` once the tap has been told to stop."""
    if _stop.is_set():
        raise StoppedError("The tap is stopping: no further request is made.")


def wait_unless_stopped(seconds: float) -> None:
    """Sleep ``seconds``, or less when the tap is told to stop meanwhile (then raise)."""
    if _stop.wait(max(0.0, seconds)):
        raise StoppedError("The tap is stopping: no further retry is made.")


def abort_all() -> None:
    """Stop for good: refuse new requests and end every one in flight, from any thread."""
    _stop.set()
    _WATCHDOG.expire_all()


def reset_stop() -> None:
    """Allow requests again (for tests that stop a tap in-process)."""
    _stop.clear()


def _attach_current(connection: HTTPConnection) -> None:
    watch = getattr(_local, "deadline", None)
    if watch is not None:
        watch.attach(connection)
        if watch.expired:  # stopped (or out of time) before a byte was sent: send nothing
            raise ConnectionAbortedError("The request's deadline passed before it was sent.")


class _Watched(HTTPConnection):
    """A connection that puts itself under the current request's deadline when it is used."""

    def connect(self) -> None:
        _attach_current(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _attach_current(self)
        super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose connections obey the deadline of the request they carry."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Pools whose connections attach themselves to the current :class:`Deadline`."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }


class _Inflater:
    """Inflates gzip (one member or several) or deflate bodies a bounded step at a time."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._zlib = self._fresh()
        #: deflate is zlib-wrapped as the RFC says, or raw as some servers send it.
        self._may_be_raw = not self._gzip
        self._pending = b""

    def _fresh(self) -> Any:
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)

    def inflate(self, data: bytes, room: int) -> bytes:
        """Inflate ``data`` after any input left over, giving at most ``room`` bytes."""
        data = self._pending + data if self._pending else data
        out = b""
        while data and len(out) < room:
            try:
                piece = self._zlib.decompress(data, room - len(out))
            except zlib.error:
                if not self._may_be_raw:
                    raise
                self._may_be_raw = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._may_be_raw = False
            out += piece
            if not self._zlib.eof:
                data = self._zlib.unconsumed_tail
            elif self._gzip and self._zlib.unused_data:
                data = self._zlib.unused_data  # the next gzip member
                self._zlib = self._fresh()
            else:
                data = b""
        self._pending = data
        return out

    @property
    def pending(self) -> bool:
        """True when input is waiting that a bounded step did not inflate yet."""
        return bool(self._pending)


def read_body_capped(
    response: requests.Response, *, max_bytes: int, watch: Deadline, describe: str
) -> None:
    """Read the whole body of a streamed ``response`` into it, within the bounds.

    Raises :class:`ResponseTooLargeError` past ``max_bytes`` of inflated body, and
    :class:`RequestDeadlineError` when the deadline ended the read. ``describe`` names the
    request in those messages (method and endpoint, never a query string).
    """
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        inflater = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater(encoding)
    else:
        raise requests.exceptions.ContentDecodingError(
            f"The answer to {describe} uses a content encoding the tap did not ask for."
        )
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            try:
                data = response.raw.read(CHUNK, decode_content=False)
            except (Urllib3Error, OSError) as exc:
                if watch.expired:
                    break
                if isinstance(exc, ReadTimeoutError):
                    raise requests.exceptions.ReadTimeout(
                        f"The answer to {describe} stalled (`request_timeout`)."
                    ) from None
                raise requests.exceptions.ChunkedEncodingError(
                    f"The connection dropped in the middle of the answer to {describe}."
                ) from None
            if not data and not (inflater and inflater.pending):
                break
            if inflater is not None:
                data = inflater.inflate(data, max_bytes + 1 - size)
            size += len(data)
            if size > max_bytes:
                raise ResponseTooLargeError(
                    f"The answer to {describe} is larger than {max_bytes // 2**20} MB once "
                    "inflated; the tap stopped reading it. Raise `max_response_mb` if the "
                    "account really holds that much."
                )
            chunks.append(data)
        if watch.expired:
            check_not_stopped()
            raise RequestDeadlineError(
                f"The answer to {describe} did not complete within {watch.seconds:g} s "
                "(`max_request_seconds`)."
            )
    except (zlib.error, ValueError) as exc:
        response.close()
        raise requests.exceptions.ContentDecodingError(
            f"The answer to {describe} could not be inflated ({type(exc).__name__})."
        ) from None
    except BaseException:
        response.close()
        raise
    response._content = b"".join(chunks)  # requests keeps the body here
    response._content_consumed = True  # type: ignore[attr-defined]

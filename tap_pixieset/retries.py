"""The retry policy: which failures are retried, how long to wait, what is said, how it ends.

Transient failures (:data:`RETRIABLE_EXCEPTIONS`, which include the retriable statuses that
``responses.classify`` raises as ``RetriableAPIError``) are retried with exponential
backoff and jitter; ``Retry-After`` is a floor. When the tries run out, the request fails
with :class:`RetriesExhaustedError`, whose message is one line naming the endpoint, the
tries and the last failure. TLS errors are not retried: they will not heal.

Waits between tries end at once when the tap is told to stop (SIGTERM, SIGINT), and no
retry follows: backoff itself is told to wait 0 s, and the real wait happens on the
transport's stop switch (``transport.wait_unless_stopped``).
"""

from __future__ import annotations

import email.utils
import functools
import random
import threading
import time
from collections.abc import Callable, Generator
from datetime import timezone
from typing import Any, ClassVar
from urllib.parse import urlsplit

import backoff
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from typing_extensions import override

from tap_pixieset.redaction import REDACTOR
from tap_pixieset.responses import HTTP_OK, MAX_SUMMARY_CHARS, error_summary
from tap_pixieset.sdk_hooks import HookedStream
from tap_pixieset.transport import (
    RequestDeadlineError,
    check_not_stopped,
    stop_requested,
    wait_unless_stopped,
)

#: Transport failures worth another try (the SDK's own list).
RETRIABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    RetriableAPIError,
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
#: The longest wait of the exponential backoff.
MAX_BACKOFF_SECONDS = 60.0
#: The longest ``Retry-After`` the tap honours; a longer one is waited this long.
MAX_RETRY_AFTER_SECONDS = 300.0
#: A wait asked for by ``Retry-After`` is lengthened by up to this share, never shortened,
#: so that many clients told the same moment do not all come back at once.
RETRY_AFTER_JITTER = 0.1

Request = Callable[..., requests.Response]


class RetriesExhaustedError(FatalAPIError):
    """A request kept failing with transient errors until ``max_retries`` ran out."""


def retry_after_seconds(
    response: requests.Response | None, now: float | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, given in seconds or as an HTTP date."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def backoff_wait(
    retry: int,
    *,
    base_seconds: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry).

    Exponential backoff with "equal jitter": the nominal wait ``base * 2**(retry - 1)``,
    capped at :data:`MAX_BACKOFF_SECONDS`, is waited for between half and all of it, so
    that clients that failed together spread out. A ``Retry-After`` (capped at
    :data:`MAX_RETRY_AFTER_SECONDS`) is a floor: the wait is never shorter than what the
    server asked for, plus up to :data:`RETRY_AFTER_JITTER` of it.
    """
    rng = rng or random.Random()
    nominal = min(MAX_BACKOFF_SECONDS, base_seconds * 2 ** (retry - 1))
    wait = rng.uniform(nominal / 2, nominal)
    if retry_after is not None:
        asked = min(retry_after, MAX_RETRY_AFTER_SECONDS)
        wait = max(wait, asked * (1 + rng.uniform(0, RETRY_AFTER_JITTER)))
    return wait


def backoff_waits(base_seconds: float) -> Generator[float, Any, None]:
    """Waits from :func:`backoff_wait`, for backoff's ``on_exception``.

    backoff primes the generator with ``send(None)`` and then sends each exception, so
    the wait can depend on the response that failed (its ``Retry-After``).
    """
    retry = 0
    exception = yield 0.0
    while True:
        retry += 1
        asked = retry_after_seconds(getattr(exception, "response", None))
        exception = yield backoff_wait(retry, base_seconds=base_seconds, retry_after=asked)


def failure_kind(exception: BaseException | None) -> str:
    """A short, secret-free name for why a request failed: ``HTTP 503``, ``timeout``..."""
    response = getattr(exception, "response", None)
    if isinstance(exception, RetriableAPIError) and response is not None:
        if response.status_code == HTTP_OK:
            return "bad body"
        return f"HTTP {response.status_code}"
    if isinstance(exception, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(exception, requests.exceptions.ChunkedEncodingError):
        return "connection dropped"
    return "connection error"


def endpoint_of_request(request: Any, default: str) -> str:
    """The URL path of a prepared request (no query: it may carry filters), or ``default``."""
    if isinstance(request, requests.PreparedRequest):
        return urlsplit(request.url or "").path or default
    return default


def last_failure(exc: BaseException, timeout: float) -> str:
    """How the last try failed, in words, with the server's own reason masked and cut."""
    response = getattr(exc, "response", None)
    if isinstance(exc, RetriableAPIError) and response is not None:
        if response.status_code == HTTP_OK:  # a bad body: say what was wrong
            return str(exc)
        summary = REDACTOR.clean(error_summary(response), MAX_SUMMARY_CHARS)
        return f"HTTP {response.status_code}" + (f" ({summary})" if summary else "")
    if isinstance(exc, RequestDeadlineError):
        return str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {timeout:g} s (request_timeout)"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the connection dropped in the middle of the answer"
    return f"no HTTP status: the connection failed ({type(exc).__name__})"


def give_up_message(endpoint: str, *, stream: str, api: str, tries: int, last: str) -> str:
    """The one line a sync fails with when a request's tries run out."""
    plural = "try" if tries == 1 else "tries"
    return REDACTOR.mask(
        f"Gave up on {endpoint} (stream '{stream}', {api} API) after {tries} {plural}; "
        f"the last one failed with {last}. The API may be down or limiting requests: "
        "try again later, or raise `max_retries`."
    )


def retrying(
    func: Request,
    *,
    waits: Callable[[], Generator[float, Any, None]],
    max_tries: Callable[[], int],
    jitter: Callable[[float], float],
    on_backoff: Callable[[Any], None],
    give_up: Callable[[requests.PreparedRequest, BaseException, int], str],
) -> Request:
    """Wrap ``func`` (which sends one prepared request) in the retry policy.

    Unlike the SDK's default decorator, backoff's own log lines are off (``on_backoff``
    logs each retry once), TLS errors are not retried, and the error raised at the end is
    :class:`RetriesExhaustedError` with the line ``give_up`` writes.
    """
    gave_up: dict[str, int] = {}
    #: The wait the policy chose for this thread's next retry (backoff itself waits 0 s).
    chosen = threading.local()

    def note_give_up(details: Any) -> None:
        gave_up["tries"] = int(details.get("tries", 0))

    def waits_for_backoff() -> Generator[float, Any, None]:
        policy = waits()
        policy.send(None)
        exception = yield 0.0
        while True:
            chosen.wait = jitter(policy.send(exception))
            exception = yield 0.0

    def wait_interruptibly(details: Any) -> None:
        wait = float(getattr(chosen, "wait", 0.0))
        on_backoff({**details, "wait": wait})
        wait_unless_stopped(wait)  # raises StoppedError when the tap is told to stop

    retried = backoff.on_exception(
        waits_for_backoff,
        RETRIABLE_EXCEPTIONS,
        max_tries=max_tries,
        giveup=lambda exc: isinstance(exc, requests.exceptions.SSLError) or stop_requested(),
        on_backoff=wait_interruptibly,
        on_giveup=note_give_up,
        jitter=None,
        logger=None,
    )(func)

    @functools.wraps(func)
    def request(
        prepared_request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        try:
            return retried(prepared_request, *args, **kwargs)
        except RETRIABLE_EXCEPTIONS as exc:
            check_not_stopped()  # stopping is not giving up: say so, not "Gave up"
            message = give_up(prepared_request, exc, gave_up.get("tries", 1))
            raise RetriesExhaustedError(message) from exc

    return request


def rate_limit_hints(response: requests.Response | None) -> str:
    """What the server said about its limits, for the retry log line (catalog A33)."""
    if response is None:
        return ""
    said = [
        f"{k}: {v}"
        for k, v in response.headers.items()
        if k.lower() == "retry-after" or "ratelimit" in k.lower()
    ]
    return f" [{'; '.join(said)}]" if said else ""


class RetryingStream(HookedStream):
    """A stream whose requests follow this module's retry policy, through the SDK's hooks.

    ``api`` names the API in messages; ``record_retry`` on the tap counts each retry.
    """

    api: ClassVar[str]

    @override
    def request_decorator(
        self, func: Callable[..., requests.Response]
    ) -> Callable[..., requests.Response]:
        """Retry transient failures (see retrying); give up with one clear line."""
        return retrying(
            func,
            waits=self.backoff_wait_generator,
            max_tries=self.backoff_max_tries,
            jitter=self.backoff_jitter,
            on_backoff=self.backoff_handler,
            give_up=self.give_up_message,
        )

    def give_up_message(
        self, request: requests.PreparedRequest, exc: BaseException, tries: int
    ) -> str:
        """One line for the user: the endpoint, the tries and how the last one failed."""
        return give_up_message(
            endpoint_of_request(request, self.path),
            stream=self.name,
            api=self.api,
            tries=tries,
            last=last_failure(exc, self.timeout),
        )

    @override
    def backoff_max_tries(self) -> int:
        """The ``max_retries`` setting plus the first attempt."""
        return int(self.config.get("max_retries", 5)) + 1

    @override
    def backoff_wait_generator(self) -> Generator[float, Any, None]:  # type: ignore[override]
        # The SDK types the generator as sending None; backoff sends each exception.
        """Exponential waits with jitter, ``Retry-After`` as a floor (backoff_waits)."""
        return backoff_waits(float(self.config.get("backoff_base_seconds", 1.0)))

    @override
    def backoff_jitter(self, value: float) -> float:
        """No extra jitter: the waits already have it, knowing what the server asked."""
        return value

    @override
    def backoff_handler(self, details: Any) -> None:
        """Log each retry once: endpoint, reason, try number and wait. No secrets, no query."""
        exception = details.get("exception")
        args = details.get("args") or ()
        endpoint = endpoint_of_request(args[0] if args else None, self.path)
        kind = failure_kind(exception)
        self.tap.record_retry(self.api, kind, self.name)
        self.logger.warning(
            "Retrying %s (stream '%s') after %s%s, try %d of %d, in %.2f s.",
            endpoint,
            self.name,
            kind,
            rate_limit_hints(getattr(exception, "response", None)),
            int(details.get("tries", 0)) + 1,
            self.backoff_max_tries(),
            float(details.get("wait", 0.0)),
        )

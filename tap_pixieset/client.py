"""Base streams for the Pixieset Studio and Gallery APIs.

Every API convention lives here, once: the base URL, the shared cookie session, the
``data`` envelope, paging, error classification, retries with ``Retry-After``, page-drift
handling and duplicate dropping, id coercion and ``payload`` capture. An endpoint is then
a small class in ``tap_pixieset/streams/`` that names its path, keys, schema, paging style
and parent.
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Hashable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import backoff
import requests
from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers._typing import TypeConformanceLevel
from singer_sdk.streams import RESTStream

from tap_pixieset.concurrency import context_key
from tap_pixieset.envelope import (
    UnexpectedResponseError,
    data_items,
    endpoint_of,
    read_body,
)
from tap_pixieset.errors import PixiesetUserError
from tap_pixieset.pagination import UNPAGINATED, PageStyle, paginator_for
from tap_pixieset.records import RecordShaper, to_utc_datetime
from tap_pixieset.redaction import REDACTOR
from tap_pixieset.run_metrics import RunWideMetric

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator
    from singer_sdk.singerlib import Catalog

    from tap_pixieset.auth import CookieSession
    from tap_pixieset.tap import TapPixieset

#: Statuses worth another try: rate limited, or a server or gateway that failed for now.
#: Other 5xx (501, 505...) are answers that will not change, so they fail at once.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
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
#: How often a paginated list is read before the tap gives up on seeing it hold still.
MAX_LIST_READS = 3


class RetriesExhaustedError(FatalAPIError):
    """A request kept failing with transient errors until ``max_retries`` ran out."""


#: The column that tells accounts apart when many load into the same tables.
ACCOUNT_COLUMN = "account_id"
_ACCOUNT_PROPERTY = th.Property(
    ACCOUNT_COLUMN,
    th.StringType,
    required=True,
    description="The `account_id` setting of the run that loaded this row; leads the primary key.",
).to_dict()


def with_account_column(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a stream schema with the ``account_id`` column first and required."""
    others = [name for name in schema.get("required", []) if name != ACCOUNT_COLUMN]
    properties = {**_ACCOUNT_PROPERTY, **schema.get("properties", {})}
    return {**schema, "properties": properties, "required": [ACCOUNT_COLUMN, *others]}


def _error_summary(response: requests.Response) -> str:
    """A short reason from any of the four documented error body shapes (catalog A32)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or ""
    if not isinstance(body, dict):
        return response.reason or ""
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or response.reason)
    parts = [str(p) for p in (error, body.get("code"), body.get("message")) if p]
    return ": ".join(parts) or (response.reason or "")


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


def failure_kind(exception: BaseException | None) -> str:
    """A short, secret-free name for why a request failed: ``HTTP 503``, ``timeout``..."""
    response = getattr(exception, "response", None)
    if isinstance(exception, RetriableAPIError) and response is not None:
        if response.status_code == 200:
            return "bad body"
        return f"HTTP {response.status_code}"
    if isinstance(exception, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(exception, requests.exceptions.ChunkedEncodingError):
        return "connection dropped"
    return "connection error"


def _content_key(record: Mapping[str, Any]) -> bytes:
    """A digest of the whole item, for items whose primary key cannot be read from the item."""
    text = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class PixiesetStream(RESTStream[Any]):
    """Conventions shared by both Pixieset APIs. Subclasses set ``api`` and the endpoint."""

    #: "studio" or "gallery": which base URL and which cookie session to use.
    api: ClassVar[str]
    #: How the endpoint pages (catalog 1.5); UNPAGINATED for single objects and short lists.
    page_style: ClassVar[PageStyle] = UNPAGINATED
    #: Fixed query parameters: the widest filters and expansions (catalog A12, A14).
    query: ClassVar[Mapping[str, Any]] = {}
    #: True for endpoints that read one record by id: a 404 there means the record was
    #: deleted after it was listed, which is a warning and a skip, not a failed run.
    skip_missing: ClassVar[bool] = False
    #: Capture the whole API item in ``payload`` (for endpoints whose shape is undocumented).
    capture_payload: ClassVar[bool] = False

    #: Context handed to child streams: context key -> field of this stream's record.
    #: Contexts carry ids only: they end up in logs and, for partitioned streams, in state.
    child_context_keys: ClassVar[Mapping[str, str]] = {}

    records_jsonpath = "$.data[*]"
    _LOG_REQUEST_METRIC_URLS = False
    #: RecordShaper already gives every declared field its one declared type and drops
    #: undeclared ones; the SDK's own recursive pass did the same again at several times the
    #: cost per record.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Child streams keep one state for all parents, so state does not grow with them."""
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("parent_stream_type") and "state_partitioning_keys" not in cls.__dict__:
            cls.state_partitioning_keys = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The ``account_id`` setting: when set, stamped on every record and first in the key.
        self.account_id: str | None = self.config.get("account_id") or None
        if self.account_id:
            # Instance attributes: the class-level schema and keys stay as declared. Every
            # stream declares `schema` as a class-level dict, which shadows the SDK property.
            self.schema = with_account_column(self.schema)  # type: ignore[misc]
            self.primary_keys = (ACCOUNT_COLUMN, *self.primary_keys)
        self._shaper = RecordShaper(
            self.schema,
            capture_payload=self.capture_payload,
            stream_name=self.name,
            logger=self.logger,
        )
        #: The record whose children are being synced; derived streams read their rows from it.
        self.handoff: dict[str, Any] | None = None
        #: Child streams: one record counter, sync timer and request counter for the run.
        self._run_metrics: dict[str, RunWideMetric] = {}
        if self.parent_stream_type is not None:
            # One METRIC line per request would be one per parent; the run-wide request
            # counter reports them all at once.
            self._LOG_REQUEST_METRICS = False
        #: The paginator of the list read in progress, per thread: a child stream may read
        #: several parents' lists at once on worker threads (see read_list).
        self._reading = threading.local()

    # -- metrics -------------------------------------------------------------------------

    def _run_wide(self, kind: str, make: Callable[[], Any]) -> Any:
        if self.parent_stream_type is None:
            return make()
        metric = self._run_metrics.get(kind)
        if metric is None:
            metric = self._run_metrics[kind] = RunWideMetric(make())
        return metric

    def get_record_counter(self) -> Any:
        """Per run for child streams (see run_metrics), per sync for top-level ones."""
        return self._run_wide("records", super().get_record_counter)

    def get_sync_timer(self) -> Any:
        """Per run for child streams (see run_metrics), per sync for top-level ones."""
        return self._run_wide("timer", super().get_sync_timer)

    def get_http_request_counter(self) -> Any:
        """Per run for child streams (see run_metrics), per sync for top-level ones."""
        return self._run_wide("requests", super().get_http_request_counter)

    def close_run_metrics(self) -> None:
        """Report this stream's and its descendants' run-wide metrics."""
        for metric in self._run_metrics.values():
            metric.close()
        self._run_metrics.clear()
        for child in self.child_streams:
            if isinstance(child, PixiesetStream):
                child.close_run_metrics()

    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        """The SDK announces every child sync, once per parent record: that is debug detail."""
        if self.parent_stream_type is not None and message.startswith("Beginning sync of"):
            level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)

    # -- connection ----------------------------------------------------------------------

    @property
    def tap(self) -> TapPixieset:
        """The tap this stream belongs to."""
        return self._tap  # type: ignore[return-value]

    @property
    def url_base(self) -> str:
        """The configured base URL of this stream's API (its default when unset)."""
        return self.tap.base_url(self.api)

    @property
    def requests_session(self) -> CookieSession:
        """The one cookie session of this stream's API host, shared by all its streams."""
        return self.tap.session_for(self.api)

    @property
    def http_headers(self) -> dict[str, str]:
        """No per-stream headers: the shared session carries them (see auth.CookieSession)."""
        return {}

    @property
    def timeout(self) -> float:  # type: ignore[override]
        """Request timeout in seconds, from the ``request_timeout`` setting.

        It bounds both connecting and each wait for data, so a stalled answer becomes a
        ``Timeout`` that is retried like any other transient failure.
        """
        return float(self.config.get("request_timeout", 60))

    # -- paging --------------------------------------------------------------------------

    @property
    def page_size(self) -> int:
        """The ``page_size`` setting."""
        return int(self.config.get("page_size", 100))

    def get_new_paginator(self) -> BaseAPIPaginator[Any] | None:
        """A paginator for this endpoint's style, or None when it is not paginated.

        The stream keeps the paginator of the read in progress: after the read, its record
        of the list's size signals tells whether the list changed while it was paged.
        """
        paginator = paginator_for(self.page_style, self.page_size)
        self._reading.paginator = paginator
        return paginator

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        """Fixed filters, then the page parameters of the page being requested."""
        token = self.page_style.first_token() if next_page_token is None else next_page_token
        return {**self.query, **self.page_style.params_for(token, self.page_size)}

    # -- responses -----------------------------------------------------------------------

    def _is_follow_up_page(self, response: requests.Response) -> bool:
        request = response.request
        if request is None or self.page_style.page_param is None:
            return False
        values = parse_qs(urlsplit(request.url or "").query).get(self.page_style.page_param)
        try:
            first = self.page_style.first_token() or 0
            return bool(values) and int(values[0]) > first
        except ValueError:
            return False

    def validate_response(self, response: requests.Response) -> None:
        """Classify a response: fine, end of list, skippable, retriable or fatal."""
        status = response.status_code
        if status == 404 and (self.skip_missing or self._is_follow_up_page(response)):
            return
        if status in RETRY_STATUSES:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= 400:
            raise FatalAPIError(self.response_error_message(response))
        if status == 200:
            if not response.content:
                # Every endpoint answers a JSON document; an empty 200 is a cut connection
                # or a proxy hiccup, and reading it as "no records" would end a list early.
                raise RetriableAPIError(
                    f"The response for {endpoint_of(response)} has an empty body.", response
                )
            try:
                read_body(response)
            except UnexpectedResponseError as exc:
                # A truncated or garbled body is transient on a healthy API: read it again.
                raise RetriableAPIError(str(exc), response) from exc

    def response_error_message(self, response: requests.Response) -> str:
        """A one-line reason that names the endpoint and status, without secrets or bodies."""
        kind = "client" if response.status_code < 500 else "server"
        message = (
            f"The {self.api} API answered HTTP {response.status_code} ({kind} error) for "
            f"{endpoint_of(response)} in stream '{self.name}'"
        )
        # Masked before it is shortened: a cut through a secret would leave half of it.
        summary = REDACTOR.mask(_error_summary(response))
        if summary:
            message += f": {summary[:200]}"
        return REDACTOR.mask(message)

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """Records from the ``data`` envelope (a list, one object, or a bare array)."""
        if response.status_code == 404:
            if self.skip_missing:
                self.logger.warning(
                    "Skipping %s: the API answered 404 (it was probably deleted after it was listed).",
                    endpoint_of(response),
                )
            return
        for item in data_items(read_body(response)):
            yield item if isinstance(item, dict) else self.wrap_scalar(item)

    def wrap_scalar(self, item: Any) -> dict[str, Any]:
        """Turn a bare scalar list item into a record. Streams that expect scalars override this."""
        raise FatalAPIError(
            f"Stream '{self.name}' received a list item that is not an object: {type(item).__name__}."
        )

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Coerce types to the schema, capture ``payload`` and stamp ``account_id`` when set."""
        row = self._shaper.shape(row, context)
        if self.account_id:
            row[ACCOUNT_COLUMN] = self.account_id
        return row

    def apply_catalog(self, catalog: Catalog) -> None:
        """Refuse a catalog whose key lacks ``account_id`` while ``account_id`` is set.

        Such a catalog was discovered before the setting was added; using it would let
        accounts overwrite each other's rows in the warehouse.
        """
        super().apply_catalog(catalog)
        if self.account_id and ACCOUNT_COLUMN not in self.primary_keys:
            raise PixiesetUserError(
                f"The catalog's key for stream '{self.name}' lacks `account_id`, but "
                "`account_id` is set: run discovery again (tap-pixieset --discover) with the "
                "same settings."
            )

    def child_context(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Ids for the child streams, per ``child_context_keys``."""
        return {key: record.get(field) for key, field in self.child_context_keys.items()}

    def get_child_context(self, record: dict[str, Any], context: Context | None) -> dict[str, Any]:
        """Hand the record to derived children, and give every child the parent's ids."""
        self.handoff = record
        return self.child_context(record)

    def should_sync_children(self, record: Mapping[str, Any], context: Context | None) -> bool:
        """Whether the SDK will sync children for this raw record.

        Incremental streams say no for records at or below the bookmark. Used to avoid
        prefetching children nobody reads.
        """
        return True

    # -- concurrency ---------------------------------------------------------------------

    def _prefetchable_children(self) -> list[PixiesetStream]:
        return [
            child
            for child in self.child_streams
            if isinstance(child, PixiesetStream)
            and not isinstance(child, DerivedStream)
            and (child.selected or child.has_selected_descendents)
            and self.tap.api_configured(child.api)
        ]

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of this stream.

        With concurrency on, children of the next few records are fetched on the pool while
        these are emitted (see concurrency.ChildPrefetcher).
        """
        records = self.request_records(context)
        prefetcher = self.tap.prefetcher
        children = self._prefetchable_children() if prefetcher is not None else []
        if prefetcher is None or not children:
            yield from records
            return
        window: deque[dict[str, Any]] = deque()
        for record in records:
            window.append(record)
            # The SDK builds child contexts from post-processed records, which may have
            # gained parent ids from the context; raw record over context gives the same ids.
            child_context = self.child_context({**(context or {}), **record})
            if self.should_sync_children(record, context) and None not in child_context.values():
                for child in children:
                    prefetcher.submit(
                        context_key(child.name, child_context),
                        lambda child=child, ctx=child_context: list(child.fetch_records(ctx)),
                    )
            if len(window) > prefetcher.lookahead:
                yield window.popleft()
        yield from window

    def request_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The records of one context: already fetched by the pool, or requested now."""
        prefetcher = self.tap.prefetcher
        if prefetcher is not None and self.parent_stream_type is not None:
            fetched = prefetcher.take(context_key(self.name, context))
            if fetched is not None:
                yield from fetched
                return
        yield from self.fetch_records(context)

    def fetch_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Request the records of one context from the API (all its pages), by :meth:`read_list`."""
        yield from self.read_list(context)

    # -- reading a list: drift and duplicates ---------------------------------------------

    def read_list(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Page through the list, dropping repeats and reading it again if it moved.

        Records inserted or deleted while a list is paged shift every later item by one
        place. An insert pushes an item already read onto the next page (a duplicate,
        dropped here by primary key); a delete pulls an unread item back onto a page
        already read, where the tap would never see it. So after each read the tap checks
        that the list held still (its reported size never changed, it did not end before
        the page its counts announced, no item turned up twice) and otherwise reads it
        again, emitting only what it had not emitted yet. A list that reports no size is
        confirmed by a second read with the same keys, when it needed more than one page.
        See docs/decisions.md, "Page drift", for exactly what this guarantees.
        """
        if self.page_style.page_param is None:  # one response: nothing can shift under it
            yield from super().request_records(context)
            return
        emitted: set[Hashable] = set()
        previous: set[Hashable] | None = None
        reason: str | None = None
        for read in range(1, MAX_LIST_READS + 1):
            keys: set[Hashable] = set()
            repeated = 0
            for record in super().request_records(context):
                key = self.dedupe_key(record, context)
                repeated += key in keys
                keys.add(key)
                if key in emitted:
                    self.tap.record_duplicate(self.name)
                    continue
                emitted.add(key)
                yield record
            reason = self._unsettled_reason(keys, previous, repeated)
            if reason is None:
                return
            if read < MAX_LIST_READS:
                # A confirming read of a list without counts is routine; a change is news.
                routine = previous is None and "no size" in reason
                log = self.logger.debug if routine else self.logger.info
                log("Reading %s again for stream '%s': %s.", self.path, self.name, reason)
                self.tap.record_reread(self.name)
            previous = keys
        self.logger.warning(
            "The list %s of stream '%s' kept changing over %d reads (%s). Records that existed "
            "throughout were delivered unless a deletion hid one of them; the next run will "
            "deliver any such record.",
            self.path,
            self.name,
            MAX_LIST_READS,
            reason,
        )

    def dedupe_key(self, record: Mapping[str, Any], context: Context | None) -> Hashable:
        """The primary key of an API item, for dropping repeats within one list read.

        Key fields that the item lacks are taken from the context (parent ids). When a key
        is still missing (the stream computes it later, or has none), the whole item's
        digest stands in: a repeat caused by a shifted page is the identical item.
        """
        values: list[str] = []
        for field in self.primary_keys or ():
            value = record.get(field)
            if value is None and context:
                value = context.get(field)
            if value is None:
                return _content_key(record)
            values.append(str(value))  # Gallery ids may come as numbers or strings
        return tuple(values) if values else _content_key(record)

    def _unsettled_reason(
        self, keys: set[Hashable], previous: set[Hashable] | None, repeated: int
    ) -> str | None:
        """Why the read just finished may have missed a record, or None when it cannot have."""
        paginator: Any = getattr(self._reading, "paginator", None)
        if repeated:
            return f"{repeated} item(s) turned up twice, so records were inserted while it was read"
        if getattr(paginator, "counted", False):
            if paginator.count_changed:
                return "its reported size changed while it was read"
            if not paginator.finished:
                return "it ended before the last page its own counts announced"
            return None
        single_page = (
            paginator is None
            or paginator.count == 0
            or (paginator.count == 1 and paginator.finished)
        )
        if single_page or keys == previous:
            return None
        if previous is None:
            return "it reports no size, so a second read confirms that nothing moved"
        return "two reads returned different records"

    # -- retries -------------------------------------------------------------------------

    def request_decorator(
        self, func: Callable[..., requests.Response]
    ) -> Callable[..., requests.Response]:
        """Retry transient failures with backoff; when tries run out, fail with one clear line.

        Unlike the SDK's decorator, backoff's own log lines are off (``backoff_handler``
        logs each retry once), TLS errors are not retried (they will not heal), and the
        error raised at the end names the endpoint, the tries and the last failure.
        """
        gave_up: dict[str, int] = {}

        def note_give_up(details: Any) -> None:
            gave_up["tries"] = int(details.get("tries", 0))

        retrying = backoff.on_exception(
            self.backoff_wait_generator,
            RETRIABLE_EXCEPTIONS,
            max_tries=self.backoff_max_tries,
            giveup=lambda exc: isinstance(exc, requests.exceptions.SSLError),
            on_backoff=self.backoff_handler,
            on_giveup=note_give_up,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)

        @functools.wraps(func)
        def request(
            prepared_request: requests.PreparedRequest, *args: Any, **kwargs: Any
        ) -> requests.Response:
            try:
                return retrying(prepared_request, *args, **kwargs)
            except RETRIABLE_EXCEPTIONS as exc:
                message = self.give_up_message(prepared_request, exc, gave_up.get("tries", 1))
                raise RetriesExhaustedError(message) from exc

        return request

    def give_up_message(
        self, request: requests.PreparedRequest, exc: BaseException, tries: int
    ) -> str:
        """One line for the user: the endpoint, the tries and how the last one failed."""
        endpoint = urlsplit(request.url or "").path or self.path
        response = getattr(exc, "response", None)
        if isinstance(exc, RetriableAPIError) and response is not None:
            summary = _error_summary(response)[:200]
            last = f"HTTP {response.status_code}" + (f" ({summary})" if summary else "")
            if response.status_code == 200:
                last = str(exc)
        elif isinstance(exc, requests.exceptions.Timeout):
            last = f"no answer within {self.timeout:g} s (request_timeout)"
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            last = "the connection dropped in the middle of the answer"
        else:
            last = f"no HTTP status: the connection failed ({type(exc).__name__})"
        plural = "try" if tries == 1 else "tries"
        return REDACTOR.mask(
            f"Gave up on {endpoint} (stream '{self.name}', {self.api} API) after {tries} {plural}; "
            f"the last one failed with {last}. The API may be down or limiting requests: "
            "try again later, or raise `max_retries`."
        )

    def backoff_max_tries(self) -> int:
        """The ``max_retries`` setting plus the first attempt."""
        return int(self.config.get("max_retries", 5)) + 1

    def backoff_wait_generator(self) -> Generator[float, Any, None]:  # type: ignore[override]
        """Waits from :func:`backoff_wait`: exponential with jitter, ``Retry-After`` as a floor.

        backoff primes the generator with ``send(None)`` and then sends each exception, so
        the wait can depend on the response that failed.
        """
        base = float(self.config.get("backoff_base_seconds", 1.0))
        retry = 0
        exception = yield 0.0
        while True:
            retry += 1
            asked = retry_after_seconds(getattr(exception, "response", None))
            exception = yield backoff_wait(retry, base_seconds=base, retry_after=asked)

    def backoff_jitter(self, value: float) -> float:
        """No extra jitter: :func:`backoff_wait` already adds it, knowing what the server asked."""
        return value

    def backoff_handler(self, details: Any) -> None:
        """Log each retry once: endpoint, reason, try number and wait. No secrets, no query."""
        exception = details.get("exception")
        args = details.get("args") or ()
        request = args[0] if args and isinstance(args[0], requests.PreparedRequest) else None
        endpoint = urlsplit(request.url or "").path if request is not None else self.path
        kind = failure_kind(exception)
        self.tap.record_retry(self.api, kind, self.name)
        response = getattr(exception, "response", None)
        hints = ""
        if response is not None:
            # Pixieset documents no limits (A33): show what the server says, to learn them.
            said = [
                f"{k}: {v}"
                for k, v in response.headers.items()
                if k.lower() == "retry-after" or "ratelimit" in k.lower()
            ]
            hints = f" [{'; '.join(said)}]" if said else ""
        self.logger.warning(
            "Retrying %s (stream '%s') after %s%s, try %d of %d, in %.2f s.",
            endpoint,
            self.name,
            kind,
            hints,
            int(details.get("tries", 0)) + 1,
            self.backoff_max_tries(),
            float(details.get("wait", 0.0)),
        )

    # -- sync ----------------------------------------------------------------------------

    def _write_schema_message(self) -> None:
        """Write the SCHEMA once per run, not once per parent record.

        The SDK syncs a child stream once per parent record and writes its SCHEMA each time;
        many loaders flush their batch on every SCHEMA, which turns a child table into
        thousands of one-row loads.
        """
        if getattr(self, "_schema_written", False):
            return
        self._schema_written = True
        super()._write_schema_message()

    def log_sync_costs(self) -> None:
        """At the end of the sync: what it took to get a clean copy of this stream, if anything."""
        super().log_sync_costs()
        tap = self.tap
        retries = tap.stream_retries[self.name]
        rereads = tap.list_rereads[self.name]
        dropped = tap.duplicates_dropped[self.name]
        if retries or rereads or dropped:
            self.logger.info(
                "Reliability of stream '%s': %d retried request(s), %d extra read(s) of a list "
                "that changed or had to be confirmed, %d repeated record(s) dropped.",
                self.name,
                retries,
                rereads,
                dropped,
            )

    def sync(self, context: Context | None = None) -> None:
        """Skip the whole stream, with one warning per API, when its API has no session."""
        if not self.tap.api_available(self.api):
            return
        try:
            super().sync(context)
        finally:
            if self.parent_stream_type is None:
                self.close_run_metrics()
                # Streams run one after another: what this one's children had prefetched
                # and nobody took (its sync failed, or a parent was dropped) is not needed.
                prefetcher = self.tap.prefetcher
                if prefetcher is not None:
                    prefetcher.cancel_pending()


class DerivedStream(PixiesetStream):
    """Rows taken from an array inside the parent's record, with no HTTP request.

    The parent hands its current record over in ``handoff`` just before it syncs its
    children, so the context stays ids only.
    """

    #: The array field of the parent record that holds this stream's rows.
    source_field: ClassVar[str]
    #: Fields copied from the parent record into each row: row field -> parent field.
    inherited_fields: ClassVar[Mapping[str, str]] = {}

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Yield the rows of the parent record being synced, with the parent's fields.

        The SDK passes each row through :meth:`post_process`, which shapes it like any other.
        """
        parent = self.tap.streams[self.parent_stream_type.name]  # type: ignore[union-attr]
        record = parent.handoff or {}
        inherited = {field: record.get(source) for field, source in self.inherited_fields.items()}
        for row in record.get(self.source_field) or []:
            if isinstance(row, dict):
                yield {**row, **inherited}


class StudioStream(PixiesetStream):
    """A stream of the Studio API (``studio_base_url``, ``studio_cookie``)."""

    api = "studio"


class GalleryStream(PixiesetStream):
    """A stream of the Gallery API (``gallery_base_url``, ``gallery_cookie``)."""

    api = "gallery"


class ClientSideIncremental(PixiesetStream):
    """Incremental replication done by the tap, because the API has no ``since`` filter (A11).

    The whole list is still read, but records at or below the bookmark (or ``start_date``)
    are dropped in ``post_process``, before the SDK makes their child contexts: detail and
    child requests are skipped for parents that have not changed. The API does not sort by
    the replication key, so ``is_sorted`` is False and the bookmark is only advanced when
    the stream finishes. The bookmark is read once per run, so a child stream synced once
    per parent compares every parent's rows with the same starting value.
    """

    is_sorted = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._run_bookmark: tuple[str | None] | None = None

    def bookmark(self, context: Context | None) -> str | None:
        """The starting value of this run: the state's bookmark or ``start_date``, as UTC text."""
        if self._run_bookmark is None:
            start = self.get_starting_timestamp(context)
            self._run_bookmark = (
                start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if start else None,
            )
        return self._run_bookmark[0]

    def is_changed(self, record: Mapping[str, Any], context: Context | None) -> bool:
        """True when the record's replication value is past the bookmark (or has none)."""
        value = record.get(self.replication_key or "")
        bookmark = self.bookmark(context)
        if bookmark is None or not value:
            return True
        return str(to_utc_datetime(str(value))) > bookmark

    def should_sync_children(self, record: Mapping[str, Any], context: Context | None) -> bool:
        """Children of unchanged records are not synced, so they are not prefetched either."""
        return self.is_changed(record, context)

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Shape the row, then drop it when it has not changed since the bookmark."""
        shaped = super().post_process(row, context)
        if shaped is None or not self.is_changed(shaped, context):
            return None
        return shaped


class ListDetailStream(PixiesetStream):
    """Pages a list for ids and emits each item's detail view merged over the list item.

    Subclasses set ``detail_path`` (formatted with the list item's fields). When the stream
    is also :class:`ClientSideIncremental`, unchanged items are dropped before their detail
    request is made. A detail that answers 404 was deleted after it was listed: it is
    skipped with a warning (catalog A35).
    """

    #: Path of the detail endpoint, such as ``/templates/emails/{id}``.
    detail_path: ClassVar[str]
    #: Query parameters of the detail request.
    detail_query: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._detail_flag = threading.local()

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """List items, each replaced by its detail view when it passes the bookmark gate.

        With concurrency on, the details of the next few items are fetched on the pool while
        earlier ones are emitted, in list order.
        """
        gate = getattr(self, "is_changed", None)
        items = (
            item for item in super().get_records(context) if gate is None or gate(item, context)
        )
        prefetcher = self.tap.prefetcher
        if prefetcher is None:
            for item in items:
                detail = self.fetch_one(self.detail_path.format(**item), self.detail_query, context)
                if detail is not None:
                    yield {**item, **detail}
            return
        window: deque[tuple[dict[str, Any], tuple[Any, ...]]] = deque()

        def emit(item: dict[str, Any], key: tuple[Any, ...]) -> Iterable[dict[str, Any]]:
            detail = prefetcher.take(key)
            if detail is not None:
                yield {**item, **detail}

        for item in items:
            path = self.detail_path.format(**item)
            key = context_key(f"{self.name}:detail", {"path": path})
            prefetcher.submit(
                key, lambda path=path: self.fetch_one(path, self.detail_query, context)
            )
            window.append((item, key))
            if len(window) > prefetcher.lookahead:
                yield from emit(*window.popleft())
        for item, key in window:
            yield from emit(item, key)

    def fetch_one(
        self, path: str, params: Mapping[str, Any], context: Context | None
    ) -> dict[str, Any] | None:
        """GET one object through the SDK's request machinery (auth, retries, rate limit)."""
        prepared = self.build_prepared_request(
            method="GET", url=self.url_base + path, params=dict(params)
        )
        # Thread-local: details may be fetched on several pool threads at once.
        self._detail_flag.active = True
        try:
            response = self.request_decorator(self._request)(prepared, context)
        finally:
            self._detail_flag.active = False
        if response.status_code == 404:
            self.logger.warning(
                "Skipping %s: the API answered 404 (deleted after it was listed).", path
            )
            return None
        items = data_items(read_body(response))
        return items[0] if items and isinstance(items[0], dict) else None

    def validate_response(self, response: requests.Response) -> None:
        """A 404 on a detail request is a skip, not a failure (catalog A35)."""
        if response.status_code == 404 and getattr(self._detail_flag, "active", False):
            return
        super().validate_response(response)


class SnapshotStream(PixiesetStream):
    """A count or summary read once per run, keyed by ``snapshot_date`` (the UTC date of the run)."""

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Stamp the row with today's UTC date, which is part of its primary key."""
        row["snapshot_date"] = utc_today()
        return super().post_process(row, context)


def utc_today() -> str:
    """Today's date in UTC, the ``snapshot_date`` of snapshot streams."""
    return datetime.now(timezone.utc).date().isoformat()

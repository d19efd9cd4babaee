"""Base streams for the Pixieset Studio and Gallery APIs.

Every API convention lives here, once: the base URL, the shared cookie session, the
``data`` envelope, paging, error classification, retries with ``Retry-After``, id
coercion and ``payload`` capture. An endpoint is then a small class in
``tap_pixieset/streams/`` that names its path, keys, schema, paging style and parent.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

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

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_SECONDS = 60.0

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


def retry_after_seconds(response: requests.Response | None, now: float | None = None) -> float | None:
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
            self.schema, capture_payload=self.capture_payload, stream_name=self.name, logger=self.logger
        )
        #: The record whose children are being synced; derived streams read their rows from it.
        self.handoff: dict[str, Any] | None = None
        #: Child streams: one record counter, sync timer and request counter for the run.
        self._run_metrics: dict[str, RunWideMetric] = {}
        if self.parent_stream_type is not None:
            # One METRIC line per request would be one per parent; the run-wide request
            # counter reports them all at once.
            self._LOG_REQUEST_METRICS = False

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
    def timeout(self) -> int:  # type: ignore[override]
        """Request timeout in seconds, from the ``request_timeout`` setting."""
        return int(self.config.get("request_timeout", 60))

    # -- paging --------------------------------------------------------------------------

    @property
    def page_size(self) -> int:
        """The ``page_size`` setting."""
        return int(self.config.get("page_size", 100))

    def get_new_paginator(self) -> BaseAPIPaginator[Any] | None:
        """A paginator for this endpoint's style, or None when it is not paginated."""
        return paginator_for(self.page_style, self.page_size)

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        """Fixed filters, then the page parameters of the page being requested."""
        token = self.page_style.first_token() if next_page_token is None else next_page_token
        return {**self.query, **self.page_style.params_for(token, self.page_size)}

    # -- responses -----------------------------------------------------------------------

    def _is_follow_up_page(self, response: requests.Response) -> bool:
        request = response.request
        if request is None or self.page_style.page_param is None:
            return False
        from urllib.parse import parse_qs, urlsplit

        values = parse_qs(urlsplit(request.url or "").query).get(self.page_style.page_param)
        try:
            first = self.page_style.first_token() or 0
            return bool(values) and int(values[0]) > first
        except ValueError:
            return False

    def validate_response(self, response: requests.Response) -> None:
        """Classify a response: fine, end of list, skippable, retriable or fatal."""
        status = response.status_code
        if status == 404 and (self.skip_missing or self._is_follow_up_page(response)):  # noqa: PLR2004
            return
        if status in RETRY_STATUSES or status >= 500:  # noqa: PLR2004
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= 400:  # noqa: PLR2004
            raise FatalAPIError(self.response_error_message(response))
        if status == 200:  # noqa: PLR2004
            try:
                read_body(response)
            except UnexpectedResponseError as exc:
                # A truncated or garbled body is transient on a healthy API: read it again.
                raise RetriableAPIError(str(exc), response) from exc

    def response_error_message(self, response: requests.Response) -> str:
        """A one-line reason that names the endpoint and status, without secrets or bodies."""
        kind = "client" if response.status_code < 500 else "server"  # noqa: PLR2004
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
        if response.status_code == 404:  # noqa: PLR2004
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

    def post_process(self, row: dict[str, Any], context: Context | None = None) -> dict[str, Any] | None:
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
        """Whether the SDK will sync children for this raw record (incremental streams say no
        for records at or below the bookmark). Used to avoid prefetching children nobody reads."""
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
        """Records of this stream; with concurrency on, children of the next few records are
        fetched on the pool while these are emitted (see concurrency.ChildPrefetcher)."""
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
        """Request the records of one context from the API (all its pages)."""
        yield from super().request_records(context)

    # -- retries -------------------------------------------------------------------------

    def backoff_max_tries(self) -> int:
        """The ``max_retries`` setting plus the first attempt."""
        return int(self.config.get("max_retries", 5)) + 1

    def backoff_wait_generator(self) -> Generator[float, Any, None]:  # type: ignore[override]
        """Exponential backoff from 1 s, capped at 60 s; ``Retry-After`` wins when present."""
        attempt = 0
        exception = yield 0.0
        while True:
            response = getattr(exception, "response", None)
            wait = retry_after_seconds(response)
            if wait is None:
                wait = min(MAX_BACKOFF_SECONDS, float(self.config.get("backoff_base_seconds", 1.0)) * 2**attempt)
            attempt += 1
            exception = yield min(wait, MAX_BACKOFF_SECONDS)

    def backoff_jitter(self, value: float) -> float:
        """Add up to 10% of jitter, never less than the server asked for."""
        return value + random.uniform(0, value * 0.1)  # noqa: S311

    def backoff_handler(self, details: Any) -> None:
        """Log each retry once: what failed, the try number and the wait. No secrets."""
        exception = details.get("exception")
        response = getattr(exception, "response", None)
        reason = f"HTTP {response.status_code}" if response is not None else type(exception).__name__
        self.tap.record_retry(self.api)
        self.logger.warning(
            "Retrying %s in stream '%s' after %s (try %d of %d), waiting %.2f s.",
            self.path,
            self.name,
            reason,
            details.get("tries", 0),
            self.backoff_max_tries(),
            details.get("wait", 0.0),
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

    def sync(self, context: Context | None = None) -> None:
        """Skip the whole stream, with one warning per API, when its API has no session."""
        if not self.tap.api_available(self.api):
            return
        try:
            super().sync(context)
        finally:
            if self.parent_stream_type is None:
                self.close_run_metrics()


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

    def post_process(self, row: dict[str, Any], context: Context | None = None) -> dict[str, Any] | None:
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
        items = (item for item in super().get_records(context) if gate is None or gate(item, context))
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
            prefetcher.submit(key, lambda path=path: self.fetch_one(path, self.detail_query, context))
            window.append((item, key))
            if len(window) > prefetcher.lookahead:
                yield from emit(*window.popleft())
        for item, key in window:
            yield from emit(item, key)

    def fetch_one(self, path: str, params: Mapping[str, Any], context: Context | None) -> dict[str, Any] | None:
        """GET one object through the SDK's request machinery (auth, retries, rate limit)."""
        prepared = self.build_prepared_request(method="GET", url=self.url_base + path, params=dict(params))
        # Thread-local: details may be fetched on several pool threads at once.
        self._detail_flag.active = True
        try:
            response = self.request_decorator(self._request)(prepared, context)
        finally:
            self._detail_flag.active = False
        if response.status_code == 404:  # noqa: PLR2004
            self.logger.warning("Skipping %s: the API answered 404 (deleted after it was listed).", path)
            return None
        items = data_items(read_body(response))
        return items[0] if items and isinstance(items[0], dict) else None

    def validate_response(self, response: requests.Response) -> None:
        """A 404 on a detail request is a skip, not a failure (catalog A35)."""
        if response.status_code == 404 and getattr(self._detail_flag, "active", False):  # noqa: PLR2004
            return
        super().validate_response(response)


class SnapshotStream(PixiesetStream):
    """A count or summary read once per run, keyed by ``snapshot_date`` (the UTC date of the run)."""

    def post_process(self, row: dict[str, Any], context: Context | None = None) -> dict[str, Any] | None:
        """Stamp the row with today's UTC date, which is part of its primary key."""
        row["snapshot_date"] = utc_today()
        return super().post_process(row, context)


def utc_today() -> str:
    """Today's date in UTC, the ``snapshot_date`` of snapshot streams."""
    return datetime.now(timezone.utc).date().isoformat()


LOGGER = logging.getLogger("tap_pixieset.client")

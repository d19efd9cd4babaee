"""The base stream of both Pixieset APIs: what every endpoint shares, and nothing else.

A stream here knows its API (base URL and the host's shared cookie session), reads the
``data`` envelope, pages in its declared style, shapes each record to its schema, and
fetches a list whole while it moves. The rest lives in modules of its own, which this class calls:
``responses`` (what an answer means, and the one 404 policy), ``retries`` (backoff and the
give-up line), ``list_reader`` (page drift and duplicates), ``prefetch`` and
``concurrency`` (reading ahead on a pool), ``children`` (handing ids to child streams and
fetching their records ahead), ``run_metrics``, ``accounts`` and
``sdk_hooks`` (the few SDK overrides without a public hook). The kinds of stream built on
this one (list-then-detail, derived, client-side incremental, snapshot) are in
``stream_kinds``; each endpoint is then a small class in ``streams/``.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream
from typing_extensions import override

from tap_pixieset import accounts
from tap_pixieset.children import ParentStream
from tap_pixieset.envelope import data_items, endpoint_of, read_body
from tap_pixieset.list_reader import ListReader, dedupe_key
from tap_pixieset.pagination import UNPAGINATED, PageStyle, paginator_for
from tap_pixieset.records import RecordShaper, with_undeclared_column
from tap_pixieset.responses import NotFound, Outcome, classify, error_message

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator
    from singer_sdk.singerlib import Catalog

    from tap_pixieset.auth import CookieSession
    from tap_pixieset.tap import TapPixieset


class PixiesetStream(ParentStream):
    """Conventions shared by both Pixieset APIs. Subclasses set ``api`` and the endpoint."""

    #: "studio" or "gallery": which base URL and which cookie session to use.
    api: ClassVar[str]
    #: How the endpoint pages (catalog 1.5); UNPAGINATED for single objects and short lists.
    page_style: ClassVar[PageStyle] = UNPAGINATED
    #: Fixed query parameters: the widest filters and expansions (catalog A12, A14).
    query: ClassVar[Mapping[str, Any]] = {}
    #: What a 404 on this stream's first request means (see responses.NotFound). A 404 on a
    #: later page always ends the list.
    on_404: ClassVar[NotFound] = NotFound.FAIL
    #: Capture the whole API item in ``payload`` (for endpoints whose shape is undocumented).
    capture_payload: ClassVar[bool] = False
    #: False for streams whose rows are history rather than a copy of what the source holds
    #: now (daily snapshots): they never delete rows (see versions).
    mirrors_source: ClassVar[bool] = True
    #: Set during a run that did not read the whole source set: this run, the stream and
    #: its children then delete no rows (see versions).
    incomplete_reason: str | None = None
    #: Set with ``incomplete_reason`` when bounded freshness read the stream for only some
    #: parents: the older table version that is still safe to activate (see freshness).
    bounded_version: int | None = None

    records_jsonpath = "$.data[*]"
    #: RecordShaper already gives every declared field its one declared type and drops
    #: undeclared ones; the SDK's own recursive pass did the same again at several times the
    #: cost per record.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Child streams keep one state for all parents, so state does not grow with them."""
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("parent_stream_type") and "state_partitioning_keys" not in cls.__dict__:
            # The SDK declares it as a property; a class attribute is its documented override.
            cls.state_partitioning_keys = []  # type: ignore[assignment,method-assign]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The ``account_id`` setting: when set, stamped on every record and first in the key.
        self.account_id: str | None = self.config.get("account_id") or None
        self.schema = with_undeclared_column(self.schema)  # type: ignore[misc]
        if self.account_id:
            # Instance attributes: the class-level schema and keys stay as declared. Every
            # stream declares `schema` as a class-level dict, which shadows the SDK property.
            self.schema = accounts.with_account_column(self.schema)  # type: ignore[misc]
            self.primary_keys = accounts.with_account_key(self.primary_keys or ())
        self.shaper = RecordShaper(
            self.schema,
            capture_payload=self.capture_payload,
            stream_name=self.name,
            logger=self.logger,
        )
        #: True once the endpoint answered that it does not exist here (``NotFound.ABSENT``).
        self.endpoint_absent = False
        #: The paginator of the list read in progress, per thread: a child stream may read
        #: several parents' lists at once on worker threads (see read_list).
        self._reading = threading.local()

    # -- connection ----------------------------------------------------------------------

    @property
    def tap(self) -> TapPixieset:
        """The tap this stream belongs to."""
        tap: TapPixieset = super().tap
        return tap

    @override
    @property
    def url_base(self) -> str:
        """The configured base URL of this stream's API (its default when unset)."""
        return self.tap.base_url(self.api)

    @override
    @property
    def requests_session(self) -> CookieSession:
        """The one cookie session of this stream's API host, shared by all its streams."""
        return self.tap.session_for(self.api)

    @override
    @property
    def http_headers(self) -> dict[str, str]:
        """No per-stream headers: the shared session carries them (see auth.CookieSession)."""
        return {}

    @override
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

    @override
    def get_new_paginator(self) -> BaseAPIPaginator[Any] | None:
        """A paginator for this endpoint's style, or None when it is not paginated.

        The stream keeps the paginator of the read in progress: after the read, its record
        of the list's size signals tells whether the list changed while it was paged.
        """
        paginator = paginator_for(self.page_style, self.page_size)
        self._reading.paginator = paginator
        return paginator

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        """Fixed filters, then the page parameters of the page being requested."""
        token = self.page_style.first_token() if next_page_token is None else next_page_token
        return {**self.query, **self.page_style.params_for(token, self.page_size)}

    # -- responses -----------------------------------------------------------------------

    def check_response(self, response: requests.Response, on_404: NotFound) -> Outcome | None:
        """Classify an answer under ``on_404`` (see responses.classify)."""
        return classify(
            response, on_404=on_404, page_style=self.page_style, api=self.api, stream=self.name
        )

    @override
    def validate_response(self, response: requests.Response) -> None:
        """Fine, a tolerated 404, retriable or fatal: by the stream's declared ``on_404``."""
        self.check_response(response, self.on_404)

    @override
    def response_error_message(self, response: requests.Response) -> str:
        """A one-line reason that names the endpoint and status, without secrets or bodies."""
        return error_message(response, api=self.api, stream=self.name)

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """Records from the ``data`` envelope (a list, one object, or a bare array)."""
        if response.status_code == 404:
            self.note_not_found(response, self.check_response(response, self.on_404))
            return
        for item in data_items(read_body(response)):
            yield item if isinstance(item, dict) else self.wrap_scalar(item)

    def note_not_found(self, response: requests.Response, outcome: Outcome | None) -> None:
        """Say what a tolerated 404 meant: a skipped record, or an endpoint that is absent."""
        if outcome is Outcome.SKIP:
            self.logger.warning(
                "Skipping %s: the API answered 404 (it was probably deleted after it was listed).",
                endpoint_of(response),
            )
        elif outcome is Outcome.ABSENT and not self.endpoint_absent:
            self.endpoint_absent = True
            self.logger.warning(
                "%s is not available on this account (HTTP 404): stream '%s' is empty.",
                endpoint_of(response),
                self.name,
            )

    def wrap_scalar(self, item: Any) -> dict[str, Any]:
        """Turn a bare scalar list item into a record. Streams that expect scalars override this."""
        raise FatalAPIError(
            f"Stream '{self.name}' received a list item that is not an object: {type(item).__name__}."
        )

    # -- records -------------------------------------------------------------------------

    @override
    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Coerce types to the schema, capture ``payload``, stamp ``account_id`` when set.

        Records the stream has already delivered in an earlier run (:meth:`is_changed`)
        are dropped here, before the SDK builds their children's contexts.
        """
        row = self.shaper.shape(row, context)
        if not self.is_changed(row, context):
            return None
        if self.account_id:
            row[accounts.ACCOUNT_COLUMN] = self.account_id
        return row

    @override
    def apply_catalog(self, catalog: Catalog) -> None:
        """Refuse a catalog whose key lacks ``account_id`` while ``account_id`` is set."""
        super().apply_catalog(catalog)
        if self.account_id:
            accounts.check_catalog_key(self.name, self.primary_keys)

    def fetch_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Request the records of one context from the API: the whole list, held still."""
        if self.page_style.page_param is None:  # one response: nothing can shift under it
            yield from self.read_pages(context)
            return
        yield from ListReader(
            read_once=lambda: self.read_pages(context),
            key_of=lambda record: self.dedupe_key(record, context),
            paginator=lambda: getattr(self._reading, "paginator", None),
            on_duplicate=lambda: self.tap.record_duplicate(self.name),
            on_reread=lambda routine: self.tap.record_reread(self.name, routine=routine),
            logger=self.logger,
            path=self.path,
            stream=self.name,
        )

    def read_pages(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Read the list once, every page, through the SDK's paging loop."""
        return RESTStream.request_records(self, context)

    def dedupe_key(self, record: Mapping[str, Any], context: Context | None) -> Hashable:
        """The key that identifies an API item within one list (see list_reader.dedupe_key)."""
        return dedupe_key(record, self.primary_keys or (), context)

    # -- the start and end of a sync ----------------------------------------------------

    @override
    @property
    def emit_activate_version_messages(self) -> bool:
        """Always False to the SDK, which would activate at the start of every ``sync()``.

        The tap activates versions itself, once per stream at the clean end of the run, when
        the setting of this name is on (see versions).
        """
        return False

    @override
    def ready_to_sync(self) -> bool:
        """Skip the whole stream, with one warning per API, when its API has no session."""
        return self.tap.api_available(self.api)

    @override
    def after_sync(self) -> None:
        """After a top-level stream: report run-wide metrics and summaries, drop unused prefetches."""
        if self.parent_stream_type is not None:
            return
        self.close_run_metrics()
        self.log_summary()
        # Streams run one after another: what this one's children had prefetched and
        # nobody took (its sync failed, or a parent was dropped) is not needed.
        prefetcher = self.tap.prefetcher
        if prefetcher is not None:
            prefetcher.cancel_pending()

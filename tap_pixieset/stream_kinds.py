"""The kinds of stream the endpoints are built from, each one behaviour on the base stream.

``StudioStream`` and ``GalleryStream`` pick the API. ``ListDetailStream`` reads a list and
then each item's detail; ``DerivedStream`` takes its rows from an array in the parent's
record; ``ClientSideIncremental`` keeps a bookmark the API cannot filter by;
``SnapshotStream`` stamps a count or summary with the day it was read. Each overrides
different hooks of ``PixiesetStream``, so combining them does not depend on their order.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from typing_extensions import override

from tap_pixieset.child_ids import missing, path_fields
from tap_pixieset.client import PixiesetStream
from tap_pixieset.concurrency import context_key
from tap_pixieset.envelope import data_items, read_body
from tap_pixieset.prefetch import look_ahead
from tap_pixieset.records import to_utc_datetime
from tap_pixieset.responses import NotFound, Outcome

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class StudioStream(PixiesetStream):
    """A stream of the Studio API (``studio_base_url``, ``studio_cookie``)."""

    api = "studio"


class GalleryStream(PixiesetStream):
    """A stream of the Gallery API (``gallery_base_url``, ``gallery_cookie``)."""

    api = "gallery"


class DerivedStream(PixiesetStream):
    """Rows taken from an array inside the parent's record, with no HTTP request.

    The parent hands its current record over in ``handoff`` just before it syncs its
    children, so the context stays ids only.
    """

    #: The array field of the parent record that holds this stream's rows.
    source_field: ClassVar[str]
    #: Fields copied from the parent record into each row: row field -> parent field.
    inherited_fields: ClassVar[Mapping[str, str]] = {}
    fetches = False

    @functools.cached_property
    def parent_stream(self) -> PixiesetStream:
        """The tap's instance of this stream's parent, which hands its record over."""
        return next(
            stream
            for stream in self.tap.streams.values()
            if type(stream) is self.parent_stream_type and isinstance(stream, PixiesetStream)
        )

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Yield the rows of the parent record being synced, with the parent's fields.

        The SDK passes each row through ``post_process``, which shapes it like any other.
        """
        record = self.parent_stream.handoff or {}
        inherited = {field: record.get(source) for field, source in self.inherited_fields.items()}
        for row in record.get(self.source_field) or []:
            if isinstance(row, dict):
                yield {**row, **inherited}


class ClientSideIncremental(PixiesetStream):
    """Incremental replication done by the tap, because the API has no ``since`` filter (A11).

    The whole list is still read, but records at or below the bookmark (or ``start_date``)
    are dropped before the SDK makes their child contexts: detail and child requests are
    skipped for parents that have not changed. The API does not sort by the replication
    key, so ``is_sorted`` is False and the bookmark is only advanced when the stream
    finishes. The bookmark is read once per run, so a child stream synced once per parent
    compares every parent's rows with the same starting value.
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

    @override
    def summary_parts(self) -> list[str]:
        """The summary also says where the run started (the SDK's own line is at DEBUG)."""
        parts = super().summary_parts()
        if self.parent_stream_type is None:
            bookmark = self.bookmark(None)
            parts.append(
                f"changed since {bookmark}" if bookmark else "from the start (no bookmark yet)"
            )
        return parts

    @override
    def is_changed(self, record: Mapping[str, Any], context: Context | None) -> bool:
        """True when the record's replication value is past the bookmark (or has none)."""
        value = record.get(self.replication_key or "")
        bookmark = self.bookmark(context)
        if bookmark is None or not value:
            return True
        return str(to_utc_datetime(str(value))) > bookmark


class ListDetailStream(PixiesetStream):
    """Pages a list for ids and emits each item's detail view merged over the list item.

    Subclasses set ``detail_path`` (formatted with the list item's fields). Items the
    stream has already delivered (``is_changed``) get no detail request. A detail that
    answers 404 was deleted after it was listed: it is skipped with a warning (catalog A35).
    """

    #: Path of the detail endpoint, such as ``/templates/emails/{id}``.
    detail_path: ClassVar[str]
    #: Query parameters of the detail request.
    detail_query: ClassVar[Mapping[str, Any]] = {}

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """List items, each merged with its detail view; details fetched a few ahead.

        An item that lacks a field of ``detail_path`` is emitted as listed, without a
        detail request (see child_ids).
        """
        items = (item for item in super().get_records(context) if self.is_changed(item, context))
        prefetcher = self.tap.prefetcher
        if prefetcher is None:
            for item in items:
                yield from self._merged(item, self.fetch_detail(item, context))
            return

        def start(item: dict[str, Any]) -> tuple[Any, ...] | None:
            if self._lacks_detail_ids(item):
                return None
            key = context_key(f"{self.name}:detail", {"path": self.detail_path.format(**item)})
            prefetcher.submit(key, lambda: self.fetch_detail(item, context))
            return key

        def finish(item: dict[str, Any], key: tuple[Any, ...] | None) -> Iterable[dict[str, Any]]:
            detail = self.fetch_detail(item, context) if key is None else prefetcher.take(key)
            return self._merged(item, detail)

        yield from look_ahead(items, prefetcher.lookahead, start, finish)

    def _lacks_detail_ids(self, item: Mapping[str, Any]) -> bool:
        return bool(missing(item, path_fields(self.detail_path)))

    @staticmethod
    def _merged(item: dict[str, Any], detail: dict[str, Any] | None) -> Iterable[dict[str, Any]]:
        if detail is not None:
            yield {**item, **detail}

    def fetch_detail(
        self, item: Mapping[str, Any], context: Context | None
    ) -> dict[str, Any] | None:
        """GET one item's detail, with the stream's retries and the shared session.

        An item without the ids the detail path needs gets no request: an empty detail.
        """
        absent = missing(item, path_fields(self.detail_path))
        if absent:
            self.missing_ids.skip(absent, f"detail request ({self.detail_path})")
            return {}
        path = self.detail_path.format(**item)
        prepared = self.build_prepared_request(
            method="GET", url=self.url_base + path, params=dict(self.detail_query)
        )
        response = self.request_decorator(self._send_detail)(prepared)
        if response.status_code == 404:
            self.note_not_found(response, Outcome.SKIP)
            return None
        items = data_items(read_body(response))
        return items[0] if items and isinstance(items[0], dict) else None

    def _send_detail(self, prepared: requests.PreparedRequest) -> requests.Response:
        """Send a detail request; a 404 there is a skipped record, not a failure."""
        response = self.requests_session.send(prepared, timeout=self.timeout)
        self.check_response(response, NotFound.SKIP)
        return response


class SnapshotStream(PixiesetStream):
    """A count or summary read once per run, keyed by ``snapshot_date`` (the UTC date of the run)."""

    #: A snapshot keeps its history: older days are never deleted (see versions).
    mirrors_source = False

    @override
    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Stamp the row with today's UTC date, which is part of its primary key."""
        row["snapshot_date"] = utc_today()
        return super().post_process(row, context)


def utc_today() -> str:
    """Today's date in UTC, the ``snapshot_date`` of snapshot streams."""
    return datetime.now(timezone.utc).date().isoformat()

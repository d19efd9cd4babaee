"""Parent streams: handing ids to child streams, and fetching the children's records ahead.

A parent gives each child stream the ids its requests need (``child_context_keys``), hands
its whole current record to derived children (``handoff``), and reads no children for a
record the run does not need them for (:meth:`ParentStream.wants_children`) or for an item
that lacks an id a child's path needs (one warning per stream, never a request for
``/.../None``). With concurrency on, the children's requests for the next few records are
started on the pool while earlier records are emitted (``prefetch.look_ahead``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from typing_extensions import override

from tap_pixieset.child_ids import MissingIdWarning, missing, path_fields
from tap_pixieset.concurrency import context_key
from tap_pixieset.prefetch import look_ahead
from tap_pixieset.run_metrics import MeteredStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class ParentStream(MeteredStream):
    """A stream whose records may have child streams (every stream can be one)."""

    #: Context handed to child streams: context key -> field of this stream's record.
    #: Contexts carry ids only: they end up in logs and, for partitioned streams, in state.
    child_context_keys: ClassVar[Mapping[str, str]] = {}
    #: False for streams that make no request of their own (derived from the parent record).
    fetches: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The record whose children are being synced; derived streams read their rows from it.
        self.handoff: dict[str, Any] | None = None
        self.missing_ids = MissingIdWarning(self.name, self.logger)

    def is_changed(self, record: Mapping[str, Any], context: Context | None) -> bool:
        """Whether a record is new to this run; streams with a bookmark say no at or below it."""
        return True

    def child_context(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Ids for the child streams, per ``child_context_keys``."""
        return {key: record.get(field) for key, field in self.child_context_keys.items()}

    @override
    def get_child_context(self, record: dict[str, Any], context: Context | None) -> dict[str, Any]:
        """Hand the record to derived children, and give every child the parent's ids."""
        self.handoff = record
        return self.child_context(record)

    @functools.cached_property
    def syncs_children(self) -> bool:
        """Whether any child stream (or one of its descendants) is selected this run."""
        return any(child.selected or child.has_selected_descendents for child in self.child_streams)

    @override
    def generate_child_contexts(
        self, record: dict[str, Any], context: Context | None
    ) -> Iterable[dict[str, Any] | None]:
        """The children's context of a record whose children are read this run.

        None when no child is selected (the SDK would build one per record and find nothing
        to sync), when the freshness plan leaves the parent out (:meth:`wants_children`),
        or when the item lacks an id its children are requested by.
        """
        if not self.syncs_children or not self.wants_children(record, context):
            return ()
        ids = self.get_child_context(record, context)
        absent = self.absent_child_ids(ids)
        if absent:
            names = sorted(child.name for child in self.child_streams if child.selected)
            fields = [self.child_context_keys.get(key, key) for key in absent]
            self.missing_ids.skip(fields, f"child stream(s) {', '.join(names) or '(none)'}")
            return ()
        return (ids,)

    def wants_children(self, record: Mapping[str, Any], context: Context | None) -> bool:
        """Whether this record's children are read this run (see bounded.BoundedParent)."""
        return self.is_changed(record, context)

    def absent_child_ids(self, ids: Mapping[str, Any]) -> list[str]:
        """The ids in ``ids`` that a child's request path needs but the item lacks."""
        paths = (getattr(child, "path", None) or "" for child in self.child_streams)
        needed = {field for path in paths for field in path_fields(path)}
        return missing(ids, [name for name in ids if name in needed])

    # -- reading, with children fetched ahead -------------------------------------------

    def prefetchable_children(self) -> list[ParentStream]:
        """Child streams whose requests the pool may start ahead of the SDK asking."""
        return [
            child
            for child in self.child_streams
            if isinstance(child, ParentStream)
            and child.fetches
            and (child.selected or child.has_selected_descendents)
            and self.tap.api_configured(child.api)
        ]

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of this stream, with their children's requests started a few ahead."""
        records = self.request_records(context)
        prefetcher = self.tap.prefetcher
        children = self.prefetchable_children() if prefetcher is not None else []
        if prefetcher is None or not children:
            yield from records
            return

        def start(record: dict[str, Any]) -> None:
            # The SDK builds child contexts from post-processed records, which may have
            # gained parent ids from the context; raw record over context gives the same ids.
            ids = self.child_context({**(context or {}), **record})
            if self.absent_child_ids(ids) or not self.wants_children(record, context):
                return
            for child in children:
                prefetcher.submit(context_key(child.name, ids), _fetch_all(child, ids))

        yield from look_ahead(records, prefetcher.lookahead, start, lambda record, _: (record,))

    @override
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
        """Request the records of one context from the API (the base stream reads the list)."""
        raise NotImplementedError


def _fetch_all(stream: ParentStream, context: Context) -> Callable[[], list[dict[str, Any]]]:
    """A fetch for the pool: every record of ``stream`` for one parent's ``context``."""
    return lambda: list(stream.fetch_records(context))

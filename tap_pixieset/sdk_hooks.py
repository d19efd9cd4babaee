"""Every override of a private or final part of singer-sdk, in one place, each with its reason.

The tap otherwise uses the SDK's public hooks only. What is here has no public hook in
singer-sdk 0.54, and each entry is guarded by ``tests/test_sdk_hooks.py``, which fails
loudly when the SDK changes under it (a symbol renamed, a signature changed, a message
reworded). When an entry's guard fails, read the SDK's changelog for the public way to do
the same and move to it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Generator
from typing import Any

from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams import RESTStream
from typing_extensions import override

# -- Stream-level ---------------------------------------------------------------------------

#: The SDK's announcement of every sync, which it makes once per parent record for a child
#: stream: per-parent detail, so it goes to DEBUG for child streams.
SYNC_ANNOUNCEMENT = "Beginning sync of"


class HookedStream(RESTStream[Any]):
    """The base of every tap stream: the SDK overrides that no public hook can replace.

    Subclasses answer :meth:`ready_to_sync` and :meth:`after_sync` instead of touching
    ``sync`` themselves.
    """

    #: Private SDK switch: per-request METRIC lines name the endpoint, never the URL, whose
    #: query can carry filters. (No public setting exists.)
    _LOG_REQUEST_METRIC_URLS = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schema_written = False
        if self.parent_stream_type is not None:
            # Private SDK switch: a child stream would log one METRIC line per request, so
            # one per parent; its run-wide request counter reports them all at once
            # (run_metrics). No public setting turns the per-request line off per stream.
            self._LOG_REQUEST_METRICS = False

    @property
    def tap(self) -> Any:
        """The tap this stream belongs to (the SDK keeps it in a private attribute only)."""
        return self._tap

    def ready_to_sync(self) -> bool:
        """Whether this stream syncs at all this run (checked before anything is written)."""
        return True

    def after_sync(self) -> None:
        """Called when one ``sync`` call ends, cleanly or not."""

    @override  # type: ignore[misc]  # final in the SDK: see the docstring
    def sync(self, context: Any = None) -> None:
        """Final in the SDK; wrapped so a stream can be skipped whole and tidied after.

        A stream whose API has no session must write nothing at all: not its SCHEMA, not
        its STATE. The SDK offers no public hook that runs before ``sync`` writes them.
        """
        if not self.ready_to_sync():
            return
        try:
            super().sync(context)
        finally:
            self.after_sync()

    @override
    def _write_schema_message(self) -> None:
        """Write the SCHEMA once per run, not once per parent record.

        The SDK syncs a child stream once per parent record and writes its SCHEMA each
        time; many loaders flush their batch on every SCHEMA, which turns a child table
        into thousands of one-row loads.
        """
        if self._schema_written:
            return
        self._schema_written = True
        super()._write_schema_message()

    @override
    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        """Send the SDK's per-parent sync announcement of a child stream to DEBUG.

        Public, but it works by the SDK's message text (guarded by the tests).
        """
        if self.parent_stream_type is not None and message.startswith(SYNC_ANNOUNCEMENT):
            level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)

    @functools.cached_property
    def every_field_selected(self) -> bool:
        """Whether the catalog selects every property of this stream (the usual case)."""
        return all(self.mask.values())

    @override
    def _generate_record_messages(
        self, record: dict[str, Any]
    ) -> Generator[RecordMessage, None, None]:
        """The SDK's RECORD messages, without its selection pass when nothing is deselected.

        The SDK walks every record, nested objects included, to pop deselected properties,
        even when every property is selected: about a sixth of the tap's CPU per list
        record. When the catalog deselects nothing, and type conformance is off (the
        shaper has done it), the messages are built here exactly as the SDK builds them
        otherwise. No public hook sits between the record and that pass.
        """
        if (
            not self.every_field_selected
            or self.TYPE_CONFORMANCE_LEVEL != TypeConformanceLevel.NONE
        ):
            yield from super()._generate_record_messages(record)
            return
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=utc_now(),
                )

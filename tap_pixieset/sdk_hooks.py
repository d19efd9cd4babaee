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
from datetime import datetime, timezone
from typing import Any

from singer_sdk import Tap
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams import RESTStream, Stream
from typing_extensions import override

# -- Stream-level ---------------------------------------------------------------------------

#: The SDK's announcement of every sync, which it makes once per parent record for a child
#: stream.
SYNC_ANNOUNCEMENT = "Beginning sync of"

#: SDK log lines that are per-parent or routine detail: shown at DEBUG, not at their own level.
#: At INFO each stream says once what it did instead (run_metrics.MeteredStream.log_summary).
#: Matched by the start of the SDK's message text, which tests/test_sdk_hooks.py guards.
ROUTINE_SDK_MESSAGES = (
    SYNC_ANNOUNCEMENT,  # every sync call: once per parent record for a child stream
    "Starting incremental sync of",  # likewise, with the bookmark (named in the summary)
    "Pagination stopped after",  # every list whose last page is empty, so every empty child
    "Added '%s' as child stream to",  # start-up: the tree of streams, one line per child
    # Every clean run of a client-side incremental stream (WARNING in the SDK): nothing to act
    # on, the bookmark only advances when the stream has been read whole (decision 24).
    "Stream is assumed to be unsorted",
)


class RoutineToDebug(logging.Filter):
    """Shows the SDK's routine lines (``ROUTINE_SDK_MESSAGES``) at DEBUG, and only then.

    A logger filter, so it needs no handler of ours: a demoted line is dropped when its
    logger is not enabled for DEBUG, and otherwise passed on with its level set to DEBUG.
    """

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        """Demote or drop a routine SDK line; pass every other line unchanged."""
        if record.levelno <= logging.DEBUG or not isinstance(record.msg, str):
            return True
        if not record.msg.startswith(ROUTINE_SDK_MESSAGES):
            return True
        if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return True


_ROUTINE_TO_DEBUG = RoutineToDebug()


def quiet_routine_lines(*loggers: logging.Logger) -> None:
    """Send the SDK's routine lines on ``loggers`` to DEBUG (idempotent)."""
    for logger in loggers:
        if _ROUTINE_TO_DEBUG not in logger.filters:
            logger.addFilter(_ROUTINE_TO_DEBUG)


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
        quiet_routine_lines(self.logger)
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

    @functools.cached_property
    def every_field_selected(self) -> bool:
        """Whether the catalog selects every property of this stream (the usual case)."""
        return all(self.mask.values())

    @override
    def _generate_record_messages(
        self, record: dict[str, Any]
    ) -> Generator[RecordMessage, None, None]:
        """The SDK's RECORD messages, without its selection pass when nothing is deselected.

        Reason: the SDK walks every record, nested objects included, to pop deselected
        properties, even when every property is selected: the largest per-record cost left
        (docs/decisions.md, 47). When the catalog deselects nothing and type conformance is
        off (the shaper has done it), the messages are built here exactly as the SDK builds
        them otherwise. No public hook sits between the record and that pass.
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
                    time_extracted=datetime.now(timezone.utc),
                )


# -- Deletions: ACTIVATE_VERSION (helper `deletions`; used by tap_pixieset/versions.py) --------


def set_record_version(stream: Stream, version: int) -> None:
    """Make every RECORD of ``stream`` carry ``version``.

    Reason: the SDK stamps records with the private ``_stream_version``, which it sets only
    where it also writes ACTIVATE_VERSION at the start of each ``sync()`` call (before the
    new rows; once per parent for a child stream). The tap activates once, at the clean end
    of the run, so it sets the version itself and keeps the SDK's own emission off.
    """
    stream._stream_version = version


def write_activate_version(stream: Stream, version: int) -> None:
    """Write ACTIVATE_VERSION for ``stream`` under each of its stream-map aliases.

    Reason: ``_write_activate_version_message`` is the SDK's one writer of the message that
    honours stream maps (aliases, streams removed by a map); there is no public one.
    """
    stream._write_activate_version_message(version)


def write_schema_once(stream: Stream) -> None:
    """Write the stream's SCHEMA unless this run already did (HookedStream dedups it).

    Reason: a loader refuses ACTIVATE_VERSION for a stream whose SCHEMA it has not seen, and
    a child stream whose parents had no rows this run never wrote one.
    """
    stream._write_schema_message()


# -- Tap-level ------------------------------------------------------------------------------


class HookedTap(Tap):
    """The tap's base: the SDK overrides that no public hook can replace.

    Subclasses answer :meth:`before_sync_all`, :meth:`after_sync_all` and
    :meth:`on_termination`.
    """

    def before_sync_all(self) -> None:
        """Called before any stream syncs."""

    def after_sync_all(self) -> None:
        """Called after every selected stream synced without an error (not after a failure)."""

    def on_termination(self, signum: int) -> None:
        """Called on SIGTERM or SIGINT instead of the SDK's handler, which exits 0."""

    @override  # type: ignore[misc]  # final in the SDK: see the docstring
    def sync_all(self) -> None:
        """Final in the SDK; wrapped so the tap can act once the whole run finished cleanly.

        Reason: ACTIVATE_VERSION may only be written after every stream read to the end, and
        the SDK has no public hook at the end of a run (nor at its start).
        """
        self.before_sync_all()
        super().sync_all()
        self.after_sync_all()

    @override
    def _handle_termination(self, signum: int, frame: Any) -> None:
        """Private in the SDK, which registers it for SIGTERM and SIGINT and exits 0 there.

        An orchestrator must see an interrupted sync fail, and the tap must stop its
        requests first; no public hook runs on a signal.
        """
        self.on_termination(signum)

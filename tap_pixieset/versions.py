"""Deletions through ACTIVATE_VERSION: one table version per run, activated only at its clean end.

A FULL_TABLE stream re-emits every record each run. When ``emit_activate_version_messages``
is on, every record of such a stream carries this run's version, and an ACTIVATE_VERSION
message tells the loader that rows of older versions are gone from the source: target-postgres
then deletes them (``hard_delete: true``) or stamps ``_sdc_deleted_at``.

The SDK writes ACTIVATE_VERSION at the start of every ``sync()`` call: before the new rows,
and once per parent for a child stream. A loader acting on it would delete before the rows
arrive, and an interrupted run would delete rows that still exist. Here instead:

* the version is the run's start in epoch milliseconds, the same for every stream and for
  every parent of a child stream, so a later parent never deletes an earlier one's rows;
* ACTIVATE_VERSION is written once per stream, after the whole run finished cleanly: a
  run that fails or is killed writes none, so it deletes nothing;
* only streams that see the whole source set every run may delete: FULL_TABLE streams
  whose ancestors are all FULL_TABLE too (the children of an incremental stream are only
  read for changed parents), that are not daily snapshots (a snapshot keeps its history),
  and whose read this run was complete (see :func:`read_was_complete`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tap_pixieset import sdk_hooks

if TYPE_CHECKING:
    from singer_sdk.streams import Stream

FULL_TABLE = "FULL_TABLE"
SETTING = "emit_activate_version_messages"


def deletions_enabled(config: Any) -> bool:
    """True when the ``emit_activate_version_messages`` setting is on."""
    return bool(config.get(SETTING))


def lineage(stream: Stream, streams: Mapping[str, Stream]) -> list[Stream]:
    """The stream and its ancestors (looked up in the tap's ``streams``), nearest first."""
    chain = [stream]
    parent = stream.parent_stream_type
    while parent is not None:
        ancestor = next(s for s in streams.values() if type(s) is parent)
        chain.append(ancestor)
        parent = ancestor.parent_stream_type
    return chain


def may_delete(stream: Stream, streams: Mapping[str, Stream]) -> bool:
    """True when the stream's rows can be versioned: it and its ancestors mirror the source."""
    return all(
        s.replication_method == FULL_TABLE and getattr(s, "mirrors_source", True)
        for s in lineage(stream, streams)
    )


def read_was_complete(stream: Stream, streams: Mapping[str, Stream]) -> bool:
    """True when this run read the whole source set of the stream and of its ancestors.

    Not so when a stream set ``incomplete_reason`` (quotes with the probe off, collections
    read from a configured or derived list of ids) or its endpoint answered that it does not
    exist on this account (``endpoint_absent``: an empty read that proves nothing).
    """
    return not any(
        getattr(s, "incomplete_reason", None) or getattr(s, "endpoint_absent", False)
        for s in lineage(stream, streams)
    )


def bounded_version(stream: Stream, streams: Mapping[str, Stream]) -> int | None:
    """The older version a stream read in part by bounded freshness may still activate.

    Every stream of the lineage that did not read its whole source set must have been cut
    short by the freshness plan alone (which sets ``bounded_version``: the oldest version
    every still-listed parent's children were re-emitted with, see freshness); then the
    oldest of those versions deletes only rows no parent has re-emitted since. None when
    anything else made the read incomplete.
    """
    chain = lineage(stream, streams)
    if any(getattr(s, "endpoint_absent", False) for s in chain):
        return None
    versions = []
    for s in chain:
        if getattr(s, "incomplete_reason", None) is None:
            continue
        version = getattr(s, "bounded_version", None)
        if version is None:
            return None
        versions.append(version)
    return min(versions) if versions else None


class TableVersions:
    """The run's table version, handed to streams before they sync and activated at the end."""

    @classmethod
    def for_run(
        cls, config: Any, version: int, streams: Mapping[str, Stream]
    ) -> TableVersions | None:
        """The run's versions, already stamped on the streams; None when deletions are off."""
        if not deletions_enabled(config):
            return None
        versions = cls(version, streams)
        versions.stamp()
        return versions

    def __init__(self, version: int, streams: Mapping[str, Stream]) -> None:
        self.version = version
        self.streams = streams
        #: The streams that carry the version (set by :meth:`stamp`).
        self.stamped: list[Stream] = []

    def stamp(self) -> None:
        """Give every stream that may delete this run's version, before any of them syncs."""
        self.stamped = [s for s in self.streams.values() if may_delete(s, self.streams)]
        for stream in self.stamped:
            sdk_hooks.set_record_version(stream, self.version)

    def activate(self, logger: logging.Logger) -> list[str]:
        """Write ACTIVATE_VERSION for each stream that may delete; return their names.

        Called only after every stream synced without an error. A stream activates when it
        is selected, its top-level ancestor synced (its API had a session), and it and its
        ancestors read their whole source set. A child never synced because its parents had
        no rows still activates: its old rows belong to parents that are gone.
        """
        activated = []
        for stream in self.stamped:
            root = lineage(stream, self.streams)[-1]
            ran = getattr(root, "ready_to_sync", lambda: True)()
            if not stream.selected or not ran:
                continue
            version = self.version
            if not read_was_complete(stream, self.streams):
                bounded = bounded_version(stream, self.streams)
                if bounded is None:
                    continue
                version = bounded
                logger.info(
                    "Deletions: stream '%s' was read in part (bounded freshness): "
                    "ACTIVATE_VERSION %d, the oldest version all its listed parents' rows carry.",
                    stream.name,
                    version,
                )
            sdk_hooks.write_schema_once(stream)
            sdk_hooks.write_activate_version(stream, version)
            activated.append(stream.name)
        logger.info(
            "Deletions: ACTIVATE_VERSION %d written for %d stream(s): %s.",
            self.version,
            len(activated),
            ", ".join(activated) or "none",
        )
        return activated

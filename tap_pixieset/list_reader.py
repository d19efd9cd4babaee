"""Reading a paginated list whole while it may change: page drift and duplicate dropping.

Records inserted or deleted while a list is paged shift every later item by one place. An
insert pushes an item already read onto the next page (a duplicate, dropped here by
primary key); a delete pulls an unread item back onto a page already read, where the tap
would never see it. So after each read the reader checks that the list held still (its
reported size never changed, it did not end before the page its counts announced, no item
turned up twice) and otherwise reads it again, emitting only what it had not emitted yet.
A list that reports no size is confirmed by a second read with the same keys, when it
needed more than one page. See docs/decisions.md, "Page drift", for what this guarantees.

Keys are kept as 96-bit digests (small integers), not as the ids themselves: about 60
bytes a record per set instead of about 190, and never more records than the list bound
(see pagination.page_bound) allows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: How often a paginated list is read before the tap gives up on seeing it hold still.
MAX_LIST_READS = 3


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest(), "big")


def content_key(record: Mapping[str, Any]) -> int:
    """A digest of the whole item, for items whose primary key cannot be read from the item."""
    return _digest("\x00" + json.dumps(record, sort_keys=True, default=str, ensure_ascii=False))


def dedupe_key(
    record: Mapping[str, Any], primary_keys: Sequence[str], context: Mapping[str, Any] | None
) -> Hashable:
    """The primary key of an API item, for dropping repeats within one list read.

    Key fields that the item lacks are taken from the context (parent ids). When a key is
    still missing (the stream computes it later, or has none), the whole item's digest
    stands in: a repeat caused by a shifted page is the identical item.
    """
    values: list[str] = []
    for field in primary_keys:
        value = record.get(field)
        if value is None and context:
            value = context.get(field)
        if value is None:
            return content_key(record)
        values.append(str(value))  # Gallery ids may come as numbers or strings
    # Unit separators keep ("a b", "c") and ("a", "b c") apart.
    return _digest("\x1f".join(values)) if values else content_key(record)


def unsettled_reason(
    paginator: Any, keys: set[Hashable], previous: set[Hashable] | None, repeated: int
) -> str | None:
    """Why the read just finished may have missed a record, or None when it cannot have."""
    if repeated:
        return f"{repeated} item(s) turned up twice, so records were inserted while it was read"
    if getattr(paginator, "counted", False):
        if paginator.count_changed:
            return "its reported size changed while it was read"
        if not paginator.finished:
            return "it ended before the last page its own counts announced"
        return None
    single_page = (
        paginator is None or paginator.count == 0 or (paginator.count == 1 and paginator.finished)
    )
    if single_page or keys == previous:
        return None
    if previous is None:
        return "it reports no size, so a second read confirms that nothing moved"
    return "two reads returned different records"


@dataclass
class ListReader:
    """Reads one list of one stream until it holds still, yielding each record once."""

    #: Reads the list once, all pages (the SDK's paging loop).
    read_once: Callable[[], Iterable[dict[str, Any]]]
    #: The key that identifies a record within the list.
    key_of: Callable[[Mapping[str, Any]], Hashable]
    #: The paginator of the read just finished (it recorded the list's size signals).
    paginator: Callable[[], Any]
    #: Told each time a record is dropped because it came twice within one read (an insert
    #: shifted a page). Records a later read finds again were expected and are not told.
    on_duplicate: Callable[[], None]
    #: Told each time the list is read again: True for the routine confirming read of a list
    #: without counts, False when the list changed.
    on_reread: Callable[[bool], None]
    logger: logging.Logger
    #: The list's path and its stream's name, for log lines.
    path: str
    stream: str

    def __iter__(self) -> Iterator[dict[str, Any]]:
        emitted: set[Hashable] = set()
        previous: set[Hashable] | None = None
        reason: str | None = None
        for read in range(1, MAX_LIST_READS + 1):
            keys: set[Hashable] = set()
            repeated = 0
            for record in self.read_once():
                key = self.key_of(record)
                repeat = key in keys
                repeated += repeat
                keys.add(key)
                if key in emitted:
                    if repeat:
                        self.on_duplicate()
                    continue
                emitted.add(key)
                yield record
            reason = unsettled_reason(self.paginator(), keys, previous, repeated)
            if reason is None:
                return
            if read < MAX_LIST_READS:
                # A confirming read of a list without counts is routine; a change is news.
                routine = previous is None and "no size" in reason
                log = self.logger.debug if routine else self.logger.info
                log("Reading %s again for stream '%s': %s.", self.path, self.stream, reason)
                self.on_reread(routine)
            previous = keys
        self.logger.warning(
            "The list %s of stream '%s' kept changing over %d reads (%s). Records that existed "
            "throughout were delivered unless a deletion hid one of them; the next run will "
            "deliver any such record.",
            self.path,
            self.stream,
            MAX_LIST_READS,
            reason,
        )

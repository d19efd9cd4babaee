"""Bounded freshness: read a parent's details and children only when they may have changed.

A full sync reads every list and then, for every parent (client, invoice, payment,
contract, collection...), its details and children: one request or more per parent. Most
parents do not change from one day to the next. With ``freshness_days`` set to N, a run
still reads every list in full (so every list record, and every change a list shows, is
emitted each run), but reads a parent's details and children only when:

* its list item changed since the last clean run, or it is new: the item's fingerprint
  (a digest of the item as the API sent it, combined with the items of lists tied to it,
  see below) is not among those the last clean run saw;
* its rolling turn has come: parents are spread over N buckets by a digest of their id,
  and a bucket is re-read when its last re-read is N or more UTC days old. The first run
  reads everything and then dates bucket b as read b days earlier, so that afterwards
  about one bucket in N falls due each day.

So a change a list shows reaches the warehouse the same day, and any other change (a new
download, a signature, a detail-only field) within N days, as long as the tap runs at
least daily.

A list can be tied to a parent: a client's documents are its invoices, contracts,
questionnaires and quotes, which other lists show. Their items' fingerprints are folded
into the client's, so a new or changed invoice re-reads its client's children that day.

State, per gated top-level stream, written only when the stream's read ended cleanly: the
set of fingerprints seen (6 bytes each, base64, sorted) and one date per bucket, so it
grows by 8 characters per parent: about 400 kB for 50,000 parents. A fingerprint is 48
bits: that a changed item takes an unchanged one's digest among 50,000 has odds below
one in a billion per change, and the rolling turn still catches it within N days.

Deletions: a child stream read for only some parents must not activate this run's version
(that would delete every row it skipped). Instead it may activate the oldest date among
the buckets (:meth:`ParentPlan.activation_version`): every parent still listed has had its
children re-emitted since then, so only rows of deleted parents and children are older.
That deletes a vanished child row within N days of its disappearance.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import msgspec

#: One day in milliseconds: table versions and bucket dates are epoch milliseconds.
DAY_MS = 86_400_000
#: Bytes kept of each fingerprint.
DIGEST_BYTES = 6
#: The state key, inside a gated stream's own state, that holds the plan.
STATE_KEY = "freshness"
FORMAT = 1

_PACK = msgspec.msgpack.Encoder(enc_hook=str)


def fingerprint(item: Any) -> bytes:
    """A 16-byte digest of one API item as sent (key order included: a reorder re-reads)."""
    return hashlib.blake2b(_PACK.encode(item), digest_size=16).digest()


def fold(left: bytes, right: bytes) -> bytes:
    """Combine two fingerprints regardless of order (XOR), for a parent and its tied items."""
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def bucket_of(parent_id: str, days: int) -> int:
    """The rolling bucket of a parent: a digest of its id, modulo ``days``."""
    digest = hashlib.blake2b(parent_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % days


def _digest(parent_id: str, item_fingerprint: bytes) -> bytes:
    return hashlib.blake2b(
        parent_id.encode("utf-8") + b"\0" + item_fingerprint, digest_size=DIGEST_BYTES
    ).digest()


class ParentPlan:
    """Which parents of one top-level stream get their details and children read this run."""

    def __init__(
        self,
        saved: Mapping[str, Any] | None,
        *,
        days: int,
        run_version: int,
        logger: logging.Logger | None = None,
    ) -> None:
        """Read the plan's saved state; anything unusable means "read every parent"."""
        self.days = days
        self.run_version = run_version
        self.today = run_version // DAY_MS
        self.known: frozenset[bytes] | None = None
        self.marks: list[int] | None = None
        self._seen: list[bytes] = []
        self.refreshed = 0
        self.skipped = 0
        if saved:
            try:
                self.known, self.marks = _decode(saved, days)
            except (KeyError, TypeError, ValueError) as exc:
                (logger or logging.getLogger(__name__)).warning(
                    "Ignoring the saved freshness state (%s): every parent is read this run.",
                    exc,
                )
        if self.marks is None:
            self.due = frozenset(range(days))
        else:
            self.due = frozenset(
                b for b, mark in enumerate(self.marks) if self.today - mark // DAY_MS >= days
            )

    @property
    def everything(self) -> bool:
        """True when this run reads every parent (no usable state, or every bucket due)."""
        return self.known is None or len(self.due) == self.days

    def wants(self, parent_id: str, item_fingerprint: bytes) -> bool:
        """Whether to read this parent's details and children; remembers its fingerprint."""
        digest = _digest(parent_id, item_fingerprint)
        self._seen.append(digest)
        wanted = (
            self.known is None
            or digest not in self.known
            or bucket_of(parent_id, self.days) in self.due
        )
        if wanted:
            self.refreshed += 1
        else:
            self.skipped += 1
        return wanted

    def new_marks(self) -> list[int]:
        """Bucket dates after this run: due buckets are read now; the first run staggers."""
        if self.marks is None:
            return [self.run_version - b * DAY_MS for b in range(self.days)]
        return [self.run_version if b in self.due else m for b, m in enumerate(self.marks)]

    def activation_version(self) -> int:
        """The oldest version every still-listed parent's children carry after this run."""
        return min(self.new_marks())

    def state(self) -> dict[str, Any]:
        """The state to save once the stream's read ended cleanly."""
        packed = b"".join(sorted(set(self._seen)))
        return {
            "format": FORMAT,
            "days": self.days,
            "marks": self.new_marks(),
            "fingerprints": base64.b64encode(packed).decode("ascii"),
        }

    def summary(self) -> str:
        """One line for the log: how many parents were read and why the rest were not."""
        total = self.refreshed + self.skipped
        return (
            f"read details and children of {self.refreshed} of {total} parent(s) "
            f"({len(self.due)} of {self.days} rolling bucket(s) due)"
        )


def _decode(
    saved: Mapping[str, Any], days: int
) -> tuple[frozenset[bytes] | None, list[int] | None]:
    """The fingerprints and bucket dates of a saved plan; dates are dropped if N changed."""
    if saved.get("format") != FORMAT:
        raise ValueError(f"unknown format {saved.get('format')!r}")
    packed = base64.b64decode(str(saved["fingerprints"]), validate=True)
    if len(packed) % DIGEST_BYTES:
        raise ValueError("fingerprints of the wrong length")
    known = frozenset(packed[i : i + DIGEST_BYTES] for i in range(0, len(packed), DIGEST_BYTES))
    marks = [int(m) for m in saved["marks"]]
    if saved.get("days") != days or len(marks) != days:
        return known, None  # N changed: every bucket is due once, then the new N applies
    return known, marks

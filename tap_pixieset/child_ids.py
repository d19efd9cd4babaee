"""Items that lack the id a child or detail request needs.

A child request's path is built from its parent item's ids (``/invoices/{invoice_id}``);
an item without that id must never be requested as ``/invoices/None``. The item itself is
still emitted as the API sent it (no record is dropped), its child and detail requests are
skipped, and the stream says so once, by name (docs/decisions.md, "Items without an id").
"""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Iterable, Mapping
from typing import Any


def missing(values: Mapping[str, Any], names: Iterable[str] | None = None) -> list[str]:
    """The ``names`` (default: every key) whose value is absent, null or an empty string."""
    keys = values.keys() if names is None else names
    return [name for name in keys if values.get(name) is None or values.get(name) == ""]


def path_fields(template: str) -> list[str]:
    """The field names a path template such as ``/coupons/{id}/`` is formatted with."""
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]


class MissingIdWarning:
    """Warns once per stream that items without an id get no child or detail request."""

    def __init__(self, stream: str, logger: logging.Logger) -> None:
        self.stream = stream
        self.logger = logger
        self.skipped = 0
        self._lock = threading.Lock()

    def skip(self, fields: list[str], requests: str) -> None:
        """Note one item whose ``fields`` are missing, so ``requests`` are not made for it."""
        with self._lock:
            self.skipped += 1
            first = self.skipped == 1
        if first:
            self.logger.warning(
                "Stream '%s' received an item without %s: the item is emitted as sent, but its "
                "%s cannot be requested and is skipped. Later such items of this stream are "
                "skipped the same way without another warning.",
                self.stream,
                ", ".join(f"`{field}`" for field in fields),
                requests,
            )

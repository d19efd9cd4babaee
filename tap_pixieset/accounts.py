"""Many Pixieset accounts in one warehouse: the ``account_id`` column and its guard.

When the ``account_id`` setting is set, every record carries it in the ``account_id``
column and it leads every stream's primary key, so accounts upsert side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from singer_sdk import typing as th

from tap_pixieset.errors import PixiesetUserError

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


def with_account_key(primary_keys: Sequence[str]) -> tuple[str, ...]:
    """A stream's primary key with ``account_id`` first."""
    return (ACCOUNT_COLUMN, *primary_keys)


def check_catalog_key(stream: str, primary_keys: Sequence[str] | None) -> None:
    """Refuse a catalog whose key for ``stream`` lacks ``account_id`` while it is set.

    Such a catalog was discovered before the setting was added; using it would let
    accounts overwrite each other's rows in the warehouse.
    """
    if ACCOUNT_COLUMN not in (primary_keys or ()):
        raise PixiesetUserError(
            f"The catalog's key for stream '{stream}' lacks `account_id`, but "
            "`account_id` is set: run discovery again (tap-pixieset --discover) with the "
            "same settings."
        )

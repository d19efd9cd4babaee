"""Schema building blocks shared by the stream classes.

Conventions (catalog 1.7 to 1.9): ids are strings, amounts are integers in minor units
with a ``_formatted`` display twin, date-times are UTC instants, plain dates are dates.
"""

from __future__ import annotations

from singer_sdk import typing as th

ID = th.StringType
DATETIME = th.DateTimeType
DATE = th.DateType


def money(name: str) -> list[th.Property]:
    """An amount in minor units and its display string."""
    return [th.Property(name, th.IntegerType), th.Property(f"{name}_formatted", th.StringType)]


def payload() -> th.Property:
    """The whole API item, so that nothing the API sends is lost (contract: ``payload``)."""
    return th.Property(
        "payload",
        th.ObjectType(additional_properties=True),
        description="The whole item as the API sent it.",
    )


def open_object(name: str, description: str | None = None) -> th.Property:
    """An object whose keys vary (template variables, method details, settings)."""
    return th.Property(name, th.ObjectType(additional_properties=True), description=description)


CLIENT_REF = th.ObjectType(
    th.Property("id", ID),
    th.Property("first_name", th.StringType),
    th.Property("last_name", th.StringType),
    th.Property("name", th.StringType),
    th.Property("email", th.StringType),
    th.Property("phone", th.StringType),
    additional_properties=True,
)

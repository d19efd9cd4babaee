"""The record shaper compiled once per schema: every declared field gets its one type."""

from __future__ import annotations

from singer_sdk import typing as th

from tap_pixieset.records import RecordShaper, compile_shaper

SCHEMA = th.PropertiesList(
    th.Property("id", th.StringType),
    th.Property("count", th.IntegerType),
    th.Property("paid", th.BooleanType),
    th.Property("rate", th.NumberType),
    th.Property("due_date", th.DateType),
    th.Property("created_at", th.DateTimeType),
    th.Property(
        "client",
        th.ObjectType(th.Property("id", th.StringType), th.Property("vip", th.BooleanType)),
    ),
    th.Property(
        "items",
        th.ArrayType(
            th.ObjectType(th.Property("id", th.StringType), th.Property("qty", th.IntegerType))
        ),
    ),
    th.Property("tags", th.ArrayType(th.StringType)),
).to_dict()


def test_every_declared_field_is_coerced_to_its_type():
    shaper = RecordShaper(SCHEMA)
    row = {
        "id": 12345,
        "count": "7",
        "paid": 1,
        "rate": 20,
        "due_date": "2025-03-01T23:30:00-02:00",
        "created_at": "2025-03-01T10:00:00+02:00",
        "client": {"id": 9.0, "vip": "true"},
        "items": [{"id": 1, "qty": 2.0}, "not an object"],
        "tags": [1, "a"],
    }
    assert shaper.shape(row) == {
        "id": "12345",
        "count": 7,
        "paid": True,
        "rate": 20,
        "due_date": "2025-03-02",
        "created_at": "2025-03-01T08:00:00.000000Z",
        "client": {"id": "9", "vip": True},
        "items": [{"id": "1", "qty": 2}, "not an object"],
        "tags": ["1", "a"],
    }


def test_values_of_the_right_type_none_and_absent_fields_are_left_alone():
    shaper = RecordShaper(SCHEMA)
    client = {"id": "cl_1", "vip": False}
    row = {
        "id": "in_1",
        "count": None,
        "paid": False,
        "created_at": "2025-03-01T08:00:00.000000Z",
        "client": client,
        "items": [],
    }
    shaped = shaper.shape(dict(row))
    assert shaped == row
    assert shaped["client"] is client  # shaped in place, not copied
    assert "due_date" not in shaped


def test_values_that_cannot_be_coerced_pass_through_for_the_target_to_reject():
    shaper = RecordShaper(SCHEMA)
    row = {"count": "seven", "paid": "maybe", "created_at": "yesterday", "client": "cl_1"}
    assert shaper.shape(dict(row)) == row


def test_a_schema_with_nothing_to_coerce_compiles_to_nothing():
    assert compile_shaper({"payload": {"type": ["object", "null"]}}) is None
    shaper = RecordShaper({"properties": {"payload": {"type": ["object", "null"]}}})
    assert shaper.shape({"payload": {"a": 1}}) == {"payload": {"a": 1}}

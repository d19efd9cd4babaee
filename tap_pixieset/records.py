"""Shaping API items into records that match the declared schema.

Warehouse loaders choke on values whose type wanders: Gallery ids are JSON integers but
declared strings (catalog A21), ``collect_payment`` arrives as ``1`` but is a boolean
(A24), ``due_date`` is a date on invoices and a date-time elsewhere (A23). Instead of
per-field code in each stream, a :class:`RecordShaper` reads the stream's schema once and
coerces every declared field to its one declared type. It also copies parent ids from the
context into the record and keeps the raw item as ``payload`` where a stream asks for it.

Fields the schema does not declare are never dropped: they move, as they came, into one
object column, ``undeclared_fields``, which every stream has (see
:func:`with_undeclared_column`). The shaper remembers their names for the end-of-run
schema-drift report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

Coercer = Callable[[Any], Any]
LOGGER = logging.getLogger("tap_pixieset.records")

#: The column that holds, as one object, every field of an item the schema does not declare.
UNDECLARED_COLUMN = "undeclared_fields"
_UNDECLARED_PROPERTY = {
    "type": ["object", "null"],
    "additionalProperties": True,
    "properties": {},
    "description": (
        "Fields the API sent that this stream's schema does not declare, as they came; "
        "null when there were none."
    ),
}


def with_undeclared_column(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a stream schema with the ``undeclared_fields`` object column last."""
    properties = {
        name: prop
        for name, prop in schema.get("properties", {}).items()
        if name != UNDECLARED_COLUMN
    }
    return {**schema, "properties": {**properties, UNDECLARED_COLUMN: dict(_UNDECLARED_PROPERTY)}}


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    if isinstance(declared, str):
        declared = [declared]
    found = set(declared)
    for option in schema.get("anyOf", []) or []:
        found |= _types(option)
    return found - {"null"}


def to_string(value: Any) -> Any:
    """Integers and floats become strings (numeric ids); everything else is left alone."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return value


def to_boolean(value: Any) -> Any:
    """``1``/``0`` and ``"true"``/``"false"`` become booleans."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes"}:
            return True
        if lowered in {"0", "false", "no", ""}:
            return False
    return value


def to_integer(value: Any) -> Any:
    """Numeric strings and integral floats become integers (amounts in minor units)."""
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return value
    return value


def to_utc_datetime(value: Any) -> Any:
    """Any ISO 8601 date or date-time becomes a UTC instant with a ``Z`` suffix.

    Values already in Pixieset's UTC form (``...Z``) pass through untouched, so the common
    case costs one string check.
    """
    if not isinstance(value, str) or not value or value.endswith("Z"):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_date(value: Any) -> Any:
    """A date-time becomes its UTC calendar date; a plain date passes through."""
    if not isinstance(value, str) or len(value) <= 10:
        return value
    converted = to_utc_datetime(value)
    return converted[:10] if isinstance(converted, str) else value


def _coercer_for(schema: Mapping[str, Any]) -> Coercer | None:
    """The function that coerces one value to ``schema``, or None when nothing needs doing."""
    kinds = _types(schema)
    fmt = schema.get("format")
    if kinds == {"string"}:
        if fmt == "date-time":
            return lambda v: to_utc_datetime(to_string(v))
        if fmt == "date":
            return to_date
        return to_string
    if kinds == {"boolean"}:
        return to_boolean
    if kinds == {"integer"}:
        return to_integer
    if kinds == {"object"} and schema.get("properties"):
        shape = compile_shaper(schema["properties"])
        return None if shape is None else lambda v: shape(v) if v.__class__ is dict else v
    if kinds == {"array"} and isinstance(schema.get("items"), Mapping):
        inner = _coercer_for(schema["items"])
        if inner:
            return lambda v: [inner(x) for x in v] if isinstance(v, list) else v
    return None


#: The test, per kind of coercion, that a value already has its declared type, so the
#: coercer need not be called: one class check instead of a call for nearly every value.
_ALREADY_RIGHT: dict[Coercer, str] = {
    to_string: "v.__class__ is str",
    to_boolean: "v.__class__ is bool",
    to_integer: "v.__class__ is int",
    to_date: "v.__class__ is str and len(v) <= 10",
}
_DATETIME_RIGHT = "v.__class__ is str and v[-1:] == 'Z'"


def compile_shaper(properties: Mapping[str, Any]) -> Callable[[dict[str, Any]], Any] | None:
    """One Python function that coerces, in place, every declared field of a record.

    The function is generated once per schema and has one branch per field that may need
    coercing, with the common case (the value already has its type) decided by a class
    check; a per-field loop calling a coercer for every value cost several times more.
    Field names come from the tap's own schemas and enter the code as string literals.
    Returns None when no field needs coercing.
    """
    lines = ["def shape(r):"]
    namespace: dict[str, Any] = {}
    for index, (name, prop) in enumerate(properties.items()):
        coercer = _coercer_for(prop)
        if coercer is None:
            continue
        call = f"c{index}"
        namespace[call] = coercer
        kinds, fmt = _types(prop), prop.get("format")
        if kinds == {"string"} and fmt == "date-time":
            right = _DATETIME_RIGHT
        elif kinds == {"object"}:
            right = "v.__class__ is not dict"
        else:
            right = _ALREADY_RIGHT.get(coercer, "False")
        lines += [
            f"    v = r.get({name!r})",
            f"    if v is not None and not ({right}):",
            f"        r[{name!r}] = {call}(v)",
        ]
    if len(lines) == 1:
        return None
    lines.append("    return r")
    exec(compile("\n".join(lines), "<record shaper>", "exec"), namespace)
    return namespace["shape"]  # type: ignore[no-any-return]


def _keep(record: dict[str, Any]) -> dict[str, Any]:
    return record


class RecordShaper:
    """Coerces records to one stream's schema; compiled once per stream."""

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        capture_payload: bool = False,
        stream_name: str = "",
        logger: logging.Logger | None = None,
    ) -> None:
        properties = schema.get("properties", {})
        self.declared = frozenset(properties)
        self._properties = properties
        self._coerce: Callable[[dict[str, Any]], Any] | None = None
        self.capture_payload = capture_payload and "payload" in properties
        self.keep_undeclared = UNDECLARED_COLUMN in properties
        self.stream_name = stream_name
        self.logger = logger or LOGGER
        #: Names of the undeclared fields seen so far (for the schema-drift report).
        self.undeclared_seen: set[str] = set()

    def shape(
        self, row: dict[str, Any], context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Return ``row`` coerced, with parent ids from ``context`` and ``payload``.

        Fields the schema does not declare move into ``undeclared_fields``.
        """
        if self.capture_payload and "payload" not in row:
            row["payload"] = dict(row)
        if context:
            for key, value in context.items():
                if key in self.declared and row.get(key) is None:
                    row[key] = value
        if not self.declared.issuperset(row):
            row = self._move_undeclared(row)
        elif self.keep_undeclared:
            row[UNDECLARED_COLUMN] = None
        if self._coerce is None:  # compiled on first use: most runs select few streams
            self._coerce = compile_shaper(self._properties) or _keep
        return self._coerce(row)  # type: ignore[no-any-return]

    def _move_undeclared(self, row: dict[str, Any]) -> dict[str, Any]:
        kept = {key: value for key, value in row.items() if key in self.declared}
        extra = {key: value for key, value in row.items() if key not in self.declared}
        self.undeclared_seen.update(extra)
        if self.keep_undeclared:
            kept[UNDECLARED_COLUMN] = extra or None
        return kept

    def drift_report(self) -> str | None:
        """One line naming the undeclared fields seen, or None when there were none."""
        if not self.undeclared_seen:
            return None
        where = "kept in `undeclared_fields`" if self.keep_undeclared else "left out"
        return (
            f"Schema drift in stream '{self.stream_name}': the API sent fields its schema does "
            f"not declare ({where}): {', '.join(sorted(self.undeclared_seen))}."
        )

"""How a setting is declared: its schema with the rules, and the same rules in words.

Each setting of ``settings.CONFIG_SCHEMA`` is built with :func:`setting`, which puts its
rules (``minimum``, ``maximum``, ``anyOf``, ``pattern``) in the schema and records them in
words in :data:`ALLOWED`, for the error messages and for the description's "Allowed:"
sentence (a regular expression is no message, so patterns carry their words).
"""

from __future__ import annotations

from typing import Any

#: Each setting's rules in words, completing "`name` must be ...".
ALLOWED: dict[str, str] = {}

_TYPE_WORDS = {"integer": "a whole number", "number": "a number"}

#: One HTTP header line: printable ASCII only. A cookie copied with a line break or a
#: typographic character would otherwise fail deep inside requests, echoing it.
HEADER_LINE = "^[\\x20-\\x7e]*$"
HEADER_WORDS = "a string of printable ASCII characters on one line, without a line break"
#: A base URL: ASCII without spaces, so no look-alike letter can name another host.
URL_CHARS = "^[\\x21-\\x7e]*$"
URL_WORDS = (
    "a string of printable ASCII characters without spaces (write an international domain "
    "name in its xn-- form)"
)


def _number(value: float) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)


def numeric_words(schema: dict[str, Any]) -> str:
    """The rules of a number setting in words, from its schema alone.

    For example ``{"type": "integer", "minimum": 1, "maximum": 100}`` gives
    "a whole number from 1 to 100". Each ``anyOf`` branch is one alternative.
    """
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    noun = _TYPE_WORDS[next(k for k in kinds if k != "null")]
    alternatives = []
    for branch in schema.get("anyOf", [{}]):
        if "const" in branch:
            alternatives.append(_number(branch["const"]))
            continue
        bounds = {**schema, **branch}
        low = bounds.get("minimum")
        high = bounds.get("maximum")
        above = bounds.get("exclusiveMinimum")
        if low is not None and high is not None:
            alternatives.append(f"{noun} from {_number(low)} to {_number(high)}")
        elif above is not None and high is not None:
            alternatives.append(f"{noun} above {_number(above)}, at most {_number(high)}")
        elif low is not None:
            alternatives.append(f"{noun} of at least {_number(low)}")
        elif high is not None:
            alternatives.append(f"{noun} of at most {_number(high)}")
        else:
            alternatives.append(noun)
    return ", or ".join(alternatives)


def setting(
    name: str,
    kind: str,
    *,
    title: str,
    description: str,
    default: Any = None,
    secret: bool = False,
    allowed: str | None = None,
    **rules: Any,
) -> tuple[str, dict[str, Any]]:
    """One setting's schema; every setting is optional, so its type admits null."""
    schema: dict[str, Any] = {"type": [kind, "null"], **rules, "title": title}
    if default is not None:
        schema["default"] = default
    if kind in ("integer", "number"):
        allowed = numeric_words(schema)
    if allowed:
        ALLOWED[name] = allowed
        description += f" Allowed: {allowed}."
    schema["description"] = description
    if secret:
        schema.update(secret=True, writeOnly=True)
    return name, schema


def strings(**rules: Any) -> dict[str, Any]:
    """The schema of a list item that is a string, with its rules."""
    return {"type": ["string"], **rules}

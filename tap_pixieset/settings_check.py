"""Start-up checks of the settings: one line per problem, naming the setting, never its value.

:func:`check_settings` validates a config against the settings schema (types, ranges,
patterns; ``CONFIG_SCHEMA`` plus the SDK's own settings) and then applies the rules a schema
cannot state: how settings combine, what a cookie looks like, what makes a base URL safe to
send a session to. A value is never quoted, since it may be a secret; messages are built from
the setting's name and its rules only (:data:`tap_pixieset.settings.ALLOWED`).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from jsonschema import ValidationError, validators
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR

from tap_pixieset.auth import is_loopback
from tap_pixieset.settings import ALLOWED, DEFAULT_GALLERY_BASE_URL, DEFAULT_STUDIO_BASE_URL

#: Deeper values are refused before validation, which recurses once per level.
MAX_NESTING = 32

_TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "empty",
}

_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")


def _is_whole_number(_checker: object, instance: object) -> bool:
    # Not 5.0: a page size of 5.0 would be sent as "5.0". Not True either.
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_finite_number(_checker: object, instance: object) -> bool:
    # NaN passes every minimum and maximum (each comparison is false), so it is no number here.
    if isinstance(instance, bool):
        return False
    if isinstance(instance, Decimal):  # how the SDK reads fractions from config files
        return instance.is_finite()
    if isinstance(instance, float):
        return math.isfinite(instance)
    return isinstance(instance, int)


def _whole_input_pattern(
    _validator: Any, pattern: str, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``pattern`` with ECMA 262's ``$``, which ends the input.

    Python's ``$`` also matches before a final line break, so ``^[a-z]+$`` would let
    "acct" followed by a line break through. Every pattern of the settings schema ends in ``$``.
    """
    if not isinstance(instance, str):
        return
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    if not re.search(pattern, instance):
        yield ValidationError("does not match the setting's pattern")


SettingsValidator = validators.extend(
    DEFAULT_JSONSCHEMA_VALIDATOR,
    validators={"pattern": _whole_input_pattern},
    type_checker=DEFAULT_JSONSCHEMA_VALIDATOR.TYPE_CHECKER.redefine_many(
        {"integer": _is_whole_number, "number": _is_finite_number}
    ),
)


def check_settings(config: Mapping[str, Any], schema: dict[str, Any]) -> list[str]:
    """Return one line per problem in ``config``; an empty list means it is usable.

    ``schema`` is the full settings schema (the tap's and the SDK's settings). At most one
    line names each setting; rules across settings are checked for settings that passed.
    """
    problems: dict[str, str] = {}
    for name, value in config.items():
        if _depth(value) > MAX_NESTING:
            problems[name] = f"`{name}` is nested more than {MAX_NESTING} levels deep."
    checkable = {k: v for k, v in config.items() if k not in problems}
    for error in SettingsValidator(schema).iter_errors(checkable):
        path = [str(part) for part in error.absolute_path]
        key = path[0] if path else ""
        if key not in problems:
            problems[key] = describe(path, error)
    good = {k: v for k, v in config.items() if k not in problems and v is not None}
    present = {k for k, v in config.items() if v is not None}
    for key, problem in _rule_problems(good, present):
        problems.setdefault(key, problem)
    return list(problems.values())


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def describe(path: list[str], error: ValidationError) -> str:
    """One line for a schema violation at ``path``, from names and rules alone, never values."""
    validator, expected = str(error.validator), error.validator_value
    if path and path[0] in ALLOWED:
        return f"`{path[0]}` must be {ALLOWED[path[0]]}."
    name = ".".join(path) or "the configuration"
    if validator == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_TYPE_WORDS.get(k, k) for k in kinds if k != "null")
        return f"`{name}` must be {words or 'empty'}."
    if validator == "enum":
        return f"`{name}` must be one of: {', '.join(str(v) for v in expected)}."
    if validator in ("minimum", "exclusiveMinimum"):
        return f"`{name}` must be at least {expected}."
    if validator in ("maximum", "exclusiveMaximum"):
        return f"`{name}` must be at most {expected}."
    if validator == "required":
        return f"`{name}` lacks {', '.join(f'`{field}`' for field in expected)}."
    return f"`{name}` is not valid (it breaks the schema's `{validator}` rule)."


# -- rules across settings, and what a schema cannot say ----------------------------------


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _rule_problems(config: Mapping[str, Any], present: set[str]) -> Iterator[tuple[str, str]]:
    """Problems of settings that each passed the schema, keyed by the setting they name.

    ``present`` names every setting given, including those with a problem of their own,
    which the rules across settings count as given.
    """
    for name in ("studio_cookie", "gallery_cookie", "csrf_token", "email", "password"):
        if _blank(config.get(name)):
            yield name, f"`{name}` is empty; remove it or give it a value."
    yield from _login_problems(config, present)
    yield from _cookie_problems(config, present)
    for name in ("studio_base_url", "gallery_base_url"):
        if isinstance(config.get(name), str):
            problem = url_problem(name, config[name])
            if problem:
                yield name, problem
    yield from _deletion_problems(config)
    start = config.get("start_date")
    if isinstance(start, str):
        try:
            datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            yield "start_date", f"`start_date` must be {ALLOWED['start_date']}."


def _login_problems(config: Mapping[str, Any], present: set[str]) -> Iterator[tuple[str, str]]:
    if "password" in present and "email" not in present:
        yield "password", "`password` is set without `email`; set both to log in, or neither."
    if "email" in present and "password" not in present:
        yield "email", "`email` is set without `password`; set both to log in, or neither."
    email = config.get("email")
    if isinstance(email, str) and email.strip() and "@" not in email:
        yield "email", "`email` does not look like an email address."


def _deletion_problems(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Deletions with ``account_id`` need a schema per account (loaders delete table-wide)."""
    shared = config.get("account_has_own_schema") is not True
    if config.get("account_id") and config.get("emit_activate_version_messages") is True and shared:
        yield (
            "account_has_own_schema",
            "`emit_activate_version_messages` with `account_id` would let this account's run "
            "delete other accounts' rows, because loaders apply ACTIVATE_VERSION to a whole "
            "table. Load each account into its own schema (as meltano.yml's prod environment "
            "and the Airflow DAG do) and set `account_has_own_schema: true`, or turn "
            "`emit_activate_version_messages` off.",
        )


def _cookie_problems(config: Mapping[str, Any], present: set[str]) -> Iterator[tuple[str, str]]:
    for name in ("studio_cookie", "gallery_cookie"):
        value = config.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()
        if value.lower().startswith("cookie:"):
            yield name, f"`{name}` starts with 'Cookie:'; copy only the value after it."
        elif "=" not in value:
            yield (
                name,
                f"`{name}` does not look like a Cookie header (expected name=value pairs "
                "separated by '; ', as copied from the browser).",
            )
    # A setting that is present but unusable has its own line; this is for none at all.
    if not present & {"studio_cookie", "gallery_cookie", "email", "password"}:
        yield (
            "studio_cookie",
            "No session configured: set `studio_cookie` and/or `gallery_cookie` "
            "(copied from a logged-in browser), or `email` and `password`.",
        )


def url_problem(name: str, value: str) -> str | None:
    """Why ``value`` cannot be the base URL setting ``name``, or None when it can."""
    example = DEFAULT_STUDIO_BASE_URL if "studio" in name else DEFAULT_GALLERY_BASE_URL
    if not value.strip():
        return f"`{name}` must be a URL such as {example}."
    invalid = f"`{name}` is not a valid http(s) URL; use a full URL such as {example}."
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed IPv6 bracket, for one
        return invalid
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return invalid
    if parts.username is not None or parts.password is not None:
        return f"`{name}` must not contain credentials; use `email`/`password` or a cookie setting."
    if parts.query or parts.fragment:
        return f"`{name}` must not have a query string or fragment."
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return f"`{name}` has a port that is not a number from 1 to 65535."
    if not _valid_host(parts.hostname):
        return f"`{name}` does not name a valid host; check the part after '//'."
    if parts.scheme != "https" and not is_loopback(parts.hostname):
        return (
            f"`{name}` must use https (plain http is only allowed for loopback addresses "
            "such as the local simulator)."
        )
    return None


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(_HOST_LABEL.match(label) for label in name.split("."))

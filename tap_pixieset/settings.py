"""The tap's settings: one JSON schema, and start-up checks that name each problem.

``CONFIG_SCHEMA`` is the single definition of every setting; ``meltano.yml``, the Hub
plugin definition and the README table are checked against it by the tests.
:func:`validate_settings` turns a bad config into one line per problem, naming the
setting and the fix and never echoing a value (a value may be a secret).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from singer_sdk import typing as th

from tap_pixieset.auth import is_loopback

DEFAULT_STUDIO_BASE_URL = "https://studio.pixieset.com/api/v1"
DEFAULT_GALLERY_BASE_URL = "https://galleries.pixieset.com/api/v1"
MAX_PAGE_SIZE = 100

SECRET_SETTINGS = ("studio_cookie", "gallery_cookie", "csrf_token", "password")

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "studio_cookie",
        th.StringType,
        secret=True,
        title="Studio Cookie",
        description=(
            "The Cookie header value for the Studio API, copied from a logged-in browser "
            "(DevTools > Network > any request to studio.pixieset.com > Request Headers > Cookie)."
        ),
    ),
    th.Property(
        "gallery_cookie",
        th.StringType,
        secret=True,
        title="Gallery Cookie",
        description="The Cookie header value for the Gallery API (galleries.pixieset.com), copied the same way.",
    ),
    th.Property(
        "csrf_token",
        th.StringType,
        secret=True,
        title="CSRF Token",
        description="Optional X-CSRF-Token header value. A read-only tap rarely needs it.",
    ),
    th.Property(
        "email",
        th.StringType,
        title="Email",
        description=(
            "Account email. With `password`, the tap logs in by itself on each host it needs "
            "and logs in again when a session expires mid-sync."
        ),
    ),
    th.Property(
        "password",
        th.StringType,
        secret=True,
        title="Password",
        description="Account password, used only with `email`.",
    ),
    th.Property(
        "studio_base_url",
        th.StringType,
        default=DEFAULT_STUDIO_BASE_URL,
        title="Studio Base URL",
        description="Base URL of the Studio API. Must be https, except on a loopback address (the simulator).",
    ),
    th.Property(
        "gallery_base_url",
        th.StringType,
        default=DEFAULT_GALLERY_BASE_URL,
        title="Gallery Base URL",
        description="Base URL of the Gallery API. Must be https, except on a loopback address (the simulator).",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        title="Start Date",
        description="Lower bound for the incremental streams: records changed before it are not emitted.",
    ),
    th.Property(
        "page_size",
        th.IntegerType,
        default=MAX_PAGE_SIZE,
        title="Page Size",
        description="Items per page on paginated endpoints, 1 to 100 (the documented maximum).",
    ),
    th.Property(
        "max_requests_per_second",
        th.NumberType,
        default=4,
        title="Max Requests Per Second",
        description=(
            "Client-side rate limit per API host, shared by all streams of that host. "
            "Pixieset documents no limits, so the default is conservative. 0 disables it."
        ),
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=5,
        title="Max Retries",
        description=(
            "Retries of a request after a 429, a 500/502/503/504, a connection error, a timeout "
            "or a truncated body, before the sync stops with an error naming the endpoint."
        ),
    ),
    th.Property(
        "backoff_base_seconds",
        th.NumberType,
        default=1.0,
        title="Backoff Base Seconds",
        description=(
            "Nominal first wait of the exponential backoff: doubled each retry, capped at 60 s, "
            "jittered between half and all of it. A `Retry-After` from the server (up to 300 s) "
            "is always waited at least."
        ),
    ),
    th.Property(
        "request_timeout",
        th.IntegerType,
        default=60,
        title="Request Timeout",
        description=(
            "Seconds to wait to connect, and for each part of an answer, before the request "
            "is retried."
        ),
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        default=4,
        title="Max Concurrency",
        description=(
            "Child and detail requests fetched at once (1 = sequential). Output order and state "
            "are the same either way; the rate limit still applies."
        ),
    ),
    th.Property(
        "client_types",
        th.ArrayType(th.StringType),
        default=["client", "lead", "other"],
        title="Client Types",
        description="Contact types requested from the clients list (catalog A14). The API's default leaves some out.",
    ),
    th.Property(
        "summary_currencies",
        th.ArrayType(th.StringType),
        default=[],
        title="Summary Currencies",
        description=(
            "Currency codes (such as gbp, usd) for the `invoice_summary` stream: one summary per "
            "currency. Empty: one summary over all currencies, with currency `all` (catalog A38)."
        ),
    ),
    th.Property(
        "include_contract_html",
        th.BooleanType,
        default=False,
        title="Include Contract HTML",
        description="Keep the large `content.rendered_html` of each contract in `contract_details` (catalog A40).",
    ),
    th.Property(
        "enable_quotes_probe",
        th.BooleanType,
        default=False,
        title="Enable Quotes Probe",
        description=(
            "Read the `quotes` stream from `/quotes/`, an undocumented path guessed from the "
            "others (catalog A10). Off: the stream emits nothing; quotes also appear in "
            "`client_documents` (ids starting `qo_`)."
        ),
    ),
    th.Property(
        "collection_ids",
        th.ArrayType(th.StringType),
        title="Collection IDs",
        description=(
            "Gallery collection ids to sync. When set, exactly these are read and the collection "
            "list is not called. When unset, the tap lists collections with `GET /collections`, and "
            "falls back to the collections linked to Studio clients if that list is not available."
        ),
    ),
    th.Property(
        "bounded_freshness",
        th.BooleanType,
        default=False,
        title="Bounded Freshness",
        description=(
            "Daily syncs at a fraction of the requests: every list is still read in full, but "
            "a parent's details and children (client documents, invoice details, payment "
            "details, contract details, collections and their children...) are read only when "
            "its list item or a tied list changed, and otherwise on a rolling turn, at least "
            "every `freshness_days` days. Off: every run reads everything."
        ),
    ),
    th.Property(
        "freshness_days",
        th.IntegerType(minimum=1, maximum=90),
        default=10,
        title="Freshness Days",
        description=(
            "With `bounded_freshness`: the most days a change that no list shows (a new "
            "download, a signature, a detail-only field) waits before it is synced, and a "
            "deletion of such a row before it reaches the warehouse. Changes a list shows are "
            "synced the same day. Run the tap at least daily."
        ),
    ),
    th.Property(
        "account_id",
        th.StringType,
        title="Account ID",
        description=(
            "Your own short name for this Pixieset account, for loading many accounts into one "
            "warehouse. When set, every record carries it as `account_id` and it leads every "
            "stream's primary key, so accounts upsert into the same tables side by side. Letters, "
            "digits, `_` and `-`, at most 64 characters. Leave unset for a single account."
        ),
    ),
).to_dict()

#: What an ``account_id`` may look like: it also names Meltano state ids and Airflow tasks.
ACCOUNT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


#: What an HTTP header value may hold: printable ASCII (a cookie copied with a line break
#: or a typographic character would otherwise fail deep inside requests, echoing it).
_HEADER_SAFE = re.compile(r"^[\x20-\x7e]*$")


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _check_url(name: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        example = DEFAULT_STUDIO_BASE_URL if "studio" in name else DEFAULT_GALLERY_BASE_URL
        return f"`{name}` must be a URL such as {example}."
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"`{name}` is not a valid http(s) URL; use a full URL such as https://host/api/v1."
    if parts.username or parts.password:
        return f"`{name}` must not contain credentials; use `email`/`password` or a cookie setting."
    if parts.query or parts.fragment:
        return f"`{name}` must not have a query string or fragment."
    if parts.scheme != "https" and not is_loopback(parts.hostname):
        return (
            f"`{name}` must use https (plain http is only allowed for loopback addresses "
            "such as the local simulator)."
        )
    return None


#: Config files are read with fractional numbers as ``Decimal`` (the SDK's JSON reader).
_NUMBER = (int, float, Decimal)

_TYPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "studio_cookie": (str, "a string"),
    "gallery_cookie": (str, "a string"),
    "csrf_token": (str, "a string"),
    "email": (str, "a string"),
    "password": (str, "a string"),
    "studio_base_url": (str, "a string"),
    "gallery_base_url": (str, "a string"),
    "start_date": (str, "an ISO 8601 date-time string"),
    "page_size": (int, "a whole number"),
    "max_requests_per_second": (_NUMBER, "a number"),
    "max_retries": (int, "a whole number"),
    "backoff_base_seconds": (_NUMBER, "a number"),
    "request_timeout": (int, "a whole number"),
    "max_concurrency": (int, "a whole number"),
    "client_types": (list, "a list of strings"),
    "summary_currencies": (list, "a list of currency codes"),
    "include_contract_html": (bool, "true or false"),
    "enable_quotes_probe": (bool, "true or false"),
    "collection_ids": (list, "a list of collection ids"),
    "account_id": (str, "a string"),
}

_RANGES: dict[str, tuple[float, float]] = {
    "page_size": (1, MAX_PAGE_SIZE),
    "max_requests_per_second": (0, 1000),
    "max_retries": (0, 20),
    "backoff_base_seconds": (0, 60),
    "request_timeout": (1, 600),
    "max_concurrency": (1, 32),
}


def validate_settings(config: dict[str, Any]) -> list[str]:
    """Return one line per problem in ``config``; an empty list means it is usable."""
    problems: list[str] = []
    for name, (expected, words) in _TYPES.items():
        value = config.get(name)
        if value is None:
            continue
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            problems.append(f"`{name}` must be {words}.")
    bad_type = {p.split("`")[1] for p in problems}

    for name in ("studio_cookie", "gallery_cookie", "csrf_token", "email", "password"):
        if (
            name not in bad_type
            and name in config
            and config[name] is not None
            and _is_blank(config[name])
        ):
            problems.append(f"`{name}` is empty; remove it or give it a value.")

    email, password = config.get("email"), config.get("password")
    has_login = bool(email) and bool(password) and not _is_blank(email) and not _is_blank(password)
    if password and not email:
        problems.append("`password` is set without `email`; set both to log in, or neither.")
    if email and not password:
        problems.append("`email` is set without `password`; set both to log in, or neither.")
    if isinstance(email, str) and email.strip() and "@" not in email:
        problems.append("`email` does not look like an email address.")

    cookies = [
        n
        for n in ("studio_cookie", "gallery_cookie")
        if isinstance(config.get(n), str) and config[n].strip()
    ]
    for name in cookies:
        value = config[name].strip()
        if value.lower().startswith("cookie:"):
            problems.append(f"`{name}` starts with 'Cookie:'; copy only the value after it.")
        elif "=" not in value:
            problems.append(
                f"`{name}` does not look like a Cookie header (expected name=value pairs "
                "separated by '; ', as copied from the browser)."
            )
    for name in ("studio_cookie", "gallery_cookie", "csrf_token"):
        value = config.get(name)
        if isinstance(value, str) and value.strip() and not _HEADER_SAFE.match(value.strip()):
            problems.append(
                f"`{name}` contains a line break or a character an HTTP header cannot carry; "
                "copy it again, as one line."
            )
    # A cookie that is set but unusable has its own line above; this is for none at all.
    cookie_given = any(config.get(n) is not None for n in ("studio_cookie", "gallery_cookie"))
    if not cookie_given and not has_login and not (password or email):
        problems.append(
            "No session configured: set `studio_cookie` and/or `gallery_cookie` "
            "(copied from a logged-in browser), or `email` and `password`."
        )

    for name in ("studio_base_url", "gallery_base_url"):
        if name in config and name not in bad_type:
            problem = _check_url(name, config[name])
            if problem:
                problems.append(problem)

    for name, (low, high) in _RANGES.items():
        value = config.get(name)
        if name in bad_type or value is None:
            continue
        if not low <= value <= high:
            problems.append(f"`{name}` must be between {low:g} and {high:g}.")

    start = config.get("start_date")
    if isinstance(start, str) and "start_date" not in bad_type:
        try:
            datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            problems.append(
                "`start_date` is not an ISO 8601 date-time (for example 2024-01-31T00:00:00Z)."
            )

    types = config.get("client_types")
    if (
        isinstance(types, list)
        and "client_types" not in bad_type
        and (not types or not all(isinstance(t, str) and t.strip() for t in types))
    ):
        problems.append(
            "`client_types` must be a non-empty list of type names, such as client, lead, other."
        )

    ids = config.get("collection_ids")
    # Gallery collection ids are numeric (catalog 1.9); anything else would only 404 later.
    if (
        isinstance(ids, list)
        and "collection_ids" not in bad_type
        and not all(
            (isinstance(i, int) and not isinstance(i, bool))
            or (isinstance(i, str) and i.strip().isdigit())
            for i in ids
        )
    ):
        problems.append(
            '`collection_ids` must list numeric Gallery collection ids, such as ["90516387"].'
        )
    account = config.get("account_id")
    if isinstance(account, str) and not ACCOUNT_ID_PATTERN.match(account):
        problems.append(
            "`account_id` must be 1 to 64 letters, digits, `_` or `-`, starting with a letter "
            "or digit (for example studio-berlin)."
        )
    return problems


_JSON_TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}


def describe_schema_error(path: list[str | int], validator: str, expected: Any) -> str:
    """One line for a JSON-schema violation, naming the setting and never the value.

    The SDK's own messages quote the offending value, which may be a secret; this is
    built only from the setting's name and what the schema expects.
    """
    name = ".".join(str(part) for part in path) or "the configuration"
    if validator == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_JSON_TYPE_WORDS.get(k, k) for k in kinds if k != "null")
        return f"`{name}` must be {words or 'empty'}."
    if validator == "enum":
        return f"`{name}` must be one of: {', '.join(str(v) for v in expected)}."
    if validator in ("minimum", "exclusiveMinimum"):
        return f"`{name}` must be at least {expected}."
    if validator in ("maximum", "exclusiveMaximum"):
        return f"`{name}` must be at most {expected}."
    if validator == "required":
        return f"`{name}` is missing required settings: {', '.join(map(str, expected))}."
    return f"`{name}` is not valid (it breaks the schema's `{validator}` rule)."

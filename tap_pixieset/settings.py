"""The tap's settings: one JSON schema with every type, range and pattern.

``CONFIG_SCHEMA`` is the single definition of every setting. :mod:`tap_pixieset.settings_check`
validates a config against it; the README table, ``meltano.yml`` and the Hub plugin definition
are generated from or checked against it (``scripts/gen_docs.py``, ``tests/test_docs.py``).

Each setting's rules (``minimum``, ``maximum``, ``anyOf``, ``pattern``, ``minItems``) live in
its schema. :data:`ALLOWED` holds the same rules in words: derived from the schema for numbers,
written here for patterns (a regular expression is no message). Both the error messages and
the "Allowed:" sentence of each description are built from it.
"""

from __future__ import annotations

from typing import Any

DEFAULT_STUDIO_BASE_URL = "https://studio.pixieset.com/api/v1"
DEFAULT_GALLERY_BASE_URL = "https://galleries.pixieset.com/api/v1"
MAX_PAGE_SIZE = 100

SECRET_SETTINGS = ("studio_cookie", "gallery_cookie", "csrf_token", "password")

#: Each setting's rules in words, completing "`name` must be ...".
ALLOWED: dict[str, str] = {}

_TYPE_WORDS = {"integer": "a whole number", "number": "a number"}

#: One HTTP header line: printable ASCII only. A cookie copied with a line break or a
#: typographic character would otherwise fail deep inside requests, echoing it.
_HEADER_LINE = "^[\\x20-\\x7e]*$"
_HEADER_WORDS = "a string of printable ASCII characters on one line, without a line break"
#: A base URL: ASCII without spaces, so no look-alike letter can name another host.
_URL_CHARS = "^[\\x21-\\x7e]*$"
_URL_WORDS = (
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


def _setting(
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


def _strings(**rules: Any) -> dict[str, Any]:
    return {"type": ["string"], **rules}


CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": dict(
        [
            _setting(
                "studio_cookie",
                "string",
                title="Studio Cookie",
                description=(
                    "The Cookie header value for the Studio API, copied from a logged-in "
                    "browser (DevTools > Network > any request to studio.pixieset.com > "
                    "Request Headers > Cookie)."
                ),
                secret=True,
                pattern=_HEADER_LINE,
                allowed=_HEADER_WORDS,
            ),
            _setting(
                "gallery_cookie",
                "string",
                title="Gallery Cookie",
                description=(
                    "The Cookie header value for the Gallery API (galleries.pixieset.com), "
                    "copied the same way."
                ),
                secret=True,
                pattern=_HEADER_LINE,
                allowed=_HEADER_WORDS,
            ),
            _setting(
                "csrf_token",
                "string",
                title="CSRF Token",
                description="Optional X-CSRF-Token header value. A read-only tap rarely needs it.",
                secret=True,
                pattern=_HEADER_LINE,
                allowed=_HEADER_WORDS,
            ),
            _setting(
                "email",
                "string",
                title="Email",
                description=(
                    "Account email. With `password`, the tap logs in by itself on each host it "
                    "needs and logs in again when a session expires mid-sync."
                ),
            ),
            _setting(
                "password",
                "string",
                title="Password",
                description="Account password, used only with `email`.",
                secret=True,
            ),
            _setting(
                "studio_base_url",
                "string",
                title="Studio Base URL",
                description=(
                    "Base URL of the Studio API. Must be https, except on a loopback address "
                    "(the simulator)."
                ),
                default=DEFAULT_STUDIO_BASE_URL,
                pattern=_URL_CHARS,
                allowed=_URL_WORDS,
            ),
            _setting(
                "gallery_base_url",
                "string",
                title="Gallery Base URL",
                description=(
                    "Base URL of the Gallery API. Must be https, except on a loopback address "
                    "(the simulator)."
                ),
                default=DEFAULT_GALLERY_BASE_URL,
                pattern=_URL_CHARS,
                allowed=_URL_WORDS,
            ),
            _setting(
                "start_date",
                "string",
                format="date-time",
                title="Start Date",
                description=(
                    "Lower bound for the incremental streams: records changed before it are "
                    "not emitted."
                ),
                allowed="an ISO 8601 date-time string, such as 2024-01-31T00:00:00Z",
            ),
            _setting(
                "page_size",
                "integer",
                minimum=1,
                maximum=MAX_PAGE_SIZE,
                title="Page Size",
                description=(
                    f"Items per page on paginated endpoints; {MAX_PAGE_SIZE} is the documented "
                    "maximum."
                ),
                default=MAX_PAGE_SIZE,
            ),
            _setting(
                "max_requests_per_second",
                "number",
                # Below one request per 100 s the waits overflow the clock; 0 means no limit.
                anyOf=[{"const": 0}, {"minimum": 0.01}],
                maximum=1000,
                title="Max Requests Per Second",
                description=(
                    "Client-side rate limit per API host, shared by all streams of that host. "
                    "Pixieset documents no limits, so the default is conservative. 0 disables it."
                ),
                default=4,
            ),
            _setting(
                "max_retries",
                "integer",
                minimum=0,
                maximum=20,
                title="Max Retries",
                description=(
                    "Retries of a request after a 429, a 500/502/503/504, a connection error, "
                    "a timeout or a truncated body, before the sync stops with an error naming "
                    "the endpoint."
                ),
                default=5,
            ),
            _setting(
                "backoff_base_seconds",
                "number",
                minimum=0,
                maximum=60,
                title="Backoff Base Seconds",
                description=(
                    "Nominal first wait of the exponential backoff: doubled each retry, capped "
                    "at 60 s, jittered between half and all of it. A `Retry-After` from the "
                    "server (up to 300 s) is always waited at least."
                ),
                default=1.0,
            ),
            _setting(
                "request_timeout",
                "integer",
                minimum=1,
                maximum=600,
                title="Request Timeout",
                description=(
                    "Seconds to wait to connect, and for each part of an answer, before the "
                    "request is retried."
                ),
                default=60,
            ),
            _setting(
                "max_request_seconds",
                "integer",
                minimum=1,
                maximum=3600,
                title="Max Request Seconds",
                description=(
                    "Total seconds one request may take, from connecting to the last byte of the "
                    "answer, however the server drips it. A request cut short is retried like a "
                    "timeout."
                ),
                default=300,
            ),
            _setting(
                "max_response_mb",
                "integer",
                minimum=1,
                maximum=1024,
                title="Max Response MB",
                description=(
                    "Largest answer the tap reads, in MB after decompression. A larger one stops "
                    "the sync with an error naming the endpoint; a page of 100 items is well "
                    "under 1 MB."
                ),
                default=64,
            ),
            _setting(
                "max_concurrency",
                "integer",
                minimum=1,
                maximum=32,
                title="Max Concurrency",
                description=(
                    "Child and detail requests fetched at once (1 = sequential). Output order "
                    "and state are the same either way; the rate limit still applies."
                ),
                default=4,
            ),
            _setting(
                "client_types",
                "array",
                items=_strings(pattern="^[A-Za-z][A-Za-z_-]{0,31}$"),
                minItems=1,
                title="Client Types",
                description=(
                    "Contact types requested from the clients list (catalog A14). The API's "
                    "default leaves some out."
                ),
                default=["client", "lead", "other"],
                allowed="a non-empty list of type names, such as client, lead, other",
            ),
            _setting(
                "summary_currencies",
                "array",
                items=_strings(pattern="^[A-Za-z]{3}$"),
                title="Summary Currencies",
                description=(
                    "Currency codes for the `invoice_summary` stream: one summary per currency. "
                    "Empty: one summary over all currencies, with currency `all` (catalog A38)."
                ),
                default=[],
                allowed="a list of three-letter currency codes, such as gbp, usd",
            ),
            _setting(
                "include_contract_html",
                "boolean",
                title="Include Contract HTML",
                description=(
                    "Keep the large `content.rendered_html` of each contract in "
                    "`contract_details` (catalog A40)."
                ),
                default=False,
            ),
            _setting(
                "enable_quotes_probe",
                "boolean",
                title="Enable Quotes Probe",
                description=(
                    "Read the `quotes` stream from `/quotes/`, an undocumented path guessed "
                    "from the others (catalog A10). Off: the stream emits nothing; quotes also "
                    "appear in `client_documents` (ids starting `qo_`)."
                ),
                default=False,
            ),
            _setting(
                "collection_ids",
                "array",
                # Gallery collection ids are numeric (catalog 1.9); anything else would 404.
                items={"type": ["string", "integer"], "pattern": "^[0-9]{1,20}$", "minimum": 0},
                title="Collection IDs",
                description=(
                    "Gallery collection ids to sync. When set, exactly these are read and the "
                    "collection list is not called. When unset, the tap lists collections with "
                    "`GET /collections`, and falls back to the collections linked to Studio "
                    "clients if that list is not available."
                ),
                allowed='a list of numeric Gallery collection ids, such as ["90516387"]',
            ),
            _setting(
                "bounded_freshness",
                "boolean",
                title="Bounded Freshness",
                description=(
                    "Daily syncs at a fraction of the requests: every list is still read in "
                    "full, but a parent's details and children (client documents, invoice, "
                    "payment and contract details, collections and their children...) are read "
                    "only when its list item or a tied list changed, and otherwise on a rolling "
                    "turn, at least every `freshness_days` days. Off: every run reads everything."
                ),
                default=False,
            ),
            _setting(
                "freshness_days",
                "integer",
                minimum=1,
                maximum=90,
                title="Freshness Days",
                description=(
                    "With `bounded_freshness`: the most days a change that no list shows (a new "
                    "download, a signature, a detail-only field) waits before it is synced, and "
                    "a deletion of such a row before it reaches the warehouse. Changes a list "
                    "shows are synced the same day. Run the tap at least daily."
                ),
                default=10,
            ),
            _setting(
                "account_id",
                "string",
                # It also names Meltano state ids and Airflow tasks.
                pattern="^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
                title="Account ID",
                description=(
                    "Your own short name for this Pixieset account, for loading many accounts "
                    "into one warehouse. When set, every record carries it as `account_id` and "
                    "it leads every stream's primary key, so accounts upsert into the same "
                    "tables side by side. Leave unset for a single account."
                ),
                allowed=(
                    "a string of 1 to 64 letters, digits, `_` or `-`, starting with a letter or "
                    "digit (for example studio-berlin)"
                ),
            ),
            _setting(
                "emit_activate_version_messages",
                "boolean",
                title="Emit ACTIVATE_VERSION Messages",
                description=(
                    "Let deletions reach the warehouse: FULL_TABLE streams carry this run's "
                    "table version, and one ACTIVATE_VERSION per stream at the clean end of the "
                    "run tells the loader to delete (or mark `_sdc_deleted_at`) the rows the "
                    "source no longer has. Incremental streams, their children and daily "
                    "snapshots never delete; a failed or interrupted run deletes nothing. With "
                    "`account_id`, see `account_has_own_schema`."
                ),
                default=False,
            ),
            _setting(
                "account_has_own_schema",
                "boolean",
                title="Account Has Own Schema",
                description=(
                    "Set to true when this account loads into tables of its own (its own "
                    "warehouse schema, such as pixieset_<account_id>). Required for "
                    "`emit_activate_version_messages` with `account_id`: loaders apply "
                    "ACTIVATE_VERSION to a whole table, so in tables shared by accounts one "
                    "account's run would delete the others' rows."
                ),
                default=False,
            ),
        ]
    ),
}

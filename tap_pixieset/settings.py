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

from tap_pixieset.setting_rules import (
    ALLOWED,
    HEADER_LINE,
    HEADER_WORDS,
    URL_CHARS,
    URL_WORDS,
    numeric_words,
    setting,
    strings,
)

DEFAULT_STUDIO_BASE_URL = "https://studio.pixieset.com/api/v1"
DEFAULT_GALLERY_BASE_URL = "https://galleries.pixieset.com/api/v1"
MAX_PAGE_SIZE = 100

__all__ = [
    "ALLOWED",
    "CONFIG_SCHEMA",
    "DEFAULT_GALLERY_BASE_URL",
    "DEFAULT_STUDIO_BASE_URL",
    "SECRET_SETTINGS",
    "numeric_words",
]

SECRET_SETTINGS = ("studio_cookie", "gallery_cookie", "csrf_token", "password")

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": dict(
        [
            setting(
                "studio_cookie",
                "string",
                title="Studio Cookie",
                description=(
                    "The Cookie header value for the Studio API, copied from a logged-in "
                    "browser (DevTools > Network > any request to studio.pixieset.com > "
                    "Request Headers > Cookie)."
                ),
                secret=True,
                pattern=HEADER_LINE,
                allowed=HEADER_WORDS,
            ),
            setting(
                "gallery_cookie",
                "string",
                title="Gallery Cookie",
                description=(
                    "The Cookie header value for the Gallery API (galleries.pixieset.com), "
                    "copied the same way."
                ),
                secret=True,
                pattern=HEADER_LINE,
                allowed=HEADER_WORDS,
            ),
            setting(
                "csrf_token",
                "string",
                title="CSRF Token",
                description="Optional X-CSRF-Token header value. A read-only tap rarely needs it.",
                secret=True,
                pattern=HEADER_LINE,
                allowed=HEADER_WORDS,
            ),
            setting(
                "email",
                "string",
                title="Email",
                description=(
                    "Account email. With `password`, the tap logs in by itself on each host it "
                    "needs and logs in again when a session expires mid-sync."
                ),
            ),
            setting(
                "password",
                "string",
                title="Password",
                description="Account password, used only with `email`.",
                secret=True,
            ),
            setting(
                "studio_base_url",
                "string",
                title="Studio Base URL",
                description=(
                    "Base URL of the Studio API. Must be https, except on a loopback address "
                    "(the simulator)."
                ),
                default=DEFAULT_STUDIO_BASE_URL,
                pattern=URL_CHARS,
                allowed=URL_WORDS,
            ),
            setting(
                "gallery_base_url",
                "string",
                title="Gallery Base URL",
                description=(
                    "Base URL of the Gallery API. Must be https, except on a loopback address "
                    "(the simulator)."
                ),
                default=DEFAULT_GALLERY_BASE_URL,
                pattern=URL_CHARS,
                allowed=URL_WORDS,
            ),
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
                "client_types",
                "array",
                items=strings(pattern="^[A-Za-z][A-Za-z_-]{0,31}$"),
                minItems=1,
                title="Client Types",
                description=(
                    "Contact types requested from the clients list (catalog A14). The API's "
                    "default leaves some out."
                ),
                default=["client", "lead", "other"],
                allowed="a non-empty list of type names, such as client, lead, other",
            ),
            setting(
                "summary_currencies",
                "array",
                items=strings(pattern="^[A-Za-z]{3}$"),
                title="Summary Currencies",
                description=(
                    "Currency codes for the `invoice_summary` stream: one summary per currency. "
                    "Empty: one summary over all currencies, with currency `all` (catalog A38)."
                ),
                default=[],
                allowed="a list of three-letter currency codes, such as gbp, usd",
            ),
            setting(
                "include_contract_html",
                "boolean",
                title="Include Contract HTML",
                description=(
                    "Keep the large `content.rendered_html` of each contract in "
                    "`contract_details` (catalog A40)."
                ),
                default=False,
            ),
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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
            setting(
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

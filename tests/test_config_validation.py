"""Start-up checks of settings: one clear line per problem, naming the setting, no value shown."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from harness import all_streams, run_cli

from tap_pixieset import config_input
from tap_pixieset.errors import ConfigurationError, InputFileError
from tap_pixieset.input_files import JsonObjectFile, read_json_object
from tap_pixieset.settings import ALLOWED, CONFIG_SCHEMA
from tap_pixieset.settings_check import check_settings
from tap_pixieset.tap import TapPixieset

#: Recognisable values: if any shows up in a message, a value was echoed.
SECRET = "S3CRET-VALUE-2f9c41"
COOKIE = f"pixieset_studio_session={SECRET}-cookie"
VALID = {"studio_cookie": COOKIE, "csrf_token": f"{SECRET}-csrf"}
DROP = object()

# (case id, changes to a valid config, the setting the problem must name, words it must use)
BAD_CONFIGS = [
    (
        "no-session",
        {"studio_cookie": DROP, "csrf_token": DROP},
        "studio_cookie",
        "No session configured",
    ),
    (
        "password-without-email",
        {"studio_cookie": DROP, "password": SECRET},
        "password",
        "without `email`",
    ),
    ("email-without-password", {"email": "me@example.com"}, "email", "without `password`"),
    (
        "email-not-an-address",
        {"email": "me-at-example", "password": SECRET},
        "email",
        "email address",
    ),
    (
        "url-malformed",
        {"studio_base_url": "studio.pixieset.com/api/v1"},
        "studio_base_url",
        "not a valid http(s) URL",
    ),
    (
        "url-not-https",
        {"studio_base_url": "http://studio.pixieset.com/api/v1"},
        "studio_base_url",
        "must use https",
    ),
    (
        "url-other-scheme",
        {"gallery_base_url": "ftp://galleries.pixieset.com/api/v1"},
        "gallery_base_url",
        "not a valid",
    ),
    (
        "url-with-credentials",
        {"gallery_base_url": f"https://me:{SECRET}@galleries.pixieset.com/api/v1"},
        "gallery_base_url",
        "must not contain credentials",
    ),
    (
        "url-with-query",
        {"studio_base_url": f"https://studio.pixieset.com/api/v1?token={SECRET}"},
        "studio_base_url",
        "query string",
    ),
    (
        "url-lookalike-loopback",
        {"studio_base_url": "http://127.0.0.1.nip.io/api/v1"},
        "studio_base_url",
        "https",
    ),
    ("page-size-zero", {"page_size": 0}, "page_size", "a whole number from 1 to 100"),
    ("page-size-over-100", {"page_size": 101}, "page_size", "a whole number from 1 to 100"),
    ("page-size-string", {"page_size": "100"}, "page_size", "a whole number from 1 to 100"),
    ("start-date-malformed", {"start_date": "yesterday"}, "start_date", "ISO 8601"),
    ("start-date-number", {"start_date": 20240131}, "start_date", "ISO 8601"),
    ("cookie-empty", {"studio_cookie": ""}, "studio_cookie", "is empty"),
    ("cookie-blank", {"studio_cookie": "   "}, "studio_cookie", "is empty"),
    ("cookie-number", {"studio_cookie": 1234567890}, "studio_cookie", "a string"),
    (
        "cookie-without-name",
        {"studio_cookie": SECRET},
        "studio_cookie",
        "does not look like a Cookie header",
    ),
    (
        "cookie-with-header-name",
        {"studio_cookie": f"Cookie: {COOKIE}"},
        "studio_cookie",
        "starts with 'Cookie:'",
    ),
    (
        "cookie-line-break",
        {"studio_cookie": f"{COOKIE};\n other={SECRET}"},
        "studio_cookie",
        "line break",
    ),
    (
        "cookie-typographic-char",
        {"gallery_cookie": f"session={SECRET}\u2026"},
        "gallery_cookie",
        "line break",
    ),
    ("csrf-line-break", {"csrf_token": f"{SECRET}\r\nX-Other: 1"}, "csrf_token", "line break"),
    (
        "rate-negative",
        {"max_requests_per_second": -1},
        "max_requests_per_second",
        "0, or a number from 0.01 to 1000",
    ),
    ("timeout-zero", {"request_timeout": 0}, "request_timeout", "from 1 to 600"),
    ("retries-boolean", {"max_retries": True}, "max_retries", "whole number"),
    ("client-types-empty", {"client_types": []}, "client_types", "non-empty list"),
    ("client-types-string", {"client_types": "client"}, "client_types", "a non-empty list"),
    # The SDK's own settings: its messages would quote these values.
    (
        "sdk-flattening-string",
        {"flattening_enabled": SECRET},
        "flattening_enabled",
        "true or false",
    ),
    ("sdk-stream-maps-string", {"stream_maps": SECRET}, "stream_maps", "an object"),
    (
        "sdk-flattening-depth",
        {"flattening_max_depth": SECRET},
        "flattening_max_depth",
        "whole number",
    ),
]


# -- settings that used to crash, and the same classes across every setting ----------------------

#: (case id, changes to a valid config, the setting named, words of its rule)
EDGE_CONFIGS = [
    ("url-unclosed-ipv6", {"studio_base_url": "http://[::1/api/v1"}, "studio_base_url", "valid"),
    (
        "url-full-width-slash-before-at",
        {"studio_base_url": "https://studio.pixieset.com\uff0f@evil.example/api/v1"},
        "studio_base_url",
        "printable ASCII",
    ),
    (
        "url-cyrillic-lookalike",
        {"gallery_base_url": "https://galleries.pixi\u0435set.com/api/v1"},
        "gallery_base_url",
        "xn--",
    ),
    (
        "url-port-99999",
        {"studio_base_url": "http://127.0.0.1:99999/api/v1"},
        "studio_base_url",
        "port",
    ),
    ("url-port-zero", {"studio_base_url": "http://127.0.0.1:0/api/v1"}, "studio_base_url", "port"),
    (
        "url-port-word",
        {"studio_base_url": "http://127.0.0.1:http/api/v1"},
        "studio_base_url",
        "port",
    ),
    (
        "url-host-space",
        {"studio_base_url": "https://studio .pixieset.com/v1"},
        "studio_base_url",
        "spaces",
    ),
    (
        "url-trailing-newline",
        {"studio_base_url": "https://a.example/v1\n"},
        "studio_base_url",
        "spaces",
    ),
    (
        "url-empty-label",
        {"studio_base_url": "https://studio..pixieset.com/v1"},
        "studio_base_url",
        "host",
    ),
    (
        "url-percent-host",
        {"studio_base_url": "https://%73tudio.example/v1"},
        "studio_base_url",
        "host",
    ),
    ("url-no-host", {"studio_base_url": "https:///api/v1"}, "studio_base_url", "valid"),
    ("url-number", {"studio_base_url": 443}, "studio_base_url", "a string"),
    ("rate-1e-300", {"max_requests_per_second": 1e-300}, "max_requests_per_second", "0.01"),
    ("rate-nan", {"max_requests_per_second": float("nan")}, "max_requests_per_second", "0.01"),
    ("rate-infinity", {"max_requests_per_second": float("inf")}, "max_requests_per_second", "1000"),
    ("rate-huge-int", {"max_requests_per_second": 10**400}, "max_requests_per_second", "1000"),
    ("backoff-decimal-nan", {"backoff_base_seconds": Decimal("NaN")}, "backoff_base_seconds", "60"),
    ("backoff-string", {"backoff_base_seconds": "1"}, "backoff_base_seconds", "from 0 to 60"),
    ("timeout-huge-int", {"request_timeout": 10**400}, "request_timeout", "from 1 to 600"),
    ("timeout-float", {"request_timeout": 30.0}, "request_timeout", "whole number"),
    ("concurrency-boolean", {"max_concurrency": True}, "max_concurrency", "whole number"),
    ("retries-negative", {"max_retries": -1}, "max_retries", "from 0 to 20"),
    ("account-id-trailing-newline", {"account_id": "acct\n"}, "account_id", "1 to 64"),
    ("account-id-full-width-digits", {"account_id": "\uff11\uff12"}, "account_id", "1 to 64"),
    ("account-id-empty", {"account_id": ""}, "account_id", "1 to 64"),
    ("client-types-number-item", {"client_types": [1]}, "client_types", "type names"),
    ("client-types-empty-item", {"client_types": [""]}, "client_types", "type names"),
    ("client-types-null-item", {"client_types": [None]}, "client_types", "type names"),
    ("client-types-comma-item", {"client_types": ["client,lead"]}, "client_types", "type names"),
    ("currencies-object-item", {"summary_currencies": [{}]}, "summary_currencies", "three-letter"),
    ("currencies-word", {"summary_currencies": ["dollars"]}, "summary_currencies", "three-letter"),
    ("currencies-newline", {"summary_currencies": ["usd\n"]}, "summary_currencies", "three-letter"),
    (
        "collection-full-width-digits",
        {"collection_ids": ["\uff11\uff12"]},
        "collection_ids",
        "numeric",
    ),
    ("collection-boolean", {"collection_ids": [True]}, "collection_ids", "numeric"),
    ("collection-negative", {"collection_ids": [-1]}, "collection_ids", "numeric"),
    ("collection-padded", {"collection_ids": [" 123"]}, "collection_ids", "numeric"),
    ("collection-null-item", {"collection_ids": [None]}, "collection_ids", "numeric"),
    ("collection-float", {"collection_ids": [1.5]}, "collection_ids", "numeric"),
    ("csrf-empty", {"csrf_token": ""}, "csrf_token", "is empty"),
    ("csrf-number", {"csrf_token": 12345678}, "csrf_token", "a string"),
    ("email-empty", {"email": "", "password": SECRET}, "email", "is empty"),
    ("password-number", {"email": "me@example.com", "password": 12345678}, "password", "a string"),
    ("boolean-string", {"include_contract_html": "yes"}, "include_contract_html", "true or false"),
    ("start-date-words", {"start_date": "2024-13-45T00:00:00Z"}, "start_date", "ISO 8601"),
    ("start-date-empty", {"start_date": ""}, "start_date", "ISO 8601"),
]


def config_with(changes: dict) -> dict:
    config = dict(VALID)
    for name, value in changes.items():
        if value is DROP:
            config.pop(name, None)
        else:
            config[name] = value
    return config


def problems_of(config: dict) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        TapPixieset(config=config, setup_mapper=False)
    assert SECRET not in str(caught.value)
    return caught.value.problems


def test_the_valid_base_config_passes():
    TapPixieset(config=dict(VALID), setup_mapper=False)


@pytest.mark.parametrize(
    ("changes", "setting", "words"),
    [c[1:] for c in BAD_CONFIGS + EDGE_CONFIGS],
    ids=[c[0] for c in BAD_CONFIGS + EDGE_CONFIGS],
)
def test_bad_config_is_one_clear_line_naming_the_setting(changes, setting, words):
    problems = problems_of(config_with(changes))
    naming = [p for p in problems if f"`{setting}`" in p]
    assert len(naming) == 1, problems
    assert words in naming[0]
    assert all("\n" not in p for p in problems)
    assert all(SECRET not in p and "\u2026" not in p for p in problems)


def test_every_problem_is_reported_at_once():
    problems = problems_of(
        config_with({"page_size": 0, "start_date": "soon", "studio_base_url": "http://x.example"})
    )
    assert len(problems) == 3
    assert {p.split("`")[1] for p in problems} == {"page_size", "start_date", "studio_base_url"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8123/api/v1",
        "http://localhost:8123/api/v1",
        "http://[::1]:8123/api/v1",
        "https://studio.example.org/api/v1",
    ],
)
def test_loopback_may_use_http_and_any_host_may_use_https(url):
    TapPixieset(config=config_with({"studio_base_url": url}), setup_mapper=False)


def test_fractional_numbers_from_a_config_file_are_accepted():
    # The SDK reads config files with fractional numbers as Decimal.
    config = config_with(
        {"backoff_base_seconds": Decimal("0.5"), "max_requests_per_second": Decimal("2.5")}
    )
    TapPixieset(config=config, setup_mapper=False)


def test_unknown_settings_are_named_in_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        TapPixieset(config=config_with({"studio_cookies": SECRET}), setup_mapper=False)
    assert "`studio_cookies`" in caplog.text and "typos" in caplog.text
    assert SECRET not in caplog.text


def test_environment_values_that_do_not_parse_name_the_variable(monkeypatch):
    monkeypatch.setenv("TAP_PIXIESET_STUDIO_COOKIE", COOKIE)
    monkeypatch.setenv("TAP_PIXIESET_PAGE_SIZE", f"{SECRET}")
    with pytest.raises(ConfigurationError) as caught:
        TapPixieset(config={}, parse_env_config=True, setup_mapper=False)
    assert caught.value.problems == [
        "`page_size` (from TAP_PIXIESET_PAGE_SIZE) must be a whole number."
    ]


def test_number_settings_from_the_environment_are_numbers(monkeypatch):
    monkeypatch.setenv("TAP_PIXIESET_STUDIO_COOKIE", COOKIE)
    monkeypatch.setenv("TAP_PIXIESET_MAX_REQUESTS_PER_SECOND", "2.5")
    tap = TapPixieset(config={}, parse_env_config=True, setup_mapper=False)
    assert tap.config["max_requests_per_second"] == 2.5


# -- through the real command line ----------------------------------------------------------


def assert_one_line_errors(result, expected_lines: int) -> list[str]:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert SECRET not in result.stderr
    error_at = result.stderr.index("tap-pixieset: error:")
    lines = result.stderr[error_at:].splitlines()
    assert len(lines) == expected_lines, result.stderr
    return lines


def test_cli_no_session(tmp_path):
    result = run_cli([], config={}, tmp_path=tmp_path)
    lines = assert_one_line_errors(result, 2)
    assert lines[0] == "tap-pixieset: error: Invalid configuration:"
    assert lines[1].startswith("  - No session configured: set `studio_cookie`")


def test_cli_several_problems_one_line_each(tmp_path):
    config = config_with(
        {
            "page_size": 0,
            "studio_cookie": f"{COOKIE};\nx={SECRET}",
            "gallery_base_url": "http://g.example",
        }
    )
    lines = assert_one_line_errors(run_cli([], config=config, tmp_path=tmp_path), 4)
    assert sorted(line.split("`")[1] for line in lines[1:]) == [
        "gallery_base_url",
        "page_size",
        "studio_cookie",
    ]


def test_cli_sdk_setting_with_a_secret_value_is_not_echoed(tmp_path):
    config = config_with(
        {"flattening_enabled": SECRET, "flattening_max_depth": SECRET, "page_size": SECRET}
    )
    lines = assert_one_line_errors(run_cli([], config=config, tmp_path=tmp_path), 4)
    assert lines[1:] == [
        "  - `page_size` must be a whole number from 1 to 100.",
        "  - `flattening_enabled` must be true or false.",
        "  - `flattening_max_depth` must be a whole number.",
    ]


def test_cli_test_mode_validates_the_config_too(tmp_path):
    lines = assert_one_line_errors(
        run_cli(["--test"], config=config_with({"page_size": 500}), tmp_path=tmp_path), 2
    )
    assert "`page_size`" in lines[1]


def test_cli_missing_and_malformed_config_files(tmp_path):
    missing = run_cli(["--config", str(tmp_path / "nowhere.json")], tmp_path=tmp_path)
    lines = assert_one_line_errors(missing, 1)
    assert "nowhere.json" in lines[0] and "--config" in lines[0]
    broken = tmp_path / "broken.json"
    broken.write_text('{"studio_cookie": "' + COOKIE + '",}')
    lines = assert_one_line_errors(run_cli(["--config", str(broken)], tmp_path=tmp_path), 1)
    assert "not valid JSON" in lines[0]


def test_cli_discover_works_with_an_incomplete_config(tmp_path):
    result = run_cli(["--discover"], config={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {s["tap_stream_id"] for s in json.loads(result.stdout)["streams"]} >= {
        "clients",
        "payments",
    }
    assert "No session configured" in result.stderr


def test_values_are_never_quoted_in_problems():
    # Each bad value is distinctive: none of it may come back in a message.
    marker = "Zq7Wx"
    config = config_with(
        {
            "studio_base_url": f"http://[{marker}/api/v1",
            "account_id": f"{marker}\n",
            "client_types": [f"{marker},lead"],
            "summary_currencies": [f"{marker}x"],
            "collection_ids": [f"{marker}"],
            "start_date": marker,
            "email": marker,
            "password": SECRET,
        }
    )
    problems = problems_of(config)
    assert len(problems) == 7, problems
    assert not [p for p in problems if marker in p]


def test_nesting_too_deep_is_one_line_without_recursing():
    deep: dict = {}
    for _ in range(5000):
        deep = {"a": deep}
    (problem,) = problems_of(config_with({"stream_maps": deep}))
    assert problem == "`stream_maps` is nested more than 32 levels deep."


def _numeric_settings() -> list[tuple[str, dict]]:
    return [
        (name, prop)
        for name, prop in CONFIG_SCHEMA["properties"].items()
        if {"integer", "number"} & set(prop["type"])
    ]


@pytest.mark.parametrize(
    ("name", "prop"), _numeric_settings(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_numeric_range_comes_from_the_schema(name, prop):
    """The bounds the schema states are the bounds the check applies, and no others."""
    branches = prop.get("anyOf", [{}])
    lows = [b.get("minimum", prop.get("minimum")) for b in branches if "const" not in b]
    (low,) = lows
    high = prop["maximum"]
    step = 1 if "integer" in prop["type"] else low / 2 or 0.001
    for good in (low, high, *[b["const"] for b in branches if "const" in b]):
        assert check_settings({**VALID, name: good}, CONFIG_SCHEMA) == [], (name, good)
    for bad in (low - step, high + step):
        (problem,) = check_settings({**VALID, name: bad}, CONFIG_SCHEMA)
        assert problem == f"`{name}` must be {ALLOWED[name]}."


def test_every_pattern_is_anchored_and_has_words():
    """Patterns end in `$`, which the check reads as the end of the input (not before a newline)."""
    patterns = {}
    for name, prop in CONFIG_SCHEMA["properties"].items():
        for where in (prop, prop.get("items", {})):
            if "pattern" in where:
                patterns[name] = where["pattern"]
    assert set(patterns) >= {"account_id", "collection_ids", "client_types", "studio_cookie"}
    for name, pattern in patterns.items():
        assert pattern.startswith("^") and pattern.endswith("$"), name
        assert name in ALLOWED, name
        assert CONFIG_SCHEMA["properties"][name]["description"].endswith(
            f"Allowed: {ALLOWED[name]}."
        )


def test_the_sdk_validator_agrees_with_a_config_this_check_passes():
    # The SDK validates again after this check: it must never find what this one missed.
    tap = TapPixieset(
        config=config_with({"max_requests_per_second": 0, "collection_ids": ["1", 2]}),
        setup_mapper=False,
    )
    assert tap.config["max_requests_per_second"] == 0
    assert tap.config["page_size"] == 100  # the SDK still fills in the defaults


def test_a_config_given_as_a_path_is_read_with_the_same_rules(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('[["studio_cookie", "a=b"]]')
    with pytest.raises(InputFileError) as caught:
        TapPixieset(config=str(path), setup_mapper=False)
    assert str(caught.value) == (
        f"config file {str(path)!r} must hold a JSON object ({{...}}), not a list."
    )


# -- environment variables ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("MAX_REQUESTS_PER_SECOND", "nan", "must be a number"),
        ("MAX_REQUESTS_PER_SECOND", "1e999", "must be a number"),
        ("MAX_REQUESTS_PER_SECOND", "1e-300", "0, or a number from 0.01 to 1000"),
        ("PAGE_SIZE", "9" * 5000, "must be a whole number"),
        ("PAGE_SIZE", "1_0", "must be a whole number"),
        ("ENABLE_QUOTES_PROBE", "maybe", "must be true or false"),
        ("CLIENT_TYPES", "[1]", "type names"),
        ("CLIENT_TYPES", "[nope", "a JSON list, or values separated by commas"),
        ("STREAM_MAPS", "{nope", "must be a JSON object"),
        ("STREAM_MAPS", "[]", "must be a JSON object"),
        ("STUDIO_BASE_URL", "http://[::1/api/v1", "not a valid http(s) URL"),
        ("ACCOUNT_ID", "acct\n", "1 to 64"),
    ],
)
def test_bad_environment_values_name_the_setting(monkeypatch, variable, value, words):
    monkeypatch.setenv("TAP_PIXIESET_STUDIO_COOKIE", COOKIE)
    monkeypatch.setenv("TAP_PIXIESET_CSRF_TOKEN", f"{SECRET}-csrf")
    monkeypatch.setenv(f"TAP_PIXIESET_{variable}", value)
    with pytest.raises(ConfigurationError) as caught:
        TapPixieset(config={}, parse_env_config=True, setup_mapper=False)
    (problem,) = caught.value.problems
    assert f"`{variable.lower()}`" in problem and words in problem
    assert SECRET not in str(caught.value)


def test_environment_values_parse_by_their_schema_type(monkeypatch):
    monkeypatch.setenv("TAP_PIXIESET_STUDIO_COOKIE", COOKIE)
    monkeypatch.setenv("TAP_PIXIESET_PAGE_SIZE", " 50 ")
    monkeypatch.setenv("TAP_PIXIESET_ENABLE_QUOTES_PROBE", "Yes")
    monkeypatch.setenv("TAP_PIXIESET_INCLUDE_CONTRACT_HTML", "off")
    monkeypatch.setenv("TAP_PIXIESET_COLLECTION_IDS", "90516387, 90524306")
    monkeypatch.setenv("TAP_PIXIESET_CLIENT_TYPES", '["client", "lead"]')
    monkeypatch.setenv("TAP_PIXIESET_STREAM_MAPS", '{"clients": {"email": null}}')
    tap = TapPixieset(config={"page_size": 10}, parse_env_config=True, setup_mapper=False)
    assert tap.config["page_size"] == 50  # the environment wins over the file, as in the SDK
    assert tap.config["enable_quotes_probe"] is True
    assert tap.config["include_contract_html"] is False
    assert tap.config["collection_ids"] == ["90516387", "90524306"]
    assert tap.config["client_types"] == ["client", "lead"]
    assert tap.config["stream_maps"] == {"clients": {"email": None}}


def test_environment_is_not_read_unless_asked(monkeypatch):
    monkeypatch.setenv("TAP_PIXIESET_PAGE_SIZE", "nope")
    tap = TapPixieset(config=dict(VALID), setup_mapper=False)
    assert tap.config["page_size"] == 100


def test_a_dotenv_file_is_loaded_like_the_sdk_does(monkeypatch, tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"TAP_PIXIESET_STUDIO_COOKIE={COOKIE}\nTAP_PIXIESET_PAGE_SIZE=7\n")
    monkeypatch.setattr(config_input, "find_dotenv", lambda: str(dotenv))
    monkeypatch.setenv("TAP_PIXIESET_PAGE_SIZE", "9")  # a variable already set wins
    try:
        tap = TapPixieset(config={}, parse_env_config=True, setup_mapper=False)
    finally:
        os.environ.pop("TAP_PIXIESET_STUDIO_COOKIE", None)
    assert tap.config["studio_cookie"] == COOKIE
    assert tap.config["page_size"] == 9


def test_the_environment_prefix_follows_the_sdk_convention():
    assert TapPixieset.name.upper().replace("-", "_") + "_" == config_input.ENV_PREFIX


# -- crash cases through the real command line: exit 1, one line, no request -------------------


def _error_lines(result) -> list[str]:
    """The error block: exit 1, nothing on stdout, no traceback, no secret."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert SECRET not in result.stderr
    return result.stderr[result.stderr.index("tap-pixieset: error:") :].splitlines()


CLI_SETTING_CASES = [
    ("url-unclosed-ipv6", {"studio_base_url": "http://[::1/api/v1"}, "studio_base_url"),
    (
        "url-full-width-slash",
        {"studio_base_url": "https://studio.pixieset.com\uff0f@evil.example/api/v1"},
        "studio_base_url",
    ),
    ("url-port-99999", {"gallery_base_url": "http://127.0.0.1:99999/api/v1"}, "gallery_base_url"),
    ("rate-1e-300", {"max_requests_per_second": 1e-300}, "max_requests_per_second"),
    ("account-id-newline", {"account_id": "acct\n"}, "account_id"),
    ("collection-ids-objects", {"collection_ids": [{"id": 1}]}, "collection_ids"),
    ("page-size-float", {"page_size": 5.0}, "page_size"),
]


@pytest.mark.parametrize(
    ("changes", "setting"),
    [c[1:] for c in CLI_SETTING_CASES],
    ids=[c[0] for c in CLI_SETTING_CASES],
)
def test_cli_bad_setting_fails_before_any_request(sim, tmp_path, changes, setting):
    before = len(sim.requests)
    config = sim.tap_config(csrf_token=f"{SECRET}-csrf", **changes)
    lines = _error_lines(run_cli([], config=config, tmp_path=tmp_path))
    assert lines[0] == "tap-pixieset: error: Invalid configuration:"
    assert len(lines) == 2 and lines[1].startswith(f"  - `{setting}` ")
    assert len(sim.requests) == before


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"TAP_PIXIESET_MAX_REQUESTS_PER_SECOND": "1e-300"}, "max_requests_per_second"),
        ({"TAP_PIXIESET_MAX_REQUESTS_PER_SECOND": "NaN"}, "max_requests_per_second"),
        ({"TAP_PIXIESET_STUDIO_BASE_URL": "http://[::1/api/v1"}, "studio_base_url"),
        ({"TAP_PIXIESET_PAGE_SIZE": "9" * 5000}, "page_size"),
        ({"TAP_PIXIESET_ACCOUNT_ID": "acct\n"}, "account_id"),
    ],
    ids=[
        "rate-1e-300",
        "rate-nan",
        "url-unclosed-ipv6",
        "page-size-5000-digits",
        "account-newline",
    ],
)
def test_cli_bad_environment_setting_fails_before_any_request(sim, tmp_path, env, setting):
    before = len(sim.requests)
    variables = {f"TAP_PIXIESET_{k.upper()}": str(v) for k, v in sim.tap_config().items()}
    variables.update(env, TAP_PIXIESET_CSRF_TOKEN=f"{SECRET}-csrf")
    lines = _error_lines(run_cli(["--config", "ENV"], tmp_path=tmp_path, env=variables))
    assert len(lines) == 2 and lines[1].startswith(f"  - `{setting}` ")
    assert len(sim.requests) == before


def _write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


FILE_CASES = [
    ("config-directory", "--config", None, "is a directory"),
    ("config-json-list", "--config", "[]", "must hold a JSON object ({...}), not a list"),
    ("config-list-of-pairs", "--config", json.dumps([["studio_cookie", COOKIE]]), "not a list"),
    ("config-nan", "--config", '{"max_requests_per_second": NaN}', "NaN or Infinity"),
    ("config-5000-digits", "--config", '{"page_size": ' + "9" * 5000 + "}", "too many digits"),
    ("catalog-missing", "--catalog", None, "was not found"),
    ("catalog-json-list", "--catalog", "[]", "not a list"),
    (
        "catalog-properties-list",
        "--catalog",
        '{"streams": [{"tap_stream_id": "clients", "schema": {"properties": {"a": {"properties": []}}}}]}',
        "`streams.0.schema.properties.a.properties` must be an object",
    ),
    ("state-missing", "--state", None, "was not found"),
    (
        "state-partitions-string",
        "--state",
        '{"bookmarks": {"clients": {"partitions": "x"}}}',
        "`bookmarks.clients.partitions` must be a list",
    ),
]

#: The same reader, called directly: (case id, option, content, words)
MORE_FILE_CASES = [
    ("config-string", "--config", '"x"', "not a string"),
    ("config-null", "--config", "null", "not null"),
    (
        "config-nested-5000",
        "--config",
        '{"a": ' + "[" * 5000 + "]" * 5000 + "}",
        "nested too deeply",
    ),
    ("config-latin-1", "--config", b'{"studio_cookie": "a=\xff"}', "not UTF-8"),
    ("config-empty", "--config", "", "not valid JSON (Expecting value at line 1, column 1)"),
    ("config-infinity", "--config", '{"page_size": -Infinity}', "NaN or Infinity"),
    ("catalog-streams-number", "--catalog", '{"streams": 5}', "`streams` must be a list"),
    (
        "catalog-stream-without-id",
        "--catalog",
        '{"streams": [{}]}',
        "`streams.0` lacks `tap_stream_id`",
    ),
    (
        "catalog-any-of-object",
        "--catalog",
        '{"streams": [{"tap_stream_id": "x", "schema": {"anyOf": {}}}]}',
        "`streams.0.schema.anyOf` must be a list",
    ),
    (
        "catalog-items-list",
        "--catalog",
        '{"streams": [{"tap_stream_id": "x", "schema": {"items": [1]}}]}',
        "`streams.0.schema.items` must be an object",
    ),
    ("state-bookmarks-list", "--state", '{"bookmarks": []}', "`bookmarks` must be an object"),
    (
        "state-context-string",
        "--state",
        '{"bookmarks": {"a": {"partitions": [{"context": "x"}]}}}',
        "`bookmarks.a.partitions.0.context` must be an object",
    ),
]


@pytest.mark.parametrize(
    ("option", "content", "words"),
    [c[1:] for c in MORE_FILE_CASES],
    ids=[c[0] for c in MORE_FILE_CASES],
)
def test_bad_file_is_one_line_naming_the_option(tmp_path, option, content, words):
    path = _write(tmp_path, "file.json", content)
    with pytest.raises(InputFileError) as caught:
        if option == "--config":
            read_json_object(path, option)
        else:
            JsonObjectFile(option).convert(path, None, None)
    message = str(caught.value)
    assert message.startswith(f"{option} file {path!r} ") and words in message
    assert "\n" not in message


def test_a_real_catalog_and_state_pass_the_file_checks(sim, tmp_path):
    catalog = TapPixieset(config=sim.tap_config(), setup_mapper=False).catalog_dict
    state = {"bookmarks": {"clients": {"partitions": [{"context": {"id": "1"}}]}}}
    for option, content in (("--catalog", catalog), ("--state", state)):
        text = json.dumps(content)
        path = _write(tmp_path, "file.json", text)
        assert JsonObjectFile(option).convert(path, None, None).read() == text


@pytest.mark.parametrize(
    ("option", "content", "words"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_cli_bad_file_is_one_line_naming_the_option(sim, tmp_path, option, content, words):
    before = len(sim.requests)
    if option == "--config" and content is None:
        path = str(tmp_path)
    elif content is None:
        path = str(tmp_path / "missing.json")
    else:
        path = _write(tmp_path, "file.json", content)
    config = sim.tap_config(csrf_token=f"{SECRET}-csrf")
    args = [option, path]
    if option != "--config":
        args += ["--config", _write(tmp_path, "config.json", json.dumps(config))]
    result = run_cli(args, tmp_path=tmp_path)
    (line,) = _error_lines(result)
    assert line.startswith(f"tap-pixieset: error: {option} file {path!r} ")
    assert words in line
    assert len(sim.requests) == before


def test_cli_config_from_a_pipe_is_read_once(tmp_path):
    # A pipe cannot be read twice: the tap must not read the file again after checking it.
    argv = [sys.executable, "-m", "tap_pixieset", "--discover", "--config", "/dev/stdin"]
    proc = subprocess.run(
        argv, input=json.dumps(VALID), capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["streams"]) == len(all_streams())


def test_the_sdk_config_input_still_carries_config_and_parse_env(tmp_path):
    """Guard: the tap fills the object the SDK's public `cb_config` returns.

    The SDK's `invoke`, `cb_discover` and `cb_test` read `.config` and `.parse_env` from it.
    """
    path = _write(tmp_path, "config.json", json.dumps(VALID))
    config_input = TapPixieset.cb_config(None, None, (path, "ENV"))  # type: ignore[arg-type]
    assert config_input.config == VALID
    assert config_input.parse_env is True
    assert TapPixieset.cb_config(None, None, ()).parse_env is False  # type: ignore[arg-type]


def test_cli_stream_map_that_does_not_parse_fails_before_any_request(sim, tmp_path):
    before = len(sim.requests)
    config = sim.tap_config(stream_maps={"clients": {"total": "1 +"}})
    (line,) = _error_lines(run_cli([], config=config, tmp_path=tmp_path))
    assert line.startswith("tap-pixieset: error: `stream_maps` is not valid: ")
    assert len(sim.requests) == before

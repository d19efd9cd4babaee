"""Start-up checks of settings: one clear line per problem, naming the setting, no value shown."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest
from harness import run_cli

from tap_pixieset.errors import ConfigurationError
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
    ("page-size-zero", {"page_size": 0}, "page_size", "between 1 and 100"),
    ("page-size-over-100", {"page_size": 101}, "page_size", "between 1 and 100"),
    ("page-size-string", {"page_size": "100"}, "page_size", "whole number"),
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
    ("rate-negative", {"max_requests_per_second": -1}, "max_requests_per_second", "between 0 and"),
    ("timeout-zero", {"request_timeout": 0}, "request_timeout", "between 1 and"),
    ("retries-boolean", {"max_retries": True}, "max_retries", "whole number"),
    ("client-types-empty", {"client_types": []}, "client_types", "non-empty list"),
    ("client-types-string", {"client_types": "client"}, "client_types", "a list"),
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
    ("changes", "setting", "words"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
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
        "  - `page_size` must be a whole number.",
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

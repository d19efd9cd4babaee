"""``tap-pixieset --test``: one cheap request per configured API, a verdict per API in words.

Contract (docs/decisions.md): one line per API on stderr, ``<API>: PASS|FAIL|SKIPPED - why``;
nothing on stdout; exit 0 when no configured API failed, 1 otherwise.
"""

from __future__ import annotations

import json

from harness import run_cli

from pixieset_simulator.http import ApiServer, Response


def verdicts(result) -> dict[str, str]:
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.startswith(("Studio API:", "Gallery API:"))
    ]
    return {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in lines}


def api_requests(sim):
    return sorted((r.api, r.method, r.path) for r in sim.requests)


def test_passes_with_valid_cookies_using_one_cheap_request_per_api(fresh_sim, tmp_path):
    result = run_cli(["--test"], config=fresh_sim.tap_config(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert verdicts(result) == {
        "Studio API": "PASS - the `studio_cookie` session is valid; "
        "GET /notifications/all answered with data",
        "Gallery API": "PASS - the `gallery_cookie` session is valid; "
        "GET /data/bootstrap answered with data",
    }
    assert result.stdout == ""
    assert api_requests(fresh_sim) == [
        ("gallery", "GET", "/api/v1/data/bootstrap"),
        ("studio", "GET", "/api/v1/notifications/all"),
    ]


def test_fails_on_an_expired_cookie_and_says_how_to_fix_it(fresh_sim, tmp_path):
    config = fresh_sim.tap_config()
    fresh_sim.sessions.configure(expiry_style="html")  # the web app's login page, answered 200
    fresh_sim.sessions.expire_all()
    config["gallery_cookie"] = fresh_sim.sessions.cookie_header("gallery")  # this one still works
    result = run_cli(["--test"], config=config, tmp_path=tmp_path)
    assert result.returncode == 1
    found = verdicts(result)
    assert found["Studio API"].startswith(
        "FAIL - The Studio API session has expired or is not valid"
    )
    assert "HTML login page" in found["Studio API"]
    assert (
        "`studio_cookie`" in found["Studio API"] and "`email` and `password`" in found["Studio API"]
    )
    assert found["Gallery API"].startswith("PASS")
    assert "Traceback" not in result.stderr


def test_logs_in_on_each_api_when_credentials_are_set(fresh_sim, tmp_path):
    result = run_cli(["--test"], config=fresh_sim.tap_config(login=True), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert verdicts(result) == {
        "Studio API": "PASS - logged in with `email`/`password`; "
        "GET /notifications/all answered with data",
        "Gallery API": "PASS - logged in with `email`/`password`; "
        "GET /data/bootstrap answered with data",
    }
    assert fresh_sim.login_posts("studio") == fresh_sim.login_posts("gallery") == 1


def test_an_expired_cookie_with_working_credentials_passes_and_says_so(fresh_sim, tmp_path):
    sessions = fresh_sim.sessions
    config = fresh_sim.tap_config(
        studio=True, gallery=False, email=sessions.email, password=sessions.password
    )
    sessions.expire_all()
    result = run_cli(["--test"], config=config, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert verdicts(result)["Studio API"].startswith(
        "PASS - the configured cookie was refused, but the login with `email`/`password` works"
    )


def test_refused_login_fails_both_apis(fresh_sim, tmp_path):
    result = run_cli(
        ["--test"],
        config=fresh_sim.tap_config(login=True, password="wrong-password"),
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    for api, verdict in verdicts(result).items():
        assert verdict.startswith(f"FAIL - Login to the {api} at http://127.0.0.1:"), verdict
        assert "Check the `email` and `password` settings." in verdict


def test_an_unconfigured_api_is_skipped_not_failed(fresh_sim, tmp_path):
    result = run_cli(["--test"], config=fresh_sim.tap_config(gallery=False), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    found = verdicts(result)
    assert found["Studio API"].startswith("PASS")
    assert found["Gallery API"].startswith("SKIPPED - not checked: no `gallery_cookie`")
    assert fresh_sim.request_count("gallery") == 0


def test_an_unreachable_api_fails_naming_the_setting(fresh_sim, tmp_path):
    closed = ApiServer("closed", lambda _request: Response(200, {}))
    closed.httpd.server_close()  # the port is known and nothing listens on it any more
    config = fresh_sim.tap_config(gallery_base_url=closed.origin + "/api/v1")
    result = run_cli(["--test"], config=config, tmp_path=tmp_path)
    assert result.returncode == 1
    found = verdicts(result)
    assert found["Gallery API"].startswith(
        f"FAIL - could not reach {closed.origin}/api/v1 (ConnectionError)"
    )
    assert "`gallery_base_url`" in found["Gallery API"]
    assert found["Studio API"].startswith("PASS")


def test_test_schema_keeps_the_sdk_meaning(fresh_sim, tmp_path):
    result = run_cli(["--test=schema"], config=fresh_sim.tap_config(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    kinds = {json.loads(line)["type"] for line in result.stdout.splitlines()}
    assert kinds == {"SCHEMA"}
    assert fresh_sim.requests == []

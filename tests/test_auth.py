"""Sessions against the simulator: login, cookie rotation, expiry and re-login, redirects.

Every scenario runs the real tap (or its real ``CookieSession``) against the simulator and
checks what the simulator saw: who logged in, which cookies arrived where, and whether the
synced records are exactly the simulator's dataset.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import requests
from harness import catalog_selecting, run_cli, run_everything, run_tap
from recorder import Recorder

from pixieset_simulator.http import Response
from pixieset_simulator.sessions import CSRF_COOKIE, SESSION_COOKIE
from tap_pixieset.auth import CookieSession
from tap_pixieset.cookies import looks_like_login_page
from tap_pixieset.errors import LoginFailedError, SessionExpiredError
from tap_pixieset.login import Credentials
from tap_pixieset.tap import TapPixieset

EXPIRY_STYLES = ("401", "redirect", "html")


def assert_full_dataset(result, sim) -> None:
    """Every stream of the tap emitted exactly the simulator's keys: none lost, none twice."""
    tap = result.tap
    for name, stream in tap.streams.items():
        emitted = result.keys(name, tuple(stream.primary_keys))
        doubled = [key for key, n in Counter(emitted).items() if n > 1]
        assert not doubled, f"{name}: duplicated {doubled[:3]}"
        assert set(emitted) == sim.dataset.expected_keys(name), name


def studio_requests(sim):
    return [r for r in sim.requests if r.api == "studio" and r.path.startswith("/api/v1/")]


# -- login -------------------------------------------------------------------------------


def test_cookie_only_config_never_logs_in(fresh_sim):
    result = run_everything(fresh_sim.tap_config())
    assert_full_dataset(result, fresh_sim)
    assert fresh_sim.login_posts() == 0
    assert fresh_sim.sessions.logins == {"studio": 0, "gallery": 0}


def test_login_on_each_host_keeps_the_cookies_it_sets(fresh_sim):
    config = fresh_sim.tap_config(login=True)
    result = run_everything(config)
    assert_full_dataset(result, fresh_sim)
    assert fresh_sim.login_posts("studio") == 1, (
        "one login for the whole sync, shared by every stream"
    )
    # The Gallery host has its own login and its own session.
    tap = result.tap
    assert tap.check_connections()["gallery"][0] is True
    assert fresh_sim.login_posts("gallery") == 1
    for request in studio_requests(fresh_sim):
        assert f"{SESSION_COOKIE['studio']}=" in request.cookie_header
        assert f"{CSRF_COOKIE}=" in request.cookie_header, (
            "the second cookie of the login is kept too"
        )
        assert SESSION_COOKIE["gallery"] not in request.cookie_header
    gallery = [
        r for r in fresh_sim.requests if r.api == "gallery" and r.path.startswith("/api/v1/")
    ]
    assert gallery and all(SESSION_COOKIE["studio"] not in r.cookie_header for r in gallery)
    login = next(r for r in fresh_sim.requests if r.method == "POST" and r.path == "/login")
    assert login.cookie_header == "", "a login starts from an empty jar"


@pytest.mark.parametrize("workers", [1, 6])
def test_rotated_cookies_are_kept(fresh_sim, workers):
    # Every third request rotates the session cookie and the old one dies a few requests
    # later: only a tap that keeps what Set-Cookie says survives, and it needs no login.
    fresh_sim.sessions.configure(rotate_every=3)
    config = fresh_sim.tap_config(max_concurrency=workers)
    result = run_everything(config)
    assert_full_dataset(result, fresh_sim)
    assert fresh_sim.sessions.rotations["studio"] >= 10
    assert fresh_sim.login_posts() == 0
    if workers == 1:
        assert fresh_sim.sessions.expired_answers["studio"] == 0
    jar = result.tap.session_for("studio").cookie_header()
    token = dict(part.split("=", 1) for part in jar.split("; "))[SESSION_COOKIE["studio"]]
    assert token in fresh_sim.sessions.live_tokens("studio"), "the jar holds the live session"
    assert config["studio_cookie"].split(";")[0] not in jar, "the rotated-away token is gone"
    assert "_ga=GA1.2.12345.67890" in jar, "cookies the server did not rotate stay"


@pytest.mark.parametrize("style", ["401", "redirect"])
def test_refused_login_is_a_clear_error(fresh_sim, style):
    fresh_sim.sessions.configure(login_failure_style=style)
    config = fresh_sim.tap_config(login=True, password="not the password")
    with pytest.raises(LoginFailedError) as caught:
        run_tap(config, streams={"session_types"})
    message = str(caught.value)
    assert "Studio API" in message and "`email` and `password`" in message
    assert "not the password" not in message
    assert fresh_sim.sessions.failed_logins["studio"] == 1
    assert fresh_sim.request_count("studio") == 0, "no API request after a refused login"


# -- expiry ------------------------------------------------------------------------------


@pytest.mark.parametrize("style", EXPIRY_STYLES)
@pytest.mark.parametrize("workers", [1, 6])
def test_expiry_mid_sync_with_credentials_logs_in_again_and_loses_nothing(
    fresh_sim, style, workers
):
    # A browser cookie plus credentials: the nightly set-up. Sessions serve 9 requests,
    # so the sync crosses many expiries, some in the middle of paginated lists.
    fresh_sim.sessions.configure(expire_after=9, expiry_style=style)
    sessions = fresh_sim.sessions
    config = fresh_sim.tap_config(
        email=sessions.email, password=sessions.password, max_concurrency=workers
    )
    result = run_everything(config)
    assert_full_dataset(result, fresh_sim)
    expiries = sessions.expiry_events["studio"]
    assert expiries >= 5
    assert sessions.logins["studio"] == expiries, "exactly one re-login per expiry"
    relogins = [
        line
        for line in result.stderr.splitlines()
        if "Studio API session expired" in line and "logging in again" in line
    ]
    assert len(relogins) == expiries
    if workers == 1:
        # One request at a time: each expiry rejects exactly one request.
        assert sessions.expired_answers["studio"] == expiries
        assert result.tap.session_for("studio").expiry_count == expiries
    else:
        # Requests in flight when a session ran out are all rejected; each is retried, after
        # the one login or with the cookies that login already brought.
        assert sessions.expired_answers["studio"] > expiries
        assert (
            expiries
            <= result.tap.session_for("studio").expiry_count
            <= sessions.expired_answers["studio"]
        )


def test_expired_cookie_without_credentials_stops_with_the_fix_and_keeps_finished_state(
    fresh_sim, tmp_path
):
    sim = fresh_sim
    # Measure how many requests `payments` needs, then give a fresh cookie exactly that
    # many: `payments` finishes and `session_types`, synced after it, meets the expiry.
    run_tap(sim.tap_config(), streams={"payments"})
    needed = sim.request_count("studio", "/invoices/payments/list/")
    sim.sessions.configure(expire_after=needed)
    config = sim.tap_config(studio_cookie=sim.sessions.cookie_header("studio"))
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog_selecting(config, {"payments", "session_types"})))

    result = run_cli(["--catalog", str(catalog_path)], config=config, tmp_path=tmp_path)

    assert result.returncode == 1
    errors = [
        line for line in result.stderr.splitlines() if line.startswith("tap-pixieset: error:")
    ]
    assert len(errors) == 1, result.stderr
    assert "Studio API session has expired" in errors[0]
    assert "`studio_cookie`" in errors[0] and "`email` and `password`" in errors[0]
    assert "Traceback" not in result.stderr
    # The finished stream: every record, then its STATE, before the tap stopped.
    assert set(result.keys("payments", ("id",))) == sim.dataset.expected_keys("payments")
    assert "session_types" not in result.records
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    last_payment = max(
        i for i, m in enumerate(lines) if m.get("stream") == "payments" and m["type"] == "RECORD"
    )
    later_states = [m for m in lines[last_payment:] if m["type"] == "STATE"]
    assert later_states and "payments" in later_states[-1]["value"]["bookmarks"]


@pytest.mark.parametrize("style", ["redirect", "html"])
def test_expiry_without_credentials_in_every_style_names_the_fix(fresh_sim, style):
    fresh_sim.sessions.configure(expire_after=0, expiry_style=style)
    with pytest.raises(SessionExpiredError) as caught:
        run_tap(fresh_sim.tap_config(), streams={"session_types"})
    message = str(caught.value)
    assert "Studio API session has expired" in message and "`studio_cookie`" in message
    assert ("redirect to the login page" if style == "redirect" else "HTML login page") in message


def test_a_fresh_login_that_is_rejected_at_once_stops(fresh_sim):
    # Sessions that never serve a request: one re-login, one retry, then a clear stop.
    fresh_sim.sessions.configure(expire_after=0)
    with pytest.raises(SessionExpiredError, match="rejected a fresh login session"):
        run_tap(fresh_sim.tap_config(login=True), streams={"session_types"})
    assert fresh_sim.sessions.logins["studio"] == 2  # start-up, then one re-login


def test_an_html_page_that_is_not_the_login_page_is_not_an_expiry():
    def response(body: bytes, content_type: str = "text/html") -> requests.Response:
        r = requests.Response()
        r.status_code, r._content = 200, body
        r.headers["Content-Type"] = content_type
        return r

    assert looks_like_login_page(response(b'<!DOCTYPE html><form><input type="password"></form>'))
    assert looks_like_login_page(
        response(b'<html><input type="password" name="p">', "application/octet-stream")
    )
    assert not looks_like_login_page(response(b"<!DOCTYPE html><h1>Down for maintenance</h1>"))
    assert not looks_like_login_page(response(b'{"data": []}', "application/json"))


# -- redirects and origins -----------------------------------------------------------------


def test_a_redirect_to_another_host_carries_no_cookie_or_csrf_token(fresh_sim):
    with Recorder() as other:
        body = {"data": fresh_sim.dataset.tables["session_types"]}
        other.answer_json("/elsewhere/session_types", body)
        fresh_sim.redirect(
            "studio", "/api/v1/session_types/", other.origin + "/elsewhere/session_types"
        )
        config = fresh_sim.tap_config(csrf_token="csrf-token-for-studio-only")
        result = run_tap(config, streams={"session_types"})

    assert set(result.keys("session_types", ("id",))) == fresh_sim.dataset.expected_keys(
        "session_types"
    )
    assert len(other.requests) == 1
    assert other.headers_received("Cookie") == []
    assert other.headers_received("X-CSRF-Token") == []
    first = next(r for r in fresh_sim.requests if r.path == "/api/v1/session_types/")
    assert first.cookie_header == config["studio_cookie"], (
        "the Studio host itself did get the cookie"
    )


def test_credentials_of_every_kind_stay_on_their_origin():
    with Recorder() as origin, Recorder() as other:
        origin.answer(
            "GET", "/api/v1/moved", Response(307, None, [("Location", other.origin + "/x")])
        )
        session = CookieSession(
            "studio", origin.origin + "/api/v1", cookie="s=session-value", csrf_token="csrf-value"
        )
        session.headers["Authorization"] = "Basic from-netrc"
        assert session.get(origin.origin + "/api/v1/moved").status_code == 200
    arrived = other.requests[0].headers
    assert not {"cookie", "x-csrf-token", "authorization"} & set(arrived)
    assert origin.requests[0].headers["cookie"] == "s=session-value"
    assert origin.requests[0].headers["x-csrf-token"] == "csrf-value"


def test_a_redirect_to_the_other_simulated_api_carries_no_cookie(fresh_sim):
    # The simulator's two APIs are two origins on 127.0.0.1 that differ only by port, the
    # case cookie jars that match on domain alone get wrong.
    fresh_sim.redirect("studio", "/api/v1/moved", fresh_sim.base_url("gallery") + "/data/bootstrap")
    config = fresh_sim.tap_config(login=True)
    session = CookieSession(
        "studio",
        fresh_sim.base_url("studio"),
        credentials=Credentials(config["email"], config["password"]),
    )
    response = session.get(fresh_sim.base_url("studio") + "/moved")
    assert response.status_code == 401, "the Gallery API saw no session"
    assert session.expiry_count == 0, "another host's 401 is not this session's expiry"
    assert fresh_sim.sessions.logins["studio"] == 1
    arrived = [r for r in fresh_sim.requests if r.api == "gallery"]
    assert [r.cookie_header for r in arrived] == [""]


def test_a_redirect_on_the_same_host_keeps_the_session(fresh_sim):
    fresh_sim.redirect("studio", "/api/v1/session_types", "/api/v1/session_types/")
    session = CookieSession(
        "studio", fresh_sim.base_url("studio"), cookie=fresh_sim.cookie("studio")
    )
    response = session.get(fresh_sim.base_url("studio") + "/session_types")
    assert response.status_code == 200
    assert len(response.json()["data"]) == len(fresh_sim.dataset.tables["session_types"])
    assert [r.cookie_header for r in fresh_sim.requests] == [fresh_sim.cookie("studio")] * 2


def test_a_redirect_loop_is_an_error_not_an_empty_page(fresh_sim):
    fresh_sim.redirect("studio", "/api/v1/loop", "/api/v1/loop")
    session = CookieSession(
        "studio", fresh_sim.base_url("studio"), cookie=fresh_sim.cookie("studio")
    )
    with pytest.raises(requests.TooManyRedirects, match="redirected more than"):
        session.get(fresh_sim.base_url("studio") + "/loop")


# -- the cookie jar, against a server that says exactly what we need ------------------------


def test_set_cookie_adds_replaces_and_deletes():
    with Recorder() as server:
        server.answer_json(
            "/api/v1/a",
            {"data": []},
            headers=[
                ("Set-Cookie", "added=value-one; Path=/"),
                ("Set-Cookie", "session=rotated-value; Path=/; HttpOnly"),
                ("Set-Cookie", "gone=; Max-Age=0; Path=/"),
                ("Set-Cookie", "old=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"),
            ],
        )
        session = CookieSession(
            "studio",
            server.origin + "/api/v1",
            cookie="session=first-value; gone=g-value; old=o-value",
        )
        session.get(server.origin + "/api/v1/a")
        session.get(server.origin + "/api/v1/b")
    sent = server.headers_received("Cookie")
    assert sent[0] == "session=first-value; gone=g-value; old=o-value"
    assert dict(part.split("=", 1) for part in sent[1].split("; ")) == {
        "session": "rotated-value",
        "added": "value-one",
    }


def test_login_takes_the_csrf_token_from_its_cookie_and_a_5xx_login_is_retriable():
    answers = iter(
        [
            Response(503, {"error": "Service Unavailable"}),
            Response(
                302,
                None,
                [
                    ("Location", "/dashboard"),
                    ("Set-Cookie", "app_session=logged-in-session; Path=/"),
                    ("Set-Cookie", "XSRF-TOKEN=token-from-login; Path=/"),
                ],
            ),
        ]
    )
    with Recorder() as server:
        server.answer("POST", "/login", lambda _request: next(answers))
        session = CookieSession(
            "studio",
            server.origin + "/api/v1",
            csrf_token="configured-token",
            credentials=Credentials("me@example.com", "pw-123456"),
        )
        from singer_sdk.exceptions import RetriableAPIError

        with pytest.raises(RetriableAPIError, match="HTTP 503"):
            session.get(server.origin + "/api/v1/a")
        session.get(server.origin + "/api/v1/a")
    posted = [r for r in server.requests if r.method == "POST"]
    assert [r.form for r in posted] == [{"email": "me@example.com", "password": "pw-123456"}] * 2
    api_call = server.requests[-1]
    assert (
        api_call.headers["cookie"] == "app_session=logged-in-session; XSRF-TOKEN=token-from-login"
    )
    assert api_call.headers["x-csrf-token"] == "token-from-login"
    assert repr(session.credentials) == "Credentials(email=***, password=***)"
    assert "logged-in-session" not in repr(session)


def test_default_base_urls_are_filled_in_when_not_configured():
    tap = TapPixieset(
        config={"studio_cookie": "pixieset_studio_session=abcdefgh"}, setup_mapper=False
    )
    assert tap.streams["clients"].url_base == "https://studio.pixieset.com/api/v1"
    assert tap.config["page_size"] == 100

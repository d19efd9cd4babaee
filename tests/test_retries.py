"""Retries: which failures are retried, how long the tap waits, what it logs, how it gives up."""

from __future__ import annotations

import email.utils
import json
import random
import re
import socket

import pytest
import requests
from harness import run_cli, run_tap
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from pixieset_simulator.faults import Faults
from tap_pixieset.retries import (
    MAX_BACKOFF_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    RETRY_AFTER_JITTER,
    RetriesExhaustedError,
    backoff_wait,
    retry_after_seconds,
)
from tap_pixieset.tap import TapPixieset

NOW = 1_750_000_000.0  # a fixed "now" for HTTP-date arithmetic


def fake_response(
    status: int = 200,
    body: bytes = b'{"data": []}',
    headers: dict | None = None,
    url: str = "https://studio.example/api/v1/clients/?page=1",
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    response.url = url
    response.request = requests.Request("GET", url).prepare()
    return response


def stream(name: str = "clients", **config):
    tap = TapPixieset(
        config={"studio_cookie": "session=abcdefgh", **config},
        validate_config=False,
        setup_mapper=False,
    )
    return tap.streams[name]


# -- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"), [("0", 0.0), ("1", 1.0), ("120", 120.0), (" 7 ", 7.0), ("2.5", 2.5)]
)
def test_retry_after_in_seconds(value, seconds):
    assert (
        retry_after_seconds(fake_response(429, headers={"Retry-After": value}), now=NOW) == seconds
    )


def test_retry_after_as_http_date_counts_from_now():
    header = email.utils.formatdate(NOW + 30, usegmt=True)
    assert retry_after_seconds(fake_response(429, headers={"Retry-After": header}), now=NOW) == 30.0


def test_retry_after_date_in_the_past_means_now():
    header = email.utils.formatdate(NOW - 300, usegmt=True)
    assert retry_after_seconds(fake_response(503, headers={"Retry-After": header}), now=NOW) == 0.0


@pytest.mark.parametrize("headers", [{}, {"Retry-After": ""}, {"Retry-After": "soon"}])
def test_missing_or_garbled_retry_after_is_ignored(headers):
    assert retry_after_seconds(fake_response(429, headers=headers), now=NOW) is None


def test_negative_retry_after_means_now():
    assert retry_after_seconds(fake_response(429, headers={"Retry-After": "-5"}), now=NOW) == 0.0


def test_connection_errors_have_no_retry_after():
    assert retry_after_seconds(None) is None


# -- the wait ------------------------------------------------------------------------------


@pytest.mark.parametrize("retry", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("base", [0.01, 1.0, 2.5])
def test_exponential_wait_is_jittered_between_half_and_all_of_the_nominal_wait(retry, base):
    nominal = min(MAX_BACKOFF_SECONDS, base * 2 ** (retry - 1))
    waits = [backoff_wait(retry, base_seconds=base, rng=random.Random(seed)) for seed in range(200)]
    assert all(nominal / 2 <= wait <= nominal for wait in waits)
    assert len(set(waits)) > 100, "the jitter must actually vary the wait"


def test_exponential_wait_is_capped():
    waits = [backoff_wait(30, base_seconds=1.0, rng=random.Random(seed)) for seed in range(100)]
    assert max(waits) <= MAX_BACKOFF_SECONDS
    assert min(waits) >= MAX_BACKOFF_SECONDS / 2


@pytest.mark.parametrize("asked", [1.0, 10.0, 45.0])
def test_retry_after_is_a_floor_with_a_little_jitter_on_top(asked):
    waits = [
        backoff_wait(1, base_seconds=0.01, retry_after=asked, rng=random.Random(seed))
        for seed in range(200)
    ]
    assert all(asked <= wait <= asked * (1 + RETRY_AFTER_JITTER) for wait in waits)
    assert len(set(waits)) > 100


def test_retry_after_never_shortens_the_backoff():
    # Retry-After 0 on the 4th retry: the exponential schedule still applies.
    waits = [
        backoff_wait(4, base_seconds=1.0, retry_after=0.0, rng=random.Random(seed))
        for seed in range(100)
    ]
    assert min(waits) >= 4.0


def test_retry_after_is_capped():
    waits = [
        backoff_wait(1, base_seconds=1.0, retry_after=86_400, rng=random.Random(seed))
        for seed in range(100)
    ]
    assert all(
        MAX_RETRY_AFTER_SECONDS <= w <= MAX_RETRY_AFTER_SECONDS * (1 + RETRY_AFTER_JITTER)
        for w in waits
    )


def test_wait_generator_reads_retry_after_from_the_failed_response():
    generator = stream(backoff_base_seconds=0.01).backoff_wait_generator()
    generator.send(None)  # backoff primes it, then sends each exception
    too_many = RetriableAPIError("429", fake_response(429, headers={"Retry-After": "3"}))
    assert 3.0 <= generator.send(too_many) <= 3.0 * (1 + RETRY_AFTER_JITTER)
    assert generator.send(requests.exceptions.ConnectionError()) <= 0.02  # 2nd retry: 0.01 * 2


def test_max_tries_is_max_retries_plus_one():
    assert stream(max_retries=0).backoff_max_tries() == 1
    assert stream(max_retries=7).backoff_max_tries() == 8


def test_request_timeout_setting_reaches_the_stream():
    assert stream(request_timeout=7).timeout == 7.0


# -- what is retried -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status):
    with pytest.raises(RetriableAPIError):
        stream().validate_response(fake_response(status, b'{"error": "busy"}'))


@pytest.mark.parametrize("status", [400, 403, 422, 501, 505])
def test_other_errors_fail_at_once_naming_the_endpoint_and_status(status):
    with pytest.raises(FatalAPIError) as caught:
        stream().validate_response(
            fake_response(status, b'{"error": {"code": "x", "message": "nope"}}')
        )
    assert not isinstance(caught.value, RetriableAPIError)
    assert "/api/v1/clients/" in str(caught.value)
    assert f"HTTP {status}" in str(caught.value)


@pytest.mark.parametrize(
    "body", [b'{"data": [{"id": "cl_1"}', b'{"data": [', b"<html", b'{"da', b""]
)
def test_a_200_with_a_truncated_or_empty_body_is_retried(body):
    with pytest.raises(RetriableAPIError):
        stream().validate_response(fake_response(200, body))


def test_a_404_on_a_detail_endpoint_is_a_skip_not_an_error():
    detail = stream("invoice_details")
    response = fake_response(
        404,
        b'{"error": {"code": "invoice_not_found"}}',
        url="https://studio.example/api/v1/invoices/in_gone",
    )
    detail.validate_response(response)  # no exception
    assert list(detail.parse_response(response)) == []


def test_a_404_on_the_first_page_of_a_list_is_an_error():
    with pytest.raises(FatalAPIError):
        stream().validate_response(
            fake_response(404, b"{}", url="https://studio.example/api/v1/clients/?page=1")
        )


def test_a_404_past_the_last_page_ends_the_list():
    stream("invoices").validate_response(
        fake_response(404, b"{}", url="https://studio.example/api/v1/invoices/?page=3&per_page=100")
    )


def test_tls_errors_are_not_retried():
    calls = []

    def send(prepared, context):
        calls.append(1)
        raise requests.exceptions.SSLError("certificate verify failed")

    request = requests.Request("GET", "https://studio.example/api/v1/clients/").prepare()
    with pytest.raises(RetriesExhaustedError, match="after 1 try"):
        stream(max_retries=5).request_decorator(send)(request, None)
    assert len(calls) == 1


# -- against the simulator -----------------------------------------------------------------


def _retry_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Retrying " in line]


def test_each_retry_is_logged_once_without_secrets(fresh_sim):
    fresh_sim.faults = Faults(seed=4, error_rate=0.2, rate_limit_rate=0.1, truncate_rate=0.1)
    config = fresh_sim.tap_config(max_retries=10)
    result = run_tap(config, streams={"clients", "invoices"})
    retries = sum(result.tap.retry_counts.values())
    assert retries == fresh_sim.faults.retried > 0
    assert len(_retry_lines(result.stderr)) == retries
    assert "Backing off" not in result.stderr  # backoff's own handler would log a second line
    cookie_value = config["studio_cookie"].split(";")[0].split("=", 1)[1]
    assert cookie_value not in result.stderr
    assert all(
        re.search(r"after (HTTP (429|50[0234])|bad body), try \d+ of 11", line)
        for line in _retry_lines(result.stderr)
    )


def test_the_tap_waits_at_least_what_retry_after_asks(fresh_sim):
    fresh_sim.faults = Faults(rate_limit_rate=1.0, retry_after="1", limits={"rate_limit": 1})
    result = run_tap(fresh_sim.tap_config(), streams={"session_types"})
    (line,) = _retry_lines(result.stderr)
    assert "[Retry-After: 1]" in line
    assert float(re.search(r"in ([\d.]+) s", line).group(1)) >= 1.0


def test_giving_up_names_the_endpoint_the_tries_and_the_last_status(fresh_sim):
    fresh_sim.faults = Faults(error_rate=1.0)
    with pytest.raises(RetriesExhaustedError) as caught:
        run_tap(fresh_sim.tap_config(max_retries=2), streams={"clients"})
    message = str(caught.value)
    assert message.startswith(
        "Gave up on /api/v1/clients/ (stream 'clients', studio API) after 3 tries"
    )
    assert re.search(r"HTTP 50[0234] \(Server Error: Something went wrong\)", message)
    assert fresh_sim.request_count("studio", "/clients/") == 3


def test_giving_up_after_truncated_bodies_says_so(fresh_sim):
    fresh_sim.faults = Faults(truncate_rate=1.0)
    with pytest.raises(RetriesExhaustedError, match=r"after 2 tries; .*not valid JSON"):
        run_tap(fresh_sim.tap_config(max_retries=1), streams={"session_types"})


def test_giving_up_after_read_timeouts_says_so(fresh_sim):
    fresh_sim.faults = Faults(stall_rate=1.0, stall_seconds=1.5, limits={"stall": 1})
    with pytest.raises(RetriesExhaustedError, match=r"after 1 try; .*no answer within 1 s"):
        run_tap(fresh_sim.tap_config(max_retries=0, request_timeout=1), streams={"session_types"})


def test_connection_errors_are_retried_then_reported(fresh_sim):
    with socket.socket() as probe:  # a loopback port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = fresh_sim.tap_config(max_retries=2, studio_base_url=f"http://127.0.0.1:{port}/api/v1")
    with pytest.raises(
        RetriesExhaustedError, match=r"after 3 tries; .*connection failed \(ConnectionError\)"
    ):
        run_tap(config, streams={"session_types"})


def test_the_cli_reports_exhausted_retries_in_one_line_and_exits_non_zero(fresh_sim, tmp_path):
    fresh_sim.faults = Faults(error_rate=1.0)
    config = fresh_sim.tap_config(max_retries=1)
    result = run_cli([], config=config, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "tap-pixieset: error: Gave up on /api/v1/clients/ (stream 'clients', studio API)"
    )
    assert re.search(r"after 2 tries; the last one failed with HTTP 50[0234]", last)
    assert config["studio_cookie"] not in result.stderr
    assert all(
        json.loads(line)["type"] != "RECORD" for line in result.stdout.splitlines() if line.strip()
    )

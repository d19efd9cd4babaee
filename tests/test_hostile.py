"""A hostile server: every byte from the server is untrusted.

Each case runs the real command line against a small loopback HTTP server of its own (not
the simulator) that answers one hostile way, within a time bound, and asserts the promise:
the exit code, one error line and no traceback, no secret in stdout or stderr, strict JSON
on every stdout line (a parser that refuses NaN), the time taken and, where it means
something, the child's peak memory: its ``VmHWM`` (the kernel's high-water mark of the
process's resident memory since ``exec``), read from ``/proc`` while it runs. ``ru_maxrss``
from ``wait4`` would also count the test process's own memory, copied at ``fork``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from harness import ROOT, catalog_selecting

from tap_pixieset.redaction import Redactor

LONG_SECRET = "S3CR3T-hostile-session-0123456789"
COOKIE = f"s=abc; sess={LONG_SECRET}"
CSRF = "tok12"
PASSWORD = "client"
#: Values that must never be printed as a whole token.
SHORT_SECRETS = ("abc", CSRF)
#: The tap's own peak memory on a tiny sync is about 60 MB; every bounded case must stay
#: within this much (a 2 GiB bomb inflated, or a 16 MB page held as JSON, would not).
MAX_RSS_MB = 120
API = "/api/v1"
#: The interpreter and tree the tap runs from (benchmarks/hostile.py points them at another
#: checkout to measure it "before").
TAP_PYTHON = sys.executable
TAP_ROOT = ROOT


# -- the server ------------------------------------------------------------------------------

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    """Answers each request with the route registered for its path (404 JSON otherwise)."""

    server: Hostile
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        """Log the request, then answer it by route."""
        path = urlsplit(self.path).path
        self.server.requests.append((time.monotonic(), self.path))
        route = self.server.routes.get(path)
        try:
            if route is None:
                send(self, 404, b'{"error": "not found"}')
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the tap hung up: that is what it should do

    do_POST = do_GET

    @property
    def page(self) -> int:
        """The ``page`` query parameter (1 when absent)."""
        return int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])


class Hostile(ThreadingHTTPServer):
    """A loopback server whose answers each test sets in ``routes``."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[float, str]] = []

    @property
    def base_url(self) -> str:
        """The base URL to configure as ``studio_base_url``."""
        return f"http://127.0.0.1:{self.server_address[1]}{API}"


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    """A whole answer with a Content-Length."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def drip(handler: BaseHTTPRequestHandler, data: bytes, every: float = 0.2) -> None:
    """Write ``data`` one byte at a time, ``every`` seconds apart."""
    for byte in data:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(every)


@pytest.fixture
def server():
    hostile = Hostile()
    thread = threading.Thread(target=hostile.serve_forever, daemon=True)
    thread.start()
    try:
        yield hostile
    finally:
        hostile.shutdown()
        hostile.server_close()


# -- running the tap ---------------------------------------------------------------------------


class TimeBoundExceeded(AssertionError):
    """The tap was still running at the time bound of its case (it was killed)."""


@dataclass
class Run:
    """What one run of the tap did."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    rss_mb: float
    signalled_at: float | None = None
    #: Every stdout line, parsed as strict JSON; ``invalid``: the lines that are not.
    lines: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        """The tap's one-line error messages."""
        return [line for line in self.stderr.splitlines() if line.startswith("tap-pixieset: ")]


def config_for(server: Hostile, **extra: Any) -> dict[str, Any]:
    """Studio only, every secret kind set, fast retries, tight bounds."""
    return {
        "studio_base_url": server.base_url,
        "gallery_base_url": server.base_url,  # never the internet
        "studio_cookie": COOKIE,
        "csrf_token": CSRF,
        "email": "owner@example.com",
        "password": PASSWORD,
        "max_requests_per_second": 0,
        "backoff_base_seconds": 0.01,
        "max_retries": 1,
        "request_timeout": 5,
        "max_request_seconds": 2,
        "max_response_mb": 8,
        "max_concurrency": 4,
        **extra,
    }


def run(
    tmp_path: Path,
    config: dict[str, Any],
    streams: set[str] | None = None,
    *,
    args: tuple[str, ...] = (),
    timeout: float = 60,
    signal_when: Callable[[str], bool] | None = None,
    signum: int = signal.SIGTERM,
    env_extra: dict[str, str] | None = None,
) -> Run:
    """Run ``tap-pixieset`` as a child process; kill it (and fail) past ``timeout`` seconds."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    argv = [TAP_PYTHON, "-m", "tap_pixieset", "--config", str(config_path), *args]
    if streams is not None:
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(catalog_selecting(config, streams)))
        argv += ["--catalog", str(catalog)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_PIXIESET_")}
    env.update(env_extra or {})
    out_path, err_path = tmp_path / "stdout", tmp_path / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.monotonic()
        child = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=TAP_ROOT)
        signalled_at = None
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _high_water_kb(child.pid))
            pid, status, _ = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if signal_when and signalled_at is None and signal_when(err_path.read_text()):
                child.send_signal(signum)
                signalled_at = time.monotonic()
            if time.monotonic() - started > timeout:
                child.kill()
                os.wait4(child.pid, 0)
                raise TimeBoundExceeded(f"the tap ran past the {timeout} s bound of this case")
            time.sleep(0.02)
        child.returncode = os.waitstatus_to_exitcode(status)
    result = Run(
        code=child.returncode,
        stdout=out_path.read_text(),
        stderr=err_path.read_text(),
        seconds=time.monotonic() - (signalled_at or started),
        rss_mb=peak_kb / 1024,
        signalled_at=signalled_at,
    )
    for line in result.stdout.splitlines():
        try:
            result.lines.append(strict_json(line))
        except ValueError:
            result.invalid.append(line[:200])
    return result


def _high_water_kb(pid: int) -> int:
    """The peak resident memory of a running process, in KiB (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def _refuse(name: str) -> None:
    raise ValueError(f"stdout carries the non-JSON literal {name}")


def strict_json(line: str) -> dict[str, Any]:
    """Parse one stdout line as strict JSON: NaN and Infinity are failures."""
    return json.loads(line, parse_constant=_refuse)


def assert_kept_promises(
    result: Run,
    *,
    code: int,
    seconds: float,
    rss_mb: float | None = MAX_RSS_MB,
    one_line: bool = True,
) -> None:
    """Exit code, one error line, no traceback, no secret, and the time and memory bounds."""
    assert result.code == code, result.stderr[-3000:]
    assert result.invalid == [], "every stdout line is strict JSON"
    assert "Traceback" not in result.stderr
    if code == 1 and one_line:
        assert len(result.errors()) == 1, result.stderr[-3000:]
    text = result.stdout + result.stderr
    assert LONG_SECRET not in text
    for secret in SHORT_SECRETS:
        assert not re.search(rf"(?<![A-Za-z0-9_]){secret}(?![A-Za-z0-9_])", text), secret
    assert result.seconds < seconds, f"took {result.seconds:.1f} s"
    if rss_mb is not None:
        assert result.rss_mb < rss_mb, f"peak memory {result.rss_mb:.0f} MB"


def json_route(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Route:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda handler: send(handler, status, data, headers)


def items(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"st_{n}", "name": f"Session {n}"} for n in range(start, start + count)]


# -- memory ------------------------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_cap_after_inflating(server, tmp_path):
    # 2 GiB of zeros in about 2 MB: gzip members of 1 MiB each, one after the other.
    member = gzip.compress(b"\0" * 2**20)
    bomb = member * 2048
    server.routes[f"{API}/session_types/"] = json_route(bomb, headers={"Content-Encoding": "gzip"})
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=60)
    assert_kept_promises(result, code=1, seconds=30)
    (error,) = result.errors()
    assert "/api/v1/session_types/" in error and "max_response_mb" in error
    assert "larger than 8 MB" in error


def test_a_huge_valid_page_stops_at_the_cap(server, tmp_path):
    body = json.dumps({"data": items(400_000)}).encode()  # about 16 MB
    assert len(body) > 10 * 2**20
    server.routes[f"{API}/session_types/"] = json_route(body)
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=60)
    assert_kept_promises(result, code=1, seconds=30)
    assert "max_response_mb" in result.errors()[0]


# -- time --------------------------------------------------------------------------------------


def _drip_body(handler: Handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    drip(handler, b" " * 1000)


def _drip_headers(handler: Handler) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    drip(handler, b"X-Slow: " + b"a" * 1000)


@pytest.mark.parametrize("route", [_drip_body, _drip_headers], ids=["body", "headers"])
def test_a_dripping_answer_ends_at_the_total_deadline(server, tmp_path, route):
    server.routes[f"{API}/session_types/"] = route
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=40)
    # Two tries of at most 2 s each (max_retries 1, max_request_seconds 2), plus start-up.
    assert_kept_promises(result, code=1, seconds=30)
    (error,) = result.errors()
    assert "max_request_seconds" in error and "/api/v1/session_types/" in error
    assert len(server.requests) == 2


def test_the_connection_test_is_bounded_by_the_deadline_too(server, tmp_path):
    server.routes[f"{API}/notifications/all"] = _drip_body
    result = run(tmp_path, config_for(server), args=("--test",), timeout=30)
    assert_kept_promises(result, code=1, seconds=30, one_line=False)
    (studio,) = [line for line in result.stderr.splitlines() if line.startswith("Studio API")]
    assert studio.startswith("Studio API: FAIL") and "`max_request_seconds`" in studio


# -- stopping ----------------------------------------------------------------------------------


def _invoices(count: int) -> Route:
    return json_route({"data": [{"id": f"in_{n}"} for n in range(count)], "meta": {"total": count}})


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_a_signal_stops_retries_and_requests_within_seconds(server, tmp_path, signum, code):
    server.routes[f"{API}/invoices/"] = _invoices(30)
    busy = json_route({"error": "busy"}, 503, {"Retry-After": "15"})
    for n in range(30):
        server.routes[f"{API}/invoices/in_{n}"] = busy
    result = run(
        tmp_path,
        config_for(server, max_retries=5),
        {"invoices", "invoice_details"},
        timeout=40,
        signal_when=lambda stderr: "Retrying" in stderr,
        signum=signum,
    )
    assert_kept_promises(result, code=code, seconds=5)
    late = [path for when, path in server.requests if when > (result.signalled_at or 0) + 0.2]
    assert late == [], "no request or retry after the signal"
    assert result.lines and result.lines[-1]["type"] == "STATE"


def test_a_signal_abandons_a_dripping_child_body(server, tmp_path):
    server.routes[f"{API}/invoices/"] = _invoices(8)
    for n in range(8):
        server.routes[f"{API}/invoices/in_{n}"] = _drip_body
    result = run(
        tmp_path,
        config_for(server, max_request_seconds=60, request_timeout=30),
        {"invoices", "invoice_details"},
        timeout=40,
        signal_when=lambda _: any("/invoices/in_" in path for _, path in server.requests),
    )
    assert_kept_promises(result, code=143, seconds=5)
    assert result.lines[-1]["type"] == "STATE"


# -- endless lists -----------------------------------------------------------------------------


def _paged(meta: Callable[[int], dict[str, Any]]) -> Route:
    def route(handler: Handler) -> None:
        page = handler.page
        body = {"data": items(100, 100 * page), "meta": {"current_page": page, **meta(page)}}
        send(handler, 200, json.dumps(body).encode())

    return route


@pytest.mark.parametrize(
    ("meta", "most_requests"),
    [
        (lambda page: {"last_page": page + 1}, 8),  # always one more page: 2 reported
        (lambda page: {"last_page": 10**9}, 1),  # beyond any credible list: refused at once
        (lambda page: {"total": 1000 * page, "per_page": 100}, 18),  # a total that keeps growing
    ],
    ids=["one-more-page", "last-page-1e9", "growing-total"],
)
def test_an_endless_list_ends_at_a_bound_from_its_reported_size(
    server, tmp_path, meta, most_requests
):
    server.routes[f"{API}/session_types/"] = _paged(meta)
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=60)
    assert_kept_promises(result, code=1, seconds=30)
    assert "/api/v1/session_types/" in result.errors()[0]
    assert len(server.requests) <= most_requests


# -- invalid output ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"id": "st_1", "duration": NaN}]}',
        b'{"data": [{"id": "st_1", "duration": -Infinity}]}',
        b'{"data": [{"id": "st_1", "duration": 1e999}]}',
        b'{"data": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        b'{"data": [{"id": "st_1", "location": ' + b'{"a": ' * 350 + b"1" + b"}" * 350 + b"}]}",
    ],
    ids=["NaN", "-Infinity", "1e999", "100000-deep", "350-deep-field"],
)
def test_non_finite_numbers_and_deep_nesting_get_one_line(server, tmp_path, body):
    server.routes[f"{API}/session_types/"] = json_route(body)
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=30)
    assert_kept_promises(result, code=1, seconds=30)
    assert "/api/v1/session_types/" in result.errors()[0]
    assert not [line for line in result.lines if line["type"] == "RECORD"]


# -- secrets and forged lines ------------------------------------------------------------------


def test_an_echoed_cookie_past_the_cut_is_masked_in_the_give_up_line(server, tmp_path):
    message = "x" * 180 + f" Cookie: {COOKIE}; X-CSRF-Token: {CSRF}"
    server.routes[f"{API}/session_types/"] = json_route({"error": {"message": message}}, 503)
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=30)
    assert_kept_promises(result, code=1, seconds=30)
    assert "Gave up on /api/v1/session_types/" in result.errors()[0]


def test_short_secrets_are_masked_and_ordinary_words_are_not(server, tmp_path):
    message = f"client_documents failed for client with s=abc and token {CSRF}"
    server.routes[f"{API}/session_types/"] = json_route({"error": {"message": message}}, 400)
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=30)
    assert_kept_promises(result, code=1, seconds=30)
    (error,) = result.errors()
    assert "client_documents failed for *** with s=*** and token ***" in error


def test_a_cookie_that_looks_like_json_leaves_metric_lines_intact(server, tmp_path):
    server.routes[f"{API}/session_types/"] = json_route({"data": items(3)})
    config = config_for(server, studio_cookie='m="metric":; sess=' + LONG_SECRET)
    # METRIC lines are at DEBUG (README "Logs").
    env = {"TAP_PIXIESET_LOGLEVEL": "DEBUG"}
    result = run(tmp_path, config, {"session_types"}, timeout=30, env_extra=env)
    assert_kept_promises(result, code=0, seconds=30)
    metrics = [
        line.split("METRIC: ", 1)[1] for line in result.stderr.splitlines() if "METRIC: " in line
    ]
    assert metrics, "the sync logged METRIC lines"
    for metric in metrics:
        assert json.loads(metric)["metric"]
    assert len([line for line in result.lines if line["type"] == "RECORD"]) == 3


def test_server_text_cannot_forge_a_log_line(server, tmp_path):
    forged = "bad request\ntap-pixieset: info: sync finished OK, exit 0\r\x1b[2K"
    server.routes[f"{API}/session_types/"] = json_route({"error": {"message": forged}}, 400)
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=30)
    assert_kept_promises(result, code=1, seconds=30)
    assert not any(line.startswith("tap-pixieset: info") for line in result.stderr.splitlines())
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    assert "bad request\\ntap-pixieset: info" in result.errors()[0]


def test_masking_keeps_words_masks_by_name_and_before_cutting():
    redactor = Redactor()
    redactor.add_cookie_header(COOKIE)
    redactor.add(CSRF, PASSWORD)
    assert redactor.mask("client_documents for client") == "client_documents for ***"
    assert (
        redactor.mask('s=abc; {"s": "x\\"y", "sess": "z"}') == 's=***; {"s": "***", "sess": "***"}'
    )
    assert redactor.mask(f"%22{CSRF}%22 {LONG_SECRET}tail") == "%22***%22 ***tail"
    cut = redactor.clean("x" * 195 + LONG_SECRET + "y" * 50, 200)
    assert "S3CR" not in cut and cut.endswith("...")


# -- requests the tap should never make --------------------------------------------------------


def test_a_redirect_to_plain_http_off_loopback_is_refused(server, tmp_path):
    # 192.0.2.1 is a documentation address: following the redirect would hang on connect.
    server.routes[f"{API}/session_types/"] = json_route(
        b"", 302, {"Location": "http://192.0.2.1/api/v1/session_types/"}
    )
    result = run(tmp_path, config_for(server), {"session_types"}, timeout=30)
    assert_kept_promises(result, code=1, seconds=30)
    (error,) = result.errors()
    assert "redirected /api/v1/session_types/ to 192.0.2.1 over http" in error
    assert len(server.requests) == 1


def test_items_without_an_id_are_emitted_but_never_requested_as_none(server, tmp_path):
    server.routes[f"{API}/invoices/"] = json_route(
        {"data": [{"id": "in_1"}, {"number": "0002"}, {"id": None, "number": "0003"}]}
    )
    server.routes[f"{API}/invoices/in_1"] = json_route({"data": {"id": "in_1", "number": "0001"}})
    server.routes[f"{API}/coupons"] = json_route({"data": [{"code": "NOID"}, {"id": "cp_1"}]})
    server.routes[f"{API}/coupons/cp_1/"] = json_route({"data": {"id": "cp_1", "code": "C1"}})
    result = run(tmp_path, config_for(server), {"invoices", "invoice_details", "coupons"})
    assert_kept_promises(result, code=0, seconds=30)
    paths = [urlsplit(path).path for _, path in server.requests]
    assert not [path for path in paths if "None" in path or path.endswith("/coupons//")]
    records = [line for line in result.lines if line["type"] == "RECORD"]
    assert len([r for r in records if r["stream"] == "invoices"]) == 3
    assert [r["record"]["id"] for r in records if r["stream"] == "invoice_details"] == ["in_1"]
    assert len([r for r in records if r["stream"] == "coupons"]) == 2
    warnings = [line for line in result.stderr.splitlines() if "without `id`" in line]
    assert len(warnings) == 2, warnings  # one per stream: invoices and coupons
    assert any("'invoices'" in line for line in warnings)
    assert any("'coupons'" in line for line in warnings)


# -- the pieces behind the promises ------------------------------------------------------------


def test_the_writer_refuses_non_finite_numbers_with_one_line_naming_the_stream():
    from singer_sdk.singerlib.messages import RecordMessage

    from tap_pixieset.writer import NonFiniteOutputError, encode

    with pytest.raises(NonFiniteOutputError, match="stream 'invoices'"):
        encode(RecordMessage(stream="invoices", record={"id": "in_1", "total": float("nan")}))
    assert encode(RecordMessage(stream="invoices", record={"total": 1.5})).startswith("{")


def test_duplicate_keys_are_compact_digests():
    from tap_pixieset.list_reader import dedupe_key

    key = dedupe_key({"id": "in_1", "client_id": "cl_1"}, ("client_id", "id"), None)
    assert isinstance(key, int) and key.bit_length() <= 96
    assert key == dedupe_key({"id": "in_1"}, ("client_id", "id"), {"client_id": "cl_1"})
    assert key != dedupe_key({"id": "cl_1 in_1"}, ("id",), None)
    assert sys.getsizeof(key) <= 40  # against about 190 bytes for a tuple of strings


def test_a_stop_refuses_new_requests_and_ends_waits_at_once():
    from tap_pixieset.transport import (
        StoppedError,
        abort_all,
        deadline,
        reset_stop,
        wait_unless_stopped,
    )

    timer = threading.Timer(0.2, abort_all)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(StoppedError):
            wait_unless_stopped(30)
        assert time.monotonic() - started < 5
        with pytest.raises(StoppedError), deadline(10):
            pass
    finally:
        timer.join()
        reset_stop()

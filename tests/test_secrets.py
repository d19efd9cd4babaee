"""The secret scan: recognisable secrets through every session scenario, and none in the output.

Every configured secret starts with ``S3CR3T``; the secrets the tap obtains at run time
(login cookies, rotated cookies, CSRF tokens) are the simulator's ``sessions.issued``.
Each scenario runs the real command line at DEBUG level (urllib3's and the SDK's debug
lines included), checks that the scenario did what it is about, then asserts that no
secret, and no fragment of one, appears anywhere in stdout or stderr: log lines, METRIC
lines, error messages, RECORD, SCHEMA and STATE messages, the catalog.
"""

from __future__ import annotations

import io
import json
import logging
import warnings

import pytest
from harness import catalog_selecting, run_cli
from recorder import Recorder

from pixieset_simulator import Simulator
from tap_pixieset.redaction import REDACTOR, Redactor, install_log_redaction, mask_exception

MARK = "S3CR3T"
STUDIO_TOKEN = f"{MARK}-studio-session-7f2a9c"
GALLERY_TOKEN = f"{MARK}-gallery-session-4b8e1d"
CSRF = f"{MARK}-csrf-token-91c3e7"
PASSWORD = f"{MARK}-password-5d0f2b"
WRONG_PASSWORD = f"{MARK}-wrong-password-e3a1"
STALE = f"{MARK}-stale-cookie-0c6d"
URL_SECRET = f"{MARK}-url-userinfo-83aa"
DEBUG = {"LOGLEVEL": "DEBUG"}

STRUCTURED_LOGGING = """
version: 1
disable_existing_loggers: false
formatters:
  structured:
    (): singer_sdk.logging.StructuredFormatter
handlers:
  stderr:
    class: logging.StreamHandler
    formatter: structured
    stream: ext://sys.stderr
root:
  level: DEBUG
  handlers: [stderr]
"""


@pytest.fixture
def sim():
    with Simulator() as simulator:
        simulator.sessions.password = PASSWORD
        yield simulator


def cookie_config(sim: Simulator, **extra) -> dict:
    return sim.tap_config(
        studio_cookie=sim.sessions.cookie_header("studio", STUDIO_TOKEN),
        gallery_cookie=sim.sessions.cookie_header("gallery", GALLERY_TOKEN),
        csrf_token=CSRF,
        **extra,
    )


def login_config(sim: Simulator, **extra) -> dict:
    return sim.tap_config(login=True, csrf_token=CSRF, **extra)


def assert_no_secret(result, sim: Simulator) -> None:
    """Neither a configured secret (or any part of one) nor a run-time one is in the output."""
    runtime = [token for token in sim.sessions.issued if MARK not in token]
    for channel, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert MARK not in text, (
            f"a configured secret in {channel}: ...{text[max(0, text.find(MARK) - 80) :][:200]}"
        )
        for token in runtime:
            assert token[:12] not in text, f"a run-time session or CSRF token in {channel}"


def assert_synced_everything(result, sim: Simulator) -> None:
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.records["clients"] and result.states, (
        "the scan must cover RECORD and STATE messages"
    )
    assert "METRIC:" in result.stderr or '"metric_info"' in result.stderr, "and METRIC lines"
    assert set(result.keys("payments", ("id",))) == sim.dataset.expected_keys("payments")


def test_cookies_with_rotation(sim, tmp_path):
    sim.sessions.configure(rotate_every=2)
    result = run_cli([], config=cookie_config(sim), tmp_path=tmp_path, env=DEBUG)
    assert_synced_everything(result, sim)
    assert sim.sessions.rotations["studio"] > 20
    assert "urllib3.connectionpool" in result.stderr, "DEBUG lines are part of the scan"
    assert_no_secret(result, sim)


@pytest.mark.parametrize("style", ["401", "redirect", "html"])
def test_login_with_expiry_and_rotation(sim, tmp_path, style):
    sim.sessions.configure(expire_after=7, expiry_style=style, rotate_every=3)
    env = dict(DEBUG)
    if style == "html":  # one run with the SDK's JSON log lines, which print exceptions themselves
        (tmp_path / "logging.yml").write_text(STRUCTURED_LOGGING)
        env["SINGER_SDK_LOG_CONFIG"] = str(tmp_path / "logging.yml")
    result = run_cli([], config=login_config(sim), tmp_path=tmp_path, env=env)
    assert_synced_everything(result, sim)
    assert sim.sessions.logins["studio"] > 5 and sim.sessions.rotations["studio"] > 5
    assert "logging in again" in result.stderr
    assert_no_secret(result, sim)


def test_expired_cookie_without_credentials(sim, tmp_path):
    config = cookie_config(sim)
    config["studio_cookie"] = f"pixieset_studio_session={STALE}; XSRF-TOKEN={STALE}-x"
    result = run_cli([], config=config, tmp_path=tmp_path, env=DEBUG)
    assert result.returncode == 1
    assert "tap-pixieset: error: The Studio API session has expired" in result.stderr
    assert_no_secret(result, sim)


def test_refused_login(sim, tmp_path):
    result = run_cli(
        [], config=login_config(sim, password=WRONG_PASSWORD), tmp_path=tmp_path, env=DEBUG
    )
    assert result.returncode == 1
    assert "tap-pixieset: error: Login to the Studio API" in result.stderr
    assert sim.sessions.failed_logins["studio"] == 1
    assert_no_secret(result, sim)


def test_bad_configs(sim, tmp_path):
    config = cookie_config(
        sim,
        gallery_base_url=f"https://me:{URL_SECRET}@galleries.pixieset.com/api/v1",
        page_size=f"{MARK}-page-size",
        flattening_enabled=f"{MARK}-flattening",
        password=PASSWORD,
    )
    config["studio_cookie"] += f";\n extra={MARK}-after-line-break"
    result = run_cli([], config=config, tmp_path=tmp_path, env=DEBUG)
    assert result.returncode == 1
    for setting in (
        "gallery_base_url",
        "page_size",
        "flattening_enabled",
        "studio_cookie",
        "password",
    ):
        assert f"`{setting}`" in result.stderr, setting
    assert_no_secret(result, sim)


@pytest.mark.parametrize("stale", [False, True], ids=["pass", "fail"])
def test_connection_test(sim, tmp_path, stale):
    config = login_config(sim) if not stale else cookie_config(sim)
    if stale:
        sim.sessions.expire_all()
    result = run_cli(["--test"], config=config, tmp_path=tmp_path, env=DEBUG)
    assert result.returncode == (1 if stale else 0)
    assert ("Studio API: FAIL" if stale else "Studio API: PASS") in result.stderr
    assert_no_secret(result, sim)


def test_discovery(sim, tmp_path):
    result = run_cli(
        ["--discover"], config=cookie_config(sim, password=PASSWORD), tmp_path=tmp_path, env=DEBUG
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["streams"]
    assert_no_secret(result, sim)


def test_an_api_error_that_echoes_a_secret(sim, tmp_path):
    # A server that quotes the session in its error body, long enough that the tap's
    # 200-character cut would fall in the middle of the secret.
    with Recorder() as other:
        other.answer_json(
            "/echo",
            {"error": {"code": "bad", "message": "x" * 180 + f" session {STUDIO_TOKEN} ..."}},
            400,
        )
        sim.redirect("studio", "/api/v1/session_types/", other.origin + "/echo")
        config = cookie_config(sim)
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(catalog_selecting(config, {"session_types"})))
        result = run_cli(["--catalog", str(catalog)], config=config, tmp_path=tmp_path, env=DEBUG)
    assert result.returncode == 1
    assert "tap-pixieset: error: The studio API answered HTTP 400" in result.stderr
    assert "***" in result.stderr, "the echoed secret was masked, not dropped by chance"
    assert_no_secret(result, sim)


# -- the masking itself ---------------------------------------------------------------------


@pytest.fixture
def captured_logs():
    """A logger that writes through the SDK's JSON formatter, and what it wrote."""
    from singer_sdk.logging import StructuredFormatter

    install_log_redaction()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(StructuredFormatter())
    logger = logging.getLogger("tests.secrets")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_log_lines_exceptions_and_warnings_are_masked(captured_logs):
    logger, stream = captured_logs
    REDACTOR.add(PASSWORD)
    REDACTOR.add_cookie_header(f"a={STUDIO_TOKEN}; b=short")
    logger.warning("whole cookie %s", f"a={STUDIO_TOKEN}; b=short")
    logger.warning("value %s, password %s, and b=short", STUDIO_TOKEN, PASSWORD)
    try:
        try:
            raise ValueError(f"inner {PASSWORD}")
        except ValueError as inner:
            raise RuntimeError(f"outer {STUDIO_TOKEN}") from inner
    except RuntimeError:
        logger.exception("failed")
    logging.captureWarnings(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            logging.getLogger("py.warnings").addHandler(logger.handlers[0])
            warnings.warn(f"about {STUDIO_TOKEN}", UserWarning, stacklevel=1)
    finally:
        logging.getLogger("py.warnings").removeHandler(logger.handlers[0])
        logging.captureWarnings(False)
    text = stream.getvalue()
    assert MARK not in text
    assert text.count("***") >= 6
    assert "b=***" in text and "short" not in text, "a cookie is masked by its name, however short"


def test_metric_lines_without_secrets_keep_their_structure(captured_logs):
    from singer_sdk import metrics

    logger, stream = captured_logs
    REDACTOR.add(PASSWORD)
    metrics.log(
        logger, metrics.Point("counter", metrics.Metric.RECORD_COUNT, 3, {"stream": "clients"})
    )
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["message"] == "METRIC"
    assert line["metric_info"]["tags"] == {"stream": "clients"}


def test_mask_exception_follows_the_chain_and_survives_odd_exceptions():
    redactor = Redactor()
    redactor.add(PASSWORD)
    try:
        try:
            raise KeyError(PASSWORD)
        except KeyError:
            raise OSError(2, f"no such file {PASSWORD}") from None
    except OSError as exc:
        error = exc
    error.__context__ = KeyError(PASSWORD)
    mask_exception(error, redactor)
    assert MARK not in str(error) and MARK not in str(error.__context__)
    assert error.errno == 2

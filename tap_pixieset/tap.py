"""TapPixieset: settings, stream discovery, one cookie session per API, and the CLI."""

from __future__ import annotations

import copy
import logging
import sys
import threading
from collections import Counter
from pathlib import PurePath
from typing import Any

import click
import requests
from singer_sdk.exceptions import (
    ConfigValidationError,
    FatalAPIError,
    MappingError,
    RetriableAPIError,
)
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities
from typing_extensions import override

from tap_pixieset.auth import CookieSession
from tap_pixieset.concurrency import ChildPrefetcher
from tap_pixieset.config_input import load_settings
from tap_pixieset.connection_test import APIS, check_connections
from tap_pixieset.envelope import UnexpectedResponseError
from tap_pixieset.errors import PixiesetUserError
from tap_pixieset.input_files import JsonObjectFile, read_json_object
from tap_pixieset.login import Credentials
from tap_pixieset.pagination import PaginationError
from tap_pixieset.redaction import REDACTOR, install_log_redaction
from tap_pixieset.run_metrics import metrics_at_debug
from tap_pixieset.run_report import announce_empty_streams, log_schema_drift
from tap_pixieset.sdk_hooks import HookedTap, quiet_routine_lines
from tap_pixieset.settings import CONFIG_SCHEMA, DEFAULT_GALLERY_BASE_URL, DEFAULT_STUDIO_BASE_URL
from tap_pixieset.shutdown import stop_all_work
from tap_pixieset.streams import STREAM_TYPES
from tap_pixieset.versions import TableVersions
from tap_pixieset.writer import BufferedJsonWriter

_BASE_URL_DEFAULTS = {"studio": DEFAULT_STUDIO_BASE_URL, "gallery": DEFAULT_GALLERY_BASE_URL}


class TapPixieset(HookedTap):
    """Singer tap for the Pixieset Studio and Gallery APIs."""

    name = "tap-pixieset"
    message_writer_class = BufferedJsonWriter
    # A copy: the SDK adds its built-in settings to this dict in place.
    config_jsonschema = copy.deepcopy(CONFIG_SCHEMA)
    capabilities = [
        TapCapabilities.CATALOG,
        TapCapabilities.DISCOVER,
        TapCapabilities.STATE,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.BATCH,
    ]

    @override
    def __init__(
        self,
        *,
        config: dict[str, Any] | PurePath | str | list[PurePath | str] | None = None,
        parse_env_config: bool = False,
        validate_config: bool = True,
        **kwargs: Any,
    ) -> None:
        """Read and check the settings, then hand them to the SDK as a plain dict.

        The tap reads ``TAP_PIXIESET_*`` variables and checks the settings itself, with
        messages that name the setting and never echo a value (it may be a secret): the
        SDK's own parser and validator quote values, or fail with a traceback.
        """
        install_log_redaction()
        self._sessions: dict[str, CookieSession] = {}
        self._sessions_lock = threading.Lock()
        self._skip_warned: set[str] = set()
        #: This run's table version, when deletions are on (see versions).
        self._versions: TableVersions | None = None
        self.retry_counts: dict[str, int] = dict.fromkeys(APIS, 0)
        self._counter_lock = threading.Lock()
        self._prefetcher: ChildPrefetcher | None = None
        #: Retries by why they were needed ("HTTP 503", "timeout", "bad body"...) and by stream.
        self.retry_reasons: Counter[str] = Counter()
        self.stream_retries: Counter[str] = Counter()
        #: Records dropped because this run had already emitted them, per stream.
        self.duplicates_dropped: Counter[str] = Counter()
        #: Extra reads of a list that changed while it was paged, per stream.
        self.list_rereads: Counter[str] = Counter()
        #: Routine second reads of lists without counts, which confirmed them, per stream.
        self.list_confirmations: Counter[str] = Counter()
        # Before the SDK logs the stream tree, and where it warns about unsorted streams.
        quiet_routine_lines(logging.getLogger(self.name), logging.getLogger("singer_sdk"))
        settings = load_settings(
            config,
            schema=self.settings_schema(),
            parse_env=parse_env_config,
            validate=validate_config,
            logger=self.logger,
        )
        super().__init__(
            config=settings, parse_env_config=False, validate_config=validate_config, **kwargs
        )
        metrics_at_debug(self.metrics_logger, self.logger)

    # -- settings ------------------------------------------------------------------------

    @classmethod
    def settings_schema(cls) -> dict[str, Any]:
        """The full settings schema: the tap's settings and the SDK's built-in ones."""
        schema = cls.config_jsonschema
        cls.append_builtin_config(schema)
        return schema

    def setting(self, name: str, default: Any = None) -> Any:
        """A setting's value, or its default when unset."""
        value = self.config.get(name)
        return default if value is None else value

    # -- sessions ------------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials | None:
        """Login credentials when both ``email`` and ``password`` are set."""
        email, password = self.config.get("email"), self.config.get("password")
        return Credentials(email, password) if email and password else None

    def api_configured(self, api: str) -> bool:
        """True when the tap has a cookie or credentials for ``api``."""
        return bool(self.config.get(f"{api}_cookie")) or self.credentials is not None

    def api_available(self, api: str) -> bool:
        """Like :meth:`api_configured`, warning once per API when it is not."""
        if self.api_configured(api):
            return True
        if api not in self._skip_warned:
            self._skip_warned.add(api)
            self.logger.warning(
                "Skipping every %s stream: no %s session is configured. Set `%s_cookie` "
                "(copied from a logged-in browser) or `email` and `password` to sync them.",
                api.capitalize(),
                api.capitalize(),
                api,
            )
        return False

    def base_url(self, api: str) -> str:
        """The configured base URL of ``api``."""
        return str(self.setting(f"{api}_base_url", _BASE_URL_DEFAULTS[api])).rstrip("/")

    def session_for(self, api: str) -> CookieSession:
        """The one cookie session of ``api``, created on first use and shared by its streams."""
        with self._sessions_lock:
            session = self._sessions.get(api)
            if session is None:
                session = CookieSession(
                    api,
                    self.base_url(api),
                    cookie=self.config.get(f"{api}_cookie"),
                    csrf_token=self.config.get("csrf_token"),
                    credentials=self.credentials,
                    max_requests_per_second=float(self.setting("max_requests_per_second", 4)),
                    user_agent=f"tap-pixieset/{self.plugin_version}",
                    timeout=float(self.setting("request_timeout", 60)),
                    max_response_mb=float(self.setting("max_response_mb", 64)),
                    max_request_seconds=float(self.setting("max_request_seconds", 300)),
                    pool_size=int(self.setting("max_concurrency", 4)) + 2,
                )
                self._sessions[api] = session
            return session

    def record_retry(self, api: str, reason: str = "", stream: str = "") -> None:
        """Count a retried request (reported per stream at the end of the sync)."""
        with self._counter_lock:
            self.retry_counts[api] = self.retry_counts.get(api, 0) + 1
            self.retry_reasons[reason] += 1
            self.stream_retries[stream] += 1

    def record_duplicate(self, stream: str) -> None:
        """Count a record dropped because this run already emitted it."""
        with self._counter_lock:
            self.duplicates_dropped[stream] += 1

    def record_reread(self, stream: str, *, routine: bool = False) -> None:
        """Count an extra read of a list: one that changed, or a routine confirmation."""
        with self._counter_lock:
            (self.list_confirmations if routine else self.list_rereads)[stream] += 1

    @override
    def on_termination(self, signum: int) -> None:
        """On SIGTERM or SIGINT: stop every request, write the STATE reached, exit non-zero.

        No new request or retry starts after the signal, requests in flight are cut off
        (their sockets shut down), and fetches not started are cancelled. The STATE written
        is safe to resume from: bookmarks of a stream that was cut short are still progress
        markers, which the next run discards. The SDK exits 0 here, which would tell an
        orchestrator that an interrupted sync finished; this exits 128 + the signal (143 for
        SIGTERM, 130 for SIGINT), within seconds even if some thread does not let go (see
        shutdown.stop_all_work).
        """
        code = 128 + signum
        stop_all_work(code, self._prefetcher)

        def finish() -> None:
            try:
                self.state_writer.write_state(self.state)
            finally:
                self.logger.warning(
                    "Interrupted by signal %d before the sync finished; rerun with the last "
                    "STATE to resume.",
                    signum,
                )
                sys.exit(code)

        # Never inside a line being written: a torn line would break the loader's input.
        writer = self.message_writer
        if isinstance(writer, BufferedJsonWriter):
            writer.between_lines(finish)
        else:
            finish()

    @property
    def prefetcher(self) -> ChildPrefetcher | None:
        """The pool for concurrent child and detail requests, or None when ``max_concurrency`` is 1."""
        workers = int(self.setting("max_concurrency", 4))
        if workers <= 1:
            return None
        with self._sessions_lock:
            if self._prefetcher is None:
                self._prefetcher = ChildPrefetcher(workers)
            return self._prefetcher

    @property
    def request_counts(self) -> dict[str, int]:
        """HTTP requests sent so far, per API."""
        return {api: session.request_count for api, session in self._sessions.items()}

    # -- streams -------------------------------------------------------------------------

    @override
    def discover_streams(self) -> list[Any]:
        """Every stream of both APIs. Makes no HTTP call."""
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    @override
    def before_sync_all(self) -> None:
        """Say why a selected stream will be empty; hand out this run's table version."""
        announce_empty_streams(self.config, self.streams, self.logger)
        self._versions = TableVersions.for_run(self.config, self.initialized_at, self.streams)

    @override
    def after_sync_all(self) -> None:
        """After a clean run: ACTIVATE_VERSION per stream (see versions), then the drift report."""
        if self._versions is not None:
            self._versions.activate(self.logger)
        log_schema_drift(self.streams, self.logger)

    # -- connection test -----------------------------------------------------------------

    def check_connections(self) -> dict[str, tuple[bool | None, str]]:
        """One cheap request per API (see connection_test.check_connections)."""
        return check_connections(self)

    # -- command line --------------------------------------------------------------------

    @override
    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command, with ``--catalog`` and ``--state`` read like ``--config``."""
        command = super().get_singer_command()
        for param in command.params:
            if param.name in ("catalog", "state"):
                param.type = JsonObjectFile(f"--{param.name}")
        return command

    @override
    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """``--config``: each file must hold a JSON object, or the run stops with one line.

        Each file is read once, here (it may be a pipe); the SDK's reader, given only
        ``ENV`` if present, makes the object the rest of its CLI expects.
        """
        settings: dict[str, Any] = {}
        for path in value:
            if path != "ENV":
                settings.update(read_json_object(path, "--config"))
        config_input = super().cb_config(ctx, param, tuple(p for p in value if p == "ENV"))
        config_input.config.update(settings)
        return config_input

    @override
    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:  # type: ignore[override]
        """``--test``: check each configured API with one cheap request, in plain words.

        One line per API on stderr (stdout stays free of anything but Singer messages),
        then exit 0 when every configured API passed and 1 otherwise. ``--test=schema``
        keeps the SDK's meaning.
        """
        if value in ("disabled", "schema"):
            super().cb_test(ctx, param, value)  # type: ignore[misc]
            return
        config = ctx.params.get("config")
        tap = cls(
            config=config.config if config else {},
            parse_env_config=bool(config and config.parse_env),
            validate_config=True,
            setup_mapper=False,
        )
        results = tap.check_connections()
        for api, (passed, why) in results.items():
            verdict = {True: "PASS", False: "FAIL", None: "SKIPPED"}[passed]
            click.echo(REDACTOR.mask(f"{api.capitalize()} API: {verdict} - {why}"), err=True)
        failed = [api for api, (passed, _) in results.items() if passed is False]
        ctx.exit(1 if failed else 0)


#: Failures that are reported as one line, without a traceback.
_ONE_LINE_ERRORS: tuple[type[BaseException], ...] = (
    PixiesetUserError,
    FatalAPIError,
    RetriableAPIError,
    PaginationError,
    UnexpectedResponseError,
    requests.RequestException,
)


def cli() -> None:
    """Entry point of ``tap-pixieset``: the SDK's CLI, with user errors as one clear line."""
    install_log_redaction()
    try:
        TapPixieset.cli()
    except ConfigValidationError:
        # Not raised by this tap's own check; the SDK's messages can quote secret values.
        _fail("Invalid configuration (details withheld: they could contain a secret).")
    except MappingError as exc:
        # A stream map expression that does not parse fails when the tap starts.
        _fail(f"`stream_maps` is not valid: {' '.join(str(exc).split())}")
    except _ONE_LINE_ERRORS as exc:
        _fail(str(exc) or type(exc).__name__)
    except Exception:
        logging.getLogger("tap-pixieset").exception("tap-pixieset stopped on an unexpected error.")
        sys.exit(1)


def _fail(message: str) -> None:
    sys.stdout.flush()
    click.echo(f"tap-pixieset: error: {REDACTOR.mask(message)}", err=True)
    sys.exit(1)


if __name__ == "__main__":
    cli()

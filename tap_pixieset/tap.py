"""TapPixieset: settings, stream discovery, one cookie session per API, and the CLI."""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import threading
from collections import Counter
from typing import Any

import click
import requests
import simplejson
from singer_sdk.configuration._dict_config import parse_environment_config
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError
from singer_sdk.helpers._classproperty import classproperty
from singer_sdk.helpers._typing import is_integer_type, is_number_type, is_object_type
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities
from singer_sdk.plugin_base import JSONSchemaValidator

from tap_pixieset.auth import CookieSession, Credentials
from tap_pixieset.concurrency import ChildPrefetcher
from tap_pixieset.envelope import UnexpectedResponseError, data_items, read_body
from tap_pixieset.errors import ConfigurationError, PixiesetUserError
from tap_pixieset.pagination import PaginationError
from tap_pixieset.redaction import REDACTOR, install_log_redaction
from tap_pixieset.run_report import announce_empty_streams, log_schema_drift
from tap_pixieset.sdk_hooks import HookedTap
from tap_pixieset.settings import (
    CONFIG_SCHEMA,
    DEFAULT_GALLERY_BASE_URL,
    DEFAULT_STUDIO_BASE_URL,
    SECRET_SETTINGS,
    describe_schema_error,
    validate_settings,
)
from tap_pixieset.streams import STREAM_TYPES
from tap_pixieset.versions import TableVersions
from tap_pixieset.writer import BufferedJsonWriter

APIS = ("studio", "gallery")
#: The cheap request that proves a session works, per API (catalog 1.2).
CONNECTION_CHECKS = {"studio": "/notifications/all", "gallery": "/data/bootstrap"}
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
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
        super().__init__(*args, **kwargs)

    # -- settings ------------------------------------------------------------------------

    @classproperty
    def _env_var_config(cls) -> dict[str, Any]:
        """Settings from ``TAP_PIXIESET_*`` variables, with clear errors for unparsable values.

        The SDK raises a bare ``ValueError`` that quotes the value for a non-numeric integer
        or invalid JSON, and passes ``number`` settings through as strings.
        """
        schema = cls.config_jsonschema
        cls.append_builtin_config(schema)
        prefix = cls._env_var_prefix
        try:
            config = parse_environment_config(schema, prefix)
        except ValueError:
            raise ConfigurationError(_unparsable_env_settings(schema, prefix)) from None
        for name, value in config.items():
            prop = schema["properties"].get(name, {})
            if isinstance(value, str) and is_number_type(prop) and not is_integer_type(prop):
                try:
                    config[name] = float(value)
                except ValueError:
                    raise ConfigurationError(
                        [f"`{name}` (from {prefix}{name.upper()}) must be a number."]
                    ) from None
        return config

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Check settings with messages that name the setting and never echo a value.

        Replaces the SDK's check, whose messages quote the offending value (it may be a
        secret). The SDK's validator still runs, silently: it fills in the defaults, and its
        findings on the SDK's own settings (stream maps, flattening, batch) are reworded.
        """
        # Registered first, so that nothing logged from here on can show them.
        REDACTOR.add(*(self._config.get(name) for name in SECRET_SETTINGS))
        REDACTOR.add_cookie_header(self._config.get("studio_cookie"))
        REDACTOR.add_cookie_header(self._config.get("gallery_cookie"))
        schema = self.config_jsonschema
        self.append_builtin_config(schema)
        schema_errors = list(JSONSchemaValidator(schema).iter_errors(self._config))
        problems = validate_settings(dict(self._config))
        own = set(CONFIG_SCHEMA["properties"])
        for error in schema_errors:
            path = list(error.absolute_path)
            if path and path[0] in own:
                continue  # validate_settings has said it better
            problem = describe_schema_error(path, str(error.validator), error.validator_value)
            if problem not in problems:
                problems.append(problem)
        unknown = sorted(set(self._config) - set(schema["properties"]))
        if unknown:
            self.logger.warning(
                "Ignoring settings this tap does not know: %s. Check them for typos.",
                ", ".join(f"`{name}`" for name in unknown),
            )
        if problems and raise_errors:
            raise ConfigurationError(problems)
        for problem in problems:
            self.logger.warning("Configuration problem: %s", problem)
        return problems

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

    def record_reread(self, stream: str) -> None:
        """Count an extra read of a list that changed while it was paged."""
        with self._counter_lock:
            self.list_rereads[stream] += 1

    def _handle_termination(self, signum: int, frame: Any) -> None:
        """On SIGTERM or SIGINT: write the STATE reached so far, then exit non-zero.

        The SDK exits 0 here, which would tell an orchestrator that an interrupted sync
        finished. The STATE written is safe to resume from: bookmarks of a stream that was
        cut short are still progress markers, which the next run discards.
        """
        try:
            self._state_writer.write_state(self.state)
        finally:
            self.logger.warning(
                "Interrupted by signal %d before the sync finished; rerun with the last STATE "
                "to resume.",
                signum,
            )
            sys.exit(128 + signum)

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

    def discover_streams(self) -> list[Any]:
        """Every stream of both APIs. Makes no HTTP call."""
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    def before_sync_all(self) -> None:
        """Say why a selected stream will be empty; hand out this run's table version."""
        announce_empty_streams(self.config, self.streams, self.logger)
        self._versions = TableVersions.for_run(self.config, self.initialized_at, self.streams)

    def after_sync_all(self) -> None:
        """After a clean run: ACTIVATE_VERSION per stream (see versions), then the drift report."""
        if self._versions is not None:
            self._versions.activate(self.logger)
        log_schema_drift(self.streams, self.logger)

    # -- connection test -----------------------------------------------------------------

    def check_connections(self) -> dict[str, tuple[bool | None, str]]:
        """One cheap request per API; returns (passed, explanation) per API.

        ``passed`` is None for an API with no session configured: it was not checked.
        """
        results: dict[str, tuple[bool | None, str]] = {}
        for api in APIS:
            check = CONNECTION_CHECKS[api]
            if not self.api_configured(api):
                results[api] = (
                    None,
                    f"not checked: no `{api}_cookie` and no `email`/`password` configured, "
                    f"so its streams will be skipped",
                )
                continue
            session = self.session_for(api)
            try:
                response = session.get(self.base_url(api) + check, timeout=session.timeout)
                if response.status_code != 200:
                    results[api] = (
                        False,
                        f"GET {check} answered HTTP {response.status_code}",
                    )
                    continue
                data_items(read_body(response))
            except (PixiesetUserError, UnexpectedResponseError, RetriableAPIError) as exc:
                results[api] = (False, str(exc))
                continue
            except requests.RequestException as exc:
                results[api] = (
                    False,
                    f"could not reach {self.base_url(api)} ({type(exc).__name__}); check "
                    f"`{api}_base_url` and the network",
                )
                continue
            if session.login_count and self.config.get(f"{api}_cookie"):
                how = (
                    "the configured cookie was refused, but the login with `email`/`password` works"
                )
            elif session.login_count:
                how = "logged in with `email`/`password`"
            else:
                how = f"the `{api}_cookie` session is valid"
            results[api] = (True, f"{how}; GET {check} answered with data")
        return results

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


def _unparsable_env_settings(schema: dict[str, Any], prefix: str) -> list[str]:
    """Name the environment variables whose values the SDK could not parse."""
    problems = []
    for name, prop in schema.get("properties", {}).items():
        variable = prefix + name.upper().replace("-", "_")
        value = os.environ.get(variable)
        if value is None:
            continue
        if is_integer_type(prop):
            try:
                int(value)
            except ValueError:
                problems.append(f"`{name}` (from {variable}) must be a whole number.")
        elif is_object_type(prop):
            try:
                json.loads(value)
            except ValueError:
                problems.append(f"`{name}` (from {variable}) must be a JSON object.")
    return problems or ["A `TAP_PIXIESET_*` environment variable could not be parsed."]


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
    except FileNotFoundError as exc:
        _fail(f"{exc} Check the path given to --config, --state or --catalog.")
    except simplejson.JSONDecodeError as exc:
        _fail(f"A --config, --state or --catalog file is not valid JSON ({exc}).")
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

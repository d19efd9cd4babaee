"""The cookie session: one per API host, shared by every stream of that API.

Pixieset has no API keys: the web app's session cookies authenticate every call. A
:class:`CookieSession` owns those cookies for one origin (scheme, host and port). It

* seeds its jar from the configured ``Cookie`` header, or logs in with ``email`` and
  ``password`` (``POST {scheme}://{host}/login``);
* keeps every cookie the server sets or rotates later (``Set-Cookie``), so the jar is
  the single source of the ``Cookie`` header;
* sends cookies and the CSRF token only to its own origin, following redirects itself so
  that a redirect to another host never carries them;
* recognises an expired session (401, a redirect to the login page, or an HTML login page
  answered with 200) and logs in again once per expiry when it has credentials, or stops
  with a message that says how to fix it;
* spaces requests to honour the per-host rate limit, and counts what it sends;
* sends every request within the bounds of ``bounded_session``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.cookies import RequestsCookieJar
from singer_sdk.exceptions import RetriableAPIError

from tap_pixieset.bounded_session import (
    DEFAULT_MAX_REQUEST_SECONDS,
    DEFAULT_MAX_RESPONSE_MB,
    BoundedSession,
)
from tap_pixieset.cookies import (
    RejectAllCookies,
    cookie_updates,
    origin_of,
    parse_cookie_header,
    set_cookie_headers,
)
from tap_pixieset.cookies import is_loopback as is_loopback  # re-exported for settings
from tap_pixieset.errors import LoginFailedError, SessionExpiredError
from tap_pixieset.login import (
    Credentials,
    expired_message,
    expiry_reason,
    login_refused,
    login_url_of,
)
from tap_pixieset.rate_limit import RateLimiter
from tap_pixieset.redaction import REDACTOR, Redactor
from tap_pixieset.transport import wait_unless_stopped

LOGGER = logging.getLogger("tap_pixieset.auth")

MAX_REDIRECTS = 5
#: Retries of a request rejected while a concurrent response rotated the session cookie.
ROTATION_RETRIES = 3
#: Expiries one request may meet in a row. With concurrent requests, a session from a fresh
#: login can run out (on a server with short sessions) before this request's retry lands.
RELOGIN_CYCLES = 4


class CookieSession(BoundedSession):
    """A ``requests.Session`` bound to one Pixieset API origin and its session cookies."""

    def __init__(
        self,
        api: str,
        base_url: str,
        *,
        cookie: str | None = None,
        csrf_token: str | None = None,
        credentials: Credentials | None = None,
        max_requests_per_second: float = 0,
        user_agent: str | None = None,
        timeout: float = 60,
        max_response_mb: float = DEFAULT_MAX_RESPONSE_MB,
        max_request_seconds: float = DEFAULT_MAX_REQUEST_SECONDS,
        pool_size: int = 10,
        redactor: Redactor = REDACTOR,
    ) -> None:
        super().__init__(
            base_url,
            timeout=timeout,
            max_response_mb=max_response_mb,
            max_request_seconds=max_request_seconds,
            pool_size=pool_size,
        )
        self.api = api
        self.base_url = base_url.rstrip("/")
        self.origin = origin_of(self.base_url)
        # Stripped: a token copied with a trailing line break is still the token.
        self.csrf_token = (csrf_token or "").strip() or None
        self.credentials = credentials
        self.redactor = redactor
        # A request waiting for its slot is abandoned when the tap is told to stop.
        self.rate_limiter = RateLimiter(max_requests_per_second, sleep=wait_unless_stopped)
        self.cookies = RequestsCookieJar(policy=RejectAllCookies())
        self.headers.update({"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"})
        if user_agent:
            self.headers["User-Agent"] = user_agent
        self._jar: dict[str, str] = {}
        #: Bumped whenever the server sets or deletes a cookie.
        self._jar_version = 0
        #: Requests sent and not yet answered (their Set-Cookie not yet absorbed).
        self._in_flight = 0
        self._flight = threading.Condition()
        #: Requests answered since the last login (a fresh session that served none was refused).
        self._served_since_login = 0
        self._lock = threading.RLock()
        #: Bumped by every login: a request that failed under an older generation does not
        #: log in again when another request already did (one re-login per expiry).
        self._generation = 0
        self.request_count = 0
        self.login_count = 0
        #: Requests answered "session expired" (each one led to a re-login or to a stop).
        self.expiry_count = 0
        redactor.add(csrf_token)
        if credentials:
            redactor.add(credentials.password)
        if cookie:
            redactor.add_cookie_header(cookie)
            self._jar.update(parse_cookie_header(cookie))

    def __repr__(self) -> str:
        # Cookie names only: a session may end up in a log line or a traceback.
        return f"CookieSession({self.api!r}, {self.base_url!r}, cookies={self.cookie_names})"

    @property
    def title(self) -> str:
        """The API's name as users know it: "Studio API" or "Gallery API"."""
        return f"{self.api.capitalize()} API"

    # -- cookies -------------------------------------------------------------------------

    @property
    def has_cookies(self) -> bool:
        """True when the jar holds at least one cookie."""
        return bool(self._jar)

    @property
    def cookie_names(self) -> list[str]:
        """Names (never values) of the cookies in the jar, for diagnostics."""
        with self._lock:
            return sorted(self._jar)

    def cookie_header(self) -> str:
        """The ``Cookie`` header value built from the jar."""
        with self._lock:
            return "; ".join(f"{name}={value}" for name, value in self._jar.items())

    def _absorb_cookies(self, response: requests.Response) -> None:
        """Keep cookies the server sets or rotates; forget the ones it expires."""
        if origin_of(response.url or "") != self.origin:
            return
        headers = set_cookie_headers(response)
        if not headers:
            return
        # Registered before anything else can log them.
        self.redactor.add_set_cookie_headers(headers)
        with self._lock:
            for name, value in cookie_updates(headers):
                self._jar_version += 1
                if value is None:
                    self._jar.pop(name, None)
                    continue
                self._jar[name] = value
                # A session the tap logged in itself gets its CSRF token from the login,
                # and a configured token belongs to the browser session the login replaced.
                if self.credentials and ("csrf" in name.lower() or "xsrf" in name.lower()):
                    self.csrf_token = value

    def _stamp(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Put our cookies and CSRF token on a request for our origin; strip them otherwise."""
        request.headers.pop("Cookie", None)
        request.headers.pop("X-CSRF-Token", None)
        if origin_of(request.url or "") != self.origin:
            # requests strips this itself on redirects, which we follow ourselves; it can
            # come from ~/.netrc.
            request.headers.pop("Authorization", None)
        else:
            header = self.cookie_header()
            if header:
                request.headers["Cookie"] = header
            if self.csrf_token:
                request.headers["X-CSRF-Token"] = self.csrf_token
        return request

    # -- login ---------------------------------------------------------------------------

    @property
    def login_url(self) -> str:
        """``{scheme}://{host}/login`` of this API's host (the contract's login endpoint)."""
        return login_url_of(self.origin)

    def _login_refused(self, response: requests.Response) -> bool:
        """True when the answer to ``POST /login`` means the credentials were not accepted."""
        return login_refused(response, self.login_url, has_cookies=self.has_cookies)

    def login(self, *, reason: str = "start-up") -> None:
        """Log in with the configured credentials and keep the session cookies it sets."""
        if not self.credentials:
            raise LoginFailedError(f"No email/password configured to log in to the {self.title}.")
        with self._lock:
            self._jar.clear()
            self.rate_limiter.wait()
            request = self.prepare_request(
                requests.Request(
                    "POST",
                    self.login_url,
                    data={"email": self.credentials.email, "password": self.credentials.password},
                )
            )
            response = self.exchange(request, allow_redirects=False, timeout=self.timeout)
            self.request_count += 1
            self._absorb_cookies(response)
            if response.status_code >= 500:
                # A transient server error: the stream's backoff retries the request, and
                # with it the login.
                raise RetriableAPIError(
                    f"The {self.title} login at {urlsplit(self.login_url).path} answered "
                    f"HTTP {response.status_code}.",
                    response,
                )
            if self._login_refused(response):
                self._jar.clear()
                raise LoginFailedError(
                    f"Login to the {self.title} at {self.login_url} was refused "
                    f"(HTTP {response.status_code}). Check the `email` and `password` settings."
                )
            self.login_count += 1
            self._generation += 1
            self._served_since_login = 0
        LOGGER.info("Logged in to the %s (%s).", self.title, reason)

    # -- sending -------------------------------------------------------------------------

    def expiry_reason(self, response: requests.Response) -> str | None:
        """How ``response`` says the session is no longer valid (see session_expiry)."""
        return expiry_reason(response, self.origin)

    def is_expired(self, response: requests.Response) -> bool:
        """True when ``response`` says the session is no longer valid."""
        return self.expiry_reason(response) is not None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send with our cookies; on expiry log in again once, or explain how to fix it."""
        kwargs["allow_redirects"] = False
        with self._lock:
            if not self._jar and self.credentials and self.login_count == 0:
                self.login(reason="start-up")
        logged_in_ourselves = False
        for _ in range(RELOGIN_CYCLES):
            with self._lock:
                generation = self._generation
            response, reason = self._send_through_rotation(request, **kwargs)
            if reason is None:
                return response
            response.close()
            with self._lock:
                self.expiry_count += 1
            path = urlsplit(response.url or "").path
            if not self.credentials:
                raise SessionExpiredError(self._expired_message(reason, path))
            with self._lock:
                if (
                    logged_in_ourselves
                    and self._generation == generation
                    and not self._served_since_login
                ):
                    # Our own fresh login was refused at once, with nobody else logging in
                    # and no request answered since: this is not an expiry, and logging in
                    # again will not help.
                    break
                logged_in_ourselves = self._generation == generation
                if logged_in_ourselves:  # nobody logged in again since we sent
                    LOGGER.warning(
                        "The %s session expired (%s for %s); logging in again with `email` and "
                        "`password`, then retrying that request.",
                        self.title,
                        reason,
                        path,
                    )
                    self.login(reason="session expired")
        raise SessionExpiredError(
            f"The {self.title} rejected a fresh login session ({reason} for {path}). "
            "Check that the account can use the API, and the `email` and `password` settings."
        )

    def _send_through_rotation(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> tuple[requests.Response, str | None]:
        """Send; when a concurrent response rotated the session cookie meanwhile, send again.

        Returns the response and, when the session was refused, why.
        """
        for _ in range(ROTATION_RETRIES + 1):
            jar_version = self._jar_version
            response = self._send_following_redirects(request, **kwargs)
            reason = self.expiry_reason(response)
            if reason is None:
                with self._lock:
                    self._served_since_login += 1
                return response, None
            # Another request may have received a rotated session cookie (or a login may have
            # replaced the session) while this one was in flight with the old one. Let the
            # requests still in flight land, since they carry any new cookie, then retry if
            # the jar changed.
            with self._flight:
                self._flight.wait_for(
                    lambda: self._in_flight == 0 or self._jar_version != jar_version,  # noqa: B023
                    timeout=self.timeout,
                )
            if self._jar_version == jar_version:
                break
            response.close()
        return response, reason

    def _expired_message(self, reason: str, path: str) -> str:
        return expired_message(self.title, self.api, reason, path)

    def _send_following_redirects(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        """Send, following redirects ourselves so that cookies never leave our origin."""
        for _ in range(MAX_REDIRECTS + 1):
            self.rate_limiter.wait()
            options = dict(kwargs)
            if origin_of(request.url or "") == self.origin:
                options.setdefault("proxies", self._origin_proxies)
            with self._flight:
                self._in_flight += 1
            try:
                response = self.exchange(self._stamp(request), **options)
                with self._lock:
                    self.request_count += 1
                self._absorb_cookies(response)
            finally:
                with self._flight:
                    self._in_flight -= 1
                    self._flight.notify_all()
            if not response.is_redirect or self.is_expired(response):
                return response
            target = urljoin(request.url or "", response.headers["Location"])
            response.close()
            self.check_redirect_target(response, target, self.title)
            request = request.copy()
            request.prepare_url(target, None)
            if request.method not in ("GET", "HEAD"):
                request.method = "GET"
                request.body = None
                request.headers.pop("Content-Length", None)
        raise requests.TooManyRedirects(
            f"The {self.title} redirected more than {MAX_REDIRECTS} times, starting from "
            f"{urlsplit(response.url or '').path}.",
            response=response,
        )

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
* spaces requests to honour the per-host rate limit, and counts what it sends.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.cookies import RequestsCookieJar
from http.cookiejar import DefaultCookiePolicy
from http.cookies import SimpleCookie

from tap_pixieset.errors import LoginFailedError, SessionExpiredError
from tap_pixieset.redaction import REDACTOR, Redactor

LOGGER = logging.getLogger("tap_pixieset.auth")

MAX_REDIRECTS = 5

#: What to tell the user when an API stops accepting a session, per API.
COOKIE_SETTING = {"studio": "studio_cookie", "gallery": "gallery_cookie"}


@dataclass(frozen=True)
class Credentials:
    """Account login for programmatic sessions. Never logged, never put into a context."""

    email: str
    password: str

    def __repr__(self) -> str:
        return "Credentials(email=***, password=***)"


def origin_of(url: str) -> tuple[str, str, int]:
    """Return (scheme, host, port) of ``url``, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """Spaces requests evenly so that at most ``per_second`` start in any second.

    Each request reserves the next free slot, one ``1 / per_second`` after the previous
    one, and sleeps until it comes. Slots never pile up while the tap is idle, so there is
    no burst after a pause. Thread-safe: every stream (and worker thread) of one host
    shares one limiter. ``clock`` and ``sleep`` can be replaced, to test it without time.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / float(per_second) if per_second and per_second > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: float | None = None
        #: How many requests have been given a slot.
        self.reserved = 0

    def reserve(self) -> float:
        """Claim the next free slot and return its time (on ``clock``)."""
        with self._lock:
            now = self.clock()
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + self.interval
            self.reserved += 1
            return slot

    def wait(self) -> None:
        """Block until this request's slot has come."""
        if not self.interval:
            return
        delay = self.reserve() - self.clock()
        if delay > 0:
            self.sleep(delay)


class _RejectAllCookies(DefaultCookiePolicy):
    """requests' own jar stays empty: our jar (keyed by name, for one origin) is the single source."""

    def set_ok(self, cookie: Any, request: Any) -> bool:  # noqa: ARG002
        return False


def _set_cookie_headers(response: requests.Response) -> list[str]:
    raw = getattr(response, "raw", None)
    headers = getattr(raw, "headers", None)
    if headers is not None and hasattr(headers, "getlist"):
        return list(headers.getlist("Set-Cookie"))
    value = response.headers.get("Set-Cookie")
    return [value] if value else []


def looks_like_login_page(response: requests.Response) -> bool:
    """True when a 200 answer is the web app's HTML login page instead of JSON."""
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type:
        return True
    head = response.content[:64].lstrip().lower() if response.content else b""
    return head.startswith((b"<!doctype html", b"<html"))


def _is_login_url(url: str) -> bool:
    return urlsplit(url).path.rstrip("/").endswith("/login")


class CookieSession(requests.Session):
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
        redactor: Redactor = REDACTOR,
    ) -> None:
        super().__init__()
        self.api = api
        self.base_url = base_url.rstrip("/")
        self.origin = origin_of(self.base_url)
        self.csrf_token = csrf_token or None
        self.credentials = credentials
        self.redactor = redactor
        self.rate_limiter = RateLimiter(max_requests_per_second)
        self.timeout = timeout
        self.cookies = RequestsCookieJar(policy=_RejectAllCookies())
        self.headers.update(
            {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"}
        )
        if user_agent:
            self.headers["User-Agent"] = user_agent
        self._jar: dict[str, str] = {}
        self._lock = threading.RLock()
        self._generation = 0
        self.request_count = 0
        self.login_count = 0
        redactor.add(csrf_token)
        if credentials:
            redactor.add(credentials.password)
        if cookie:
            redactor.add_cookie_header(cookie)
            self._jar.update(self._parse_cookie_header(cookie))

    # -- cookies -------------------------------------------------------------------------

    @staticmethod
    def _parse_cookie_header(header: str) -> dict[str, str]:
        jar: dict[str, str] = {}
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                jar[name.strip()] = value.strip()
        return jar

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
        headers = _set_cookie_headers(response)
        if not headers:
            return
        self.redactor.add_set_cookie_headers(headers)
        with self._lock:
            for header in headers:
                parsed: SimpleCookie = SimpleCookie()
                try:
                    parsed.load(header)
                except Exception:  # noqa: BLE001, S112  (skip what cannot be parsed)
                    continue
                for name, morsel in parsed.items():
                    if morsel["max-age"] in ("0", "-1") or not morsel.value:
                        self._jar.pop(name, None)
                    else:
                        self._jar[name] = morsel.value
                        # The web app may rotate its CSRF token in a cookie.
                        if "csrf" in name.lower() and self.credentials:
                            self.csrf_token = morsel.value

    def _stamp(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Put this session's cookies and CSRF token on a request for our origin, strip them otherwise."""
        request.headers.pop("Cookie", None)
        request.headers.pop("X-CSRF-Token", None)
        if origin_of(request.url or "") == self.origin:
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
        scheme, host, port = self.origin
        default = 443 if scheme == "https" else 80
        netloc = host if port == default else f"{host}:{port}"
        if ":" in host:  # an IPv6 literal
            netloc = f"[{host}]" if port == default else f"[{host}]:{port}"
        return f"{scheme}://{netloc}/login"

    def login(self, *, reason: str = "start-up") -> None:
        """Log in with the configured credentials and keep the session cookies it sets."""
        if not self.credentials:
            raise LoginFailedError(f"No email/password configured to log in to the {self.api} API.")
        LOGGER.info("Logging in to the %s API (%s).", self.api, reason)
        with self._lock:
            self._jar.clear()
        self.rate_limiter.wait()
        response = super().send(
            self.prepare_request(
                requests.Request(
                    "POST",
                    self.login_url,
                    data={"email": self.credentials.email, "password": self.credentials.password},
                )
            ),
            allow_redirects=False,
            timeout=self.timeout,
        )
        self.request_count += 1
        self._absorb_cookies(response)
        if response.status_code >= 400 or not self.has_cookies:  # noqa: PLR2004
            raise LoginFailedError(
                f"Login to the {self.api} API at {self.login_url} was refused "
                f"(HTTP {response.status_code}). Check the `email` and `password` settings."
            )
        self.login_count += 1
        self._generation += 1

    # -- sending -------------------------------------------------------------------------

    def is_expired(self, response: requests.Response) -> bool:
        """True when ``response`` says the session is no longer valid."""
        if response.status_code == 401:  # noqa: PLR2004
            return True
        if response.is_redirect and _is_login_url(
            urljoin(response.url or "", response.headers.get("Location", ""))
        ):
            return True
        return response.status_code == 200 and looks_like_login_page(response)  # noqa: PLR2004

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send with this session's cookies; on expiry log in again once, or explain how to fix it."""
        kwargs["allow_redirects"] = False
        with self._lock:
            generation = self._generation
            if not self._jar and self.credentials and self.login_count == 0:
                self.login(reason="start-up")
                generation = self._generation
        response = self._send_following_redirects(request, **kwargs)
        if not self.is_expired(response):
            return response
        if not self.credentials:
            raise SessionExpiredError(self._expired_message(response))
        with self._lock:
            if self._generation == generation:  # nobody logged in again since we sent
                LOGGER.warning(
                    "The %s API session expired (HTTP %s); logging in again and retrying %s.",
                    self.api,
                    response.status_code,
                    urlsplit(request.url or "").path,
                )
                self.login(reason="session expired")
        response = self._send_following_redirects(request, **kwargs)
        if self.is_expired(response):
            raise SessionExpiredError(
                f"The {self.api} API rejected a fresh login session (HTTP {response.status_code}). "
                "Check that the account can use the API, and the `email` and `password` settings."
            )
        return response

    def _expired_message(self, response: requests.Response) -> str:
        setting = COOKIE_SETTING.get(self.api, "cookie")
        return (
            f"The {self.api} API session has expired or is invalid (HTTP {response.status_code} "
            f"for {urlsplit(response.url or '').path}). Fix: copy a fresh Cookie header from a "
            f"logged-in browser into `{setting}`, or set `email` and `password` so the tap can "
            "log in by itself."
        )

    def _send_following_redirects(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        for _ in range(MAX_REDIRECTS + 1):
            self.rate_limiter.wait()
            response = super().send(self._stamp(request), **kwargs)
            with self._lock:
                self.request_count += 1
            self._absorb_cookies(response)
            if not response.is_redirect or self.is_expired(response):
                return response
            target = urljoin(request.url or "", response.headers["Location"])
            response.close()
            request = request.copy()
            request.prepare_url(target, None)
            if request.method not in ("GET", "HEAD"):
                request.method = "GET"
                request.body = None
        return response

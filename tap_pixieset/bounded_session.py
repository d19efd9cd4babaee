"""A ``requests.Session`` whose every exchange is bounded, and whose redirects are vetted.

Each request is sent and its whole answer read here, under the total deadline and the body
cap of ``transport`` (``max_request_seconds``, ``max_response_mb``), with gzip and deflate
inflated by the tap itself. Redirect targets obey the rule of base URLs: https, or http on a
loopback address. The cookie session (``auth.CookieSession``) builds on it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
import requests.utils

from tap_pixieset.cookies import is_loopback, origin_of
from tap_pixieset.redaction import REDACTOR
from tap_pixieset.transport import (
    ACCEPT_ENCODING,
    RequestDeadlineError,
    WatchedAdapter,
    check_not_stopped,
    deadline,
    read_body_capped,
)

#: Defaults of ``max_response_mb`` and ``max_request_seconds``.
DEFAULT_MAX_RESPONSE_MB = 64
DEFAULT_MAX_REQUEST_SECONDS = 300


class UnsafeRedirectError(requests.exceptions.InvalidURL):
    """A redirect pointed to plain http off loopback (or no http at all). Not retried."""


class BoundedSession(requests.Session):
    """Sends requests for one base URL with a total deadline and a cap on every answer."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60,
        max_response_mb: float = DEFAULT_MAX_RESPONSE_MB,
        max_request_seconds: float = DEFAULT_MAX_REQUEST_SECONDS,
        pool_size: int = 10,
    ) -> None:
        super().__init__()
        # Concurrent child requests share this session: keep a connection per worker.
        adapter = WatchedAdapter(pool_connections=1, pool_maxsize=max(10, pool_size))
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        # requests re-reads the proxy environment variables on every send, which costs more
        # CPU than the rest of the request; every request of this session goes to one origin,
        # so resolve them once.
        self._origin_proxies = requests.utils.resolve_proxies(
            requests.Request("GET", base_url).prepare(), dict(self.proxies), self.trust_env
        )
        self.timeout = timeout
        self.max_response_bytes = int(max_response_mb * 2**20)
        self.max_request_seconds = float(max_request_seconds)
        # Only what read_body_capped inflates itself, a bounded step at a time.
        self.headers["Accept-Encoding"] = ACCEPT_ENCODING

    @staticmethod
    def check_redirect_target(response: requests.Response, target: str, title: str) -> None:
        """A redirect target obeys the rule of base URLs: https, except on loopback."""
        try:
            scheme, host, _ = origin_of(target)
        except ValueError:
            scheme, host = "", ""
        if scheme == "https" or (scheme == "http" and is_loopback(host)):
            return
        shown = REDACTOR.clean(host or "an unreadable address", 100)
        raise UnsafeRedirectError(
            f"The {title} redirected {urlsplit(response.url or '').path} to {shown} over "
            f"{REDACTOR.clean(scheme or 'no scheme', 20)}; the tap follows redirects only to "
            "https (or http on a loopback address) and stopped instead.",
            response=response,
        )

    def exchange(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send one request and read its whole answer, within the total deadline and the cap.

        Redirects come back unread: the tap follows them itself, or refuses them.
        """
        describe = f"{request.method} {urlsplit(request.url or '').path}"
        kwargs["stream"] = True
        with deadline(self.max_request_seconds) as watch:
            try:
                response = super().send(request, **kwargs)
                if not response.is_redirect:
                    read_body_capped(
                        response,
                        max_bytes=self.max_response_bytes,
                        watch=watch,
                        describe=describe,
                    )
            except requests.RequestException as exc:
                if not watch.expired or isinstance(exc, RequestDeadlineError):
                    raise
                check_not_stopped()
                raise RequestDeadlineError(
                    f"The answer to {describe} did not complete within "
                    f"{watch.seconds:g} s (`max_request_seconds`).",
                    request=request,
                ) from None
        return response

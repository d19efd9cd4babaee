"""Logging in: the credentials, the login endpoint, and how an answer says a session is over.

Pixieset signals an expired or refused session in three ways (catalog 1.2): HTTP 401, a
redirect to the login page, or the HTML login page answered with 200 where JSON was
expected. Only answers from the session's own origin count.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from tap_pixieset.cookies import is_login_url, looks_like_login_page, origin_of

#: What to tell the user when an API stops accepting a session, per API.
COOKIE_SETTING = {"studio": "studio_cookie", "gallery": "gallery_cookie"}
HTTP_OK = 200
HTTP_UNAUTHORIZED = 401
HTTP_CLIENT_ERROR = 400


@dataclass(frozen=True)
class Credentials:
    """Account login for programmatic sessions. Never logged, never put into a context."""

    email: str
    password: str

    def __repr__(self) -> str:
        return "Credentials(email=***, password=***)"


def login_url_of(origin: tuple[str, str, int]) -> str:
    """``{scheme}://{host}/login`` of an origin (the contract's login endpoint)."""
    scheme, host, port = origin
    default = 443 if scheme == "https" else 80
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 literal
    if port != default:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}/login"


def login_refused(response: requests.Response, login_url: str, *, has_cookies: bool) -> bool:
    """True when the answer to ``POST /login`` means the credentials were not accepted."""
    if response.status_code >= HTTP_CLIENT_ERROR:
        return True
    location = response.headers.get("Location", "")
    if response.is_redirect and is_login_url(urljoin(login_url, location)):
        return True  # sent back to the login form
    if response.status_code == HTTP_OK and looks_like_login_page(response):
        return True  # the form again, with an error message
    return not has_cookies


def expiry_reason(response: requests.Response, origin: tuple[str, str, int]) -> str | None:
    """How ``response`` says the session is no longer valid, or None when it does not.

    Only answers from the session's own origin count: a 401 from a host a redirect led to
    is that host's business, and logging in here again would not change it.
    """
    if origin_of(response.url or "") != origin:
        return None
    if response.status_code == HTTP_UNAUTHORIZED:
        return "HTTP 401"
    if response.is_redirect and is_login_url(
        urljoin(response.url or "", response.headers.get("Location", ""))
    ):
        return "a redirect to the login page"
    if response.status_code == HTTP_OK and looks_like_login_page(response):
        return "the HTML login page instead of JSON"
    return None


def expired_message(title: str, api: str, reason: str, path: str) -> str:
    """The one line a sync stops with when a session ended and cannot be renewed."""
    setting = COOKIE_SETTING.get(api, "cookie")
    return (
        f"The {title} session has expired or is not valid ({reason} for {path}). "
        f"Fix: copy a fresh Cookie header from a logged-in browser into `{setting}`, "
        "or set `email` and `password` so the tap can log in by itself."
    )

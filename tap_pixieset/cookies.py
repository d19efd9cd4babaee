"""Origins, cookie headers and login pages: the small facts a cookie session is built on."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import requests


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


class RejectAllCookies(DefaultCookiePolicy):
    """requests' own jar stays empty: ours (by name, for one origin) is the single source."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        """Refuse every cookie."""
        return False


def set_cookie_headers(response: requests.Response) -> list[str]:
    """Every ``Set-Cookie`` header of a response; requests folds repeated ones into one string."""
    raw = getattr(response, "raw", None)
    headers = getattr(raw, "headers", None)
    if headers is not None and hasattr(headers, "getlist"):
        return list(headers.getlist("Set-Cookie"))
    value = response.headers.get("Set-Cookie")
    return [value] if value else []


def is_deletion(morsel: Morsel[str]) -> bool:
    """True when a ``Set-Cookie`` removes the cookie (empty value, Max-Age <= 0, Expires past)."""
    if not morsel.value:
        return True
    max_age = morsel["max-age"].strip()
    if max_age.lstrip("-").isdigit() and int(max_age) <= 0:
        return True
    if morsel["expires"]:
        try:
            expires = parsedate_to_datetime(morsel["expires"])
        except (TypeError, ValueError):
            return False
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        return expires <= datetime.now(timezone.utc)
    return False


def looks_like_login_page(response: requests.Response) -> bool:
    """True when a 200 answer is the web app's HTML login page instead of JSON.

    Any HTML page is not enough: a maintenance page is a server problem, not an expired
    session, and logging in again would not help. A login page has a password field.
    """
    content_type = response.headers.get("Content-Type", "").lower()
    head = response.content[:512].lstrip().lower() if response.content else b""
    if "html" not in content_type and not head.startswith((b"<!doctype html", b"<html")):
        return False
    page = response.content.lower()
    return b'type="password"' in page or b"type='password'" in page or b'action="/login"' in page


def is_login_url(url: str) -> bool:
    """True when ``url`` is a login page (its path ends in ``/login``)."""
    return urlsplit(url).path.rstrip("/").endswith("/login")


def cookie_updates(set_cookie: list[str]) -> list[tuple[str, str | None]]:
    """What ``Set-Cookie`` headers do to a jar: (name, new value), or (name, None) to delete.

    A header that does not parse is ignored, as a browser would.
    """
    updates: list[tuple[str, str | None]] = []
    for header in set_cookie:
        parsed: SimpleCookie = SimpleCookie()
        try:
            parsed.load(header)
        except CookieError:
            continue
        for name, morsel in parsed.items():
            updates.append((name, None if is_deletion(morsel) else morsel.value))
    return updates


def parse_cookie_header(header: str) -> dict[str, str]:
    """The name=value pairs of a ``Cookie`` header, as copied from a browser."""
    jar: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            jar[name.strip()] = value.strip()
    return jar

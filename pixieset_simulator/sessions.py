"""Sessions of the simulated web app: login, cookies, rotation and expiry.

Studio and Gallery keep separate sessions, as the docs suggest (catalog A05): a Studio
cookie is not valid on the Gallery host. A session can be made to expire after a number
of requests, answered the three ways the real app does: 401, a redirect to the login
page, or 200 with the HTML login page.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from pixieset_simulator.http import Request, Response

SESSION_COOKIE = {"studio": "pixieset_studio_session", "gallery": "pixieset_gallery_session"}
CSRF_COOKIE = "XSRF-TOKEN"
LOGIN_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Log in | Pixieset</title>
<meta name="csrf-token" content="page-token"></head>
<body><form method="post" action="/login"><input name="email"><input name="password" type="password"></form></body></html>
"""
EXPIRY_STYLES = ("401", "redirect", "html")


@dataclass
class _Session:
    api: str
    remaining: int | None


class SessionStore:
    """Valid session tokens per API, the account's credentials, and expiry rules."""

    def __init__(self, email: str = "photographer@example.com", password: str = "correct horse battery staple") -> None:
        self.email = email
        self.password = password
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        #: Authenticated requests a session serves before it expires (None: never).
        self.expire_after: int | None = None
        #: How an expired session is answered: "401", "redirect" or "html".
        self.expiry_style = "401"
        #: Rotate the session cookie (Set-Cookie with a new token) every N requests.
        self.rotate_every: int | None = None
        self.logins = {"studio": 0, "gallery": 0}
        self._served = 0

    def issue(self, api: str) -> str:
        """A new valid session token for ``api``."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[token] = _Session(api, self.expire_after)
        return token

    def cookie_header(self, api: str) -> str:
        """A browser-style Cookie header with a fresh session for ``api`` (what a user would copy)."""
        return f"{SESSION_COOKIE[api]}={self.issue(api)}; {CSRF_COOKIE}={secrets.token_urlsafe(16)}; _ga=GA1.2.12345.67890"

    def expire_all(self) -> None:
        """Invalidate every session now."""
        with self._lock:
            self._sessions.clear()

    def login(self, api: str, request: Request) -> Response:
        """``POST /login`` with form fields: a redirect that sets the session cookies, or 401."""
        if request.form.get("email") != self.email or request.form.get("password") != self.password:
            return Response(401, {"error": "Unauthorized", "message": "These credentials do not match our records."})
        with self._lock:
            self.logins[api] += 1
        token = self.issue(api)
        return Response(302, None, [
            ("Location", "/dashboard"),
            ("Set-Cookie", f"{SESSION_COOKIE[api]}={token}; Path=/; HttpOnly; SameSite=Lax"),
            ("Set-Cookie", f"{CSRF_COOKIE}={secrets.token_urlsafe(16)}; Path=/; SameSite=Lax"),
        ])

    def authenticate(self, api: str, request: Request) -> tuple[Response | None, list[tuple[str, str]]]:
        """(an error response if the session is not valid, headers to add to the answer)."""
        token = request.cookies.get(SESSION_COOKIE[api], "")
        with self._lock:
            session = self._sessions.get(token)
            if session is None or session.api != api:
                return self.expired_response(), []
            if session.remaining is not None:
                if session.remaining <= 0:
                    del self._sessions[token]
                    return self.expired_response(), []
                session.remaining -= 1
            self._served += 1
            rotate = self.rotate_every and self._served % self.rotate_every == 0
            if not rotate:
                return None, []
            del self._sessions[token]
            new_token = secrets.token_urlsafe(24)
            self._sessions[new_token] = _Session(api, session.remaining)
        return None, [("Set-Cookie", f"{SESSION_COOKIE[api]}={new_token}; Path=/; HttpOnly")]

    def expired_response(self) -> Response:
        """An expired or missing session, answered in the configured style."""
        if self.expiry_style == "redirect":
            return Response(302, None, [("Location", "/login")])
        if self.expiry_style == "html":
            return Response(200, LOGIN_PAGE, [("Content-Type", "text/html; charset=utf-8")])
        return Response(401, {"error": "Unauthorized", "message": "Session expired or invalid"})

"""Sessions of the simulated web app: login, cookies, rotation and expiry.

Studio and Gallery keep separate sessions, as the docs suggest (catalog A05): a Studio
cookie is not valid on the Gallery host. A session can be made to expire after a number
of requests, answered the three ways the real app does: 401, a redirect to the login
page, or 200 with the HTML login page. The server can also rotate the session cookie
(``Set-Cookie`` with a new value, the old one dead at once), which only a client that
keeps what the server sets survives.

Tests switch these behaviours with :meth:`SessionStore.configure`, and read back what
happened from the counters (``logins``, ``failed_logins``, ``expired_answers``,
``rotations``) and from :attr:`SessionStore.issued`, every secret value the simulator
has handed out, which the secret-scan tests look for in the tap's output.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from pixieset_simulator.http import Request, Response

SESSION_COOKIE = {"studio": "pixieset_studio_session", "gallery": "pixieset_gallery_session"}
CSRF_COOKIE = "XSRF-TOKEN"
DEFAULT_EMAIL = "photographer@example.com"
DEFAULT_PASSWORD = "correct horse battery staple"
LOGIN_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Log in | Pixieset</title>
<meta name="csrf-token" content="page-token"></head>
<body><form method="post" action="/login">
<input name="email"><input name="password" type="password"></form></body></html>
"""
#: How an expired session is answered: 401 JSON, a 302 to /login, or 200 with the login page.
EXPIRY_STYLES = ("401", "redirect", "html")
#: How a refused login is answered: 401 JSON, or a 302 back to /login (what web apps do).
LOGIN_FAILURE_STYLES = ("401", "redirect")
_UNSET = object()


#: Requests a rotated-away session token still serves: as many as a browser (or the tap's
#: worker pool) may have in flight when the new cookie arrives.
ROTATION_GRACE_REQUESTS = 8


@dataclass
class _Session:
    api: str
    #: Authenticated requests this session has served.
    served: int = 0
    #: Set on a token that was rotated away: requests it may still serve (those in flight).
    grace: int | None = None


class SessionStore:
    """Valid session tokens per API, the account's credentials, and expiry rules."""

    def __init__(self, email: str = DEFAULT_EMAIL, password: str = DEFAULT_PASSWORD) -> None:
        self.email = email
        self.password = password
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        #: Authenticated requests a session serves before it expires (None: never). It
        #: applies to every session, also those issued before it was set.
        self.expire_after: int | None = None
        #: How an expired session is answered: one of EXPIRY_STYLES.
        self.expiry_style = "401"
        #: Rotate the session cookie (Set-Cookie with a new token) every N authenticated requests.
        self.rotate_every: int | None = None
        #: How a refused login is answered: one of LOGIN_FAILURE_STYLES.
        self.login_failure_style = "401"
        self.logins = {"studio": 0, "gallery": 0}
        self.failed_logins = {"studio": 0, "gallery": 0}
        #: Requests answered as "session expired or missing", per API.
        self.expired_answers = {"studio": 0, "gallery": 0}
        #: Sessions that ran out of requests (``expire_after``), per API. With concurrent
        #: clients one such event answers several in-flight requests as expired.
        self.expiry_events = {"studio": 0, "gallery": 0}
        self.rotations = {"studio": 0, "gallery": 0}
        #: Every session token and CSRF token handed out, in order: the secrets a tap
        #: obtains at run time, for tests that scan its output.
        self.issued: list[str] = []
        self._served = 0

    def configure(
        self,
        *,
        expire_after: int | object | None = _UNSET,
        expiry_style: str | None = None,
        rotate_every: int | object | None = _UNSET,
        login_failure_style: str | None = None,
    ) -> SessionStore:
        """Change the session rules; arguments left out keep their value. Returns self."""
        if expiry_style is not None:
            if expiry_style not in EXPIRY_STYLES:
                raise ValueError(f"expiry_style must be one of {EXPIRY_STYLES}")
            self.expiry_style = expiry_style
        if login_failure_style is not None:
            if login_failure_style not in LOGIN_FAILURE_STYLES:
                raise ValueError(f"login_failure_style must be one of {LOGIN_FAILURE_STYLES}")
            self.login_failure_style = login_failure_style
        if expire_after is not _UNSET:
            self.expire_after = expire_after  # type: ignore[assignment]
        if rotate_every is not _UNSET:
            self.rotate_every = rotate_every  # type: ignore[assignment]
        return self

    # -- issuing ---------------------------------------------------------------------------

    def _token(self, nbytes: int = 24) -> str:
        token = secrets.token_urlsafe(nbytes)
        self.issued.append(token)
        return token

    def issue(self, api: str, token: str | None = None) -> str:
        """A new valid session for ``api``: a random token, or ``token`` (a recognisable one)."""
        with self._lock:
            if token is None:
                token = self._token()
            else:
                self.issued.append(token)
            self._sessions[token] = _Session(api)
        return token

    def cookie_header(self, api: str, token: str | None = None) -> str:
        """A browser-style Cookie header with a fresh ``api`` session, as a user would copy it."""
        session = self.issue(api, token)
        with self._lock:
            csrf = self._token(16)
        return f"{SESSION_COOKIE[api]}={session}; {CSRF_COOKIE}={csrf}; _ga=GA1.2.12345.67890"

    def live_tokens(self, api: str) -> set[str]:
        """The session tokens of ``api`` that are valid now."""
        with self._lock:
            return {token for token, session in self._sessions.items() if session.api == api}

    def expire_all(self) -> None:
        """Invalidate every session now, as if the account had been logged out everywhere."""
        with self._lock:
            self._sessions.clear()

    # -- the login endpoint ----------------------------------------------------------------

    def login(self, api: str, request: Request) -> Response:
        """``POST /login`` with form fields: a redirect that sets session cookies, or a refusal."""
        if request.form.get("email") != self.email or request.form.get("password") != self.password:
            with self._lock:
                self.failed_logins[api] += 1
            if self.login_failure_style == "redirect":
                return Response(302, None, [("Location", "/login")])
            return Response(
                401,
                {"error": "Unauthorized", "message": "These credentials do not match our records."},
            )
        token = self.issue(api)
        with self._lock:
            self.logins[api] += 1
            csrf = self._token(16)
        return Response(
            302,
            None,
            [
                ("Location", "/dashboard"),
                ("Set-Cookie", f"{SESSION_COOKIE[api]}={token}; Path=/; HttpOnly; SameSite=Lax"),
                ("Set-Cookie", f"{CSRF_COOKIE}={csrf}; Path=/; SameSite=Lax"),
            ],
        )

    # -- checking a request ----------------------------------------------------------------

    def authenticate(
        self, api: str, request: Request
    ) -> tuple[Response | None, list[tuple[str, str]]]:
        """(an error response if the session is not valid, headers to add to the answer)."""
        token = request.cookies.get(SESSION_COOKIE[api], "")
        with self._lock:
            session = self._sessions.get(token)
            if session is None or session.api != api:
                self.expired_answers[api] += 1
                return self.expired_response(), []
            if self.expire_after is not None and session.served >= self.expire_after:
                del self._sessions[token]
                self.expiry_events[api] += 1
                self.expired_answers[api] += 1
                return self.expired_response(), []
            if session.grace is not None:
                # A rotated-away token: the browser's parallel requests that were already in
                # flight still pass, then it dies, so a client that ignores Set-Cookie is
                # logged out a few requests later.
                if session.grace <= 0:
                    del self._sessions[token]
                    self.expired_answers[api] += 1
                    return self.expired_response(), []
                session.grace -= 1
                return None, []
            session.served += 1
            self._served += 1
            if not (self.rotate_every and self._served % self.rotate_every == 0):
                return None, []
            new_token = self._token()
            self._sessions[new_token] = _Session(api, session.served)
            session.grace = ROTATION_GRACE_REQUESTS
            self.rotations[api] += 1
        return None, [("Set-Cookie", f"{SESSION_COOKIE[api]}={new_token}; Path=/; HttpOnly")]

    def expired_response(self) -> Response:
        """An expired or missing session, answered in the configured style."""
        if self.expiry_style == "redirect":
            return Response(302, None, [("Location", "/login")])
        if self.expiry_style == "html":
            return Response(200, LOGIN_PAGE, [("Content-Type", "text/html; charset=utf-8")])
        return Response(401, {"error": "Unauthorized", "message": "Session expired or invalid"})

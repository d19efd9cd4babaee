"""A small routing layer over the standard library's threaded HTTP server.

Each API (Studio, Gallery) is an :class:`ApiServer` on its own loopback port. Handlers are
plain methods that take a :class:`Request` and return a :class:`Response`; routes are
path templates such as ``/clients/{client_id}/documents``, matched exactly, trailing
slashes included (catalog A01: the real paths are inconsistent, and the tap must use each
one as documented).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One incoming request, parsed."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    raw_path: str = ""

    def int_param(self, name: str, default: int) -> int:
        """A query parameter as an integer, or ``default`` when absent or not a number."""
        try:
            return int(self.query[name])
        except (KeyError, ValueError):
            return default


@dataclass
class Response:
    """What a handler answers: a status, a body (JSON-encoded unless bytes) and headers."""

    status: int = 200
    body: Any = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: How the answer goes over the wire (fault injection): "" normally, "close" to hang up
    #: without answering, "cut" to announce the full length but send half and hang up.
    transport: str = ""

    def encoded(self) -> bytes:
        """The body as bytes."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")

    @property
    def content_type(self) -> str:
        """HTML for bytes bodies that look like a page, JSON otherwise."""
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return "application/json"


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON response."""
    return Response(status, body)


def error_response(status: int, body: Any) -> Response:
    """An error response with one of the documented error body shapes."""
    return Response(status, body)


Handler = Callable[[Request], Response]


class Router:
    """Path templates to handlers, matched exactly."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on ``template``."""
        pattern = (
            "^"
            + re.sub(
                r"\{(\w+)\}",
                r"(?P<\1>[^/]+)",
                re.escape(template).replace(r"\{", "{").replace(r"\}", "}"),
            )
            + "$"
        )
        self._routes.append((method, re.compile(pattern), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """The handler and path parameters for a request, or None."""
        for route_method, pattern, handler in self._routes:
            if route_method != method:
                continue
            found = pattern.match(path)
            if found:
                return handler, found.groupdict()
        return None


def parse_cookie_header(header: str) -> dict[str, str]:
    """``a=1; b=2`` as a dict."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies[name] = value
    return cookies


class ApiServer:
    """One API on one loopback port, serving ``dispatch`` in a background thread."""

    def __init__(
        self,
        name: str,
        dispatch: Callable[[Request], Response],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.name = name
        self._dispatch = dispatch
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without this, Nagle and delayed ACKs
            # add about 40 ms to every keep-alive request.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the simulator keeps its own request log

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query={
                        k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()
                    },
                    headers={k.lower(): v for k, v in self.headers.items()},
                    cookies=parse_cookie_header(self.headers.get("Cookie", "")),
                    form=form,
                    raw_path=self.path,
                )
                response = server._dispatch(request)
                if response.transport == "close":
                    self.close_connection = True
                    return
                body = response.encoded()
                length = len(body)
                if response.transport == "cut":
                    body, self.close_connection = body[: length // 2], True
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", response.content_type)
                    for name, value in response.headers:
                        if name.lower() != "content-type":
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(length))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up waiting (a stalled answer, by design): not an error.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        bound_host, bound_port = self.httpd.server_address[:2]
        self.host, self.port = str(bound_host), int(bound_port)
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        """``http://host:port`` of this server."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        # A short poll interval: stop() waits for one, and tests start and stop many servers.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sim-{self.name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

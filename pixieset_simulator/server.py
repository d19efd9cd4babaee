"""The simulator: both APIs on their own loopback ports, one dataset, sessions and faults."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from pixieset_simulator.dataset import Dataset, Scale, build_dataset
from pixieset_simulator.faults import Faults
from pixieset_simulator.http import ApiServer, Request, Response, Router
from pixieset_simulator.sessions import LOGIN_PAGE, SessionStore

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class LoggedRequest:
    """One request the simulator answered."""

    api: str
    method: str
    path: str
    query: dict[str, str]
    status: int
    cookie_header: str


class Simulator:
    """Studio and Gallery APIs over one dataset. Use as a context manager, or start()/stop()."""

    def __init__(
        self,
        dataset: Dataset | None = None,
        *,
        seed: int = 7,
        scale: Scale | None = None,
        host: str = "127.0.0.1",
        studio_port: int = 0,
        gallery_port: int = 0,
    ) -> None:
        self.dataset = dataset or build_dataset(seed, scale)
        self.sessions = SessionStore()
        self.faults = Faults()
        self.requests: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self.servers = {
            "studio": ApiServer("studio", lambda r: self.dispatch("studio", r), host, studio_port),
            "gallery": ApiServer(
                "gallery", lambda r: self.dispatch("gallery", r), host, gallery_port
            ),
        }
        self.routers = {"studio": Router(), "gallery": Router()}
        # Imported here: the API modules import the data modules, which register builders.
        from pixieset_simulator.gallery import GalleryApi
        from pixieset_simulator.studio import StudioApi

        StudioApi(self.dataset, self.base_url("studio")).register(self.routers["studio"])
        #: The Gallery routes, kept so tests can switch its quirks (``collections_list_status``).
        self.gallery = GalleryApi(self.dataset, self.base_url("gallery"))
        self.gallery.register(self.routers["gallery"])
        self.gallery.register_studio_bridge(self.routers["studio"])
        self._cookies: dict[str, str] = {}
        #: (api, path) -> Location: requests answered with a redirect (see :meth:`redirect`).
        self.redirects: dict[tuple[str, str], str] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Simulator:
        """Start both servers."""
        for server in self.servers.values():
            server.start()
        return self

    def stop(self) -> None:
        """Stop both servers."""
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a user or a test needs ---------------------------------------------------------

    def base_url(self, api: str) -> str:
        """The base URL of ``api``, as the tap's ``studio_base_url`` / ``gallery_base_url``."""
        return self.servers[api].origin + API_PREFIX

    def cookie(self, api: str) -> str:
        """A valid browser-style Cookie header for ``api`` (the same one on every call)."""
        if api not in self._cookies:
            self._cookies[api] = self.sessions.cookie_header(api)
        return self._cookies[api]

    def tap_config(
        self, *, studio: bool = True, gallery: bool = True, login: bool = False, **extra: Any
    ) -> dict[str, Any]:
        """A tap config for this simulator: cookies (or login), base URLs, no rate limit.

        The quotes probe is on: the simulator answers the guessed ``/quotes/`` path.
        """
        config: dict[str, Any] = {
            "studio_base_url": self.base_url("studio"),
            "gallery_base_url": self.base_url("gallery"),
            "max_requests_per_second": 0,
            "backoff_base_seconds": 0.01,
            "enable_quotes_probe": True,
        }
        if login:
            config.update(email=self.sessions.email, password=self.sessions.password)
        else:
            if studio:
                config["studio_cookie"] = self.cookie("studio")
            if gallery:
                config["gallery_cookie"] = self.cookie("gallery")
        config.update(extra)
        return config

    def request_count(self, api: str | None = None, path_prefix: str = "") -> int:
        """How many API requests were answered (optionally for one API and path prefix)."""
        with self._log_lock:
            return sum(
                1
                for r in self.requests
                if (api is None or r.api == api) and r.path.startswith(API_PREFIX + path_prefix)
            )

    def login_posts(self, api: str | None = None) -> int:
        """How many ``POST /login`` requests were answered (optionally for one API)."""
        with self._log_lock:
            return sum(
                1
                for r in self.requests
                if (api is None or r.api == api) and r.method == "POST" and r.path == "/login"
            )

    def redirect(self, api: str, path: str, location: str) -> None:
        """Answer requests for ``path`` (with the API prefix) on ``api`` with a 302 to ``location``."""
        self.redirects[(api, path)] = location

    def reset_log(self) -> None:
        """Forget the request log."""
        with self._log_lock:
            self.requests.clear()

    # -- dispatch ----------------------------------------------------------------------------

    def dispatch(self, api: str, request: Request) -> Response:
        """Answer one request: login, session check, faults, then the endpoint."""
        response = self._answer(api, request)
        with self._log_lock:
            self.requests.append(
                LoggedRequest(
                    api,
                    request.method,
                    request.path,
                    dict(request.query),
                    response.status,
                    request.headers.get("cookie", ""),
                )
            )
        return response

    def _answer(self, api: str, request: Request) -> Response:
        if request.path == "/login":
            if request.method == "POST":
                return self.sessions.login(api, request)
            return Response(200, LOGIN_PAGE, [("Content-Type", "text/html; charset=utf-8")])
        if not request.path.startswith(API_PREFIX + "/"):
            return Response(404, {"error": "Not Found", "message": "No such page"})
        location = self.redirects.get((api, request.path))
        if location is not None:
            return Response(302, None, [("Location", location)])
        fault = self.faults.before(request)
        if fault is not None:
            return fault
        rejected, extra_headers = self.sessions.authenticate(api, request)
        if rejected is not None:
            return rejected
        found = self.routers[api].match(request.method, request.path[len(API_PREFIX) :])
        if found is None:
            return Response(404, {"error": {"code": "resource_not_found", "message": "Not found"}})
        handler, params = found
        request.params = params
        path = request.path[len(API_PREFIX) :]
        self.faults.before_page(self.dataset, path, request)
        response = handler(request)
        response.headers.extend(extra_headers)
        return self.faults.after(self.dataset, path, response)

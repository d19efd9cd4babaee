"""A second loopback server that records every request it receives and answers as told.

It is another origin (127.0.0.1 on its own port), so tests can redirect the tap to it and
check what crossed over: cookies and CSRF tokens must not. It reuses the simulator's small
HTTP layer, so it speaks the same HTTP/1.1 as the simulator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pixieset_simulator.http import ApiServer, Request, Response

Answer = Response | Callable[[Request], Response]


class Recorder:
    """Records requests; answers ``routes[(method, path)]``, or 200 with an empty ``data`` list."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.routes: dict[tuple[str, str], Answer] = {}
        self._lock = threading.Lock()
        self.server = ApiServer("recorder", self._dispatch)

    def __enter__(self) -> Recorder:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:port``."""
        return self.server.origin

    def answer(self, method: str, path: str, answer: Answer) -> None:
        """Answer ``method path`` with a fixed response, or with ``answer(request)``."""
        self.routes[(method, path)] = answer

    def answer_json(
        self, path: str, body: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
    ) -> None:
        """Answer ``GET path`` with a JSON body."""
        self.answer("GET", path, Response(status, body, list(headers or [])))

    def _dispatch(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        answer = self.routes.get((request.method, request.path))
        if answer is None:
            return Response(200, {"data": []})
        return answer(request) if callable(answer) else answer

    def headers_received(self, name: str) -> list[str]:
        """The values of header ``name`` on every request received (absent ones left out)."""
        with self._lock:
            return [r.headers[name.lower()] for r in self.requests if name.lower() in r.headers]

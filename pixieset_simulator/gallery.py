"""The Gallery API's endpoints (numeric ids, ``total_pages``, plain arrays, limit/offset)."""

from __future__ import annotations

from pixieset_simulator.dataset import Dataset
from pixieset_simulator.http import Request, Response, Router
from pixieset_simulator.paging import unpaginated


class GalleryApi:
    """Route handlers for the Gallery API over one :class:`Dataset`."""

    def __init__(self, dataset: Dataset, base_url: str) -> None:
        self.ds = dataset
        self.base_url = base_url

    def register(self, router: Router) -> None:
        """Add every Gallery route to ``router``."""
        router.add("GET", "/data/bootstrap", self.bootstrap)

    def bootstrap(self, request: Request) -> Response:
        """G01: account information (key names undocumented)."""
        return Response(200, {"data": {"user": {"id": 4021337, "email": "photographer@example.com"}}})


_ = unpaginated

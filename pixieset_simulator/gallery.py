"""The Gallery API's endpoints (numeric ids, ``total_pages``, plain arrays, limit/offset).

Each sub-resource answers in one of the shapes the docs allow (catalog 1.5, A28), so the
tap meets all of them: ``{"data": [...], "meta": {"total_pages": ...}}`` pages,
``{"data": [...]}`` with no meta, bare JSON arrays, and limit/offset on ``/collections``.
The Studio bridge S05 (``/clients/{client_id}/cgCollections/``) is registered on the
Studio router by :meth:`GalleryApi.register_studio_bridge`.
"""

from __future__ import annotations

from typing import Any

from pixieset_simulator.dataset import Dataset
from pixieset_simulator.http import Request, Response, Router
from pixieset_simulator.paging import Paging, offset_page, unpaginated

#: Galleries and starred photos: page numbers, any requested size ignored, ``total_pages`` meta.
TOTAL_PAGES = Paging(None, 10, meta_keys=("current_page", "per_page", "total_pages"))
#: S05 honours ``page_size`` only up to 10 (catalog A06: never assume the size was honoured).
BRIDGE_PAGING = Paging(
    "page_size", 10, meta_keys=("current_page", "per_page", "total"), max_size=10
)


def _not_found() -> Response:
    return Response(404, {"error": "Not Found", "message": "Collection not found"})


class GalleryApi:
    """Route handlers for the Gallery API over one :class:`Dataset`."""

    def __init__(self, dataset: Dataset, base_url: str) -> None:
        self.ds = dataset
        self.base_url = base_url
        #: Status of ``GET /collections``. It appears only in PAG (catalog A07); tests set
        #: 404 to simulate an account where it does not exist.
        self.collections_list_status = 200

    def register(self, router: Router) -> None:
        """Add every Gallery route to ``router``."""
        router.add("GET", "/data/bootstrap", self.bootstrap)
        router.add("GET", "/collections", self.collections)
        router.add("GET", "/collections/{collection_id}", self.collection)
        router.add("GET", "/collections/{collection_id}/edit", self.collection_settings)
        router.add("GET", "/collections/{collection_id}/galleries", self.galleries)
        router.add("GET", "/photos/starred", self.starred)
        # The rest answer from their table of the same name, each in its own list shape.
        for path, table, shape in (
            ("clients", "collection_clients", "data"),
            ("visitor_emails", "collection_visitor_emails", "bare"),
            ("photo_downloads", "collection_photo_downloads", "data"),
            ("gallery_video_downloads", "collection_video_downloads", "bare"),
            ("downloads/", "collection_downloads", "data"),
            ("photo_sharing_links", "collection_photo_sharing_links", "data"),
            ("favorites", "collection_favorites", "bare"),
        ):
            router.add(
                "GET", "/collections/{collection_id}/" + path, self._sub_resource(table, shape)
            )

    def register_studio_bridge(self, router: Router) -> None:
        """Add S05, the Studio endpoint that links clients to Gallery collections."""
        router.add("GET", "/clients/{client_id}/cgCollections/", self.client_collections)

    # -- helpers ---------------------------------------------------------------------------

    def _collection(self, request: Request) -> dict[str, Any] | None:
        wanted = request.params["collection_id"]
        for collection in self.ds.tables["collections"]:
            if str(collection["id"]) == wanted:
                return collection
        return None

    @staticmethod
    def _public(collection: dict[str, Any], expand: str) -> dict[str, Any]:
        item = {k: v for k, v in collection.items() if not k.startswith("_")}
        if "video_cover" in expand:
            item["video_cover"] = collection["_video_cover"]
        return item

    def _sub_resource(self, table: str, shape: str) -> Any:
        def handler(request: Request) -> Response:
            collection = self._collection(request)
            if collection is None:
                return _not_found()
            items = self.ds.tables[table][collection["id"]]
            return Response(200, items) if shape == "bare" else unpaginated(items)

        handler.__doc__ = f"The collection's {table} ({shape} list, pagination undocumented)."
        return handler

    # -- handlers --------------------------------------------------------------------------

    def bootstrap(self, request: Request) -> Response:
        """G01: account information (key names undocumented)."""
        return Response(200, {"data": self.ds.tables["gallery_account"]})

    def collections(self, request: Request) -> Response:
        """G02: limit/offset (default 30) with ``{limit, offset, total}`` meta."""
        if self.collections_list_status != 200:
            return Response(
                self.collections_list_status, {"error": "Not Found", "message": "No such page"}
            )
        items = [self._public(c, "") for c in self.ds.tables["collections"]]
        return offset_page(request, items, default_limit=30)

    def collection(self, request: Request) -> Response:
        """G03: one collection; ``expand=video_cover`` adds the video cover."""
        collection = self._collection(request)
        if collection is None:
            return _not_found()
        return Response(200, {"data": self._public(collection, request.query.get("expand", ""))})

    def collection_settings(self, request: Request) -> Response:
        """G04: one settings object (tags, reminders, languages, watermark)."""
        collection = self._collection(request)
        if collection is None:
            return _not_found()
        return Response(200, {"data": self.ds.tables["collection_settings"][collection["id"]]})

    def galleries(self, request: Request) -> Response:
        """G05: page numbers, 10 per page whatever is asked, ``total_pages`` meta."""
        collection = self._collection(request)
        if collection is None:
            return _not_found()
        return TOTAL_PAGES.page(request, self.ds.tables["galleries"][collection["id"]], "")

    def starred(self, request: Request) -> Response:
        """G13: the account's starred photos, 10 per page, ``total_pages`` meta."""
        return TOTAL_PAGES.page(request, self.ds.tables["starred_photos"], "")

    def client_collections(self, request: Request) -> Response:
        """S05: page+page_size (at most 10 honoured); meta has total but no last_page."""
        linked = self.ds.tables["client_gallery_collections"].get(request.params["client_id"])
        if linked is None:
            return Response(404, {"error": "Not Found", "message": "Client not found"})
        return BRIDGE_PAGING.page(request, linked, "")

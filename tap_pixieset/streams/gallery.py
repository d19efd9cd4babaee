"""Gallery API streams (catalog section 3.2, rows 38 to 49), and the Studio bridge to them.

Collections come first; every other Gallery stream except ``starred_photos`` and
``gallery_account`` is a child of ``collections``, requested once per collection. Gallery
ids are JSON integers and are emitted as strings (catalog A21): the schemas declare them
as strings and the base stream's coercion does the rest.

``client_gallery_collections`` (row 3, S05) is a Studio endpoint, but it lives here
because it is the bridge from Studio clients to Gallery collection ids: ``collections``
falls back to it when ``GET /collections`` is not available (see :class:`CollectionsStream`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, ClassVar

import requests
from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError
from typing_extensions import override

from tap_pixieset.bounded import BoundedParent
from tap_pixieset.client import PixiesetStream
from tap_pixieset.freshness import fingerprint
from tap_pixieset.pagination import LIMIT_OFFSET, PAGE_SIZE, PER_PAGE, UNPAGINATED
from tap_pixieset.responses import NotFound, Outcome
from tap_pixieset.schema import DATE, DATETIME, ID, open_object, payload
from tap_pixieset.stream_kinds import GalleryStream, StudioStream, utc_today
from tap_pixieset.streams.studio import ClientsStream

#: Gallery sub-resources document no pagination (catalog A28). They are asked for
#: ``page``/``per_page`` anyway: the generic paginator then copes with ``total_pages``
#: meta, a ``data`` list without meta, and a bare array alike.
GALLERY_PAGES = PER_PAGE


def record_key(item: dict[str, Any]) -> str:
    """A stable key for an item of an undocumented shape (catalog rows 42 to 46).

    The item's own ``id`` as a string when it has one; otherwise ``sha256:`` and the
    SHA-256 of the item's canonical JSON (sorted keys), so the same item gets the same
    key on every run and on every machine.
    """
    if item.get("id") is not None:
        return str(item["id"])
    canonical = json.dumps(
        item, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- the Studio bridge -----------------------------------------------------------------


class ClientGalleryCollectionsStream(StudioStream):
    """Gallery collections linked to one Studio client (S05). Shape undocumented: ``payload``."""

    name = "client_gallery_collections"
    parent_stream_type = ClientsStream
    path = "/clients/{client_id}/cgCollections/"
    primary_keys = ("client_id", "id")
    page_style = PAGE_SIZE
    capture_payload = True
    on_404 = NotFound.SKIP
    schema = th.PropertiesList(
        th.Property("client_id", ID, required=True),
        th.Property("id", ID, required=True, description="The Gallery collection id."),
        th.Property("name", th.StringType),
        th.Property("status", th.StringType),
        th.Property("photo_count", th.IntegerType),
        th.Property("url", th.StringType),
        th.Property("created_at", DATETIME),
        payload(),
    ).to_dict()


# -- collections -----------------------------------------------------------------------


class _CollectionList(GalleryStream):
    """``GET /collections`` (G02), read for its ids only; not a stream of its own.

    It appears only in the pagination docs (catalog A07), so a 404 on its first page
    means "not available on this account" rather than an error.
    """

    name = "_collection_list"
    path = "/collections"
    page_style = LIMIT_OFFSET
    schema = th.PropertiesList(th.Property("id", ID)).to_dict()

    on_404 = NotFound.ABSENT

    @override
    def note_not_found(self, response: requests.Response, outcome: Outcome | None) -> None:
        """Mark the list absent without a warning: CollectionsStream says what it does next."""
        if outcome is Outcome.ABSENT:
            self.endpoint_absent = True

    def items(self) -> dict[str, dict[str, Any]] | None:
        """Listed items by collection id, in list order; None when the endpoint is unavailable."""
        items: dict[str, dict[str, Any]] = {}
        for item in self.fetch_records(None):
            if item.get("id") is not None:
                items.setdefault(str(item["id"]), item)
        return None if self.endpoint_absent else items


class CollectionsStream(BoundedParent, GalleryStream):
    """Collections (G02 ids, then G03 detail with ``expand=video_cover``).

    Where the ids come from, first match wins:

    1. the ``collection_ids`` setting, when set: exactly those, and ``GET /collections``
       is not called;
    2. ``GET /collections`` with limit/offset;
    3. when that endpoint is not available (404), the distinct collection ids linked to
       Studio clients (``client_gallery_collections``), which needs a Studio session.
    """

    name = "collections"
    path = "/collections/{collection_id}"
    endpoint_doc = "`/collections` then `/collections/{collection_id}`"
    primary_keys = ("id",)
    query = {"expand": "video_cover"}
    on_404 = NotFound.SKIP
    child_context_keys = {"collection_id": "id"}
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("name", th.StringType),
        th.Property("description", th.StringType),
        th.Property("status", th.StringType),
        th.Property("gallery_count", th.IntegerType),
        th.Property("photo_count", th.IntegerType),
        th.Property("video_count", th.IntegerType),
        th.Property("client_count", th.IntegerType),
        th.Property("password_protected", th.BooleanType),
        th.Property("downloadable", th.BooleanType),
        th.Property("expiry_date", DATE),
        th.Property("created_at", DATETIME),
        open_object("video_cover", "Video cover, from expand=video_cover (shape undocumented)."),
    ).to_dict()

    #: With bounded freshness, a collection's own detail is read only when it may have changed.
    own_records_gated = True

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        """One detail request per collection id (per the freshness plan, when it is on)."""
        plan = self.start_plan() if self.gates_parents else None
        for collection_id, item in self.collection_sources().items():
            if plan is None or plan.wants(collection_id, fingerprint(item)):
                yield from super().get_records({"collection_id": collection_id})
        if plan is not None:
            self.finish_plan(plan)

    def collection_sources(self) -> dict[str, dict[str, Any]]:
        """The ids to read, from the first source that has them (see the class docstring).

        Each with what its source says of it: the list item when listed, else the id alone.
        """
        configured = self.config.get("collection_ids")
        if configured:
            self.incomplete_reason = "`collection_ids` is set"
            return {str(value).strip(): {"id": str(value).strip()} for value in configured}
        listed = _CollectionList(tap=self.tap).items()
        if listed is not None:
            return listed
        self.incomplete_reason = "collections were found through Studio clients"
        return {
            collection_id: {"id": collection_id}
            for collection_id in self._ids_from_studio_clients()
        }

    def _ids_from_studio_clients(self) -> list[str]:
        if not self.tap.api_configured("studio"):
            raise FatalAPIError(
                "GET /collections is not available on this Gallery account (HTTP 404) and no "
                "Studio session is configured to find collection ids through clients: set "
                "`collection_ids`, or `studio_cookie`."
            )
        self.logger.warning(
            "GET /collections is not available on this Gallery account (HTTP 404); reading "
            "collection ids from the collections linked to Studio clients instead."
        )
        clients = self.tap.streams[ClientsStream.name]
        bridge = self.tap.streams[ClientGalleryCollectionsStream.name]
        assert isinstance(clients, PixiesetStream) and isinstance(bridge, PixiesetStream)
        ids: dict[str, None] = {}
        for client in clients.fetch_records(None):
            for linked in bridge.fetch_records({"client_id": client["id"]}):
                if linked.get("id") is not None:
                    ids[str(linked["id"])] = None
        return list(ids)


# -- per-collection streams ------------------------------------------------------------


class CollectionChildStream(GalleryStream):
    """A sub-resource of one collection. A 404 means the collection went away: skip it."""

    parent_stream_type = CollectionsStream
    page_style = GALLERY_PAGES
    on_404 = NotFound.SKIP


class ContentKeyedStream(CollectionChildStream):
    """A sub-resource with no documented id, keyed by ``collection_id`` and ``record_key``.

    ``record_key`` is the item's ``id`` when present, else a hash of the whole item
    (:func:`record_key`), computed on the item exactly as the API sent it.
    """

    primary_keys = ("collection_id", "record_key")
    capture_payload = True

    #: Properties every content-keyed stream declares, before its own.
    KEY_FIELDS: ClassVar[list[th.Property]] = [
        th.Property("collection_id", ID, required=True),
        th.Property(
            "record_key",
            th.StringType,
            required=True,
            description="The item's id, or sha256: and a hash of the item when it has none.",
        ),
    ]

    def post_process(self, row: dict[str, Any], context: Any = None) -> dict[str, Any] | None:
        """Add ``record_key``, computed before any field is coerced or added."""
        key = record_key(row)
        shaped = super().post_process(row, context)
        if shaped is not None:
            shaped["record_key"] = key
        return shaped


class GalleriesStream(CollectionChildStream):
    """Galleries (sets) of one collection (G05). ``collection_id`` is added when missing."""

    name = "galleries"
    path = "/collections/{collection_id}/galleries"
    primary_keys = ("id",)
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("collection_id", ID, required=True),
        th.Property("name", th.StringType),
        th.Property("description", th.StringType),
        th.Property("photo_count", th.IntegerType),
        th.Property("video_count", th.IntegerType),
        th.Property("private", th.BooleanType),
        th.Property("download", th.BooleanType),
        th.Property(
            "cover_photo",
            th.ObjectType(
                th.Property("id", ID),
                th.Property("url", th.StringType),
                additional_properties=True,
            ),
        ),
    ).to_dict()


class CollectionClientsStream(CollectionChildStream):
    """Clients with access to one collection (G06): access level, last access, favorites."""

    name = "collection_clients"
    path = "/collections/{collection_id}/clients"
    primary_keys = ("collection_id", "id")
    schema = th.PropertiesList(
        th.Property("collection_id", ID, required=True),
        th.Property("id", ID, required=True),
        th.Property("email", th.StringType),
        th.Property("name", th.StringType),
        th.Property("access_level", th.StringType),
        th.Property("last_accessed", DATETIME),
        th.Property("favorites_count", th.IntegerType),
    ).to_dict()


class CollectionVisitorEmailsStream(CollectionChildStream):
    """Email addresses that visited one collection (G07). Plain strings become ``{email}``."""

    name = "collection_visitor_emails"
    path = "/collections/{collection_id}/visitor_emails"
    primary_keys = ("collection_id", "email")
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("collection_id", ID, required=True),
        th.Property("email", th.StringType, required=True),
        th.Property("visited_at", DATETIME),
        th.Property("visits", th.IntegerType),
        payload(),
    ).to_dict()

    def wrap_scalar(self, item: Any) -> dict[str, Any]:
        """The docs allow a list of bare addresses: wrap each as ``{"email": ...}``."""
        if isinstance(item, str):
            return {"email": item}
        return super().wrap_scalar(item)


class CollectionPhotoDownloadsStream(ContentKeyedStream):
    """Photo downloads of one collection (G08). Shape undocumented: ``payload``."""

    name = "collection_photo_downloads"
    path = "/collections/{collection_id}/photo_downloads"
    schema = th.PropertiesList(
        *ContentKeyedStream.KEY_FIELDS,
        th.Property("photo_id", ID),
        th.Property("gallery_id", ID),
        th.Property("client_email", th.StringType),
        th.Property("download_count", th.IntegerType),
        th.Property("last_downloaded_at", DATETIME),
        th.Property("file_format", th.StringType),
        th.Property("file_size", th.IntegerType),
        payload(),
    ).to_dict()


class CollectionVideoDownloadsStream(ContentKeyedStream):
    """Video downloads of one collection (G09). Shape undocumented: ``payload``."""

    name = "collection_video_downloads"
    path = "/collections/{collection_id}/gallery_video_downloads"
    schema = th.PropertiesList(
        *ContentKeyedStream.KEY_FIELDS,
        th.Property("id", ID),
        th.Property("video_id", ID),
        th.Property("client_email", th.StringType),
        th.Property("status", th.StringType),
        th.Property("downloaded_at", DATETIME),
        payload(),
    ).to_dict()


class CollectionDownloadsStream(ContentKeyedStream):
    """Photo and video downloads of one collection combined (G10; overlaps G08/G09, A27)."""

    name = "collection_downloads"
    path = "/collections/{collection_id}/downloads/"
    schema = th.PropertiesList(
        *ContentKeyedStream.KEY_FIELDS,
        th.Property("id", ID),
        th.Property("type", th.StringType),
        th.Property("client_email", th.StringType),
        th.Property("status", th.StringType),
        th.Property("bytes_transferred", th.IntegerType),
        th.Property("created_at", DATETIME),
        payload(),
    ).to_dict()


class CollectionPhotoSharingLinksStream(CollectionChildStream):
    """Share links of one collection's photos (G11). Shape undocumented; ``id`` assumed."""

    name = "collection_photo_sharing_links"
    path = "/collections/{collection_id}/photo_sharing_links"
    primary_keys = ("collection_id", "id")
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("collection_id", ID, required=True),
        th.Property("id", ID, required=True),
        th.Property("photo_id", ID),
        th.Property("url", th.StringType),
        th.Property("permission", th.StringType),
        th.Property("expires_at", DATETIME),
        th.Property("views", th.IntegerType),
        th.Property("created_at", DATETIME),
        payload(),
    ).to_dict()


class CollectionFavoritesStream(ContentKeyedStream):
    """Favorited photos and videos of one collection (G12). Shape undocumented: ``payload``."""

    name = "collection_favorites"
    path = "/collections/{collection_id}/favorites"
    schema = th.PropertiesList(
        *ContentKeyedStream.KEY_FIELDS,
        th.Property("photo_id", ID),
        th.Property("video_id", ID),
        th.Property("client_email", th.StringType),
        th.Property("client_name", th.StringType),
        th.Property("favorited_at", DATETIME),
        th.Property("count", th.IntegerType),
        payload(),
    ).to_dict()


class CollectionSettingsStream(CollectionChildStream):
    """One collection's settings (G04): tags, expiry reminders, languages, watermark."""

    name = "collection_settings"
    path = "/collections/{collection_id}/edit"
    primary_keys = ("collection_id",)
    page_style = UNPAGINATED  # one object, not a list
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("collection_id", ID, required=True),
        th.Property("tags", th.ArrayType(th.StringType)),
        th.Property("expiry_reminders", th.ArrayType(th.ObjectType(additional_properties=True))),
        th.Property("message_languages", th.ArrayType(th.StringType)),
        open_object("watermark"),
        payload(),
    ).to_dict()


# -- account-wide ----------------------------------------------------------------------


class StarredPhotosStream(GalleryStream):
    """The account's starred photos across collections (G13). Shape undocumented: ``payload``."""

    name = "starred_photos"
    path = "/photos/starred"
    primary_keys = ("id",)
    page_style = GALLERY_PAGES
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("collection_id", ID),
        th.Property("gallery_id", ID),
        th.Property("filename", th.StringType),
        th.Property("starred_at", DATETIME),
        payload(),
    ).to_dict()


class GalleryAccountStream(GalleryStream):
    """A daily snapshot of the Gallery account (G01 ``/data/bootstrap``; keys undocumented).

    The row describes the account, so the account's own id is the key; the signed-in user's
    id is a column of its own (a user may one day reach several accounts).
    """

    name = "gallery_account"
    path = "/data/bootstrap"
    primary_keys = ("gallery_account_id", "snapshot_date")
    capture_payload = True
    #: A daily snapshot keeps its history: it never deletes older days (see versions).
    mirrors_source = False
    schema = th.PropertiesList(
        th.Property(
            "gallery_account_id",
            ID,
            required=True,
            description=(
                "Pixieset's id of the account: account.id, else the body's id, else user.id "
                "(whichever is sent first in that order)."
            ),
        ),
        th.Property("snapshot_date", DATE, required=True, description="UTC date of the run."),
        th.Property("gallery_user_id", ID, description="The signed-in user's id (user.id)."),
        open_object("user"),
        open_object("account"),
        open_object("custom_url"),
        open_object("workspace"),
        payload(),
    ).to_dict()

    def post_process(self, row: dict[str, Any], context: Any = None) -> dict[str, Any] | None:
        """Add the account id, the user id and the snapshot date."""
        shaped = super().post_process(row, context)
        if shaped is None:
            return None
        user = shaped.get("user")
        user_id = user.get("id") if isinstance(user, dict) else None
        candidates = [shaped.get("account"), shaped, user]
        found = next(
            (c.get("id") for c in candidates if isinstance(c, dict) and c.get("id") is not None),
            None,
        )
        # Without any id the account is still one row per day: the key must never be null.
        shaped["gallery_account_id"] = str(found) if found is not None else "account"
        shaped["gallery_user_id"] = str(user_id) if user_id is not None else None
        shaped["snapshot_date"] = utc_today()
        return shaped


GALLERY_STREAMS: list[type[GalleryStream | StudioStream]] = [
    ClientGalleryCollectionsStream,
    CollectionsStream,
    GalleriesStream,
    CollectionClientsStream,
    CollectionVisitorEmailsStream,
    CollectionPhotoDownloadsStream,
    CollectionVideoDownloadsStream,
    CollectionDownloadsStream,
    CollectionPhotoSharingLinksStream,
    CollectionFavoritesStream,
    CollectionSettingsStream,
    StarredPhotosStream,
    GalleryAccountStream,
]

"""Gallery tables: collections and their sub-resources (numeric ids, as the API sends them).

Only the collection and gallery fields are documented (catalog 2.3, G03 and G05). The other
sub-resources are described in words only, so their items here are realistic guesses: some
carry an ``id``, some do not (download aggregates, favorites), so that the tap's
record-hash key is exercised. Visitor emails come as plain strings for some collections
and as objects for others, because the docs allow both.

The bridge from Studio clients to collections (S05) lives here too: it lists Gallery
collection ids, and one collection is shared by two clients (a couple), so the tap must
take the *distinct* ids when it falls back to it.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

# Imported first so the Studio builders register (and run) before this module's: the links
# from clients to collections need the clients, and the Studio data must not depend on ours.
from pixieset_simulator import studio_data  # noqa: F401  isort: skip
from pixieset_simulator.dataset import (
    FIRST_NAMES,
    LAST_NAMES,
    Dataset,
    builder,
    days_ago,
    expects,
    timestamp,
)

#: The account behind the Gallery session (G01 ``/data/bootstrap``).
ACCOUNT_ID = 4021337
#: The Gallery account's own id (the user above signs in to it).
GALLERY_ACCOUNT_ID = 5530021
#: The client index that owns many collections, so S05 crosses its (capped) page size.
BUSY_CLIENT = 5
#: The collection with enough galleries to cross the galleries page size.
BIG_COLLECTION = 2
#: Every fifth collection answers visitor emails as objects; the rest as plain strings.
OBJECT_EMAILS_EVERY = 5

_EVENTS = [
    "Wedding",
    "Engagement",
    "Family session",
    "Newborn",
    "Brand shoot",
    "Graduation",
    "Elopement",
]
_PLACES = ["Lake Como", "Hyde Park", "Zürich Altstadt", "Kraków", "Montréal", "São Paulo", "Austin"]


def _person(rng: random.Random, n: int) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{first} {last}", f"{first.lower()}.{last.lower().replace(' ', '')}.{n}@example.com"


@builder
def build_collections(ds: Dataset, rng: random.Random) -> None:
    """Collections (G03) and, per collection, every sub-resource the Gallery API lists."""
    ds.tables["gallery_account"] = {
        "user": {
            "id": ACCOUNT_ID,
            "email": "photographer@example.com",
            "first_name": "Amélie",
            "last_name": "Dubois",
            "timezone": "Europe/London",
        },
        "account": {
            "id": GALLERY_ACCOUNT_ID,
            "plan": "pro",
            "storage_used_bytes": 182_334_221_312,
            "storage_limit_bytes": None,
        },
        "custom_url": {"subdomain": "ameliedubois", "domain": "photos.ameliedubois.com"},
        "workspace": {"brand_color": "#C08552", "default_watermark_id": 7781, "language": "en"},
    }
    collections, galleries, clients = [], {}, {}
    # Visitor emails come as objects on some collections and as bare strings on others.
    emails: dict[int, list[Any]] = {}
    photo_dl, video_dl, all_dl, links, favorites, settings = {}, {}, {}, {}, {}, {}
    next_photo = 7_100_000_000
    for c in range(ds.scale.collections):
        cid = 90_516_387 + c * 7_919
        name = f"{rng.choice(_EVENTS)} – {rng.choice(_PLACES)}"
        n_galleries = 23 if c == BIG_COLLECTION else rng.randint(1, 5)
        gals = []
        for g in range(n_galleries):
            gid = 312_000_000 + c * 1_000 + g
            photos, videos = rng.randint(10, 400), rng.choice([0, 0, 1, 3])
            gallery: dict[str, Any] = {
                "id": gid,
                "collection_id": cid,
                "name": rng.choice(
                    ["Highlights", "Ceremony", "Portraits", "Details", "Reception", "Getting ready"]
                )
                + f" {g + 1}",
                "description": "",
                "photo_count": photos,
                "video_count": videos,
                "private": rng.random() < 0.2,
                "download": rng.random() < 0.8,
                "cover_photo": {
                    "id": next_photo + g,
                    "url": f"https://images.pixieset.com/{gid}/cover.jpg",
                    "width": 2048,
                    "height": 1365,
                },
                "position": g,  # undocumented extra
            }
            if c % 4 == 3:  # some answers leave out collection_id; the tap adds it (catalog row 39)
                del gallery["collection_id"]
            gals.append(gallery)
        galleries[cid] = gals
        photo_ids = [next_photo + i for i in range(30)]
        next_photo += 1_000

        people = [_person(rng, c * 100 + i) for i in range(rng.randint(1, 4))]
        clients[cid] = [
            {
                "id": 55_000_000 + c * 100 + i,
                "email": email,
                "name": person,
                "access_level": rng.choice(["view", "download", "full"]),
                # Format undocumented: an offset instead of Pixieset's usual Z, so the tap normalises it.
                "last_accessed": days_ago(rng, 0, 60).replace(microsecond=0).isoformat(),
                "favorites_count": rng.randint(0, 40),
            }
            for i, (person, email) in enumerate(people)
        ]
        visitors = sorted({_person(rng, c * 100 + 50 + i)[1] for i in range(rng.randint(2, 9))})
        if c % OBJECT_EMAILS_EVERY == 0:
            emails[cid] = [
                {
                    "email": e,
                    "visited_at": timestamp(days_ago(rng, 0, 90)),
                    "visits": rng.randint(1, 12),
                }
                for e in visitors
            ]
        else:
            emails[cid] = visitors

        # Per-photo download aggregates: no id of their own (keyed by a record hash).
        photo_dl[cid] = [
            {
                "photo_id": rng.choice(photo_ids),
                "gallery_id": rng.choice(gals)["id"],
                "client_email": people[i % len(people)][1],
                "download_count": rng.randint(1, 6),
                "last_downloaded_at": timestamp(days_ago(rng, 0, 60)),
                "file_format": rng.choice(["jpg", "jpg", "png"]),
                "file_size": rng.randint(800_000, 24_000_000),
                "resolution": rng.choice(["original", "web"]),
            }
            for i in range(rng.randint(0, 6))
        ]
        video_dl[cid] = [
            {
                "id": 880_000_000 + c * 100 + i,
                "video_id": 6_400_000 + c * 100 + i,
                "client_email": people[0][1],
                "title": "Highlight film",
                "duration_seconds": rng.randint(60, 600),
                "status": rng.choice(["completed", "completed", "failed"]),
                "downloaded_at": timestamp(days_ago(rng, 0, 60)),
            }
            for i in range(rng.choice([0, 0, 1, 2]))
        ]
        all_dl[cid] = [
            {
                "id": 770_000_000 + c * 100 + i,
                "type": rng.choice(["photo", "gallery", "video", "collection"]),
                "client_email": people[i % len(people)][1],
                "status": rng.choice(["success", "success", "failed"]),
                "bytes_transferred": rng.randint(1_000_000, 4_000_000_000),
                "created_at": timestamp(days_ago(rng, 0, 60)),
            }
            for i in range(rng.randint(0, 5))
        ]
        links[cid] = [
            {
                "id": 660_000_000 + c * 100 + i,
                "photo_id": rng.choice(photo_ids),
                "url": f"https://ameliedubois.pixieset.com/s/{cid:x}{i:02d}",
                "permission": rng.choice(["view", "download"]),
                "expires_at": None
                if rng.random() < 0.5
                else timestamp(ds.now + timedelta(days=rng.randint(5, 90))),
                "views": rng.randint(0, 300),
                "created_at": timestamp(days_ago(rng, 0, 90)),
            }
            for i in range(rng.randint(0, 3))
        ]
        # Favorites: one row per client and photo, no id.
        favorites[cid] = [
            {
                ("video_id" if i == 0 and c % 3 == 0 else "photo_id"): pid,
                "client_email": people[i % len(people)][1],
                "client_name": people[i % len(people)][0],
                "list_name": rng.choice(["Favorites", "Album picks", "Print"]),
                "favorited_at": timestamp(days_ago(rng, 0, 60)),
                "count": rng.randint(1, 3),
            }
            for i, pid in enumerate(rng.sample(photo_ids, k=rng.randint(0, 8)))
        ]
        settings[cid] = {
            "id": cid,
            "tags": rng.sample(["2025", "wedding", "vip", "printed", "album"], k=2),
            "expiry_reminders": [
                {"days_before": 7, "enabled": True},
                {"days_before": 1, "enabled": rng.random() < 0.5},
            ],
            "message_languages": ["en", rng.choice(["fr", "de", "es"])],
            "watermark": {
                "enabled": rng.random() < 0.4,
                "watermark_id": 7781,
                "position": "bottom-right",
            },
        }
        collections.append(
            {
                "id": cid,
                "name": name,
                "description": f"{name} — {rng.choice(['Thank you!', 'Enjoy ✨', ''])}",
                "gallery_count": len(gals),
                "photo_count": sum(g["photo_count"] for g in gals),
                "video_count": sum(g["video_count"] for g in gals),
                "client_count": len(clients[cid]),
                "password_protected": rng.random() < 0.3,
                "downloadable": rng.random() < 0.8,
                "expiry_date": (ds.now + timedelta(days=rng.randint(-30, 365))).date().isoformat(),
                "status": rng.choice(["published", "published", "draft"]),  # undocumented extra
                "created_at": timestamp(days_ago(rng, 5, 700)),
                "_video_cover": {
                    "video_id": 6_400_000 + c,
                    "thumbnail_url": f"https://images.pixieset.com/{cid}/vc.jpg",
                }
                if rng.random() < 0.4
                else None,
            }
        )
    ds.tables.update(
        collections=collections,
        galleries=galleries,
        collection_clients=clients,
        collection_visitor_emails=emails,
        collection_photo_downloads=photo_dl,
        collection_video_downloads=video_dl,
        collection_downloads=all_dl,
        collection_photo_sharing_links=links,
        collection_favorites=favorites,
        collection_settings=settings,
    )
    ds.tables["starred_photos"] = [
        {
            "id": 7_100_000_000 + i * 1_000 + rng.randint(0, 29),
            "collection_id": collections[i % len(collections)]["id"],
            "gallery_id": galleries[collections[i % len(collections)]["id"]][0]["id"],
            "filename": f"IMG_{4000 + i}.jpg",
            "starred_at": timestamp(days_ago(rng, 0, 120)),
        }
        for i in range(45)
    ]
    _link_collections_to_clients(ds, rng)


def _link_collections_to_clients(ds: Dataset, rng: random.Random) -> None:
    """S05: which collections each Studio client is linked to.

    The busy client owns up to 11; collection 0 is shared with the next client (a couple);
    the last collection belongs to no client, so the Studio fallback cannot see it.
    """
    clients = ds.tables["clients"]
    linked: dict[str, list[dict[str, Any]]] = {c["id"]: [] for c in clients}
    collections = ds.tables["collections"]
    for index, collection in enumerate(collections[:-1] if len(collections) > 1 else collections):
        owners = [clients[BUSY_CLIENT % len(clients)]] if index < 11 else [rng.choice(clients)]
        if index == 0:
            owners.append(clients[(BUSY_CLIENT + 1) % len(clients)])
        for owner in owners:
            linked[owner["id"]].append(
                {
                    "id": collection["id"],
                    "name": collection["name"],
                    "status": collection["status"],
                    "photo_count": collection["photo_count"],
                    "created_at": collection["created_at"],
                    "url": f"https://ameliedubois.pixieset.com/c{collection['id']}/",
                }
            )
    ds.tables["client_gallery_collections"] = linked


# -- expectations ------------------------------------------------------------------------


def _per_collection(ds: Dataset, table: str, key: str) -> set[tuple[str, ...]]:
    return {(str(cid), str(item[key])) for cid, items in ds.tables[table].items() for item in items}


def content_key(item: dict[str, Any]) -> str:
    """The documented key of an item of an undocumented shape (README "Gallery").

    That is its ``id`` as a string when it has one, else ``sha256:`` and the SHA-256 of its
    canonical JSON.
    """
    if item.get("id") is not None:
        return str(item["id"])
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_keyed(ds: Dataset, table: str) -> set[tuple[str, ...]]:
    return {
        (str(cid), content_key(item)) for cid, items in ds.tables[table].items() for item in items
    }


@expects("collections")
def _collections(ds: Dataset) -> set[tuple[str, ...]]:
    return {(str(c["id"]),) for c in ds.tables["collections"]}


@expects("client_gallery_collections")
def _client_gallery_collections(ds: Dataset) -> set[tuple[str, ...]]:
    return {
        (cid, str(item["id"]))
        for cid, items in ds.tables["client_gallery_collections"].items()
        for item in items
    }


@expects("galleries")
def _galleries(ds: Dataset) -> set[tuple[str, ...]]:
    return {(str(g["id"]),) for items in ds.tables["galleries"].values() for g in items}


@expects("collection_clients")
def _collection_clients(ds: Dataset) -> set[tuple[str, ...]]:
    return _per_collection(ds, "collection_clients", "id")


@expects("collection_visitor_emails")
def _visitor_emails(ds: Dataset) -> set[tuple[str, ...]]:
    return {
        (str(cid), e["email"] if isinstance(e, dict) else e)
        for cid, items in ds.tables["collection_visitor_emails"].items()
        for e in items
    }


@expects("collection_photo_downloads")
def _photo_downloads(ds: Dataset) -> set[tuple[str, ...]]:
    return _hash_keyed(ds, "collection_photo_downloads")


@expects("collection_video_downloads")
def _video_downloads(ds: Dataset) -> set[tuple[str, ...]]:
    return _hash_keyed(ds, "collection_video_downloads")


@expects("collection_downloads")
def _downloads(ds: Dataset) -> set[tuple[str, ...]]:
    return _hash_keyed(ds, "collection_downloads")


@expects("collection_photo_sharing_links")
def _sharing_links(ds: Dataset) -> set[tuple[str, ...]]:
    return _per_collection(ds, "collection_photo_sharing_links", "id")


@expects("collection_favorites")
def _favorites(ds: Dataset) -> set[tuple[str, ...]]:
    return _hash_keyed(ds, "collection_favorites")


@expects("collection_settings")
def _collection_settings(ds: Dataset) -> set[tuple[str, ...]]:
    return {(str(cid),) for cid in ds.tables["collection_settings"]}


@expects("starred_photos")
def _starred(ds: Dataset) -> set[tuple[str, ...]]:
    return {(str(p["id"]),) for p in ds.tables["starred_photos"]}


@expects("gallery_account")
def _gallery_account(ds: Dataset) -> set[tuple[str, ...]]:
    # The tap stamps snapshots with the real UTC date of the run, not the simulator's clock.
    return {(str(GALLERY_ACCOUNT_ID), datetime.now(timezone.utc).date().isoformat())}

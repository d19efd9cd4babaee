"""Gallery streams against the simulator: id coercion, shapes, keys, paging, one API at a time."""

from __future__ import annotations

import re

import pytest
from harness import run_tap

from pixieset_simulator.gallery_data import BIG_COLLECTION, BUSY_CLIENT, OBJECT_EMAILS_EVERY
from tap_pixieset.streams.gallery import GALLERY_STREAMS, record_key
from tap_pixieset.streams.studio import STUDIO_STREAMS

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("gallery_streams")

GALLERY_API_STREAMS = {s.name for s in GALLERY_STREAMS if s.api == "gallery"}
STUDIO_API_STREAMS = {s.name for s in [*STUDIO_STREAMS, *GALLERY_STREAMS] if s.api == "studio"}
SKIP_GALLERY = "Skipping every Gallery stream"
SKIP_STUDIO = "Skipping every Studio stream"


@pytest.fixture(scope="module")
def gallery_only(sim):
    """A run with only a Gallery cookie: every stream selected."""
    sim.reset_log()
    result = run_tap(sim.tap_config(studio=False))
    result.requests = list(sim.requests)  # type: ignore[attr-defined]
    return result


@pytest.fixture(scope="module")
def studio_only(sim):
    """A run with only a Studio cookie, of the streams that read clients and the Gallery streams."""
    return run_tap(
        sim.tap_config(gallery=False),
        streams={"clients", "client_gallery_collections", *GALLERY_API_STREAMS},
    )


# -- one API at a time ---------------------------------------------------------------------


def test_gallery_only_run_syncs_gallery_and_warns_once_about_studio(gallery_only, sim):
    for stream in GALLERY_API_STREAMS:
        keys = {tuple(str(r[k]) for k in _keys(stream)) for r in gallery_only.records[stream]}
        assert keys == sim.dataset.expected_keys(stream), stream
    assert not STUDIO_API_STREAMS & set(gallery_only.records)
    assert gallery_only.stderr.count(SKIP_STUDIO) == 1
    assert SKIP_GALLERY not in gallery_only.stderr
    assert not any(r.api == "studio" for r in gallery_only.requests)


def test_studio_only_run_syncs_studio_and_warns_once_about_gallery(studio_only, sim):
    assert len(studio_only.records["clients"]) == len(sim.dataset.expected_keys("clients"))
    linked = {(r["client_id"], r["id"]) for r in studio_only.records["client_gallery_collections"]}
    assert linked == sim.dataset.expected_keys("client_gallery_collections")
    assert not GALLERY_API_STREAMS & set(studio_only.records)
    assert studio_only.stderr.count(SKIP_GALLERY) == 1
    assert SKIP_STUDIO not in studio_only.stderr


def test_gallery_cookie_never_reaches_output_or_logs(gallery_only, sim):
    token = sim.cookie("gallery").split(";")[0].split("=", 1)[1]
    assert token not in gallery_only.stdout
    assert token not in gallery_only.stderr


# -- ids and shapes ------------------------------------------------------------------------


def test_numeric_gallery_ids_are_emitted_as_strings(gallery_only, sim):
    raw = sim.dataset.tables["galleries"]
    assert all(isinstance(g["id"], int) for items in raw.values() for g in items), (
        "the simulator sends integers"
    )
    for gallery in gallery_only.records["galleries"]:
        assert isinstance(gallery["id"], str) and gallery["id"].isdigit()
        assert isinstance(gallery["collection_id"], str) and gallery["collection_id"].isdigit()
        assert isinstance(gallery["cover_photo"]["id"], str), "nested ids are coerced too"
    for stream in GALLERY_API_STREAMS:
        for record in gallery_only.records[stream]:
            for field, value in record.items():
                if (field == "id" or field.endswith("_id")) and value is not None:
                    assert isinstance(value, str), (stream, field, value)
    # The schema says so too, so loaders create text columns.
    assert gallery_only.schemas["collections"]["schema"]["properties"]["id"]["type"][0] == "string"


def test_missing_collection_id_on_galleries_is_added_from_the_parent(gallery_only, sim):
    omitted = {
        str(g["id"])
        for items in sim.dataset.tables["galleries"].values()
        for g in items
        if "collection_id" not in g
    }
    assert omitted, "the simulator should leave collection_id out of some galleries"
    by_id = {g["id"]: g for g in gallery_only.records["galleries"]}
    for gallery_id in omitted:
        assert by_id[gallery_id]["collection_id"]


def test_visitor_emails_as_plain_strings_are_wrapped(gallery_only, sim):
    tables = sim.dataset.tables["collection_visitor_emails"]
    as_strings = {str(cid) for cid, items in tables.items() if items and isinstance(items[0], str)}
    as_objects = {str(cid) for cid, items in tables.items() if items and isinstance(items[0], dict)}
    assert as_strings and as_objects, "the simulator should send both shapes"
    for row in gallery_only.records["collection_visitor_emails"]:
        assert "@" in row["email"]
        if row["collection_id"] in as_strings:
            assert row["payload"] == {"email": row["email"]}
        else:
            assert row["visits"] >= 1 and row["payload"]["email"] == row["email"]
    assert OBJECT_EMAILS_EVERY > 1


def test_content_keys_use_the_id_or_a_stable_hash(sim):
    first = run_tap(
        sim.tap_config(studio=False),
        streams={"collections", "collection_favorites", "collection_video_downloads"},
    )
    second = run_tap(
        sim.tap_config(studio=False),
        streams={"collections", "collection_favorites", "collection_video_downloads"},
    )
    favorites = first.records["collection_favorites"]
    assert favorites and all(
        re.fullmatch(r"sha256:[0-9a-f]{64}", r["record_key"]) for r in favorites
    )
    assert [r["record_key"] for r in favorites] == [
        r["record_key"] for r in second.records["collection_favorites"]
    ]
    videos = first.records["collection_video_downloads"]
    assert videos and all(r["record_key"] == r["id"] for r in videos)
    assert all("record_key" not in r["payload"] for r in favorites), "payload is the item as sent"


def test_record_key_ignores_key_order_and_changes_with_content():
    item = {"photo_id": 7100000001, "client_email": "zoë@example.com", "count": 2}
    reordered = dict(reversed(list(item.items())))
    assert record_key(item) == record_key(reordered)
    assert record_key(item) != record_key({**item, "count": 3})
    assert record_key({"id": 660000001, "url": "x"}) == "660000001"


def test_collection_details_are_read_with_the_video_cover(gallery_only, sim):
    details = [r for r in gallery_only.requests if re.fullmatch(r"/api/v1/collections/\d+", r.path)]
    assert len(details) == len(sim.dataset.tables["collections"])
    assert all(r.query.get("expand") == "video_cover" for r in details)
    covers = {str(c["id"]) for c in sim.dataset.tables["collections"] if c["_video_cover"]}
    assert covers
    for record in gallery_only.records["collections"]:
        assert (record.get("video_cover") is not None) == (record["id"] in covers)


def test_gallery_account_snapshot_is_keyed_by_the_account_id(gallery_only):
    (account,) = gallery_only.records["gallery_account"]
    # The account's own id is the key; the signed-in user's id is a column.
    assert account["gallery_account_id"] == "5530021"
    assert account["gallery_user_id"] == "4021337"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", account["snapshot_date"])
    assert account["payload"]["workspace"]["language"] == "en"


def test_client_last_access_is_normalised_to_utc(gallery_only):
    stamps = [r["last_accessed"] for r in gallery_only.records["collection_clients"]]
    assert stamps and all(s.endswith("Z") for s in stamps)


# -- paging --------------------------------------------------------------------------------


def test_galleries_and_starred_photos_follow_total_pages(gallery_only, sim):
    big = sim.dataset.tables["collections"][BIG_COLLECTION]["id"]
    pages = {
        r.query.get("page")
        for r in gallery_only.requests
        if r.path == f"/api/v1/collections/{big}/galleries"
    }
    assert pages == {"1", "2", "3"}  # 23 galleries, 10 per page whatever is asked
    starred = {
        r.query.get("page") for r in gallery_only.requests if r.path == "/api/v1/photos/starred"
    }
    assert starred == {"1", "2", "3", "4", "5"}  # 45 photos
    assert len(gallery_only.records["starred_photos"]) == 45


def test_client_collections_page_when_the_api_caps_page_size(studio_only, sim):
    busy = sim.dataset.tables["clients"][BUSY_CLIENT]["id"]
    linked = [
        r for r in studio_only.records["client_gallery_collections"] if r["client_id"] == busy
    ]
    assert len(linked) == len(sim.dataset.tables["client_gallery_collections"][busy]) > 10


def test_collections_are_listed_with_limit_and_offset(fresh_sim):
    result = run_tap(fresh_sim.tap_config(studio=False, page_size=4), streams={"collections"})
    listing = [r.query for r in fresh_sim.requests if r.path == "/api/v1/collections"]
    assert [q["offset"] for q in listing] == ["0", "4", "8", "12"]
    assert all(q["limit"] == "4" for q in listing)
    assert {(r["id"],) for r in result.records["collections"]} == fresh_sim.dataset.expected_keys(
        "collections"
    )


def _keys(stream: str) -> tuple[str, ...]:
    return next(tuple(s.primary_keys) for s in GALLERY_STREAMS if s.name == stream)

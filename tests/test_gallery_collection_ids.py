"""Where collection ids come from: the setting, then GET /collections, then Studio clients."""

from __future__ import annotations

import re

from harness import run_cli, run_tap

from tap_pixieset.settings import CONFIG_SCHEMA
from tap_pixieset.settings_check import check_settings

CHILDREN = {"collections", "galleries", "collection_settings"}


def _linked_ids(sim) -> set[str]:
    return {
        str(c["id"])
        for items in sim.dataset.tables["client_gallery_collections"].values()
        for c in items
    }


def test_collection_ids_setting_overrides_the_list(fresh_sim):
    wanted = [str(c["id"]) for c in fresh_sim.dataset.tables["collections"][3:5]]
    result = run_tap(
        fresh_sim.tap_config(collection_ids=[wanted[0], int(wanted[1]), wanted[0]]),
        streams=CHILDREN,
    )
    assert [r["id"] for r in result.records["collections"]] == wanted
    assert {r["collection_id"] for r in result.records["collection_settings"]} == set(wanted)
    assert {r["collection_id"] for r in result.records["galleries"]} == set(wanted)
    details = [
        r.path for r in fresh_sim.requests if re.fullmatch(r"/api/v1/collections/\d+", r.path)
    ]
    assert sorted(details) == sorted(f"/api/v1/collections/{i}" for i in wanted), (
        "each id read once"
    )
    assert not any(r.path == "/api/v1/collections" for r in fresh_sim.requests), (
        "the list is not called"
    )


def test_unavailable_list_falls_back_to_collections_linked_to_clients(fresh_sim):
    fresh_sim.gallery.collections_list_status = 404
    linked = _linked_ids(fresh_sim)
    every = {str(c["id"]) for c in fresh_sim.dataset.tables["collections"]}
    assert linked < every, "one collection is linked to no client, so the fallback cannot see it"
    result = run_tap(fresh_sim.tap_config(), streams=CHILDREN)
    emitted = [r["id"] for r in result.records["collections"]]
    assert sorted(emitted) == sorted(linked), (
        "distinct ids: a collection shared by two clients is read once"
    )
    assert {r["collection_id"] for r in result.records["collection_settings"]} == linked
    assert "GET /collections is not available" in result.stderr


def test_unavailable_list_without_studio_is_one_clear_error(fresh_sim, tmp_path):
    fresh_sim.gallery.collections_list_status = 404
    # An integer backoff: the CLI reads floats in config.json as Decimal, which the settings check rejects.
    result = run_cli(
        [], config=fresh_sim.tap_config(studio=False, backoff_base_seconds=0), tmp_path=tmp_path
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("tap-pixieset: error:")]
    assert "`collection_ids`" in line and "GET /collections" in line


def test_collection_ids_setting_is_validated():
    assert (
        check_settings(
            {"gallery_cookie": "a=b", "collection_ids": ["90516387", 90524306]}, CONFIG_SCHEMA
        )
        == []
    )
    (problem,) = check_settings(
        {"gallery_cookie": "a=b", "collection_ids": ["my wedding"]}, CONFIG_SCHEMA
    )
    assert "`collection_ids`" in problem and "numeric" in problem
    (problem,) = check_settings(
        {"gallery_cookie": "a=b", "collection_ids": "90516387"}, CONFIG_SCHEMA
    )
    assert "`collection_ids` must be a list" in problem

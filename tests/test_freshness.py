"""Bounded freshness: runs that read children only where needed, and what they guarantee."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import random
from typing import Any

import pytest
from harness import catalog_selecting, run_tap

from pixieset_simulator import Simulator
from pixieset_simulator.changes import change_day
from tap_pixieset.errors import ConfigurationError
from tap_pixieset.freshness import DAY_MS, STATE_KEY, ParentPlan, bucket_of, fingerprint
from tap_pixieset.tap import TapPixieset

N = 4
#: Every gated parent with its children, and the streams the tied lists come from.
STREAMS = {
    "clients",
    "client_documents",
    "invoices",
    "invoice_details",
    "invoice_line_items",
    "payments",
    "payment_details",
    "contracts",
    "contract_details",
    "collections",
    "collection_photo_downloads",
    "collection_favorites",
}
KEYS = {
    "clients": ("id",),
    "client_documents": ("client_id", "id"),
    "invoices": ("id",),
    "invoice_details": ("id",),
    "payments": ("id",),
    "contracts": ("id",),
}
GATED = ("clients", "invoices", "payments", "contracts", "collections")


def _config(sim: Simulator, **extra: Any) -> dict[str, Any]:
    return sim.tap_config(bounded_freshness=True, freshness_days=N, **extra)


def _aged(state: dict[str, Any], days: int = 1) -> dict[str, Any]:
    """The state as the next day's run sees it: every bucket's date ``days`` older."""
    aged = copy.deepcopy(state)
    for stream in GATED:
        plan = aged["bookmarks"].get(stream, {}).get(STATE_KEY)
        if plan is None:
            continue
        plan["marks"] = [mark - days * DAY_MS for mark in plan["marks"]]
    return aged


def _keys(result: Any, stream: str) -> set[tuple[str, ...]]:
    return set(result.keys(stream, KEYS.get(stream, ("id",))))


# -- the plan on its own ----------------------------------------------------------------


def test_a_plan_without_state_reads_everything_then_staggers_its_buckets():
    plan = ParentPlan(None, days=N, run_version=100 * DAY_MS)
    assert plan.everything
    assert all(plan.wants(f"in_{i}", fingerprint({"id": i})) for i in range(50))
    marks = plan.state()["marks"]
    assert marks == [100 * DAY_MS - b * DAY_MS for b in range(N)]
    assert plan.activation_version() == 100 * DAY_MS - (N - 1) * DAY_MS


def test_the_next_day_only_changed_parents_and_one_bucket_are_read():
    items = [{"id": f"in_{i}", "status": "sent"} for i in range(400)]
    first = ParentPlan(None, days=N, run_version=100 * DAY_MS)
    for item in items:
        first.wants(item["id"], fingerprint(item))
    items[7] = {**items[7], "status": "paid"}
    second = ParentPlan(first.state(), days=N, run_version=101 * DAY_MS)
    assert second.due == {N - 1}
    wanted = {item["id"] for item in items if second.wants(item["id"], fingerprint(item))}
    due = {item["id"] for item in items if bucket_of(item["id"], N) == N - 1}
    assert wanted == due | {"in_7"}
    assert 0 < len(due) < len(items) / 2
    assert second.skipped == len(items) - len(wanted)


def test_every_parent_is_read_within_n_days():
    items = [{"id": f"cl_{i}"} for i in range(300)]
    plan = ParentPlan(None, days=N, run_version=0)
    for item in items:
        plan.wants(item["id"], fingerprint(item))
    state, read = plan.state(), set()
    for day in range(1, N + 1):
        plan = ParentPlan(state, days=N, run_version=day * DAY_MS)
        read |= {i["id"] for i in items if plan.wants(i["id"], fingerprint(i))}
        state = plan.state()
        assert plan.activation_version() <= day * DAY_MS
    assert read == {i["id"] for i in items}
    # After N days every bucket was read at least once since the first run.
    assert plan.activation_version() > 0


def test_state_grows_by_eight_characters_per_parent():
    plan = ParentPlan(None, days=10, run_version=0)
    for i in range(50_000):
        plan.wants(f"ip_{i:030d}", fingerprint({"id": i}))
    size = len(json.dumps(plan.state()))
    assert 8 * 50_000 <= size < 8 * 50_000 + 400
    assert size < 1_000_000


def test_unusable_state_reads_everything(caplog):
    for saved in (
        {"format": 99},
        {"format": 1, "days": N, "marks": [0] * N, "fingerprints": "not base64!"},
        {"format": 1, "days": N, "marks": [0] * N, "fingerprints": "AAAA"},
    ):
        plan = ParentPlan(saved, days=N, run_version=DAY_MS)
        assert plan.everything
        assert plan.wants("x", fingerprint({}))
    assert "Ignoring the saved freshness state" in caplog.text


def test_a_new_n_reads_every_bucket_once():
    plan = ParentPlan(None, days=N, run_version=0)
    plan.wants("a", fingerprint({"id": "a"}))
    changed = ParentPlan(plan.state(), days=N + 3, run_version=DAY_MS)
    assert changed.everything and changed.wants("a", fingerprint({"id": "a"}))
    assert len(changed.state()["marks"]) == N + 3


def test_freshness_days_out_of_range_is_one_clear_error(sim):
    with pytest.raises(ConfigurationError, match="`freshness_days` must be a whole number"):
        run_tap(sim.tap_config(bounded_freshness=True, freshness_days=0), streams={"clients"})


# -- end to end against the simulator -----------------------------------------------------


def test_bounded_runs_against_a_studio_that_changes():
    with Simulator() as sim:
        ds = sim.dataset
        config = _config(sim)
        first = run_tap(config, streams=STREAMS)
        for stream in ("clients", "client_documents", "invoices", "invoice_details", "payments"):
            assert _keys(first, stream) == ds.expected_keys(stream), stream
        for stream in GATED:
            assert STATE_KEY in first.final_state["bookmarks"][stream], stream
        full_requests = len(sim.requests)

        # A quiet day: every list record again, children for about one parent in N.
        sim.reset_log()
        quiet = run_tap(config, state=_aged(first.final_state), streams=STREAMS)
        for stream in ("clients", "invoices", "payments", "contracts"):
            assert _keys(quiet, stream) == ds.expected_keys(stream), stream
        assert 0 < len(quiet.records["invoice_details"]) < len(ds.tables["invoices"]) / 2
        assert len(sim.requests) < full_requests * 0.6

        # A day of changes: what the lists show is emitted that day, children included.
        changes = change_day(ds, random.Random(3), share=0.05)
        state = quiet.final_state
        day = run_tap(config, state=_aged(state), streams=STREAMS)
        for stream, keys in changes.listed.items():
            assert keys <= _keys(day, stream), stream
        for stream in ("clients", "invoices", "payments", "contracts"):
            assert _keys(day, stream) == ds.expected_keys(stream), stream
        assert changes.unlisted["invoice_details"] <= _keys(day, "invoice_details")

        # Changes no list shows (downloads, favorites) arrive within N days.
        unlisted = {cid for (cid,) in changes.unlisted["collection_favorites"]}
        seen: set[str] = set()
        state = day.final_state
        for _ in range(N):
            later = run_tap(config, state=_aged(state), streams=STREAMS)
            seen |= {str(r["collection_id"]) for r in later.records["collection_favorites"]}
            state = later.final_state
        assert unlisted <= seen


def test_a_partial_read_marks_its_children_and_never_the_list(module_sim):
    config = _config(module_sim)
    streams = {"invoices", "invoice_details", "invoice_line_items"}
    first = run_tap(config, streams=streams)
    tap = TapPixieset(
        config=config,
        state=_aged(first.final_state),
        catalog=catalog_selecting(config, streams),
    )
    with contextlib.redirect_stdout(io.StringIO()):
        tap.sync_all()
    invoices = tap.streams["invoices"]
    assert invoices.incomplete_reason is None
    for name in ("invoice_details", "invoice_line_items"):
        child = tap.streams[name]
        assert child.incomplete_reason and "bounded freshness" in child.incomplete_reason
        assert child.bounded_version is not None
        assert child.bounded_version < tap.initialized_at


def test_a_run_that_fails_keeps_the_last_clean_plan(fresh_sim):
    streams = {"invoices", "invoice_details"}
    config = _config(fresh_sim, max_retries=0, max_concurrency=1)
    first = run_tap(config, streams=streams)
    saved = _aged(first.final_state)
    invoice = fresh_sim.dataset.tables["invoices"][5]
    invoice["status"] = "void"  # a change the list shows: its detail is read this run
    fresh_sim.redirect("studio", f"/api/v1/invoices/{invoice['id']}", "http://127.0.0.1:9/gone")
    failed = run_tap(config, state=saved, streams=streams, expect_error=Exception)
    assert failed.error is not None
    kept = failed.final_state["bookmarks"]["invoices"].get(STATE_KEY)
    assert kept in (None, saved["bookmarks"]["invoices"][STATE_KEY])
    # The next clean run still sees the change, because the failed run saved nothing.
    fresh_sim.redirects.clear()
    again = run_tap(config, state=saved, streams=streams)
    assert (invoice["id"],) in _keys(again, "invoice_details")


def test_partial_children_activate_an_older_version_and_the_list_its_own(fresh_sim):
    streams = {"invoices", "invoice_details", "invoice_line_items"}
    config = _config(fresh_sim, emit_activate_version_messages=True)
    first = run_tap(config, streams=streams)
    second = run_tap(config, state=_aged(first.final_state), streams=streams)

    def activated(result: Any) -> dict[str, int]:
        messages = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        return {m["stream"]: m["version"] for m in messages if m["type"] == "ACTIVATE_VERSION"}

    def stamped(result: Any, stream: str) -> set[int]:
        messages = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        return {m["version"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream}

    assert set(activated(first)) == streams  # the first run reads everything
    now = stamped(second, "invoices")
    assert len(now) == 1
    run_version = now.pop()
    versions = activated(second)
    assert versions["invoices"] == run_version  # the list was read in full
    plan = second.final_state["bookmarks"]["invoices"][STATE_KEY]
    for child in ("invoice_details", "invoice_line_items"):
        # Older than this run: the rows it skipped keep their version and are not deleted.
        assert versions[child] == min(plan["marks"]) < run_version
        assert stamped(second, child) == {run_version}

"""Client-side incremental replication of the Studio streams (catalog A11)."""

from __future__ import annotations

import json

from harness import run_tap

from pixieset_simulator import Scale, Simulator
from pixieset_simulator.studio_data import apply_studio_changes
from tap_pixieset.tap import TapPixieset

_TAP = TapPixieset(config={"studio_cookie": "a=bcdefgh"}, validate_config=False, setup_mapper=False)
STUDIO = {name for name, s in _TAP.streams.items() if s.api == "studio"}
INCREMENTAL = {name: s.replication_key for name, s in _TAP.streams.items() if s.replication_key}
#: Streams whose rows are only emitted for parents an incremental stream let through.
GATED_CHILDREN = {
    "questionnaire_details": "questionnaires",
    "questionnaire_responses": "questionnaires",
    "conversation_messages": "conversations",
}


def _keys(result, stream: str) -> set[tuple[str, ...]]:
    return set(result.keys(stream, tuple(_TAP.streams[stream].primary_keys)))


def test_incremental_streams_are_the_ones_the_catalog_names():
    assert INCREMENTAL == {
        "questionnaires": "updated_at",
        "conversations": "last_message_at",
        "coupon_activity": "used_at",
        "email_templates": "updated_at",
        "contract_templates": "updated_at",
        "invoice_templates": "updated_at",
        "questionnaire_templates": "updated_at",
        "quote_templates": "updated_at",
    }


def test_second_run_emits_only_changes_and_makes_fewer_requests(fresh_sim):
    config = fresh_sim.tap_config(gallery=False)
    first = run_tap(config, streams=STUDIO)
    first_requests = fresh_sim.request_count("studio")
    ds = fresh_sim.dataset
    for stream in INCREMENTAL:
        assert _keys(first, stream) == ds.expected_keys(stream), stream

    changed = apply_studio_changes(ds)
    fresh_sim.reset_log()
    second = run_tap(config, state=first.final_state, streams=STUDIO)
    second_requests = fresh_sim.request_count("studio")

    for stream in [*INCREMENTAL, *GATED_CHILDREN]:
        assert _keys(second, stream) == changed[stream], stream
    # Full-table streams are read again in full.
    assert _keys(second, "invoices") == ds.expected_keys("invoices")
    emitted = sum(len(second.records[s]) for s in [*INCREMENTAL, *GATED_CHILDREN])
    assert emitted == sum(len(changed[s]) for s in [*INCREMENTAL, *GATED_CHILDREN])

    # The saving is exactly one detail request per unchanged questionnaire, conversation and template.
    skipped = sum(
        len(ds.expected_keys(s)) - len(changed[s])
        for s in (
            "questionnaires",
            "conversations",
            "email_templates",
            "contract_templates",
            "invoice_templates",
            "questionnaire_templates",
            "quote_templates",
        )
    )
    assert (
        first_requests - second_requests == skipped - 1
    )  # the new questionnaire adds one detail call
    assert second_requests < first_requests

    bookmarks = second.final_state["bookmarks"]
    assert bookmarks["questionnaires"]["replication_key_value"] == max(
        q["updated_at"] for q in ds.tables["questionnaires"]
    )


def test_far_future_state_emits_nothing_for_incremental_streams(sim):
    future = "2999-01-01T00:00:00.000000Z"
    state = {
        "bookmarks": {
            name: {"replication_key": key, "replication_key_value": future}
            for name, key in INCREMENTAL.items()
        }
    }
    sim.reset_log()
    result = run_tap(
        sim.tap_config(gallery=False), state=state, streams={*INCREMENTAL, *GATED_CHILDREN}
    )
    for stream in [*INCREMENTAL, *GATED_CHILDREN]:
        assert not result.records.get(stream), stream
    assert sim.request_count("studio", "/questionnaires/qu_") == 0
    assert sim.request_count("studio", "/templates/emails/") == 0
    assert result.final_state["bookmarks"]["questionnaires"]["replication_key_value"] == future


def test_start_date_is_a_lower_bound(sim):
    start = "2025-06-01T00:00:00Z"
    result = run_tap(
        sim.tap_config(gallery=False, start_date=start),
        streams={"questionnaires", "coupon_activity"},
    )
    for stream, field in (("questionnaires", "updated_at"), ("coupon_activity", "used_at")):
        rows = result.records[stream]
        assert rows and all(r[field] > start for r in rows), stream
        table = sim.dataset.tables[stream]
        items = table if isinstance(table, list) else [e for v in table.values() for e in v]
        assert len(rows) == sum(1 for i in items if i[field] > start), stream


def _state_size(clients: int) -> int:
    with Simulator(
        scale=Scale(
            clients=clients,
            invoices=20,
            contracts=5,
            questionnaires=5,
            conversations=5,
            coupons=3,
            gift_cards=2,
            templates=2,
        )
    ) as simulator:
        result = run_tap(
            simulator.tap_config(gallery=False),
            streams={"clients", "client_documents", "questionnaires", "coupon_activity"},
        )
        assert len(result.records["clients"]) == clients
    return len(json.dumps(result.final_state, sort_keys=True))


def test_state_does_not_grow_with_the_number_of_clients():
    assert _state_size(10) == _state_size(1000)

"""Deletions through ACTIVATE_VERSION, as the tap writes them (the warehouse side is in
``test_postgres_deletions.py``).

One version per run, on every record of every stream that may delete; one ACTIVATE_VERSION
per such stream, after the last record of a run that finished; nothing that deletes from
incremental streams, their children, daily snapshots, partial reads, or failed runs.
"""

from __future__ import annotations

import logging

import pytest
from harness import all_streams, run_everything, run_tap
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers.capabilities import TapCapabilities

from pixieset_simulator.faults import Faults
from pixieset_simulator.http import Request, Response
from tap_pixieset.errors import ConfigurationError
from tap_pixieset.tap import TapPixieset

#: One worker runs the module, so its full run (a module fixture) happens once.
pytestmark = pytest.mark.xdist_group("activate_version")

DELETIONS = {"emit_activate_version_messages": True}
#: Streams that must never delete, and why (written out here, not derived from the tap).
NEVER_DELETE = {
    # incremental: a run sees only what changed
    "contract_templates",
    "conversations",
    "coupon_activity",
    "email_templates",
    "invoice_templates",
    "questionnaire_templates",
    "questionnaires",
    "quote_templates",
    # children of incremental streams: read only for changed parents
    "conversation_messages",
    "questionnaire_details",
    "questionnaire_responses",
    # daily snapshots keep their history
    "disputed_payments_count",
    "invoice_summary",
    "session_inquiry_count",
    "unread_conversations_count",
    "gallery_account",
}


@pytest.fixture(scope="module")
def full_run(module_sim):
    return run_everything(module_sim.tap_config(**DELETIONS))


def test_activate_version_is_a_capability_and_a_setting():
    assert TapCapabilities.ACTIVATE_VERSION in TapPixieset.capabilities
    setting = TapPixieset.config_jsonschema["properties"]["emit_activate_version_messages"]
    assert setting["type"] == ["boolean", "null"] or "boolean" in setting["type"]


def test_every_stream_that_may_delete_activates_once(full_run):
    activated = [stream for stream, _ in full_run.activations]
    assert sorted(activated) == sorted(all_streams() - NEVER_DELETE)


def test_activation_comes_after_every_record(full_run):
    first_activation = full_run.kinds.index("ACTIVATE_VERSION")
    last_record = len(full_run.kinds) - 1 - full_run.kinds[::-1].index("RECORD")
    assert last_record < first_activation
    assert set(full_run.kinds[first_activation:]) <= {"ACTIVATE_VERSION", "STATE"}


def test_one_version_for_the_run_on_every_record_of_a_deleting_stream(full_run):
    versions = {version for _, version in full_run.activations}
    assert len(versions) == 1
    (version,) = versions
    for stream, _ in full_run.activations:
        if full_run.records.get(stream):
            # Child streams are synced once per parent: all parents share the version.
            assert full_run.record_versions[stream] == {version}, stream


def test_streams_that_never_delete_carry_no_version(full_run):
    for stream in NEVER_DELETE:
        assert full_run.records.get(stream), f"{stream} emitted nothing, so this proves nothing"
        assert full_run.record_versions[stream] == {None}, stream


def test_without_the_setting_nothing_is_versioned_or_activated(sim):
    result = run_tap(sim.tap_config(), streams={"clients", "client_documents"})
    assert not result.activations
    assert result.record_versions["clients"] == {None}


def test_the_setting_is_known_and_not_reported_as_ignored(sim, caplog):
    caplog.set_level(logging.INFO)
    run_tap(sim.tap_config(**DELETIONS), streams={"gift_cards"})
    assert not [m for m in caplog.messages if "does not know" in m]


class _FailingPath(Faults):
    """Answers one path with HTTP 501 (not retried): the stream reading it fails."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def before(self, request: Request) -> Response | None:
        if request.path.endswith(self.path):
            return Response(501, {"error": "Not Implemented"})
        return super().before(request)


def test_a_failed_stream_activates_nothing(fresh_sim):
    fresh_sim.faults = _FailingPath("/invoices/")
    result = run_tap(
        fresh_sim.tap_config(**DELETIONS),
        streams={"clients", "invoices", "gift_cards"},
        expect_error=FatalAPIError,
    )
    assert result.records["clients"], "streams before the failure emitted records"
    assert not result.activations


def test_a_partial_read_never_deletes(sim):
    ids = [str(c["id"]) for c in sim.dataset.tables["collections"][:2]]
    config = sim.tap_config(collection_ids=ids, enable_quotes_probe=False, **DELETIONS)
    result = run_tap(config, streams={"collections", "galleries", "quotes", "gift_cards"})
    assert result.records["galleries"]
    assert [stream for stream, _ in result.activations] == ["gift_cards"]


def test_quotes_off_is_said_once_at_the_start(sim, caplog):
    caplog.set_level(logging.INFO)
    run_tap(sim.tap_config(enable_quotes_probe=False), streams={"quotes", "gift_cards"})
    said = [m for m in caplog.messages if "'quotes'" in m and "enable_quotes_probe" in m]
    assert len(said) == 1
    assert "client_documents" in said[0]


def test_account_id_with_deletions_needs_its_own_schema(sim):
    config = sim.tap_config(account_id="studio-a", **DELETIONS)
    with pytest.raises(ConfigurationError, match="account_has_own_schema"):
        TapPixieset(config=config, validate_config=True)
    result = run_tap({**config, "account_has_own_schema": True}, streams={"gift_cards"})
    assert [stream for stream, _ in result.activations] == ["gift_cards"]
    assert {r["account_id"] for r in result.records["gift_cards"]} == {"studio-a"}


def test_an_endpoint_that_is_absent_never_deletes(fresh_sim):
    # The guessed /quotes/ path answers 404 on this "account": an empty read proves nothing.
    fresh_sim.routers["studio"]._routes = [
        r for r in fresh_sim.routers["studio"]._routes if r[1].pattern != "^/quotes/$"
    ]
    result = run_tap(fresh_sim.tap_config(**DELETIONS), streams={"quotes", "gift_cards"})
    assert not result.records.get("quotes")
    assert [stream for stream, _ in result.activations] == ["gift_cards"]


def test_a_child_whose_parents_had_no_rows_still_activates(fresh_sim):
    # Every schedule gone: its interval overrides' old rows belong to nothing any more.
    fresh_sim.dataset.tables["session_type_schedules"] = []
    result = run_tap(
        fresh_sim.tap_config(**DELETIONS),
        streams={"session_type_schedules", "session_type_schedule_interval_overrides"},
    )
    assert not result.records.get("session_type_schedule_interval_overrides")
    child = "session_type_schedule_interval_overrides"
    assert child in result.schemas, "a loader needs the SCHEMA before ACTIVATE_VERSION"
    assert sorted(s for s, _ in result.activations) == [
        "session_type_schedule_interval_overrides",
        "session_type_schedules",
    ]


def test_an_api_without_a_session_never_deletes(sim):
    # No Gallery session: its streams are skipped, and an unread table must not be emptied.
    result = run_tap(
        sim.tap_config(gallery=False, **DELETIONS),
        streams={"collections", "galleries", "gift_cards"},
    )
    assert [stream for stream, _ in result.activations] == ["gift_cards"]

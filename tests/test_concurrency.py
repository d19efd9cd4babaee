"""Concurrent child and detail requests give exactly what a sequential sync gives."""

from __future__ import annotations

import json

import pytest
from harness import run_everything, run_tap
from singer_sdk.exceptions import FatalAPIError

from pixieset_simulator.http import Response

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("concurrency")


def emitted(result) -> list[tuple[str, str]]:
    """Every record in emission order, as (stream, whole record)."""
    order = []
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            order.append((message["stream"], json.dumps(message["record"], sort_keys=True)))
    return order


@pytest.fixture(scope="module")
def sequential(sim):
    sim.reset_log()
    result = run_everything(sim.tap_config(max_concurrency=1))
    result.request_count = len(sim.requests)
    return result


def test_concurrent_sync_emits_the_same_records_in_the_same_order_with_the_same_state(
    sim, sequential
):
    sim.reset_log()
    concurrent = run_everything(sim.tap_config(max_concurrency=8))
    assert emitted(concurrent) == emitted(sequential)
    assert concurrent.final_state == sequential.final_state
    # Prefetching must not cost extra requests.
    assert len(sim.requests) == sequential.request_count
    # And the detail requests really did run on the pool.
    assert concurrent.tap.prefetcher is not None
    assert sequential.tap.prefetcher is None


def test_concurrent_sync_is_complete_under_injected_faults(fresh_sim):
    fresh_sim.faults.error_rate = 0.15
    fresh_sim.faults.truncate_rate = 0.05
    result = run_everything(fresh_sim.tap_config(max_concurrency=6, max_retries=8))
    for name, stream in result.tap.streams.items():
        keys = result.keys(name, tuple(stream.primary_keys))
        assert len(keys) == len(set(keys)), name
        assert set(keys) == fresh_sim.dataset.expected_keys(name), name
    assert sum(result.tap.retry_counts.values()) > 0


def _forbid_one_invoice(sim) -> str:
    """Make one invoice's detail answer 403 (a fatal error) and return its id."""
    victim = sim.dataset.tables["invoices"][40]["id"]
    original = sim.dispatch

    def dispatch(api, request):
        if request.path.endswith(f"/invoices/{victim}"):
            return Response(403, {"error": "Forbidden", "message": "Insufficient permissions"})
        return original(api, request)

    sim.dispatch = dispatch
    return victim


@pytest.mark.parametrize("workers", [1, 8])
def test_a_failed_detail_request_fails_the_sync_at_the_same_record(fresh_sim, workers):
    _forbid_one_invoice(fresh_sim)
    streams = {"invoices", "invoice_details", "invoice_line_items"}
    result = run_tap(
        fresh_sim.tap_config(max_concurrency=workers), streams=streams, expect_error=FatalAPIError
    )
    assert "HTTP 403" in str(result.error)
    # Both runs stop at the same record: the one whose detail failed.
    invoices_in_list_order = [
        i["id"]
        for i in sorted(
            fresh_sim.dataset.tables["invoices"], key=lambda i: i["created_at"], reverse=True
        )
    ]
    details = [r["id"] for r in result.records["invoice_details"]]
    assert details == invoices_in_list_order[: len(details)]
    victim_position = invoices_in_list_order.index(fresh_sim.dataset.tables["invoices"][40]["id"])
    assert len(details) == victim_position


def test_prefetches_nobody_takes_are_dropped_when_the_stream_ends(fresh_sim):
    _forbid_one_invoice(fresh_sim)
    result = run_tap(
        fresh_sim.tap_config(max_concurrency=8),
        streams={"invoices", "invoice_details"},
        expect_error=FatalAPIError,
    )
    # The failed detail stopped the sync with later invoices' details prefetched: none is
    # left waiting, so no request outlives the sync.
    assert result.tap.prefetcher._futures == {}

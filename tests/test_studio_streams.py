"""Studio stream behaviour: paths, filters, types, switches and snapshot keys."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from harness import ROOT, run_cli, run_tap

from pixieset_simulator.server import API_PREFIX

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("studio_streams")

SNAPSHOT = ROOT / "tests" / "snapshots" / "catalog.json"


@pytest.fixture(scope="module")
def studio_sync(sim):
    sim.reset_log()
    # The probe setting left at its default (off), unlike the simulator's ready-made config.
    config = {k: v for k, v in sim.tap_config(gallery=False).items() if k != "enable_quotes_probe"}
    result = run_tap(
        config,
        streams={
            "disputed_payments_count",
            "gift_cards",
            "coupons",
            "contracts",
            "contract_details",
            "contract_signatures",
            "invoices",
            "session_types",
            "email_templates",
            "unread_conversations_count",
            "invoice_summary",
            "quotes",
            "coupon_activity",
        },
    )
    result.requests = list(sim.requests)  # type: ignore[attr-defined]
    return result


def test_comma_in_the_disputed_count_path_is_not_encoded(studio_sync):
    paths = [r.path for r in studio_sync.requests if "disputed" in r.path]
    assert paths == [API_PREFIX + "/invoices/payments/disputed,needs-response/count"]
    assert studio_sync.records["disputed_payments_count"][0]["count"] > 0


def test_snapshot_streams_carry_todays_utc_date(studio_sync):
    today = datetime.now(timezone.utc).date().isoformat()
    for stream in ("disputed_payments_count", "unread_conversations_count", "invoice_summary"):
        assert [r["snapshot_date"] for r in studio_sync.records[stream]] == [today], stream
    assert studio_sync.records["invoice_summary"][0]["currency"] == "all"


def test_widest_filters_are_sent(studio_sync, sim):
    gift = [r for r in studio_sync.requests if r.path.endswith("/gift_cards")]
    assert gift and all(r.query.get("status") == "all" for r in gift)
    assert len(studio_sync.records["gift_cards"]) == len(sim.dataset.tables["gift_cards"])
    # The coupon list ignores any page size and pages by links.next: two pages of 25.
    coupon_pages = [
        r.query.get("page") for r in studio_sync.requests if r.path.endswith("/coupons")
    ]
    assert coupon_pages == ["1", "2"]
    assert all(
        r.query.get("filter") == "all" for r in studio_sync.requests if r.path.endswith("/coupons")
    )
    assert not [
        r for r in studio_sync.requests if "/templates/emails" in r.path and "status" in r.query
    ]


def test_coupon_activity_pages_without_total_or_last_page(studio_sync, sim):
    busiest = sim.dataset.tables["coupons"][0]["id"]
    pages = [
        r.query.get("page")
        for r in studio_sync.requests
        if r.path.endswith(f"/coupons/{busiest}/activity")
    ]
    # 105 entries at 100 per page: the short second page ends the read. The list reports no
    # size, so one confirming read with the same keys guards against a deletion mid-read
    # (docs/decisions.md, "Page drift").
    assert pages == ["1", "2", "1", "2"]
    assert len(studio_sync.records["coupon_activity"]) == len(
        sim.dataset.expected_keys("coupon_activity")
    )


def test_coupons_carry_detail_only_fields(studio_sync):
    rows = studio_sync.records["coupons"]
    assert all("minimum_order_amount" in r and "description" in r for r in rows)


def test_types_follow_the_schema(studio_sync):
    invoice = studio_sync.records["invoices"][0]
    assert len(invoice["due_date"]) == 10 and isinstance(invoice["amount"], int)
    contract = studio_sync.records["contracts"][0]
    assert contract["due_date"].endswith("Z") and "T" in contract["due_date"]
    assert set(
        studio_sync.schemas["session_types"]["schema"]["properties"]["collect_payment"]["type"]
    ) == {"boolean", "null"}
    assert {type(r["collect_payment"]) for r in studio_sync.records["session_types"]} == {bool}
    defaults = [
        v["default_value"]
        for t in studio_sync.records["email_templates"]
        for v in t["variables"]
        if "default_value" in v
    ]
    assert defaults and all(isinstance(d, str) for d in defaults)


def test_contract_html_is_left_out_by_default(studio_sync, sim):
    details = studio_sync.records["contract_details"]
    assert details and all("rendered_html" not in d["content"] for d in details)
    assert all(d["content"]["variables"] for d in details)
    full = run_tap(
        sim.tap_config(gallery=False, include_contract_html=True), streams={"contract_details"}
    )
    assert all(
        d["content"]["rendered_html"].startswith("<h1>") for d in full.records["contract_details"]
    )


def test_derived_signatures_cost_no_request(studio_sync, sim):
    assert len(studio_sync.records["contract_signatures"]) == len(
        sim.dataset.expected_keys("contract_signatures")
    )
    assert not [r for r in studio_sync.requests if "signature" in r.path]


def test_quotes_probe_is_off_by_default(studio_sync):
    assert not studio_sync.records.get("quotes")
    assert not [r for r in studio_sync.requests if r.path.endswith("/quotes/")]


def test_quotes_probe_that_finds_nothing_is_a_warning(fresh_sim):
    fresh_sim.routers["studio"]._routes = [
        r for r in fresh_sim.routers["studio"]._routes if r[1].pattern != "^/quotes/$"
    ]
    result = run_tap(
        fresh_sim.tap_config(gallery=False, enable_quotes_probe=True), streams={"quotes"}
    )
    assert not result.records.get("quotes")
    assert "not available on this account (HTTP 404): stream 'quotes' is empty" in result.stderr


def test_summary_currencies_give_one_row_each(sim):
    result = run_tap(
        sim.tap_config(gallery=False, summary_currencies=["gbp", "usd"]),
        streams={"invoice_summary"},
    )
    rows = result.records["invoice_summary"]
    assert sorted(r["currency"] for r in rows) == ["gbp", "usd"]
    gbp = next(r for r in rows if r["currency"] == "gbp")
    assert gbp["total_invoices"] == sum(
        1 for i in sim.dataset.tables["invoices"] if i["currency"] == "gbp"
    )


def test_costly_per_client_streams_are_off_by_default():
    from tap_pixieset.tap import TapPixieset

    tap = TapPixieset(
        config={"studio_cookie": "a=bcdefgh"}, validate_config=False, setup_mapper=False
    )
    off = {name for name, s in tap.streams.items() if not s.selected_by_default}
    assert {"client_invoice_currencies", "client_invoice_totals"} <= off


def test_discover_output_matches_the_checked_in_snapshot(tmp_path):
    """Any schema change must be deliberate: regenerate with scripts/snapshot_catalog.py."""
    result = run_cli(["--discover"], config={"studio_cookie": "a=bcdefgh"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    current = json.loads(result.stdout)
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected, (
        "the catalog changed: run .venv/bin/python scripts/snapshot_catalog.py"
    )

"""The simulator's own money figures, computed from its dataset, to check the dbt marts against."""

from __future__ import annotations

from decimal import Decimal

from pixieset_simulator.dataset import Dataset
from pixieset_simulator.studio_data import payment_rows

#: Payment statuses that mean money arrived (the marts' definition of collected).
COLLECTED = {"completed", "refunded", "partially_refunded", "disputed"}


def money_totals(dataset: Dataset) -> dict[str, dict[str, Decimal]]:
    """Invoiced, collected, refunded and still-open amounts per currency, in major units."""
    totals: dict[str, dict[str, Decimal]] = {}

    def add(kind: str, currency: str, minor: int) -> None:
        bucket = totals.setdefault(kind, {})
        bucket[currency] = bucket.get(currency, Decimal(0)) + Decimal(minor) / 100

    for payment in payment_rows(dataset):
        if payment["status"] in COLLECTED:
            add("collected", payment["currency"], payment["amount"])
        if payment["status"] == "refunded":
            add("refunded", payment["currency"], payment["amount"])
    for invoice in dataset.tables["invoices"]:
        if invoice["status"] != "draft":
            add("invoiced", invoice["currency"], invoice["amount"])
        if invoice["status"] in ("sent", "overdue"):
            paid = sum(
                p["amount"]
                for p in invoice["payments"]
                if p["status"] in COLLECTED and p["status"] != "refunded"
            )
            if invoice["amount"] > paid:
                add("open", invoice["currency"], invoice["amount"] - paid)
    return totals

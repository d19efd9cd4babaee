"""A studio's day between two runs: statuses, amounts, new documents, downloads, favorites.

:func:`change_day` edits the dataset's tables as a day of work would, deterministically
from a generator, and returns :class:`DayChanges`: the primary keys each stream must emit
after the change, split by whether a list shows the change (a sync in bounded-freshness
mode must emit those the same day) or only a detail or child endpoint does (within N
days). :func:`busy_studio` builds the "busy studio" of the freshness benchmark.
"""

from __future__ import annotations

import copy
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pixieset_simulator.dataset import (
    Dataset,
    Scale,
    build_dataset,
    formatted,
    studio_id,
    timestamp,
)
from pixieset_simulator.studio_data import client_ref

#: Payments per invoice in the busy studio (22,000 for 18,000 invoices).
BUSY_PAYMENTS_PER_INVOICE = 22_000 / 18_000


def busy_scale() -> Scale:
    """About 5,000 clients, 18,000 invoices and 2,000 collections."""
    return Scale(
        clients=5000,
        invoices=18000,
        session_types=15,
        contracts=2000,
        questionnaires=1500,
        conversations=2000,
        coupons=60,
        gift_cards=500,
        templates=12,
        collections=2000,
    )


def busy_studio(seed: int = 7, scale: Scale | None = None) -> Dataset:
    """The busy studio: :func:`busy_scale`, with payments topped up to 22 per 18 invoices."""
    ds = build_dataset(seed, scale or busy_scale())
    rng = random.Random(seed + 1)
    invoices = ds.tables["invoices"]
    target = int(len(invoices) * BUSY_PAYMENTS_PER_INVOICE)
    have = sum(len(i["payments"]) for i in invoices)
    while have < target:
        invoice = rng.choice(invoices)
        _add_payment(ds, rng, invoice, max(1, invoice["amount"] // 4))
        have += 1
    return ds


@dataclass
class DayChanges:
    """Keys (as tuples of strings) each stream must emit after one day's changes."""

    #: Changes a list shows: emitted the same day, in every mode.
    listed: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))
    #: Changes only a detail or child endpoint shows: within N days in bounded mode.
    unlisted: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))
    #: How many records were changed, added or deleted.
    count: int = 0


def change_day(ds: Dataset, rng: random.Random, share: float = 0.01) -> DayChanges:
    """Change about ``share`` of the records as a day of studio work would.

    Invoices change status or amount (a line item's quantity), payments are refunded,
    clients change status, clients get new invoices and contracts (which are also new
    client documents), and collections get new photo downloads and favorites.
    """
    changes = DayChanges()
    later = ds.now + timedelta(days=1)
    clients, invoices = ds.tables["clients"], ds.tables["invoices"]

    def how_many(table_size: int) -> int:
        return max(1, round(table_size * share)) if table_size else 0

    for invoice in rng.sample(invoices, how_many(len(invoices))):
        if invoice["status"] != "paid" and rng.random() < 0.5:
            invoice["status"] = "paid"
            _add_payment(ds, rng, invoice, invoice["amount"])
            changes.listed["payments"].add((invoice["payments"][-1]["id"],))
        else:
            item = invoice["line_items"][0]
            item["quantity"] += 1
            _recompute(invoice)
        changes.listed["invoices"].add((invoice["id"],))
        changes.unlisted["invoice_details"].add((invoice["id"],))
        changes.count += 1

    paid = [(i, p) for i in invoices for p in i["payments"] if p["status"] == "completed"]
    for _invoice, payment in rng.sample(paid, min(len(paid), how_many(len(paid)))):
        payment["status"] = "refunded"
        changes.listed["payments"].add((payment["id"],))
        changes.count += 1

    for client in rng.sample(clients, how_many(len(clients))):
        client["status_name"] = "Archived" if client["status_name"] == "Active" else "Active"
        changes.listed["clients"].add((client["id"],))
        changes.count += 1

    for client in rng.sample(clients, how_many(len(clients))):
        invoice = _new_invoice(ds, rng, client)
        changes.listed["invoices"].add((invoice["id"],))
        changes.listed["client_documents"].add((client["id"], invoice["id"]))
        contract = _new_contract(ds, rng, client)
        changes.listed["contracts"].add((contract["id"],))
        changes.listed["client_documents"].add((client["id"], contract["id"]))
        changes.count += 2

    collections = ds.tables["collections"]
    for collection in rng.sample(collections, how_many(len(collections))):
        cid = collection["id"]
        downloads = ds.tables["collection_photo_downloads"][cid]
        if downloads:
            download = copy.deepcopy(downloads[0])
            download["photo_id"] = 90_000_000 + rng.randrange(10_000_000)
            download["last_downloaded_at"] = timestamp(later)
            downloads.append(download)
            changes.unlisted["collection_photo_downloads"].add((str(cid),))
        favorites = ds.tables["collection_favorites"][cid]
        favorites.append(
            {
                "photo_id": 95_000_000 + rng.randrange(5_000_000),
                "client_email": "guest@example.com",
                "client_name": "Wedding guest",
                "list_name": "Favorites",
                "favorited_at": timestamp(later),
                "count": 1,
            }
        )
        changes.unlisted["collection_favorites"].add((str(cid),))
        changes.count += 2
    return changes


def _recompute(invoice: dict[str, Any]) -> None:
    items = invoice["line_items"]
    total = sum(i["amount"] * i["quantity"] + i.get("tax_amount", 0) for i in items)
    invoice["amount"] = total
    invoice["amount_formatted"] = formatted(total, str(invoice["currency"]))


def _add_payment(ds: Dataset, rng: random.Random, invoice: dict[str, Any], amount: int) -> None:
    invoice["payments"].append(
        {
            "id": studio_id(rng, "ip"),
            "amount": amount,
            "amount_formatted": formatted(amount, invoice["currency"]),
            "payment_date": timestamp(ds.now - timedelta(minutes=rng.randint(10, 60 * 24 * 300))),
            "status": "completed",
            "_method": rng.choice(["card", "paypal", "bank_transfer"]),
        }
    )


def _new_invoice(ds: Dataset, rng: random.Random, client: dict[str, Any]) -> dict[str, Any]:
    invoice: dict[str, Any] = copy.deepcopy(rng.choice(ds.tables["invoices"]))
    invoice.update(
        id=studio_id(rng, "in"),
        invoice_number=f"INV-N{rng.randrange(10**6):06d}",
        status="sent",
        created_at=timestamp(ds.now),
        client=client_ref(client),
        payments=[],
    )
    ds.tables["invoices"].append(invoice)
    _new_document(ds, client, invoice["id"], "invoice", "Invoice")
    return invoice


def _new_contract(ds: Dataset, rng: random.Random, client: dict[str, Any]) -> dict[str, Any]:
    contract: dict[str, Any] = copy.deepcopy(rng.choice(ds.tables["contracts"]))
    contract.update(
        id=studio_id(rng, "co"),
        status="sent",
        signed_date=None,
        signatures=[],
        created_at=timestamp(ds.now),
        client={**client_ref(client), "phone": client["phone"]},
    )
    ds.tables["contracts"].append(contract)
    _new_document(ds, client, contract["id"], "contract", "Contract")
    return contract


def _new_document(ds: Dataset, client: dict[str, Any], doc_id: str, kind: str, title: str) -> None:
    ds.tables["client_documents"].setdefault(client["id"], []).insert(
        0,
        {
            "id": doc_id,
            "type": kind,
            "title": f"{title} \u2013 {client['first_name']}",
            "status": "sent",
            "created_at": timestamp(ds.now),
            "gift_card_activities": [],
        },
    )

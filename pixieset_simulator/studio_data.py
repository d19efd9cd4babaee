"""Studio tables: clients, documents, invoices, payments, session types, notifications...

Each builder fills tables with items shaped as the docs show them (catalog 2.3), with
non-ASCII names, the documented nulls, and a few undocumented extra fields, because the
real API sends more than the docs say. Each ``@expects`` function says which primary keys
a complete sync of a stream must emit.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from pixieset_simulator.dataset import (
    CITIES,
    COMPANIES,
    CURRENCIES,
    FIRST_NAMES,
    LAST_NAMES,
    Dataset,
    builder,
    days_ago,
    expects,
    formatted,
    studio_id,
    timestamp,
)

CLIENT_TYPES = [("client", "Client"), ("lead", "Lead"), ("other", "Other")]


def client_ref(client: dict[str, Any], *, email: bool = True) -> dict[str, Any]:
    """The client object embedded in invoices, payments, contracts (S08, S12, S17)."""
    ref = {"id": client["id"], "first_name": client["first_name"], "last_name": client["last_name"]}
    if email:
        ref["email"] = client["email"]
    return ref


@builder
def build_clients(ds: Dataset, rng: random.Random) -> None:
    """Clients, leads and 'other' contacts (S02); the first two are Pixieset's sample clients."""
    clients = []
    for i in range(ds.scale.clients):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        kind, kind_label = CLIENT_TYPES[0 if i % 10 < 6 else 1 if i % 10 < 9 else 2]
        city, country, country_id = rng.choice(CITIES)
        clients.append(
            {
                "id": studio_id(rng, "cl"),
                "email": f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.com",
                "status_name": "Active" if rng.random() < 0.85 else "Archived",
                "first_name": first,
                "last_name": last,
                "phone": f"+44 7700 9{i:05d}",
                "company": rng.choice(COMPANIES) if rng.random() < 0.3 else None,
                "job_title": "Planner" if rng.random() < 0.2 else None,
                "address_info": {
                    "address_line_1": f"{rng.randint(1, 250)} High Street",
                    "address_line_2": None if rng.random() < 0.7 else f"Flat {rng.randint(1, 40)}",
                    "city": city,
                    "postal_code": f"{rng.randint(10000, 99999)}",
                    "state": "",
                    "country": country,
                    "country_id": country_id,
                },
                "notes": None if rng.random() < 0.6 else "Prefers golden-hour shoots ☀️",
                "avatar_color": rng.randint(1, 12),
                "created_at": timestamp(days_ago(rng, 1, 900)),
                "sample": i < 2,
                "type": kind,
                "type_formatted": kind_label,
                # Undocumented extras the real API is likely to send too.
                "tags": rng.sample(["wedding", "portrait", "family", "newborn", "brand"], k=rng.randint(0, 2)),
                "source": rng.choice(["contact_form", "manual", "booking", None]),
            }
        )
    ds.tables["clients"] = clients


@builder
def build_documents(ds: Dataset, rng: random.Random) -> None:
    """Each client's documents (S06), of mixed kinds told apart by id prefix."""
    kinds = [("co", "contract", "Wedding contract"), ("in", "invoice", "Invoice"),
             ("qu", "questionnaire", "Pre-shoot questionnaire"), ("qo", "quote", "Quote")]
    documents: dict[str, list[dict[str, Any]]] = {}
    for index, client in enumerate(ds.tables["clients"]):
        count = 30 if index == 3 else rng.randint(0, 4)  # one client crosses the 25-per-page boundary
        docs = []
        for _ in range(count):
            prefix, kind, title = rng.choice(kinds)
            doc = {
                "id": studio_id(rng, prefix),
                "type": kind,
                "title": f"{title} – {client['first_name']}",
                "status": rng.choice(["draft", "sent", "viewed", "completed"]),
                "created_at": timestamp(days_ago(rng, 1, 600)),
                "gift_card_activities": [],
            }
            if kind == "invoice" and rng.random() < 0.3:
                doc["gift_card_activities"] = [
                    {"gift_card_id": studio_id(rng, "gc", 24).lower(), "amount": 2500, "used_at": doc["created_at"]}
                ]
            docs.append(doc)
        documents[client["id"]] = docs
    ds.tables["client_documents"] = documents


@builder
def build_invoices(ds: Dataset, rng: random.Random) -> None:
    """Invoices as the detail view shows them (S09); the list view (S08) is a projection."""
    clients = ds.tables["clients"]
    invoices = []
    for i in range(ds.scale.invoices):
        client = rng.choice(clients)
        currency = rng.choice(CURRENCIES)[0]
        created = days_ago(rng, 0.5, 720)
        status = rng.choice(["draft", "sent", "paid", "paid", "overdue"])
        items = []
        for n in range(rng.randint(1, 4)):
            quantity = rng.randint(1, 3)
            amount = rng.choice([2500, 5000, 12000, 45000, 150000])
            taxable = rng.random() < 0.5
            item: dict[str, Any] = {
                # Line item ids use li_ and are often short (catalog A20).
                "id": f"li_{rng.randrange(16**8):08x}{n}" if rng.random() < 0.5 else studio_id(rng, "li"),
                "name": rng.choice(["Full-day coverage", "Second shooter", "Album – 30 pages", "Engagement shoot", "Travel fee"]),
                "quantity": quantity,
                "amount": amount,
                "amount_formatted": formatted(amount, currency),
                "taxable": taxable,
            }
            if rng.random() < 0.6:
                item["description"] = "Includes online gallery délivery"
            if taxable:
                tax = amount * quantity * 20 // 100
                item.update({"tax_rate": 20, "tax_amount": tax, "tax_amount_formatted": formatted(tax, currency)})
            items.append(item)
        total = sum(it["amount"] * it["quantity"] + it.get("tax_amount", 0) for it in items)
        payments = []
        if status in ("paid", "overdue", "sent") and (status == "paid" or rng.random() < 0.4):
            parts = [total] if status == "paid" and rng.random() < 0.6 else [total // 2] + ([total - total // 2] if status == "paid" else [])
            for part in parts:
                paid_at = min(created + timedelta(days=rng.uniform(0, 40)), ds.now - timedelta(minutes=5))
                payments.append({
                    "id": studio_id(rng, "ip"),
                    "amount": part,
                    "amount_formatted": formatted(part, currency),
                    "payment_date": timestamp(paid_at),
                    "status": rng.choice(["completed"] * 6 + ["refunded", "disputed", "partially_refunded"]),
                    # What the payments list (S12) adds:
                    "_method": rng.choice(["card", "card", "paypal", "bank_transfer"]),
                })
        invoices.append(
            {
                "id": studio_id(rng, "in"),
                "invoice_number": f"INV-{i + 1:04d}",
                "amount": total,
                "amount_formatted": formatted(total, currency),
                "currency": currency,
                "status": status,
                "due_date": (created + timedelta(days=30)).date().isoformat(),
                "created_at": timestamp(created),
                "client": client_ref(client),
                "line_items": items,
                "payments": payments,
                "associated_documents": [],
                "reminder_count": rng.randint(0, 3),  # undocumented extra
            }
        )
    ds.tables["invoices"] = invoices


def payment_rows(ds: Dataset) -> list[dict[str, Any]]:
    """The payments list (S12): one row per invoice payment, newest first."""
    clients = {c["id"]: c for c in ds.tables["clients"]}
    rows = []
    for invoice in ds.tables["invoices"]:
        client = clients[invoice["client"]["id"]]
        for payment in invoice["payments"]:
            fee = payment["amount"] * 29 // 1000 + 30
            rows.append(
                {
                    "id": payment["id"],
                    "invoice_id": invoice["id"],
                    "amount": payment["amount"],
                    "amount_formatted": payment["amount_formatted"],
                    "currency": invoice["currency"],
                    "payment_date": payment["payment_date"],
                    "payment_method": payment["_method"],
                    "status": payment["status"],
                    "transaction_fee": fee,
                    "transaction_fee_formatted": formatted(fee, invoice["currency"]),
                    "client": client_ref(client, email=False),
                }
            )
    rows.sort(key=lambda r: r["payment_date"], reverse=True)
    return rows


@builder
def build_session_types(ds: Dataset, rng: random.Random) -> None:
    """Session types (S28): few documented fields, ``collect_payment`` sent as 1/0 (catalog A24)."""
    names = ["Mini session", "Family portrait", "Headshots", "Engagement", "Newborn – at home", "Brand story",
             "Elopement", "Maternity", "Pet portraits", "Event coverage", "Boudoir", "Graduation"]
    schedule = {
        "id": studio_id(rng, "sch"),
        "name": "Weekday availability",
        "schedule_type": "custom",
        "display_timezone": "Europe/London",
        "session_type_schedule_intervals": [{"id": studio_id(rng, "sa"), "day": d, "start": "09:00", "end": "17:00"} for d in range(1, 6)],
    }
    types = []
    for i in range(ds.scale.session_types):
        currency = rng.choice(CURRENCIES)[0]
        full = rng.choice([15000, 25000, 40000])
        types.append(
            {
                "id": studio_id(rng, "set"),
                "name": names[i % len(names)] + ("" if i < len(names) else f" {i}"),
                "status": rng.choice(["published", "published", "draft"]),
                "duration": rng.choice([30, 60, 90, 120]),
                "location": rng.choice(["Studio", "Client's home", "Hyde Park", "Online"]),
                "description": "A relaxed session with 20 edited images.",
                "payment_amount_full": full,
                "payment_amount_partial": full // 4,
                "currency": currency,
                "collect_payment": rng.choice([1, 0]),
                "minimum_notice_duration": rng.choice([1, 2, 7]),
                "maximum_notice_duration": rng.choice([60, 90, 180]),
                "payment_methods": [
                    {"name": "Pixieset Payments", "enabled": True, "type": "pixieset-payments"},
                    {"name": "Bank transfer", "enabled": rng.random() < 0.5, "type": "manual", "instructions": "IBAN on invoice"},
                ],
                "session_type_schedule": schedule,
                "contract_template_id": None,
                "auto_send_contract": False,
                "contract_required_for_booking": False,
                "buffer_before_minutes": rng.choice([0, 15, 30]),  # undocumented extra
            }
        )
    ds.tables["session_types"] = types
    ds.tables["session_type_schedules"] = [schedule]


@builder
def build_notifications(ds: Dataset, rng: random.Random) -> None:
    """Notifications (S01): shape undocumented; used as the Studio connection check."""
    ds.tables["notifications"] = [
        {"id": f"nt_{i:06d}", "type": rng.choice(["invoice_paid", "contract_signed", "new_inquiry"]),
         "message": "Olivia García signed “Wedding contract”", "read": rng.random() < 0.5,
         "created_at": timestamp(days_ago(rng, 0, 30))}
        for i in range(8)
    ]


# -- expectations ------------------------------------------------------------------------


@expects("clients")
def _clients(ds: Dataset) -> set[tuple[str, ...]]:
    return {(c["id"],) for c in ds.tables["clients"]}


@expects("client_documents")
def _client_documents(ds: Dataset) -> set[tuple[str, ...]]:
    return {(cid, d["id"]) for cid, docs in ds.tables["client_documents"].items() for d in docs}


@expects("invoices", "invoice_details")
def _invoices(ds: Dataset) -> set[tuple[str, ...]]:
    return {(i["id"],) for i in ds.tables["invoices"]}


@expects("invoice_line_items")
def _line_items(ds: Dataset) -> set[tuple[str, ...]]:
    return {(i["id"], li["id"]) for i in ds.tables["invoices"] for li in i["line_items"]}


@expects("payments")
def _payments(ds: Dataset) -> set[tuple[str, ...]]:
    return {(p["id"],) for p in payment_rows(ds)}


@expects("session_types")
def _session_types(ds: Dataset) -> set[tuple[str, ...]]:
    return {(s["id"],) for s in ds.tables["session_types"]}

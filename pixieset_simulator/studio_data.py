"""Studio tables: clients, documents, invoices, payments, session types, notifications...

Each builder fills tables with items shaped as the docs show them (catalog 2.3), with
non-ASCII names, the documented nulls, and a few undocumented extra fields, because the
real API sends more than the docs say. Each ``@expects`` function says which primary keys
a complete sync of a stream must emit.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from pixieset_simulator.dataset import (
    CITIES,
    COMPANIES,
    CURRENCIES,
    FIRST_NAMES,
    LAST_NAMES,
    Dataset,
    Expectation,
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
                "tags": rng.sample(
                    ["wedding", "portrait", "family", "newborn", "brand"], k=rng.randint(0, 2)
                ),
                "source": rng.choice(["contact_form", "manual", "booking", None]),
            }
        )
    ds.tables["clients"] = clients


@builder
def build_documents(ds: Dataset, rng: random.Random) -> None:
    """Each client's documents (S06), of mixed kinds told apart by id prefix."""
    kinds = [
        ("co", "contract", "Wedding contract"),
        ("in", "invoice", "Invoice"),
        ("qu", "questionnaire", "Pre-shoot questionnaire"),
        ("qo", "quote", "Quote"),
    ]
    documents: dict[str, list[dict[str, Any]]] = {}
    for index, client in enumerate(ds.tables["clients"]):
        count = (
            30 if index == 3 else rng.randint(0, 4)
        )  # one client crosses the 25-per-page boundary
        docs = []
        for _ in range(count):
            prefix, kind, title = rng.choice(kinds)
            doc: dict[str, Any] = {
                "id": studio_id(rng, prefix),
                "type": kind,
                "title": f"{title} – {client['first_name']}",
                "status": rng.choice(["draft", "sent", "viewed", "completed"]),
                "created_at": timestamp(days_ago(rng, 1, 600)),
                "gift_card_activities": [],
            }
            if kind == "invoice" and rng.random() < 0.3:
                doc["gift_card_activities"] = [
                    {
                        "gift_card_id": studio_id(rng, "gc", 24).lower(),
                        "amount": 2500,
                        "used_at": doc["created_at"],
                    }
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
                "id": f"li_{rng.randrange(16**8):08x}{n}"
                if rng.random() < 0.5
                else studio_id(rng, "li"),
                "name": rng.choice(
                    [
                        "Full-day coverage",
                        "Second shooter",
                        "Album – 30 pages",
                        "Engagement shoot",
                        "Travel fee",
                    ]
                ),
                "quantity": quantity,
                "amount": amount,
                "amount_formatted": formatted(amount, currency),
                "taxable": taxable,
            }
            if rng.random() < 0.6:
                item["description"] = "Includes online gallery délivery"
            if taxable:
                tax = amount * quantity * 20 // 100
                item.update(
                    {
                        "tax_rate": 20,
                        "tax_amount": tax,
                        "tax_amount_formatted": formatted(tax, currency),
                    }
                )
            items.append(item)
        total = sum(it["amount"] * it["quantity"] + it.get("tax_amount", 0) for it in items)
        payments = []
        if status in ("paid", "overdue", "sent") and (status == "paid" or rng.random() < 0.4):
            parts = (
                [total]
                if status == "paid" and rng.random() < 0.6
                else [total // 2] + ([total - total // 2] if status == "paid" else [])
            )
            for part in parts:
                paid_at = min(
                    created + timedelta(days=rng.uniform(0, 40)), ds.now - timedelta(minutes=5)
                )
                payments.append(
                    {
                        "id": studio_id(rng, "ip"),
                        "amount": part,
                        "amount_formatted": formatted(part, currency),
                        "payment_date": timestamp(paid_at),
                        "status": rng.choice(
                            ["completed"] * 6 + ["refunded", "disputed", "partially_refunded"]
                        ),
                        # What the payments list (S12) adds:
                        "_method": rng.choice(["card", "card", "paypal", "bank_transfer"]),
                    }
                )
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
    names = [
        "Mini session",
        "Family portrait",
        "Headshots",
        "Engagement",
        "Newborn – at home",
        "Brand story",
        "Elopement",
        "Maternity",
        "Pet portraits",
        "Event coverage",
        "Boudoir",
        "Graduation",
    ]
    schedule = {
        "id": studio_id(rng, "sch"),
        "name": "Weekday availability",
        "schedule_type": "custom",
        "display_timezone": "Europe/London",
        "session_type_schedule_intervals": [
            {"id": studio_id(rng, "sa"), "day": d, "start": "09:00", "end": "17:00"}
            for d in range(1, 6)
        ],
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
                    {
                        "name": "Bank transfer",
                        "enabled": rng.random() < 0.5,
                        "type": "manual",
                        "instructions": "IBAN on invoice",
                    },
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
        {
            "id": f"nt_{i:06d}",
            "type": rng.choice(["invoice_paid", "contract_signed", "new_inquiry"]),
            "message": "Olivia García signed “Wedding contract”",
            "read": rng.random() < 0.5,
            "created_at": timestamp(days_ago(rng, 0, 30)),
        }
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


# -- contracts, questionnaires, quotes ---------------------------------------------------

CONTRACT_STATUSES = [
    "draft",
    "sent",
    "viewed",
    "partially_signed",
    "signed",
    "expired",
    "cancelled",
]


def _later(moment: Any, hours: float) -> Any:
    return moment + timedelta(hours=hours)


@builder
def build_templates(ds: Dataset, rng: random.Random) -> None:
    """The five template kinds (S35 to S44), as the detail views show them."""
    n = ds.scale.templates
    variables = [
        {
            "name": "client_name",
            "type": "text",
            "required": True,
            "description": "Client's full name",
        },
        {"name": "session_date", "type": "date", "required": False, "format": "F j, Y"},
        # default_value arrives as a string or an integer (A24).
        {
            "name": "deposit",
            "type": "currency",
            "required": False,
            "default_value": rng.choice([5000, "50.00"]),
        },
    ]

    def stamps() -> dict[str, str]:
        created = days_ago(rng, 200, 900)
        return {
            "created_at": timestamp(created),
            "updated_at": timestamp(_later(created, rng.uniform(1, 4000))),
        }

    statuses = ["active", "active", "archived", "draft", "locked"]
    ds.tables["email_templates"] = [
        {
            "id": studio_id(rng, "et"),
            "name": f"Email {i + 1} – “Bienvenue”",
            "subject": "Welcome, {{client_name}}",
            "description": "Sent after booking",
            "status": statuses[i % len(statuses)],
            "category": "booking",
            **stamps(),
            "variables_count": 3,
            "last_used": timestamp(days_ago(rng, 0, 60)),
            "html_body": "<p>Hello {{client_name}}</p>",
            "text_body": "Hello {{client_name}}",
            "variables": variables,
            "automation_triggers": ["session_booked"],
            "send_settings": {
                "from_email": "hello@studio.example",
                "from_name": "Studio",
                "reply_to": "hello@studio.example",
                "track_opens": True,
                "track_clicks": False,
            },
        }
        for i in range(max(n * 8, 30))  # more than one 25-item page
    ]
    ds.tables["contract_templates"] = [
        {
            "id": studio_id(rng, "ct"),
            "name": f"Wedding contract v{i + 1}",
            "description": "Full-day coverage",
            "due_days": 14,
            "status": statuses[i % len(statuses)],
            **stamps(),
            "signers": [
                {
                    "type": "client",
                    "required": True,
                    "order": 1,
                    "title": "Client",
                    "description": "The couple",
                }
            ],
            "reminders": {
                "enabled": True,
                "days_before_due": [7, 1],
                "reminder_subject": "Reminder",
                "reminder_message": "Please sign",
            },
            "html_body": "<h1>Contract</h1>",
            "variables": variables,
            "document_settings": {
                "allow_comments": False,
                "show_line_numbers": True,
                "watermark": None,
            },
        }
        for i in range(n)
    ]
    ds.tables["invoice_templates"] = []
    for i in range(n):
        late = i % 2 == 0
        item = {
            "id": studio_id(rng, "itp", 29),
            "name": f"Invoice template {i + 1}",
            "description": "Standard",
            "status": "active",
            "is_default": i == 0,
            **stamps(),
            "currency": "GBP",
            "tax_inclusive": False,
            "show_tax_breakdown": True,
            "payment_terms_days": 30,
            "late_fee_enabled": late,
            "layout_settings": {
                "header_logo": True,
                "color_scheme": "mono",
                "font_family": "Inter",
            },
            "content_settings": {"show_subtotal": True, "currency": "GBP", "decimal_places": 2},
            "payment_settings": {
                "payment_terms_days": 30,
                "late_fee_enabled": late,
                "accepted_payment_methods": ["card"],
            },
            "footer_settings": {
                "footer_text": "Merci !",
                "contact_info": {"email": "hello@studio.example"},
            },
            "variables": variables,
        }
        if late:
            item["late_fee_percentage"] = 1.5
        ds.tables["invoice_templates"].append(item)
    ds.tables["questionnaire_templates"] = [
        {
            "id": studio_id(rng, "qt"),
            "name": f"Pre-wedding questionnaire {i + 1}",
            "description": "Getting to know you",
            "status": "active",
            **stamps(),
            "questions_count": 2,
            "required_questions_count": 1,
            "estimated_completion_time": 10,
            "category": "wedding",
            "auto_send_with_contract": i % 2 == 0,
            "questions": [
                {
                    "id": "q1",
                    "order": 1,
                    "question_text": "Wedding date?",
                    "field_type": "date",
                    "required": True,
                    "validation": {"min_date": "today", "max_date": "+2 years"},
                },
                {
                    "id": "q2",
                    "order": 2,
                    "question_text": "Venue",
                    "field_type": "text",
                    "required": False,
                    "validation": {"min_length": 2, "max_length": 200},
                },
            ],
            "completion_settings": {
                "thank_you_message": "Thanks!",
                "redirect_url": None,
                "send_confirmation_email": True,
                "confirmation_email_template": "et_ConfirmQuestComplete",
            },
            "variables": [
                {"name": "client_name", "source": "client", "description": "Client's name"}
            ],
        }
        for i in range(n)
    ]
    ds.tables["quote_templates"] = [
        {
            "id": studio_id(rng, "qp"),
            "name": f"Wedding packages {i + 1}",
            "description": "Three tiers",
            "status": "active",
            "is_default": i == 0,
            **stamps(),
            "category": "wedding",
            "validity_days": 30,
            "auto_convert_to_invoice": True,
            "requires_approval": False,
            "package_items_count": 1,
            "layout_settings": {"header_logo": True, "show_item_images": False},
            "package_items": [
                {
                    "id": "pi1",
                    "name": "Full day",
                    "description": "10 hours",
                    "base_price": 250000,
                    "formatted_price": "£2,500.00",
                    "is_required": True,
                    "quantity_editable": False,
                    "default_quantity": 1,
                    "category": "coverage",
                }
            ],
            "terms_and_conditions": {"validity_period": "30 days", "payment_terms": "50% deposit"},
            "pricing_settings": {
                "currency": "GBP",
                "tax_inclusive": False,
                "tax_rate": 8.25,
                "deposit_percentage": 50,
            },
            "variables": variables,
        }
        for i in range(n)
    ]


@builder
def build_contracts(ds: Dataset, rng: random.Random) -> None:
    """Contracts (S17/S18) with signatures; due_date is a date-time here (A23)."""
    clients, templates = ds.tables["clients"], ds.tables["contract_templates"]
    contracts = []
    for i in range(ds.scale.contracts):
        client, template = rng.choice(clients), rng.choice(templates)
        created = days_ago(rng, 5, 700)
        status = rng.choice(CONTRACT_STATUSES)
        signed = status in ("signed", "partially_signed")
        signatures = []
        if signed:
            signatures.append(
                {
                    "signer_type": "client",
                    "signer_name": f"{client['first_name']} {client['last_name']}",
                    "signer_email": client["email"],
                    "signed_at": timestamp(_later(created, 30)),
                    "signature_image_url": "https://storage.pixieset.com/sig/x.png",
                }
            )
        if status == "signed":
            signatures.append(
                {
                    "signer_type": "photographer",
                    "signer_name": "Studio Owner",
                    "signer_email": "owner@studio.example",
                    "signed_at": timestamp(_later(created, 40)),
                    "signature_image_url": "https://storage.pixieset.com/sig/y.png",
                }
            )
        contracts.append(
            {
                "id": studio_id(rng, "co"),
                "contract_number": f"C-{i + 1:04d}",
                "status": status,
                "created_at": timestamp(created),
                "due_date": timestamp(
                    created.replace(hour=23, minute=59, second=59, microsecond=0)
                    + timedelta(days=14)
                ),
                "signed_date": timestamp(_later(created, 40)) if status == "signed" else None,
                "client": {**client_ref(client), "phone": client["phone"]},
                "template": {
                    "id": template["id"],
                    "name": template["name"],
                    "due_days": template["due_days"],
                },
                "sent_at": timestamp(_later(created, 1)),
                "content": {
                    "rendered_html": "<h1>Agreement</h1>" + "<p>Terms…</p>" * 50,
                    "variables": {"client_name": client["first_name"], "venue": "Kew Gardens"},
                },
                "signatures": signatures,
            }
        )
    ds.tables["contracts"] = contracts


@builder
def build_questionnaires(ds: Dataset, rng: random.Random) -> None:
    """Questionnaires (S19/S20) with responses; ``updated_at`` is their bookmark."""
    clients, templates = ds.tables["clients"], ds.tables["questionnaire_templates"]
    items = []
    for _ in range(ds.scale.questionnaires):
        client, template = rng.choice(clients), rng.choice(templates)
        created = days_ago(rng, 5, 500)
        status = rng.choice(["draft", "pending", "completed", "completed", "expired"])
        done = status == "completed"
        items.append(
            {
                "id": studio_id(rng, "qu"),
                "status": status,
                "created_at": timestamp(created),
                "updated_at": timestamp(_later(created, rng.uniform(1, 90))),
                "due_date": timestamp(
                    created.replace(hour=23, minute=59, second=59, microsecond=0)
                    + timedelta(days=7)
                ),
                "template": {
                    "id": template["id"],
                    "name": template["name"],
                    "description": template["description"],
                },
                "client": {**client_ref(client), "phone": client["phone"]},
                "completed_at": timestamp(_later(created, 48)) if done else None,
                "responses": [
                    {"field_name": "q1", "field_label": "Wedding date?", "response": "2026-06-20"},
                    {
                        "field_name": "q2",
                        "field_label": "Venue",
                        "response": "Château de Versailles",
                    },
                ]
                if done
                else [],
            }
        )
    ds.tables["questionnaires"] = items


@builder
def build_quotes(ds: Dataset, rng: random.Random) -> None:
    """Quotes: undocumented (A10). The simulator serves the guessed ``/quotes/`` from the qo_ documents."""
    quotes = []
    for client_id, docs in ds.tables["client_documents"].items():
        for doc in docs:
            if doc["id"].startswith("qo_"):
                amount = rng.choice([90000, 250000, 400000])
                quotes.append(
                    {
                        "id": doc["id"],
                        "client_id": client_id,
                        "status": doc["status"],
                        "created_at": doc["created_at"],
                        "amount": amount,
                        "currency": "gbp",
                        "amount_formatted": formatted(amount, "gbp"),
                    }
                )
    ds.tables["quotes"] = quotes


# -- conversations, coupons, gift cards ---------------------------------------------------


@builder
def build_conversations(ds: Dataset, rng: random.Random) -> None:
    """Conversations (S21/S22) with their messages; ``last_message_at`` is the bookmark."""
    conversations = []
    for i in range(ds.scale.conversations):
        client = rng.choice(ds.tables["clients"])
        start = days_ago(rng, 2, 400)
        messages = []
        for m in range(rng.randint(1, 5)):
            sender = rng.choice(["client", "photographer", "system"])
            messages.append(
                {
                    "id": f"msg_{rng.randrange(36**12):012x}",
                    "content": rng.choice(["Bonjour !", "See you Saturday 📸", "Invoice attached"]),
                    "sent_at": timestamp(_later(start, m * 5 + 1)),
                    "sender_type": sender,
                    "sender_id": client["id"] if sender == "client" else "photographer_123",
                    "read_at": None if rng.random() < 0.3 else timestamp(_later(start, m * 5 + 2)),
                    "attachments": [
                        {
                            "id": f"att_{m:012d}",
                            "filename": "contrat.pdf",
                            "file_size": 48213,
                            "content_type": "application/pdf",
                            "url": "https://storage.pixieset.com/att/x.pdf",
                        }
                    ]
                    if rng.random() < 0.2
                    else [],
                }
            )
        conversations.append(
            {
                "id": f"conv_{rng.randrange(36**12):012x}",
                "client_id": client["id"],
                "subject": f"Your session #{i + 1}",
                "status": "archived" if i % 5 == 0 else "active",
                "unread_count": rng.randint(0, 2),
                "participants": [
                    {
                        "id": client["id"],
                        "name": client["first_name"],
                        "email": client["email"],
                        "type": "client",
                    },
                    {
                        "id": "photographer_123",
                        "name": "Studio",
                        "email": "owner@studio.example",
                        "type": "photographer",
                        "avatar_color": 3,
                    },
                ],
                "created_at": timestamp(start),
                "messages": messages,
            }
        )
    ds.tables["conversations"] = conversations


def conversation_times(conversation: dict[str, Any]) -> dict[str, str]:
    """List-view ``last_message_at`` and detail-view ``updated_at``: both the newest message time."""
    last = max(m["sent_at"] for m in conversation["messages"])
    return {"last_message_at": last, "updated_at": last}


@builder
def build_coupons(ds: Dataset, rng: random.Random) -> None:
    """Coupons (S24/S25) and their usage log (S26); one coupon is used more than 100 times."""
    coupons, activity = [], {}
    invoices = ds.tables["invoices"]
    for i in range(ds.scale.coupons):
        percentage = rng.random() < 0.5
        created = days_ago(rng, 100, 600)
        coupon = {
            "id": studio_id(rng, "cou", 29),
            "code": f"SAVE{i:03d}",
            "discount_type": "percentage" if percentage else "fixed_amount",
            "discount_value": rng.choice([10, 15, 12.5])
            if percentage
            else rng.choice([2500, 5000]),
            "status": rng.choice(["active", "active", "disabled", "expired", "exhausted"]),
            "usage_limit": rng.choice([None, 50, 200]),
            "expires_at": timestamp(_later(ds.now, 24 * 90)),
            "created_at": timestamp(created),
            "updated_at": timestamp(_later(created, 24)),
            "minimum_order_amount": 10000,
            "description": "Spring promotion – 🌸",
        }
        uses = 105 if i == 0 else rng.randint(0, 6)
        entries = []
        for u in range(uses):
            invoice = rng.choice(invoices)
            client = invoice["client"]
            discount = rng.choice([1000, 2500, 5000])
            entries.append(
                {
                    "id": f"ca_{rng.randrange(36**15):015x}",
                    "coupon_id": coupon["id"],
                    "invoice_id": invoice["id"],
                    "client_id": client["id"],
                    "discount_applied": discount,
                    "discount_applied_formatted": formatted(discount, invoice["currency"]),
                    "used_at": timestamp(_later(created, 24 * (u + 1) + rng.uniform(0, 12))),
                    "client": {k: client[k] for k in ("first_name", "last_name", "email")},
                    "invoice": {
                        "amount": invoice["amount"],
                        "amount_formatted": invoice["amount_formatted"],
                    },
                }
            )
        coupon["usage_count"] = uses
        if coupon["status"] == "disabled":  # seen only in the disable response's shape (A25)
            coupon["disabled_at"] = timestamp(_later(created, 48))
        coupons.append(coupon)
        activity[coupon["id"]] = entries
    ds.tables["coupons"] = coupons
    ds.tables["coupon_activity"] = activity


@builder
def build_gift_cards(ds: Dataset, rng: random.Random) -> None:
    """Gift cards (S27): ``purchased_by`` has no id; most are not active, so the default filter cuts them."""
    cards = []
    for i in range(ds.scale.gift_cards):
        amount = rng.choice([5000, 10000, 25000])
        status = rng.choice(["active", "redeemed", "expired"])
        balance = amount if status == "active" else 0
        buyer = rng.choice(ds.tables["clients"])
        cards.append(
            {
                "id": f"gc_{rng.randrange(36**20):020x}{i:04d}",
                "code": f"GIFT-{i:04d}",
                "amount": amount,
                "amount_formatted": formatted(amount, "gbp"),
                "balance": balance,
                "balance_formatted": formatted(balance, "gbp"),
                "status": status,
                "expires_at": timestamp(_later(ds.now, 24 * 365)),
                "purchased_by": {k: buyer[k] for k in ("first_name", "last_name", "email")},
                "created_at": timestamp(days_ago(rng, 1, 400)),
            }
        )
    ds.tables["gift_cards"] = cards


# -- scheduling -----------------------------------------------------------------------------


@builder
def build_scheduling(ds: Dataset, rng: random.Random) -> None:
    """Booked sessions (S33), schedule interval overrides (S32) and the inquiry count (S34)."""
    types = ds.tables["session_types"]
    ds.tables["sessions"] = [
        {
            "id": studio_id(rng, "ses", 29),
            "client": client_ref(rng.choice(ds.tables["clients"])),
            "session_type": {"id": (t := rng.choice(types))["id"], "name": t["name"]},
            "start_time": timestamp(days_ago(rng, -60, 300)),
            "status": rng.choice(["confirmed", "cancelled", "completed"]),
        }
        for _ in range(max(30, ds.scale.session_types * 5))
    ]
    ds.tables["interval_overrides"] = {
        schedule["id"]: [
            {
                "id": studio_id(rng, "sa"),
                "date": f"2025-12-{24 + d}",
                "available": False,
                "reason": "Noël",
            }
            for d in range(3)
        ]
        for schedule in ds.tables["session_type_schedules"]
    }
    ds.tables["session_inquiries"] = {"count": rng.randint(1, 9)}


# -- summaries ------------------------------------------------------------------------------


def invoice_totals(invoices: list[dict[str, Any]]) -> dict[str, int]:
    """Totals over some invoices, as the summary endpoints report them (minor units)."""
    paid = sum(i["amount"] for i in invoices if i["status"] == "paid")
    total = sum(i["amount"] for i in invoices)
    overdue = [i for i in invoices if i["status"] == "overdue"]
    return {
        "total_invoices": len(invoices),
        "total_amount": total,
        "paid_amount": paid,
        "unpaid_amount": total - paid,
        "overdue_count": len(overdue),
        "overdue_amount": sum(i["amount"] for i in overdue),
    }


def client_currencies(ds: Dataset, client_id: str) -> list[str]:
    """Currencies a client has invoices in, sorted."""
    return sorted({i["currency"] for i in ds.tables["invoices"] if i["client"]["id"] == client_id})


# -- changes between runs ------------------------------------------------------------------


def apply_studio_changes(ds: Dataset) -> dict[str, set[tuple[str, ...]]]:
    """Change the Studio data as a day of work would; return the keys a second run must emit.

    One questionnaire is updated and one is new, one conversation gets a new message, one
    coupon is used again, and one template of each kind is edited. Everything else keeps
    its bookmark value, so an incremental run must skip it.
    """
    later = ds.now + timedelta(days=1)
    changed: dict[str, set[tuple[str, ...]]] = {}

    edited = ds.tables["questionnaires"][0]
    edited["updated_at"] = timestamp(later)
    new = {
        **ds.tables["questionnaires"][1],
        "id": "qu_NewQuestionnaireAddedAfterRun1",
        "created_at": timestamp(later),
        "updated_at": timestamp(later),
    }
    ds.tables["questionnaires"].append(new)
    changed["questionnaires"] = changed["questionnaire_details"] = {(edited["id"],), (new["id"],)}
    changed["questionnaire_responses"] = {
        (q["id"], r["field_name"]) for q in (edited, new) for r in q["responses"]
    }

    conversation = ds.tables["conversations"][0]
    message = {
        **conversation["messages"][-1],
        "id": "msg_newafterrun1",
        "sent_at": timestamp(later),
        "read_at": None,
    }
    conversation["messages"].append(message)
    changed["conversations"] = {(conversation["id"],)}
    changed["conversation_messages"] = {(m["id"],) for m in conversation["messages"]}

    coupon = ds.tables["coupons"][1]
    entry = {
        **ds.tables["coupon_activity"][ds.tables["coupons"][0]["id"]][0],
        "id": "ca_newafterrun1",
        "coupon_id": coupon["id"],
        "used_at": timestamp(later),
    }
    ds.tables["coupon_activity"][coupon["id"]].append(entry)
    changed["coupon_activity"] = {(entry["id"],)}

    for table in (
        "email_templates",
        "contract_templates",
        "invoice_templates",
        "questionnaire_templates",
        "quote_templates",
    ):
        template = ds.tables[table][-1]
        template["updated_at"] = timestamp(later)
        changed[table] = {(template["id"],)}
    return changed


# -- expectations of the streams above -----------------------------------------------------


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def _ids(table: str) -> Expectation:
    return lambda ds: {(item["id"],) for item in ds.tables[table]}


for _table, _streams in {
    "contracts": ("contracts", "contract_details"),
    "questionnaires": ("questionnaires", "questionnaire_details"),
    "quotes": ("quotes",),
    "conversations": ("conversations",),
    "coupons": ("coupons",),
    "gift_cards": ("gift_cards",),
    "sessions": ("sessions",),
    "session_type_schedules": ("session_type_schedules",),
    "notifications": ("notifications",),
    "email_templates": ("email_templates",),
    "contract_templates": ("contract_templates",),
    "invoice_templates": ("invoice_templates",),
    "questionnaire_templates": ("questionnaire_templates",),
    "quote_templates": ("quote_templates",),
}.items():
    expects(*_streams)(_ids(_table))


@expects("payment_details")
def _payment_details(ds: Dataset) -> set[tuple[str, ...]]:
    return {(p["id"],) for p in payment_rows(ds)}


@expects("contract_signatures")
def _contract_signatures(ds: Dataset) -> set[tuple[str, ...]]:
    return {
        (c["id"], s["signer_type"], s["signer_email"])
        for c in ds.tables["contracts"]
        for s in c["signatures"]
    }


@expects("questionnaire_responses")
def _questionnaire_responses(ds: Dataset) -> set[tuple[str, ...]]:
    return {(q["id"], r["field_name"]) for q in ds.tables["questionnaires"] for r in q["responses"]}


@expects("conversation_messages")
def _conversation_messages(ds: Dataset) -> set[tuple[str, ...]]:
    return {(m["id"],) for c in ds.tables["conversations"] for m in c["messages"]}


@expects("coupon_activity")
def _coupon_activity(ds: Dataset) -> set[tuple[str, ...]]:
    return {(e["id"],) for entries in ds.tables["coupon_activity"].values() for e in entries}


@expects("session_type_schedule_interval_overrides")
def _interval_overrides(ds: Dataset) -> set[tuple[str, ...]]:
    return {(sid, o["id"]) for sid, items in ds.tables["interval_overrides"].items() for o in items}


@expects("currencies")
def _currencies(ds: Dataset) -> set[tuple[str, ...]]:
    return {(code,) for code, _, _ in CURRENCIES}


@expects("invoice_summary")
def _invoice_summary(ds: Dataset) -> set[tuple[str, ...]]:
    # Without `summary_currencies` the tap asks once, for all currencies together.
    return {("all", "all_time", _today())}


@expects("client_invoice_currencies", "client_invoice_totals")
def _client_invoice_currencies(ds: Dataset) -> set[tuple[str, ...]]:
    return {(c["id"], cur) for c in ds.tables["clients"] for cur in client_currencies(ds, c["id"])}


@expects("disputed_payments_count", "unread_conversations_count", "session_inquiry_count")
def _snapshot(ds: Dataset) -> set[tuple[str, ...]]:
    return {(_today(),)}

"""The Studio API's endpoints, each with its documented paging, meta and default filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pixieset_simulator.dataset import CURRENCIES, Dataset, formatted
from pixieset_simulator.http import Request, Response, Router
from pixieset_simulator.paging import Paging, unpaginated
from pixieset_simulator.studio_data import (
    client_currencies,
    conversation_times,
    invoice_totals,
    payment_rows,
)


def not_found(code: str, message: str) -> Response:
    """The nested error shape used by invoices, contracts and templates (catalog 1.6)."""
    return Response(404, {"error": {"code": code, "message": message}})


#: Invoices and payments silently keep only recent items unless ``timeframe_filter=all_time``.
DEFAULT_TIMEFRAME_DAYS = 30


class StudioApi:
    """Route handlers for the Studio API over one :class:`Dataset`."""

    def __init__(self, dataset: Dataset, base_url: str) -> None:
        self.ds = dataset
        self.base_url = base_url

    def register(self, router: Router) -> None:
        """Add every Studio route to ``router``."""
        router.add("GET", "/notifications/all", self.notifications)
        router.add("GET", "/clients/", self.clients)
        router.add("GET", "/clients/{client_id}/documents", self.client_documents)
        router.add("GET", "/invoices/", self.invoices)
        # Before the detail route: the router takes the first match, and {invoice_id} matches it.
        router.add("GET", "/invoices/invoice_summary", self.invoice_summary)
        router.add("GET", "/invoices/{invoice_id}", self.invoice_detail)
        router.add("GET", "/invoices/payments/list/", self.payments)
        router.add("GET", "/session_types/", self.session_types)
        self.register_more(router)

    # -- helpers ---------------------------------------------------------------------------

    def _within_timeframe(self, request: Request, moment: str) -> bool:
        """Default filter: without ``timeframe_filter=all_time`` only the last 30 days are listed."""
        if request.query.get("timeframe_filter") == "all_time":
            return True
        cutoff = self.ds.now - timedelta(days=DEFAULT_TIMEFRAME_DAYS)
        return moment >= cutoff.strftime("%Y-%m-%dT%H:%M:%S")

    # -- handlers --------------------------------------------------------------------------

    def notifications(self, request: Request) -> Response:
        """S01: undocumented shape; a plain list."""
        return unpaginated(self.ds.tables["notifications"])

    def clients(self, request: Request) -> Response:
        """S02: page+per_page, full meta plus client_statuses and csv_url. Default types cut 'other'."""
        wanted = {
            t.strip() for t in request.query.get("types", "client,lead").split(",") if t.strip()
        }
        if "all" in wanted:
            wanted = {"client", "lead", "other"}
        items = [c for c in self.ds.tables["clients"] if c["type"] in wanted]
        return Paging("per_page", 25).page(
            request,
            items,
            self.base_url + "/clients/",
            extra_meta={
                "client_statuses": {"1": "Active", "2": "Archived"},
                "csv_url": self.base_url + "/clients/download_csv",
            },
        )

    def client_documents(self, request: Request) -> Response:
        """S06: page only (25 per page, any size ignored); meta has no total or last_page."""
        docs = self.ds.tables["client_documents"].get(request.params["client_id"])
        if docs is None:
            return Response(404, {"error": "Not Found", "message": "Client not found"})
        expand = "gift_card_activities" in request.query.get("expand", "")
        items = [
            d if expand else {k: v for k, v in d.items() if k != "gift_card_activities"}
            for d in docs
        ]
        return Paging(None, 25, meta_keys=("current_page", "per_page")).page(request, items, "")

    def invoices(self, request: Request) -> Response:
        """S08: page+per_page; meta without last_page; 404 past the last page; default filters cut."""
        payment_type = request.query.get("payment_type", "all")
        items = []
        for invoice in self.ds.tables["invoices"]:
            if not self._within_timeframe(request, invoice["created_at"]):
                continue
            if payment_type == "paid" and invoice["status"] != "paid":
                continue
            if payment_type == "unpaid" and invoice["status"] == "paid":
                continue
            if payment_type == "overdue" and invoice["status"] != "overdue":
                continue
            if "currency" in request.query and invoice["currency"] != request.query["currency"]:
                continue
            items.append(self._invoice_list_item(invoice, request.query.get("expand", "")))
        items.sort(key=lambda i: i["created_at"], reverse=True)
        return Paging(
            "per_page", 25, meta_keys=("current_page", "per_page", "total"), past_end="404"
        ).page(request, items, self.base_url + "/invoices/")

    @staticmethod
    def _invoice_list_item(invoice: dict[str, Any], expand: str) -> dict[str, Any]:
        item = {
            k: v
            for k, v in invoice.items()
            if k not in ("line_items", "payments", "associated_documents", "client")
        }
        if "client" in expand or "all" in expand:
            item["client"] = invoice["client"]
        return item

    def invoice_detail(self, request: Request) -> Response:
        """S09: one invoice; ``expand=all`` adds line items, payments and documents."""
        for invoice in self.ds.tables["invoices"]:
            if invoice["id"] == request.params["invoice_id"]:
                expand = request.query.get("expand", "")
                item = self._invoice_list_item(invoice, expand)
                if "all" in expand:
                    item["line_items"] = invoice["line_items"]
                    item["payments"] = [
                        {k: v for k, v in p.items() if not k.startswith("_")}
                        for p in invoice["payments"]
                    ]
                    item["associated_documents"] = invoice["associated_documents"]
                return Response(200, {"data": item})
        return not_found("invoice_not_found", "Invoice not found")

    def payments(self, request: Request) -> Response:
        """S12: page+page_size, but meta reports per_page; no last_page; default timeframe cuts."""
        rows = [
            r for r in payment_rows(self.ds) if self._within_timeframe(request, r["payment_date"])
        ]
        if "client" not in request.query.get("expand", ""):
            rows = [{k: v for k, v in r.items() if k != "client"} for r in rows]
        return Paging("page_size", 25, meta_keys=("current_page", "per_page", "total")).page(
            request, rows, self.base_url + "/invoices/payments/list/"
        )

    def session_types(self, request: Request) -> Response:
        """S28: pagination undocumented: the whole list, no meta."""
        return unpaginated(self.ds.tables["session_types"])

    # -- the rest of the Studio API ----------------------------------------------------------

    def register_more(self, router: Router) -> None:
        """Routes for contracts, questionnaires, conversations, coupons, templates, summaries."""
        for path, handler in [
            ("/invoices/{invoice_id}/payments/{payment_id}/", self.payment_detail),
            ("/invoices/currencies/list", self.currencies),
            ("/invoices/payments/disputed,needs-response/count", self.disputed_count),
            ("/invoices_summary/currencies", self.client_currencies),
            ("/invoices_summary/totals/{currency}", self.client_totals),
            ("/contracts/", self.contracts),
            ("/contracts/{contract_id}", self.contract_detail),
            ("/questionnaires/", self.questionnaires),
            ("/questionnaires/{questionnaire_id}", self.questionnaire_detail),
            ("/quotes/", self.quotes),
            ("/conversations/", self.conversations),
            ("/conversations/unread/count", self.unread_count),
            ("/conversations/{conversation_id}/", self.conversation_detail),
            ("/coupons", self.coupons),
            ("/coupons/{coupon_id}/", self.coupon_detail),
            ("/coupons/{coupon_id}/activity", self.coupon_activity),
            ("/gift_cards", self.gift_cards),
            ("/sessions", self.sessions),
            ("/sessions/inquiry/count", self.inquiry_count),
            ("/session_type_schedules/", self.schedules),
            (
                "/session_type_schedules/{schedule_id}/interval_overrides_list/",
                self.interval_overrides,
            ),
            ("/templates/emails", self.email_templates),
        ]:
            router.add("GET", path, handler)
        for kind, (table, extra) in TEMPLATE_LISTS.items():
            router.add("GET", f"/templates/{kind}", self._template_list(table, extra))
            router.add("GET", f"/templates/{kind}/{{template_id}}", self._template_detail(table))
        router.add(
            "GET", "/templates/emails/{template_id}", self._template_detail("email_templates")
        )

    @staticmethod
    def _find(items: list[dict[str, Any]], item_id: str) -> dict[str, Any] | None:
        return next((item for item in items if item["id"] == item_id), None)

    @staticmethod
    def _without(item: dict[str, Any], *keys: str) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k not in keys}

    def payment_detail(self, request: Request) -> Response:
        """S13: one payment with processor fee, net amount and method details."""
        for row in payment_rows(self.ds):
            if (
                row["id"] == request.params["payment_id"]
                and row["invoice_id"] == request.params["invoice_id"]
            ):
                fee = row["transaction_fee"]
                net = row["amount"] - fee
                details: dict[str, Any] = (
                    {"payer_email": "payer@example.com", "payer_id": "PAYER123"}
                    if row["payment_method"] == "paypal"
                    else {
                        "brand": "visa",
                        "last_four": "4242",
                        "exp_month": 12,
                        "exp_year": 2027,
                        "funding": "credit",
                    }
                )
                return Response(
                    200,
                    {
                        "data": {
                            **row,
                            "processor_fee": fee,
                            "processor_fee_formatted": row["transaction_fee_formatted"],
                            "net_amount": net,
                            "net_amount_formatted": formatted(net, row["currency"]),
                            "payment_method_details": details,
                        }
                    },
                )
        return not_found("payment_not_found", "Payment not found")

    def _summary_invoices(self, request: Request) -> list[dict[str, Any]]:
        items = [
            i
            for i in self.ds.tables["invoices"]
            if self._within_timeframe(request, i["created_at"])
        ]
        if "currency" in request.query:
            items = [i for i in items if i["currency"] == request.query["currency"]]
        return items

    def invoice_summary(self, request: Request) -> Response:
        """S10: account totals; default timeframe cuts; without ``currency`` mixes currencies (A38)."""
        totals = invoice_totals(self._summary_invoices(request))
        totals.pop("overdue_amount")
        currency = request.query.get("currency")
        body = {**totals, "currency": currency}
        for key in ("total_amount", "paid_amount", "unpaid_amount"):
            body[f"{key}_formatted"] = formatted(totals[key], currency or "")
        return Response(200, {"data": body})

    def currencies(self, request: Request) -> Response:
        """S11: a bare list, no meta."""
        return Response(
            200, {"data": [{"code": c, "name": n, "symbol": s} for c, n, s in CURRENCIES]}
        )

    def disputed_count(self, request: Request) -> Response:
        """S14: the path holds a literal comma (A36); an encoded %2C does not match this route."""
        disputed = [r for r in payment_rows(self.ds) if r["status"] == "disputed"]
        total = sum(r["amount"] for r in disputed)
        return Response(
            200,
            {
                "data": {
                    "count": len(disputed),
                    "total_amount": total,
                    "total_amount_formatted": formatted(total, "gbp"),
                }
            },
        )

    def _client_invoices(self, request: Request) -> list[dict[str, Any]]:
        client_id = request.query.get("client_id", "")
        return [i for i in self.ds.tables["invoices"] if i["client"]["id"] == client_id]

    def client_currencies(self, request: Request) -> Response:
        """S15: one row per currency the client has invoices in; no meta."""
        rows = []
        for currency in client_currencies(self.ds, request.query.get("client_id", "")):
            t = invoice_totals(
                [i for i in self._client_invoices(request) if i["currency"] == currency]
            )
            rows.append(
                {
                    "currency": currency,
                    "total_invoices": t["total_invoices"],
                    "total_amount": t["total_amount"],
                    "total_amount_formatted": formatted(t["total_amount"], currency),
                }
            )
        return Response(200, {"data": rows})

    def client_totals(self, request: Request) -> Response:
        """S16: one client's totals in one currency, with overdue amounts."""
        currency = request.params["currency"]
        if currency not in {c for c, _, _ in CURRENCIES}:
            return Response(
                400, {"error": {"code": "invalid_currency", "message": "Unsupported currency"}}
            )
        t = invoice_totals([i for i in self._client_invoices(request) if i["currency"] == currency])
        body: dict[str, Any] = {
            "client_id": request.query.get("client_id"),
            "currency": currency,
            **t,
        }
        for key in ("total_amount", "paid_amount", "unpaid_amount", "overdue_amount"):
            body[f"{key}_formatted"] = formatted(t[key], currency)
        return Response(200, {"data": body})

    def contracts(self, request: Request) -> Response:
        """S17: page+per_page, meta without from/to; ``expand=all`` adds the client."""
        items = [
            self._without(c, "content", "signatures", "sent_at")
            for c in self.ds.tables["contracts"]
        ]
        if request.query.get("expand") not in ("all", "client"):
            items = [self._without(c, "client") for c in items]
        return Paging(
            "per_page", 25, meta_keys=("current_page", "per_page", "total", "last_page")
        ).page(request, items, self.base_url + "/contracts/")

    def contract_detail(self, request: Request) -> Response:
        """S18: content and signatures with ``expand=all``."""
        contract = self._find(self.ds.tables["contracts"], request.params["contract_id"])
        if contract is None:
            return not_found("contract_not_found", "Contract not found")
        if request.query.get("expand") != "all":
            contract = self._without(contract, "content", "signatures")
        return Response(200, {"data": contract})

    def questionnaires(self, request: Request) -> Response:
        """S19: paging params undocumented but honoured; full meta; newest first, not by updated_at."""
        items = [
            self._without(q, "completed_at", "responses") for q in self.ds.tables["questionnaires"]
        ]
        items = [
            {
                **q,
                "template": self._without(q["template"], "description"),
                "client": self._without(q["client"], "phone"),
            }
            for q in items
        ]
        items.sort(key=lambda q: q["created_at"], reverse=True)
        return Paging("per_page", 25).page(request, items, self.base_url + "/questionnaires/")

    def questionnaire_detail(self, request: Request) -> Response:
        """S20: responses and completed_at."""
        item = self._find(self.ds.tables["questionnaires"], request.params["questionnaire_id"])
        return (
            Response(200, {"data": item})
            if item
            else not_found("resource_not_found", "Questionnaire not found")
        )

    def quotes(self, request: Request) -> Response:
        """Not documented (A10): the simulator answers the guessed path like contracts do."""
        return Paging(
            "per_page", 25, meta_keys=("current_page", "per_page", "total", "last_page")
        ).page(request, self.ds.tables["quotes"], self.base_url + "/quotes/")

    def conversations(self, request: Request) -> Response:
        """S21: page+page_size; ``message_status=inbox`` silently drops archived ones; 404 past the end."""
        items = []
        for c in self.ds.tables["conversations"]:
            if request.query.get("message_status") == "inbox" and c["status"] == "archived":
                continue
            item = {
                **self._without(c, "messages", "created_at"),
                "last_message_at": conversation_times(c)["last_message_at"],
            }
            item["participants"] = [self._without(p, "avatar_color") for p in c["participants"]]
            items.append(item)
        items.sort(key=lambda c: c["last_message_at"], reverse=True)
        return Paging(
            "page_size",
            25,
            meta_keys=("current_page", "per_page", "total", "last_page"),
            past_end="404",
        ).page(request, items, self.base_url + "/conversations/")

    def conversation_detail(self, request: Request) -> Response:
        """S22: created_at/updated_at and messages, but no last_message_at."""
        c = self._find(self.ds.tables["conversations"], request.params["conversation_id"])
        if c is None:
            return Response(404, {"error": "Not Found", "code": "CONVERSATION_NOT_FOUND"})
        item = {**c, "updated_at": conversation_times(c)["updated_at"]}
        if request.query.get("messages", "true") != "true":
            item.pop("messages")
        return Response(200, {"data": item})

    def unread_count(self, request: Request) -> Response:
        """S23."""
        unread = [c for c in self.ds.tables["conversations"] if c["unread_count"]]
        return Response(
            200,
            {
                "data": {
                    "unread_count": sum(c["unread_count"] for c in unread),
                    "conversations_with_unread": len(unread),
                }
            },
        )

    def coupons(self, request: Request) -> Response:
        """S24: page only (25, any size ignored), ``links`` with absolute URLs; detail-only fields left out."""
        wanted = request.query.get("filter", "all")
        items = [
            self._without(c, "minimum_order_amount", "description")
            for c in self.ds.tables["coupons"]
            if wanted == "all" or c["status"] == wanted
        ]
        return Paging(None, 25, links=True).page(request, items, self.base_url + "/coupons")

    def coupon_detail(self, request: Request) -> Response:
        """S25."""
        item = self._find(self.ds.tables["coupons"], request.params["coupon_id"])
        return (
            Response(200, {"data": item})
            if item
            else Response(404, {"error": "Not Found", "message": "Coupon not found"})
        )

    def coupon_activity(self, request: Request) -> Response:
        """S26: per_page up to 100; meta has usage totals but no total and no last_page."""
        entries = self.ds.tables["coupon_activity"].get(request.params["coupon_id"])
        if entries is None:
            return Response(404, {"error": "Not Found", "message": "Coupon not found"})
        given = sum(e["discount_applied"] for e in entries)
        return Paging("per_page", 25, meta_keys=("current_page",)).page(
            request,
            sorted(entries, key=lambda e: e["used_at"], reverse=True),
            "",
            extra_meta={
                "total_usage": len(entries),
                "total_discount_given": given,
                "total_discount_given_formatted": formatted(given, "gbp"),
            },
        )

    def gift_cards(self, request: Request) -> Response:
        """S27: links; meta without last_page; the default ``status`` lists only active cards."""
        wanted = request.query.get("status", "active")
        items = [
            g for g in self.ds.tables["gift_cards"] if wanted == "all" or g["status"] == wanted
        ]
        return Paging(
            "per_page", 25, meta_keys=("current_page", "total", "per_page"), links=True
        ).page(request, items, self.base_url + "/gift_cards")

    def sessions(self, request: Request) -> Response:
        """S33: pagination undocumented: honours page/per_page but sends no meta at all."""
        response = Paging("per_page", 25, meta_keys=()).page(
            request, self.ds.tables["sessions"], ""
        )
        response.body.pop("meta", None)
        return response

    def inquiry_count(self, request: Request) -> Response:
        """S34: shape undocumented."""
        return Response(200, {"data": dict(self.ds.tables["session_inquiries"])})

    def schedules(self, request: Request) -> Response:
        """S30: the whole list, no meta."""
        return unpaginated(self.ds.tables["session_type_schedules"])

    def interval_overrides(self, request: Request) -> Response:
        """S32: shape undocumented: a plain list per schedule."""
        items = self.ds.tables["interval_overrides"].get(request.params["schedule_id"])
        return unpaginated(items) if items is not None else Response(404, {"error": "Not Found"})

    def email_templates(self, request: Request) -> Response:
        """S35: page+per_page, full meta, 404 past the end; a ``status`` filter hides drafts (A13)."""
        items = [
            self._without(
                t, "html_body", "text_body", "variables", "automation_triggers", "send_settings"
            )
            for t in self.ds.tables["email_templates"]
        ]
        if "status" in request.query:
            items = [t for t in items if t["status"] == request.query["status"]]
        return Paging(
            "per_page",
            25,
            meta_keys=("current_page", "per_page", "total", "last_page"),
            past_end="404",
        ).page(request, items, self.base_url + "/templates/emails")

    def _template_list(self, table: str, extra: tuple[str, ...]) -> Any:
        def handler(request: Request) -> Response:
            items = [
                {k: v for k, v in t.items() if k in TEMPLATE_LIST_FIELDS[table]}
                for t in self.ds.tables[table]
            ]
            meta: dict[str, Any] = {"total": len(items)}
            if "default_template_id" in extra:
                meta["default_template_id"] = next(
                    (t["id"] for t in items if t.get("is_default")), None
                )
            return unpaginated(items, meta)

        return handler

    def _template_detail(self, table: str) -> Any:
        def handler(request: Request) -> Response:
            item = self._find(self.ds.tables[table], request.params["template_id"])
            if item is None:
                return not_found("template_not_found", "Template not found")
            hidden = TEMPLATE_LIST_ONLY.get(table, ())
            return Response(200, {"data": self._without(item, *hidden)})

        return handler


_COMMON = ("id", "name", "description", "status", "created_at", "updated_at")
#: Template list endpoints (P0: ``meta.total`` only, plus ``default_template_id`` on two).
TEMPLATE_LISTS = {
    "contracts": ("contract_templates", ()),
    "invoices": ("invoice_templates", ("default_template_id",)),
    "questionnaires": ("questionnaire_templates", ()),
    "quotes": ("quote_templates", ("default_template_id",)),
}
#: Fields each template list shows (catalog S37, S39, S41, S43).
TEMPLATE_LIST_FIELDS = {
    "contract_templates": (*_COMMON, "due_days", "signers", "reminders"),
    "invoice_templates": (
        *_COMMON,
        "is_default",
        "currency",
        "tax_inclusive",
        "show_tax_breakdown",
        "payment_terms_days",
        "late_fee_enabled",
        "late_fee_percentage",
    ),
    "questionnaire_templates": (
        *_COMMON,
        "questions_count",
        "required_questions_count",
        "estimated_completion_time",
        "category",
        "auto_send_with_contract",
    ),
    "quote_templates": (
        *_COMMON,
        "is_default",
        "category",
        "validity_days",
        "auto_convert_to_invoice",
        "requires_approval",
        "package_items_count",
    ),
}
#: Fields only the lists show; the details leave them out (catalog S36, S40, S42, S44).
TEMPLATE_LIST_ONLY = {
    "email_templates": ("variables_count", "last_used"),
    "invoice_templates": (
        "currency",
        "tax_inclusive",
        "show_tax_breakdown",
        "payment_terms_days",
        "late_fee_enabled",
        "late_fee_percentage",
    ),
    "questionnaire_templates": ("questions_count", "required_questions_count"),
    "quote_templates": ("package_items_count",),
}

"""The Studio API's endpoints, each with its documented paging, meta and default filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pixieset_simulator.dataset import Dataset
from pixieset_simulator.http import Request, Response, Router
from pixieset_simulator.paging import Paging, unpaginated
from pixieset_simulator.studio_data import payment_rows


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
        router.add("GET", "/invoices/{invoice_id}", self.invoice_detail)
        router.add("GET", "/invoices/payments/list/", self.payments)
        router.add("GET", "/session_types/", self.session_types)

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
        wanted = {t.strip() for t in request.query.get("types", "client,lead").split(",") if t.strip()}
        if "all" in wanted:
            wanted = {"client", "lead", "other"}
        items = [c for c in self.ds.tables["clients"] if c["type"] in wanted]
        return Paging("per_page", 25).page(
            request, items, self.base_url + "/clients/",
            extra_meta={"client_statuses": {"1": "Active", "2": "Archived"},
                        "csv_url": self.base_url + "/clients/download_csv"},
        )

    def client_documents(self, request: Request) -> Response:
        """S06: page only (25 per page, any size ignored); meta has no total or last_page."""
        docs = self.ds.tables["client_documents"].get(request.params["client_id"])
        if docs is None:
            return Response(404, {"error": "Not Found", "message": "Client not found"})
        expand = "gift_card_activities" in request.query.get("expand", "")
        items = [d if expand else {k: v for k, v in d.items() if k != "gift_card_activities"} for d in docs]
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
        return Paging("per_page", 25, meta_keys=("current_page", "per_page", "total"), past_end="404").page(
            request, items, self.base_url + "/invoices/"
        )

    @staticmethod
    def _invoice_list_item(invoice: dict[str, Any], expand: str) -> dict[str, Any]:
        item = {k: v for k, v in invoice.items() if k not in ("line_items", "payments", "associated_documents", "client")}
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
                    item["payments"] = [{k: v for k, v in p.items() if not k.startswith("_")} for p in invoice["payments"]]
                    item["associated_documents"] = invoice["associated_documents"]
                return Response(200, {"data": item})
        return not_found("invoice_not_found", "Invoice not found")

    def payments(self, request: Request) -> Response:
        """S12: page+page_size, but meta reports per_page; no last_page; default timeframe cuts."""
        rows = [r for r in payment_rows(self.ds) if self._within_timeframe(request, r["payment_date"])]
        if "client" not in request.query.get("expand", ""):
            rows = [{k: v for k, v in r.items() if k != "client"} for r in rows]
        return Paging("page_size", 25, meta_keys=("current_page", "per_page", "total")).page(
            request, rows, self.base_url + "/invoices/payments/list/"
        )

    def session_types(self, request: Request) -> Response:
        """S28: pagination undocumented: the whole list, no meta."""
        return unpaginated(self.ds.tables["session_types"])

"""Studio API streams (catalog section 3.2, rows 1 to 37): one small class per endpoint."""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

from tap_pixieset.bounded import BoundedParent
from tap_pixieset.pagination import PAGE_ONLY, PAGE_SIZE, PER_PAGE
from tap_pixieset.responses import NotFound
from tap_pixieset.schema import CLIENT_REF, DATE, DATETIME, ID, money, open_object, payload
from tap_pixieset.stream_kinds import DerivedStream, StudioStream

# -- clients ---------------------------------------------------------------------------


class ClientsStream(BoundedParent, StudioStream):
    """Clients, leads and other contacts (S02). The API's default ``types`` leaves some out (A14)."""

    name = "clients"
    path = "/clients/"
    primary_keys = ("id",)
    page_style = PER_PAGE
    child_context_keys = {"client_id": "id"}
    #: A client's documents are its invoices, contracts, questionnaires and quotes.
    tied_lists = {
        "invoices": "client_id",
        "contracts": "client_id",
        "questionnaires": "client_id",
        "quotes": "client_id",
    }
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("email", th.StringType),
        th.Property("first_name", th.StringType),
        th.Property("last_name", th.StringType),
        th.Property("phone", th.StringType),
        th.Property("company", th.StringType),
        th.Property("job_title", th.StringType),
        th.Property(
            "address_info",
            th.ObjectType(
                th.Property("address_line_1", th.StringType),
                th.Property("address_line_2", th.StringType),
                th.Property("city", th.StringType),
                th.Property("postal_code", th.StringType),
                th.Property("state", th.StringType),
                th.Property("country", th.StringType),
                th.Property("country_id", th.IntegerType),
                additional_properties=True,
            ),
        ),
        th.Property("notes", th.StringType),
        th.Property("avatar_color", th.IntegerType),
        th.Property("status_name", th.StringType),
        th.Property("type", th.StringType),
        th.Property("type_formatted", th.StringType),
        th.Property("sample", th.BooleanType),
        th.Property("created_at", DATETIME),
    ).to_dict()

    def get_url_params(self, context: Any, next_page_token: Any) -> dict[str, Any]:
        """Ask for every contact type (``client_types`` setting)."""
        params = super().get_url_params(context, next_page_token)
        params["types"] = ",".join(self.config.get("client_types") or ("client", "lead", "other"))
        return params


class ClientDocumentsStream(StudioStream):
    """All documents of one client (S06), with gift-card activity expanded (A31). Shape undocumented."""

    name = "client_documents"
    parent_stream_type = ClientsStream
    path = "/clients/{client_id}/documents"
    primary_keys = ("client_id", "id")
    page_style = PAGE_ONLY
    query = {"expand": "gift_card_activities"}
    capture_payload = True
    on_404 = NotFound.SKIP
    schema = th.PropertiesList(
        th.Property("client_id", ID, required=True),
        th.Property("id", ID, required=True),
        th.Property("type", th.StringType),
        th.Property("title", th.StringType),
        th.Property("status", th.StringType),
        th.Property("created_at", DATETIME),
        payload(),
    ).to_dict()


# -- invoices and payments -------------------------------------------------------------

LINE_ITEM = th.ObjectType(
    th.Property("id", ID),
    th.Property("name", th.StringType),
    th.Property("description", th.StringType),
    th.Property("quantity", th.IntegerType),
    *money("amount"),
    th.Property("taxable", th.BooleanType),
    th.Property("tax_rate", th.NumberType),
    *money("tax_amount"),
    additional_properties=True,
)

INVOICE_PAYMENT = th.ObjectType(
    th.Property("id", ID),
    *money("amount"),
    th.Property("payment_date", DATETIME),
    th.Property("status", th.StringType),
    additional_properties=True,
)


def _invoice_fields() -> list[th.Property]:
    return [
        th.Property("id", ID, required=True),
        th.Property("invoice_number", th.StringType),
        *money("amount"),
        th.Property("currency", th.StringType),
        th.Property("status", th.StringType),
        th.Property("due_date", DATE),
        th.Property("created_at", DATETIME),
        th.Property("client_id", ID, description="Flat copy of client.id (catalog A15)."),
        th.Property("client", CLIENT_REF),
    ]


class EmbeddedClientStream(StudioStream):
    """A stream whose items embed a ``client`` object: adds it flat as ``client_id`` (A15).

    Invoices, payments, contracts and questionnaires all carry it, so warehouse joins to
    ``clients`` need no JSON path.
    """

    def post_process(self, row: dict[str, Any], context: Any = None) -> dict[str, Any] | None:
        """Copy ``client.id`` to ``client_id``."""
        client = row.get("client")
        if isinstance(client, dict) and row.get("client_id") is None:
            row["client_id"] = client.get("id")
        return super().post_process(row, context)


class InvoicesStream(BoundedParent, EmbeddedClientStream):
    """Invoices (S08), with every timeframe and payment state (A12). FULL_TABLE: no ``updated_at``."""

    name = "invoices"
    path = "/invoices/"
    primary_keys = ("id",)
    page_style = PER_PAGE
    query = {"expand": "client", "timeframe_filter": "all_time", "payment_type": "all"}
    child_context_keys = {"invoice_id": "id"}
    schema = th.PropertiesList(*_invoice_fields()).to_dict()


class InvoiceDetailsStream(EmbeddedClientStream):
    """One invoice with line items, payments and associated documents (S09, ``expand=all``)."""

    name = "invoice_details"
    parent_stream_type = InvoicesStream
    path = "/invoices/{invoice_id}"
    primary_keys = ("id",)
    query = {"expand": "all"}
    on_404 = NotFound.SKIP
    child_context_keys = {"invoice_id": "id"}
    schema = th.PropertiesList(
        *_invoice_fields(),
        th.Property("line_items", th.ArrayType(LINE_ITEM)),
        th.Property("payments", th.ArrayType(INVOICE_PAYMENT)),
        th.Property(
            "associated_documents", th.ArrayType(th.ObjectType(additional_properties=True))
        ),
    ).to_dict()


class InvoiceLineItemsStream(DerivedStream, StudioStream):
    """Invoice line items as a flat fact table, taken from ``invoice_details`` with no request."""

    name = "invoice_line_items"
    parent_stream_type = InvoiceDetailsStream
    primary_keys = ("invoice_id", "id")
    source_field = "line_items"
    inherited_fields = {"invoice_id": "id", "currency": "currency"}
    schema = th.PropertiesList(
        th.Property("invoice_id", ID, required=True),
        th.Property("id", ID, required=True),
        th.Property("currency", th.StringType),
        th.Property("name", th.StringType),
        th.Property("description", th.StringType),
        th.Property("quantity", th.IntegerType),
        *money("amount"),
        th.Property("taxable", th.BooleanType),
        th.Property("tax_rate", th.NumberType),
        *money("tax_amount"),
    ).to_dict()


class PaymentsStream(BoundedParent, EmbeddedClientStream):
    """Invoice payments (S12), every timeframe. FULL_TABLE: refunds and disputes change old rows."""

    name = "payments"
    path = "/invoices/payments/list/"
    primary_keys = ("id",)
    page_style = PAGE_SIZE
    query = {"expand": "client", "timeframe_filter": "all_time"}
    child_context_keys = {"invoice_id": "invoice_id", "payment_id": "id"}
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("invoice_id", ID),
        *money("amount"),
        th.Property("currency", th.StringType),
        th.Property("payment_date", DATETIME),
        th.Property("payment_method", th.StringType),
        th.Property("status", th.StringType),
        *money("transaction_fee"),
        th.Property("client_id", ID),
        th.Property("client", CLIENT_REF),
    ).to_dict()


# -- scheduling ------------------------------------------------------------------------


class SessionTypesStream(StudioStream):
    """Bookable session types (S28). Few fields are documented, so the item is kept in ``payload``."""

    name = "session_types"
    path = "/session_types/"
    primary_keys = ("id",)
    page_style = PER_PAGE
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("name", th.StringType),
        th.Property("status", th.StringType),
        th.Property("duration", th.IntegerType),
        th.Property("location", th.StringType),
        th.Property("description", th.StringType),
        th.Property("payment_amount_full", th.IntegerType),
        th.Property("payment_amount_partial", th.IntegerType),
        th.Property("currency", th.StringType),
        th.Property("collect_payment", th.BooleanType),
        th.Property("minimum_notice_duration", th.IntegerType),
        th.Property("maximum_notice_duration", th.IntegerType),
        th.Property("contract_template_id", ID),
        th.Property("auto_send_contract", th.BooleanType),
        th.Property("contract_required_for_booking", th.BooleanType),
        th.Property(
            "payment_methods",
            th.ArrayType(
                th.ObjectType(
                    th.Property("name", th.StringType),
                    th.Property("enabled", th.BooleanType),
                    th.Property("type", th.StringType),
                    th.Property("instructions", th.StringType),
                    additional_properties=True,
                )
            ),
        ),
        open_object("session_type_schedule"),
        payload(),
    ).to_dict()


STUDIO_STREAMS: list[type[StudioStream]] = [
    ClientsStream,
    ClientDocumentsStream,
    InvoicesStream,
    InvoiceDetailsStream,
    InvoiceLineItemsStream,
    PaymentsStream,
    SessionTypesStream,
]

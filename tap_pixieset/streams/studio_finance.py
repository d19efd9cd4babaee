"""Studio money streams beyond invoices: payment details, summaries, coupons and gift cards."""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

from tap_pixieset.pagination import PAGE_ONLY, PER_PAGE
from tap_pixieset.responses import NotFound
from tap_pixieset.schema import CLIENT_REF, DATE, DATETIME, ID, money, open_object
from tap_pixieset.stream_kinds import (
    ClientSideIncremental,
    ListDetailStream,
    SnapshotStream,
    StudioStream,
)
from tap_pixieset.streams.studio import ClientsStream, PaymentsStream

SNAPSHOT_DATE = th.Property(
    "snapshot_date", DATE, required=True, description="UTC date of the run."
)


class PaymentDetailsStream(StudioStream):
    """One payment with processor fee, net amount and method details (S13). N+1 on payments."""

    name = "payment_details"
    parent_stream_type = PaymentsStream
    path = "/invoices/{invoice_id}/payments/{payment_id}/"
    primary_keys = ("id",)
    query = {"expand": "client"}
    on_404 = NotFound.SKIP
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("invoice_id", ID),
        *money("amount"),
        th.Property("currency", th.StringType),
        th.Property("payment_date", DATETIME),
        th.Property("payment_method", th.StringType),
        th.Property("status", th.StringType),
        *money("transaction_fee"),
        *money("processor_fee"),
        *money("net_amount"),
        open_object("payment_method_details", "Card or PayPal details; keys depend on the method."),
        th.Property("client", CLIENT_REF),
    ).to_dict()


class CurrenciesStream(StudioStream):
    """Currencies the account can invoice in (S11): reference data."""

    name = "currencies"
    path = "/invoices/currencies/list"
    primary_keys = ("code",)
    schema = th.PropertiesList(
        th.Property("code", th.StringType, required=True),
        th.Property("name", th.StringType),
        th.Property("symbol", th.StringType),
    ).to_dict()


def _summary_fields() -> list[th.Property]:
    return [
        th.Property("total_invoices", th.IntegerType),
        *money("total_amount"),
        *money("paid_amount"),
        *money("unpaid_amount"),
        th.Property("overdue_count", th.IntegerType),
    ]


class InvoiceSummaryStream(SnapshotStream, StudioStream):
    """Account-level invoice totals (S10), once per ``summary_currencies`` entry (A38), daily snapshot."""

    name = "invoice_summary"
    path = "/invoices/invoice_summary"
    primary_keys = ("currency", "timeframe_filter", "snapshot_date")
    query = {"timeframe_filter": "all_time"}
    schema = th.PropertiesList(
        th.Property(
            "currency",
            th.StringType,
            required=True,
            description="`all` when asked without a currency.",
        ),
        th.Property("timeframe_filter", th.StringType, required=True),
        SNAPSHOT_DATE,
        *_summary_fields(),
    ).to_dict()

    @property
    def partitions(self) -> list[dict[str, Any]] | None:
        """One partition per configured currency; none (one call) when the list is empty."""
        currencies = self.config.get("summary_currencies") or []
        return [{"currency": c} for c in currencies] or None

    def get_url_params(self, context: Any, next_page_token: Any) -> dict[str, Any]:
        """Add the partition's currency."""
        params = super().get_url_params(context, next_page_token)
        if context and context.get("currency"):
            params["currency"] = context["currency"]
        return params

    def post_process(self, row: dict[str, Any], context: Any = None) -> dict[str, Any] | None:
        """Key the row by the currency asked for and the timeframe."""
        row["currency"] = (context or {}).get("currency") or row.get("currency") or "all"
        row["timeframe_filter"] = self.query["timeframe_filter"]
        return super().post_process(row, context)


class ClientInvoiceCurrenciesStream(StudioStream):
    """Per client, the currencies it has invoices in, with totals (S15). One request per client."""

    name = "client_invoice_currencies"
    parent_stream_type = ClientsStream
    path = "/invoices_summary/currencies"
    primary_keys = ("client_id", "currency")
    selected_by_default = False
    on_404 = NotFound.SKIP
    child_context_keys = {"client_id": "client_id", "currency": "currency"}
    schema = th.PropertiesList(
        th.Property("client_id", ID, required=True),
        th.Property("currency", th.StringType, required=True),
        th.Property("total_invoices", th.IntegerType),
        *money("total_amount"),
    ).to_dict()

    def get_url_params(self, context: Any, next_page_token: Any) -> dict[str, Any]:
        """The client is a query parameter here, not a path segment."""
        return {
            **super().get_url_params(context, next_page_token),
            "client_id": context["client_id"],
        }


class ClientInvoiceTotalsStream(StudioStream):
    """One client's totals in one currency, with overdue amounts (S16). One request per pair."""

    name = "client_invoice_totals"
    parent_stream_type = ClientInvoiceCurrenciesStream
    path = "/invoices_summary/totals/{currency}"
    primary_keys = ("client_id", "currency")
    selected_by_default = False
    on_404 = NotFound.SKIP
    schema = th.PropertiesList(
        th.Property("client_id", ID, required=True),
        th.Property("currency", th.StringType, required=True),
        *_summary_fields(),
        *money("overdue_amount"),
    ).to_dict()

    def get_url_params(self, context: Any, next_page_token: Any) -> dict[str, Any]:
        """The client is a query parameter here, not a path segment."""
        return {
            **super().get_url_params(context, next_page_token),
            "client_id": context["client_id"],
        }


class DisputedPaymentsCountStream(SnapshotStream, StudioStream):
    """Payments that are disputed or need a response (S14), daily snapshot.

    The path's comma stays as it is: requests does not encode commas in a path (A36).
    """

    name = "disputed_payments_count"
    path = "/invoices/payments/disputed,needs-response/count"
    primary_keys = ("snapshot_date",)
    schema = th.PropertiesList(
        SNAPSHOT_DATE,
        th.Property("count", th.IntegerType),
        *money("total_amount"),
    ).to_dict()


class CouponsStream(ListDetailStream, StudioStream):
    """Coupons (S24) with the detail-only fields (S25, A25). Pages by ``links.next``; ``filter=all``.

    FULL_TABLE although ``updated_at`` exists: ``usage_count`` is not documented to move it.
    """

    name = "coupons"
    path = "/coupons"
    primary_keys = ("id",)
    page_style = PAGE_ONLY
    query = {"filter": "all"}
    detail_path = "/coupons/{id}/"
    child_context_keys = {"coupon_id": "id"}
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("code", th.StringType),
        th.Property("discount_type", th.StringType),
        th.Property(
            "discount_value", th.NumberType, description="Percent, or minor units for fixed_amount."
        ),
        th.Property("status", th.StringType),
        th.Property("usage_count", th.IntegerType),
        th.Property("usage_limit", th.IntegerType, description="Null means unlimited."),
        th.Property("minimum_order_amount", th.IntegerType),
        th.Property("description", th.StringType),
        th.Property("expires_at", DATETIME),
        th.Property("disabled_at", DATETIME),
        th.Property("created_at", DATETIME),
        th.Property("updated_at", DATETIME),
    ).to_dict()


class CouponActivityStream(ClientSideIncremental, StudioStream):
    """Coupon usage log (S26), append-only: INCREMENTAL on ``used_at`` with one bookmark for all coupons."""

    name = "coupon_activity"
    parent_stream_type = CouponsStream
    path = "/coupons/{coupon_id}/activity"
    primary_keys = ("id",)
    replication_key = "used_at"
    page_style = PER_PAGE
    on_404 = NotFound.SKIP
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("coupon_id", ID),
        th.Property("invoice_id", ID),
        th.Property("client_id", ID),
        *money("discount_applied"),
        th.Property("used_at", DATETIME),
        th.Property("client", CLIENT_REF),
        th.Property("invoice", th.ObjectType(*money("amount"), additional_properties=True)),
    ).to_dict()


class GiftCardsStream(StudioStream):
    """Gift cards (S27), every status: the API's default lists only active ones (A12)."""

    name = "gift_cards"
    path = "/gift_cards"
    primary_keys = ("id",)
    page_style = PER_PAGE
    query = {"status": "all"}
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("code", th.StringType),
        *money("amount"),
        *money("balance"),
        th.Property("status", th.StringType),
        th.Property("expires_at", DATETIME),
        th.Property("purchased_by", CLIENT_REF),
        th.Property("created_at", DATETIME),
    ).to_dict()


STUDIO_FINANCE_STREAMS: list[type[StudioStream]] = [
    PaymentDetailsStream,
    CouponsStream,
    CouponActivityStream,
    GiftCardsStream,
    CurrenciesStream,
    InvoiceSummaryStream,
    ClientInvoiceCurrenciesStream,
    ClientInvoiceTotalsStream,
    DisputedPaymentsCountStream,
]

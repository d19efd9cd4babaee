"""Studio templates (S35 to S44): list then detail, INCREMENTAL on ``updated_at``.

Each template stream pages (or reads) its list, drops templates whose ``updated_at`` is at
or below the bookmark, and only then asks for the detail, so a run after a quiet day makes
one list request per kind instead of one request per template.
"""

from __future__ import annotations

from singer_sdk import typing as th

from tap_pixieset.pagination import PER_PAGE
from tap_pixieset.schema import DATETIME, ID, open_object
from tap_pixieset.stream_kinds import ClientSideIncremental, ListDetailStream, StudioStream

VARIABLE = th.ObjectType(
    th.Property("name", th.StringType),
    th.Property("type", th.StringType),
    th.Property("source", th.StringType),
    th.Property("required", th.BooleanType),
    # A string or an integer in the docs (A24): always text here.
    th.Property("default_value", th.StringType),
    th.Property("description", th.StringType),
    th.Property("format", th.StringType),
    open_object("validation"),
    additional_properties=True,
)


def _common() -> list[th.Property]:
    return [
        th.Property("id", ID, required=True),
        th.Property("name", th.StringType),
        th.Property("description", th.StringType),
        th.Property("status", th.StringType),
        th.Property("created_at", DATETIME),
        th.Property("updated_at", DATETIME),
        th.Property("variables", th.ArrayType(VARIABLE)),
    ]


def _objects(*names: str) -> list[th.Property]:
    return [open_object(name) for name in names]


class TemplateStream(ClientSideIncremental, ListDetailStream, StudioStream):
    """A template kind: list merged with detail, gated on ``updated_at``."""

    primary_keys = ("id",)
    replication_key = "updated_at"


class EmailTemplatesStream(TemplateStream):
    """Email templates (S35 to S36). No ``status`` filter: it would hide drafts (A13)."""

    name = "email_templates"
    path = "/templates/emails"
    detail_path = "/templates/emails/{id}"
    page_style = PER_PAGE
    schema = th.PropertiesList(
        *_common(),
        th.Property("subject", th.StringType),
        th.Property("category", th.StringType),
        th.Property("variables_count", th.IntegerType),
        th.Property("last_used", DATETIME),
        th.Property("html_body", th.StringType),
        th.Property("text_body", th.StringType),
        th.Property("automation_triggers", th.ArrayType(th.StringType)),
        *_objects("send_settings"),
    ).to_dict()


class ContractTemplatesStream(TemplateStream):
    """Contract templates (S37 to S38)."""

    name = "contract_templates"
    path = "/templates/contracts"
    detail_path = "/templates/contracts/{id}"
    schema = th.PropertiesList(
        *_common(),
        th.Property("due_days", th.IntegerType),
        th.Property("html_body", th.StringType),
        th.Property(
            "signers",
            th.ArrayType(
                th.ObjectType(
                    th.Property("type", th.StringType),
                    th.Property("required", th.BooleanType),
                    th.Property("order", th.IntegerType),
                    additional_properties=True,
                )
            ),
        ),
        *_objects("reminders", "document_settings"),
    ).to_dict()


class InvoiceTemplatesStream(TemplateStream):
    """Invoice templates (S39 to S40): the flat list fields are kept next to the nested detail."""

    name = "invoice_templates"
    path = "/templates/invoices"
    detail_path = "/templates/invoices/{id}"
    schema = th.PropertiesList(
        *_common(),
        th.Property("is_default", th.BooleanType),
        th.Property(
            "currency", th.StringType, description="Upper-case here, unlike invoices (A22)."
        ),
        th.Property("tax_inclusive", th.BooleanType),
        th.Property("show_tax_breakdown", th.BooleanType),
        th.Property("payment_terms_days", th.IntegerType),
        th.Property("late_fee_enabled", th.BooleanType),
        th.Property("late_fee_percentage", th.NumberType),
        *_objects("layout_settings", "content_settings", "payment_settings", "footer_settings"),
    ).to_dict()


class QuestionnaireTemplatesStream(TemplateStream):
    """Questionnaire templates (S41 to S42), questions nested."""

    name = "questionnaire_templates"
    path = "/templates/questionnaires"
    detail_path = "/templates/questionnaires/{id}"
    schema = th.PropertiesList(
        *_common(),
        th.Property("category", th.StringType),
        th.Property("questions_count", th.IntegerType),
        th.Property("required_questions_count", th.IntegerType),
        th.Property("estimated_completion_time", th.IntegerType),
        th.Property("auto_send_with_contract", th.BooleanType),
        th.Property(
            "questions",
            th.ArrayType(
                th.ObjectType(
                    th.Property("id", ID),
                    th.Property("order", th.IntegerType),
                    th.Property("question_text", th.StringType),
                    th.Property("field_type", th.StringType),
                    th.Property("required", th.BooleanType),
                    open_object("validation"),
                    additional_properties=True,
                )
            ),
        ),
        *_objects("completion_settings"),
    ).to_dict()


class QuoteTemplatesStream(TemplateStream):
    """Quote templates (S43 to S44), package items nested."""

    name = "quote_templates"
    path = "/templates/quotes"
    detail_path = "/templates/quotes/{id}"
    schema = th.PropertiesList(
        *_common(),
        th.Property("is_default", th.BooleanType),
        th.Property("category", th.StringType),
        th.Property("validity_days", th.IntegerType),
        th.Property("auto_convert_to_invoice", th.BooleanType),
        th.Property("requires_approval", th.BooleanType),
        th.Property("package_items_count", th.IntegerType),
        th.Property(
            "package_items",
            th.ArrayType(
                th.ObjectType(
                    th.Property("id", ID),
                    th.Property("name", th.StringType),
                    th.Property("base_price", th.IntegerType),
                    th.Property("formatted_price", th.StringType),
                    additional_properties=True,
                )
            ),
        ),
        *_objects("layout_settings", "terms_and_conditions", "pricing_settings"),
    ).to_dict()


STUDIO_TEMPLATE_STREAMS: list[type[StudioStream]] = [
    EmailTemplatesStream,
    ContractTemplatesStream,
    InvoiceTemplatesStream,
    QuestionnaireTemplatesStream,
    QuoteTemplatesStream,
]

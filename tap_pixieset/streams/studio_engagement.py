"""Studio client-facing documents and messages: contracts, questionnaires, quotes, conversations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests
from singer_sdk import typing as th

from tap_pixieset.bounded import BoundedParent
from tap_pixieset.envelope import data_items, read_body
from tap_pixieset.pagination import PAGE_SIZE, PER_PAGE
from tap_pixieset.responses import NotFound
from tap_pixieset.schema import CLIENT_REF, DATE, DATETIME, ID, money, open_object, payload
from tap_pixieset.stream_kinds import (
    ClientSideIncremental,
    DerivedStream,
    SnapshotStream,
    StudioStream,
)
from tap_pixieset.streams.studio import EmbeddedClientStream

TEMPLATE_REF = th.ObjectType(
    th.Property("id", ID),
    th.Property("name", th.StringType),
    th.Property("description", th.StringType),
    th.Property("due_days", th.IntegerType),
    additional_properties=True,
)


# -- contracts -------------------------------------------------------------------------


def _contract_fields() -> list[th.Property]:
    return [
        th.Property("id", ID, required=True),
        th.Property("contract_number", th.StringType),
        th.Property("status", th.StringType),
        th.Property("created_at", DATETIME),
        th.Property(
            "due_date", DATETIME, description="A date-time on contracts, unlike invoices (A23)."
        ),
        th.Property("signed_date", DATETIME),
        th.Property("client_id", ID, description="Flat copy of client.id."),
        th.Property("client", CLIENT_REF),
        th.Property("template", TEMPLATE_REF),
    ]


class ContractsStream(BoundedParent, EmbeddedClientStream):
    """Contracts (S17). FULL_TABLE: no ``updated_at``, and status and ``signed_date`` change."""

    name = "contracts"
    path = "/contracts/"
    primary_keys = ("id",)
    page_style = PER_PAGE
    query = {"expand": "all"}
    child_context_keys = {"contract_id": "id"}
    schema = th.PropertiesList(*_contract_fields()).to_dict()


class ContractDetailsStream(EmbeddedClientStream):
    """One contract with content and signatures (S18). ``rendered_html`` only with ``include_contract_html``."""

    name = "contract_details"
    parent_stream_type = ContractsStream
    path = "/contracts/{contract_id}"
    primary_keys = ("id",)
    query = {"expand": "all"}
    on_404 = NotFound.SKIP
    child_context_keys = {"contract_id": "id"}
    schema = th.PropertiesList(
        *_contract_fields(),
        th.Property("sent_at", DATETIME),
        th.Property(
            "content",
            th.ObjectType(
                th.Property("rendered_html", th.StringType),
                open_object("variables", "Template variables; keys vary by template."),
                additional_properties=True,
            ),
        ),
        th.Property("signatures", th.ArrayType(th.ObjectType(additional_properties=True))),
    ).to_dict()

    def post_process(self, row: dict[str, Any], context: Any = None) -> dict[str, Any] | None:
        """Drop the large rendered HTML unless asked for (A40)."""
        content = row.get("content")
        if isinstance(content, dict) and not self.config.get("include_contract_html", False):
            content.pop("rendered_html", None)
        return super().post_process(row, context)


class ContractSignaturesStream(DerivedStream, StudioStream):
    """One row per signature of a contract, from ``contract_details`` with no request.

    No signature id is documented, so the key is the contract, signer type and email.
    """

    name = "contract_signatures"
    parent_stream_type = ContractDetailsStream
    primary_keys = ("contract_id", "signer_type", "signer_email")
    source_field = "signatures"
    inherited_fields = {"contract_id": "id"}
    schema = th.PropertiesList(
        th.Property("contract_id", ID, required=True),
        th.Property("signer_type", th.StringType, required=True),
        th.Property("signer_email", th.StringType, required=True),
        th.Property("signer_name", th.StringType),
        th.Property("signed_at", DATETIME),
        th.Property("signature_image_url", th.StringType),
    ).to_dict()


# -- questionnaires --------------------------------------------------------------------


def _questionnaire_fields() -> list[th.Property]:
    return [
        th.Property("id", ID, required=True),
        th.Property("status", th.StringType),
        th.Property("created_at", DATETIME),
        th.Property("updated_at", DATETIME),
        th.Property(
            "due_date",
            DATETIME,
            description="A date-time on questionnaires, unlike invoices (A23).",
        ),
        th.Property("template", TEMPLATE_REF),
        th.Property("client_id", ID, description="Flat copy of client.id."),
        th.Property("client", CLIENT_REF),
    ]


class QuestionnairesStream(ClientSideIncremental, EmbeddedClientStream):
    """Questionnaires (S19), INCREMENTAL on ``updated_at``: unchanged ones skip their detail call."""

    name = "questionnaires"
    path = "/questionnaires/"
    primary_keys = ("id",)
    replication_key = "updated_at"
    page_style = PER_PAGE
    query = {"expand": "client"}
    child_context_keys = {"questionnaire_id": "id"}
    schema = th.PropertiesList(*_questionnaire_fields()).to_dict()


class QuestionnaireDetailsStream(EmbeddedClientStream):
    """One questionnaire with ``completed_at`` and responses (S20), for questionnaires that changed."""

    name = "questionnaire_details"
    parent_stream_type = QuestionnairesStream
    path = "/questionnaires/{questionnaire_id}"
    primary_keys = ("id",)
    on_404 = NotFound.SKIP
    child_context_keys = {"questionnaire_id": "id"}
    schema = th.PropertiesList(
        *_questionnaire_fields(),
        th.Property("completed_at", DATETIME),
        th.Property("responses", th.ArrayType(th.ObjectType(additional_properties=True))),
    ).to_dict()


class QuestionnaireResponsesStream(DerivedStream, StudioStream):
    """One row per answer, from ``questionnaire_details`` with no request."""

    name = "questionnaire_responses"
    parent_stream_type = QuestionnaireDetailsStream
    primary_keys = ("questionnaire_id", "field_name")
    source_field = "responses"
    inherited_fields = {"questionnaire_id": "id"}
    schema = th.PropertiesList(
        th.Property("questionnaire_id", ID, required=True),
        th.Property("field_name", th.StringType, required=True),
        th.Property("field_label", th.StringType),
        th.Property("response", th.StringType),
    ).to_dict()


# -- quotes ----------------------------------------------------------------------------


class QuotesStream(StudioStream):
    """Quotes, from ``/quotes/``: a path the docs never show (A10), so only with ``enable_quotes_probe``.

    A 404 on the first page means the guess was wrong: a warning, and no records.
    """

    name = "quotes"
    path = "/quotes/"
    primary_keys = ("id",)
    page_style = PER_PAGE
    on_404 = NotFound.ABSENT
    capture_payload = True
    #: The setting without which the guessed path is never requested (bounded reads too).
    probe_setting = "enable_quotes_probe"
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("client_id", ID),
        th.Property("status", th.StringType),
        *money("amount"),
        th.Property("currency", th.StringType),
        th.Property("created_at", DATETIME),
        payload(),
    ).to_dict()

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        """Nothing unless the probe is enabled (the tap says so once, at the start)."""
        if not self.config.get("enable_quotes_probe", False):
            self.incomplete_reason = "`enable_quotes_probe` is off"
            return
        yield from super().get_records(context)


# -- conversations ---------------------------------------------------------------------


class ConversationsStream(ClientSideIncremental, StudioStream):
    """Conversations (S21), INCREMENTAL on ``last_message_at``. No ``message_status``: it hides archived ones.

    Archiving does not move ``last_message_at``, so status-only changes need a full refresh.
    """

    name = "conversations"
    path = "/conversations/"
    primary_keys = ("id",)
    replication_key = "last_message_at"
    page_style = PAGE_SIZE
    child_context_keys = {"conversation_id": "id", "client_id": "client_id"}
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("client_id", ID),
        th.Property("subject", th.StringType),
        th.Property("last_message_at", DATETIME),
        th.Property("unread_count", th.IntegerType),
        th.Property("status", th.StringType),
        th.Property(
            "participants",
            th.ArrayType(
                th.ObjectType(
                    th.Property("id", ID),
                    th.Property("name", th.StringType),
                    th.Property("email", th.StringType),
                    th.Property("type", th.StringType),
                    additional_properties=True,
                )
            ),
        ),
    ).to_dict()


class ConversationMessagesStream(StudioStream):
    """Messages of each conversation that changed (S22, ``messages=true``), with their ids added (A18)."""

    name = "conversation_messages"
    parent_stream_type = ConversationsStream
    path = "/conversations/{conversation_id}/"
    primary_keys = ("id",)
    query = {"messages": "true"}
    on_404 = NotFound.SKIP
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("conversation_id", ID),
        th.Property("client_id", ID),
        th.Property("content", th.StringType),
        th.Property("sent_at", DATETIME),
        th.Property("sender_type", th.StringType),
        th.Property("sender_id", ID),
        th.Property("read_at", DATETIME),
        th.Property(
            "attachments",
            th.ArrayType(
                th.ObjectType(
                    th.Property("id", ID),
                    th.Property("filename", th.StringType),
                    th.Property("file_size", th.IntegerType),
                    th.Property("content_type", th.StringType),
                    th.Property("url", th.StringType),
                    additional_properties=True,
                )
            ),
        ),
    ).to_dict()

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """The messages embedded in the conversation object."""
        if response.status_code == 404:
            yield from super().parse_response(response)
            return
        for conversation in data_items(read_body(response)):
            for message in (conversation or {}).get("messages") or []:
                if isinstance(message, dict):
                    yield message


class UnreadConversationsCountStream(SnapshotStream, StudioStream):
    """Unread messages and conversations (S23), daily snapshot."""

    name = "unread_conversations_count"
    path = "/conversations/unread/count"
    primary_keys = ("snapshot_date",)
    schema = th.PropertiesList(
        th.Property("snapshot_date", DATE, required=True, description="UTC date of the run."),
        th.Property("unread_count", th.IntegerType),
        th.Property("conversations_with_unread", th.IntegerType),
    ).to_dict()


class NotificationsStream(StudioStream):
    """Notifications (S01). Shape undocumented: known keys plus ``payload``."""

    name = "notifications"
    path = "/notifications/all"
    primary_keys = ("id",)
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("type", th.StringType),
        th.Property("message", th.StringType),
        th.Property("read", th.BooleanType),
        th.Property("created_at", DATETIME),
        payload(),
    ).to_dict()


STUDIO_ENGAGEMENT_STREAMS: list[type[StudioStream]] = [
    ContractsStream,
    ContractDetailsStream,
    ContractSignaturesStream,
    QuestionnairesStream,
    QuestionnaireDetailsStream,
    QuestionnaireResponsesStream,
    QuotesStream,
    ConversationsStream,
    ConversationMessagesStream,
    UnreadConversationsCountStream,
    NotificationsStream,
]

"""Studio scheduling beyond session types: booked sessions, schedules, overrides, inquiries."""

from __future__ import annotations

from singer_sdk import typing as th

from tap_pixieset.pagination import PER_PAGE
from tap_pixieset.responses import NotFound
from tap_pixieset.schema import CLIENT_REF, DATE, DATETIME, ID, open_object, payload
from tap_pixieset.stream_kinds import SnapshotStream, StudioStream


class SessionsStream(StudioStream):
    """Booked sessions (S33). Fields and paging undocumented: ``payload`` and the generic paginator."""

    name = "sessions"
    path = "/sessions"
    primary_keys = ("id",)
    page_style = PER_PAGE
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("status", th.StringType),
        th.Property("start_time", DATETIME),
        th.Property("client", CLIENT_REF),
        open_object("session_type"),
        payload(),
    ).to_dict()


class SessionTypeSchedulesStream(StudioStream):
    """Availability schedules (S30)."""

    name = "session_type_schedules"
    path = "/session_type_schedules/"
    primary_keys = ("id",)
    child_context_keys = {"schedule_id": "id"}
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("id", ID, required=True),
        th.Property("name", th.StringType),
        th.Property("schedule_type", th.StringType),
        th.Property("display_timezone", th.StringType),
        th.Property(
            "session_type_schedule_intervals",
            th.ArrayType(th.ObjectType(additional_properties=True)),
        ),
        payload(),
    ).to_dict()


class IntervalOverridesStream(StudioStream):
    """Date overrides of a schedule (S32, chosen over S31 per A29). Shape undocumented: ``payload``."""

    name = "session_type_schedule_interval_overrides"
    parent_stream_type = SessionTypeSchedulesStream
    path = "/session_type_schedules/{schedule_id}/interval_overrides_list/"
    primary_keys = ("schedule_id", "id")
    capture_payload = True
    on_404 = NotFound.SKIP
    schema = th.PropertiesList(
        th.Property("schedule_id", ID, required=True),
        th.Property("id", ID, required=True),
        payload(),
    ).to_dict()


class SessionInquiryCountStream(SnapshotStream, StudioStream):
    """Pending session inquiries (S34), daily snapshot. Shape undocumented: ``count`` and ``payload``."""

    name = "session_inquiry_count"
    path = "/sessions/inquiry/count"
    primary_keys = ("snapshot_date",)
    capture_payload = True
    schema = th.PropertiesList(
        th.Property("snapshot_date", DATE, required=True, description="UTC date of the run."),
        th.Property("count", th.IntegerType),
        payload(),
    ).to_dict()


STUDIO_SCHEDULING_STREAMS: list[type[StudioStream]] = [
    SessionsStream,
    SessionTypeSchedulesStream,
    IntervalOverridesStream,
    SessionInquiryCountStream,
]

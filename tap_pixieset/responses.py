"""What an answer means: fine, end of list, missing, retriable or fatal.

Every response the tap reads, list page or detail, is classified here, once. The one
decision that differs between endpoints is what a 404 means, and each stream declares it
in one class attribute, ``on_404`` (a :class:`NotFound`). Whatever the stream declares, a
404 on a page after the first is the end of the list: the list got shorter while it was
paged, which the list reader notices and handles (see ``list_reader``).
"""

from __future__ import annotations

import enum
import json
from urllib.parse import parse_qs, urlsplit

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_pixieset.envelope import UnexpectedResponseError, endpoint_of, read_body
from tap_pixieset.pagination import PageStyle
from tap_pixieset.redaction import REDACTOR

#: Statuses worth another try: rate limited, or a server or gateway that failed for now.
#: Other 5xx (501, 505...) are answers that will not change, so they fail at once.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: How much of the server's own error text a message quotes (after masking secrets).
MAX_SUMMARY_CHARS = 200

HTTP_OK = 200
HTTP_NOT_FOUND = 404
HTTP_CLIENT_ERROR = 400
HTTP_SERVER_ERROR = 500


class NotFound(enum.Enum):
    """What a 404 on a stream's first request means (declared per stream as ``on_404``)."""

    #: An error: the endpoint should exist for every account.
    FAIL = "fail"
    #: The record or parent went away after it was listed (catalog A35): warn and skip it.
    SKIP = "skip"
    #: The endpoint may not exist on this account (undocumented or optional): no records.
    ABSENT = "absent"


class Outcome(enum.Enum):
    """How a 404 is read, once :func:`classify` has let it through."""

    END_OF_LIST = "end of list"
    SKIP = "skip"
    ABSENT = "absent"


def is_follow_up_page(response: requests.Response, page_style: PageStyle) -> bool:
    """True when ``response`` answers a page after the first of a paginated list."""
    request = response.request
    if request is None or page_style.page_param is None:
        return False
    values = parse_qs(urlsplit(request.url or "").query).get(page_style.page_param) or []
    try:
        first = page_style.first_token() or 0
        return bool(values) and int(values[0]) > first
    except ValueError:
        return False


def not_found_outcome(
    response: requests.Response, on_404: NotFound, page_style: PageStyle
) -> Outcome | None:
    """What a 404 means for a stream declaring ``on_404``; None when it is an error."""
    if is_follow_up_page(response, page_style):
        return Outcome.END_OF_LIST
    if on_404 is NotFound.SKIP:
        return Outcome.SKIP
    if on_404 is NotFound.ABSENT:
        return Outcome.ABSENT
    return None


def classify(
    response: requests.Response,
    *,
    on_404: NotFound,
    page_style: PageStyle,
    api: str,
    stream: str,
) -> Outcome | None:
    """Raise for an answer that is not usable; return how to read a tolerated 404.

    ``api`` and ``stream`` name where the answer came from. Returns None for a usable
    200, an :class:`Outcome` for a 404 the stream tolerates, and raises
    ``RetriableAPIError`` for answers worth another try (429, 5xx from
    :data:`RETRY_STATUSES`, an empty or unreadable 200) and ``FatalAPIError`` otherwise.
    """
    status = response.status_code
    if status == HTTP_NOT_FOUND:
        outcome = not_found_outcome(response, on_404, page_style)
        if outcome is not None:
            return outcome
    if status in RETRY_STATUSES:
        raise RetriableAPIError(error_message(response, api=api, stream=stream), response)
    if status >= HTTP_CLIENT_ERROR:
        raise FatalAPIError(error_message(response, api=api, stream=stream))
    if status == HTTP_OK:
        if not response.content:
            # Every endpoint answers a JSON document; an empty 200 is a cut connection
            # or a proxy hiccup, and reading it as "no records" would end a list early.
            raise RetriableAPIError(
                f"The response for {endpoint_of(response)} has an empty body.", response
            )
        try:
            read_body(response)
        except UnexpectedResponseError as exc:
            # A truncated or garbled body is transient on a healthy API: read it again.
            raise RetriableAPIError(str(exc), response) from exc
    return None


def error_summary(response: requests.Response) -> str:
    """A short reason from any of the four documented error body shapes (catalog A32).

    Raw server text: pass it through ``REDACTOR.clean`` before it goes into a message.
    """
    try:
        body = json.loads(response.content or b"")
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return response.reason or ""
    if not isinstance(body, dict):
        return response.reason or ""
    error = body.get("error")
    try:
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or response.reason)
        parts = [str(p) for p in (error, body.get("code"), body.get("message")) if p]
    except RecursionError:  # str() of a value nested hundreds of levels deep
        return response.reason or ""
    return ": ".join(parts) or (response.reason or "")


def error_message(response: requests.Response, *, api: str, stream: str) -> str:
    """A one-line reason that names the endpoint and status, without secrets or bodies."""
    kind = "client" if response.status_code < HTTP_SERVER_ERROR else "server"
    message = (
        f"The {api} API answered HTTP {response.status_code} ({kind} error) for "
        f"{endpoint_of(response)} in stream '{stream}'"
    )
    # Masked before it is shortened (a cut through a secret would leave half of it), and
    # with control characters escaped (a line break would let the server forge a log line).
    summary = REDACTOR.clean(error_summary(response), MAX_SUMMARY_CHARS)
    if summary:
        message += f": {summary}"
    return REDACTOR.mask(message)

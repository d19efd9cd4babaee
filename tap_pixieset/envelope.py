"""Reading Pixieset's response envelope: ``{"data": ..., "meta": ..., "links": ...}``.

The body of a response is parsed once and cached on the response object, because the
stream (records), the paginator (end-of-list signals) and error handling all read it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

_BODY_ATTR = "_pixieset_body"


class UnexpectedResponseError(ValueError):
    """The API answered 200 but the body is not the JSON document the tap expects."""


def read_body(response: requests.Response) -> Any:
    """Return the parsed JSON body of ``response``, parsing it at most once."""
    cached = response.__dict__.get(_BODY_ATTR, _BODY_ATTR)
    if cached is not _BODY_ATTR:
        return cached
    if response.status_code == 404 or not response.content:
        body: Any = None
    else:
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            raise UnexpectedResponseError(
                f"The response for {endpoint_of(response)} is not valid JSON (it may be truncated)."
            ) from exc
    response.__dict__[_BODY_ATTR] = body
    return body


def endpoint_of(response: requests.Response) -> str:
    """Return the URL path of the request behind ``response``, without its query string."""
    url = response.request.url if response.request is not None else response.url
    return urlsplit(url or "").path or "?"


def data_items(body: Any) -> list[Any]:
    """Return the list of items in a body: ``data`` as a list, ``data`` as one object, or a bare list."""
    if body is None:
        return []
    if isinstance(body, list):  # some Gallery sub-resources answer with a bare array
        return body
    if not isinstance(body, dict):
        raise UnexpectedResponseError(
            f"Expected a JSON object or array, got {type(body).__name__}."
        )
    data = body.get("data")
    if data is None:
        return []
    if isinstance(data, list):
        return data
    return [data]


def meta_of(body: Any) -> dict[str, Any]:
    """Return the ``meta`` object of a body, or an empty dict."""
    if isinstance(body, dict) and isinstance(body.get("meta"), dict):
        return body["meta"]
    return {}


def links_of(body: Any) -> dict[str, Any] | None:
    """Return the ``links`` object of a body, or None when the body has none."""
    if isinstance(body, dict) and isinstance(body.get("links"), dict):
        return body["links"]
    return None

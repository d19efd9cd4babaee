"""Reading Pixieset's response envelope: ``{"data": ..., "meta": ..., "links": ...}``.

The body of a response is parsed once and cached on the response object, because the
stream (records), the paginator (end-of-list signals) and error handling all read it.

Parsing is strict: ``NaN``, ``Infinity`` and numbers too large for a float are refused (the
RECORD lines on stdout must stay strict JSON), and so is nesting deeper than
:data:`MAX_NESTING`, which would otherwise end in a ``RecursionError`` inside the SDK's
record pipeline. Both stop the sync with one line that names the endpoint.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlsplit

import requests
from singer_sdk.exceptions import FatalAPIError

_BODY_ATTR = "_pixieset_body"
#: Deepest nesting of arrays and objects accepted in a response. Pixieset's deepest
#: documented shape is about 6 levels; the SDK's recursive record handling fails near 350.
MAX_NESTING = 64


class UnexpectedResponseError(ValueError):
    """The API answered 200 but the body is not the JSON document the tap expects."""


class RejectedBodyError(FatalAPIError):
    """A body that is JSON but cannot be passed on: non-finite numbers or extreme nesting.

    Not retried: a server that sends it once sends it again.
    """


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NonFinite(name)


def _inspect(value: Any, limit: int) -> str | None:
    """Why ``value`` cannot be passed on ("deep", "infinite"), or None when it can.

    Level by level, without recursion, so that it cannot itself run out of stack. Infinite
    floats come from number literals too large for a float (``1e999``): the C parser makes
    them without a word, and looking for them here, in C-speed ``in`` tests, costs far
    less than a Python hook called for every float.
    """
    level = [value]
    depth = 1
    while level:
        if depth > limit:
            return "deep"
        deeper: list[Any] = []
        add = deeper.extend
        for container in level:
            children = container.values() if type(container) is dict else container
            if _INF in children or _NEG_INF in children:
                return "infinite"
            add([v for v in children if type(v) is dict or type(v) is list])
        level = deeper
        depth += 1
    return None


_INF = math.inf
_NEG_INF = -math.inf


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests arrays and objects more than ``limit`` levels deep."""
    return _inspect(value, limit) == "deep"


def parse_strict(content: bytes, endpoint: str) -> Any:
    """Parse a JSON body strictly; see the module docstring. ``endpoint`` names it in errors."""
    try:
        body = json.loads(content, parse_constant=_refuse_constant)
    except _NonFinite as exc:
        raise _non_finite(endpoint, repr(str(exc)[:20])) from None
    except RecursionError:
        raise _too_deep(endpoint) from None
    except ValueError as exc:
        raise UnexpectedResponseError(
            f"The response for {endpoint} is not valid JSON (it may be truncated)."
        ) from exc
    if isinstance(body, (dict, list)):
        problem = _inspect(body, MAX_NESTING)
        if problem == "deep":
            raise _too_deep(endpoint)
        if problem == "infinite":
            raise _non_finite(endpoint, "too large for a float")
    elif isinstance(body, float) and math.isinf(body):
        raise _non_finite(endpoint, "too large for a float")
    return body


def _non_finite(endpoint: str, what: str) -> RejectedBodyError:
    return RejectedBodyError(
        f"The response for {endpoint} holds a number ({what}) that JSON output cannot carry; "
        "the tap stopped instead of writing invalid JSON."
    )


def _too_deep(endpoint: str) -> RejectedBodyError:
    return RejectedBodyError(
        f"The response for {endpoint} nests arrays and objects more than {MAX_NESTING} levels "
        "deep, far beyond any Pixieset shape; the tap stopped instead of reading it."
    )


def read_body(response: requests.Response) -> Any:
    """Return the parsed JSON body of ``response``, parsing it at most once."""
    cached = response.__dict__.get(_BODY_ATTR, _BODY_ATTR)
    if cached is not _BODY_ATTR:
        return cached
    if response.status_code == 404 or not response.content:
        body: Any = None
    else:
        body = parse_strict(response.content, endpoint_of(response))
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

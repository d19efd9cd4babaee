"""``--test``: one cheap request per API proves its session works, in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_pixieset.envelope import UnexpectedResponseError, data_items, read_body
from tap_pixieset.errors import PixiesetUserError
from tap_pixieset.redaction import REDACTOR
from tap_pixieset.transport import RequestDeadlineError, ResponseTooLargeError

if TYPE_CHECKING:
    from tap_pixieset.tap import TapPixieset

APIS = ("studio", "gallery")
#: The cheap request that proves a session works, per API (catalog 1.2).
CONNECTION_CHECKS = {"studio": "/notifications/all", "gallery": "/data/bootstrap"}
HTTP_OK = 200


def check_connections(tap: TapPixieset) -> dict[str, tuple[bool | None, str]]:
    """One cheap request per API; returns (passed, explanation) per API.

    ``passed`` is None for an API with no session configured: it was not checked.
    """
    results: dict[str, tuple[bool | None, str]] = {}
    for api in APIS:
        check = CONNECTION_CHECKS[api]
        if not tap.api_configured(api):
            results[api] = (
                None,
                f"not checked: no `{api}_cookie` and no `email`/`password` configured, "
                f"so its streams will be skipped",
            )
            continue
        session = tap.session_for(api)
        try:
            response = session.get(tap.base_url(api) + check, timeout=session.timeout)
            if response.status_code != HTTP_OK:
                results[api] = (
                    False,
                    f"GET {check} answered HTTP {response.status_code}",
                )
                continue
            data_items(read_body(response))
        except (
            PixiesetUserError,
            UnexpectedResponseError,
            RetriableAPIError,
            FatalAPIError,
            RequestDeadlineError,
            ResponseTooLargeError,
        ) as exc:
            results[api] = (False, REDACTOR.clean(str(exc)))
            continue
        except requests.RequestException as exc:
            results[api] = (
                False,
                f"could not reach {tap.base_url(api)} ({type(exc).__name__}); check "
                f"`{api}_base_url` and the network",
            )
            continue
        if session.login_count and tap.config.get(f"{api}_cookie"):
            how = "the configured cookie was refused, but the login with `email`/`password` works"
        elif session.login_count:
            how = "logged in with `email`/`password`"
        else:
            how = f"the `{api}_cookie` session is valid"
        results[api] = (True, f"{how}; GET {check} answered with data")
    return results

"""Server-side pagination in the documented styles and meta shapes (catalog 1.5).

The real API is inconsistent, and so is this: each endpoint picks which meta keys it
reports (``last_page`` or not, ``total`` or not, ``total_pages`` on Gallery), whether a
page past the end is an empty list or a 404, and whether it honours the requested size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pixieset_simulator.http import Request, Response

MAX_PAGE_SIZE = 100

#: Meta keys of the Laravel-style paginator most Studio lists use.
FULL_META = ("current_page", "from", "last_page", "per_page", "to", "total")


@dataclass(frozen=True)
class Paging:
    """How one endpoint pages.

    ``size_param`` None means the endpoint ignores any size and uses ``default_size``.
    ``meta_keys`` lists which meta fields it reports. ``past_end`` is "empty" or "404".
    """

    size_param: str | None = "per_page"
    default_size: int = 25
    meta_keys: tuple[str, ...] = FULL_META
    past_end: str = "empty"
    links: bool = False
    max_size: int = MAX_PAGE_SIZE

    def page(
        self,
        request: Request,
        items: list[Any],
        base_url: str,
        extra_meta: dict[str, Any] | None = None,
    ) -> Response:
        """One page of ``items`` for ``request``, enveloped as documented."""
        size = self.default_size
        if self.size_param is not None:
            size = request.int_param(self.size_param, self.default_size)
        size = max(1, min(size, self.max_size))
        page = max(1, request.int_param("page", 1))
        total = len(items)
        last_page = max(1, math.ceil(total / size))
        if page > last_page and self.past_end == "404":
            return Response(
                404, {"error": {"code": "resource_not_found", "message": "Page not found"}}
            )
        start = (page - 1) * size
        chunk = items[start : start + size]
        values = {
            "current_page": page,
            "from": start + 1 if chunk else None,
            "to": start + len(chunk) if chunk else None,
            "last_page": last_page,
            "total_pages": last_page,
            "per_page": size,
            "total": total,
        }
        meta = {key: values[key] for key in self.meta_keys}
        meta.update(extra_meta or {})
        body: dict[str, Any] = {"data": chunk, "meta": meta}
        if self.links:

            def link(n: int | None) -> str | None:
                return None if n is None else f"{base_url}?page={n}"

            body["links"] = {
                "first": link(1),
                "last": link(last_page),
                "prev": link(page - 1 if page > 1 else None),
                "next": link(page + 1 if page < last_page else None),
            }
        return Response(200, body)


def offset_page(
    request: Request, items: list[Any], *, default_limit: int = 30, meta: bool = True
) -> Response:
    """``limit``/``offset`` paging (Gallery collections, catalog P4)."""
    limit = max(1, min(request.int_param("limit", default_limit), MAX_PAGE_SIZE))
    offset = max(0, request.int_param("offset", 0))
    chunk = items[offset : offset + limit]
    body: dict[str, Any] = {"data": chunk}
    if meta:
        body["meta"] = {"limit": limit, "offset": offset, "total": len(items)}
    return Response(200, body)


def unpaginated(items: list[Any], meta: dict[str, Any] | None = None) -> Response:
    """The whole list at once, with optional meta (template lists: ``meta.total`` only)."""
    body: dict[str, Any] = {"data": items}
    if meta is not None:
        body["meta"] = meta
    return Response(200, body)

"""Paginators for the pagination styles of the Pixieset APIs (catalog section 1.5).

Every style asks for pages of ``page_size`` items and stops on the first signal that the
list has ended, checked in the order of catalog section 3.3:

1. ``links.next`` (null means stop);
2. ``meta.last_page``;
3. ``meta.total_pages``;
4. ``meta.total`` with ``meta.per_page``;
5. otherwise a short or empty page.

A 404 on a page after the first also ends the list (catalog A34). Two guards make an
endless loop impossible: a page that repeats the previous page ends the list, and a page
bound raises an error instead of looping. The bound follows from the size the list reports
on its first page (``total``, ``last_page`` or ``total_pages``) plus a margin for records
added while it is read (:func:`page_bound`); a size that keeps growing does not move it. A
list that reports no size, or a size beyond :data:`MAX_LIST_ITEMS`, is bounded by
:data:`MAX_LIST_ITEMS` items.

Each paginator also records the list's own size signals (``meta.total``, ``last_page``,
``total_pages``) page by page, so that the stream can tell whether the list changed while
it was being read (page drift, see ``PixiesetStream.request_records``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from singer_sdk.pagination import BaseAPIPaginator

from tap_pixieset.envelope import data_items, endpoint_of, links_of, meta_of, read_body

LOGGER = logging.getLogger("tap_pixieset.pagination")

#: The most items one list read may hold, whatever the list reports: ten times a very large
#: studio. At the default page size that is 10,000 pages, about 42 minutes at 4 requests/s.
MAX_LIST_ITEMS = 1_000_000
#: Pages read beyond the reported size: records added while the list is read push items
#: onto extra pages (page drift), so a little more than the report is normal.
MARGIN_PAGES = 5
MARGIN_SHARE = 0.25
#: Meta fields that state the size of the whole list; if one changes between pages, records
#: were inserted or deleted while the list was read.
COUNT_KEYS = ("total", "last_page", "total_pages")


class PaginationError(RuntimeError):
    """Pagination did not converge: the API kept answering with new pages."""


@dataclass(frozen=True)
class PageStyle:
    """How one endpoint is paged: the query parameter names it understands.

    ``page_param`` is None for endpoints that are not paginated; ``size_param`` is None
    for endpoints that take a page number but no page size (catalog style P1').
    """

    page_param: str | None = "page"
    size_param: str | None = "per_page"
    offset: bool = False

    def first_params(self, page_size: int) -> dict[str, Any]:
        """Query parameters for the first page."""
        return self.params_for(self.first_token(), page_size)

    def first_token(self) -> int | None:
        """Token of the first page: page 1, offset 0, or None when not paginated."""
        if self.page_param is None:
            return None
        return 0 if self.offset else 1

    def params_for(self, token: int | None, page_size: int) -> dict[str, Any]:
        """Query parameters for the page identified by ``token``."""
        if token is None or self.page_param is None:
            return {}
        params: dict[str, Any] = {self.page_param: token}
        if self.size_param:
            params[self.size_param] = page_size
        return params


#: Catalog 1.5 styles, by their catalog names.
PER_PAGE = PageStyle("page", "per_page")  # P1
PAGE_ONLY = PageStyle("page", None)  # P1'
PAGE_SIZE = PageStyle("page", "page_size")  # P2
PAGE_SIZE_CAMEL = PageStyle("page", "pageSize")  # P3
LIMIT_OFFSET = PageStyle("offset", "limit", offset=True)  # P4
UNPAGINATED = PageStyle(None, None)  # P0


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def page_ceiling(page_size: int) -> int:
    """The most pages any list read may take: :data:`MAX_LIST_ITEMS` at ``page_size``."""
    return max(1, -(-MAX_LIST_ITEMS // max(1, page_size)))


def page_bound(reported_pages: int | None, page_size: int) -> int:
    """The most pages a list read may take: the reported size plus a margin, capped."""
    ceiling = page_ceiling(page_size)
    if reported_pages is None or reported_pages < 0 or reported_pages > ceiling:
        return ceiling
    return min(ceiling, reported_pages + MARGIN_PAGES + int(reported_pages * MARGIN_SHARE))


def reported_pages(meta: dict[str, Any], page_size: int) -> int | None:
    """How many pages the list says it has, from its meta, or None when it does not say."""
    for key in ("last_page", "total_pages"):
        pages = _as_int(meta.get(key))
        if pages is not None:
            return pages
    total = _as_int(meta.get("total"))
    per_page = _as_int(meta.get("per_page"))
    if total is None:
        return None
    size = per_page if per_page and per_page > 0 else page_size
    return -(-total // max(1, size))


def _first_id(items: list[Any]) -> Any:
    if not items:
        return None
    first = items[0]
    return first.get("id", first) if isinstance(first, dict) else first


class _GuardedPaginator(BaseAPIPaginator[int]):
    """Shared guards: a page that repeats the previous one ends the list; a page bound raises."""

    def __init__(self, start_value: int, page_size: int, max_pages: int | None = None) -> None:
        super().__init__(start_value)
        self.page_size = page_size
        #: A fixed bound (tests); otherwise it is set from the first page's meta.
        self.max_pages = max_pages
        self._previous_first_id: Any = None
        self._previous_count = -1
        #: The size signals of each page read, in order (see COUNT_KEYS).
        self.count_signatures: list[tuple[Any, ...]] = []

    @property
    def counted(self) -> bool:
        """True when the list reports its own size, so a change can be seen between pages."""
        return any(any(v is not None for v in signature) for signature in self.count_signatures)

    @property
    def count_changed(self) -> bool:
        """True when the reported size differed between two pages of this read."""
        return len(set(self.count_signatures)) > 1

    def _observe_counts(self, response: requests.Response, body: Any, items: list[Any]) -> None:
        meta = meta_of(body)
        if self.max_pages is None:  # the first page: the list's own size sets the bound
            # The server's page may be shorter than the size asked for (catalog A06).
            size = len(items) or self.page_size
            pages = reported_pages(meta, size)
            if pages is not None and pages > page_ceiling(self.page_size):
                raise PaginationError(
                    f"The list {endpoint_of(response)} reports {pages} pages, more than the "
                    f"{MAX_LIST_ITEMS:,} items the tap reads from one list; the tap stopped "
                    "instead of paging through a size no account has."
                )
            self.max_pages = page_bound(pages, self.page_size)
        self.count_signatures.append(tuple(_as_int(meta.get(key)) for key in COUNT_KEYS))

    def _repeats_previous_page(self, items: list[Any]) -> bool:
        first_id = _first_id(items)
        repeated = (
            first_id is not None
            and first_id == self._previous_first_id
            and len(items) == self._previous_count
        )
        self._previous_first_id, self._previous_count = first_id, len(items)
        return repeated

    def _check_limit(self, response: requests.Response) -> None:
        bound = self.max_pages or 1
        if self.count >= bound:  # count: the pages read, this one included
            raise PaginationError(
                f"The list {endpoint_of(response)} did not end after {bound} pages, the most "
                "its own reported size allows (plus a margin); the tap stopped instead of "
                "reading on. The API may be ignoring the page parameter."
            )

    def has_more(self, response: requests.Response) -> bool:
        """Decide from the response whether another page should be requested."""
        if response.status_code == 404:
            return False
        body = read_body(response)
        items = data_items(body)
        self._observe_counts(response, body, items)
        if not items:
            return False
        if self._repeats_previous_page(items):
            LOGGER.warning(
                "The API answered page %s with the same items as the page before; "
                "treating it as the end of the list.",
                self.current_value,
            )
            return False
        more = self._signals_more(body, items)
        if more:
            self._check_limit(response)
        return more

    def _signals_more(self, body: Any, items: list[Any]) -> bool:
        raise NotImplementedError


class PagePaginator(_GuardedPaginator):
    """Page-number pagination (styles P1, P1', P2, P3 and P5) reading the API's end signals."""

    def __init__(self, page_size: int, max_pages: int | None = None) -> None:
        super().__init__(1, page_size, max_pages)

    def _signals_more(self, body: Any, items: list[Any]) -> bool:
        links = links_of(body)
        if links is not None and "next" in links:
            return bool(links["next"])
        meta = meta_of(body)
        current = _as_int(meta.get("current_page")) or self.current_value
        for last_key in ("last_page", "total_pages"):
            last = _as_int(meta.get(last_key))
            if last is not None:
                return current < last
        total = _as_int(meta.get("total"))
        per_page = _as_int(meta.get("per_page"))
        if total is not None and per_page:
            return current * per_page < total
        # No usable meta: a page shorter than the page size is the last one (catalog A06:
        # trust the server's own per_page over the size we asked for).
        return len(items) >= (per_page or self.page_size)

    def get_next(self, response: requests.Response) -> int | None:
        """Next page number: the one named by ``links.next`` when present, else current + 1."""
        links = links_of(read_body(response))
        next_url = links.get("next") if links else None
        if next_url:
            page = _as_int(parse_qs(urlsplit(str(next_url)).query).get("page", [None])[0])
            if page is not None and page > self.current_value:
                return page
        return self.current_value + 1


class OffsetPaginator(_GuardedPaginator):
    """``limit``/``offset`` pagination (style P4): the token is the offset."""

    def __init__(self, page_size: int, max_pages: int | None = None) -> None:
        super().__init__(0, page_size, max_pages)

    def _signals_more(self, body: Any, items: list[Any]) -> bool:
        meta = meta_of(body)
        total = _as_int(meta.get("total"))
        if total is not None:
            return self.current_value + len(items) < total
        for last_key in ("last_page", "total_pages"):
            last = _as_int(meta.get(last_key))
            current = _as_int(meta.get("current_page"))
            if last is not None and current is not None:
                return current < last
        return len(items) >= self.page_size

    def get_next(self, response: requests.Response) -> int | None:
        """Next offset: past the items this page returned."""
        return self.current_value + len(data_items(read_body(response)))


def paginator_for(style: PageStyle, page_size: int) -> BaseAPIPaginator[Any] | None:
    """Return a fresh paginator for ``style``, or None when the endpoint is not paginated."""
    if style.page_param is None:
        return None
    if style.offset:
        return OffsetPaginator(page_size)
    return PagePaginator(page_size)

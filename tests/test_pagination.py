"""Unit tests for every pagination style and end-of-list signal (catalog 1.5, 3.3, A06, A09, A34)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tap_pixieset.pagination import (
    LIMIT_OFFSET,
    MAX_LIST_ITEMS,
    PAGE_ONLY,
    PAGE_SIZE,
    PAGE_SIZE_CAMEL,
    PER_PAGE,
    UNPAGINATED,
    OffsetPaginator,
    PagePaginator,
    PaginationError,
    page_bound,
    page_ceiling,
    paginator_for,
)


def response(
    body: Any = None, status: int = 200, url: str = "https://studio.example/api/v1/x"
) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = b"" if body is None else json.dumps(body).encode()
    resp.url = url
    resp.request = requests.Request("GET", url).prepare()
    return resp


def items(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"cl_{i}"} for i in range(start, start + n)]


def pages_requested(paginator, bodies) -> list[Any]:
    """Drive a paginator over a sequence of responses; return the tokens it asked for."""
    asked = [paginator.current_value]
    for body in bodies:
        paginator.advance(body)
        if paginator.finished:
            break
        asked.append(paginator.current_value)
    return asked


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (PER_PAGE, {"page": 1, "per_page": 100}),
        (PAGE_ONLY, {"page": 1}),
        (PAGE_SIZE, {"page": 1, "page_size": 100}),
        (PAGE_SIZE_CAMEL, {"page": 1, "pageSize": 100}),
        (LIMIT_OFFSET, {"offset": 0, "limit": 100}),
        (UNPAGINATED, {}),
    ],
)
def test_each_style_sends_its_own_parameter_names(style, expected):
    assert style.first_params(100) == expected


def test_page_styles_number_pages_and_offset_style_counts_items():
    assert PER_PAGE.params_for(3, 50) == {"page": 3, "per_page": 50}
    assert LIMIT_OFFSET.params_for(200, 100) == {"offset": 200, "limit": 100}
    assert paginator_for(UNPAGINATED, 100) is None
    assert isinstance(paginator_for(PAGE_SIZE, 100), PagePaginator)
    assert isinstance(paginator_for(LIMIT_OFFSET, 100), OffsetPaginator)


def test_links_next_null_stops_even_when_meta_says_more():
    pag = PagePaginator(2)
    body = {"data": items(2), "meta": {"current_page": 1, "last_page": 5}, "links": {"next": None}}
    assert pages_requested(pag, [response(body)]) == [1]


def test_links_next_page_number_is_followed():
    pag = PagePaginator(2)
    first = {"data": items(2), "links": {"next": "https://studio.example/api/v1/coupons?page=2"}}
    last = {"data": items(1, 2), "links": {"next": None}}
    assert pages_requested(pag, [response(first), response(last)]) == [1, 2]


def test_last_page_decides():
    pag = PagePaginator(2)
    bodies = [
        response({"data": items(2, 2 * p), "meta": {"current_page": p + 1, "last_page": 3}})
        for p in range(3)
    ]
    assert pages_requested(pag, bodies) == [1, 2, 3]


def test_total_pages_decides_on_gallery_meta():
    pag = PagePaginator(2)
    bodies = [
        response({"data": items(2, 2 * p), "meta": {"current_page": p + 1, "total_pages": 2}})
        for p in range(2)
    ]
    assert pages_requested(pag, bodies) == [1, 2]


def test_total_and_per_page_decide_when_last_page_is_missing():
    # Invoices and payments: meta has current_page, per_page and total only (A09).
    pag = PagePaginator(100)
    bodies = [
        response({"data": items(100), "meta": {"current_page": 1, "per_page": 100, "total": 150}}),
        response(
            {"data": items(50, 100), "meta": {"current_page": 2, "per_page": 100, "total": 150}}
        ),
    ]
    assert pages_requested(pag, bodies) == [1, 2]


def test_exact_multiple_of_page_size_needs_no_extra_request_with_total():
    pag = PagePaginator(100)
    body = {"data": items(100), "meta": {"current_page": 1, "per_page": 100, "total": 100}}
    assert pages_requested(pag, [response(body)]) == [1]


def test_no_meta_short_page_is_the_last():
    pag = PagePaginator(100)
    bodies = [response({"data": items(100)}), response({"data": items(7, 100)})]
    assert pages_requested(pag, bodies) == [1, 2]


def test_partial_meta_server_per_page_beats_requested_size():
    # Client documents: the server ignores the size we ask for and pages by 25 (A06).
    pag = PagePaginator(100)
    bodies = [
        response({"data": items(25), "meta": {"current_page": 1, "per_page": 25}}),
        response({"data": items(5, 25), "meta": {"current_page": 2, "per_page": 25}}),
    ]
    assert pages_requested(pag, bodies) == [1, 2]


def test_coupon_activity_meta_without_total_or_last_page():
    pag = PagePaginator(2)
    meta = {"current_page": 1, "total_usage": 3, "total_discount_given": 1500}
    bodies = [
        response({"data": items(2), "meta": meta}),
        response({"data": items(1, 2), "meta": {**meta, "current_page": 2}}),
    ]
    assert pages_requested(pag, bodies) == [1, 2]


def test_empty_page_stops():
    pag = PagePaginator(2)
    bodies = [response({"data": items(2)}), response({"data": [], "meta": {"current_page": 2}})]
    assert pages_requested(pag, bodies) == [1, 2]
    assert pag.finished


def test_404_past_the_end_stops():
    pag = PagePaginator(2)
    bodies = [
        response({"data": items(2)}),
        response({"error": {"code": "resource_not_found"}}, status=404),
    ]
    assert pages_requested(pag, bodies) == [1, 2]
    assert pag.finished


def test_a_page_repeating_the_previous_one_stops_instead_of_looping():
    # An endpoint that ignores `page` answers the same full page forever.
    pag = PagePaginator(2)
    same = {"data": items(2)}
    assert pages_requested(pag, [response(same)] * 50) == [1, 2]


def test_endless_distinct_pages_hit_the_hard_limit():
    pag = PagePaginator(2, max_pages=10)
    with pytest.raises(PaginationError, match="did not end after 10 pages"):
        pages_requested(pag, [response({"data": items(2, 2 * p)}) for p in range(50)])


def test_bare_array_without_envelope():
    # Some Gallery sub-resources answer with a plain array.
    pag = PagePaginator(3)
    assert pages_requested(pag, [response([{"id": 1}, {"id": 2}])]) == [1]


def test_offset_paginator_uses_total_and_item_count():
    pag = OffsetPaginator(30)
    bodies = [
        response({"data": items(30), "meta": {"total": 70}}),
        response({"data": items(30, 30), "meta": {"total": 70}}),
        response({"data": items(10, 60), "meta": {"total": 70}}),
    ]
    assert pages_requested(pag, bodies) == [0, 30, 60]


def test_offset_paginator_server_cap_advances_by_items_received():
    # The server returns 20 where 30 were asked: the next offset is 20, not 30.
    pag = OffsetPaginator(30)
    bodies = [
        response({"data": items(20), "meta": {"total": 25}}),
        response({"data": items(5, 20), "meta": {"total": 25}}),
    ]
    assert pages_requested(pag, bodies) == [0, 20]


def test_offset_paginator_without_meta_stops_on_short_page():
    pag = OffsetPaginator(30)
    assert pages_requested(
        pag, [response({"data": items(30)}), response({"data": items(3, 30)})]
    ) == [0, 30]


# -- the list bound: from the list's own reported size ------------------------------------------


def _endless(meta_of_page) -> list[requests.Response]:
    return [
        response({"data": items(2, 2 * p), "meta": {"current_page": p, **meta_of_page(p)}})
        for p in range(1, 200)
    ]


def test_a_list_promising_one_more_page_forever_ends_at_its_first_report_plus_margin():
    pag = PagePaginator(2)
    with pytest.raises(PaginationError, match="did not end after 7 pages") as error:
        asked = []
        for body in _endless(lambda p: {"last_page": p + 1}):
            asked.append(pag.current_value)
            pag.advance(body)
    assert asked == [1, 2, 3, 4, 5, 6, 7]
    assert "/api/v1/x" in str(error.value)
    assert pag.max_pages == page_bound(2, 2) == 7


def test_a_growing_total_does_not_move_the_bound():
    pag = PagePaginator(2)
    with pytest.raises(PaginationError):
        pages_requested(pag, _endless(lambda p: {"total": 10 * p, "per_page": 2}))
    assert pag.max_pages == 5 + 5 + 1  # 10 items at 2 a page, then the margin


def test_a_list_reporting_more_than_any_account_has_is_refused_at_its_first_page():
    pag = PagePaginator(100)
    with pytest.raises(PaginationError, match="reports 1000000000 pages"):
        pages_requested(pag, _endless(lambda p: {"last_page": 10**9}))
    assert pag.count == 1


def test_a_list_without_a_size_is_bounded_by_the_item_ceiling():
    pag = PagePaginator(100)
    pag.advance(response({"data": items(100)}))
    assert pag.max_pages == page_ceiling(100) == MAX_LIST_ITEMS // 100


def test_the_bound_uses_the_page_size_the_server_used():
    # Asked for 30, served 10 a page, 100 in all: 10 pages, not 4.
    pag = OffsetPaginator(30)
    pag.advance(response({"data": items(10), "meta": {"total": 100}}))
    assert pag.max_pages == page_bound(10, 30)

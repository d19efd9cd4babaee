"""Page drift, unit by unit: when the tap trusts a read of a list, when it reads it again,
and how it drops the records it has already emitted.

Each test scripts the pages a list answers, in order, and lets the stream page through
them with the SDK's own loop. The end-to-end proof against the simulator's drift is in
test_faults.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tap_pixieset.list_reader import MAX_LIST_READS
from tap_pixieset.pagination import PagePaginator
from tap_pixieset.tap import TapPixieset


def page(
    ids: list[str], *, total: int | None = None, per_page: int = 3, status: int = 200
) -> tuple[int, Any]:
    meta: dict[str, Any] = {"per_page": per_page}
    if total is not None:
        meta["total"] = total
    return status, {"data": [{"id": i} for i in ids], "meta": meta}


class ScriptedList:
    """Answers the stream's requests with scripted pages, in order, and records the pages asked."""

    def __init__(self, answers: list[tuple[int, Any]]) -> None:
        self.answers = list(answers)
        self.asked: list[int] = []

    def __call__(self, prepared: requests.PreparedRequest, context: Any) -> requests.Response:
        self.asked.append(int(parse_qs(urlsplit(prepared.url).query)["page"][0]))
        status, body = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.url = prepared.url
        response.request = prepared
        return response


def read(answers: list[tuple[int, Any]], stream_name: str = "clients", context: dict | None = None):
    tap = TapPixieset(
        config={
            "studio_cookie": "session=abcdefgh",
            "page_size": 3,
            "studio_base_url": "https://studio.example/api/v1",
        },
        validate_config=False,
        setup_mapper=False,
    )
    stream = tap.streams[stream_name]
    script = ScriptedList(answers)
    stream._request = script  # the SDK's loop calls it through request_decorator
    ids = [record["id"] for record in stream.request_records(context)]
    return ids, script, tap


# -- lists that report their size ---------------------------------------------------------


def test_a_list_that_holds_still_is_read_once():
    ids, script, tap = read(
        [page(["a", "b", "c"], total=7), page(["d", "e", "f"], total=7), page(["g"], total=7)]
    )
    assert ids == list("abcdefg")
    assert script.asked == [1, 2, 3]
    assert not tap.list_rereads


def test_a_deletion_seen_in_the_counts_makes_the_tap_read_again_and_find_the_hidden_record():
    # "a" is deleted after page 1 was read: "d" slides onto page 1, and page 2 starts at "e".
    ids, script, tap = read(
        [
            page(["a", "b", "c"], total=7),
            page(["e", "f", "g"], total=6),
            page(["b", "c", "d"], total=6),
            page(["e", "f", "g"], total=6),
        ]
    )
    assert sorted(ids) == list("abcdefg")  # "d" found on the second read, nothing twice
    assert script.asked == [1, 2, 1, 2]
    assert tap.list_rereads["clients"] == 1
    # b, c, e, f, g came again in the second read, as expected: none came twice in one read.
    assert not tap.duplicates_dropped


def test_a_list_that_ends_before_its_counts_said_is_read_again():
    # Counts promised 3 pages; page 3 answered 404 because the list shrank.
    ids, script, tap = read(
        [
            page(["a", "b", "c"], total=7),
            page(["e", "f", "g"], total=7),
            (404, {"error": "gone"}),
            page(["b", "c", "e"], total=6),
            page(["f", "g", "h"], total=6),
        ],
        stream_name="invoices",
    )
    assert sorted(ids) == list("abcefgh")
    assert script.asked == [1, 2, 3, 1, 2]
    assert tap.list_rereads["invoices"] == 1


def test_an_insert_makes_the_tap_read_again_and_emit_nothing_twice():
    # "n" is inserted at the head after page 1: "c" is served again at the top of page 2.
    ids, script, tap = read(
        [
            page(["a", "b", "c"], total=6),
            page(["c", "d", "e"], total=7),
            page(["f"], total=7),
            page(["n", "a", "b"], total=7),
            page(["c", "d", "e"], total=7),
            page(["f"], total=7),
        ]
    )
    assert ids == ["a", "b", "c", "d", "e", "f", "n"]
    assert script.asked == [1, 2, 3, 1, 2, 3]
    assert tap.duplicates_dropped["clients"] == 1  # "c", twice in the first read


def test_a_repeat_is_a_change_even_when_the_counts_balance_out():
    # After page 1, "n" is inserted at the head and "e" deleted: the size stays 6, but "c"
    # comes again, so the tap knows the list moved and reads it again to find "n".
    ids, script, tap = read(
        [
            page(["a", "b", "c"], total=6),
            page(["c", "d", "f"], total=6),
            page(["n", "a", "b"], total=6),
            page(["c", "d", "f"], total=6),
        ]
    )
    assert ids == ["a", "b", "c", "d", "f", "n"]
    assert script.asked == [1, 2, 1, 2]
    assert tap.list_rereads["clients"] == 1


def test_a_list_that_never_holds_still_is_read_at_most_a_bounded_number_of_times(caplog):
    answers = []
    for n in range(MAX_LIST_READS):
        answers += [page([f"x{n}", "a", "b"], total=5), page(["c", "d"], total=6)]
    with caplog.at_level(logging.WARNING):
        ids, script, _ = read(answers)
    assert len(script.asked) == 2 * MAX_LIST_READS
    assert {"a", "b", "c", "d"} <= set(ids)
    assert any("kept changing" in record.message for record in caplog.records)


# -- lists that report no size ------------------------------------------------------------


def test_a_single_page_without_counts_is_trusted():
    ids, script, _ = read(
        [page(["a", "b"])], stream_name="client_documents", context={"client_id": "cl_1"}
    )
    assert ids == ["a", "b"]
    assert script.asked == [1]


def test_several_pages_without_counts_are_confirmed_by_a_second_read():
    pages = [page(["a", "b", "c"]), page(["d"])]
    ids, script, tap = read(
        pages * 2, stream_name="client_documents", context={"client_id": "cl_1"}
    )
    assert ids == ["a", "b", "c", "d"]
    assert script.asked == [1, 2, 1, 2]
    # The confirming read is routine: not a list that changed, and its records are no repeats.
    assert tap.list_confirmations["client_documents"] == 1
    assert not tap.list_rereads and not tap.duplicates_dropped


def test_a_second_read_that_differs_asks_for_a_third():
    # A deletion during the first read hid "d"; the second read finds it; the third agrees.
    ids, script, _ = read(
        [
            page(["a", "b", "c"]),
            page(["e"]),
            page(["b", "c", "d"]),
            page(["e"]),
            page(["b", "c", "d"]),
            page(["e"]),
        ],
        stream_name="client_documents",
        context={"client_id": "cl_1"},
    )
    assert sorted(ids) == list("abcde")
    assert script.asked == [1, 2, 1, 2, 1, 2]


# -- the keys used to drop repeats --------------------------------------------------------


@pytest.fixture
def tap():
    return TapPixieset(
        config={"studio_cookie": "session=abcdefgh"}, validate_config=False, setup_mapper=False
    )


def test_dedupe_keys_take_missing_parent_ids_from_the_context(tap):
    documents = tap.streams["client_documents"]
    assert documents.dedupe_key({"id": "co_1"}, {"client_id": "cl_9"}) == documents.dedupe_key(
        {"id": "co_1", "client_id": "cl_9"}, None
    )
    assert documents.dedupe_key({"id": "co_1"}, {"client_id": "cl_8"}) != documents.dedupe_key(
        {"id": "co_1"}, {"client_id": "cl_9"}
    )


def test_numeric_and_text_ids_are_the_same_key(tap):
    clients = tap.streams["clients"]
    assert clients.dedupe_key({"id": 90516387}, None) == clients.dedupe_key(
        {"id": "90516387"}, None
    )


def test_items_without_a_readable_key_are_told_apart_by_their_content(tap):
    clients = tap.streams["clients"]
    same = clients.dedupe_key({"name": "x", "n": 1}, None)
    assert same == clients.dedupe_key({"n": 1, "name": "x"}, None)
    assert same != clients.dedupe_key({"name": "x", "n": 2}, None)


# -- the paginator's record of the counts ---------------------------------------------------


def test_the_paginator_records_each_pages_counts():
    paginator = PagePaginator(3)
    for status, body in [page(["a", "b", "c"], total=7), page(["d", "e", "f"], total=6)]:
        response = requests.Response()
        response.status_code, response._content = status, json.dumps(body).encode()
        paginator.advance(response)
    assert paginator.counted
    assert paginator.count_changed
    assert paginator.count_signatures == [(7, None, None), (6, None, None)]

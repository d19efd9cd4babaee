"""What the tap writes: Singer lines, undeclared fields, and how much it logs per parent."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from harness import run_tap
from singer_sdk.singerlib.messages import RecordMessage, StateMessage

from tap_pixieset.writer import BufferedJsonWriter, NonFiniteOutputError, encode_message


class _CountingStdout(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def test_writer_flushes_at_state_not_at_every_record(monkeypatch):
    out = _CountingStdout()
    monkeypatch.setattr("sys.stdout", out)
    writer = BufferedJsonWriter()
    for n in range(50):
        writer.write_message(
            RecordMessage(stream="clients", record={"id": f"cl_{n}", "name": "Zoë"})
        )
    assert out.flushes == 0
    writer.write_message(StateMessage(value={"bookmarks": {}}))
    assert out.flushes == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == 51
    first = json.loads(lines[0])
    assert first["type"] == "RECORD" and first["record"] == {"id": "cl_0", "name": "Zoë"}


def test_writer_writes_utf8_bytes_whatever_the_locale(monkeypatch):
    raw = io.BytesIO()
    # A text layer in another encoding: the writer must not go through it.
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(raw, encoding="latin-1"))
    writer = BufferedJsonWriter()
    writer.write_message(
        RecordMessage(stream="clients", record={"id": "cl_1", "name": "さくら Zoë"})
    )
    writer.write_message(StateMessage(value={"bookmarks": {}}))
    record, state = raw.getvalue().decode("utf-8").splitlines()
    assert json.loads(record)["record"]["name"] == "さくら Zoë"
    assert json.loads(state) == {"type": "STATE", "value": {"bookmarks": {}}}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_writer_refuses_non_finite_numbers(monkeypatch, value):
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    record = {"id": "in_1", "line_items": [{"tax_rate": value}]}
    with pytest.raises(NonFiniteOutputError, match="stream 'invoices'"):
        BufferedJsonWriter().write_message(RecordMessage(stream="invoices", record=record))
    assert out.getvalue() == ""


def test_writer_keeps_values_that_only_look_non_finite_to_its_quick_check():
    # Bytes a MessagePack float64 NaN would start with, inside a string and an integer.
    tricky = {
        "text": "\u02ff\uffff NaN Infinity",
        "big": int.from_bytes(b"\xcb\x7f\xf8\x00\x00\x00\x00\x00", "big"),
        "rate": 1e308,
        "small": -2.5e-308,
    }
    line = encode_message({"type": "RECORD", "stream": "s", "record": tricky})
    assert json.loads(line)["record"] == tricky


def test_undeclared_fields_land_in_their_own_column_and_are_reported_once(sim, caplog):
    caplog.set_level(logging.INFO)
    result = run_tap(sim.tap_config(), streams={"clients"})
    clients = result.records["clients"]
    assert clients
    assert all("tags" not in record for record in clients)
    by_id = {c["id"]: c for c in sim.dataset.tables["clients"]}
    for record in clients:
        extra = record["undeclared_fields"]
        # Exactly what the API sent beyond the schema, values untouched.
        assert extra == {k: v for k, v in by_id[record["id"]].items() if k in extra}
        assert {"tags", "source"} <= set(extra)
    reports = [line for line in caplog.messages if line.startswith("Schema drift in stream")]
    assert len(reports) == 1
    assert "'clients'" in reports[0]
    assert "tags" in reports[0] and "source" in reports[0]
    assert "undeclared_fields" in result.schemas["clients"]["schema"]["properties"]


def test_undeclared_fields_stay_in_payload_where_a_stream_captures_it(sim):
    result = run_tap(sim.tap_config(), streams={"session_types"})
    for record in result.records["session_types"]:
        assert "buffer_before_minutes" not in record
        assert "buffer_before_minutes" in record["payload"]
        assert "buffer_before_minutes" in record["undeclared_fields"]


def test_a_record_without_undeclared_fields_has_a_null_column(sim):
    result = run_tap(sim.tap_config(), streams={"currencies"})
    assert result.records["currencies"]
    assert all(r["undeclared_fields"] is None for r in result.records["currencies"])


def test_child_streams_log_a_constant_number_of_metric_lines(sim, caplog):
    # client_documents is synced once per client; its metrics are reported once per run.
    # (METRIC lines are shown when the tap logs at DEBUG: see test_logging.)
    caplog.set_level(logging.DEBUG)
    result = run_tap(sim.tap_config(), streams={"clients", "client_documents"})
    clients = len(result.records["clients"])
    assert clients >= 20
    metric_lines = [
        line
        for line in result.stderr.splitlines()
        if "METRIC" in line and '"stream":"client_documents"' in line
    ]
    kinds = {re.search(r'"metric":"(\w+)"', line).group(1) for line in metric_lines}
    assert kinds == {"record_count", "sync_duration", "http_request_count"}
    assert len(metric_lines) == 3
    counts = {
        re.search(r'"metric":"(\w+)"', line).group(1): json.loads(line.split("METRIC: ", 1)[1])[
            "value"
        ]
        for line in metric_lines
    }
    assert counts["record_count"] == len(result.records["client_documents"])
    assert counts["http_request_count"] >= clients
    summaries = [line for line in caplog.messages if line.startswith("Stream 'client")]
    assert f"Stream 'clients': {clients} record(s), 1 request(s)." in summaries
    assert any(line.startswith("Stream 'client_documents': ") for line in summaries)

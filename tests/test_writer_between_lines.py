"""A signal's STATE never lands inside a line being written (writer.between_lines)."""

from __future__ import annotations

import io
import json
import sys

from singer_sdk.singerlib.messages import RecordMessage, StateMessage

from tap_pixieset.writer import BufferedJsonWriter


class _InterruptedPipe(io.BytesIO):
    """A pipe whose first write is 'interrupted by a signal' halfway through."""

    def __init__(self, writer: BufferedJsonWriter) -> None:
        super().__init__()
        self.writer = writer
        self.fired = False

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.fired:
            return super().write(data)
        self.fired = True
        half = len(data) // 2
        super().write(data[:half])
        # The handler runs here, as CPython runs it when a blocked write returns EINTR.
        self.writer.between_lines(
            lambda: self.writer.write_message(StateMessage(value={"bookmarks": {"x": {}}}))
        )
        return half + super().write(data[half:])


def test_a_state_written_by_a_signal_handler_follows_the_line_being_written(monkeypatch):
    writer = BufferedJsonWriter()
    pipe = _InterruptedPipe(writer)
    stdout = io.TextIOWrapper(pipe, encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stdout)
    writer.write_message(RecordMessage(stream="clients", record={"id": "cl_1", "name": "Ann"}))
    lines = pipe.getvalue().decode("utf-8").splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["RECORD", "STATE"]
    assert json.loads(lines[0])["record"] == {"id": "cl_1", "name": "Ann"}


def test_between_lines_runs_at_once_when_no_line_is_being_written():
    writer = BufferedJsonWriter()
    ran: list[bool] = []
    writer.between_lines(lambda: ran.append(True))
    assert ran == [True]

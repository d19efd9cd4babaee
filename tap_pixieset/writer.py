"""A leaner Singer message writer: msgspec encoding, strict JSON, flushed at each STATE.

The SDK's default writer encodes each message with simplejson's pure-Python path and
flushes stdout after every message: one system call per record. This one encodes with
msgspec (the encoder behind the SDK's own ``MsgSpecWriter``, several times faster than the
standard library's C encoder) and flushes stdout with each STATE message instead. A STATE
still reaches the target only after every record before it, which is all the Singer
protocol needs; records buffered when the tap dies had no STATE after them, so a rerun
sends them again. Output is UTF-8, as JSON is defined, written to the binary stdout.

Output is strict JSON: a non-finite number (``NaN``, ``Infinity``) is refused with one line
that names the stream. Bodies are parsed strictly (see envelope), so this guards what the
tap computes itself. msgspec alone would write such a number as ``null``, silently changing
a value, so each message is also encoded as MessagePack (cheap) and searched for a
non-finite float64: the marker ``0xcb`` then ``7f f`` or ``ff f``. Only when that pattern
turns up (it can also occur inside a string or an integer) does the standard library's
strict encoder decide.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

import msgspec
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.singerlib.encoding.simple import SimpleSingerWriter
from singer_sdk.singerlib.messages import Message, SingerMessageType

_JSON = msgspec.json.Encoder(enc_hook=str)
_PACK = msgspec.msgpack.Encoder(enc_hook=str)
#: A MessagePack float64 whose exponent bits are all ones: NaN, +Infinity or -Infinity.
_NON_FINITE_FLOAT = re.compile(rb"\xcb[\x7f\xff][\xf0-\xff]")
_STRICT = json.JSONEncoder(allow_nan=False, default=str)


class NonFiniteOutputError(FatalAPIError):
    """A message held NaN or Infinity, which strict JSON cannot carry."""


def encode_message(message: dict[str, Any]) -> bytes:
    """One compact, strict JSON line of a message's dict, with its newline."""
    if _NON_FINITE_FLOAT.search(_PACK.encode(message)):
        try:
            _STRICT.encode(message)
        except ValueError:
            stream = message.get("stream")
            where = f"stream '{stream}'" if stream else f"a {message.get('type')} message"
            raise NonFiniteOutputError(
                f"A value in {where} is NaN or Infinity, which JSON cannot carry; the tap "
                "stopped instead of writing an invalid line."
            ) from None
    return _JSON.encode(message) + b"\n"


def encode(message: Message) -> str:
    """One compact, strict JSON line (without the newline)."""
    return encode_message(message.to_dict())[:-1].decode("utf-8")


class BufferedJsonWriter(SimpleSingerWriter):
    """Writes Singer messages encoded by msgspec, flushing at each STATE.

    A signal can arrive while a line is being written (a write to a full pipe is where a
    slow loader makes the tap wait). What the signal handler writes must not land inside
    that line, so it hands its work to :meth:`between_lines`, which runs it at once or, when
    a line is being written, right after that line is whole.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writing = False
        self._after_line: Callable[[], None] | None = None

    def between_lines(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or just after the line being written, never inside one."""
        if self._writing:
            self._after_line = action
            return
        action()

    def serialize_message(self, message: Message) -> str:
        """One compact JSON line (without the newline)."""
        return encode(message)

    def write_message(self, message: Message) -> None:
        """Write a message; flush only when it is a STATE (or anything but a RECORD)."""
        line = encode_message(message.to_dict())
        out = sys.stdout
        buffer = getattr(out, "buffer", None)
        self._writing = True
        try:
            if buffer is not None:
                buffer.write(line)
            else:  # a text stream without bytes underneath (tests capture stdout this way)
                out.write(line.decode("utf-8"))
            if message.type != SingerMessageType.RECORD:
                out.flush()
        finally:
            self._writing = False
        action, self._after_line = self._after_line, None
        if action is not None:
            action()

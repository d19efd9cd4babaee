"""A leaner Singer message writer.

The SDK's writer encodes each message with simplejson's pure-Python path and flushes stdout
after every message: one system call per record. Records here hold only JSON values (they
come from JSON and are coerced by RecordShaper), so the standard library's C encoder can
write them, and stdout is flushed with each STATE message instead. A STATE still reaches the
target only after every record before it, which is all the Singer protocol needs; records
buffered when the tap dies had no STATE after them, so a rerun sends them again.

Output is strict JSON: a non-finite number (``NaN``, ``Infinity``) is refused with one line
that names the stream, instead of being written as a literal no JSON parser accepts.
Bodies are parsed strictly (see envelope), so this guards what the tap computes itself.
"""

from __future__ import annotations

import json
import sys

from singer_sdk.exceptions import FatalAPIError
from singer_sdk.singerlib.encoding.simple import SimpleSingerWriter
from singer_sdk.singerlib.messages import Message, SingerMessageType

_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str, allow_nan=False)


class NonFiniteOutputError(FatalAPIError):
    """A message held NaN or Infinity, which strict JSON cannot carry."""


def encode(message: Message) -> str:
    """One compact, strict JSON line (without the newline)."""
    try:
        return _ENCODER.encode(message.to_dict())
    except ValueError:
        stream = getattr(message, "stream", None)
        where = f"stream '{stream}'" if stream else f"a {message.type} message"
        raise NonFiniteOutputError(
            f"A value in {where} is NaN or Infinity, which JSON cannot carry; the tap "
            "stopped instead of writing an invalid line."
        ) from None


class BufferedJsonWriter(SimpleSingerWriter):
    """Writes Singer messages with the C JSON encoder, flushing at each STATE."""

    def serialize_message(self, message: Message) -> str:
        """One compact JSON line (without the newline)."""
        return encode(message)

    def write_message(self, message: Message) -> None:
        """Write a message; flush only when it is a STATE (or anything but a RECORD)."""
        sys.stdout.write(encode(message) + "\n")
        if message.type != SingerMessageType.RECORD:
            sys.stdout.flush()

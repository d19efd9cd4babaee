"""A leaner Singer message writer.

The SDK's writer encodes each message with simplejson's pure-Python path and flushes stdout
after every message: one system call per record. Records here hold only JSON values (they
come from JSON and are coerced by RecordShaper), so the standard library's C encoder can
write them, and stdout is flushed with each STATE message instead. A STATE still reaches the
target only after every record before it, which is all the Singer protocol needs; records
buffered when the tap dies had no STATE after them, so a rerun sends them again.
"""

from __future__ import annotations

import json
import sys

from singer_sdk.singerlib.encoding.simple import SimpleSingerWriter
from singer_sdk.singerlib.messages import Message, SingerMessageType

_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)


class BufferedJsonWriter(SimpleSingerWriter):
    """Writes Singer messages with the C JSON encoder, flushing at each STATE."""

    def serialize_message(self, message: Message) -> str:
        """One compact JSON line (without the newline)."""
        return _ENCODER.encode(message.to_dict())

    def write_message(self, message: Message) -> None:
        """Write a message; flush only when it is a STATE (or anything but a RECORD)."""
        sys.stdout.write(_ENCODER.encode(message.to_dict()) + "\n")
        if message.type != SingerMessageType.RECORD:
            sys.stdout.flush()

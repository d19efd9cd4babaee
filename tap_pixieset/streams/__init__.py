"""Every stream of the tap: one small class per endpoint, by API."""

from __future__ import annotations

from tap_pixieset.streams.gallery import GALLERY_STREAMS
from tap_pixieset.streams.studio import STUDIO_STREAMS

STREAM_TYPES = [*STUDIO_STREAMS, *GALLERY_STREAMS]

__all__ = ["STREAM_TYPES"]

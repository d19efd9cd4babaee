"""Every stream of the tap: one small class per endpoint, by API."""

from __future__ import annotations

from tap_pixieset.streams.gallery import GALLERY_STREAMS
from tap_pixieset.streams.studio import STUDIO_STREAMS
from tap_pixieset.streams.studio_engagement import STUDIO_ENGAGEMENT_STREAMS
from tap_pixieset.streams.studio_finance import STUDIO_FINANCE_STREAMS
from tap_pixieset.streams.studio_scheduling import STUDIO_SCHEDULING_STREAMS
from tap_pixieset.streams.studio_templates import STUDIO_TEMPLATE_STREAMS

STREAM_TYPES = [
    *STUDIO_STREAMS,
    *STUDIO_FINANCE_STREAMS,
    *STUDIO_ENGAGEMENT_STREAMS,
    *STUDIO_SCHEDULING_STREAMS,
    *STUDIO_TEMPLATE_STREAMS,
    *GALLERY_STREAMS,
]

__all__ = ["STREAM_TYPES"]

"""What the tap says once per run about streams: empty by configuration, and schema drift."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any


def announce_empty_streams(
    config: Mapping[str, Any], streams: Mapping[str, Any], logger: logging.Logger
) -> None:
    """At the start of a run: say why a selected stream will emit nothing, and what to set."""
    quotes = streams.get("quotes")
    if quotes is not None and quotes.selected and not config.get("enable_quotes_probe"):
        logger.warning(
            "Stream 'quotes' is selected but will be empty: its endpoint /quotes/ is undocumented "
            "and only read with `enable_quotes_probe: true`. Quotes are also in "
            "`client_documents` (ids starting qo_); deselect 'quotes' to silence this."
        )


def log_schema_drift(streams: Mapping[str, Any], logger: logging.Logger) -> None:
    """At the end of a run: one line per stream that received fields its schema lacks."""
    quiet = 0
    for stream in streams.values():
        shaper = getattr(stream, "shaper", None)
        line = shaper.drift_report() if shaper is not None else None
        if line:
            logger.info(line)
        elif stream.selected:
            quiet += 1
    if quiet:
        logger.info("Schema drift: no undeclared field in the other %d selected stream(s).", quiet)

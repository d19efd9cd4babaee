"""The plain loop of ``benchmarks/cpu_per_record.py``: lists in, RECORD lines out.

    python benchmarks/list_loop.py CONFIG_JSON STREAM [STREAM ...]

Pages each named top-level list at page size 100 with one ``requests`` session, parses
each page with ``json`` and writes one Singer RECORD line per item to stdout with
``json.dumps``: what any Singer tap must do for a list record, and nothing else (no
schema, no type coercion, no state). With no stream named it only starts up, so that its
start-up CPU can be subtracted.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import requests

from tap_pixieset.streams import STREAM_TYPES


def main() -> None:
    """Read the lists named on the command line and write their RECORD lines."""
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    wanted = set(sys.argv[2:])
    session = requests.Session()
    out = sys.stdout
    for stream_type in STREAM_TYPES:
        if stream_type.name not in wanted:
            continue
        style = stream_type.page_style
        api = stream_type.api
        url = config[f"{api}_base_url"].rstrip("/") + stream_type.path
        headers = {
            "Cookie": config[f"{api}_cookie"],
            "Accept": "application/json",
            "X-Requested-With": "XMLHttpRequest",
        }
        token = style.first_token()
        while True:
            params = {**dict(stream_type.query), **style.params_for(token, 100)}
            if stream_type.name == "clients":
                params["types"] = "client,lead,other"
            response = session.get(url, params=params, headers=headers, timeout=60)
            if response.status_code != 200:
                break
            items = response.json().get("data") or []
            extracted = datetime.now(timezone.utc).isoformat()
            for item in items:
                message = {
                    "type": "RECORD",
                    "stream": stream_type.name,
                    "record": item,
                    "time_extracted": extracted,
                }
                out.write(json.dumps(message) + "\n")
            if len(items) < 100:
                break
            token = token + (len(items) if style.offset else 1)
    out.flush()


if __name__ == "__main__":
    main()

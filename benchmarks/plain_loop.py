"""The lower bound for CPU per record: a plain sequential ``requests`` loop.

Two variants, each run by benchmarks/bench.py in its own process so that its CPU time is
measured apart from the simulator's:

    python benchmarks/plain_loop.py CONFIG_JSON              # every top-level list, page size 100
    python benchmarks/plain_loop.py CONFIG_JSON REPLAY_JSON  # exactly the requests a tap run made

The first reads every top-level paginated list once, parses the JSON and counts the items;
nothing else. The second replays the tap's own request log (the same URLs, details and
children included) the same way, which is the floor for the work the tap really has to do.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import requests

from tap_pixieset.streams import STREAM_TYPES


def replay(config: dict, requests_log: list) -> None:
    """GET each logged (api, path, query) once, parse it, count the items."""
    session = requests.Session()
    total = 0
    started = time.process_time()
    for api, path, query in requests_log:
        origin = config[f"{api}_base_url"].split("/api/")[0]
        headers = {
            "Cookie": config[f"{api}_cookie"],
            "Accept": "application/json",
            "X-Requested-With": "XMLHttpRequest",
        }
        response = session.get(origin + path, params=query, headers=headers, timeout=60)
        if response.status_code != 200:
            continue
        body = response.json()
        data = body.get("data") if isinstance(body, dict) else body
        total += len(data) if isinstance(data, list) else 1
    print(
        json.dumps(
            {"records": total, "requests": len(requests_log), "cpu": time.process_time() - started}
        )
    )


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    if len(sys.argv) > 2:
        replay(config, json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
        return
    total = 0
    requests_made = 0
    started = time.process_time()
    session = requests.Session()
    for stream_type in STREAM_TYPES:
        style = stream_type.page_style
        if (
            stream_type.parent_stream_type is not None
            or style.page_param is None
            or "{" in stream_type.path
        ):
            continue
        api = stream_type.api
        cookie = config.get(f"{api}_cookie")
        if not cookie:
            continue
        url = config[f"{api}_base_url"].rstrip("/") + stream_type.path
        headers = {
            "Cookie": cookie,
            "Accept": "application/json",
            "X-Requested-With": "XMLHttpRequest",
        }
        token = style.first_token()
        while True:
            params = {**dict(stream_type.query), **style.params_for(token, 100)}
            response = session.get(url, params=params, headers=headers, timeout=60)
            requests_made += 1
            if response.status_code == 404:
                break
            body = response.json()
            items = body.get("data", []) if isinstance(body, dict) else body
            total += len(items)
            if len(items) < 100 or not items:
                break
            token = token + (len(items) if style.offset else 1)
    print(
        json.dumps(
            {"records": total, "requests": requests_made, "cpu": time.process_time() - started}
        )
    )


if __name__ == "__main__":
    main()

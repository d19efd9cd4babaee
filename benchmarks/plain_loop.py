"""The lower bound for CPU per record: a plain sequential ``requests`` loop over the list endpoints.

Reads every top-level paginated list of the tap once, at page size 100, parses the JSON and
counts the items; nothing else. Run by benchmarks/bench.py in its own process so that its
CPU time is measured apart from the simulator's.

    python benchmarks/plain_loop.py CONFIG_JSON
"""

from __future__ import annotations

import json
import sys
import time

import requests

from tap_pixieset.streams import STREAM_TYPES


def main() -> None:
    config = json.loads(open(sys.argv[1], encoding="utf-8").read())
    total = 0
    requests_made = 0
    started = time.process_time()
    session = requests.Session()
    for stream_type in STREAM_TYPES:
        style = stream_type.page_style
        if stream_type.parent_stream_type is not None or style.page_param is None or "{" in stream_type.path:
            continue
        api = stream_type.api
        cookie = config.get(f"{api}_cookie")
        if not cookie:
            continue
        url = config[f"{api}_base_url"].rstrip("/") + stream_type.path
        headers = {"Cookie": cookie, "Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}
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
    print(json.dumps({"records": total, "requests": requests_made, "cpu": time.process_time() - started}))


if __name__ == "__main__":
    main()

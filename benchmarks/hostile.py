"""Figures for the hostile-server cases: exit code, seconds, peak memory, requests served.

    .venv/bin/python benchmarks/hostile.py
    .venv/bin/python benchmarks/hostile.py --python /other/.venv/bin/python --root /other

The second form runs another checkout of the tap (for a "before" column). Each case runs
the real command line against the loopback server of ``tests/test_hostile.py``; a case
still running at its time bound is killed and reported as such. Figures only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import test_hostile as h


def _case_bomb(server: h.Hostile) -> dict[str, Any]:
    bomb = gzip.compress(b"\0" * 2**20) * 2048  # 2 GiB inflated
    server.routes[f"{h.API}/session_types/"] = h.json_route(
        bomb, headers={"Content-Encoding": "gzip"}
    )
    return {"streams": {"session_types"}}


def _case_drip(server: h.Hostile) -> dict[str, Any]:
    server.routes[f"{h.API}/session_types/"] = h._drip_body
    return {"streams": {"session_types"}}


def _case_sigterm(server: h.Hostile) -> dict[str, Any]:
    server.routes[f"{h.API}/invoices/"] = h._invoices(30)
    busy = h.json_route({"error": "busy"}, 503, {"Retry-After": "15"})
    for n in range(30):
        server.routes[f"{h.API}/invoices/in_{n}"] = busy
    return {
        "streams": {"invoices", "invoice_details"},
        "config": {"max_retries": 5},
        "signal_when": lambda stderr: "Retrying" in stderr,
    }


def _case_one_more_page(server: h.Hostile) -> dict[str, Any]:
    server.routes[f"{h.API}/session_types/"] = h._paged(lambda page: {"last_page": page + 1})
    return {"streams": {"session_types"}}


def _case_nan(server: h.Hostile) -> dict[str, Any]:
    server.routes[f"{h.API}/session_types/"] = h.json_route(
        b'{"data": [{"id": "st_1", "duration": NaN}]}'
    )
    return {"streams": {"session_types"}}


def _case_deep(server: h.Hostile) -> dict[str, Any]:
    body = b'{"data": [{"id": "st_1", "location": ' + b'{"a": ' * 350 + b"1" + b"}" * 351 + b"]}"
    server.routes[f"{h.API}/session_types/"] = h.json_route(body)
    return {"streams": {"session_types"}}


def _case_redirect(server: h.Hostile) -> dict[str, Any]:
    server.routes[f"{h.API}/session_types/"] = h.json_route(
        b"", 302, {"Location": "http://192.0.2.1/api/v1/session_types/"}
    )
    return {"streams": {"session_types"}}


CASES: dict[str, Callable[[h.Hostile], dict[str, Any]]] = {
    "gzip bomb, 2 MB -> 2 GiB": _case_bomb,
    "body dripping 1 byte / 0.2 s": _case_drip,
    "SIGTERM, children on 503 Retry-After 15": _case_sigterm,
    "list always one more page": _case_one_more_page,
    "NaN in a record": _case_nan,
    "object nested 350 deep in a field": _case_deep,
    "redirect to http off loopback": _case_redirect,
}


def main() -> None:
    """Run every case (or those named) and print one row each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--root", default=str(h.ROOT))
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--skip", action="append", default=[], help="a case name prefix")
    options = parser.parse_args()
    h.TAP_PYTHON, h.TAP_ROOT = options.python, Path(options.root)
    print(f"{'case':42} {'exit':>5} {'seconds':>8} {'peak MB':>8} {'requests':>8}")
    for name, setup in CASES.items():
        if any(name.startswith(prefix) for prefix in options.skip):
            continue
        server = h.Hostile()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            spec = setup(server)
            with tempfile.TemporaryDirectory() as tmp:
                config = h.config_for(server, **spec.get("config", {}))
                try:
                    result = h.run(
                        Path(tmp),
                        config,
                        spec["streams"],
                        timeout=options.timeout,
                        signal_when=spec.get("signal_when"),
                        signum=signal.SIGTERM,
                    )
                except h.TimeBoundExceeded:
                    print(f"{name:42} {'killed':>5} {'>' + str(options.timeout):>8}")
                    continue
            after = "" if result.signalled_at is None else " (after the signal)"
            late = sum(1 for when, _ in server.requests if when > (result.signalled_at or 1e18))
            print(
                f"{name:42} {result.code:>5} {result.seconds:>8.1f} {result.rss_mb:>8.0f} "
                f"{len(server.requests):>8}{after}"
                + (f", {late} request(s) after the signal" if result.signalled_at else "")
            )
            first_error = next(iter(result.errors()), "")
            if first_error:
                print(f"    {json.dumps(first_error[:160])}")
            if "Traceback" in result.stderr:
                print(f"    a traceback of {result.stderr.count(chr(10))} stderr lines")
            if result.invalid:
                print(
                    f"    {len(result.invalid)} stdout line(s) not strict JSON: {result.invalid[0][:80]}"
                )
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()

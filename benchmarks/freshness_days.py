"""Three days of a busy studio in bounded-freshness mode: requests and wall time.

    .venv/bin/python benchmarks/freshness_days.py              # busy studio (slow: minutes)
    .venv/bin/python benchmarks/freshness_days.py --scale 0.1  # a tenth of it, as a smoke run
    .venv/bin/python benchmarks/freshness_days.py --latency-ms 50 --measure-latency

Day 1 is the first run (no state): a full refresh, the same requests as a sync with the
mode off. Day 2 is a quiet day: nothing changed. Day 3 is a typical day: about 1% of the
records changed (``pixieset_simulator.changes.change_day``). Between days the saved state
is aged by one day, as a daily schedule would. Every stream is selected.

Wall time is measured at 0 ms of latency. At 50 ms it is measured with
``--measure-latency``, else computed as the 0 ms wall time plus 50 ms per request divided
by ``max_concurrency`` for detail and child requests (list pages are read one after
another). At the default rate (4 requests per second per host, and one stream at a time)
it is computed as requests / 4 seconds, since the rate, not the server, sets the pace.
Figures only; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import catalog_file  # noqa: E402  (benchmarks/ is on the path as the script's folder)

from pixieset_simulator import Simulator  # noqa: E402
from pixieset_simulator.changes import busy_scale, busy_studio, change_day  # noqa: E402
from tap_pixieset.freshness import DAY_MS, STATE_KEY  # noqa: E402

PAGING = {"page", "per_page", "page_size", "limit", "offset"}


def run_day(
    sim: Simulator, config: dict[str, Any], catalog: str, state: dict[str, Any] | None
) -> tuple[dict[str, Any], float, int]:
    """One tap run in its own process: (final state, wall seconds, state bytes)."""
    sim.reset_log()
    files = []
    for content in (config, state):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(content or {}, handle)
        files.append(handle.name)
    args = [sys.executable, "-m", "tap_pixieset", "--config", files[0], "--catalog", catalog]
    if state is not None:
        args += ["--state", files[1]]
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    last_state = b"{}"
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b'{"type":"STATE"'):
            last_state = line
    status = proc.wait()
    wall = time.monotonic() - started
    for name in files:
        os.unlink(name)
    if status != 0:
        raise SystemExit(f"the tap failed (status {status})")
    value = json.loads(last_state).get("value", {})
    return value, wall, len(json.dumps(value["bookmarks"], separators=(",", ":")))


def aged(state: dict[str, Any]) -> dict[str, Any]:
    """The state as the next day's run sees it."""
    older = copy.deepcopy(state)
    for entry in older.get("bookmarks", {}).values():
        plan = entry.get(STATE_KEY) if isinstance(entry, dict) else None
        if plan:
            plan["marks"] = [mark - DAY_MS for mark in plan["marks"]]
    return older


def split(sim: Simulator) -> tuple[int, int, dict[str, int]]:
    """(list page requests, other requests, requests per API) of the last run."""
    pages = sum(1 for r in sim.requests if PAGING & set(r.query))
    per_api: dict[str, int] = {}
    for r in sim.requests:
        per_api[r.api] = per_api.get(r.api, 0) + 1
    return pages, len(sim.requests) - pages, per_api


def main() -> None:
    """Print the three days."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="times the busy studio")
    parser.add_argument("--days", type=int, default=10, help="freshness_days")
    parser.add_argument("--concurrency", type=int, default=4, help="max_concurrency")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--measure-latency", action="store_true")
    parser.add_argument("--changed", type=float, default=0.01, help="share changed on day 3")
    args = parser.parse_args()
    scale = busy_scale().times(args.scale) if args.scale != 1 else busy_scale()
    latency = args.latency_ms / 1000
    with Simulator(dataset=busy_studio(scale=scale)) as sim:
        config = sim.tap_config(
            bounded_freshness=True, freshness_days=args.days, max_concurrency=args.concurrency
        )
        catalog = catalog_file(config)
        records = sum(sim.dataset.expected_counts().values())
        rows = []
        state: dict[str, Any] | None = None
        changed = 0
        for label in ("full refresh (day 1)", "quiet day", "typical day"):
            if label == "typical day":
                changed = change_day(sim.dataset, random.Random(11), args.changed).count
            state, wall, state_bytes = run_day(
                sim, config, catalog, None if state is None else aged(state)
            )
            pages, others, per_api = split(sim)
            waiting = latency * (pages + others / args.concurrency)
            latency_wall = wall + waiting
            how = "computed"
            if args.measure_latency:
                sim.faults.latency = latency
                _, latency_wall, _ = run_day(
                    sim, config, catalog, None if label.startswith("full") else aged(state)
                )
                sim.faults.latency = 0
                how = "measured"
            rows.append(
                (label, pages + others, per_api, wall, latency_wall, how, waiting, state_bytes)
            )
        os.unlink(catalog)
    full = rows[0][1]
    print(
        f"# Bounded freshness, busy studio x{args.scale:g}: freshness_days={args.days}, "
        f"max_concurrency={args.concurrency}"
    )
    print(f"records in the dataset: {records}; records changed on the typical day: {changed}")
    print(
        f"| day | requests | share of full | Studio / Gallery | wall 0 ms | wall {args.latency_ms:g} ms "
        f"| of which {args.latency_ms:g} ms waits | wall at 4 req/s | state |"
    )
    print("|:--|--:|--:|--:|--:|--:|--:|--:|--:|")
    for label, total, per_api, wall, latency_wall, how, waiting, state_bytes in rows:
        paced = total / 4
        print(
            f"| {label} | {total:,} | {total / full:.1%} | {per_api.get('studio', 0):,} / "
            f"{per_api.get('gallery', 0):,} | {wall:.0f} s | {latency_wall:.0f} s ({how}) | "
            f"{waiting:.0f} s | {paced / 3600:.2f} h (computed) | {state_bytes / 1e6:.2f} MB |"
        )


if __name__ == "__main__":
    main()

"""Benchmark: a full sync of a realistic mid-size studio against the simulator.

    .venv/bin/python benchmarks/bench.py            # everything (several minutes)
    .venv/bin/python benchmarks/bench.py --quick    # small data, for a smoke run

Prints, in one run:
  * the tap's records per second, CPU seconds, CPU per record and peak memory;
  * HTTP requests made against the minimum needed (each list read once at page size 100,
    plus each necessary detail or child request), measured from what the simulator served;
  * a plain sequential ``requests`` loop over the same list endpoints (CPU per record floor);
  * wall time at 0 ms and at 50 ms of simulated latency, sequential and concurrent;
  * peak memory at the mid-size studio and at 10 times its data.
Figures only; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pixieset_simulator import Scale, Simulator  # noqa: E402
from tap_pixieset.settings import CONFIG_SCHEMA  # noqa: E402

PAGING_PARAMS = {"page", "per_page", "page_size", "pageSize", "limit", "offset"}


@dataclass
class Run:
    """What one tap process did."""

    records: int
    wall: float
    cpu: float
    peak_mb: float
    requests: int
    minimum: int


class ServedItems:
    """Counts items the simulator served per resource, to derive the minimum number of requests."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.items: dict[tuple[Any, ...], int] = defaultdict(int)
        self.largest_page: dict[tuple[Any, ...], int] = defaultdict(int)
        self.paged: set[tuple[Any, ...]] = set()
        self.lock = threading.Lock()
        original = sim.dispatch

        def counting(api: str, request: Any) -> Any:
            response = original(api, request)
            body = response.body
            data = body.get("data") if isinstance(body, dict) else body
            count = len(data) if isinstance(data, list) else (1 if data is not None else 0)
            key = (
                api,
                request.path,
                tuple(sorted((k, v) for k, v in request.query.items() if k not in PAGING_PARAMS)),
            )
            with self.lock:
                self.items[key] += count
                self.largest_page[key] = max(self.largest_page[key], count)
                if PAGING_PARAMS & set(request.query):
                    self.paged.add(key)
            return response

        sim.dispatch = counting  # type: ignore[method-assign]

    def reset(self) -> None:
        with self.lock:
            self.items.clear()
            self.largest_page.clear()
            self.paged.clear()

    def minimum_requests(self) -> int:
        """One request per unpaged resource; ceil(items / page size) per paged one."""
        total = 0
        for key, count in self.items.items():
            if key in self.paged:
                size = max(self.largest_page[key], 1)
                size = 100 if size > 100 else size
                total += max(1, math.ceil(count / size))
            else:
                total += 1
        return total


def catalog_file(config: dict[str, Any]) -> str:
    """A catalog with every stream selected, as the demo syncs them."""
    from tap_pixieset.tap import TapPixieset

    catalog = TapPixieset(config=config, validate_config=False, setup_mapper=False).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if not meta["breadcrumb"]:
                meta["metadata"]["selected"] = True
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(catalog, handle)
    return handle.name


def run_tap(sim: Simulator, served: ServedItems, config: dict[str, Any]) -> Run:
    """Run the tap in its own process, every stream selected, and measure it."""
    served.reset()
    sim.reset_log()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    catalog = catalog_file(config)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tap_pixieset", "--config", handle.name, "--catalog", catalog],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    records = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b'{"type":"RECORD"') or line.startswith(b'{"type": "RECORD"'):
            records += 1
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    os.unlink(handle.name)
    os.unlink(catalog)
    if status != 0:
        raise SystemExit(f"the tap failed (status {status})")
    return Run(
        records,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        len(sim.requests),
        served.minimum_requests(),
    )


def run_plain_loop(
    config: dict[str, Any], replay: list[Any] | None = None
) -> tuple[int, float, int]:
    """The plain loop in its own process: (records, CPU seconds of the loop, requests)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    args = [sys.executable, str(ROOT / "benchmarks" / "plain_loop.py"), handle.name]
    if replay is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as log:
            json.dump(replay, log)
        args.append(log.name)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else b"{}"
    proc.wait()
    os.unlink(handle.name)
    result = json.loads(out)
    # CPU of the loop itself, measured inside the process: interpreter start-up excluded.
    return result["records"], result["cpu"], result["requests"]


def tap_config(sim: Simulator, concurrency: int | None) -> dict[str, Any]:
    config = sim.tap_config()
    if concurrency is not None and "max_concurrency" in CONFIG_SCHEMA["properties"]:
        config["max_concurrency"] = concurrency
    return config


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data: a smoke run in seconds")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument(
        "--latency-scale",
        type=float,
        default=0.25,
        help="fraction of the mid-size data used for the latency runs (default 0.25)",
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--skip-10x", action="store_true", help="skip the memory run at 10 times the data"
    )
    args = parser.parse_args()

    base = Scale.demo() if args.quick else Scale.mid()
    lines: list[str] = []

    def report(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    report(
        f"# tap-pixieset benchmark ({'quick' if args.quick else 'mid-size studio'}), {time.strftime('%Y-%m-%d')}"
    )
    report(f"scale: {base}")

    with Simulator(scale=base) as sim:
        served = ServedItems(sim)
        expected = sum(sim.dataset.expected_counts().values())
        conc = run_tap(sim, served, tap_config(sim, args.concurrency))
        seq = run_tap(sim, served, tap_config(sim, 1))
        tap_requests = [
            (r.api, r.path, r.query) for r in sim.requests if r.path.startswith("/api/")
        ]
        plain_records, plain_cpu, plain_requests = run_plain_loop(sim.tap_config())
        sim.reset_log()
        replay_records, replay_cpu, replay_requests = run_plain_loop(sim.tap_config(), tap_requests)
    report("\n## 0 ms latency")
    report(
        "| run | records | wall s | records/s | CPU s | CPU µs/record | peak MB | requests | minimum | extra |"
    )
    report("|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for label, run in (
        (f"tap, max_concurrency={args.concurrency}", conc),
        ("tap, sequential", seq),
    ):
        report(
            f"| {label} | {run.records} | {run.wall:.1f} | {run.records / run.wall:,.0f} | {run.cpu:.1f} | "
            f"{run.cpu / run.records * 1e6:,.0f} | {run.peak_mb:.0f} | {run.requests} | {run.minimum} | "
            f"{(run.requests - run.minimum) / run.minimum:+.1%} |"
        )
    report(
        f"| plain requests loop (lists only) | {plain_records} | | | {plain_cpu:.2f} | "
        f"{plain_cpu / max(plain_records, 1) * 1e6:,.0f} | | {plain_requests} | | |"
    )
    report(
        f"| plain requests loop (the tap's own requests) | {replay_records} | | | {replay_cpu:.2f} | "
        f"{replay_cpu / max(conc.records, 1) * 1e6:,.0f} | | {replay_requests} | | |"
    )
    report(f"\nrecords expected from the dataset: {expected}; emitted: {conc.records}")
    report("CPU per record (the tap's figure includes interpreter and SDK start-up):")
    report(
        f"- tap / plain loop over the lists: {conc.cpu / conc.records / (plain_cpu / max(plain_records, 1)):.1f}x"
    )
    report(
        f"- tap / plain loop over the tap's own requests, per tap record: {conc.cpu / max(replay_cpu, 1e-9):.1f}x"
    )

    latency_scale = base if args.quick else base.times(args.latency_scale)
    with Simulator(scale=latency_scale) as sim:
        served = ServedItems(sim)
        sim.faults.latency = args.latency_ms / 1000
        lat_conc = run_tap(sim, served, tap_config(sim, args.concurrency))
        lat_seq = run_tap(sim, served, tap_config(sim, 1))
    data = "same data" if args.quick else f"{args.latency_scale:g} x mid-size data"
    report(f"\n## {args.latency_ms:.0f} ms latency ({data})")
    report("| run | records | requests | wall s |")
    report("|:--|--:|--:|--:|")
    report(f"| sequential | {lat_seq.records} | {lat_seq.requests} | {lat_seq.wall:.1f} |")
    report(
        f"| max_concurrency={args.concurrency} | {lat_conc.records} | {lat_conc.requests} | {lat_conc.wall:.1f} |"
    )
    report(f"concurrent wall time is {lat_conc.wall / lat_seq.wall:.0%} of sequential")

    if not args.skip_10x:
        big = base.times(10)
        with Simulator(scale=big) as sim:
            served = ServedItems(sim)
            ten = run_tap(sim, served, tap_config(sim, args.concurrency))
        report("\n## Memory as the data grows")
        report("| data | records | peak MB |")
        report("|:--|--:|--:|")
        report(f"| 1x | {conc.records} | {conc.peak_mb:.0f} |")
        report(f"| 10x | {ten.records} | {ten.peak_mb:.0f} |")
        report(f"peak memory at 10x is {ten.peak_mb / conc.peak_mb - 1:+.0%} of 1x")


if __name__ == "__main__":
    main()

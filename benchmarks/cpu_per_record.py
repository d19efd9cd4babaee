"""CPU per list record: the tap against a plain ``requests`` loop writing the same RECORD lines.

    .venv/bin/python benchmarks/cpu_per_record.py              # four lists, 4 x mid-size data
    .venv/bin/python benchmarks/cpu_per_record.py --scale 1    # mid-size data (quicker)

Syncs four list streams (clients, invoices, payments, contracts), no child stream, once
with the tap and once with ``benchmarks/list_loop.py``, each in its own process against
the same simulator, and prints the CPU microseconds per record of each and their ratio.
Each figure is the process's CPU time (user + system, from ``wait4``) less the CPU of
the same program started with nothing to read, so interpreter and import start-up are left
out of both. The best of ``--repeat`` runs is kept, because the machine is shared.
Figures only; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pixieset_simulator import Scale, Simulator  # noqa: E402

STREAMS = ("clients", "invoices", "payments", "contracts")


def catalog_file(config: dict[str, Any], selected: tuple[str, ...]) -> str:
    """A catalog with exactly ``selected`` streams selected (every field of them)."""
    from tap_pixieset.tap import TapPixieset

    catalog = TapPixieset(config=config, validate_config=False, setup_mapper=False).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if not meta["breadcrumb"]:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in selected
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(catalog, handle)
    return handle.name


def measure(args: list[str]) -> tuple[int, float]:
    """Run ``args`` (stdout piped and counted); return (RECORD lines, CPU seconds)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    records = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith((b'{"type":"RECORD"', b'{"type": "RECORD"')):
            records += 1
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{args[1]} failed (status {status})")
    return records, usage.ru_utime + usage.ru_stime


def best(args: list[str], repeat: int) -> tuple[int, float]:
    """The lowest CPU of ``repeat`` runs (and its record count)."""
    runs = [measure(args) for _ in range(repeat)]
    return min(runs, key=lambda run: run[1])


def main() -> None:
    """Print the tap's and the plain loop's CPU per record and their ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=4.0, help="times the mid-size studio")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    with Simulator(scale=Scale.mid().times(args.scale)) as sim:
        config = sim.tap_config(max_concurrency=1)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(config, handle)
        full, empty = catalog_file(config, STREAMS), catalog_file(config, ())
        tap = [python, "-m", "tap_pixieset", "--config", handle.name, "--catalog"]
        loop = [python, str(ROOT / "benchmarks" / "list_loop.py"), handle.name]
        try:
            tap_records, tap_cpu = best([*tap, full], args.repeat)
            _, tap_idle = best([*tap, empty], args.repeat)
            loop_records, loop_cpu = best([*loop, *STREAMS], args.repeat)
            _, loop_idle = best(loop, args.repeat)
        finally:
            for name in (handle.name, full, empty):
                os.unlink(name)
    tap_us = (tap_cpu - tap_idle) / tap_records * 1e6
    loop_us = (loop_cpu - loop_idle) / loop_records * 1e6
    print(f"# CPU per list record: {', '.join(STREAMS)} ({args.scale:g} x mid-size studio)")
    print("| program | records | CPU s | start-up CPU s | CPU µs/record |")
    print("|:--|--:|--:|--:|--:|")
    print(f"| tap-pixieset | {tap_records} | {tap_cpu:.2f} | {tap_idle:.2f} | {tap_us:.1f} |")
    print(
        f"| plain requests loop | {loop_records} | {loop_cpu:.2f} | {loop_idle:.2f} | "
        f"{loop_us:.1f} |"
    )
    print(f"ratio tap / plain loop: {tap_us / loop_us:.2f}x")


if __name__ == "__main__":
    main()

"""CPU per list record: the tap against a plain ``requests`` loop writing the same RECORD lines.

    .venv/bin/python benchmarks/cpu_per_record.py              # four lists, 4 x mid-size data
    .venv/bin/python benchmarks/cpu_per_record.py --scale 1    # mid-size data (quicker)

Syncs four list streams (clients, invoices, payments, contracts), no child stream, with
the tap, with the tap minus its private SDK override on the record path (``sdk_hooks``),
and with ``benchmarks/list_loop.py``, each in its own process against the same simulator,
and prints the CPU microseconds per record of each and their ratio to the plain loop.
Each figure is the process's CPU time (user + system, from ``wait4``) less the CPU of
the same program started with nothing to read, so interpreter and import start-up are left
out of both. The best of ``--repeat`` runs is kept, taken in turns, because the machine is
shared.
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
#: The tap with its one private SDK override on the record path removed (sdk_hooks), to
#: show what that override is worth.
PUBLIC_ONLY = (
    "from tap_pixieset import sdk_hooks; "
    "del sdk_hooks.HookedStream._generate_record_messages; "
    "from tap_pixieset.tap import cli; cli()"
)


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


def best_of(programs: list[list[str]], repeat: int) -> list[tuple[int, float]]:
    """For each program, the run with the lowest CPU of ``repeat`` (its records and CPU).

    The programs take turns, so that a burst of load on the shared machine does not fall
    on one of them only.
    """
    runs: list[list[tuple[int, float]]] = [[] for _ in programs]
    for _ in range(repeat):
        for program, found in zip(programs, runs, strict=True):
            found.append(measure(program))
    return [min(found, key=lambda run: run[1]) for found in runs]


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
            public = [python, "-c", PUBLIC_ONLY, "--config", handle.name, "--catalog", full]
            programs = [[*tap, full], [*tap, empty], public, [*loop, *STREAMS], loop]
            tap_run, tap_idle, public_run, loop_run, loop_idle = best_of(programs, args.repeat)
        finally:
            for name in (handle.name, full, empty):
                os.unlink(name)
    loop_us = (loop_run[1] - loop_idle[1]) / loop_run[0] * 1e6
    print(f"# CPU per list record: {', '.join(STREAMS)} ({args.scale:g} x mid-size studio)")
    print("| program | records | CPU s | start-up CPU s | CPU µs/record | / plain loop |")
    print("|:--|--:|--:|--:|--:|--:|")
    for label, (records, cpu), idle in (
        ("tap-pixieset", tap_run, tap_idle[1]),
        ("tap-pixieset, public SDK hooks only", public_run, tap_idle[1]),
        ("plain requests loop", loop_run, loop_idle[1]),
    ):
        per_record = (cpu - idle) / records * 1e6
        print(
            f"| {label} | {records} | {cpu:.2f} | {idle:.2f} | {per_record:.1f} | "
            f"{per_record / loop_us:.2f}x |"
        )


if __name__ == "__main__":
    main()

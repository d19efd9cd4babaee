"""Run the fault matrix against the local simulator and print a table with wall times.

    .venv/bin/python scripts/fault_matrix.py            # every case of FAULT_CASES
    .venv/bin/python scripts/fault_matrix.py 5xx drift  # some of them

For each case: a fresh simulator with that fault, one in-process sync with the settings
the tests use, and the records delivered against the dataset after the sync (records the
drift inserted mid-sync included), the retries the tap made against the faults the
simulator served, the extra list reads, and the wall time. The tests
(tests/test_faults.py) assert the same things; times are only measured here.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pixieset_simulator import Simulator  # noqa: E402
from pixieset_simulator.faults import FAULT_CASES, fault_case  # noqa: E402
from tap_pixieset.tap import TapPixieset  # noqa: E402

#: The settings tests/test_faults.py uses (with every stream on, including the quotes probe).
CONFIG = {
    "page_size": 10,
    "max_retries": 10,
    "request_timeout": 3,
    "backoff_base_seconds": 0.01,
    "enable_quotes_probe": True,
}


def select_all(config: dict[str, object]) -> dict[str, object]:
    """A catalog with every stream selected, including those off by default."""
    catalog = TapPixieset(config=config, validate_config=False, setup_mapper=False).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if not meta["breadcrumb"]:
                meta["metadata"]["selected"] = True
    return catalog


def run_case(name: str) -> dict[str, object]:
    """One sync through the fault ``name``; what arrived, what it cost."""
    with Simulator() as sim:
        sim.faults = fault_case(name)
        config = sim.tap_config(**CONFIG)
        tap = TapPixieset(config=config, catalog=select_all(config), validate_config=True)
        out = io.StringIO()
        started = time.monotonic()
        with contextlib.redirect_stdout(out):
            tap.sync_all()
        wall = time.monotonic() - started
        emitted: dict[str, set[tuple[str, ...]]] = {}
        for message in map(json.loads, out.getvalue().splitlines()):
            if message["type"] == "RECORD":
                keys = tap.streams[message["stream"]].primary_keys or ()
                key = tuple(str(message["record"][k]) for k in keys)
                emitted.setdefault(message["stream"], set()).add(key)
        delivered = expected = 0
        for stream in tap.streams:
            want = sim.dataset.expected_keys(stream)
            expected += len(want)
            delivered += len(want & emitted.get(stream, set()))
        return {
            "case": name,
            "delivered": delivered,
            "expected": expected,
            "retries": sum(tap.retry_counts.values()),
            "served": sim.faults.retried,
            "rereads": sum(tap.list_rereads.values()),
            "requests": len(sim.requests),
            "wall": wall,
        }


def main() -> None:
    """Print the table."""
    logging.disable(logging.WARNING)  # the retries are counted, not read
    names = sys.argv[1:] or list(FAULT_CASES)
    print(
        "| fault | records delivered / expected | retries (faults served) | extra list reads "
        "| requests | wall time |"
    )
    print("|:--|--:|--:|--:|--:|--:|")
    for name in names:
        row = run_case(name)
        print(
            f"| {row['case']} | {row['delivered']} / {row['expected']} "
            f"| {row['retries']} ({row['served']}) | {row['rereads']} | {row['requests']} "
            f"| {row['wall']:.2f} s |"
        )


if __name__ == "__main__":
    main()

"""How many stderr lines a default sync prints, by message pattern.

Runs the tap's command against a fresh simulator (the default, demo-size dataset) with the
default stream selection, and counts its stderr lines by level and message pattern: numbers,
quoted names and paths are replaced by placeholders, and METRIC lines are counted per metric.

    .venv/bin/python scripts/log_census.py [--loglevel DEBUG] [--show]

``tests/test_logging.py`` asserts on the same census.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pixieset_simulator import Simulator  # noqa: E402

#: ``2026-11-30 06:47:12,345 | INFO     | tap-pixieset.coupons | message``: the SDK's format.
LINE = re.compile(r"^\S+ \S+ \| (?P<level>[A-Z]+)\s*\| (?P<logger>\S+)\s*\| (?P<message>.*)$")


def pattern(line: str) -> str:
    """The message pattern of one stderr line: ``LEVEL message`` with the variable parts masked."""
    match = LINE.match(line)
    if match is None:
        return "(unformatted) " + _mask(line)[:100]
    level, message = match["level"], match["message"]
    if message.startswith("METRIC: "):
        point = json.loads(message.removeprefix("METRIC: "))
        return f"{level} METRIC {point['metric']}"
    return f"{level} {_mask(message)[:140]}"


def _mask(text: str) -> str:
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"/[\w/{}.,\-]+", "/…", text)
    return re.sub(r"\d+(\.\d+)?", "N", text)


def census(stderr: str) -> Counter[str]:
    """Lines per pattern."""
    return Counter(pattern(line) for line in stderr.splitlines() if line.strip())


def run_sync(sim: Simulator, loglevel: str = "INFO") -> tuple[str, int]:
    """Run ``tap-pixieset --config`` against ``sim``; return its stderr and its record count."""
    with tempfile.TemporaryDirectory() as workdir:
        config = Path(workdir) / "config.json"
        config.write_text(json.dumps(sim.tap_config()), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_PIXIESET_")}
        env["TAP_PIXIESET_LOGLEVEL"] = loglevel
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "tap-pixieset"), "--config", str(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            check=False,
        )
    if proc.returncode:
        raise RuntimeError(f"the sync failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    records = sum('"type":"RECORD"' in line for line in proc.stdout.splitlines())
    return proc.stderr, records


def main() -> int:
    """Print the census of one default sync."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loglevel", default="INFO")
    parser.add_argument("--show", action="store_true", help="also print the stderr itself")
    args = parser.parse_args()
    with Simulator() as sim:
        stderr, records = run_sync(sim, args.loglevel)
    if args.show:
        print(stderr)
    counts = census(stderr)
    print(f"{sum(counts.values())} stderr lines for {records} records, by pattern:")
    for name, count in counts.most_common():
        print(f"{count:6}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

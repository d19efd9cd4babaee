"""Regenerate tests/snapshots/catalog.json, the checked-in ``tap-pixieset --discover`` output.

    .venv/bin/python scripts/snapshot_catalog.py

tests/test_studio_streams.py compares a fresh discovery with this file, so a schema change
only passes once the snapshot is regenerated and the diff reviewed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "snapshots" / "catalog.json"


def main() -> None:
    """Write the catalog snapshot that the snapshot test compares discovery with."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({"studio_cookie": "a=bcdefgh"}))
        out = subprocess.run(
            [sys.executable, "-m", "tap_pixieset", "--discover", "--config", str(config)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_text(
        json.dumps(json.loads(out), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

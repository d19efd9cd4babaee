"""The README's demo command works: simulator -> tap -> DuckDB, and every table matches."""

from __future__ import annotations

import re
import subprocess
import sys

from harness import ROOT

from pixieset_simulator import build_dataset


def test_demo_loads_every_stream_into_duckdb():
    proc = subprocess.run(
        [sys.executable, "scripts/demo.py"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    expected = build_dataset().expected_counts()
    landed = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^(\w+)\s+(\d+)\s+(\d+)\s+ok$", proc.stdout, re.M)
    }
    assert set(landed) == set(expected)
    for stream, count in expected.items():
        assert landed[stream] == (count, count), stream
    assert "Every table matches the simulator's dataset." in proc.stdout
    # The closing hint works when pasted into a shell at the repository's root.
    hint = re.search(r"^Explore it: (.+)$", proc.stdout, re.M)
    assert hint, proc.stdout[-1000:]
    explored = subprocess.run(
        hint.group(1), shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert explored.returncode == 0, explored.stderr
    client_ids = {key[0] for key in build_dataset().expected_keys("clients")}
    shown = set(re.findall(r"\bcl_\w+", explored.stdout))
    assert len(shown) == 5 and shown <= client_ids, explored.stdout

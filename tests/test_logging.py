"""Logs a person can read: what a default sync prints, counted by message pattern.

At INFO each stream says once what it did (records, requests, anything unusual); per-parent
detail, the SDK's routine lines and the METRIC lines are at DEBUG; a clean run has no
WARNING. ``scripts/log_census.py`` prints the same census.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

import pytest
from harness import ROOT

from pixieset_simulator import Simulator

sys.path.insert(0, str(ROOT / "scripts"))
from log_census import census, run_sync

pytestmark = pytest.mark.xdist_group("logging")

SUMMARY = re.compile(r"\| INFO\s*\| \S+\s*\| Stream '(\w+)': (\d+) record\(s\)")


@pytest.fixture(scope="module")
def clean_run() -> tuple[str, int, dict[str, int]]:
    with Simulator() as sim:
        stderr, records = run_sync(sim)
        expected = sim.dataset.expected_counts()
    return stderr, records, expected


@pytest.fixture(scope="module")
def debug_run() -> str:
    with Simulator() as sim:
        stderr, _ = run_sync(sim, loglevel="DEBUG")
    return stderr


def test_each_stream_says_once_what_it_did(clean_run):
    stderr, records, expected = clean_run
    summaries = [(m[1], int(m[2])) for m in SUMMARY.finditer(stderr)]
    streams = Counter(name for name, _ in summaries)
    assert all(n == 1 for n in streams.values()), streams
    # Every stream of the default selection (the per-client summaries are off by default).
    assert set(streams) == set(expected) - {"client_invoice_currencies", "client_invoice_totals"}
    assert sum(count for _, count in summaries) == records
    for name, count in summaries:
        assert count == expected[name], name


def test_a_clean_run_prints_no_routine_lines_no_metrics_and_no_warnings(clean_run):
    counts = census(clean_run[0])
    noise = {
        pattern: n
        for pattern, n in counts.items()
        if pattern.startswith(("WARNING", "ERROR"))
        or "METRIC" in pattern
        or "Pagination stopped" in pattern
        or "Starting incremental sync" in pattern
        or "Beginning sync" in pattern
        or "as child stream" in pattern
        or "assumed to be unsorted" in pattern
        or "repeated record" in pattern
        or "extra read" in pattern
        or "retried" in pattern
    }
    assert noise == {}


def test_a_clean_run_prints_about_one_line_per_stream(clean_run):
    stderr, _, expected = clean_run
    lines = [line for line in stderr.splitlines() if line.strip()]
    summaries = len(SUMMARY.findall(stderr))
    # The summaries, at most one other line per stream (something unusual about its data,
    # such as fields the schema does not declare), and a few start-up lines.
    assert len(lines) <= summaries + len(expected) + 5, census(stderr).most_common(10)


def test_at_debug_the_detail_and_the_metrics_are_there(debug_run):
    counts = census(debug_run)
    metric_streams = Counter(
        json.loads(line.split("METRIC: ", 1)[1])["tags"]["stream"]
        for line in debug_run.splitlines()
        if '"metric":"record_count"' in line
    )
    assert metric_streams and all(n == 1 for n in metric_streams.values()), metric_streams
    for routine in ("Beginning sync of", "Pagination stopped after", "Added '…' as child"):
        assert any(p.startswith(f"DEBUG {routine}") for p in counts), routine
    assert not any(p.startswith("WARNING") for p in counts), counts

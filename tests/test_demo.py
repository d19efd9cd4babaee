"""The README's demo command works: simulator -> tap -> DuckDB -> dbt models -> HTML report.

The demo runs once per test worker (its working directory ``.demo/`` is fixed, so a lock
keeps two workers from running it at once). The checks read what it left there: the
tables against the simulator, the marts against the simulator's own totals, and the
report's tables against the marts.
"""

from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from harness import ROOT
from sim_totals import money_totals

from pixieset_simulator import build_dataset
from pixieset_simulator.dataset import NOW

pytestmark = pytest.mark.slow

DEMO = ROOT / ".demo"
#: The report's window: the twelve months before the simulator's "now".
WINDOW_END = NOW.date().replace(day=1)
WINDOW = (
    f"month >= date '{WINDOW_END.replace(year=WINDOW_END.year - 1)}' "
    f"and month < date '{WINDOW_END}'"
)


@dataclass
class DemoRun:
    """The demo's output and the files it left in ``.demo/``."""

    returncode: int
    stdout: str
    stderr: str

    def sql(self, query: str) -> list[list[Any]]:
        """Rows of a query on the demo's warehouse, read with the dbt virtualenv's duckdb."""
        script = (
            "import duckdb, json, sys\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print(json.dumps(con.execute(sys.argv[2]).fetchall(), default=str))\n"
        )
        proc = subprocess.run(
            [
                str(ROOT / ".tools" / "dbt" / "bin" / "python"),
                "-c",
                script,
                str(DEMO / "warehouse.duckdb"),
                query,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoRun]:
    with (ROOT / ".demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.run(
            [sys.executable, "scripts/demo.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        yield DemoRun(proc.returncode, proc.stdout, proc.stderr)


def test_demo_loads_every_stream_into_duckdb(demo):
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    expected = build_dataset().expected_counts()
    landed = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^(\w+)\s+(\d+)\s+(\d+)\s+ok$", demo.stdout, re.M)
    }
    assert set(landed) == set(expected)
    for stream, count in expected.items():
        assert landed[stream] == (count, count), stream
    assert "Every table matches the simulator's dataset." in demo.stdout
    # The closing hint works when pasted into a shell at the repository's root.
    hint = re.search(r"^Explore it: (.+)$", demo.stdout, re.M)
    assert hint, demo.stdout[-1000:]
    explored = subprocess.run(
        hint.group(1), shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert explored.returncode == 0, explored.stderr
    client_ids = {key[0] for key in build_dataset().expected_keys("clients")}
    shown = set(re.findall(r"\bcl_\w+", explored.stdout))
    assert len(shown) == 5 and shown <= client_ids, explored.stdout


# -- the models -------------------------------------------------------------------------


def test_dbt_build_passes_every_model_and_test(demo):
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    done = re.search(r"^dbt build: PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", demo.stdout, re.M)
    assert done, demo.stdout[-3000:]
    passed, warned, errors, skipped = map(int, done.groups())
    results = json.loads((DEMO / "dbt-target" / "run_results.json").read_text())["results"]
    assert passed == len(results) and not (warned or errors or skipped)
    models = [r for r in results if r["unique_id"].startswith("model.")]
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    assert len([m for m in models if ".stg_pixieset__" in m["unique_id"]]) == 49
    assert any("reconcile_collected_equals_payments" in t["unique_id"] for t in tests)


def test_marts_agree_with_the_simulators_own_totals(demo):
    truth = money_totals(build_dataset())
    revenue = demo.sql(
        "select currency, sum(invoiced), sum(collected), sum(refunded) "
        "from analytics_marts.mart_revenue_by_month group by 1"
    )
    assert {c: Decimal(v) for c, v, _, _ in revenue} == truth["invoiced"]
    assert {c: Decimal(v) for c, _, v, _ in revenue} == truth["collected"]
    assert {c: Decimal(v) for c, _, _, v in revenue if Decimal(v)} == truth["refunded"]
    receivables = demo.sql(
        "select currency, sum(amount_open) from analytics_marts.mart_receivables_aging group by 1"
    )
    assert {c: Decimal(v) for c, v in receivables} == truth["open"]
    dataset = build_dataset()
    visitors = sum(len(v) for v in dataset.tables["collection_visitor_emails"].values())
    downloads = sum(
        d["download_count"]
        for items in dataset.tables["collection_photo_downloads"].values()
        for d in items
    )
    gallery = demo.sql(
        "select sum(visitors), sum(photo_downloads) from analytics_marts.mart_gallery_engagement"
    )
    assert [int(v) for v in gallery[0]] == [visitors, downloads]


# -- the report -------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The rows of every ``<table id=...>`` of a page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs)["id"]
            self.tables[self._table or ""] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag == "td":
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None


@pytest.fixture(scope="module")
def report(demo) -> dict[str, list[list[str]]]:
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    path = re.search(r"^Report: (.+)$", demo.stdout, re.M)
    assert path, demo.stdout[-2000:]
    page = (ROOT / path.group(1).strip()).read_text(encoding="utf-8")
    assert page.count("<svg") == 3, "expected three inline SVG charts"
    assert "<script" not in page
    parser = _Tables()
    parser.feed(page)
    return {name: [row for row in rows if row] for name, rows in parser.tables.items()}


def test_report_revenue_equals_the_mart(demo, report):
    rows = demo.sql(
        "select strftime(month, '%Y-%m'), currency, sum(invoiced), sum(collected), sum(refunded), "
        "sum(processor_fees) from analytics_marts.mart_revenue_by_month "
        f"where {WINDOW} group by 1, 2 order by 1, 2"
    )
    assert rows, "no revenue in the twelve months before the simulator's now"
    assert report["revenue"] == [
        [m, c, *(str(Decimal(v)) for v in values)] for m, c, *values in rows
    ]


def test_report_receivables_equal_the_mart(demo, report):
    rows = demo.sql(
        "select aging_bucket, currency, count(*), sum(amount_open) "
        "from analytics_marts.mart_receivables_aging "
        "group by aging_bucket_order, 1, 2 order by aging_bucket_order, 2"
    )
    assert report["receivables"] == [[b, c, str(n), str(Decimal(a))] for b, c, n, a in rows]
    assert sum(Decimal(r[3]) for r in report["receivables"]) == sum(
        money_totals(build_dataset())["open"].values()
    )


def test_report_funnel_and_top_clients_equal_the_marts(demo, report):
    funnel = demo.sql(
        "select sum(inquiries), sum(sessions_booked), sum(contracts_signed), sum(invoices_paid) "
        "from analytics_marts.mart_booking_funnel "
        f"where {WINDOW}"
    )[0]
    assert report["funnel"] == [
        [stage, str(int(n))]
        for stage, n in zip(
            ["inquiries", "sessions_booked", "contracts_signed", "invoices_paid"],
            funnel,
            strict=True,
        )
    ]
    top = demo.sql(
        "select client_id, currency, lifetime_value from analytics_marts.mart_client_revenue "
        "order by lifetime_value desc, client_id limit 5"
    )
    names = dict(demo.sql("select client_id, full_name from analytics_marts.mart_clients"))
    assert [r[:3] for r in report["top-clients"]] == [
        [names[c], cur, str(Decimal(v))] for c, cur, v in top
    ]

"""Deletions end to end: the simulator deletes records between runs, target-postgres forgets them.

Two accounts load the same simulated studio, each into schemas of its own (as the Airflow
DAG and meltano.yml's prod environment do): account A once with ``hard_delete: true`` and
once with soft deletes (``_sdc_deleted_at``), account B with soft deletes. The simulator
then deletes a client, an invoice, a contract, a gift card and a collection (each with its
children) and a few children on their own. Account A runs once more but is killed
mid-sync: nothing may be deleted. It then runs to the end: its deleted rows disappear
(hard) or are marked (soft) in every table they touched, every other row stays as it was,
and account B's schema loses nothing. B then runs too and loses exactly its deleted rows.

Set ``PIXIESET_DELETIONS_REPORT`` to a file path to get the rows per table (deleted,
marked, survived) as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, catalog_selecting
from pg_cluster import PostgresCluster, PostgresNotInstalled
from test_activate_version import NEVER_DELETE
from tool_venvs import meltano_plugin, target_postgres_venv

from tap_pixieset.tap import TapPixieset

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres_deletions")]

ACCOUNTS = ("studio-a", "studio-b")
MODES = {"hard": True, "soft": False}
#: Account A loads both ways; B, there to prove isolation, only with the default soft deletes
#: (two loads fewer: each costs several seconds).
ACCOUNT_MODES = {"studio-a": ("hard", "soft"), "studio-b": ("soft",)}
SCHEMAS = [(account, mode) for account, modes in ACCOUNT_MODES.items() for mode in modes]
TARGET_CONFIG = meltano_plugin("loaders", "target-postgres")["config"]


def _streams() -> dict[str, Any]:
    tap = TapPixieset(
        config={"studio_cookie": "a=bcdefgh"}, validate_config=False, setup_mapper=False
    )
    return dict(sorted(tap.streams.items()))


STREAMS = _streams()
DELETING = sorted(set(STREAMS) - NEVER_DELETE)


def schema_of(account: str, mode: str) -> str:
    """The account's own schema (the DAG's naming), one per delete mode."""
    return f"pixieset_{account.replace('-', '_')}_{mode}"


Keys = set[tuple[str, ...]]


@dataclass
class Warehouse:
    """The cluster, what the simulator deleted, and snapshots taken between the loads."""

    db: PostgresCluster
    gone: dict[str, Keys]
    expected: dict[str, Keys]
    after_first: dict[str, dict[str, int]] = field(default_factory=dict)
    after_kill: dict[str, dict[str, int]] = field(default_factory=dict)
    b_before_own_run: dict[str, dict[str, int]] = field(default_factory=dict)
    kill_output: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def keys(self, schema: str, stream: str, where: str = "") -> Keys:
        names = [k for k in STREAMS[stream].primary_keys]
        columns = ", ".join(f'"{k}"::text AS "{k}"' for k in names)
        rows = self.db.rows(f'SELECT {columns} FROM {schema}."{stream}" {where}')
        return {tuple(str(row[k]) for k in names) for row in rows}

    def counts(self, schema: str) -> dict[str, int]:
        """Rows per table, and rows marked deleted per table (``<table>:marked``)."""
        parts = []
        for stream in STREAMS:
            parts.append(
                f"SELECT '{stream}' AS t, count(*) AS n, count(_sdc_deleted_at) AS m "
                f'FROM {schema}."{stream}"'
            )
        rows = self.db.rows(" UNION ALL ".join(parts))
        out = {row["t"]: row["n"] for row in rows}
        out.update({f"{row['t']}:marked": row["m"] for row in rows})
        return out


def _tap_argv(workdir: Path, account: str) -> list[str]:
    config = {
        **SIM_CONFIG[0],
        "account_id": account,
        "account_has_own_schema": True,
        "emit_activate_version_messages": True,
    }
    (workdir / "config.json").write_text(json.dumps(config))
    catalog = catalog_selecting(config, set(STREAMS))
    (workdir / "catalog.json").write_text(json.dumps(catalog))
    return [
        sys.executable,
        "-m",
        "tap_pixieset",
        "--config",
        str(workdir / "config.json"),
        "--catalog",
        str(workdir / "catalog.json"),
    ]


#: The simulator's tap config, set by the fixture (the argv builder needs it).
SIM_CONFIG: list[dict[str, Any]] = [{}]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TAP_PIXIESET_")}


def _tap(workdir: Path, account: str) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        _tap_argv(workdir, account),
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _killed_tap(workdir: Path, account: str, after_records: int) -> str:
    """Run the tap and send it SIGTERM once ``after_records`` records were written."""
    workdir.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen(
        _tap_argv(workdir, account),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
        cwd=ROOT,
    ) as proc:
        assert proc.stdout is not None
        lines, records = [], 0
        for line in proc.stdout:
            lines.append(line)
            records += '"type":"RECORD"' in line.replace(" ", "")
            if records >= after_records:
                proc.send_signal(signal.SIGTERM)
                break
        lines.extend(proc.stdout)
        code = proc.wait(timeout=120)
    assert code == 128 + signal.SIGTERM, "the tap was not interrupted"
    return "".join(lines)


def _load(db: PostgresCluster, target: Path, workdir: Path, schema: str, hard: bool, out: str):
    config = {
        **TARGET_CONFIG,
        **db.target_config(),
        "default_target_schema": schema,
        "hard_delete": hard,
    }
    path = workdir / f"target-{schema}.json"
    path.write_text(json.dumps(config))
    proc = subprocess.run(
        [str(target / "bin" / "target-postgres"), "--config", str(path)],
        input=out,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def warehouse(module_sim, tmp_path_factory) -> Iterator[Warehouse]:
    try:
        db = PostgresCluster()
    except PostgresNotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    db.start()
    target = target_postgres_venv()
    work = tmp_path_factory.mktemp("pg-deletions")
    SIM_CONFIG[0] = module_sim.tap_config()
    seconds: dict[str, float] = {}
    started = time.monotonic()
    try:

        def load_all(account: str, out: str) -> None:
            for mode in ACCOUNT_MODES[account]:
                _load(db, target, work, schema_of(account, mode), MODES[mode], out)

        first = {account: _tap(work / f"{account}-1", account) for account in ACCOUNTS}
        for account, out in first.items():
            load_all(account, out)
        seconds["first runs"] = time.monotonic() - started
        wh = Warehouse(db, {}, {})
        wh.after_first = {schema_of(a, m): wh.counts(schema_of(a, m)) for a, m in SCHEMAS}
        wh.gone = module_sim.dataset.delete_between_runs()
        wh.expected = {s: module_sim.dataset.expected_keys(s) for s in STREAMS}

        records = sum(
            '"type":"RECORD"' in line.replace(" ", "") for line in first[ACCOUNTS[0]].splitlines()
        )
        mark = time.monotonic()
        wh.kill_output = _killed_tap(work / "killed", ACCOUNTS[0], records // 2)
        load_all(ACCOUNTS[0], wh.kill_output)
        wh.after_kill = {
            schema_of(ACCOUNTS[0], m): wh.counts(schema_of(ACCOUNTS[0], m))
            for m in ACCOUNT_MODES[ACCOUNTS[0]]
        }
        seconds["killed run"] = time.monotonic() - mark

        mark = time.monotonic()
        load_all(ACCOUNTS[0], _tap(work / f"{ACCOUNTS[0]}-2", ACCOUNTS[0]))
        wh.b_before_own_run = {
            schema_of(ACCOUNTS[1], m): wh.counts(schema_of(ACCOUNTS[1], m))
            for m in ACCOUNT_MODES[ACCOUNTS[1]]
        }
        load_all(ACCOUNTS[1], _tap(work / f"{ACCOUNTS[1]}-2", ACCOUNTS[1]))
        seconds["second runs"] = time.monotonic() - mark
        seconds["total"] = time.monotonic() - started
        wh.seconds = seconds
        yield wh
        _write_report(wh)
    finally:
        db.stop()


def _write_report(wh: Warehouse) -> None:
    path = os.environ.get("PIXIESET_DELETIONS_REPORT")
    if not path:
        return
    report: dict[str, Any] = {"seconds": wh.seconds, "schemas": {}}
    for account, mode in SCHEMAS:
        schema = schema_of(account, mode)
        now, before = wh.counts(schema), wh.after_first[schema]
        report["schemas"][schema] = {
            stream: {
                "after first run": before[stream],
                "deleted": before[stream] - now[stream],
                "marked": now[f"{stream}:marked"],
                "survived": now[stream] - now[f"{stream}:marked"],
            }
            for stream in STREAMS
        }
    Path(path).write_text(json.dumps(report, indent=1, sort_keys=True))


# -- the simulator really deleted something ---------------------------------------------


def test_the_simulator_deleted_parents_and_children(warehouse):
    for stream in ("clients", "invoices", "contracts", "collections", "gift_cards"):
        assert warehouse.gone.get(stream), stream
    for child in ("client_documents", "invoice_line_items", "payments", "contract_signatures"):
        assert warehouse.gone.get(child), child
    assert warehouse.gone.get("galleries") and warehouse.gone.get("collection_visitor_emails")


# -- a killed run -----------------------------------------------------------------------


def test_a_killed_run_writes_no_activate_version(warehouse):
    assert '"type":"RECORD"' in warehouse.kill_output.replace(" ", "")
    assert "ACTIVATE_VERSION" not in warehouse.kill_output


@pytest.mark.parametrize("mode", ACCOUNT_MODES[ACCOUNTS[0]])
def test_a_killed_run_deletes_and_marks_nothing(warehouse, mode):
    schema = schema_of(ACCOUNTS[0], mode)
    before, after = warehouse.after_first[schema], warehouse.after_kill[schema]
    assert after == before
    assert not any(v for k, v in after.items() if k.endswith(":marked"))


# -- the run after the deletions --------------------------------------------------------


@pytest.mark.parametrize("stream", DELETING)
def test_hard_delete_removes_exactly_the_deleted_rows(warehouse, stream):
    loaded = warehouse.keys(schema_of(ACCOUNTS[0], "hard"), stream)
    assert not loaded & warehouse.gone.get(stream, set())
    assert loaded == warehouse.expected[stream]


@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize("stream", DELETING)
def test_soft_delete_marks_exactly_the_deleted_rows(warehouse, account, stream):
    schema = schema_of(account, "soft")
    marked = warehouse.keys(schema, stream, "WHERE _sdc_deleted_at IS NOT NULL")
    live = warehouse.keys(schema, stream, "WHERE _sdc_deleted_at IS NULL")
    assert marked == warehouse.gone.get(stream, set())
    assert live == warehouse.expected[stream]


@pytest.mark.parametrize(("account", "mode"), SCHEMAS)
def test_streams_that_never_delete_keep_every_row(warehouse, account, mode):
    schema = schema_of(account, mode)
    now = warehouse.counts(schema)
    touched = [s for s in NEVER_DELETE if warehouse.gone.get(s)]
    assert touched, "no deletion reached a stream that never deletes: nothing was proved"
    for stream in NEVER_DELETE:
        assert now[f"{stream}:marked"] == 0, stream
        assert now[stream] >= warehouse.after_first[schema][stream], stream


@pytest.mark.parametrize("mode", ACCOUNT_MODES[ACCOUNTS[1]])
def test_one_accounts_run_leaves_the_other_account_untouched(warehouse, mode):
    schema = schema_of(ACCOUNTS[1], mode)
    assert warehouse.b_before_own_run[schema] == warehouse.after_first[schema]


def test_the_live_rows_of_each_account_carry_its_own_last_runs_version(warehouse):
    versions = {
        account: warehouse.db.rows(
            f"SELECT DISTINCT _sdc_table_version AS v FROM {schema_of(account, 'soft')}.clients "
            "WHERE _sdc_deleted_at IS NULL"
        )
        for account in ACCOUNTS
    }
    assert all(len(v) == 1 for v in versions.values()), versions
    assert versions[ACCOUNTS[0]] != versions[ACCOUNTS[1]]

"""Postgres end to end: every stream, two accounts, through MeltanoLabs target-postgres.

A real PostgreSQL server (its own cluster on a loopback port) receives the tap's output
through target-postgres, pinned and configured as in ``meltano.yml`` (upserts on the
primary key). Two accounts load the same simulated studio into the same tables, so every
id collides unless ``account_id`` is part of the key; account A then runs again from its
final state. The checks read the warehouse back and compare it with the simulator. Last,
``dbt build`` runs the transform/ models and their tests on what was loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from harness import SyncResult, catalog_selecting, run_cli
from pg_cluster import INSTALL_HINT, PostgresCluster, PostgresNotInstalled, find_server_bindir
from sim_totals import money_totals
from tool_venvs import dbt_bin, meltano_plugin, target_postgres_venv

from pixieset_simulator.dataset import NOW
from tap_pixieset.tap import TapPixieset

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]

ACCOUNTS = ("studio-a", "studio-b")
TARGET_CONFIG = meltano_plugin("loaders", "target-postgres")["config"]
SCHEMA = TARGET_CONFIG["default_target_schema"]


def _streams() -> dict[str, Any]:
    tap = TapPixieset(
        config={"studio_cookie": "a=bcdefgh"}, validate_config=False, setup_mapper=False
    )
    return dict(sorted(tap.streams.items()))


STREAMS = list(_streams())
#: Streams with a top-level date-time column.
DATETIME_STREAMS = [
    name
    for name, stream in _streams().items()
    if any(p.get("format") == "date-time" for p in stream.schema["properties"].values())
]

# -- the loads --------------------------------------------------------------------------


@dataclass
class Load:
    """One account's run: what the tap emitted and the state target-postgres confirmed."""

    account: str
    tap: SyncResult
    state: dict[str, Any]


@dataclass
class Warehouse:
    """The Postgres cluster after the loads, and the loads themselves."""

    db: PostgresCluster
    first: dict[str, Load]
    second: Load
    state_given: dict[str, Any]

    def count(self, table: str, where: str = "") -> int:
        return int(self.db.rows(f'SELECT count(*) AS n FROM {SCHEMA}."{table}" {where}')[0]["n"])


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresCluster]:
    try:
        cluster = PostgresCluster()
    except PostgresNotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _load(
    sim: Any,
    db: PostgresCluster,
    target: Path,
    workdir: Path,
    account: str,
    state: dict[str, Any] | None = None,
) -> Load:
    workdir.mkdir(parents=True, exist_ok=True)
    config = sim.tap_config(account_id=account)
    catalog = workdir / "catalog.json"
    catalog.write_text(json.dumps(catalog_selecting(config, set(STREAMS))))
    tap = run_cli(["--catalog", str(catalog)], config=config, tmp_path=workdir, state=state)
    assert tap.returncode == 0, tap.stderr[-3000:]
    target_config = workdir / "target.json"
    target_config.write_text(json.dumps({**TARGET_CONFIG, **db.target_config()}))
    proc = subprocess.run(
        [str(target / "bin" / "target-postgres"), "--config", str(target_config)],
        input=tap.stdout,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    states = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert states, "target-postgres confirmed no state"
    return Load(account, tap, states[-1])


@pytest.fixture(scope="module")
def warehouse(postgres, module_sim, tmp_path_factory) -> Warehouse:
    target = target_postgres_venv()
    workdir = tmp_path_factory.mktemp("postgres-e2e")
    first = {
        account: _load(module_sim, postgres, target, workdir / account, account)
        for account in ACCOUNTS
    }
    state = first[ACCOUNTS[0]].state
    second = _load(
        module_sim, postgres, target, workdir / f"{ACCOUNTS[0]}-again", ACCOUNTS[0], state=state
    )
    return Warehouse(postgres, first, second, state)


# -- helpers ----------------------------------------------------------------------------


def _columns(wh: Warehouse, table: str) -> dict[str, dict[str, str]]:
    rows = wh.db.rows(
        "SELECT column_name, data_type, udt_name FROM information_schema.columns "
        f"WHERE table_schema = '{SCHEMA}' AND table_name = '{table}'"
    )
    return {row["column_name"]: row for row in rows}


def _single_type(prop: dict[str, Any]) -> str | None:
    declared = prop.get("type")
    kinds = {declared} if isinstance(declared, str) else set(declared or [])
    kinds.discard("null")
    return kinds.pop() if len(kinds) == 1 else None


def _expected_sql_types(prop: dict[str, Any]) -> set[str] | None:
    """The Postgres types target-postgres must give a property (None: loosely typed, any)."""
    kind = _single_type(prop)
    if kind == "string":
        return {"date-time": {"timestamp without time zone"}, "date": {"date"}}.get(
            prop.get("format", ""), {"text", "character varying"}
        )
    return {
        "integer": {"smallint", "integer", "bigint"},
        "number": {"numeric", "double precision", "real"},
        "boolean": {"boolean"},
        "object": {"jsonb"},
        "array": {"ARRAY", "jsonb"},
    }.get(kind or "")


def _schema(wh: Warehouse, stream: str) -> dict[str, Any]:
    return wh.first[ACCOUNTS[0]].tap.schemas[stream]["schema"]


def _datetime_columns(wh: Warehouse, stream: str) -> list[str]:
    return [
        name
        for name, prop in _schema(wh, stream)["properties"].items()
        if _single_type(prop) == "string" and prop.get("format") == "date-time"
    ]


def _utc_naive(value: str) -> datetime:
    """An ISO 8601 instant as naive UTC, the way a ``timestamp`` column holds it."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _key(record: dict[str, Any], keys: list[str]) -> tuple[str, ...]:
    return tuple(str(record[k]) for k in keys)


# -- tables and counts ------------------------------------------------------------------


def test_one_table_per_stream(warehouse):
    rows = warehouse.db.rows(
        f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{SCHEMA}'"
    )
    assert {row["table_name"] for row in rows} == set(STREAMS)


@pytest.mark.parametrize("stream", STREAMS)
def test_each_account_has_exactly_the_simulators_rows(warehouse, module_sim, stream):
    expected = module_sim.dataset.expected_counts()[stream]
    assert expected, f"the simulator has no {stream} rows to compare"
    per_account = {
        row["account_id"]: row["n"]
        for row in warehouse.db.rows(
            f'SELECT account_id, count(*) AS n FROM {SCHEMA}."{stream}" GROUP BY account_id'
        )
    }
    assert per_account == dict.fromkeys(ACCOUNTS, expected)


@pytest.mark.parametrize("stream", STREAMS)
def test_loaded_keys_are_the_simulators_keys(warehouse, module_sim, stream):
    keys = [
        k
        for k in warehouse.first[ACCOUNTS[0]].tap.schemas[stream]["key_properties"]
        if k != "account_id"
    ]
    columns = ", ".join(f'"{k}"::text AS "{k}"' for k in keys)
    rows = warehouse.db.rows(
        f"SELECT {columns} FROM {SCHEMA}.\"{stream}\" WHERE account_id = '{ACCOUNTS[1]}'"
    )
    assert {_key(row, keys) for row in rows} == module_sim.dataset.expected_keys(stream)


# -- many accounts ----------------------------------------------------------------------


@pytest.mark.parametrize("stream", STREAMS)
def test_account_id_leads_the_primary_key_in_postgres(warehouse, stream):
    declared = warehouse.first[ACCOUNTS[0]].tap.schemas[stream]["key_properties"]
    assert declared[0] == "account_id"
    rows = warehouse.db.rows(
        "SELECT a.attname AS name FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        f"WHERE i.indrelid = '{SCHEMA}.\"{stream}\"'::regclass AND i.indisprimary"
    )
    assert {row["name"] for row in rows} == set(declared)


def test_the_same_ids_coexist_for_both_accounts(warehouse):
    shared = warehouse.db.rows(
        f"SELECT id FROM {SCHEMA}.clients GROUP BY id "
        f"HAVING count(DISTINCT account_id) = {len(ACCOUNTS)}"
    )
    assert len(shared) == warehouse.count("clients", f"WHERE account_id = '{ACCOUNTS[0]}'")


# -- incremental run --------------------------------------------------------------------


def test_second_run_from_state_adds_no_duplicate_rows(warehouse, module_sim):
    assert "bookmarks" in warehouse.state_given
    resent = warehouse.second.tap.counts
    assert sum(resent.values()) > 0, "the second run sent nothing, so it proves nothing"
    expected = module_sim.dataset.expected_counts()
    for stream in STREAMS:
        keys = warehouse.first[ACCOUNTS[0]].tap.schemas[stream]["key_properties"]
        distinct = ", ".join(f'"{k}"' for k in keys)
        row = warehouse.db.rows(
            f'SELECT count(*) AS n, count(DISTINCT ({distinct}, 0)) AS d FROM {SCHEMA}."{stream}"'
        )[0]
        assert row == {
            "n": expected[stream] * len(ACCOUNTS),
            "d": expected[stream] * len(ACCOUNTS),
        }, stream


# -- column types -----------------------------------------------------------------------


@pytest.mark.parametrize("stream", STREAMS)
def test_column_types_follow_the_schema(warehouse, stream):
    columns = _columns(warehouse, stream)
    wrong = {}
    for name, prop in _schema(warehouse, stream)["properties"].items():
        expected = _expected_sql_types(prop)
        if name not in columns:
            wrong[name] = "missing"
        elif expected is not None and columns[name]["data_type"] not in expected:
            wrong[name] = f"{columns[name]['data_type']}, expected one of {sorted(expected)}"
    assert not wrong, wrong


def test_money_dates_timestamps_and_objects_have_warehouse_types(warehouse):
    found: dict[str, set[str]] = {
        "money": set(),
        "date": set(),
        "timestamp": set(),
        "object": set(),
        "array of objects": set(),
    }
    for stream in STREAMS:
        columns = _columns(warehouse, stream)
        properties = _schema(warehouse, stream)["properties"]
        for name, prop in properties.items():
            kind, fmt = _single_type(prop), prop.get("format")
            data_type = columns[name]["data_type"]
            if kind == "integer" and f"{name}_formatted" in properties:
                assert data_type in {"integer", "bigint", "smallint"}, (stream, name, data_type)
                found["money"].add(f"{stream}.{name}")
            elif kind == "string" and fmt == "date":
                assert data_type == "date", (stream, name, data_type)
                found["date"].add(f"{stream}.{name}")
            elif kind == "string" and fmt == "date-time":
                assert data_type == "timestamp without time zone", (stream, name, data_type)
                found["timestamp"].add(f"{stream}.{name}")
            elif kind == "object":
                assert data_type == "jsonb", (stream, name, data_type)
                found["object"].add(f"{stream}.{name}")
            elif kind == "array" and _single_type(prop.get("items", {})) == "object":
                assert columns[name]["udt_name"] == "_jsonb", (stream, name, columns[name])
                found["array of objects"].add(f"{stream}.{name}")
    assert all(found.values()), f"nothing of some kind was checked: {found}"


# -- exact instants ---------------------------------------------------------------------


@pytest.mark.parametrize("stream", DATETIME_STREAMS)
def test_timestamps_hold_the_emitted_utc_instants(warehouse, stream):
    columns = _datetime_columns(warehouse, stream)
    assert columns
    load = warehouse.first[ACCOUNTS[0]]
    keys = load.tap.schemas[stream]["key_properties"]
    emitted = {_key(r, keys): r for r in load.tap.records[stream]}
    selected = ", ".join(f'"{c}"' for c in [*keys, *columns])
    loaded = warehouse.db.rows(
        f"SELECT {selected} FROM {SCHEMA}.\"{stream}\" WHERE account_id = '{load.account}'"
    )
    compared = 0
    for row in loaded:
        record = emitted[_key(row, keys)]
        for column in columns:
            value = record.get(column)
            if value is None:
                assert row[column] is None, (stream, column)
                continue
            assert value.endswith("Z"), f"{stream}.{column} was emitted without UTC: {value}"
            assert datetime.fromisoformat(row[column]) == _utc_naive(value), (
                stream,
                column,
                row[column],
                value,
            )
            compared += 1
    assert compared, f"no {stream} record had a timestamp to compare"


def test_timestamps_are_the_simulators_instants(warehouse, module_sim):
    tables = module_sim.dataset.tables
    truth = {
        ("clients", "created_at"): {c["id"]: c["created_at"] for c in tables["clients"]},
        ("invoices", "created_at"): {i["id"]: i["created_at"] for i in tables["invoices"]},
        ("payments", "payment_date"): {
            p["id"]: p["payment_date"] for i in tables["invoices"] for p in i["payments"]
        },
    }
    for (table, column), values in truth.items():
        rows = warehouse.db.rows(
            f'SELECT id, to_char("{column}", \'YYYY-MM-DD"T"HH24:MI:SS.US\') AS at '
            f"FROM {SCHEMA}.\"{table}\" WHERE account_id = '{ACCOUNTS[0]}'"
        )
        loaded = {row["id"]: row["at"] for row in rows}
        assert loaded == {
            k: _utc_naive(v).isoformat(timespec="microseconds") for k, v in values.items()
        }, table


# -- the dbt models ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def dbt_results(warehouse, tmp_path_factory) -> list[dict[str, Any]]:
    """``dbt build`` (profile target prod: dbt-postgres) on the loaded warehouse."""
    workdir = tmp_path_factory.mktemp("dbt")
    db = warehouse.db.target_config()
    env = {
        **os.environ,
        "DBT_TARGET": "prod",
        "TARGET_POSTGRES_HOST": db["host"],
        "TARGET_POSTGRES_PORT": str(db["port"]),
        "TARGET_POSTGRES_USER": db["user"],
        "TARGET_POSTGRES_PASSWORD": db["password"],
        "TARGET_POSTGRES_DATABASE": db["database"],
        "PIXIESET_SCHEMAS": SCHEMA,
    }
    transform = Path(__file__).resolve().parent.parent / "transform"
    proc = subprocess.run(
        [
            str(dbt_bin() / "dbt"),
            "build",
            "--project-dir",
            str(transform),
            "--profiles-dir",
            str(transform),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
            "--vars",
            json.dumps({"as_of_date": NOW.date().isoformat()}),
        ],
        cwd=transform,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    errors = [line for line in proc.stdout.splitlines() if "Error" in line or "error" in line]
    assert proc.returncode == 0, "\n".join(errors[-40:]) + proc.stdout[-3000:]
    return list(json.loads((workdir / "target" / "run_results.json").read_text())["results"])


def test_dbt_build_passes_on_the_postgres_warehouse(dbt_results):
    failed = [r["unique_id"] for r in dbt_results if r["status"] not in ("success", "pass")]
    assert not failed, failed
    staging = [r for r in dbt_results if r["unique_id"].startswith("model.pixieset.stg_")]
    assert len(staging) == len(STREAMS)
    assert any(r["unique_id"].startswith("test.pixieset.reconcile_") for r in dbt_results)


def test_marts_keep_each_account_apart_with_the_simulators_totals(
    warehouse, dbt_results, module_sim
):
    truth = money_totals(module_sim.dataset)
    rows = warehouse.db.rows(
        "SELECT account_id, currency, sum(collected)::text AS collected, "
        "sum(invoiced)::text AS invoiced FROM analytics_marts.mart_revenue_by_month "
        "GROUP BY 1, 2"
    )
    for account in ACCOUNTS:
        mine = [r for r in rows if r["account_id"] == account]
        assert {r["currency"]: Decimal(r["collected"]) for r in mine} == truth["collected"]
        assert {r["currency"]: Decimal(r["invoiced"]) for r in mine} == truth["invoiced"]
    clients = warehouse.db.rows(
        "SELECT account_id, count(*) AS n FROM analytics_marts.mart_clients GROUP BY 1"
    )
    expected = len(module_sim.dataset.tables["clients"])
    assert {r["account_id"]: r["n"] for r in clients} == dict.fromkeys(ACCOUNTS, expected)


# -- without a server -------------------------------------------------------------------


def test_a_missing_server_is_reported_with_how_to_install_it(tmp_path):
    (tmp_path / "15" / "bin").mkdir(parents=True)  # a client-only install has no initdb
    with pytest.raises(PostgresNotInstalled) as raised:
        find_server_bindir(tmp_path)
    assert str(raised.value) == INSTALL_HINT
    assert "apt-get install -y postgresql" in INSTALL_HINT

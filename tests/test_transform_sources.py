"""The staging layer's reading rules, on a small DuckDB warehouse made for the purpose.

Two schemas hold ``clients`` as two loads would leave them: one with ``account_id``,
soft-deleted rows (``_sdc_deleted_at``) and ``undeclared_fields``; one older, with none of
those columns and a field missing. ``dbt run`` of the clients staging model over both must
union them, keep the accounts apart, drop the deleted row and unpack the undeclared fields.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from harness import ROOT
from tool_venvs import dbt_bin

pytestmark = pytest.mark.slow

SETUP = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create schema acct_new; create schema acct_old")
con.execute('''
create table acct_new.clients (
    account_id varchar, id varchar, type varchar, status_name varchar, first_name varchar,
    last_name varchar, email varchar, phone varchar, company varchar, job_title varchar,
    address_info json, notes varchar, sample boolean, created_at timestamp,
    undeclared_fields json, _sdc_deleted_at timestamp)''')
con.execute('''
insert into acct_new.clients values
 ('studio-a', 'cl_1', 'lead', 'Active', 'Zoë', 'Müller', 'z@example.com', null, null, null,
  '{"city": "Zürich"}', null, false, '2025-01-02 03:04:05',
  '{"tags": ["wedding", "vip"], "lead_source": "instagram", "custom_fields": {"budget": "5k"}}',
  null),
 ('studio-a', 'cl_2', 'client', 'Active', 'Gone', 'Away', 'g@example.com', null, null, null,
  null, null, false, '2025-01-02 03:04:05', null, '2025-06-01 00:00:00')''')
con.execute('''
create table acct_old.clients (
    id varchar, type varchar, first_name varchar, last_name varchar, email varchar,
    created_at timestamp)''')
con.execute('''insert into acct_old.clients values
 ('cl_1', 'client', 'Ren', 'Kim', 'r@example.com', '2024-05-06 07:08:09')''')
"""

READ = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute('''
    select account_id, client_id, client_type, full_name, city, status, tags, lead_source,
        custom_fields::varchar, cast(created_at as varchar)
    from analytics_staging.stg_pixieset__clients order by account_id, client_id''').fetchall()
print(json.dumps(rows))
"""


def _python(script: str, *args: str) -> str:
    proc = subprocess.run(
        [str(dbt_bin() / "python"), "-c", script, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_clients_from_two_schemas_with_and_without_the_newer_columns(tmp_path: Path):
    database = tmp_path / "raw.duckdb"
    _python(SETUP, str(database))
    transform = ROOT / "transform"
    proc = subprocess.run(
        [
            str(dbt_bin() / "dbt"),
            "run",
            "--select",
            "stg_pixieset__clients",
            "--project-dir",
            str(transform),
            "--profiles-dir",
            str(transform),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--vars",
            json.dumps({"pixieset_schemas": "acct_new, acct_old"}),
        ],
        cwd=transform,
        env={**os.environ, "PIXIESET_DUCKDB_PATH": str(database), "DBT_TARGET": "dev"},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    rows = json.loads(_python(READ, str(database)))
    assert rows == [
        # No account_id column: the schema's name; missing columns read as NULL.
        [
            "acct_old",
            "cl_1",
            "client",
            "Ren Kim",
            None,
            None,
            None,
            None,
            None,
            "2024-05-06 07:08:09",
        ],
        # account_id from the column, undeclared fields unpacked; the deleted cl_2 is left out.
        [
            "studio-a",
            "cl_1",
            "lead",
            "Zoë Müller",
            "Zürich",
            "Active",
            "wedding, vip",
            "instagram",
            '{"budget":"5k"}',
            "2025-01-02 03:04:05",
        ],
    ]

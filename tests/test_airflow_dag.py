"""The Airflow DAG, imported and test-run by a real Apache Airflow in its own virtualenv.

Airflow (pinned in ``orchestrate/airflow/requirements.txt``) parses the DAG folder, then
runs the DAG with ``dag.test()`` against connections and variables from files. ``meltano``
is replaced by a stub that records its command line, working directory and ``TAP_PIXIESET_*``
environment, so the checks see exactly what each mapped task would run.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest
import yaml
from harness import ROOT
from tool_venvs import airflow_venv

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("airflow_dag")]

DAG_FOLDER = ROOT / "orchestrate" / "airflow" / "dags"
PROJECT = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
MAX_PARALLEL = 3
ACCOUNTS = {
    # account id -> its Airflow Connection (id, then fields)
    "studio-a": (
        "pixieset_studio_a",
        {
            "conn_type": "generic",
            "login": "owner-a@example.com",
            "password": "pw-a-7f3c9e",
            "extra": {"studio_cookie": "sess=cookie-a-51b2", "start_date": "2024-01-01T00:00:00Z"},
        },
    ),
    "studio-b": (
        "pixieset_studio_b",
        {
            "conn_type": "generic",
            "extra": {"studio_cookie": "sess=cookie-b-93d1", "gallery_cookie": "gal=cookie-b-22aa"},
        },
    ),
    "Studio_C": (
        "pixieset_studio_c",
        {
            "conn_type": "generic",
            "login": "owner-c@example.com",
            "password": "pw-c-0e4d88",
        },
    ),
}
SECRETS = [
    "pw-a-7f3c9e",
    "sess=cookie-a-51b2",
    "sess=cookie-b-93d1",
    "gal=cookie-b-22aa",
    "pw-c-0e4d88",
]

STUB = """#!{python}
import json, os, sys
record = {{
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "env": {{k: v for k, v in os.environ.items() if k.startswith(("TAP_PIXIESET_", "TARGET_"))}},
}}
name = os.environ.get("TAP_PIXIESET_ACCOUNT_ID", "_build")
with open(os.path.join({calls!r}, name + ".json"), "w") as f:
    json.dump(record, f)
"""


def _run(argv: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=900)
    assert proc.returncode == 0, f"{what} failed:\n{(proc.stdout + proc.stderr)[-4000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict[str, Any]:
    venv = airflow_venv()
    work = tmp_path_factory.mktemp("airflow")
    (work / "calls").mkdir()
    stub = work / "meltano"
    stub.write_text(STUB.format(python=venv / "bin" / "python", calls=str(work / "calls")))
    stub.chmod(0o755)
    (work / "connections.json").write_text(json.dumps(dict(ACCOUNTS.values())))
    (work / "variables.json").write_text(
        json.dumps({"pixieset_accounts": json.dumps(list(ACCOUNTS))})
    )
    (work / "secrets.json").write_text(json.dumps(SECRETS))
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "MELTANO", "PIXIESET", "TAP_"))
        },
        "AIRFLOW_HOME": str(work / "home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "MELTANO_BIN": str(stub),
        "PIXIESET_MAX_PARALLEL_ACCOUNTS": str(MAX_PARALLEL),
    }
    _run([str(venv / "bin" / "airflow"), "db", "migrate"], env, "airflow db migrate")
    probe = ROOT / "tests" / "airflow_probe.py"
    out = _run(
        [str(venv / "bin" / "python"), str(probe), str(DAG_FOLDER), str(work)], env, "the DAG probe"
    )
    return json.loads(out.strip().splitlines()[-1])


def test_dagbag_has_no_import_errors(report):
    assert report["import_errors"] == {}
    assert report["dag_ids"] == ["pixieset"]


def test_expected_tasks_are_there(report):
    assert report["tasks"] == ["dbt_build", "list_accounts", "meltano_run"]
    assert report["meltano_run"]["mapped"] is True
    assert report["meltano_run"]["upstream"] == ["list_accounts"]
    assert report["meltano_run"]["operator"] == "MeltanoAccountRun"


def test_models_build_once_after_every_account_loaded(report):
    assert report["dbt_build"] == {"upstream": ["meltano_run"], "trigger_rule": "all_done"}
    call = report["calls"]["_build"]
    assert call["argv"] == ["--environment=prod", "run", "dbt-postgres:build"]
    assert call["cwd"] == str(ROOT)
    assert call["env"] == {}, "no account's credentials reach the build"
    transformers = {p["name"]: p for p in PROJECT["plugins"]["transformers"]}
    assert "build" in transformers["dbt-postgres"]["commands"]


def test_concurrency_is_capped(report):
    assert report["meltano_run"]["max_active_tis_per_dag"] == MAX_PARALLEL
    assert report["max_active_runs"] == 1


def test_one_mapped_task_per_account_named_after_it(report):
    assert report["run_state"].endswith("success"), report
    instances = report["mapped_instances"]
    assert [i["map_index"] for i in instances] == list(range(len(ACCOUNTS)))
    assert [i["rendered_map_index"] for i in instances] == list(ACCOUNTS)
    assert all(i["state"].endswith("success") for i in instances)


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_mapped_command_line_per_account(report, account):
    call = report["calls"][account]
    assert call["argv"] == [
        "--environment=prod",
        "run",
        f"--state-id-suffix={account}",
        "tap-pixieset",
        "target-postgres",
    ]
    assert call["cwd"] == str(ROOT)
    assert call["env"]["TAP_PIXIESET_ACCOUNT_ID"] == account


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_each_account_loads_into_its_own_schema(report, account):
    env = report["calls"][account]["env"]
    expected = "pixieset_" + account.lower().replace("-", "_")
    assert env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"] == expected
    # Without it the tap refuses account_id with deletions on (a shared table would lose rows).
    assert env["TAP_PIXIESET_ACCOUNT_HAS_OWN_SCHEMA"] == "true"


def test_account_schemas_are_predictable(report):
    assert report["account_schema"] == {
        "postgres": "pixieset_studio_a",
        "snowflake": "PIXIESET_STUDIO_A",
        "variable": "TARGET_SNOWFLAKE_DEFAULT_TARGET_SCHEMA",
    }


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_each_account_gets_its_own_credentials(report, account):
    _, connection = ACCOUNTS[account]
    expected = {
        "TAP_PIXIESET_ACCOUNT_ID": account,
        "TAP_PIXIESET_ACCOUNT_HAS_OWN_SCHEMA": "true",
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": "pixieset_" + account.lower().replace("-", "_"),
    }
    if "login" in connection:
        expected["TAP_PIXIESET_EMAIL"] = connection["login"]
        expected["TAP_PIXIESET_PASSWORD"] = connection["password"]
    expected.update(
        {f"TAP_PIXIESET_{k.upper()}": v for k, v in connection.get("extra", {}).items()}
    )
    assert report["calls"][account]["env"] == expected


def test_command_targets_exist_in_the_meltano_project():
    environments = {e["name"] for e in PROJECT["environments"]}
    loaders = {p["name"] for p in PROJECT["plugins"]["loaders"]}
    extractors = {p["name"] for p in PROJECT["plugins"]["extractors"]}
    assert "prod" in environments and "target-postgres" in loaders and "tap-pixieset" in extractors


def test_credentials_are_masked_in_logs(report):
    assert report["masked"] == dict.fromkeys(SECRETS, True)


def test_account_list_is_validated(report):
    parsed = report["parse_accounts"]
    assert parsed["json"] == ["a", "b"]
    assert parsed["comma"] == ["studio-a", "studio_b"]
    assert parsed["list"] == ["x"]
    assert parsed["rejects"] == [
        "[]",
        '["bad id"]',
        '["x;rm -rf /"]',
        "{}",
        '["Studio-A", "studio_a"]',
    ]
    assert report["connection_id"] == "pixieset_studio_a"

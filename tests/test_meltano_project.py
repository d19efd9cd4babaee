"""The Meltano project: `meltano run tap-pixieset target-duckdb` from a fresh copy of the repo.

The project is copied as a clone would have it (tracked and unignored files only), Meltano
(pinned, in its own virtualenv) installs the tap and the pinned DuckDB loader from
``meltano.yml`` alone, and the dev environment is pointed at a running simulator through
``TAP_PIXIESET_*`` environment variables. Rows must land in DuckDB, one table per stream,
with the simulator's counts, and the same run builds the dbt models (``dbt-duckdb:build``);
two accounts then run with their own state ids.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from harness import ROOT
from tool_venvs import meltano_venv, requirements_file

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("meltano_project")

ACCOUNTS = ("studio-a", "studio-b")
PROJECT = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
LOADERS = {p["name"]: p for p in PROJECT["plugins"]["loaders"]}
TRANSFORMERS = {p["name"]: p for p in PROJECT["plugins"]["transformers"]}
ENVIRONMENTS = {e["name"]: e for e in PROJECT["environments"]}

# Reads the DuckDB file with the loader's own duckdb: rows per table and account.
COUNT_ROWS = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
schema = sys.argv[2]
counts = {}
tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
columns = ("SELECT column_name FROM information_schema.columns"
           " WHERE table_schema = ? AND table_name = ?")
for (table,) in con.execute(tables, [schema]).fetchall():
    names = {c for (c,) in con.execute(columns, [schema, table]).fetchall()}
    account = "account_id" if "account_id" in names else "NULL"
    query = f'SELECT {account}, count(*) FROM "{schema}"."{table}" GROUP BY 1'
    rows = con.execute(query).fetchall()
    counts[table] = {str(a): n for a, n in rows}
print(json.dumps(counts))
"""


def _clean_env() -> dict[str, str]:
    """This machine's environment without anything that would configure Meltano or a plugin."""
    prefixes = ("TAP_PIXIESET_", "TARGET_", "MELTANO_", "SNOWFLAKE_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


@dataclass
class MeltanoProject:
    """A fresh copy of the repository, driven by the pinned Meltano."""

    root: Path
    meltano: Path
    env: dict[str, str]
    #: stdout and stderr of the last command (Meltano relays the plugins' logs there).
    last_output: str = ""

    def __call__(self, *args: str, extra_env: Mapping[str, str] | None = None) -> str:
        """Run ``meltano ARGS`` in the project; return its output, or fail with the end of it."""
        proc = subprocess.run(
            [str(self.meltano), *args],
            cwd=self.root,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=1200,
        )
        output = self.last_output = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"meltano {' '.join(args)} failed:\n" + output[-4000:]
        return proc.stdout

    def duckdb_counts(self, path: Path) -> dict[str, dict[str, int]]:
        """Rows per table and account in a DuckDB file the loader wrote."""
        python = self.root / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
        schema = LOADERS["target-duckdb"]["config"]["default_target_schema"]
        proc = subprocess.run(
            [str(python), "-c", COUNT_ROWS, str(path), schema],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


def _fresh_copy(destination: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="module")
def project(tmp_path_factory, module_sim) -> MeltanoProject:
    root = _fresh_copy(tmp_path_factory.mktemp("fresh-clone"))
    env = {
        **_clean_env(),
        "TAP_PIXIESET_STUDIO_BASE_URL": module_sim.base_url("studio"),
        "TAP_PIXIESET_GALLERY_BASE_URL": module_sim.base_url("gallery"),
    }
    meltano = MeltanoProject(root, meltano_venv() / "bin" / "meltano", env)
    meltano("install", "tap-pixieset", "target-duckdb", "dbt-duckdb")
    return meltano


@pytest.fixture(scope="module")
def single_run(project) -> dict[str, dict[str, int]]:
    project("run", "tap-pixieset", "target-duckdb", "dbt-duckdb:build")
    # The tap imports nothing the SDK deprecates (it warned on every run under Meltano).
    assert "SingerSDKDeprecationWarning" not in project.last_output
    assert "singer_sdk.helpers._typing" not in project.last_output
    filepath = LOADERS["target-duckdb"]["config"]["filepath"].replace(
        "${MELTANO_PROJECT_ROOT}", str(project.root)
    )
    return project.duckdb_counts(Path(filepath))


@pytest.fixture(scope="module")
def account_runs(project) -> dict[str, dict[str, int]]:
    path = project.root / "output" / "accounts.duckdb"
    for account in ACCOUNTS:
        project(
            "run",
            f"--state-id-suffix={account}",
            "tap-pixieset",
            "target-duckdb",
            extra_env={"TAP_PIXIESET_ACCOUNT_ID": account, "TARGET_DUCKDB_FILEPATH": str(path)},
        )
    return project.duckdb_counts(path)


# -- meltano run into DuckDB ------------------------------------------------------------


@pytest.mark.slow
def test_meltano_run_loads_every_stream_into_duckdb(single_run, module_sim):
    expected = module_sim.dataset.expected_counts()
    assert set(single_run) == set(expected)
    assert {table: rows["None"] for table, rows in single_run.items()} == expected


@pytest.mark.slow
def test_the_same_meltano_run_builds_the_models(single_run, project, module_sim):
    python = project.root / ".meltano" / "transformers" / "dbt-duckdb" / "venv" / "bin" / "python"
    results = json.loads((project.root / "transform" / "target" / "run_results.json").read_text())
    assert results["results"] and all(
        r["status"] in ("success", "pass") for r in results["results"]
    )
    query = "SELECT count(*) FROM analytics_marts.mart_clients"
    proc = subprocess.run(
        [
            str(python),
            "-c",
            f"import duckdb, sys; print(duckdb.connect(sys.argv[1], "
            f"read_only=True).execute({query!r}).fetchone()[0])",
            str(project.root / "output" / "warehouse.duckdb"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == len(module_sim.dataset.tables["clients"])


@pytest.mark.slow
def test_each_account_loads_beside_the_other(account_runs, module_sim):
    expected = module_sim.dataset.expected_counts()
    assert account_runs == {stream: dict.fromkeys(ACCOUNTS, n) for stream, n in expected.items()}


@pytest.mark.slow
def test_each_account_keeps_its_own_state(account_runs, project):
    ids = set(project("state", "list").split())
    for account in ACCOUNTS:
        state_id = f"dev:tap-pixieset-to-target-duckdb:{account}"
        assert state_id in ids
        state = json.loads(project("state", "get", state_id))
        assert "bookmarks" in state["singer_state"], state_id


@pytest.mark.slow
def test_prod_reads_snowflake_settings_from_the_environment(project):
    values = {
        "SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1",
        "SNOWFLAKE_USER": "LOADER",
        "SNOWFLAKE_PASSWORD": "pw-from-env",
        "SNOWFLAKE_ROLE": "LOADER_ROLE",
        "SNOWFLAKE_WAREHOUSE": "LOAD_WH",
        "SNOWFLAKE_DATABASE": "RAW",
    }
    printed = project("--environment=prod", "config", "print", "target-snowflake", extra_env=values)
    config = json.loads(printed)
    public = {k: v for k, v in values.items() if k != "SNOWFLAKE_PASSWORD"}
    assert {k: config[k.removeprefix("SNOWFLAKE_").lower()] for k in public} == public
    assert config["password"] and "pw-from-env" not in printed  # set, and masked
    assert config["load_method"] == "upsert"


@pytest.mark.slow
def test_prod_loads_each_account_into_its_own_schema_with_deletions_on(project):
    # What the Airflow DAG sets for account studio-a (see orchestrate/airflow/dags/pixieset.py).
    values = {
        "TAP_PIXIESET_ACCOUNT_ID": "studio-a",
        "TAP_PIXIESET_ACCOUNT_HAS_OWN_SCHEMA": "true",
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": "pixieset_studio_a",
    }
    target = json.loads(
        project("--environment=prod", "config", "print", "target-postgres", extra_env=values)
    )
    assert target["default_target_schema"] == "pixieset_studio_a"
    assert target["add_record_metadata"] is True and target["activate_version"] is True
    assert target["hard_delete"] is False
    tap = json.loads(
        project("--environment=prod", "config", "print", "tap-pixieset", extra_env=values)
    )
    assert tap["emit_activate_version_messages"] is True
    assert tap["account_id"] == "studio-a" and tap["account_has_own_schema"] is True


# -- the project file -------------------------------------------------------------------


def test_environments_dev_and_prod():
    assert PROJECT["default_environment"] == "dev"
    assert set(ENVIRONMENTS) >= {"dev", "prod"}
    dev_tap = next(
        p
        for p in ENVIRONMENTS["dev"]["config"]["plugins"]["extractors"]
        if p["name"] == "tap-pixieset"
    )
    for api in ("studio", "gallery"):
        assert dev_tap["config"][f"{api}_base_url"].startswith("http://127.0.0.1:"), api


def test_prod_snowflake_settings_come_from_environment_variables():
    loaders = {p["name"]: p for p in ENVIRONMENTS["prod"]["config"]["plugins"]["loaders"]}
    config = loaders["target-snowflake"]["config"]
    assert {"account", "user", "password", "role", "warehouse", "database"} <= set(config)
    assert all(re.fullmatch(r"\$\{SNOWFLAKE_[A-Z_]+\}", str(v)) for v in config.values()), config


def test_loaders_are_pinned_and_need_no_hub():
    assert {"target-duckdb", "target-postgres", "target-snowflake"} <= set(LOADERS)
    for name, loader in LOADERS.items():
        assert loader.get("namespace") and loader.get("executable"), name
        requirements = loader["pip_url"].split()
        pinned = [r for r in requirements if not r.startswith("./loaders/")]
        assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", r) for r in pinned), (
            name,
            requirements,
        )
    # DuckDB through the header shim, which lives in this repository (no index needed).
    duckdb = LOADERS["target-duckdb"]
    assert duckdb["pip_url"].split() == [
        "target-duckdb==0.8.0",
        "duckdb==1.5.6",
        "./loaders/target-duckdb-shim",
    ]
    assert duckdb["executable"] == "target-duckdb-shim"
    assert (ROOT / "loaders" / "target-duckdb-shim" / "pyproject.toml").is_file()
    assert LOADERS["target-postgres"]["config"]["load_method"] == "upsert"


def test_transformers_are_pinned_as_transform_requirements():
    pins = set(requirements_file(ROOT / "transform" / "requirements.txt"))
    assert {"dbt-duckdb", "dbt-postgres"} <= set(TRANSFORMERS)
    for name, transformer in TRANSFORMERS.items():
        assert set(transformer["pip_url"].split()) <= pins, name
        assert transformer["commands"]["build"]["args"] == "build"
        settings = {setting["name"]: setting for setting in transformer["settings"]}
        for setting, env in (
            ("project_dir", "DBT_PROJECT_DIR"),
            ("profiles_dir", "DBT_PROFILES_DIR"),
        ):
            assert settings[setting]["value"] == "${MELTANO_PROJECT_ROOT}/transform", name
            assert settings[setting]["env"] == env, name
    jobs = {job["name"]: job["tasks"] for job in PROJECT["jobs"]}
    assert jobs["pixieset-to-duckdb"] == ["tap-pixieset target-duckdb dbt-duckdb:build"]
    assert jobs["pixieset-to-postgres"] == ["tap-pixieset target-postgres dbt-postgres:build"]


def test_secrets_are_sensitive_in_every_plugin():
    secret_names = {
        "password",
        "private_key",
        "private_key_passphrase",
        "studio_cookie",
        "gallery_cookie",
        "csrf_token",
    }
    for kind in ("extractors", "loaders"):
        for plugin in PROJECT["plugins"][kind]:
            for setting in plugin.get("settings", []):
                if setting["name"] in secret_names:
                    assert setting.get("sensitive") is True, (plugin["name"], setting["name"])


def test_the_tap_has_default_select_rules():
    tap = next(p for p in PROJECT["plugins"]["extractors"] if p["name"] == "tap-pixieset")
    assert tap["select"]

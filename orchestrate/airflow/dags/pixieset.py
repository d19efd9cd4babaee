"""Pixieset into the warehouse: one Meltano run per account, mapped at run time.

**Accounts.** The Airflow Variable ``pixieset_accounts`` lists them, as a JSON list
(``["studio-a", "studio-b"]``) or comma-separated. Each id becomes the tap's
``account_id`` (so every row and key carries it) and the Meltano state id suffix (so each
account keeps its own bookmarks, under ``prod:tap-pixieset-to-target-postgres:<id>``).

**One schema per account.** Each account loads into a warehouse schema of its own,
``pixieset_<id>`` (lower case, ``-`` becomes ``_``; ``PIXIESET_<ID>`` on Snowflake, which
folds names to upper case), set through the loader's ``<LOADER>_DEFAULT_TARGET_SCHEMA``
variable. Deletions reach the warehouse through ACTIVATE_VERSION, which target-postgres and
target-snowflake apply to a whole table: in tables shared by accounts, one account's run
would delete the others' rows. So the task also sets ``TAP_PIXIESET_ACCOUNT_HAS_OWN_SCHEMA``,
without which the tap refuses ``account_id`` with deletions on. The dbt project unions the
accounts' schemas (its ``pixieset_schemas`` variable lists them).

**Secrets.** Each account has an Airflow Connection ``pixieset_<id>`` (``-`` becomes ``_``):
``login`` is the Pixieset email and ``password`` its password, and the JSON ``extra`` may
hold any other tap setting, such as ``{"studio_cookie": "...", "gallery_cookie": "..."}``.
They are read only when the task runs, passed to Meltano as ``TAP_PIXIESET_*`` variables and
masked in the logs; the task's rendered fields and command line never contain them.

**Each mapped task runs**, in the Meltano project::

    meltano --environment=prod run --state-id-suffix=<id> tap-pixieset target-postgres

with ``TAP_PIXIESET_ACCOUNT_ID=<id>``, ``TAP_PIXIESET_ACCOUNT_HAS_OWN_SCHEMA=true`` and
``TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA=pixieset_<id>`` in its environment. The ``prod``
environment turns ``bounded_freshness`` on (``freshness_days: 10``): a daily run costs a
fraction of a full sync and every record is re-read at least every 10 days, so schedule it
at least daily.

**Then the models build once**, when every account's load has finished (failed or not)::

    meltano --environment=prod run dbt-postgres:build

The marts are shared by all accounts (one table, ``account_id`` in every key), so one build
after the loads refreshes every account; builds per account, run in parallel, would replace
the same tables at the same time. A failed account still fails the DAG run, but the others'
figures are rebuilt.

**Concurrency.** ``max_active_tis_per_dag`` caps how many accounts load at once (Pixieset
rate limits are per account, the warehouse's connections are not); ``max_active_runs=1``
keeps two runs of one account from sharing a state. Which machines run the tasks is the
executor's business: LocalExecutor runs them as processes here, CeleryExecutor and
KubernetesExecutor spread them over workers, each of which needs Meltano and this project.

Environment variables of the scheduler and workers tune it: ``MELTANO_PROJECT_ROOT``
(default: this repository), ``MELTANO_BIN`` (``meltano``), ``PIXIESET_MELTANO_ENVIRONMENT``
(``prod``), ``PIXIESET_LOADER`` (``target-postgres``), ``PIXIESET_TRANSFORMER``
(``dbt-postgres:build``; empty for none), ``PIXIESET_MAX_PARALLEL_ACCOUNTS`` (4) and
``PIXIESET_SCHEDULE`` (``@daily``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, BaseHook, TriggerRule, Variable, task
from airflow.sdk.log import mask_secret

PROJECT_ROOT = os.environ.get("MELTANO_PROJECT_ROOT") or str(Path(__file__).resolve().parents[3])
MELTANO_BIN = os.environ.get("MELTANO_BIN", "meltano")
MELTANO_ENVIRONMENT = os.environ.get("PIXIESET_MELTANO_ENVIRONMENT", "prod")
LOADER = os.environ.get("PIXIESET_LOADER", "target-postgres")
TRANSFORMER = os.environ.get("PIXIESET_TRANSFORMER", "dbt-postgres:build")
MAX_PARALLEL_ACCOUNTS = int(os.environ.get("PIXIESET_MAX_PARALLEL_ACCOUNTS", "4"))
SCHEDULE = os.environ.get("PIXIESET_SCHEDULE", "@daily")
ACCOUNTS_VARIABLE = "pixieset_accounts"

#: The tap's own rule for account_id: the id is also a state id suffix and a shell word.
ACCOUNT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def parse_accounts(raw: Any) -> list[str]:
    """Account ids from the Variable's value: a JSON list or a comma-separated string."""
    if isinstance(raw, str):
        text = raw.strip()
        raw = json.loads(text) if text.startswith("[") else text.split(",")
    if not isinstance(raw, list):
        raise ValueError(f"{ACCOUNTS_VARIABLE} must be a JSON list of account ids")
    accounts = list(dict.fromkeys(str(a).strip() for a in raw if str(a).strip()))
    bad = [a for a in accounts if not ACCOUNT_ID.match(a)]
    if bad:
        raise ValueError(
            f"Invalid account ids in {ACCOUNTS_VARIABLE}: {bad} (letters, digits, _ and -)"
        )
    if not accounts:
        raise ValueError(f"{ACCOUNTS_VARIABLE} lists no account")
    schemas = [account_schema(a) for a in accounts]
    clashing = sorted({a for a, s in zip(accounts, schemas, strict=True) if schemas.count(s) > 1})
    if clashing:
        raise ValueError(
            f"Account ids in {ACCOUNTS_VARIABLE} that would share a schema: {clashing} "
            "(ids are compared in lower case, with - and _ alike)"
        )
    return accounts


def account_schema(account_id: str, loader: str = LOADER) -> str:
    """The warehouse schema of one account: ``pixieset_<id>`` (upper case on Snowflake)."""
    schema = "pixieset_" + account_id.lower().replace("-", "_")
    return schema.upper() if "snowflake" in loader else schema


def schema_variable(loader: str = LOADER) -> str:
    """The environment variable through which Meltano sets the loader's target schema."""
    return loader.upper().replace("-", "_") + "_DEFAULT_TARGET_SCHEMA"


def account_environment(account_id: str, loader: str = LOADER) -> dict[str, str]:
    """The non-secret environment of one account's run: its id and its own schema."""
    return {
        "TAP_PIXIESET_ACCOUNT_ID": account_id,
        "TAP_PIXIESET_ACCOUNT_HAS_OWN_SCHEMA": "true",
        schema_variable(loader): account_schema(account_id, loader),
    }


def meltano_command(account_id: str) -> str:
    """Build the command line of one account's run."""
    argv = [
        MELTANO_BIN,
        f"--environment={MELTANO_ENVIRONMENT}",
        "run",
        f"--state-id-suffix={account_id}",
        "tap-pixieset",
        LOADER,
    ]
    return shlex.join(argv)


def build_command() -> str:
    """Build the command line that runs the dbt models once the accounts are loaded."""
    return shlex.join([MELTANO_BIN, f"--environment={MELTANO_ENVIRONMENT}", "run", TRANSFORMER])


def connection_id(account_id: str) -> str:
    """Name the Airflow Connection that holds one account's credentials."""
    return "pixieset_" + account_id.lower().replace("-", "_")


def tap_environment(
    login: str | None, password: str | None, extra: dict[str, Any]
) -> dict[str, str]:
    """``TAP_PIXIESET_*`` variables from a connection's login, password and extra settings."""
    env = {
        f"TAP_PIXIESET_{key.upper()}": value if isinstance(value, str) else json.dumps(value)
        for key, value in extra.items()
    }
    if login:
        env["TAP_PIXIESET_EMAIL"] = login
    if password:
        env["TAP_PIXIESET_PASSWORD"] = password
    return env


class MeltanoAccountRun(BashOperator):
    """``meltano run`` for one account; its credentials join the environment only at execution."""

    def __init__(self, *, account_id: str, **kwargs: Any) -> None:
        if not ACCOUNT_ID.match(account_id):
            raise ValueError(f"Invalid account id {account_id!r}")
        super().__init__(
            bash_command=meltano_command(account_id),
            env=account_environment(account_id),
            append_env=True,
            cwd=PROJECT_ROOT,
            **kwargs,
        )
        self.account_id = account_id

    def execute(self, context: Any) -> Any:
        """Add the account's credentials, masked in every log line, and run Meltano."""
        connection = BaseHook.get_connection(connection_id(self.account_id))
        secrets = tap_environment(connection.login, connection.password, connection.extra_dejson)
        for name, value in secrets.items():
            if name != "TAP_PIXIESET_EMAIL":
                mask_secret(value)
        self.env = {**(self.env or {}), **secrets}
        return super().execute(context)


with DAG(
    dag_id="pixieset",
    description="Pixieset Studio and Gallery into the warehouse, one Meltano run per account",
    schedule=SCHEDULE,
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["pixieset", "meltano"],
    doc_md=__doc__,
):

    @task
    def list_accounts() -> list[str]:
        """Read the configured account ids when the run starts."""
        return parse_accounts(Variable.get(ACCOUNTS_VARIABLE))

    loads = MeltanoAccountRun.partial(
        task_id="meltano_run",
        max_active_tis_per_dag=MAX_PARALLEL_ACCOUNTS,
        map_index_template="{{ task.account_id }}",
    ).expand(account_id=list_accounts())

    if TRANSFORMER:
        loads >> BashOperator(
            task_id="dbt_build",
            bash_command=build_command(),
            cwd=PROJECT_ROOT,
            trigger_rule=TriggerRule.ALL_DONE,
        )

"""Runs inside the Airflow virtualenv (not the tap's): loads and test-runs the Pixieset DAG.

Usage: python airflow_probe.py DAG_FOLDER WORKDIR. Reads ``WORKDIR/connections.json`` and
``WORKDIR/variables.json``; prints one JSON report on its last line of stdout. The DAG runs
for real with ``dag.test()``, with ``MELTANO_BIN`` pointing at a stub that records how it
was called, so the report holds each mapped task's actual command line and environment.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any


def _dag_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("pixieset_dag_probe", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rejects(func: Any, value: Any) -> bool:
    try:
        func(value)
    except ValueError:
        return True
    return False


def main() -> None:
    dag_folder, workdir = Path(sys.argv[1]), Path(sys.argv[2])
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models import TaskInstance
    from airflow.sdk._shared.secrets_masker import redact
    from airflow.utils.session import create_session
    from sqlalchemy import select

    bag = DagBag(dag_folder=str(dag_folder))
    report: dict[str, Any] = {
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "dag_ids": sorted(bag.dags),
    }
    dag = bag.dags["pixieset"]
    run_task = dag.get_task("meltano_run")
    report["tasks"] = sorted(t.task_id for t in dag.tasks)
    report["meltano_run"] = {
        "mapped": type(run_task).__name__ == "MappedOperator",
        "upstream": sorted(run_task.upstream_task_ids),
        "max_active_tis_per_dag": run_task.partial_kwargs.get("max_active_tis_per_dag"),
        "operator": run_task.operator_class.__name__,
    }
    build_task = dag.get_task("dbt_build")
    report["dbt_build"] = {
        "upstream": sorted(build_task.upstream_task_ids),
        "trigger_rule": str(getattr(build_task.trigger_rule, "value", build_task.trigger_rule)),
    }
    report["max_active_runs"] = dag.max_active_runs

    module = _dag_module(dag_folder / "pixieset.py")
    report["parse_accounts"] = {
        "json": module.parse_accounts('["a", "b", "a"]'),
        "comma": module.parse_accounts("studio-a, studio_b"),
        "list": module.parse_accounts(["x"]),
        "rejects": [
            v
            for v in ("[]", '["bad id"]', '["x;rm -rf /"]', "{}", '["Studio-A", "studio_a"]')
            if _rejects(module.parse_accounts, v)
        ],
    }
    report["connection_id"] = module.connection_id("Studio-A")
    report["account_schema"] = {
        "postgres": module.account_schema("Studio-A", "target-postgres"),
        "snowflake": module.account_schema("Studio-A", "target-snowflake"),
        "variable": module.schema_variable("target-snowflake"),
    }

    run = dag.test(
        conn_file_path=str(workdir / "connections.json"),
        variable_file_path=str(workdir / "variables.json"),
    )
    report["run_state"] = str(run.state)
    with create_session() as session:
        instances = session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == "pixieset", TaskInstance.task_id == "meltano_run"
            )
        ).all()
        report["mapped_instances"] = sorted(
            [
                {
                    "map_index": ti.map_index,
                    "rendered_map_index": ti.rendered_map_index,
                    "state": str(ti.state),
                }
                for ti in instances
            ],
            key=lambda item: item["map_index"],
        )
    report["calls"] = {
        p.stem: json.loads(p.read_text()) for p in sorted((workdir / "calls").glob("*.json"))
    }
    secrets = json.loads((workdir / "secrets.json").read_text())
    report["masked"] = {value: redact(f"x {value} y") == "x *** y" for value in secrets}
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()

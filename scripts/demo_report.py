"""The demo's last step: build the dbt models on the DuckDB warehouse, print figures, write a report.

``scripts/demo.py`` calls :func:`build_and_report` once the tables are loaded. dbt and the
report's plotting library run from their own virtualenv (``.tools/dbt``, pinned in
``transform/requirements.txt``), installed on first use like the loader's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from toolenv import tool_venv

ROOT = Path(__file__).resolve().parent.parent
TRANSFORM = ROOT / "transform"
REQUIREMENTS = TRANSFORM / "requirements.txt"


def requirements() -> list[str]:
    """The pinned requirement lines of ``transform/requirements.txt``."""
    lines = (line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return [line for line in lines if line]


def dbt_venv() -> Path:
    """The ``bin`` directory of ``.tools/dbt``, installed first if needed (one process at a time)."""
    return tool_venv("dbt", requirements()) / "bin"


def dbt_command(bin_dir: Path, workdir: Path, variables: dict[str, str]) -> list[str]:
    """``dbt build`` on the transform project, with its artifacts and logs under ``workdir``."""
    return [
        str(bin_dir / "dbt"),
        "build",
        "--project-dir",
        str(TRANSFORM),
        "--profiles-dir",
        str(TRANSFORM),
        "--target-path",
        str(workdir / "dbt-target"),
        "--log-path",
        str(workdir / "dbt-logs"),
        "--vars",
        json.dumps(variables),
    ]


def build_and_report(database: Path, workdir: Path, as_of: date, currency: str) -> int:
    """Build the models on ``database``, print the headline figures and the report's path.

    Args:
        database: The DuckDB file the demo loaded.
        workdir: Where dbt's artifacts, its log and the report go.
        as_of: The date receivables age to (the simulator's "now").
        currency: The currency of amounts the API sends without one (gift cards).

    Returns:
        0 when the models, their tests and the report all succeeded, else 1.
    """
    bin_dir = dbt_venv()
    started = time.monotonic()
    env = {**os.environ, "PIXIESET_DUCKDB_PATH": str(database), "DBT_TARGET": "dev"}
    variables = {"as_of_date": as_of.isoformat(), "pixieset_default_currency": currency}
    log = workdir / "dbt.log"
    with log.open("w") as out:
        build = subprocess.run(
            dbt_command(bin_dir, workdir, variables),
            cwd=TRANSFORM,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    summary = [line for line in log.read_text().splitlines() if "PASS=" in line]
    if build.returncode:
        print(f"dbt build failed (exit {build.returncode}); see {log}.", file=sys.stderr)
        return 1
    done = summary[-1].split("Done.")[-1].strip() if summary else "done"
    print(f"\ndbt build: {done} in {time.monotonic() - started:.1f} s.")
    report = workdir / "report.html"
    shown = subprocess.run(
        [
            str(bin_dir / "python"),
            str(TRANSFORM / "report.py"),
            str(database),
            str(report),
            "--as-of",
            as_of.isoformat(),
            "--json",
            str(workdir / "report.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode:
        print(f"The report failed:\n{shown.stderr[-2000:]}", file=sys.stderr)
        return 1
    print(shown.stdout, end="")
    print(f"Report: {report}")
    return 0

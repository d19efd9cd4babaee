"""Python tools the end-to-end tests drive, each in its own virtualenv under ``.tools/<name>``.

Meltano, target-postgres and Airflow cannot share the tap's environment (their pins clash),
so each gets a virtualenv of its own, created on first use and reused for as long as its
pinned requirements stay the same. The pins are read from the files users deploy from
(``meltano.yml``, ``orchestrate/*requirements.txt``), so the tests run what users run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from toolenv import meltano_plugin, tool_venv

MELTANO_REQUIREMENTS = ROOT / "orchestrate" / "meltano-requirements.txt"
AIRFLOW_REQUIREMENTS = ROOT / "orchestrate" / "airflow" / "requirements.txt"

__all__ = ["meltano_plugin", "tool_venv"]


def requirements_file(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file, without comments."""
    lines = (
        line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
    )
    return [line for line in lines if line]


def meltano_venv() -> Path:
    """Meltano, as pinned in ``orchestrate/meltano-requirements.txt``."""
    return tool_venv("meltano", requirements_file(MELTANO_REQUIREMENTS))


def target_postgres_venv() -> Path:
    """MeltanoLabs target-postgres, as pinned by ``meltano.yml``."""
    return tool_venv(
        "target-postgres", meltano_plugin("loaders", "target-postgres")["pip_url"].split()
    )


def dbt_bin() -> Path:
    """The ``bin`` directory of dbt (``transform/requirements.txt``), shared with the demo."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from demo_report import dbt_venv

    return dbt_venv()


def airflow_venv() -> Path:
    """Apache Airflow, as pinned in ``orchestrate/airflow/requirements.txt``."""
    return tool_venv("airflow", requirements_file(AIRFLOW_REQUIREMENTS))

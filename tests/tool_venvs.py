"""Python tools the end-to-end tests drive, each in its own virtualenv under ``.tools/<name>``.

Meltano, target-postgres and Airflow cannot share the tap's environment (their pins clash),
so each gets a virtualenv of its own, created on first use and reused for as long as its
pinned requirements stay the same. The pins are read from the files users deploy from
(``meltano.yml``, ``orchestrate/*requirements.txt``), so the tests run what users run.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from harness import ROOT

TOOLS_DIR = ROOT / ".tools"
MELTANO_REQUIREMENTS = ROOT / "orchestrate" / "meltano-requirements.txt"
AIRFLOW_REQUIREMENTS = ROOT / "orchestrate" / "airflow" / "requirements.txt"

#: Seconds each tool took to install in this session (0.0 when an existing one was reused).
INSTALL_SECONDS: dict[str, float] = {}


def requirements_file(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file, without comments."""
    lines = (
        line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
    )
    return [line for line in lines if line]


def meltano_plugin(plugin_type: str, name: str) -> dict[str, Any]:
    """A plugin's declaration in ``meltano.yml`` (of type ``extractors`` or ``loaders``)."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    return next(p for p in project["plugins"][plugin_type] if p["name"] == name)


def tool_venv(name: str, requirements: Sequence[str]) -> Path:
    """Return ``.tools/<name>`` with ``requirements`` installed; rebuilt only when they change."""
    venv = TOOLS_DIR / name
    python = venv / "bin" / "python"
    stamp = venv / ".requirements"
    wanted = "\n".join(requirements) + "\n"
    TOOLS_DIR.mkdir(exist_ok=True)
    with (TOOLS_DIR / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers build a tool once
        if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
            INSTALL_SECONDS.setdefault(name, 0.0)
            return venv
        started = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)], f"create the {name} virtualenv")
        _run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *requirements,
            ],
            f"install {name} ({' '.join(requirements)}) from PyPI",
        )
        stamp.write_text(wanted, encoding="utf-8")
        INSTALL_SECONDS[name] = time.monotonic() - started
    return venv


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"Could not {what} (exit {proc.returncode}):\n{tail}")


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

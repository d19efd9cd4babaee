"""Separate virtualenvs for the programs around the tap (loaders, Meltano, Airflow).

Singer targets and orchestrators pin dependencies that clash with the tap's, so each runs
from its own virtualenv under ``.tools/<name>``, as Meltano itself would install them. A
virtualenv is created on first use and reused while its requirements are unchanged: the same
pins, the same Python, and the same files in any local directory among them (the DuckDB
loader shim). A file lock makes parallel test workers and the demo build each one once.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"


def meltano_plugin(plugin_type: str, name: str) -> dict[str, Any]:
    """A plugin's declaration in ``meltano.yml`` (of type ``extractors`` or ``loaders``)."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    return next(p for p in project["plugins"][plugin_type] if p["name"] == name)


def duckdb_loader() -> Path:
    """The DuckDB loader's executable, installed exactly as ``meltano.yml`` declares it."""
    plugin = meltano_plugin("loaders", "target-duckdb")
    return tool_venv("target-duckdb", plugin["pip_url"].split()) / "bin" / plugin["executable"]


def _fingerprint(requirements: Sequence[str], python: str) -> str:
    """What the virtualenv was built from: Python, pins, and the content of local directories."""
    digest = hashlib.sha256("\n".join([python, *requirements]).encode())
    for requirement in requirements:
        local = ROOT / requirement
        if requirement.startswith(".") and local.is_dir():
            for path in sorted(p for p in local.rglob("*") if p.is_file()):
                if "__pycache__" not in path.parts and ".egg-info" not in str(path):
                    digest.update(str(path.relative_to(local)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def tool_venv(name: str, requirements: Sequence[str], python: str = sys.executable) -> Path:
    """Return ``.tools/<name>`` with ``requirements`` installed; rebuilt only when they change.

    Local directories among the requirements (``./loaders/...``) are relative to the repository.

    Raises:
        RuntimeError: The virtualenv could not be created or the requirements not installed;
            the message ends with pip's last lines.
    """
    venv = TOOLS / name
    stamp = venv / ".requirements"
    wanted = f"{_fingerprint(requirements, python)}\n" + "\n".join(requirements) + "\n"
    TOOLS.mkdir(exist_ok=True)
    with (TOOLS / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers and the demo build a tool once
        python_exists = (venv / "bin" / "python").exists()
        if python_exists and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        print(
            f"Installing {name} ({' '.join(requirements)}) into .tools/{name} ...", file=sys.stderr
        )
        _run([python, "-m", "venv", str(venv)], f"create the {name} virtualenv")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        _run([*pip, "--disable-pip-version-check", *requirements], f"install {name} from PyPI")
        stamp.write_text(wanted, encoding="utf-8")
    return venv


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"Could not {what} (exit {proc.returncode}):\n{tail}")

"""Separate virtualenvs for the programs around the tap (loaders, Meltano, Airflow).

Singer targets and orchestrators pin dependencies that clash with the tap's, so each runs
from its own virtualenv under ``.tools/<name>``, as Meltano itself would install them. A
virtualenv is created on first use and reused while its pinned requirements are unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"


def tool_venv(name: str, requirements: list[str], python: str = sys.executable) -> Path:
    """Return the ``bin`` directory of the virtualenv ``name`` with ``requirements`` installed."""
    venv = TOOLS / name
    digest = hashlib.sha256("\n".join([python, *requirements]).encode()).hexdigest()[:16]
    stamp = venv / f".installed-{digest}"
    bin_dir = venv / "bin"
    if stamp.exists():
        return bin_dir
    if venv.exists():
        shutil.rmtree(venv)
    print(
        f"Installing {name} ({' '.join(requirements)}) into {venv.relative_to(ROOT)} ...",
        file=sys.stderr,
        flush=True,
    )
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [
        str(bin_dir / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *requirements], check=True)
    stamp.touch()
    return bin_dir

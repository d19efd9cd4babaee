"""Does every pinned tool install from wheels alone, on each supported Python?

Resolves (``pip install --dry-run --only-binary=:all:``, nothing is installed) each set of pins
users install: the tap's own dependencies, every loader in ``meltano.yml``, Meltano and Airflow
from ``orchestrate/``, for Python 3.10 to 3.13 on this platform, and prints a table. A set
that needs a source build on some version shows the package pip could not find a wheel for.

    .venv/bin/python scripts/check_wheels.py [3.10 3.13 ...]

It needs PyPI (metadata only, where the index serves it). It is a release check, not a test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
LOCAL = "./"  # local directories (the DuckDB shim) are pure Python, built by pip


def requirement_sets() -> dict[str, list[str]]:
    """Each tool's pins, read from the files users install from."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)\]", pyproject, re.S | re.M)
    assert block, "pyproject.toml has no dependencies list"
    sets = {"tap-pixieset": re.findall(r'"([^"]+)"', block.group(1))}
    for loader in project["plugins"]["loaders"]:
        sets[loader["name"]] = [r for r in loader["pip_url"].split() if not r.startswith(LOCAL)]
    for name, path in (
        ("meltano", "orchestrate/meltano-requirements.txt"),
        ("airflow", "orchestrate/airflow/requirements.txt"),
    ):
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        sets[name] = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    return sets


def wheels_only(requirements: list[str], version: str) -> str:
    """``ok``, or the first requirement pip found no wheel for on ``version``."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--ignore-installed",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--python-version",
            version,
            *requirements,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 0:
        return "ok"
    missing = re.search(r"No matching distribution found for (\S+)", proc.stderr)
    return f"no wheel: {missing.group(1)}" if missing else proc.stderr.strip().splitlines()[-1]


def main() -> int:
    """Print one row per tool, one column per Python version."""
    versions = sys.argv[1:] or VERSIONS
    print(f"{'tool':<18}" + "".join(f"{v:<34}" for v in versions))
    failures = 0
    for name, requirements in requirement_sets().items():
        results = [wheels_only(requirements, v) for v in versions]
        failures += sum(r != "ok" for r in results)
        print(f"{name:<18}" + "".join(f"{r:<34}" for r in results), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

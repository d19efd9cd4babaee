"""CI proves every supported Python, and the gates run at one set of pinned versions."""

from __future__ import annotations

import re
import sys

import yaml
from harness import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
GATES = ("ruff check .", "ruff format --check .", "mypy tap_pixieset pixieset_simulator")


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([\w.]+)", requirement)
        if match:
            pins[match[1].lower()] = match[2]
    return pins


def test_the_workflow_runs_demo_and_suite_on_the_ends_of_the_supported_range():
    test_job = WORKFLOW["jobs"]["test"]
    versions = test_job["strategy"]["matrix"]["python-version"]
    classifiers = {
        c.rsplit(" :: ", 1)[1]
        for c in PYPROJECT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert set(versions) == classifiers >= {"3.10", "3.13"}
    commands = [step.get("run", "") for step in test_job["steps"]]
    assert "./scripts/demo" in commands
    assert any(c.startswith("./scripts/test") for c in commands)


def test_the_workflow_and_ci_run_run_every_gate():
    gate_commands = {step.get("run") for step in WORKFLOW["jobs"]["gates"]["steps"]}
    for gate in GATES:
        assert gate in gate_commands, gate
        assert f".venv/bin/{gate}" in CI_RUN, gate


def test_ci_run_runs_the_demo_on_python_3_13_from_a_fresh_copy_and_the_suite():
    assert "pyenv prefix 3.13" in CI_RUN
    assert 'PYTHON="$DEMO_PYTHON" ./scripts/demo' in CI_RUN
    assert "git ls-files" in CI_RUN
    assert "./scripts/test" in CI_RUN


def test_pre_commit_pins_the_gates_at_the_dev_extra_versions():
    dev = _pins(PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert {"ruff", "mypy", "types-requests"} <= set(dev)
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "mypy"}
    for hook_id, hook in hooks.items():
        pinned = _pins(hook["additional_dependencies"])
        assert pinned, hook_id
        assert all(dev[name] == version for name, version in pinned.items()), hook_id
    assert hooks["mypy"]["entry"] == GATES[2]

"""One truth for settings: the config schema, meltano.yml and the README table agree."""

from __future__ import annotations

import subprocess
import sys

import yaml
from harness import ROOT

from tap_pixieset.settings import CONFIG_SCHEMA, SECRET_SETTINGS

MELTANO_KINDS = {
    "string": {"string", "password", "date_iso8601"},
    "integer": {"integer"},
    "number": {"decimal", "integer"},
    "boolean": {"boolean"},
    "array": {"array"},
    "object": {"object"},
}


def _meltano_settings() -> dict[str, dict]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    tap = next(p for p in project["plugins"]["extractors"] if p["name"] == "tap-pixieset")
    return {s["name"]: s for s in tap["settings"]}


def test_meltano_settings_match_config_schema():
    schema = CONFIG_SCHEMA["properties"]
    meltano = _meltano_settings()
    assert set(meltano) == set(schema)
    for name, prop in schema.items():
        kinds = {
            t
            for t in ([prop["type"]] if isinstance(prop["type"], str) else prop["type"])
            if t != "null"
        }
        (kind,) = kinds
        assert meltano[name].get("kind") in MELTANO_KINDS[kind], name
        assert bool(meltano[name].get("sensitive")) == bool(prop.get("secret")), name
        if "default" in prop:
            assert meltano[name].get("value") == prop["default"], name


def test_secrets_are_marked_secret_in_the_schema():
    for name in SECRET_SETTINGS:
        assert CONFIG_SCHEMA["properties"][name].get("secret") is True, name
        assert CONFIG_SCHEMA["properties"][name].get("writeOnly") is True, name


def test_readme_tables_are_generated_from_the_tap():
    proc = subprocess.run(
        [sys.executable, "scripts/gen_docs.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    for name in CONFIG_SCHEMA["properties"]:
        assert f"| {name} |" in readme, name

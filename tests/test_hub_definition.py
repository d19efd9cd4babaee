"""The Meltano Hub definition agrees with `tap-pixieset --about`, CONFIG_SCHEMA and meltano.yml."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from harness import ROOT
from tool_venvs import meltano_plugin

from tap_pixieset.settings import CONFIG_SCHEMA, SECRET_SETTINGS

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("hub_definition")

(HUB_FILE,) = (ROOT / "plugin" / "extractors").glob("tap-pixieset--*.yml")
HUB = yaml.safe_load(HUB_FILE.read_text(encoding="utf-8"))
MELTANO_TAP = meltano_plugin("extractors", "tap-pixieset")
HUB_KINDS = {
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}


@pytest.fixture(scope="module")
def about() -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "tap_pixieset", "--about", "--format=json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _hub_settings() -> dict[str, dict[str, Any]]:
    return {setting["name"]: setting for setting in HUB["settings"]}


def _has_type(prop: dict[str, Any]) -> bool:
    return "type" in prop


def _flatten(properties: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Settings as the Hub lists them: plain objects become their dotted leaves."""
    for name, prop in properties.items():
        children = prop.get("properties")
        plain = children and all(_has_type(c) for c in children.values())
        if plain and not isinstance(prop.get("additionalProperties"), dict):
            yield from _flatten(children, f"{prefix}{name}.")
        else:
            yield prefix + name, prop


def _expected_kind(prop: dict[str, Any]) -> str:
    types = (
        [t for t in prop.get("type", []) if t != "null"]
        if isinstance(prop.get("type"), list)
        else [prop.get("type")]
    )
    kind = types[0] if types else "object"
    if prop.get("enum"):
        return "options"
    if kind == "string":
        return "date_iso8601" if prop.get("format") == "date-time" else "string"
    return HUB_KINDS[kind]


def test_file_is_named_after_plugin_and_variant():
    assert HUB_FILE.name == f"{HUB['name']}--{HUB['variant']}.yml"


def test_identity_matches_about_and_meltano_yml(about):
    assert HUB["name"] == about["name"] == MELTANO_TAP["name"]
    assert HUB["namespace"] == MELTANO_TAP["namespace"]
    assert HUB["executable"] == MELTANO_TAP["executable"]
    for field in (
        "label",
        "description",
        "repo",
        "pip_url",
        "domain_url",
        "logo_url",
        "maintenance_status",
    ):
        assert HUB.get(field), field
    assert "meltano_sdk" in HUB["keywords"]


def test_capabilities_match_about_and_meltano_yml(about):
    assert (
        sorted(HUB["capabilities"])
        == sorted(about["capabilities"])
        == sorted(MELTANO_TAP["capabilities"])
    )


def test_settings_group_validation():
    expected = [["studio_cookie"], ["gallery_cookie"], ["email", "password"]]
    assert HUB["settings_group_validation"] == expected == MELTANO_TAP["settings_group_validation"]
    names = set(_hub_settings())
    assert {name for group in expected for name in group} <= names


def test_every_about_setting_is_listed_once_and_nothing_else(about):
    names = [setting["name"] for setting in HUB["settings"]]
    assert len(names) == len(set(names))
    assert names == [name for name, _ in _flatten(about["settings"]["properties"])]


def test_each_setting_agrees_with_about(about):
    hub = _hub_settings()
    wrong = {}
    for name, prop in _flatten(about["settings"]["properties"]):
        setting = hub[name]
        expected = {
            "kind": _expected_kind(prop),
            "sensitive": bool(prop.get("secret")),
            "description": prop.get("description", ""),
            "label": prop.get("title") or setting["label"],
        }
        actual = {
            "kind": setting["kind"],
            "sensitive": bool(setting.get("sensitive")),
            "description": setting.get("description", ""),
            "label": setting["label"],
        }
        if "default" in prop or "value" in setting:
            expected["value"], actual["value"] = prop.get("default"), setting.get("value")
        if prop.get("enum"):
            expected["options"] = prop["enum"]
            actual["options"] = [option["value"] for option in setting.get("options", [])]
        if expected != actual:
            wrong[name] = {
                k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]
            }
    assert not wrong, f"{HUB_FILE.name} disagrees with --about (hub, about): {wrong}"


def test_agrees_with_config_schema_and_meltano_yml():
    hub = _hub_settings()
    for name, prop in CONFIG_SCHEMA["properties"].items():
        assert name in hub, name
        assert bool(hub[name].get("sensitive")) == bool(prop.get("secret")), name
        assert hub[name].get("value") == prop.get("default"), name
    for name in SECRET_SETTINGS:
        assert hub[name]["sensitive"] is True, name
    for setting in MELTANO_TAP["settings"]:
        assert setting["name"] in hub, setting["name"]
        assert bool(setting.get("sensitive")) == bool(hub[setting["name"]].get("sensitive")), (
            setting["name"]
        )
        assert setting.get("value") == hub[setting["name"]].get("value"), setting["name"]
        assert setting["kind"] == hub[setting["name"]]["kind"], setting["name"]

"""The command line: --about, --discover without network, and a sync through the real CLI."""

from __future__ import annotations

import json

from harness import run_cli

from tap_pixieset.settings import CONFIG_SCHEMA

CAPABILITIES = {
    "catalog",
    "discover",
    "state",
    "about",
    "stream-maps",
    "schema-flattening",
    "batch",
}


def test_about_json_lists_every_setting_and_capability(tmp_path):
    result = run_cli(["--about", "--format=json"], tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    about = json.loads(result.stdout)
    assert set(about["capabilities"]) >= CAPABILITIES
    assert set(CONFIG_SCHEMA["properties"]) <= set(about["settings"]["properties"])


def test_about_markdown_has_the_settings_table(tmp_path):
    result = run_cli(["--about", "--format=markdown"], tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in CONFIG_SCHEMA["properties"]:
        assert f"| {name} |" in result.stdout


def test_discover_makes_no_network_call(fresh_sim, tmp_path):
    config = fresh_sim.tap_config()
    result = run_cli(["--discover"], config=config, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    catalog = json.loads(result.stdout)
    assert {entry["tap_stream_id"] for entry in catalog["streams"]} >= {"clients", "invoices"}
    assert fresh_sim.requests == []


def test_discover_needs_no_credentials(tmp_path):
    result = run_cli(["--discover"], config={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["streams"]


def test_cli_sync_emits_records_and_state(sim, tmp_path):
    result = run_cli([], config=sim.tap_config(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.records["clients"]) == len(sim.dataset.expected_keys("clients"))
    assert "bookmarks" in result.final_state
    # SCHEMA comes before the first RECORD of each stream.
    seen_schema: set[str] = set()
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "SCHEMA":
            seen_schema.add(message["stream"])
        elif message["type"] == "RECORD":
            assert message["stream"] in seen_schema

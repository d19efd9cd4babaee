"""Guards for every private or final singer-sdk symbol the tap relies on (tap_pixieset/sdk_hooks.py).

Each test states what the tap assumes about the SDK and fails loudly when a new SDK release
breaks the assumption: then move the override to the public way the release offers.
"""

from __future__ import annotations

import inspect
import json
import logging
import subprocess
import typing

from harness import ROOT, catalog_selecting, run_tap
from singer_sdk.streams import RESTStream, Stream

from tap_pixieset import sdk_hooks

# -- Stream-level ---------------------------------------------------------------------------


def _source(function: object) -> str:
    return inspect.getsource(typing.cast("typing.Callable[..., object]", function))


def test_sdk_sync_is_final_and_writes_schema_and_announces_itself():
    """HookedStream.sync wraps the SDK's final sync, which must still write the SCHEMA through
    _write_schema_message and announce itself with the text HookedStream.log demotes."""
    assert getattr(Stream.sync, "__final__", False), (
        "Stream.sync is no longer final: drop the ignore"
    )
    source = _source(Stream.sync)
    assert "self._write_schema_message()" in source
    assert f'"{sdk_hooks.SYNC_ANNOUNCEMENT}' in source
    assert "self.log(" in source


def test_sdk_write_schema_message_takes_only_self():
    signature = inspect.signature(Stream._write_schema_message)
    assert list(signature.parameters) == ["self"]


def test_sdk_stream_keeps_its_tap_in_a_private_attribute():
    assert "self._tap = tap" in _source(Stream.__init__)


def test_sdk_request_metric_switches_still_exist_and_are_read():
    assert RESTStream._LOG_REQUEST_METRICS is True
    assert RESTStream._LOG_REQUEST_METRIC_URLS is False
    source = _source(RESTStream._write_request_duration_log)
    assert "self._LOG_REQUEST_METRICS" in source
    assert "_LOG_REQUEST_METRIC_URLS" in _source(RESTStream._request)


def test_sdk_log_is_the_one_path_of_stream_log_lines():
    signature = inspect.signature(Stream.log)
    assert list(signature.parameters) == ["self", "message", "args", "level", "kwargs"]


def test_sdk_record_messages_still_select_conform_map_and_stamp():
    """HookedStream._generate_record_messages repeats the SDK's messages minus its selection
    and conformance passes: they must still be all the SDK does per record."""
    assert list(inspect.signature(Stream._generate_record_messages).parameters) == [
        "self",
        "record",
    ]
    source = _source(Stream._generate_record_messages)
    for step in (
        "pop_deselected_record_properties(record, self.schema, self.mask)",
        "conform_record_data_types(",
        "stream_map.transform(record)",
        "version=self._stream_version",
        "time_extracted=utc_now()",
        "singer.RecordMessage(",
    ):
        assert step in source, step
    assert source.count("yield") == 1


# Behaviour the overrides give, end to end.


def test_child_stream_schema_is_written_once_per_run(module_sim):
    result = run_tap(module_sim.tap_config(), streams={"clients", "client_documents"})
    schemas = [
        json.loads(line)["stream"]
        for line in result.stdout.splitlines()
        if json.loads(line)["type"] == "SCHEMA"
    ]
    assert sorted(schemas) == ["client_documents", "clients"]
    parents = {row["client_id"] for row in result.records["client_documents"]}
    assert len(parents) > 1  # many parent syncs, yet one SCHEMA


def test_child_sync_announcements_go_to_debug(module_sim, caplog):
    with caplog.at_level(logging.DEBUG):
        run_tap(module_sim.tap_config(), streams={"clients", "client_documents"})
    announcements = [
        r for r in caplog.records if r.getMessage().startswith(sdk_hooks.SYNC_ANNOUNCEMENT)
    ]
    child = [r for r in announcements if "'client_documents'" in r.getMessage()]
    top = [r for r in announcements if "'clients'" in r.getMessage()]
    assert len(child) > 1 and all(r.levelno == logging.DEBUG for r in child)
    assert len(top) == 1 and top[0].levelno == logging.INFO


def test_stream_of_an_unconfigured_api_writes_nothing(module_sim):
    config = module_sim.tap_config(gallery=False)
    assert config.get("studio_cookie") and "gallery_cookie" not in config
    result = run_tap(config, streams={"clients", "collections", "collection_settings"})
    written = {
        json.loads(line).get("stream") for line in result.stdout.splitlines() if line.strip()
    }
    assert "clients" in written
    assert not written & {"collections", "collection_settings"}
    assert result.final_state["bookmarks"].get("collections", {}) == {}
    assert result.stderr.count("Skipping every Gallery stream") == 1


def _git_grep(pattern: str) -> list[str]:
    return subprocess.run(
        ["git", "grep", "--untracked", "-nE", pattern, "--", "tap_pixieset"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    ).stdout.splitlines()


def test_the_private_tap_attribute_is_read_only_in_sdk_hooks():
    found = _git_grep(r"self\._tap\b")
    assert found, "the grep itself must find the one use in sdk_hooks.py"
    assert {line.split(":")[0] for line in found} == {"tap_pixieset/sdk_hooks.py"}


def test_deselected_properties_are_still_left_out(module_sim):
    config = module_sim.tap_config()
    catalog = catalog_selecting(config, {"clients"})
    assert catalog is not None
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "clients")
    for meta in entry["metadata"]:
        if meta["breadcrumb"] in (["properties", "phone"], ["properties", "address_info"]):
            meta["metadata"]["selected"] = False
    result = run_tap(config, catalog=catalog)
    assert result.records["clients"]
    assert all("phone" not in r and "address_info" not in r for r in result.records["clients"])
    assert all("email" in r for r in result.records["clients"])


def test_with_every_field_selected_records_are_the_sdks(module_sim, monkeypatch):
    config = module_sim.tap_config()
    ours = run_tap(config, streams={"invoices"})
    monkeypatch.delattr(sdk_hooks.HookedStream, "_generate_record_messages")
    theirs = run_tap(config, streams={"invoices"})
    assert ours.records["invoices"] and ours.records["invoices"] == theirs.records["invoices"]

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
from pathlib import Path

from harness import ROOT, catalog_selecting, run_tap
from singer_sdk import Tap
from singer_sdk.plugin_base import PluginBase
from singer_sdk.streams import RESTStream, Stream

from tap_pixieset import sdk_hooks
from tap_pixieset.tap import TapPixieset

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
    # Top-level streams too: at INFO each stream's summary line says what it did.
    assert len(top) == 1 and top[0].levelno == logging.DEBUG


def test_routine_sdk_messages_are_still_written_by_the_sdk():
    """Each message RoutineToDebug demotes is matched by the start of the SDK's text."""
    package = Path(inspect.getfile(Stream)).parent.parent
    sources = "".join(path.read_text(encoding="utf-8") for path in package.rglob("*.py"))
    for prefix in sdk_hooks.ROUTINE_SDK_MESSAGES:
        assert f'"{prefix}' in sources, f"the SDK no longer logs {prefix!r}: update the list"


def test_routine_lines_are_dropped_below_debug_and_demoted_at_debug(caplog):
    logger = logging.getLogger("tap-pixieset.routine-check")
    sdk_hooks.quiet_routine_lines(logger)
    sdk_hooks.quiet_routine_lines(logger)  # idempotent
    assert len(logger.filters) == 1
    with caplog.at_level(logging.INFO):
        logger.warning("Stream is assumed to be unsorted, progress is not resumable")
        logger.info("Pagination stopped after %d pages", 2)
        logger.info("Something else")
    assert [r.getMessage() for r in caplog.records] == ["Something else"]
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        logger.warning("Stream is assumed to be unsorted, progress is not resumable")
    assert [(r.levelno, r.levelname) for r in caplog.records] == [(logging.DEBUG, "DEBUG")]


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


def test_no_private_sdk_import_outside_sdk_hooks():
    found = _git_grep(r"singer_sdk(\.[a-z_]+)*\._")
    assert [line for line in found if not line.startswith("tap_pixieset/sdk_hooks.py")] == []


#: Private singer-sdk names the tap has overridden or read before; only sdk_hooks.py may.
PRIVATE_SDK_NAMES = (
    "_handle_termination",
    "_state_writer",
    "_validate_config",
    "_env_var_config",
    "_write_schema_message",
    "_request",
    "_LOG_REQUEST_METRICS",
    "_LOG_REQUEST_METRIC_URLS",
    "_stream_version",
    "_initialized_at",
)


def test_private_sdk_names_appear_only_in_sdk_hooks():
    pattern = r"\b(" + "|".join(PRIVATE_SDK_NAMES) + r")\b"
    found = _git_grep(pattern)
    assert [line for line in found if not line.startswith("tap_pixieset/sdk_hooks.py")] == []


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


# -- Tap-level ------------------------------------------------------------------------------


def test_sdk_registers_handle_termination_for_sigterm_and_sigint():
    """HookedTap overrides the private handler the SDK installs on both signals."""
    source = inspect.getsource(PluginBase)
    assert "signal.signal(signal.SIGTERM, self._handle_termination)" in source
    assert "signal.signal(signal.SIGINT, self._handle_termination)" in source
    signature = inspect.signature(Tap._handle_termination)
    assert list(signature.parameters) == ["self", "signum", "frame"]


def test_handle_termination_hands_over_to_the_tap(monkeypatch):
    seen: list[int] = []
    monkeypatch.setattr(TapPixieset, "on_termination", lambda self, signum: seen.append(signum))
    tap = TapPixieset(config={"studio_cookie": "s=1"}, validate_config=False, setup_mapper=False)
    tap._handle_termination(15, None)
    assert seen == [15]


# -- Deletions: ACTIVATE_VERSION (helper `deletions`) ------------------------------------------


def test_sdk_records_carry_the_private_stream_version():
    """set_record_version relies on RECORD messages taking their version from _stream_version."""
    assert "self._stream_version: int | None = None" in _source(Stream.__init__)
    assert "version=self._stream_version" in _source(Stream._generate_record_messages)


def test_sdk_activates_at_the_start_of_sync_only_when_the_stream_property_says_so():
    """The tap keeps the SDK's start-of-sync ACTIVATE_VERSION off through the public property,
    which must still be the SDK's only switch for it."""
    source = _source(Stream.sync)
    assert "self.emit_activate_version_messages" in source
    assert "self._write_activate_version_message(self._stream_version)" in source
    assert isinstance(Stream.emit_activate_version_messages, property)


def test_sdk_activate_version_writer_takes_the_version_and_honours_stream_maps():
    signature = inspect.signature(Stream._write_activate_version_message)
    assert list(signature.parameters) == ["self", "full_table_version"]
    source = _source(Stream._write_activate_version_message)
    assert "ActivateVersionMessage" in source and "self.stream_maps" in source


def test_versioned_records_and_activation_reach_stdout(sim):
    """Through the hooks: every record of a stream carries the run's version, and one
    ACTIVATE_VERSION with that version follows them."""
    result = run_tap(sim.tap_config(emit_activate_version_messages=True), streams={"gift_cards"})
    (activation,) = result.activations
    assert activation[0] == "gift_cards"
    assert result.record_versions["gift_cards"] == {activation[1]}


def test_sdk_sync_all_is_final_syncs_every_top_level_stream_and_lets_failures_through():
    """HookedTap.sync_all wraps the SDK's final sync_all: after_sync_all must run only when
    every stream synced, so the SDK must still call each top-level stream's sync and let
    its errors propagate."""
    assert getattr(Tap.sync_all, "__final__", False), "Tap.sync_all is no longer final"
    source = _source(Tap.sync_all)
    assert "stream.sync()" in source
    assert "except" not in source, "sync_all now catches stream errors: revisit after_sync_all"

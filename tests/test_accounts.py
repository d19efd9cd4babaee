"""Many studios: ``account_id`` joins every key and is on every record, only when it is set."""

from __future__ import annotations

import json

import pytest
from harness import catalog_selecting, run_cli, run_everything

from tap_pixieset.accounts import ACCOUNT_COLUMN
from tap_pixieset.settings import CONFIG_SCHEMA
from tap_pixieset.settings_check import check_settings
from tap_pixieset.streams import STREAM_TYPES
from tap_pixieset.tap import TapPixieset

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("accounts")


def _tap(**config) -> TapPixieset:
    return TapPixieset(
        config={"studio_cookie": "a=bcdefgh", **config}, validate_config=False, setup_mapper=False
    )


def _catalog_entries(tap: TapPixieset) -> dict[str, dict]:
    return {entry["tap_stream_id"]: entry for entry in tap.catalog_dict["streams"]}


@pytest.fixture(scope="module")
def account_sync(sim):
    return run_everything(sim.tap_config(account_id="studio-berlin"))


@pytest.fixture(scope="module")
def plain_sync(sim):
    return run_everything(sim.tap_config())


def test_no_stream_declares_account_id_itself():
    # The stamped column would silently overwrite an API field of the same name.
    for stream_type in STREAM_TYPES:
        assert ACCOUNT_COLUMN not in stream_type.schema["properties"], stream_type.name


def test_without_account_id_keys_and_schemas_are_as_declared():
    tap = _tap()
    for name, entry in _catalog_entries(tap).items():
        declared = type(tap.streams[name])
        assert list(entry["key_properties"]) == list(declared.primary_keys), name
        assert ACCOUNT_COLUMN not in entry["schema"]["properties"], name


def test_with_account_id_it_leads_every_key_and_is_required():
    tap = _tap(account_id="studio-berlin")
    entries = _catalog_entries(tap)
    assert set(entries) == {t.name for t in STREAM_TYPES}
    for name, entry in entries.items():
        declared = type(tap.streams[name])
        assert list(entry["key_properties"]) == [ACCOUNT_COLUMN, *declared.primary_keys], name
        assert next(iter(entry["schema"]["properties"])) == ACCOUNT_COLUMN, name
        assert entry["schema"]["properties"][ACCOUNT_COLUMN]["type"] == ["string"], name
        assert ACCOUNT_COLUMN in entry["schema"]["required"], name
        root = next(m["metadata"] for m in entry["metadata"] if not m["breadcrumb"])
        assert list(root["table-key-properties"]) == list(entry["key_properties"]), name


def test_one_tap_with_account_id_does_not_change_another_without():
    _tap(account_id="studio-berlin")
    for name, entry in _catalog_entries(_tap()).items():
        assert ACCOUNT_COLUMN not in entry["key_properties"], name


def test_every_record_of_every_stream_carries_the_account(account_sync, sim):
    assert set(account_sync.records) == set(sim.dataset.expected_counts())
    for stream, records in account_sync.records.items():
        assert records, stream
        assert {r.get(ACCOUNT_COLUMN) for r in records} == {"studio-berlin"}, stream
        assert account_sync.schemas[stream]["key_properties"][0] == ACCOUNT_COLUMN, stream


def test_without_account_id_no_record_carries_one(plain_sync):
    for stream, records in plain_sync.records.items():
        assert records, stream
        assert all(ACCOUNT_COLUMN not in r for r in records), stream
        assert ACCOUNT_COLUMN not in plain_sync.schemas[stream]["key_properties"], stream


def test_records_are_otherwise_identical(account_sync, plain_sync):
    for stream, records in plain_sync.records.items():
        stamped = [
            {k: v for k, v in r.items() if k != ACCOUNT_COLUMN}
            for r in account_sync.records[stream]
        ]
        assert stamped == records, stream


def test_a_catalog_discovered_without_account_id_is_refused(sim, tmp_path):
    stale = catalog_selecting(sim.tap_config(), {"clients"})
    (tmp_path / "catalog.json").write_text(json.dumps(stale))
    result = run_cli(
        ["--catalog", str(tmp_path / "catalog.json")],
        config=sim.tap_config(account_id="studio-a"),
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    assert "lacks `account_id`" in result.stderr
    assert "run discovery again" in result.stderr
    assert not result.records


@pytest.mark.parametrize("value", ["studio-berlin", "a", "Studio_42", "x" * 64])
def test_valid_account_ids(value):
    assert check_settings({"studio_cookie": "a=b", "account_id": value}, CONFIG_SCHEMA) == []


@pytest.mark.parametrize(
    "value",
    ["", "-leading-dash", "has space", "semi;colon", "x" * 65, "ünïcode", "acct\n", "acct\r\n"],
)
def test_invalid_account_ids_are_named(value):
    problems = check_settings({"studio_cookie": "a=b", "account_id": value}, CONFIG_SCHEMA)
    assert len(problems) == 1
    assert problems[0].startswith("`account_id` must be")


def test_account_id_must_be_a_string():
    (problem,) = check_settings({"studio_cookie": "a=b", "account_id": 42}, CONFIG_SCHEMA)
    assert problem.startswith("`account_id` must be a string of 1 to 64 letters")

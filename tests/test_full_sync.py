"""A full sync emits exactly the simulator's dataset, by primary key, for every stream."""

from __future__ import annotations

from collections import Counter

import pytest
from harness import run_tap

from tap_pixieset.tap import TapPixieset

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("full_sync")


@pytest.fixture(scope="module")
def full_sync(sim):
    # Every stream, including those off by default, and the quotes probe the simulator answers.
    config = sim.tap_config(enable_quotes_probe=True)
    return run_tap(config, streams={name for name, _ in _stream_keys()})


def _stream_keys() -> list[tuple[str, tuple[str, ...]]]:
    tap = TapPixieset(
        config={"studio_cookie": "a=bcdefgh"}, validate_config=False, setup_mapper=False
    )
    return [
        (name, tuple(stream.primary_keys or ())) for name, stream in sorted(tap.streams.items())
    ]


@pytest.mark.parametrize(
    ("stream", "primary_keys"), _stream_keys(), ids=[n for n, _ in _stream_keys()]
)
def test_stream_matches_dataset(full_sync, sim, stream, primary_keys):
    emitted = full_sync.keys(stream, primary_keys)
    expected = sim.dataset.expected_keys(stream)
    duplicates = [key for key, n in Counter(emitted).items() if n > 1]
    assert not duplicates, f"{stream}: duplicated keys {duplicates[:5]}"
    assert set(emitted) == expected, (
        f"{stream}: missing {sorted(expected - set(emitted))[:5]}, unexpected {sorted(set(emitted) - expected)[:5]}"
    )
    assert expected, f"the simulator's dataset has no {stream} rows to compare"


def test_every_stream_has_a_schema_message(full_sync):
    assert set(full_sync.schemas) == {name for name, _ in _stream_keys()}

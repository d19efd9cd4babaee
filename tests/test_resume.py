"""Resumable syncs: kill a sync anywhere, rerun it with the last STATE it emitted, and every
record arrives across the two runs; incremental streams pick up from their bookmark.

The kill is simulated in-process at many points (stdout "dies" just before the next RECORD
is written, so the run's output ends exactly there), and for real with SIGKILL and SIGTERM
on the command-line tap.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
from datetime import datetime
from typing import Any

import pytest
from harness import ROOT, SyncResult, catalog_selecting, parse_messages, run_tap

from pixieset_simulator import Simulator
from pixieset_simulator.drift import InvoicesDrift
from tap_pixieset import tap as tap_module
from tap_pixieset.streams.studio import PaymentsStream
from tap_pixieset.tap import TapPixieset

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("resume")


class PaymentsByDate(PaymentsStream):
    """Test-only: the payments list replicated incrementally by ``payment_date``.

    Pixieset has no server-side filter (catalog A11), so the filter is client-side, and the
    list is not sorted by the key, so the bookmark only moves when the stream finishes.
    """

    name = "payments_by_date"
    replication_key = "payment_date"
    is_sorted = False

    def post_process(self, row: dict[str, Any], context: Any = None) -> dict[str, Any] | None:
        """Drop payments at or before the bookmark (or ``start_date``)."""
        shaped = super().post_process(row, context)
        start = self.get_starting_timestamp(context)
        if shaped and start and _instant(shaped["payment_date"]) <= start:
            return None
        return shaped


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(autouse=True)
def with_incremental_stream(monkeypatch):
    """Add the test-only incremental stream to the tap."""
    monkeypatch.setattr(tap_module, "STREAM_TYPES", [*tap_module.STREAM_TYPES, PaymentsByDate])


def stream_keys() -> dict[str, tuple[str, ...]]:
    tap = TapPixieset(
        config={"studio_cookie": "a=bcdefgh"}, validate_config=False, setup_mapper=False
    )
    return {name: tuple(stream.primary_keys or ()) for name, stream in sorted(tap.streams.items())}


#: Some streams are off by default (costly, or behind a probe): these tests sync them all.
EVERYTHING = {"enable_quotes_probe": True}


def everything(config: dict[str, Any]) -> dict[str, Any]:
    """A catalog that selects every stream."""
    return catalog_selecting(config, set(stream_keys()))


def expected(sim: Simulator, stream: str) -> set[tuple[str, ...]]:
    return sim.dataset.expected_keys("payments" if stream == "payments_by_date" else stream)


class Killed(BaseException):
    """The process died here (a BaseException, so no ``except Exception`` can swallow it)."""


class DyingStdout(io.StringIO):
    """Stdout of a process that is killed just before it writes RECORD number ``lives + 1``."""

    def __init__(self, lives: int) -> None:
        super().__init__()
        self.lives = lives

    def write(self, text: str) -> int:
        if text.startswith("{") and json.loads(text)["type"] == "RECORD":
            if self.lives == 0:
                raise Killed
            self.lives -= 1
        return super().write(text)


def run_until_killed(
    config: dict[str, Any], *, after_records: int, state: dict | None = None
) -> SyncResult:
    out = DyingStdout(after_records)
    with contextlib.redirect_stdout(out), pytest.raises(Killed):
        TapPixieset(
            config=config, state=state, catalog=everything(config), validate_config=True
        ).sync_all()
    return parse_messages(out.getvalue())


def last_state(result: SyncResult) -> dict[str, Any] | None:
    return result.states[-1] if result.states else None


def bookmark(state: dict[str, Any] | None, stream: str = "payments_by_date") -> datetime | None:
    """The resumable bookmark of ``stream`` in ``state`` (progress markers do not count)."""
    value = ((state or {}).get("bookmarks", {}).get(stream) or {}).get("replication_key_value")
    return _instant(value) if value else None


def assert_union_is_complete(sim: Simulator, *runs: SyncResult) -> None:
    for stream, primary_keys in stream_keys().items():
        delivered = {key for run in runs for key in run.keys(stream, primary_keys)}
        missing = expected(sim, stream) - delivered
        assert not missing, (
            f"{stream}: {len(missing)} record(s) never delivered, such as {sorted(missing)[:3]}"
        )


@pytest.fixture(scope="module")
def resume_sim():
    with Simulator() as simulator:
        yield simulator


def record_order(config: dict[str, Any], state: dict | None = None) -> list[str]:
    """The stream of each record of a complete run, in the order they are emitted."""
    result = run_tap(config, state=state, catalog=everything(config))
    return [
        m["stream"] for m in map(json.loads, result.stdout.splitlines()) if m["type"] == "RECORD"
    ]


@pytest.fixture(scope="module")
def record_streams(resume_sim) -> list[str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tap_module, "STREAM_TYPES", [*tap_module.STREAM_TYPES, PaymentsByDate])
        return record_order(resume_sim.tap_config(**EVERYTHING))


#: Where to kill the first run: the number of records it emits, from a complete run's order.
KILL_POINTS: dict[str, Any] = {
    "before the first record": lambda order: 0,
    "after the first record": lambda order: 1,
    "a quarter in": lambda order: len(order) // 4,
    "halfway": lambda order: len(order) // 2,
    "inside the incremental stream": lambda order: order.index("payments_by_date") + 5,
    "just after the incremental stream": lambda order: (
        len(order) - order[::-1].index("payments_by_date")
    ),
    "before the last record": lambda order: len(order) - 1,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_sync_killed_anywhere_and_resumed_delivers_every_record(
    resume_sim, record_streams, point
):
    config = resume_sim.tap_config(**EVERYTHING)
    kill_at = KILL_POINTS[point](record_streams)
    first = run_until_killed(config, after_records=kill_at)
    state = last_state(first)
    second = run_tap(config, state=state, catalog=everything(config))
    assert_union_is_complete(resume_sim, first, second)

    # The incremental stream resumed from its bookmark: once it has finished, it is not
    # sent again; cut short, it has no new bookmark and starts over (at least once, never less).
    mark = bookmark(state)
    resent = second.records.get("payments_by_date", [])
    finished = kill_at >= KILL_POINTS["just after the incremental stream"](record_streams)
    assert (mark is not None) == finished
    if finished:
        assert resent == []
    else:
        assert len(resent) == len(expected(resume_sim, "payments_by_date"))


def test_incremental_streams_resume_from_their_bookmark_after_new_data():
    with Simulator() as sim:
        config = sim.tap_config(**EVERYTHING)
        complete = run_tap(config, catalog=everything(config))
        mark = bookmark(complete.final_state)
        assert mark is not None
        rng = random.Random(3)
        for _ in range(3):  # new paid invoices: new payments, dated after the bookmark
            InvoicesDrift().insert_head(sim.dataset, rng, {})
        new = {
            key
            for key in expected(sim, "payments_by_date")
            if key not in set(complete.keys("payments", ("id",)))
        }
        assert len(new) >= 3

        # Killed before anything, after the first new payment, and after the stream finished.
        order = record_order(config, state=complete.final_state)
        assert order.count("payments_by_date") == len(new)
        first_payment = order.index("payments_by_date")
        for records in (0, first_payment + 1, first_payment + len(new)):
            first = run_until_killed(config, after_records=records, state=complete.final_state)
            second = run_tap(config, state=last_state(first), catalog=everything(config))
            delivered = set(first.keys("payments_by_date", ("id",))) | set(
                second.keys("payments_by_date", ("id",))
            )
            assert new <= delivered
            # Only what changed since the bookmark was sent again, never the whole history.
            for run in (first, second):
                assert all(
                    _instant(r["payment_date"]) > mark
                    for r in run.records.get("payments_by_date", [])
                )


# -- real processes ------------------------------------------------------------------------


def _start_cli(config: dict[str, Any], tmp_path) -> subprocess.Popen[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(everything(config)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_PIXIESET_")}
    # stderr goes to a file: a pipe nobody reads until the end would fill up and block the tap.
    with (tmp_path / "stderr.log").open("w") as stderr:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tap_pixieset",
                "--config",
                str(path),
                "--catalog",
                str(catalog),
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=ROOT,
            env=env,
        )


def _kill_after(process: subprocess.Popen[str], records: int, how: signal.Signals) -> str:
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if not line.endswith("\n"):  # the process ended in the middle of a line
            break
        records -= json.loads(line)["type"] == "RECORD"
        if records == 0:
            process.send_signal(how)
            break
    assert records == 0, "the tap ended before it emitted enough records to be killed"
    out, _ = process.communicate(timeout=60)
    # A line cut short by SIGKILL was never emitted.
    text = "".join(lines) + out
    return text if text.endswith("\n") else text[: text.rfind("\n") + 1]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_process_resumes_from_its_last_state(tmp_path, how):
    with Simulator() as sim:
        config = sim.tap_config(**EVERYTHING)
        process = _start_cli(config, tmp_path)
        out = _kill_after(process, 300, how)
        err = (tmp_path / "stderr.log").read_text()
        first = parse_messages(out)
        assert first.records, "the process was killed before it emitted anything"
        if how == signal.SIGTERM:
            # It says it did not finish (exit status 143, not 0). The state it reached has been
            # emitted: on the signal the tap writes it, unless it equals the last STATE sent.
            assert process.returncode == 128 + signal.SIGTERM
            assert "Interrupted by signal 15 before the sync finished" in err
            assert first.states
        else:
            assert process.returncode == -signal.SIGKILL
        second = run_tap(config, state=last_state(first), catalog=everything(config))
        assert_union_is_complete(sim, first, second)

"""Running the tap against the simulator and collecting what it emitted."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_pixieset.tap import TapPixieset

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SyncResult:
    """The Singer messages of one run, sorted by kind."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)
    #: ACTIVATE_VERSION messages, in order: stream -> version.
    activations: list[tuple[str, int]] = field(default_factory=list)
    #: The table versions RECORD messages carried, per stream (None: no version).
    record_versions: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    #: Message types in the order they were written.
    kinds: list[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    returncode: int = 0

    @property
    def final_state(self) -> dict[str, Any]:
        """The last STATE message's value."""
        return self.states[-1] if self.states else {}

    def keys(self, stream: str, primary_keys: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Primary keys of the records of ``stream``, as tuples of strings, in emitted order."""
        return [tuple(str(r[k]) for k in primary_keys) for r in self.records.get(stream, [])]

    @property
    def counts(self) -> dict[str, int]:
        """Records per stream."""
        return {stream: len(rows) for stream, rows in sorted(self.records.items())}


def parse_messages(stdout: str, result: SyncResult | None = None) -> SyncResult:
    """Sort Singer messages from a tap's stdout."""
    result = result or SyncResult()
    result.stdout = stdout
    for line in stdout.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        kind = message["type"]
        result.kinds.append(kind)
        if kind == "RECORD":
            result.records[message["stream"]].append(message["record"])
            result.record_versions[message["stream"]].add(message.get("version"))
        elif kind == "ACTIVATE_VERSION":
            result.activations.append((message["stream"], message["version"]))
        elif kind == "SCHEMA":
            result.schemas[message["stream"]] = message
        elif kind == "STATE":
            result.states.append(message["value"])
    return result


def all_streams() -> set[str]:
    """Every stream of the tap, including those not selected by default."""
    from tap_pixieset.streams import STREAM_TYPES

    return {stream_type.name for stream_type in STREAM_TYPES}


def run_everything(config: dict[str, Any], **kwargs: Any) -> SyncResult:
    """A sync of every stream, with the quotes probe on (the simulator answers it)."""
    return run_tap({"enable_quotes_probe": True, **config}, streams=all_streams(), **kwargs)


def catalog_selecting(config: dict[str, Any], streams: set[str] | None) -> dict[str, Any] | None:
    """A catalog where only ``streams`` (and what they need) are selected; None selects all."""
    if streams is None:
        return None
    tap = TapPixieset(config=config, validate_config=False, setup_mapper=False)
    catalog = tap.catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if not meta["breadcrumb"]:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def run_tap(
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    streams: set[str] | None = None,
    catalog: dict[str, Any] | None = None,
    expect_error: type[BaseException] | None = None,
) -> SyncResult:
    """Run a sync in this process and collect its messages and logs.

    With ``expect_error``, the sync must fail with that exception, which is kept in
    ``result.error`` along with everything emitted before it.
    """
    log_stream = io.StringIO()
    handler = logging.StreamHandler(log_stream)
    root = logging.getLogger()
    root.addHandler(handler)
    out = io.StringIO()
    error: BaseException | None = None
    try:
        with contextlib.redirect_stdout(out):
            tap = TapPixieset(
                config=config,
                state=state,
                catalog=catalog or catalog_selecting(config, streams),
                validate_config=True,
            )
            try:
                tap.sync_all()
            except BaseException as exc:
                if expect_error is None or not isinstance(exc, expect_error):
                    raise
                error = exc
    finally:
        root.removeHandler(handler)
    if expect_error is not None and error is None:
        raise AssertionError(f"the sync did not fail with {expect_error.__name__}")
    result = parse_messages(out.getvalue())
    result.error = error  # type: ignore[attr-defined]
    result.stderr = log_stream.getvalue()
    result.tap = tap  # type: ignore[attr-defined]
    return result


def run_cli(
    args: list[str],
    *,
    config: dict[str, Any] | None = None,
    tmp_path: Path,
    state: dict[str, Any] | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> SyncResult:
    """Run ``tap-pixieset`` as a separate process, as Meltano would. ``env`` adds variables."""
    argv = [sys.executable, "-m", "tap_pixieset", *args]
    if config is not None:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        argv += ["--config", str(path)]
    if state is not None:
        path = tmp_path / "state.json"
        path.write_text(json.dumps(state))
        argv += ["--state", str(path)]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TAP_PIXIESET_")}
    environ.update(env or {})
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=environ, cwd=ROOT, check=False
    )
    result = SyncResult(stderr=proc.stderr, returncode=proc.returncode)
    if proc.returncode == 0 or "--discover" not in args:
        with contextlib.suppress(json.JSONDecodeError):
            parse_messages(proc.stdout, result)
    result.stdout = proc.stdout
    return result

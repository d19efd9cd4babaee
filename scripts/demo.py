"""The demo: the Pixieset simulator -> tap-pixieset -> an embedded DuckDB warehouse -> a summary.

Run it with ``./scripts/demo``. It starts the simulator on loopback ports, syncs every stream
into ``.demo/warehouse.duckdb`` through target-duckdb, and prints the rows that landed per
table next to the simulator's own count. It exits non-zero if any table disagrees.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from demo_report import build_and_report  # noqa: E402
from toolenv import duckdb_loader  # noqa: E402

from pixieset_simulator import Simulator  # noqa: E402
from tap_pixieset.tap import TapPixieset  # noqa: E402

SCHEMA = "pixieset"

COUNT_TABLES = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute(
    "select table_name from information_schema.tables where table_schema = ?", [sys.argv[2]]
).fetchall()
print(json.dumps({t: con.execute(f'select count(*) from {sys.argv[2]}."{t}"').fetchone()[0] for (t,) in rows}))
"""


def explore_command(python: Path, database: Path) -> str:
    """A shell command, to paste from the repository's root, that shows a few loaded rows.

    The connection is kept in a variable: a relation printed after its connection was
    garbage-collected fails with "Connection has already been closed".
    """
    code = (
        f"import duckdb; con = duckdb.connect('{database.relative_to(ROOT)}', read_only=True); "
        f"con.sql('select id, first_name, last_name, email from {SCHEMA}.clients limit 5').show()"
    )
    return f'{python.relative_to(ROOT)} -c "{code}"'


def main() -> int:
    """Run the demo and print its summary."""
    started = time.monotonic()
    workdir = ROOT / ".demo"
    workdir.mkdir(exist_ok=True)
    database = workdir / "warehouse.duckdb"
    for stale in (database, workdir / "warehouse.duckdb.wal"):
        stale.unlink(missing_ok=True)
    # The loader exactly as meltano.yml installs it: target-duckdb through the header shim
    # (loaders/target-duckdb-shim), with a DuckDB that has wheels for every supported Python.
    loader = duckdb_loader()
    loader_python = loader.parent / "python"

    with Simulator() as sim:
        print(
            f"Simulator: Studio {sim.base_url('studio')}, Gallery {sim.base_url('gallery')}",
            flush=True,
        )
        tap_config = workdir / "tap-config.json"
        # The demo shows everything: the quotes probe on, and every stream selected,
        # including the per-client summaries that are off by default.
        config = sim.tap_config(enable_quotes_probe=True)
        tap_config.write_text(json.dumps(config, indent=2))
        catalog = TapPixieset(config=config, validate_config=False, setup_mapper=False).catalog_dict
        for entry in catalog["streams"]:
            for meta in entry["metadata"]:
                if not meta["breadcrumb"]:
                    meta["metadata"]["selected"] = True
        catalog_path = workdir / "catalog.json"
        catalog_path.write_text(json.dumps(catalog))
        target_config = workdir / "target-config.json"
        target_config.write_text(
            json.dumps({"filepath": str(database), "default_target_schema": SCHEMA})
        )
        tap_log, target_log = workdir / "tap.log", workdir / "target.log"
        with tap_log.open("w") as tap_err, target_log.open("w") as target_err:
            tap = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "tap-pixieset"),
                    "--config",
                    str(tap_config),
                    "--catalog",
                    str(catalog_path),
                ],
                stdout=subprocess.PIPE,
                stderr=tap_err,
            )
            target = subprocess.run(
                [str(loader), "--config", str(target_config)],
                stdin=tap.stdout,
                stdout=subprocess.DEVNULL,
                stderr=target_err,
                check=False,
            )
            tap.wait()
        if tap.returncode or target.returncode:
            print(
                f"The sync failed (tap exit {tap.returncode}, target exit {target.returncode}); "
                f"see {tap_log.relative_to(ROOT)} and {target_log.relative_to(ROOT)}.",
                file=sys.stderr,
            )
            return 1
        expected = sim.dataset.expected_counts()
        requests_made = len(sim.requests)
        as_of = sim.dataset.now.date()

    landed = json.loads(
        subprocess.run(
            [str(loader_python), "-c", COUNT_TABLES, str(database), SCHEMA],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )

    width = max(len(name) for name in expected)
    print(f"\n{'table'.ljust(width)}  {'rows':>6}  {'simulator':>9}")
    mismatches = 0
    for stream, count in expected.items():
        rows = landed.get(stream, 0)
        mark = "ok" if rows == count else "MISMATCH"
        mismatches += rows != count
        print(f"{stream.ljust(width)}  {rows:>6}  {count:>9}  {mark}")
    total = sum(landed.get(s, 0) for s in expected)
    elapsed = time.monotonic() - started
    print(
        f"\n{total} rows in {len(expected)} tables of {database.relative_to(ROOT)}, "
        f"{requests_made} API requests, {elapsed:.1f} s."
    )
    if mismatches:
        print(f"{mismatches} table(s) do not match the simulator's dataset.", file=sys.stderr)
        return 1
    print("Every table matches the simulator's dataset.")
    if build_and_report(database, workdir, as_of, currency="gbp"):
        return 1
    print(f"Explore it: {explore_command(loader_python, database)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

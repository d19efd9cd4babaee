"""The DuckDB loader shim (loaders/target-duckdb-shim): every row lands, and it guards itself.

The end-to-end tests run the loader exactly as ``meltano.yml`` installs it, with target-duckdb
unpatched beside it in the same virtualenv, so they show both that the bug is there with this
DuckDB and that the shim removes it. If DuckDB ever stops guessing headers, the
``unpatched loses`` assertion fails: a sign the shim may go.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from harness import ROOT

sys.path.insert(0, str(ROOT / "loaders" / "target-duckdb-shim"))
sys.path.insert(0, str(ROOT / "scripts"))
from target_duckdb_shim import PATCHED_LINE, ShimError, check_source, headerless
from toolenv import duckdb_loader

# One worker runs this module, so its module-scoped runs happen once (scripts/test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("duckdb_shim")

# -- the statement it patches ---------------------------------------------------------------

STATEMENT = "COPY \"s\".\"tmp_x\" FROM '/tmp/dir/tmp_x.csv' WITH (new_line '\\r\\n')"


def test_rewrites_the_copy_to_say_there_is_no_header():
    rewritten = headerless(STATEMENT, ",", '"')
    assert rewritten == (
        "COPY \"s\".\"tmp_x\" FROM '/tmp/dir/tmp_x.csv' WITH (new_line '\\r\\n', header false, "
        "delim ',', quote '\"', escape '\"', auto_detect false)"
    )


def test_quotes_in_the_dialect_are_escaped():
    assert "delim ''''" in headerless(STATEMENT, "'", '"')


@pytest.mark.parametrize(
    "statement",
    [
        "COPY t FROM 'f.csv' WITH (new_line '\\r\\n', header false)",
        "COPY t FROM 'f.csv'",
        "COPY t TO 'f.csv' WITH (new_line '\\r\\n')",
    ],
)
def test_refuses_a_copy_it_does_not_know(statement):
    with pytest.raises(ShimError, match="does not know"):
        headerless(statement, ",", '"')


def test_accepts_the_released_source():
    check_source(f"    def load_rows(self):\n        {PATCHED_LINE}\n")


@pytest.mark.parametrize(
    "line",
    [
        PATCHED_LINE.replace("new_line '", "header false, new_line '"),  # a fixed release
        PATCHED_LINE.replace("COPY {}", "COPY INTO {}"),
        "cur.execute(self.insert_from_temp_table(temp_table))",  # no COPY at all
        f"{PATCHED_LINE}\n{PATCHED_LINE}",  # twice
    ],
)
def test_refuses_source_that_changed(line):
    with pytest.raises(ShimError, match="not the one this shim patches"):
        check_source(f"    def load_rows(self):\n        {line}\n")


# -- the loader, end to end ----------------------------------------------------------------

SCHEMAS = {
    # All-VARCHAR: DuckDB from 1.1 always guesses the first line of such a file is a header.
    "texts": {"id": {"type": "string"}, "name": {"type": ["string", "null"]}},
    # A UTC timestamp, as the tap emits them: from DuckDB 1.3 it, too, passes for a header.
    "times": {
        "id": {"type": "integer"},
        "changed_at": {"type": "string", "format": "date-time"},
        "note": {"type": ["string", "null"]},
    },
}
ROWS = {
    "texts": [{"id": f"r{i}", "name": f'Zoë, "{i}"\'s\nline'} for i in range(3)],
    "times": [
        {"id": i, "changed_at": f"2024-0{i + 1}-01T10:00:00.123456Z", "note": None if i else "x;y"}
        for i in range(3)
    ],
}

READ = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
out = {}
for table, columns in (("texts", "id, name"), ("times", "id, changed_at, note")):
    rows = con.execute(f"select {columns} from s.{table} order by id").fetchall()
    out[table] = [[str(value) if value is not None else None for value in row] for row in rows]
print(json.dumps(out))
"""


def _messages() -> str:
    lines = []
    for stream, properties in SCHEMAS.items():
        schema = {"type": "object", "properties": properties}
        lines.append(
            {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]}
        )
        lines += [{"type": "RECORD", "stream": stream, "record": row} for row in ROWS[stream]]
    lines.append({"type": "STATE", "value": {"done": True}})
    return "".join(json.dumps(line) + "\n" for line in lines)


def _load(executable: Path, tmp_path: Path) -> dict[str, list[list[str | None]]]:
    database = tmp_path / f"{executable.name}.duckdb"
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {"filepath": str(database), "default_target_schema": "s", "temp_dir": str(tmp_path)}
        )
    )
    loaded = subprocess.run(
        [str(executable), "--config", str(config)],
        input=_messages(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert json.loads(loaded.stdout.splitlines()[-1]) == {"done": True}
    read = subprocess.run(
        [str(executable.parent / "python"), "-c", READ, str(database)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(read.stdout)


@pytest.fixture(scope="module")
def shim() -> Path:
    return duckdb_loader()


@pytest.mark.slow
def test_every_row_and_value_lands_through_the_shim(shim, tmp_path):
    assert shim.name == "target-duckdb-shim"
    loaded = _load(shim, tmp_path)
    assert loaded["texts"] == [[row["id"], row["name"]] for row in ROWS["texts"]]
    assert loaded["times"] == [
        [str(row["id"]), f"2024-0{row['id'] + 1}-01 10:00:00.123456", row["note"]]
        for row in ROWS["times"]
    ]


@pytest.mark.slow
def test_unpatched_loader_loses_the_first_row_with_this_duckdb(shim, tmp_path):
    loaded = _load(shim.parent / "target-duckdb", tmp_path)
    # If this fails, DuckDB no longer drops the row: the shim may no longer be needed.
    assert [row[0] for row in loaded["texts"]] == ["r1", "r2"]
    assert [row[0] for row in loaded["times"]] == ["1", "2"]


@pytest.mark.slow
def test_refuses_to_run_when_the_installed_statement_changed(shim, tmp_path):
    script = tmp_path / "changed.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from target_duckdb.db_sync import DbSync
            import target_duckdb_shim

            def load_rows(self, records, count, temp_dir):
                self.conn.execute("COPY {} FROM '{}' WITH (header false)".format(1, 2))

            DbSync.load_rows = load_rows
            sys.argv = ["target-duckdb-shim"]
            target_duckdb_shim.main()
            """
        )
    )
    proc = subprocess.run(
        [str(shim.parent / "python"), str(script)],
        input=_messages(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""  # nothing loaded, no state confirmed
    [line] = proc.stderr.splitlines()
    assert line.startswith("target-duckdb-shim: target-duckdb's COPY statement is not the one")
    assert "Traceback" not in proc.stderr

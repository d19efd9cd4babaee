r"""target-duckdb 0.8.0, with a COPY that says the batch file has no header row.

target-duckdb writes each batch to a CSV file without a header row and loads it with
``COPY <temp table> FROM '<file>' WITH (new_line '\\r\\n')``. From DuckDB 1.1 on, COPY guesses
whether the first line is a header (always, for an all-VARCHAR table; from 1.3 also when the
first row holds a timestamp with an offset), and skips it when it guesses so: one record per
batch vanishes without a word (duckdb issue #21653). The loader's own fix (target-duckdb PR #58)
is merged but in no release.

The shim runs target-duckdb unchanged except for that one statement, which it rewrites to state
the dialect the loader wrote: no header, its delimiter, its quote character doubled inside
quoted fields, nothing left to guess. Before loading anything it checks that the installed
target-duckdb still issues exactly the statement it patches, and refuses to run otherwise; at
run time every COPY must match that statement too.

Remove the shim once a target-duckdb release passes ``HEADER false``: point ``meltano.yml`` (and
the demo, which reads it) at that release and its own ``target-duckdb`` executable.
"""

from __future__ import annotations

import inspect
import re
import sys
from typing import Any

#: The line of ``DbSync.load_rows`` in target-duckdb 0.8.0 that this shim patches, verbatim.
PATCHED_LINE = (
    "cur.execute(\"COPY {} FROM '{}' WITH (new_line '\\\\r\\\\n')\""
    ".format(temp_table, temp_file_csv))"
)

#: The statement that line sends to DuckDB, for any table and file name.
PATCHED_STATEMENT = re.compile(
    r"COPY (?P<table>\S+) FROM '(?P<path>.*)' WITH \(new_line '\\r\\n'\)", re.S
)


class ShimError(RuntimeError):
    """target-duckdb is not the code this shim was written against."""


def check_source(source: str) -> None:
    """Fail unless ``source`` (of ``DbSync.load_rows``) issues exactly the patched COPY, once.

    Raises:
        ShimError: The statement changed, is missing or appears more than once.
    """
    copies = [line.strip() for line in source.splitlines() if "COPY" in line]
    if copies != [PATCHED_LINE]:
        found = "; ".join(copies) or "no COPY statement"
        raise ShimError(
            "target-duckdb's COPY statement is not the one this shim patches "
            f"(expected {PATCHED_LINE!r}, found {found!r}). If the installed release passes "
            "HEADER false itself, the shim is no longer needed: run target-duckdb directly "
            "(meltano.yml: executable target-duckdb); otherwise pin target-duckdb==0.8.0."
        )


def headerless(statement: str, delimiter: str, quotechar: str) -> str:
    """The COPY ``statement`` rewritten to say the file has no header row, and its dialect.

    Raises:
        ShimError: ``statement`` is not the COPY that target-duckdb 0.8.0 issues.
    """
    match = PATCHED_STATEMENT.fullmatch(statement)
    if match is None:
        raise ShimError(
            f"target-duckdb issued a COPY this shim does not know ({statement[:200]!r}); "
            "refusing to load rather than risk dropping a row."
        )
    delim, quote = (value.replace("'", "''") for value in (delimiter, quotechar))
    return (
        f"COPY {match['table']} FROM '{match['path']}' WITH (new_line '\\r\\n', header false, "
        f"delim '{delim}', quote '{quote}', escape '{quote}', auto_detect false)"
    )


class _HeaderlessConnection:
    """A DuckDB connection whose COPY statements are rewritten by :func:`headerless`."""

    def __init__(self, connection: Any, delimiter: str, quotechar: str) -> None:
        self._connection = connection
        self._dialect = (delimiter, quotechar)

    def execute(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``statement``, a COPY rewritten first."""
        if isinstance(statement, str) and statement.lstrip().upper().startswith("COPY"):
            statement = headerless(statement, *self._dialect)
        return self._connection.execute(statement, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def install() -> None:
    """Check target-duckdb's ``DbSync.load_rows`` and make its COPY headerless.

    Raises:
        ShimError: target-duckdb's COPY statement is not the one patched here.
    """
    from target_duckdb.db_sync import DbSync

    original = DbSync.load_rows
    if getattr(original, "_headerless", False):
        return
    check_source(inspect.getsource(original))

    def load_rows(self: Any, records: Any, count: int, temp_dir: str) -> Any:
        connection = self.conn
        self.conn = _HeaderlessConnection(connection, self.delimiter, self.quotechar)
        try:
            return original(self, records, count, temp_dir)
        finally:
            self.conn = connection

    load_rows._headerless = True  # type: ignore[attr-defined]
    DbSync.load_rows = load_rows


def main() -> None:
    """The ``target-duckdb-shim`` command: target-duckdb's own CLI, patched."""
    try:
        install()
        import target_duckdb

        target_duckdb.main()
    except ShimError as error:
        print(f"target-duckdb-shim: {error}", file=sys.stderr)
        sys.exit(2)

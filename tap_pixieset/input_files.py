"""JSON files named on the command line: ``--config``, ``--catalog`` and ``--state``.

Each must hold one JSON object, and a catalog or a state the shape the SDK reads without
checking. Every failure is one line that names the option and the path, never the content: a
missing file, a directory, text that is not UTF-8 or not JSON, ``NaN``, a number too long to
read, nesting too deep to parse, a top level that is not an object, a misshapen catalog.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path, PurePath
from typing import Any

import click

from tap_pixieset.errors import InputFileError
from tap_pixieset.settings_check import SettingsValidator, describe

#: What the SDK reads from a catalog and a state without checking it first.
SHAPES: dict[str, tuple[str, dict[str, Any]]] = {
    "--catalog": (
        "a Singer catalog",
        {
            "type": "object",
            "properties": {
                "streams": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["tap_stream_id"],
                        "properties": {
                            "tap_stream_id": {"type": "string"},
                            "schema": {"type": "object"},
                            "key_properties": {"type": ["array", "null"]},
                            "metadata": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "breadcrumb": {"type": "array"},
                                        "metadata": {"type": "object"},
                                    },
                                },
                            },
                        },
                    },
                }
            },
        },
    ),
    "--state": (
        "a Singer state",
        {
            "type": "object",
            "properties": {
                "bookmarks": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "partitions": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"context": {"type": "object"}},
                                },
                            },
                            "progress_markers": {"type": "object"},
                        },
                    },
                }
            },
        },
    ),
}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """``json.loads`` without the ``NaN`` and ``Infinity`` literals JSON does not have."""
    return json.loads(text, parse_constant=_refuse_constant)


def read_json_object(path: str | PurePath, option: str) -> dict[str, Any]:
    """The JSON object in the file at ``path`` (``-``: standard input), given with ``option``."""
    return read_json_file(path, option)[1]


def read_json_file(path: str | PurePath, option: str) -> tuple[str, dict[str, Any]]:
    """The text of the file at ``path``, and the JSON object it must hold."""
    shown = f"{option} file {str(path)!r}"
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{shown} was not found; check the path.") from None
    except IsADirectoryError:
        raise InputFileError(f"{shown} is a directory; name a JSON file.") from None
    except OSError as exc:
        raise InputFileError(f"{shown} cannot be read ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"{shown} is not UTF-8 text.") from None
    return text, _parse_object(text, shown)


def _parse_object(text: str, shown: str) -> dict[str, Any]:
    try:
        value = strict_json(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{shown} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise InputFileError(f"{shown} is nested too deeply.") from None
    except ValueError as exc:
        why = "NaN or Infinity" if "not JSON" in str(exc) else "a number with too many digits"
        raise InputFileError(f"{shown} holds {why}, which this tap does not read.") from None
    if not isinstance(value, dict):
        raise InputFileError(f"{shown} must hold a JSON object ({{...}}), not {_kind(value)}.")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "true or false" if isinstance(value, bool) else "a number"


class JsonObjectFile(click.ParamType):
    """A command-line file that must hold a JSON object; given to the SDK as an open file.

    Replaces ``click.File`` for ``--catalog`` and ``--state``, so that a bad file is one
    line and exit 1, like a bad ``--config``, instead of a usage error (exit 2) or a traceback.
    """

    name = "file"

    def __init__(self, option: str) -> None:
        self.option = option

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Read and check the file now; the SDK reads the returned text as a file."""
        if not isinstance(value, (str, PurePath)):
            return value
        text, document = read_json_file(value, self.option)
        what, shape = SHAPES[self.option]
        error = next(SettingsValidator(shape).iter_errors(document), None)
        problem = None
        if error is not None:
            problem = describe([str(part) for part in error.absolute_path], error).rstrip(".")
        elif self.option == "--catalog":
            problem = _stream_schema_problem(document)
        if problem:
            raise InputFileError(f"{self.option} file {str(value)!r} is not {what}: {problem}.")
        return io.StringIO(text)


def _stream_schema_problem(catalog: dict[str, Any]) -> str | None:
    """The first part of a stream's JSON schema that the SDK would trip over, if any.

    Walked by hand, without recursion: validating a catalog against the JSON Schema
    meta-schema would take a good part of a second on every run.
    """
    for index, stream in enumerate(catalog.get("streams", [])):
        stack: list[tuple[Any, str]] = [(stream.get("schema", {}), f"streams.{index}.schema")]
        while stack:
            node, where = stack.pop()
            if not isinstance(node, dict):
                return f"`{where}` must be an object"
            for keyword, kind in (("properties", dict), ("anyOf", list), ("type", (str, list))):
                if keyword in node and not isinstance(node[keyword], kind):
                    return f"`{where}.{keyword}` must be {_kind_words(kind)}"
            stack.extend(
                (v, f"{where}.properties.{k}") for k, v in node.get("properties", {}).items()
            )
            stack.extend((v, f"{where}.anyOf.{i}") for i, v in enumerate(node.get("anyOf", [])))
            if "items" in node:
                stack.append((node["items"], f"{where}.items"))
    return None


def _kind_words(kind: type | tuple[type, ...]) -> str:
    if kind is dict:
        return "an object"
    return "a list" if kind is list else "a string or a list"

"""Regenerate the README's settings and stream tables, and the Hub definition's settings, from the tap.

    .venv/bin/python scripts/gen_docs.py          # rewrite README.md
    .venv/bin/python scripts/gen_docs.py --check  # exit 1 if README.md is out of date

The settings table is the one ``tap-pixieset --about --format=markdown`` prints; the
stream table is read from the stream classes. tests/test_docs.py runs the check.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def settings_table() -> str:
    """The settings table, as the SDK prints it from the config schema."""
    about = subprocess.run(
        [sys.executable, "-m", "tap_pixieset", "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    match = re.search(r"^\| Setting \|.*?(?=\n\n|\n[^|]|\Z)", about, re.S | re.M)
    if not match:
        raise SystemExit("--about --format=markdown printed no settings table")
    return match.group(0).strip()


def stream_table() -> str:
    """The streams table: name, API, parent, key, replication, from the stream classes."""
    sys.path.insert(0, str(ROOT))
    from tap_pixieset.tap import TapPixieset

    tap = TapPixieset(config={}, validate_config=False, setup_mapper=False)
    rows = [
        "| Stream | API | Endpoint | Primary key | Replication | Parent | Selected by default |",
        "|:--|:--|:--|:--|:--|:--|:--:|",
    ]
    from tap_pixieset.streams import STREAM_TYPES

    for stream_type in STREAM_TYPES:
        stream = tap.streams[stream_type.name]
        endpoint = getattr(stream_type, "endpoint_doc", None) or (
            f"`{stream_type.path}`"
            if getattr(stream_type, "path", None)
            else f"derived from `{stream_type.parent_stream_type.name}`"
        )
        method = (
            f"INCREMENTAL (`{stream.replication_key}`)" if stream.replication_key else "FULL_TABLE"
        )
        parent = stream_type.parent_stream_type.name if stream_type.parent_stream_type else ""
        selected = "yes" if getattr(stream_type, "selected_by_default", True) else "no"
        rows.append(
            f"| `{stream.name}` | {stream_type.api} | {endpoint} | {', '.join(stream.primary_keys or [])} | "
            f"{method} | {parent} | {selected} |"
        )
    return "\n".join(rows)


HUB_KINDS = {
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}


def _hub_leaves(properties: dict, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """Settings as the Hub lists them: plain objects become their dotted leaves."""
    for name, prop in properties.items():
        children = prop.get("properties")
        plain = children and all("type" in c for c in children.values())
        if plain and not isinstance(prop.get("additionalProperties"), dict):
            yield from _hub_leaves(children, f"{prefix}{name}.")
        else:
            yield prefix + name, prop


def _hub_kind(prop: dict) -> str:
    types = prop.get("type", [])
    types = [t for t in types if t != "null"] if isinstance(types, list) else [types]
    kind = types[0] if types else "object"
    if prop.get("enum"):
        return "options"
    if kind == "string":
        return "date_iso8601" if prop.get("format") == "date-time" else "string"
    return HUB_KINDS[kind]


def hub_settings() -> str:
    """The `settings:` list of the Meltano Hub definition, from `--about --format=json`."""
    import json

    import yaml

    about = json.loads(
        subprocess.run(
            [sys.executable, "-m", "tap_pixieset", "--about", "--format=json"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    )
    settings = []
    for name, prop in _hub_leaves(about["settings"]["properties"]):
        setting: dict = {"name": name, "kind": _hub_kind(prop), "label": prop.get("title") or name}
        if prop.get("description"):
            setting["description"] = prop["description"]
        if prop.get("secret"):
            setting["sensitive"] = True
        if "default" in prop:
            setting["value"] = prop["default"]
        if prop.get("enum"):
            setting["options"] = [{"label": str(v).title(), "value": v} for v in prop["enum"]]
        settings.append(setting)
    return yaml.safe_dump({"settings": settings}, sort_keys=False, width=100, allow_unicode=True)


def render_hub(text: str) -> str:
    """The Hub definition with its settings list rewritten from the config schema."""
    head, sep, _ = text.partition("\nsettings:\n")
    if not sep:
        raise SystemExit("the Hub definition has no settings: list")
    return head + "\n" + hub_settings()


def render(text: str) -> str:
    """The README with its generated tables rewritten."""
    for marker, table in (("SETTINGS", settings_table()), ("STREAMS", stream_table())):
        begin, end = (
            f"<!-- BEGIN {marker} (generated by scripts/gen_docs.py) -->",
            f"<!-- END {marker} -->",
        )
        pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no {marker} markers")
        replacement = f"{begin}\n{table}\n{end}"
        text = pattern.sub(lambda _, new=replacement: new, text)
    return text


def main() -> None:
    """Rewrite the generated files, or with --check, fail when one is stale."""
    (hub_file,) = (ROOT / "plugin" / "extractors").glob("tap-pixieset--*.yml")
    stale = []
    for path, rendering in ((README, render), (hub_file, render_hub)):
        current = path.read_text(encoding="utf-8")
        fresh = rendering(current)
        if fresh == current:
            continue
        if "--check" in sys.argv:
            stale.append(path.name)
        else:
            path.write_text(fresh, encoding="utf-8")
    if stale:
        raise SystemExit(
            f"{', '.join(stale)} out of date: run .venv/bin/python scripts/gen_docs.py"
        )


if __name__ == "__main__":
    main()

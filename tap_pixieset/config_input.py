"""Where settings come from (a config, ``TAP_PIXIESET_*`` variables), and loading them checked.

A variable that does not parse as its setting's type is one line that names the variable,
never its value. The loaded settings are checked by :mod:`tap_pixieset.settings_check`.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from dotenv import find_dotenv, load_dotenv

from tap_pixieset.errors import ConfigurationError
from tap_pixieset.input_files import read_json_object, strict_json
from tap_pixieset.redaction import REDACTOR
from tap_pixieset.settings import SECRET_SETTINGS
from tap_pixieset.settings_check import check_settings

#: The SDK's convention: the plugin's name, upper case, dashes as underscores.
ENV_PREFIX = "TAP_PIXIESET_"

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
_WHOLE = re.compile(r"[+-]?[0-9]{1,30}\Z")


def load_settings(
    config: Any, *, schema: dict[str, Any], parse_env: bool, validate: bool, logger: logging.Logger
) -> dict[str, Any]:
    """The settings from ``config`` (and the environment), checked against ``schema``.

    Secrets are registered for masking before anything is logged. Problems raise one
    :class:`ConfigurationError` when ``validate`` is set, and are warnings otherwise.
    """
    settings = read_config(config)
    if parse_env:
        from_env = read_env_settings(schema)
        settings.update(from_env)
        # The SDK then logs that it skips the environment: it is read here instead.
        logger.info(
            "Read %d setting(s) from %s* environment variables (here, not by the SDK).",
            len(from_env),
            ENV_PREFIX,
        )
    REDACTOR.add(*(settings.get(name) for name in SECRET_SETTINGS))
    REDACTOR.add_cookie_header(settings.get("studio_cookie"))
    REDACTOR.add_cookie_header(settings.get("gallery_cookie"))
    unknown = sorted(str(name) for name in set(settings) - set(schema["properties"]))
    if unknown:
        logger.warning(
            "Ignoring settings this tap does not know: %s. Check them for typos.",
            ", ".join(f"`{name}`" for name in unknown),
        )
    problems = check_settings(settings, schema)
    if problems and validate:
        raise ConfigurationError(problems)
    for problem in problems:
        logger.warning("Configuration problem: %s", problem)
    return plain_numbers(settings, schema)


def read_config(config: Mapping[str, Any] | str | PurePath | list[Any] | None) -> dict[str, Any]:
    """A config given to the tap in any form it accepts, as a new dict."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return dict(config)
    if isinstance(config, (str, PurePath)):
        return read_json_object(config, "config")
    merged: dict[str, Any] = {}
    for path in config:
        merged.update(read_json_object(path, "config"))
    return merged


def read_env_settings(schema: Mapping[str, Any], prefix: str = ENV_PREFIX) -> dict[str, Any]:
    """Settings from ``<prefix><SETTING>`` variables, parsed by each setting's schema type.

    Like the SDK, a ``.env`` file found above the package is loaded first (without replacing
    variables already set). A list is JSON (``["a", "b"]``) or comma-separated (``a,b``).
    """
    load_dotenv(find_dotenv())
    settings: dict[str, Any] = {}
    problems = []
    for name, prop in schema.get("properties", {}).items():
        variable = prefix + name.upper().replace("-", "_")
        raw = os.environ.get(variable)
        if raw is None:
            continue
        try:
            settings[name] = _parse_variable(raw, prop)
        except ValueError as exc:
            problems.append(f"`{name}` (from {variable}) must be {exc}.")
    if problems:
        raise ConfigurationError(problems)
    return settings


def _parse_variable(raw: str, prop: Mapping[str, Any]) -> Any:
    kinds = prop.get("type", "string")
    kind = next((k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null"), "")
    text = raw.strip()
    if kind == "integer":
        if not _WHOLE.match(text):
            raise ValueError("a whole number")
        return int(text)
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError("a number")
        return number
    if kind == "boolean":
        if text.lower() not in _TRUE + _FALSE:
            raise ValueError("true or false")
        return text.lower() in _TRUE
    if kind == "array":
        if not text.startswith("["):
            return [part.strip() for part in text.split(",") if part.strip()]
        return _json_of(text, list, "a JSON list, or values separated by commas")
    if kind == "object":
        return _json_of(text, dict, "a JSON object")
    return raw


def _json_of(text: str, kind: type, words: str) -> Any:
    try:
        value = strict_json(text)
    except (ValueError, RecursionError):
        raise ValueError(words) from None
    if not isinstance(value, kind):
        raise ValueError(words)
    return value


def plain_numbers(config: dict[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with fractions read as ``Decimal`` (the SDK's file reader) made floats."""
    properties = schema.get("properties", {})
    for name, value in config.items():
        kinds = properties.get(name, {}).get("type", [])
        if isinstance(value, Decimal) and value.is_finite() and "number" in kinds:
            config[name] = float(value)
    return config

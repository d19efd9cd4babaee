"""Keeping secrets out of everything the tap prints, and server text from forging lines.

Every secret the tap knows — configured cookies, the password, the CSRF token, and the
cookies it receives at run time — is registered with the process-wide :data:`REDACTOR`.
Masking works three ways at once (see docs/decisions.md, "Masking secrets"):

* by **name**: the value after a known cookie or secret name (``s=abc``, ``"s": "abc"``)
  is masked whatever it is, however short;
* as an exact **token**: a registered value is masked where it stands as a whole token
  (not inside a longer word), so the password ``client`` leaves ``client_documents`` alone;
* as a **substring**: a value of :data:`SUBSTRING_LENGTH` characters or more is masked
  wherever it appears, since no ordinary word contains it.

Text is always masked before it is cut short (:meth:`Redactor.clean`), so a cut can never
leave a fragment of a secret. A log record factory masks every log line and the text of
exceptions attached to log records, whichever logger wrote them; METRIC records keep their
structure, only their tag values are masked. Control characters in log lines are escaped,
so text that came from a server can never start a line of its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
import traceback
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import quote

MASK = "***"
#: Registered values this long are masked even inside longer words.
SUBSTRING_LENGTH = 12
#: Shorter values are masked only after their name (``s=ab``): as free-standing tokens,
#: one or two characters ("1", "on") would mask ordinary words in every line.
TOKEN_LENGTH = 3
#: Names whose values are secrets wherever they appear, besides every cookie name.
SECRET_NAMES = frozenset({"password", "csrf_token", "_token", "_csrf", "xsrf-token"})

_WORD = "A-Za-z0-9_"
#: Control characters (C0, DEL, C1) and Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    r"""Return ``text`` with control characters written as escapes (``\n``, ``\x1b``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def cookie_pairs(cookie_header: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a ``Cookie`` header string (``a=1; b=2``)."""
    pairs = []
    for part in cookie_header.split(";"):
        name, sep, value = part.partition("=")
        if sep and name.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


def _forms(value: str) -> set[str]:
    """A secret as written, stripped, percent-encoded and JSON-escaped."""
    stripped = value.strip()
    forms = {value, stripped, quote(stripped, safe="")}
    forms.add(stripped.replace("\\", "\\\\").replace('"', '\\"'))
    return {form for form in forms if form}


class Redactor:
    """A thread-safe set of secret values and names, and a function that masks them in text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._names: set[str] = set(SECRET_NAMES)
        self._pattern: re.Pattern[str] | None = None

    def _compile(self) -> None:
        """Rebuild the one pattern that finds every kind of secret (call with the lock held)."""
        alternatives = []
        names = "|".join(re.escape(n) for n in sorted(self._names, key=len, reverse=True))
        # name=value (query strings, cookie headers) and "name": "value" (JSON).
        alternatives.append(rf"(?<![\w.-])(?:{names})(?P<eq>\s*=\s*)[^\s;,&\"'<>\\]+")
        alternatives.append(
            rf"(?P<q>[\"'])(?:{names})(?P=q)(?P<colon>\s*:\s*)(?P<v>\"(?:[^\"\\]|\\.)*\")"
        )
        ordered = sorted(self._secrets, key=len, reverse=True)
        long = [re.escape(s) for s in ordered if len(s) >= SUBSTRING_LENGTH]
        short = [re.escape(s) for s in ordered if TOKEN_LENGTH <= len(s) < SUBSTRING_LENGTH]
        if long:
            alternatives.append(f"(?:{'|'.join(long)})")
        if short:
            before = rf"(?:(?<![{_WORD}])|(?<=%[0-9A-Fa-f]{{2}}))"
            alternatives.append(rf"{before}(?:{'|'.join(short)})(?![{_WORD}])")
        self._pattern = re.compile("|".join(alternatives))

    def add(self, *values: str | None) -> None:
        """Register secret values (in every form they may be echoed in)."""
        fresh = {form for v in values if isinstance(v, str) and v.strip() for form in _forms(v)}
        with self._lock:
            if not fresh <= self._secrets:
                self._secrets |= fresh
                self._compile()

    def add_names(self, *names: str) -> None:
        """Register names (of cookies) whose values are masked wherever they follow the name."""
        fresh = {name for name in names if name and re.fullmatch(r"[\w.\-]+", name)}
        with self._lock:
            if not fresh <= self._names:
                self._names |= fresh
                self._compile()

    def add_cookie_header(self, cookie_header: object) -> None:
        """Register a whole ``Cookie`` header, each cookie name and each value in it."""
        if isinstance(cookie_header, str) and cookie_header.strip():
            pairs = cookie_pairs(cookie_header)
            self.add_names(*(name for name, _ in pairs))
            self.add(cookie_header, *(value for _, value in pairs))

    def add_set_cookie_headers(self, headers: Iterable[str]) -> None:
        """Register the names and values of ``Set-Cookie`` headers received from a server."""
        for header in headers:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(header)
            except Exception:
                name, _, value = header.split(";", 1)[0].partition("=")
                self.add_names(name.strip())
                self.add(value)
                continue
            self.add_names(*jar.keys())
            self.add(*(morsel.value for morsel in jar.values()))

    def _replace(self, match: re.Match[str]) -> str:
        if match.group("eq") is not None:
            return match.group()[: match.end("eq") - match.start()] + MASK
        if match.group("colon") is not None:
            return match.group()[: match.start("v") - match.start()] + f'"{MASK}"'
        return MASK

    def mask(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``***``."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(self._replace, text)

    def clean(self, text: str, limit: int | None = None) -> str:
        """Server text fit for a message: masked, control characters escaped, then cut."""
        text = escape_controls(self.mask(text))
        if limit is not None and len(text) > limit:
            text = text[:limit] + "..."
        return text

    def clear(self) -> None:
        """Forget every secret (used between tests)."""
        with self._lock:
            self._secrets.clear()
            self._names = set(SECRET_NAMES)
            self._pattern = None


REDACTOR = Redactor()

_installed = False


def mask_exception(exc: BaseException | None, redactor: Redactor = REDACTOR) -> None:
    """Mask secrets in ``exc``, the exceptions in its arguments, and those it chains to.

    Formatters that print ``str(exception)`` themselves (the SDK's JSON log formatter does)
    never see the masked traceback text, so the exceptions themselves are cleaned, in place.
    """
    pending = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        args = []
        for arg in current.args:
            if isinstance(arg, BaseException):  # requests wraps urllib3's errors this way
                pending.append(arg)
            args.append(redactor.mask(arg) if isinstance(arg, str) else arg)
        with contextlib.suppress(AttributeError, TypeError):  # a type that refuses new args
            current.args = tuple(args)
        if isinstance(current, OSError):  # its text comes from these, not from args
            for name in ("strerror", "filename", "filename2"):
                value = getattr(current, name, None)
                if isinstance(value, str):
                    setattr(current, name, redactor.mask(value))
        pending += [current.__cause__, current.__context__]


def _clean_metric(record: logging.LogRecord, redactor: Redactor) -> bool:
    """Mask the tag values of a METRIC record, keeping its structure. False if not one."""
    from singer_sdk import metrics

    args = record.args
    if record.msg != "METRIC: %s" or not isinstance(args, tuple) or len(args) != 1:
        return False
    point = args[0]
    if not isinstance(point, metrics.Point):
        return False
    tags = {
        key: escape_controls(redactor.mask(value)) if isinstance(value, str) else value
        for key, value in point.tags.items()
    }
    if tags != point.tags:
        record.args = (dataclasses.replace(point, tags=tags),)
    return True


def install_log_redaction(redactor: Redactor = REDACTOR) -> None:
    """Mask secrets and escape control characters in every log record from now on.

    A record is only rewritten when that changes its text, so records without secrets keep
    their arguments: the SDK's JSON formatter recognises METRIC records by them.
    """
    global _installed
    if _installed:
        return
    previous_factory = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        if not _clean_metric(record, redactor):
            try:
                message = record.getMessage()
            except Exception:
                message = str(record.msg)
            masked = escape_controls(redactor.mask(message))
            if masked != message:
                record.msg, record.args = masked, ()
        if record.exc_info and record.exc_info[1] is not None:
            mask_exception(record.exc_info[1], redactor)
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redactor.mask(text)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True

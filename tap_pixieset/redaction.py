"""Keeping secrets out of everything the tap prints.

Every secret the tap knows — configured cookies, the password, the CSRF token, and the
cookie values it receives at run time — is registered with the process-wide
:data:`REDACTOR`. A log record factory masks each secret in every log line and in the
text of exceptions attached to log records, whichever logger wrote them (ours, the SDK's,
urllib3's or backoff's). Error messages the tap prints itself go through
:meth:`Redactor.mask` as well.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import traceback
from collections.abc import Iterable
from http.cookies import SimpleCookie

MASK = "***"
#: Shorter values are not treated as secrets: masking "1" or "on" would mangle every log line.
MIN_SECRET_LENGTH = 6


def cookie_values(cookie_header: str) -> list[str]:
    """Return the values inside a ``Cookie`` header string (``a=1; b=2``), and the header itself."""
    values = [cookie_header]
    for part in cookie_header.split(";"):
        _, sep, value = part.partition("=")
        if sep and value.strip():
            values.append(value.strip())
    return values


class Redactor:
    """A thread-safe set of secret strings, and a function that masks them in text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, *values: str | None) -> None:
        """Register secret values. Empty and very short values are ignored."""
        # The stripped form too: a value pasted with a line break is used without it.
        candidates = [form for v in values if isinstance(v, str) for form in (v, v.strip())]
        fresh = {v for v in candidates if len(v) >= MIN_SECRET_LENGTH}
        with self._lock:
            if fresh - self._secrets:
                self._secrets |= fresh
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def add_cookie_header(self, cookie_header: object) -> None:
        """Register a whole ``Cookie`` header and each value in it."""
        if isinstance(cookie_header, str) and cookie_header:
            self.add(*cookie_values(cookie_header))

    def add_set_cookie_headers(self, headers: Iterable[str]) -> None:
        """Register the values of ``Set-Cookie`` headers received from a server."""
        for header in headers:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(header)
            except Exception:
                self.add(header.split(";", 1)[0].partition("=")[2])
                continue
            self.add(*(morsel.value for morsel in jar.values()))

    def mask(self, text: str) -> str:
        """Return ``text`` with every registered secret replaced by ``***``."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    def clear(self) -> None:
        """Forget every secret (used between tests)."""
        with self._lock:
            self._secrets.clear()
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


def install_log_redaction(redactor: Redactor = REDACTOR) -> None:
    """Mask secrets in every log record created from now on, by any logger.

    A record is only rewritten when masking changes its text, so records without secrets
    keep their arguments: the SDK's JSON formatter recognises METRIC records by them.
    """
    global _installed
    if _installed:
        return
    previous_factory = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        masked = redactor.mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and record.exc_info[1] is not None:
            mask_exception(record.exc_info[1], redactor)
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redactor.mask(text)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True

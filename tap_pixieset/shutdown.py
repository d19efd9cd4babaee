"""Stopping on SIGTERM or SIGINT: every request ends, and the process exits within seconds.

:func:`stop_all_work` is called by the tap's signal handler before it writes its STATE: it
flips the transport's stop switch (no new request, no retry, every retry wait ends), shuts
down the sockets of the requests in flight, cancels child fetches not started, and arms a
timer that ends the process :data:`STOP_GRACE_SECONDS` later in case some thread does not
let go (a DNS lookup or a TLS handshake cannot be interrupted).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from tap_pixieset.concurrency import ChildPrefetcher
from tap_pixieset.transport import abort_all

#: After SIGTERM or SIGINT, the process exits at the latest this long after the signal.
STOP_GRACE_SECONDS = 3.0


def _exit_now(code: int) -> None:
    """Exit at once (the STATE is already written): a thread would not let go in time."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def stop_all_work(code: int, prefetcher: ChildPrefetcher | None) -> None:
    """Stop every request and fetch now, and exit with ``code`` within the grace time."""
    hard_stop = threading.Timer(STOP_GRACE_SECONDS, _exit_now, args=(code,))
    hard_stop.daemon = True
    hard_stop.start()
    abort_all()
    if prefetcher is not None:
        prefetcher.abandon()

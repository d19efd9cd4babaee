"""One set of SDK metrics per child stream and run, instead of one per parent record.

The SDK opens a record counter, a sync timer and an HTTP request counter every time it
syncs a child stream, which is once per parent record, and logs a METRIC line for each
when it closes them: for 3,000 clients that is more than 10,000 log lines for
``client_documents`` alone, and building them was the largest CPU cost per record after
the HTTP work. A :class:`RunWideMetric` wraps one SDK metric for a whole run: the SDK
enters and leaves it per parent as before, it counts across all of them, and it is
reported once, when the top-level stream that drives it finishes.

METRIC lines are for machines; at INFO each stream says once, in words, what it did
(:meth:`MeteredStream.log_summary`), and the METRIC lines appear at DEBUG
(:func:`metrics_at_debug`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from singer_sdk import metrics
from typing_extensions import override

from tap_pixieset.retries import RetryingStream


def metrics_at_debug(metrics_logger: logging.Logger, tap_logger: logging.Logger) -> None:
    """Show the SDK's METRIC lines only when the tap logs at DEBUG.

    The SDK logs them at INFO, about three per stream and one per top-level request, and
    sets their logger to the tap's level; below DEBUG it is raised to WARNING here. Logging
    configured through the SDK's own ``SINGER_SDK_LOG_CONFIG`` file is left as it is.
    """
    if "SINGER_SDK_LOG_CONFIG" in os.environ or tap_logger.isEnabledFor(logging.DEBUG):
        return
    metrics_logger.setLevel(logging.WARNING)


@dataclass
class Tally:
    """What one stream did in this run: records, successful requests, syncs (parents)."""

    records: int = 0
    requests: int = 0
    syncs: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, value: int) -> None:
        """Count ``value`` more ``kind`` (requests come from the prefetch pool's threads too)."""
        with self._lock:
            setattr(self, kind, getattr(self, kind) + value)


class CountingMeter:
    """An SDK counter that also adds what it counts to a :class:`Tally`.

    The SDK's counters reset each time they log, so their value cannot be read afterwards.
    """

    def __init__(self, metric: Any, tally: Tally, kind: str) -> None:
        self.metric = metric
        self._tally = tally
        self._kind = kind

    def __enter__(self) -> CountingMeter:
        self.metric.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.metric.__exit__(*exc_info)

    def with_context(self, context: Any) -> CountingMeter:
        """Tag the SDK's counter with ``context``, as the SDK does."""
        self.metric.with_context(context)
        return self

    def increment(self, value: int = 1) -> None:
        """Count ``value`` more, in the tally and in the SDK's counter."""
        self._tally.add(self._kind, value)
        self.metric.increment(value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.metric, name)


class RunWideMetric:
    """An SDK metric (counter or timer) entered once and reported once per run."""

    def __init__(self, metric: metrics.Meter) -> None:
        self.metric = metric
        self._open = False

    def __enter__(self) -> RunWideMetric:
        if not self._open:
            self.metric.__enter__()
            self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Leaving one parent's sync: nothing is reported yet (see :meth:`close`)."""

    def with_context(self, context: Any) -> RunWideMetric:
        """Per-parent contexts are not kept: the figure is for the whole run."""
        return self

    def increment(self, value: int = 1) -> None:
        """Count ``value`` more (counters only)."""
        self.metric.increment(value)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.metric, name)

    def close(self) -> None:
        """Report the run-wide figure (one METRIC line)."""
        if self._open:
            self._open = False
            self.metric.__exit__(None, None, None)


class RunMetrics:
    """A stream's metrics: run-wide for a child stream, the SDK's own for a top-level one."""

    def __init__(self, *, run_wide: bool) -> None:
        self.run_wide = run_wide
        self._metrics: dict[str, RunWideMetric] = {}
        #: What the stream did this run, for its summary line.
        self.tally = Tally()

    def wrap(self, kind: str, make: Callable[[], Any]) -> Any:
        """The metric of ``kind`` (records, timer, requests) the SDK should use now."""
        if kind == "records":
            self.tally.add("syncs", 1)  # the SDK asks for a record counter once per sync
        if not self.run_wide:
            return self._counting(kind, make())
        metric = self._metrics.get(kind)
        if metric is None:
            metric = self._metrics[kind] = RunWideMetric(self._counting(kind, make()))
        return metric

    def _counting(self, kind: str, metric: Any) -> Any:
        return (
            CountingMeter(metric, self.tally, kind) if kind in ("records", "requests") else metric
        )

    def close(self) -> None:
        """Report every run-wide metric once (the run of the top-level stream ended)."""
        for metric in self._metrics.values():
            metric.close()
        self._metrics.clear()


class MeteredStream(RetryingStream):
    """A stream that reports its metrics once per run when it is a child stream.

    When its top-level stream has finished, it says in one INFO line what it did: records,
    requests, and what it took to get a clean copy (retried requests, extra reads of a list
    that changed while it was read, repeated records dropped), if anything.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._metrics = RunMetrics(run_wide=self.parent_stream_type is not None)

    @override
    def get_record_counter(self, **kwargs: Any) -> Any:
        """Per run for child streams (see run_metrics), per sync for top-level ones."""
        make = super().get_record_counter
        return self._metrics.wrap("records", lambda: make(**kwargs))

    @override
    def get_sync_timer(self) -> Any:
        """Per run for child streams (see run_metrics), per sync for top-level ones."""
        return self._metrics.wrap("timer", super().get_sync_timer)

    @override
    def get_http_request_counter(self) -> Any:
        """Per run for child streams (see run_metrics), per sync for top-level ones."""
        return self._metrics.wrap("requests", super().get_http_request_counter)

    def close_run_metrics(self) -> None:
        """Report this stream's and its descendants' run-wide metrics."""
        self._metrics.close()
        for child in self.child_streams:
            if isinstance(child, MeteredStream):
                child.close_run_metrics()

    def log_summary(self) -> None:
        """Say once what this stream and its descendants did (streams that were selected)."""
        if self.selected:
            self.logger.info("Stream '%s': %s.", self.name, ", ".join(self.summary_parts()))
        for child in self.child_streams:
            if isinstance(child, MeteredStream):
                child.log_summary()

    def summary_parts(self) -> list[str]:
        """The parts of this stream's summary line; kinds of stream may add their own."""
        tally = self._metrics.tally
        tap = self.tap  # TapPixieset, which counts these per stream
        records = f"{tally.records} record(s)"
        if self.parent_stream_type is not None:
            records += f" from {tally.syncs} parent(s)"
        parts = [records, f"{tally.requests} request(s)"]
        unusual = (
            (tap.stream_retries[self.name], "retried request(s)"),
            (tap.list_rereads[self.name], "extra read(s) of a list that changed while read"),
            (tap.duplicates_dropped[self.name], "repeated record(s) dropped"),
        )
        parts += [f"{count} {what}" for count, what in unusual if count]
        return parts

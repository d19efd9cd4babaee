"""One set of SDK metrics per child stream and run, instead of one per parent record.

The SDK opens a record counter, a sync timer and an HTTP request counter every time it
syncs a child stream, which is once per parent record, and logs a METRIC line for each
when it closes them: for 3,000 clients that is more than 10,000 log lines for
``client_documents`` alone, and building them was the largest CPU cost per record after
the HTTP work. A :class:`RunWideMetric` wraps one SDK metric for a whole run: the SDK
enters and leaves it per parent as before, it counts across all of them, and it is
reported once, when the top-level stream that drives it finishes.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from singer_sdk import metrics
from typing_extensions import override

from tap_pixieset.retries import RetryingStream


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

    def wrap(self, kind: str, make: Callable[[], Any]) -> Any:
        """The metric of ``kind`` (records, timer, requests) the SDK should use now."""
        if not self.run_wide:
            return make()
        metric = self._metrics.get(kind)
        if metric is None:
            metric = self._metrics[kind] = RunWideMetric(make())
        return metric

    def close(self) -> None:
        """Report every run-wide metric once (the run of the top-level stream ended)."""
        for metric in self._metrics.values():
            metric.close()
        self._metrics.clear()


class MeteredStream(RetryingStream):
    """A stream that reports its metrics once per run when it is a child stream.

    At the end of each sync it also says, in one line, what it took to get a clean copy:
    retried requests, extra reads of a list that moved, repeated records dropped.
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

    @override
    def log_sync_costs(self) -> None:
        """At the end of the sync: what it took to get a clean copy of this stream, if anything."""
        super().log_sync_costs()
        tap = self.tap  # TapPixieset, which counts these per stream
        retried = tap.stream_retries[self.name]
        rereads = tap.list_rereads[self.name]
        dropped = tap.duplicates_dropped[self.name]
        if retried or rereads or dropped:
            self.logger.info(
                "Reliability of stream '%s': %d retried request(s), %d extra read(s) of a list "
                "that changed or had to be confirmed, %d repeated record(s) dropped.",
                self.name,
                retried,
                rereads,
                dropped,
            )

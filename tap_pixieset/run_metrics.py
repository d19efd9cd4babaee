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

from types import TracebackType
from typing import Any

from singer_sdk import metrics


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

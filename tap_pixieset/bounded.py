"""Top-level streams that read their children only for parents that need it (freshness).

With ``bounded_freshness`` on, a :class:`BoundedParent` still reads and emits its whole
list, but asks a :class:`~tap_pixieset.freshness.ParentPlan` before each parent whether
its children (and, for collections, its own detail) are read this run. The plan's state is
saved in the stream's own state only when the stream's read ended cleanly, so a run that
fails or is killed leaves the last clean plan in place and the next run reads again what
it may have missed. See ``freshness`` for the guarantee.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from typing_extensions import override

from tap_pixieset.client import PixiesetStream
from tap_pixieset.errors import ConfigurationError
from tap_pixieset.freshness import STATE_KEY, ParentPlan, fingerprint, fold

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

#: ``freshness_days`` when unset (see docs/decisions.md, "Bounded freshness").
DEFAULT_FRESHNESS_DAYS = 10
MAX_DAYS = 90
_ZERO = bytes(16)


def freshness_days(config: Mapping[str, Any]) -> int | None:
    """N, the most days a record waits for its re-read; None when the mode is off."""
    if not config.get("bounded_freshness"):
        return None
    days = config.get("freshness_days")
    if days is None:
        return DEFAULT_FRESHNESS_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ConfigurationError([f"`freshness_days` must be a whole number from 1 to {MAX_DAYS}."])
    return days


def descendants(stream: PixiesetStream) -> list[PixiesetStream]:
    """Every child stream of ``stream``, their children, and so on."""
    found: list[PixiesetStream] = []
    for child in stream.child_streams:
        if isinstance(child, PixiesetStream):
            found += [child, *descendants(child)]
    return found


class BoundedParent(PixiesetStream):
    """A top-level stream whose parents' children are read as its freshness plan says."""

    #: Lists whose items belong to one of this stream's parents: stream name -> the item
    #: field holding the parent id (an embedded ``client`` object's ``id`` counts too). A
    #: change in such an item re-reads its parent's children the same day.
    tied_lists: ClassVar[Mapping[str, str]] = {}
    #: True when this stream's own records are details read per parent (collections), so
    #: a parent left out this run is not emitted at all.
    own_records_gated: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan: ParentPlan | None = None
        self._decisions: dict[str, bool] = {}
        self._ties: dict[str, bytes] = {}

    @functools.cached_property
    def gates_parents(self) -> bool:
        """Whether a plan applies: the mode is on and something per parent is read."""
        return freshness_days(self.config) is not None and (
            self.own_records_gated or self.syncs_children
        )

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The stream's records; the plan is made before them and saved after the last."""
        if not self.gates_parents or context:
            yield from super().get_records(context)
            return
        plan = self.start_plan()
        yield from super().get_records(context)
        self.finish_plan(plan)

    def start_plan(self) -> ParentPlan:
        """This run's plan, from the state of the last clean run (and the tied lists)."""
        self.plan = ParentPlan(
            self.stream_state.get(STATE_KEY),
            days=freshness_days(self.config) or 1,
            run_version=self.tap.initialized_at,
            logger=self.logger,
        )
        # Read on every run, the first too: the fingerprints saved must include them.
        self._ties = self.read_ties()
        return self.plan

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Each parent as the API lists it, with the plan's decision taken on the raw item."""
        for record in super().request_records(context):
            if self.plan is not None and not context:
                self.decide(record)
            yield record

    def decide(self, item: Mapping[str, Any]) -> bool:
        """Ask the plan about one listed parent, and remember the answer until it is used."""
        assert self.plan is not None
        parent_id = str(item.get("id"))
        combined = fold(fingerprint(item), self._ties.get(parent_id, _ZERO))
        wanted = self.plan.wants(parent_id, combined)
        self._decisions[parent_id] = wanted
        return wanted

    @override
    def wants_children(self, record: Mapping[str, Any], context: Context | None) -> bool:
        """The plan's answer for this parent (taken when it was listed)."""
        decision = self._decisions.get(str(record.get("id")))
        return super().wants_children(record, context) if decision is None else decision

    @override
    def generate_child_contexts(
        self, record: dict[str, Any], context: Context | None
    ) -> Iterable[dict[str, Any] | None]:
        """Children's context for parents the plan reads; the decision is then forgotten."""
        if self.plan is None:
            return super().generate_child_contexts(record, context)
        contexts = tuple(super().generate_child_contexts(record, context))
        self._decisions.pop(str(record.get("id")), None)
        return contexts

    def read_ties(self) -> dict[str, bytes]:
        """Fingerprints of the tied lists' items, folded per parent id."""
        ties: dict[str, bytes] = {}
        for name, field in self.tied_lists.items():
            stream = self.tap.streams.get(name)
            probe = getattr(stream, "probe_setting", None)
            if not isinstance(stream, PixiesetStream) or (probe and not self.config.get(probe)):
                continue
            for item in stream.fetch_records(None):
                owner = item.get(field)
                if owner is None and isinstance(item.get("client"), dict):
                    owner = item["client"].get("id")
                if owner is not None:
                    key = str(owner)
                    ties[key] = fold(ties.get(key, _ZERO), fingerprint(item))
        return ties

    def finish_plan(self, plan: ParentPlan) -> None:
        """After a clean read: save the plan; tell partially read streams not to delete all."""
        self.stream_state[STATE_KEY] = plan.state()
        self.logger.info("Bounded freshness, stream '%s': %s.", self.name, plan.summary())
        if not plan.skipped:
            return
        partial = descendants(self) + ([self] if self.own_records_gated else [])
        for stream in partial:
            if stream.incomplete_reason is not None:
                continue  # not the whole source set anyway (collection_ids...): no deleting
            stream.incomplete_reason = (
                f"bounded freshness read it for {plan.refreshed} of "
                f"{plan.refreshed + plan.skipped} parent(s) of '{self.name}'"
            )
            stream.bounded_version = plan.activation_version()

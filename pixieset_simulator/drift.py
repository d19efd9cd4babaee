"""Page drift: the studio's data changing while a client pages through a list.

A real studio keeps working while the tap runs: a new lead arrives, an invoice is deleted.
Paged lists then shift under the reader. :class:`Drift` makes that happen on purpose and
deterministically (by seed):

* **inserts**: a new record appears at the head of the list, as new records do in the
  newest-first lists, just before a follow-up page is served. Items already read slide
  onto the next page, where a careless reader emits them twice.
* **deletes**: a record the client has already been served disappears just before a
  follow-up page is served. Unread items slide back onto a page already read, where a
  careless reader never sees them: a record is lost.
* **delete_listed**: a record disappears right after a page listing it was served, so its
  detail or child request answers 404 (catalog A35).

Every change is applied to the dataset's tables, so :meth:`Dataset.expected_keys` always
describes the data as it is now, and the log (``inserted``, ``deleted``) says what changed.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from pixieset_simulator.dataset import Dataset, studio_id, timestamp
from pixieset_simulator.http import Request, Response, Router

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _later(moment: str, seconds: int = 1) -> str:
    """A Pixieset timestamp ``seconds`` after ``moment``."""
    return timestamp(
        datetime.strptime(moment, _TIME_FORMAT).replace(tzinfo=timezone.utc)
        + timedelta(seconds=seconds)
    )


def _prefix(item_id: str) -> str:
    return item_id.split("_", 1)[0] if "_" in item_id else "id"


class ListDrift:
    """How the records behind one list route change. Subclasses know their table."""

    #: Whether records of this list have a detail or child endpoint, which answers 404 once
    #: the record is deleted: only then is deleting a record right after listing it a test.
    has_details: ClassVar[bool] = True

    def insert_head(self, ds: Dataset, rng: random.Random, params: dict[str, str]) -> str | None:
        """Add a new record that the list shows first; return its id."""
        raise NotImplementedError

    def delete(self, ds: Dataset, record_id: str, params: dict[str, str]) -> None:
        """Remove one record, and whatever the API would remove with it."""
        raise NotImplementedError

    def ordered_ids(self, ds: Dataset, params: dict[str, str]) -> list[str]:
        """Ids of the records behind the list, in the order the list shows them."""
        raise NotImplementedError

    def delete_served(
        self, ds: Dataset, rng: random.Random, params: dict[str, str], protected: set[str]
    ) -> str | None:
        """Delete the first record of the list (on page 1, already served); return its id."""
        candidates = [i for i in self.ordered_ids(ds, params) if i not in protected]
        if not candidates:
            return None
        self.delete(ds, candidates[0], params)
        return candidates[0]

    def delete_listed(
        self,
        ds: Dataset,
        rng: random.Random,
        params: dict[str, str],
        ids: list[str],
        protected: set[str],
    ) -> str | None:
        """Delete one of ``ids`` (the page just served); return its id, or None if none may go."""
        candidates = sorted(set(ids) - protected)
        if not self.has_details or not candidates:
            return None
        victim = rng.choice(candidates)
        self.delete(ds, victim, params)
        return victim


def _mentions(item: Any, record_id: str) -> bool:
    return record_id in json.dumps(item, default=str)


class ClientsDrift(ListDrift):
    """``/clients/``: table order is list order.

    A deleted client takes everything filed under it along (its invoices, contracts,
    documents...: any record that mentions its id, and its entries in tables keyed by
    client id), so that no list is left pointing at a client that is gone. A new client
    gets empty entries in the tables keyed by client id where its model client had entries.
    """

    @staticmethod
    def _per_client_tables(ds: Dataset, client_id: str) -> list[str]:
        return [
            name
            for name, table in ds.tables.items()
            if isinstance(table, dict) and client_id in table
        ]

    def delete(self, ds: Dataset, record_id: str, params: dict[str, str]) -> None:
        """Remove the client and everything filed under it."""
        client_id = record_id
        for name, table in list(ds.tables.items()):
            if name == "clients":
                ds.tables[name] = [c for c in table if c["id"] != client_id]
            elif isinstance(table, list):
                ds.tables[name] = [item for item in table if not _mentions(item, client_id)]
            elif isinstance(table, dict):
                ds.tables[name] = {key: value for key, value in table.items() if key != client_id}

    def insert_head(self, ds: Dataset, rng: random.Random, params: dict[str, str]) -> str | None:
        """A new lead, first in the list, with nothing filed under it yet."""
        clients = ds.tables["clients"]
        model = rng.choice(clients)
        client = copy.deepcopy(model)
        client.update(
            id=studio_id(rng, "cl"),
            type="lead",
            type_formatted="Lead",
            sample=False,
            email=f"new.lead{len(clients)}@example.com",
            created_at=timestamp(ds.now),
        )
        for name in self._per_client_tables(ds, model["id"]):
            empty = type(ds.tables[name][model["id"]])()
            ds.tables[name] = {**ds.tables[name], client["id"]: empty}
        ds.tables["clients"] = [client, *clients]
        return client["id"]

    def ordered_ids(self, ds: Dataset, params: dict[str, str]) -> list[str]:
        """Table order."""
        return [c["id"] for c in ds.tables["clients"]]


class InvoicesDrift(ListDrift):
    """``/invoices/``: newest first by ``created_at``. An invoice takes its payments with it."""

    def delete(self, ds: Dataset, record_id: str, params: dict[str, str]) -> None:
        """Remove the invoice (its payments and line items live inside it)."""
        ds.tables["invoices"] = [i for i in ds.tables["invoices"] if i["id"] != record_id]

    def insert_head(self, ds: Dataset, rng: random.Random, params: dict[str, str]) -> str | None:
        """A copy of a paid invoice, created just now, with fresh ids for it and its parts."""
        invoices = ds.tables["invoices"]
        paid = [i for i in invoices if i["payments"]] or invoices
        invoice = copy.deepcopy(rng.choice(paid))
        newest = max(i["created_at"] for i in invoices)
        newest_payment = max(
            (p["payment_date"] for i in invoices for p in i["payments"]), default=newest
        )
        invoice.update(
            id=studio_id(rng, "in"),
            invoice_number=f"INV-N{len(invoices) + 1:04d}",
            created_at=_later(newest),
        )
        for item in invoice["line_items"]:
            item["id"] = studio_id(rng, _prefix(item["id"]))
        for payment in invoice["payments"]:
            payment.update(id=studio_id(rng, "ip"), payment_date=_later(newest_payment))
        ds.tables["invoices"] = [invoice, *invoices]
        return invoice["id"]

    def ordered_ids(self, ds: Dataset, params: dict[str, str]) -> list[str]:
        """Newest first."""
        newest_first = sorted(ds.tables["invoices"], key=lambda i: i["created_at"], reverse=True)
        return [i["id"] for i in newest_first]


class ClientDocumentsDrift(ListDrift):
    """``/clients/{client_id}/documents``: one client's documents, in table order."""

    has_details = False

    def insert_head(self, ds: Dataset, rng: random.Random, params: dict[str, str]) -> str | None:
        """A new document of this client, first in its list."""
        documents = ds.tables["client_documents"].get(params["client_id"])
        if not documents:
            return None
        document = copy.deepcopy(documents[0])
        document.update(id=studio_id(rng, _prefix(document["id"])), created_at=timestamp(ds.now))
        ds.tables["client_documents"] = {
            **ds.tables["client_documents"],
            params["client_id"]: [document, *documents],
        }
        return document["id"]

    def ordered_ids(self, ds: Dataset, params: dict[str, str]) -> list[str]:
        """Table order."""
        return [d["id"] for d in ds.tables["client_documents"].get(params["client_id"]) or []]

    def delete(self, ds: Dataset, record_id: str, params: dict[str, str]) -> None:
        """Remove the document from its client's list."""
        documents = ds.tables["client_documents"].get(params["client_id"]) or []
        ds.tables["client_documents"] = {
            **ds.tables["client_documents"],
            params["client_id"]: [d for d in documents if d["id"] != record_id],
        }


#: The lists that can drift, by route template.
LISTS: dict[str, ListDrift] = {
    "/clients/": ClientsDrift(),
    "/invoices/": InvoicesDrift(),
    "/clients/{client_id}/documents": ClientDocumentsDrift(),
}

#: Inserts and deletes per list route, sized so that each list settles within the reads a
#: careful client makes: the clients' documents list has one follow-up page per read.
DEFAULT_BUDGETS: dict[str, tuple[int, int]] = {
    "/clients/": (2, 2),
    "/invoices/": (2, 2),
    "/clients/{client_id}/documents": (1, 1),
}


def _is_follow_up_page(request: Request) -> bool:
    return request.int_param("page", 1) > 1 or request.int_param("offset", 0) > 0


def _no_answer(request: Request) -> Response:  # pragma: no cover  (routes are only matched)
    return Response(404)


@dataclass
class Drift:
    """Which lists change while they are paged, how much, and a log of what changed."""

    #: (inserts, deletes) per list route, one change per follow-up page request until spent.
    budgets: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    #: Records deleted right after a page listing them was served (their details then 404),
    #: per list route.
    delete_listed: int = 0
    seed: int = 1
    #: Ids inserted and deleted, by route template.
    inserted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    deleted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _spent: dict[str, list[int]] = field(init=False, repr=False, default_factory=dict)
    _last: dict[str, str] = field(init=False, repr=False, default_factory=dict)
    #: Ids deleted right after being listed, by route template.
    deleted_after_listing: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    _routers: dict[str, Router] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        for route in LISTS:
            router = Router()
            router.add("GET", route, _no_answer)
            self._routers[route] = router

    @property
    def changes(self) -> int:
        """How many records were inserted or deleted so far."""
        return sum(map(len, self.inserted.values())) + sum(map(len, self.deleted.values()))

    def _route(self, path: str) -> tuple[str, dict[str, str]] | None:
        for route, router in self._routers.items():
            found = router.match("GET", path)
            if found is not None:
                return route, found[1]
        return None

    def _protected(self) -> set[str]:
        # Records the drift inserted are never deleted: every deletion then removes a
        # record that existed before the sync, which keeps the test's bookkeeping simple.
        return {i for ids in self.inserted.values() for i in ids}

    def before_page(self, ds: Dataset, path: str, request: Request) -> None:
        """Change the data behind a list just before one of its follow-up pages is served."""
        found = self._route(path)
        if found is None or not _is_follow_up_page(request):
            return
        route, params = found
        inserts, deletes = self.budgets.get(route, (0, 0))
        with self._lock:
            spent = self._spent.setdefault(route, [0, 0])
            # Alternate, deleting first: a delete is what can lose records.
            insert_turn = self._last.get(route) == "delete" or spent[1] >= deletes
            if spent[0] < inserts and insert_turn:
                new_id = LISTS[route].insert_head(ds, self._rng, params)
                if new_id:
                    spent[0] += 1
                    self.inserted[route].append(new_id)
                    self._last[route] = "insert"
            elif spent[1] < deletes:
                gone = LISTS[route].delete_served(ds, self._rng, params, self._protected())
                if gone:
                    spent[1] += 1
                    self.deleted[route].append(gone)
                    self._last[route] = "delete"

    def after_page(self, ds: Dataset, path: str, response: Response) -> None:
        """Delete a record of the page just served, so that its detail request answers 404."""
        found = self._route(path)
        items = response.body.get("data") if isinstance(response.body, dict) else None
        if found is None or not isinstance(items, list) or response.status != 200:
            return
        route, params = found
        if len(self.deleted_after_listing[route]) >= self.delete_listed:
            return
        ids = [str(item["id"]) for item in items if isinstance(item, dict) and "id" in item]
        with self._lock:
            gone = LISTS[route].delete_listed(ds, self._rng, params, ids, self._protected())
            if gone:
                self.deleted[route].append(gone)
                self.deleted_after_listing[route].append(gone)

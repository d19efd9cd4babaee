"""Deletions between runs: records that vanish from the studio after one sync, before the next.

A studio deletes a client, an invoice, a contract or a gallery collection, and the next
sync must make the warehouse forget it. :func:`delete_between_runs` removes a few records
of each kind from the dataset the way the real API would: a deleted parent takes its
children with it (a client its documents, invoices, contracts, quotes, sessions...; an
invoice its payments and line items; a collection its galleries, visitors, downloads and
settings), and a child can also go on its own (one document of a client that stays).

It returns what a complete sync no longer emits, per stream, computed from
:meth:`Dataset.expected_keys` before and after, so a test never keeps its own list.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pixieset_simulator.dataset import EXPECTATIONS, Dataset

Keys = set[tuple[str, ...]]


@dataclass(frozen=True)
class DeletionPlan:
    """How many records of each kind to delete (parents with their children)."""

    clients: int = 1
    invoices: int = 1
    contracts: int = 1
    collections: int = 1
    gift_cards: int = 1
    #: Documents deleted on their own, from clients that stay.
    client_documents: int = 1
    #: Visitor emails deleted on their own, from collections that stay.
    collection_visitor_emails: int = 1


def _mentions(item: Any, text: str) -> bool:
    return text in json.dumps(item, default=str)


def delete_client(ds: Dataset, client_id: str) -> None:
    """A client and everything filed under it (any Studio record that names its id).

    Studio ids are long random strings, so "mentions the id" is exact.
    """
    for name, table in list(ds.tables.items()):
        if name == "clients":
            ds.tables[name] = [c for c in table if c["id"] != client_id]
        elif isinstance(table, list) and name != "starred_photos":
            ds.tables[name] = [item for item in table if not _mentions(item, client_id)]
        elif isinstance(table, dict) and client_id in table:
            ds.tables[name] = {key: value for key, value in table.items() if key != client_id}


def delete_invoice(ds: Dataset, invoice_id: str) -> None:
    """An invoice; its payments and line items live inside it and go with it."""
    ds.tables["invoices"] = [i for i in ds.tables["invoices"] if i["id"] != invoice_id]


def delete_contract(ds: Dataset, contract_id: str) -> None:
    """A contract, with its content and signatures."""
    ds.tables["contracts"] = [c for c in ds.tables["contracts"] if c["id"] != contract_id]


def delete_gift_card(ds: Dataset, card_id: str) -> None:
    """A gift card."""
    ds.tables["gift_cards"] = [g for g in ds.tables["gift_cards"] if g["id"] != card_id]


#: Gallery tables keyed by collection id: what a collection takes with it.
_PER_COLLECTION = (
    "galleries",
    "collection_clients",
    "collection_visitor_emails",
    "collection_photo_downloads",
    "collection_video_downloads",
    "collection_downloads",
    "collection_photo_sharing_links",
    "collection_favorites",
    "collection_settings",
)


def delete_collection(ds: Dataset, collection_id: int) -> None:
    """A Gallery collection, its sub-resources, its starred photos and its client links.

    Gallery ids are numbers, which other numbers can contain: matched by field, not by text.
    """
    ds.tables["collections"] = [c for c in ds.tables["collections"] if c["id"] != collection_id]
    for name in _PER_COLLECTION:
        ds.tables[name] = {k: v for k, v in ds.tables[name].items() if k != collection_id}
    ds.tables["starred_photos"] = [
        p for p in ds.tables["starred_photos"] if p["collection_id"] != collection_id
    ]
    ds.tables["client_gallery_collections"] = {
        client_id: [c for c in linked if c["id"] != collection_id]
        for client_id, linked in ds.tables["client_gallery_collections"].items()
    }


def _delete_child(ds: Dataset, table: str, parent: Any, index: int) -> None:
    items = list(ds.tables[table][parent])
    del items[index]
    ds.tables[table] = {**ds.tables[table], parent: items}


def _pick(rng: random.Random, candidates: list[Any], count: int) -> list[Any]:
    return rng.sample(candidates, min(count, len(candidates)))


def all_keys(ds: Dataset) -> dict[str, Keys]:
    """The keys a complete sync emits now, for every stream the simulator knows."""
    return {stream: ds.expected_keys(stream) for stream in sorted(EXPECTATIONS)}


def delete_between_runs(
    ds: Dataset, plan: DeletionPlan | None = None, seed: int = 13
) -> dict[str, Keys]:
    """Delete records per ``plan``; return the keys that vanished, per stream (none: absent).

    Victims are chosen by ``seed`` among the records that are not the first of their list,
    so the data other tests look for first stays.
    """
    plan = plan or DeletionPlan()
    rng = random.Random(seed)
    before = all_keys(ds)
    steps: list[tuple[Callable[[Dataset, Any], None], list[Any]]] = [
        (delete_client, [c["id"] for c in ds.tables["clients"][1:]]),
        (delete_invoice, [i["id"] for i in ds.tables["invoices"][1:]]),
        (delete_contract, [c["id"] for c in ds.tables["contracts"][1:] if c["signatures"]]),
        (delete_gift_card, [g["id"] for g in ds.tables["gift_cards"][1:]]),
        (delete_collection, [c["id"] for c in ds.tables["collections"][1:]]),
    ]
    counts = [plan.clients, plan.invoices, plan.contracts, plan.gift_cards, plan.collections]
    for (delete, candidates), count in zip(steps, counts, strict=True):
        for victim in _pick(rng, candidates, count):
            delete(ds, victim)
    with_documents = [cid for cid, docs in ds.tables["client_documents"].items() if len(docs) > 1]
    for client_id in _pick(rng, sorted(with_documents), plan.client_documents):
        _delete_child(ds, "client_documents", client_id, -1)
    with_visitors = [
        cid for cid, items in ds.tables["collection_visitor_emails"].items() if len(items) > 1
    ]
    for collection_id in _pick(rng, sorted(with_visitors), plan.collection_visitor_emails):
        _delete_child(ds, "collection_visitor_emails", collection_id, -1)
    after = all_keys(ds)
    return {name: keys - after[name] for name, keys in before.items() if keys - after[name]}

"""The simulator's data: deterministic, realistic, and able to say what a sync should yield.

A :class:`Dataset` holds every resource as the API would send it (``tables``), built from
a seed and a :class:`Scale`. Area modules (``studio_data``, ``gallery_data``) register a
builder that fills their tables and, per tap stream, a function that derives the primary
keys a complete sync must emit. Tests compare a sync with :meth:`Dataset.expected_keys`:
nothing lost, nothing duplicated.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from typing import Any

#: The simulator's "now": fixed, so that the data and every default filter are deterministic.
NOW = datetime(2025, 9, 1, 12, 0, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Scale:
    """How much data to generate. ``Scale.demo()`` is small; ``Scale.mid()`` is a busy studio."""

    clients: int = 40
    invoices: int = 120
    session_types: int = 6
    contracts: int = 30
    questionnaires: int = 25
    conversations: int = 20
    coupons: int = 30  # crosses the fixed 25-per-page boundary of GET /coupons
    gift_cards: int = 12
    templates: int = 4
    collections: int = 15

    @classmethod
    def demo(cls) -> Scale:
        """The default: enough to cross page boundaries on every paginated list."""
        return cls()

    @classmethod
    def mid(cls) -> Scale:
        """A realistic mid-size studio, for benchmarks."""
        return cls(
            clients=3000,
            invoices=4000,
            session_types=12,
            contracts=600,
            questionnaires=500,
            conversations=800,
            coupons=40,
            gift_cards=300,
            templates=10,
            collections=300,
        )

    def times(self, factor: float) -> Scale:
        """Every count multiplied by ``factor``."""
        return replace(
            self, **{f.name: max(1, int(getattr(self, f.name) * factor)) for f in fields(self)}
        )


Builder = Callable[["Dataset", random.Random], None]
Expectation = Callable[["Dataset"], set[tuple[str, ...]]]

BUILDERS: list[Builder] = []
EXPECTATIONS: dict[str, Expectation] = {}


def builder(func: Builder) -> Builder:
    """Register a function that fills some tables of a new dataset (run in registration order)."""
    BUILDERS.append(func)
    return func


def expects(*streams: str) -> Callable[[Expectation], Expectation]:
    """Register how to derive the primary keys a complete sync of ``streams`` must emit."""

    def register(func: Expectation) -> Expectation:
        for stream in streams:
            EXPECTATIONS[stream] = func
        return func

    return register


class Dataset:
    """Every resource of one simulated studio, as raw API items, by table name."""

    def __init__(self, seed: int, scale: Scale) -> None:
        self.seed = seed
        self.scale = scale
        self.now = NOW
        self.tables: dict[str, Any] = {}

    def table(self, name: str) -> Any:
        """A table by name."""
        return self.tables[name]

    def expected_keys(self, stream: str) -> set[tuple[str, ...]]:
        """Primary keys (as tuples of strings) that a complete sync of ``stream`` must emit."""
        try:
            return EXPECTATIONS[stream](self)
        except KeyError:
            raise KeyError(f"The simulator has no expectation for stream {stream!r}") from None

    def delete_between_runs(self, seed: int = 13, **plan: int) -> dict[str, set[tuple[str, ...]]]:
        """Delete records as a studio would between two syncs; return the vanished keys.

        See :mod:`pixieset_simulator.deletions`; ``plan`` overrides its counts per kind.
        """
        from pixieset_simulator.deletions import DeletionPlan, delete_between_runs

        return delete_between_runs(self, DeletionPlan(**plan), seed)

    def expected_counts(self) -> dict[str, int]:
        """Expected record count per stream, for every stream the simulator knows."""
        return {stream: len(self.expected_keys(stream)) for stream in sorted(EXPECTATIONS)}


def build_dataset(seed: int = 7, scale: Scale | None = None) -> Dataset:
    """A deterministic dataset: the same seed and scale always give the same data."""
    # Importing the area modules registers their builders and expectations.
    from pixieset_simulator import gallery_data, studio_data  # noqa: F401

    dataset = Dataset(seed, scale or Scale.demo())
    rng = random.Random(seed)
    for build in BUILDERS:
        build(dataset, rng)
    return dataset


# -- realistic values ---------------------------------------------------------------------

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "José",
    "Zoë",
    "Søren",
    "Łukasz",
    "Aoife",
    "Chloé",
    "Mateo",
    "Amélie",
    "Noah",
    "Emma",
    "Björn",
    "Siobhán",
    "Ana",
    "Ren",
    "Priya",
    "Ömer",
    "Maya",
    "Ethan",
    "François",
    "Nguyễn",
    "Ines",
    "Kai",
    "さくら",
]
LAST_NAMES = [
    "Smith",
    "García",
    "Müller",
    "O'Brien",
    "Kowalski",
    "Nakamura",
    "Dubois",
    "Rossi",
    "Jensen",
    "Silva",
    "Brown",
    "Núñez",
    "Øvergaard",
    "Van der Berg",
    "Patel",
    "Kim",
    "Lefèvre",
    "Şahin",
    "Wilson",
    "佐藤",
]
COMPANIES = [
    "Bloom & Co",
    "Atelier Lumière",
    "Nordic Weddings",
    "Café Müller",
    "Studio Ōkami",
    "Hart Events",
]
CITIES = [
    ("London", "United Kingdom", 826),
    ("Zürich", "Switzerland", 756),
    ("Montréal", "Canada", 124),
    ("São Paulo", "Brazil", 76),
    ("Kraków", "Poland", 616),
    ("Austin", "United States", 840),
]
CURRENCIES = [("gbp", "British Pound", "£"), ("usd", "US Dollar", "$"), ("eur", "Euro", "€")]
SYMBOLS = {code: symbol for code, _, symbol in CURRENCIES}
_ALNUM = string.ascii_letters + string.digits


def studio_id(rng: random.Random, prefix: str, length: int = 30) -> str:
    """A Studio id: ``<prefix>_`` and random alphanumerics (usually 30; some 29, as documented)."""
    if length == 30 and rng.random() < 0.15:  # catalog A20: several real ids have 29
        length = 29
    return f"{prefix}_" + "".join(rng.choice(_ALNUM) for _ in range(length))


def timestamp(moment: datetime) -> str:
    """Pixieset's date-time format: UTC, six fractional digits, ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def days_ago(rng: random.Random, low: float, high: float) -> datetime:
    """A random moment between ``high`` and ``low`` days before the simulator's now."""
    return NOW - timedelta(days=rng.uniform(low, high), seconds=rng.randint(0, 86399))


def formatted(amount: int, currency: str) -> str:
    """A display string such as ``£500.00`` for an amount in minor units."""
    return f"{SYMBOLS.get(currency, '')}{amount / 100:,.2f}"

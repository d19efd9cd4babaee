"""Shared fixtures: a running simulator for the whole session, and fresh ones for tests that change it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pixieset_simulator import Simulator
from tap_pixieset.redaction import REDACTOR


@pytest.fixture(scope="session")
def sim() -> Iterator[Simulator]:
    """One simulator with the default dataset, shared by tests that only read from it."""
    with Simulator() as simulator:
        yield simulator


@pytest.fixture(scope="module")
def module_sim() -> Iterator[Simulator]:
    """A simulator for one module's end-to-end runs, which log in and fill its request log."""
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def fresh_sim() -> Iterator[Simulator]:
    """A simulator of its own, for tests that change data, sessions or faults."""
    with Simulator() as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Secrets registered by one test must not mask text in the next."""
    yield
    REDACTOR.clear()

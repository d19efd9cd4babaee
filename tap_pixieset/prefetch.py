"""Reading ahead: start the next records' requests on the pool while earlier ones are emitted.

Two kinds of stream read ahead, with the same window: a parent stream starts its
children's requests for the next few records (``look_ahead`` over its records), and a
list-then-detail stream starts the next few details. The window keeps the output order:
an item is emitted only after everything before it, and what was started for it is taken
(waiting if need be) when its turn comes. The pool itself is ``concurrency.ChildPrefetcher``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
Ticket = TypeVar("Ticket")
Out = TypeVar("Out")


def look_ahead(
    items: Iterable[Item],
    depth: int,
    start: Callable[[Item], Ticket],
    finish: Callable[[Item, Ticket], Iterable[Out]],
) -> Iterator[Out]:
    """Call ``start`` on each item up to ``depth`` items before ``finish`` emits it.

    ``start`` begins the item's background work and returns a ticket for it; ``finish``
    turns the item and its ticket into output, in the items' order.
    """
    window: deque[tuple[Item, Ticket]] = deque()
    for item in items:
        window.append((item, start(item)))
        if len(window) > depth:
            yield from finish(*window.popleft())
    while window:
        yield from finish(*window.popleft())

"""Stock of a small warehouse: items, their locations, and the moves between them."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone

LOW_STOCK = 5


@dataclass(frozen=True)
class Item:
    """One kind of thing the warehouse keeps."""

    sku: str
    name: str
    weight_grams: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)


class StockError(Exception):
    """A move that the stock cannot satisfy."""


class Inventory:
    """Quantities of items per location, and a journal of every move.

    Locations are plain names ("A-01-3": aisle, rack, shelf). A quantity never goes
    below zero: a move that would make it do so is refused whole.
    """

    def __init__(self, clock=None):
        self._stock: dict[tuple[str, str], int] = {}
        self._items: dict[str, Item] = {}
        self._journal: list[tuple[datetime, str, str, str, int]] = []
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    @property
    def items(self) -> list[Item]:
        """Every item known, by SKU."""
        return sorted(self._items.values(), key=lambda item: item.sku)

    @staticmethod
    def location_key(location: str) -> tuple[str, int, int]:
        """Sorts locations by aisle, then rack and shelf as numbers."""
        aisle, rack, shelf = location.split("-")
        return aisle, int(rack), int(shelf)

    def receive(self, item: Item, location: str, quantity: int) -> None:
        """Books `quantity` of `item` arriving at `location`."""
        if quantity <= 0:
            raise ValueError(f"a delivery of {quantity} {item.sku}")
        self._items.setdefault(item.sku, item)
        key = (item.sku, location)
        self._stock[key] = self._stock.get(key, 0) + quantity
        self._journal.append((self._clock(), item.sku, "", location, quantity))

    def move(self, sku: str, source: str, target: str, quantity: int) -> None:
        """Moves `quantity` of `sku` from `source` to `target`, or refuses it whole.

        The journal records the move once, with both locations, so that the history of a
        location can be replayed from the journal alone.
        """
        if source == target:
            raise ValueError("a move to the same location")
        available = self._stock.get((sku, source), 0)
        if quantity <= 0 or quantity > available:
            raise StockError(f"{quantity} of {sku} at {source}, which holds {available}")
        self._stock[(sku, source)] = available - quantity
        if self._stock[(sku, source)] == 0:
            del self._stock[(sku, source)]
        self._stock[(sku, target)] = self._stock.get((sku, target), 0) + quantity
        self._journal.append((self._clock(), sku, source, target, quantity))

    def quantity(self, sku: str, location: str | None = None) -> int:
        """How many of `sku` there are at `location`, or in all."""
        if location is not None:
            return self._stock.get((sku, location), 0)
        return sum(q for (s, _), q in self._stock.items() if s == sku)

    @functools.cached_property
    def heaviest(self) -> Item | None:
        return max(self._items.values(), key=lambda item: item.weight_grams, default=None)

    def low_stock(self, threshold: int = LOW_STOCK) -> list[tuple[str, int]]:
        """Items whose total quantity is under `threshold`, fewest first."""
        totals = {sku: self.quantity(sku) for sku in self._items}
        low = [(sku, total) for sku, total in totals.items() if total < threshold]
        return sorted(low, key=lambda pair: (pair[1], pair[0]))

    def history(self, location: str) -> list[str]:
        """The moves in and out of `location`, oldest first, one line each."""
        lines = []
        for when, sku, source, target, quantity in self._journal:
            if location not in (source, target):
                continue
            direction = "in" if target == location else "out"
            other = source if direction == "in" else target
            lines.append(f"{when:%Y-%m-%d %H:%M} {direction} {quantity} {sku} ({other or 'delivery'})")
        return lines


def restock_plan(inventory: Inventory, target: int) -> dict[str, int]:
    """How many of each low item to order so that each reaches `target`."""
    return {sku: target - total for sku, total in inventory.low_stock(target)}


if __name__ == "__main__":
    stock = Inventory()
    bolt = Item("B-100", "Bolt M6", 4, ("hardware",))
    stock.receive(bolt, "A-01-3", 40)
    stock.move("B-100", "A-01-3", "B-02-1", 38)
    print(stock.low_stock(), restock_plan(stock, 10))

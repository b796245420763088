"""The mock's state, bounded: the resources of each collection path, and how many it keeps.

A mock that keeps every resource ever created grows without end under a batch (10,000 runs of
a create-then-read workflow store 10,000 resources and 10,000 sub-collections), so every
collection keeps at most ``max_items`` resources (:data:`MAX_ITEMS`, 1,000, unless the mock
is made with another ``max_items``; never fewer than the collection is seeded with).  One more
evicts the oldest, by creation (an update does not make a resource younger), and an evicted
resource is gone as a deleted one is: its id answers 404, and so does everything below it
(``/Services/{evicted}/PhoneNumbers``), whose stores are dropped with it.  A workflow reads
back what it just created, so any bound well above the number of runs in flight serves it.

The same bound applies to what else grows with the requests: the items a collection that is
not stateful generated on demand (an evicted one is generated again, from its id), the ids
deleted from such a collection, and the stores of one collection template
(``/accounts/{id}/things`` for each ``id`` asked for).  Issued OAuth2 tokens are bounded
apart (:data:`.auth.KEPT_TOKENS`, the newest 10,000).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_ITEMS", "Store", "Stores"]

MAX_ITEMS = 1_000


@dataclass
class Store:
    """The resources of one collection path, by id, oldest first."""

    limit: int  # the most resources it keeps
    template: str = ""  # structural template of the collection path
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    seeded: bool = False
    # deleted ids of a collection that is not stateful (an ordered set: oldest forgotten first)
    gone: dict[str, None] = field(default_factory=dict)
    parent: tuple[str, str] | None = None  # (collection path, item id) this store sits below


class Stores:
    """Every store of a mock, by collection path, each holding at most its ``limit``."""

    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self.max_items = max_items
        self.by_path: dict[str, Store] = {}
        self._by_template: dict[str, dict[str, None]] = {}  # template -> its store paths, oldest first
        self._children: dict[tuple[str, str], dict[str, None]] = {}  # (path, id) -> store paths below

    def __len__(self) -> int:
        return len(self.by_path)

    def get(self, path: str) -> Store | None:
        return self.by_path.get(path)

    def open(self, template: str, path: str, least: int = 0) -> Store:
        """The store at ``path`` (of the collection ``template``), made empty on first use;
        it keeps at most ``max_items`` resources, or ``least`` when that is more."""
        store = self.by_path.get(path)
        if store is not None:
            return store
        store = self.by_path[path] = Store(max(self.max_items, least), template)
        parts = path.strip("/").split("/") if path.strip("/") else []
        if len(parts) >= 2:
            # a sub-collection of an item (/Services/MG1/PhoneNumbers below MG1 of /Services)
            store.parent = ("/" + "/".join(parts[:-2]), parts[-2])
            self._children.setdefault(store.parent, {})[path] = None
        paths = self._by_template.setdefault(template, {})
        paths[path] = None
        if len(paths) > store.limit:
            self._drop_store(next(iter(paths)))
        return store

    def put(self, store: Store, path: str, key: str, resource: dict[str, Any]) -> None:
        """Store ``resource`` under ``key``, evicting the oldest when the store is full."""
        store.items[key] = resource
        store.gone.pop(key, None)
        while len(store.items) > store.limit:
            self.remove(store, path, next(iter(store.items)))

    def remove(self, store: Store, path: str, key: str, *, remember: bool = False) -> None:
        """Remove the resource ``key`` and every store below it; with ``remember`` its id
        stays known as deleted (a collection that is not stateful would generate it again)."""
        store.items.pop(key, None)
        for child in list(self._children.pop((path, key), {})):
            self._drop_store(child)
        if remember:
            store.gone[key] = None
            if len(store.gone) > store.limit:
                del store.gone[next(iter(store.gone))]

    def _drop_store(self, path: str) -> None:
        store = self.by_path.pop(path, None)
        if store is None:
            return
        paths = self._by_template.get(store.template)
        if paths is not None:
            paths.pop(path, None)
            if not paths:
                del self._by_template[store.template]
        if store.parent is not None:
            siblings = self._children.get(store.parent)
            if siblings is not None:
                siblings.pop(path, None)
                if not siblings:
                    del self._children[store.parent]
        for key in list(store.items):
            for child in list(self._children.pop((path, key), {})):
                self._drop_store(child)

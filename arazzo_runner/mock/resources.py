"""Stateful collections: which routes form them, and the resources stored, built and updated in them."""

from __future__ import annotations

import datetime as _dt
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .discriminator import chosen
from .fields import coerce, copy_fields
from .generate import BASE_TIME, OMIT
from .pagination import items_location
from .responses import Responses
from .routes import Route, structural
from .schemas import branch_properties, normalize_name, properties
from .stores import MAX_ITEMS, Store, Stores

__all__ = ["Collection", "Resources", "Store", "collection_path", "find_collections", "fits_resource"]

_ID_NAMES = ("id", "sid", "uuid", "guid")
_CREATED = frozenset({"datecreated", "createdat", "created", "creationdate", "createdon", "createtime",
                      "creationtime", "createddate", "createdtime"})  # fmt: skip
_UPDATED = frozenset({"dateupdated", "updatedat", "updated", "lastmodified", "modifiedat", "lastupdated",
                      "modified", "updatetime", "updatedon", "lastmodifiedat", "updateddate"})  # fmt: skip


@dataclass
class Collection:
    """A collection path: the routes that create, list and address its items."""

    key: str  # structural template of the collection path
    create: Route | None = None
    listing: Route | None = None
    item_routes: dict[str, Route] = field(default_factory=dict)  # method -> route
    item_param: str | None = None
    seed_items: int = 0
    _schema: Any = None
    _id: Any = OMIT

    @property
    def stateful(self) -> bool:
        return self.create is not None or self.seed_items > 0


def find_collections(routes: Sequence[Route], items: int = 0) -> dict[str, Collection]:
    """The collections of ``routes``, by the structural template of the collection path.

    ``items``: every collection that can be listed starts with that many resources (its own
    ``x-mock-items`` when larger); one that cannot be listed is left as it is, since no
    workflow could learn the ids of its seeded items."""
    by_template: dict[str, dict[str, Route]] = {}
    for route in routes:
        if route.query:
            continue  # a path key with a fixed query is an operation of its own, not a collection's
        key = structural(route.template.rstrip("/") or "/")
        by_template.setdefault(key, {}).setdefault(route.method, route)
    collections: dict[str, Collection] = {}
    for key, methods in by_template.items():
        if key.endswith("/{}"):
            parent = key[: -len("/{}")] or "/"
            collection = collections.setdefault(parent, Collection(parent))
            collection.item_routes.update(methods)
            collection.item_param = next(iter(methods.values())).names[-1]
            get = methods.get("GET")
            if get is not None:
                collection.item_param = get.names[-1]
    for key, methods in by_template.items():
        if key.endswith("/{}"):
            continue  # an item path: its POST/PUT/PATCH update the item
        if key in collections or ("POST" in methods and "GET" in methods):
            collection = collections.setdefault(key, Collection(key))
            collection.create = methods.get("POST")
            collection.listing = methods.get("GET")
            for candidate in (collection.listing, collection.create):
                count = candidate.operation.raw.get("x-mock-items") if candidate is not None else None
                if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                    collection.seed_items = max(collection.seed_items, count)
            if collection.listing is not None:
                collection.seed_items = max(collection.seed_items, items)
    return collections


def collection_path(segments: list[str], length: int) -> str:
    """The path of the first ``length`` segments."""
    return "/" + "/".join(segments[:length])


def fits_resource(schema: Any, resource: Mapping[str, Any]) -> bool:
    """Whether a response schema shows the resource (shares at least half of its properties)."""
    declared = properties(schema)
    if not declared:
        return True
    shared = sum(1 for name in declared if name in resource)
    return shared * 2 >= len(declared) or shared >= 3


def _singular(word: str) -> str:
    lowered = word.lower()
    if lowered.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if lowered.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if lowered.endswith("s") and not lowered.endswith("ss"):
        return word[:-1]
    return word


def _replace_text(value: Any, old: str, new: str) -> Any:
    """``value`` with ``old`` replaced by ``new`` in every string (an example's id in its URLs)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_text(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace_text(item, old, new) for key, item in value.items()}
    return value


class Resources:
    """The collections of one description and, per collection path, the resources stored
    (at most ``max_items`` each: see :mod:`.stores`)."""

    def __init__(self, collections: dict[str, Collection], responses: Responses, max_items: int = MAX_ITEMS) -> None:
        self.collections = collections
        self.max_items = max_items
        self.responses = responses
        self.schemas = responses.schemas
        self.generator = responses.generator
        self.reset()

    def reset(self) -> None:
        """Forget every stored resource."""
        self.stores = Stores(self.max_items)
        self._ticks = 0

    def _now(self) -> str:
        self._ticks += 1
        moment = BASE_TIME + _dt.timedelta(days=366, seconds=self._ticks)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def store(self, collection: Collection, path: str) -> Store:
        """The store of ``collection`` at ``path``, seeded with its ``x-mock-items`` on first use."""
        store = self.stores.open(collection.key, path, collection.seed_items)
        if not store.seeded:
            store.seeded = True
            for _ in range(collection.seed_items):
                self.new_resource(collection, store, path, {})
        return store

    def missing_parent(self, key: str, segments: list[str]) -> str | None:
        """The path of an item above the requested path that its stateful collection lacks."""
        parts = key.strip("/").split("/") if key != "/" else []
        for length in range(1, len(parts)):
            if parts[length] != "{}" or length + 1 >= len(parts):
                continue
            parent_key = "/" + "/".join(parts[:length])
            collection = self.collections.get(parent_key)
            if collection is None or not collection.stateful or not collection.item_routes:
                continue
            store = self.store(collection, collection_path(segments, length))
            if segments[length] not in store.items:
                return collection_path(segments, length + 1)
        return None

    # -- schemas of a collection's resources

    def resource_schema(self, collection: Collection) -> Any:
        if collection._schema is None:
            schema: Any = None
            get = collection.item_routes.get("GET")
            success_schema = self.responses.success_schema
            for candidate in (success_schema(get), success_schema(collection.create, True)):
                if isinstance(candidate, dict) and branch_properties(candidate):
                    schema = candidate
                    break
            if schema is None and collection.listing is not None:
                listed = success_schema(collection.listing)
                located = items_location(listed, collection.key) if listed is not None else None
                schema = located[1] if located is not None else None
            collection._schema = schema if isinstance(schema, dict) else {"type": "object"}
        return collection._schema

    def id_property(self, collection: Collection) -> str | None:
        if collection._id is OMIT:
            declared = branch_properties(self.resource_schema(collection))
            normalized = {normalize_name(name): name for name in declared}
            found = None
            for route in (collection.create, collection.item_routes.get("GET"), collection.listing):
                explicit = route.operation.raw.get("x-mock-id") if route is not None else None
                if isinstance(explicit, str) and explicit in declared:
                    found = explicit
                    break
            if found is None and collection.item_param:
                found = normalized.get(normalize_name(collection.item_param))
            if found is None:
                found = next((normalized[n] for n in _ID_NAMES if n in normalized), None)
            if found is None:
                last = collection.key.rstrip("/").rsplit("/", 1)[-1]
                singular = normalize_name(_singular(last))
                found = next((normalized[singular + n] for n in _ID_NAMES if singular + n in normalized), None)
            collection._id = found
        return collection._id  # type: ignore[no-any-return]

    # -- create, read, update

    def new_resource(self, collection: Collection, store: Store, path: str,
                     fields: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:  # fmt: skip
        """A new resource of ``collection``, from its schema and ``fields``, stored under a new id."""
        # a polymorphic resource is built from the branch its discriminating field selects
        schema = chosen(self.resource_schema(collection), fields)
        store.created += 1
        rng = self.responses.rng("create", path, store.created)
        value = self.generator.generate(schema, rng)
        resource = value if isinstance(value, dict) else {}
        id_prop = self.id_property(collection)
        old_id = resource.get(id_prop) if id_prop else None
        skip = frozenset({id_prop}) if id_prop else frozenset()
        before = dict(resource)
        copy_fields(self.schemas, resource, schema, fields, skip)
        new_id: Any = OMIT
        if id_prop is not None:
            sub = branch_properties(schema).get(id_prop, {})
            last = collection.key.rstrip("/").rsplit("/", 1)[-1]
            wanted = {normalize_name(id_prop), normalize_name(_singular(last)) + normalize_name(id_prop)}
            for name, given in fields.items():
                if normalize_name(name) in wanted:
                    coerced = coerce(given, sub)
                    if self.schemas.conforms(coerced, sub):
                        new_id = coerced
                        break
            if new_id is OMIT:
                new_id = self._fresh_id(sub, store, rng)
            resource[id_prop] = new_id
            key = str(new_id) if not isinstance(new_id, bool) else json.dumps(new_id)
        else:
            key = f"{rng.getrandbits(64):016x}"
        if isinstance(old_id, str) and len(old_id) >= 4 and old_id != key:
            resource = _replace_text(resource, old_id, key)
        for name, old in before.items():
            # an example's identifiers also sit in its URLs: keep them consistent with the copies
            new = resource.get(name)
            if name != id_prop and isinstance(old, str) and isinstance(new, str) and old != new and len(old) >= 8 \
                    and not any(char.isspace() for char in old):  # fmt: skip
                resource = _replace_text(resource, old, new)
        self._stamp(resource, schema, created=True)
        self.stores.put(store, path, key, resource)
        return key, resource

    def _fresh_id(self, schema: Any, store: Store, rng: random.Random) -> Any:
        kind = schema.get("type") if isinstance(schema, dict) else None
        kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
        if kind == "integer" and isinstance(schema, dict) and "enum" not in schema and "pattern" not in schema:
            minimum = schema.get("minimum")
            low = minimum if isinstance(minimum, int) and not isinstance(minimum, bool) else 1
            # counted from every id issued, not from those held: a deleted or evicted id stays gone
            candidate = max(low, 1) + store.created - 1
            while str(candidate) in store.items:
                candidate += 1
            if self.schemas.conforms(candidate, schema):
                return candidate
        for _ in range(50):
            value = self.generator.generate(schema or {"type": "string"}, rng, name="id", use_examples=False)
            if value is not OMIT and str(value) not in store.items:
                return value
        return f"{rng.getrandbits(64):016x}"

    def _stamp(self, resource: dict[str, Any], schema: Any, created: bool) -> None:
        now = self._now()
        for name, sub in properties(schema).items():
            normalized = normalize_name(name)
            if (created and normalized in _CREATED) or normalized in _UPDATED:
                value = now if not (isinstance(sub, dict) and sub.get("format") == "date") else now[:10]
                if self.schemas.conforms(value, sub):
                    resource[name] = value

    def update(self, collection: Collection, resource: dict[str, Any], fields: Mapping[str, Any]) -> None:
        """Copy ``fields`` (but the id) into a stored resource and stamp its update time."""
        schema = self.resource_schema(collection)
        id_prop = self.id_property(collection)
        copy_fields(self.schemas, resource, schema, fields, frozenset({id_prop}) if id_prop else frozenset())
        self._stamp(resource, schema, created=False)

    def project(self, resource: dict[str, Any], schema: Any, rng: random.Random) -> Any:
        """``resource`` as ``schema`` shows it: its properties only, missing required ones
        generated (and kept in the resource, so they stay the same)."""
        declared = properties(schema)
        if not declared:
            return dict(resource)
        result = {name: value for name, value in resource.items() if name in declared}
        required = schema.get("required") if isinstance(schema, dict) else None
        for name in required if isinstance(required, list) else []:
            if name not in result and name in declared:
                value = self.generator.generate(declared[name], rng, name=name)
                if value is not OMIT:
                    result[name] = resource[name] = value
        return result

    def materialise(self, collection: Collection, store: Store, path: str, item_id: str) -> dict[str, Any]:
        """An item of a collection that is not stateful, generated from its id."""
        schema = self.resource_schema(collection)
        value = self.generator.generate(schema, self.responses.rng("item", path, item_id))
        resource = value if isinstance(value, dict) else {}
        id_prop = self.id_property(collection)
        if id_prop is not None:
            sub = properties(schema).get(id_prop, {})
            coerced = coerce(item_id, sub)
            if self.schemas.conforms(coerced, sub):
                old = resource.get(id_prop)
                resource[id_prop] = coerced
                if isinstance(old, str) and len(old) >= 4:
                    resource = _replace_text(resource, old, item_id)
        self.stores.put(store, path, item_id, resource)
        return resource

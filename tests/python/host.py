"""The engine component in Python's Wasmtime (the `wasmtime` package from PyPI, its
component API): the `.wasm` the Rust host runs, its imports `index-sync:engine/kv`, `ai`
and `vectorize` bound to the Python fakes (fakes.py), as host-native/src/component/
binds them to the Rust ones: JSON text turned into values at the boundary, text that does
not parse a failed call (code `protocol`), never a trap.

Each request gets a fresh store and instance, as in the Rust host: a trap costs one request
and never leaves a broken instance behind. The component is compiled once per process.

How the Python API carries values: a record is a `Record` with attributes, `list<u8>` is
`bytes`, `option` is the value or `None`; a `result` is the bare value when its two cases
have different Python types (`result<_, host-error>`: `None` or a `Record`), and a
`Variant('ok'|'err', payload)` when they do not (`result<key-page, host-error>`, and the
operations' `result<response, response>`).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from wasmtime import Engine, Store, WasmtimeError
from wasmtime.component import Component, Linker, Record, Variant

from fakes import HostError, World, ai_class, ai_run, compact

PACKAGE = "index-sync:engine"
VERSION = "0.2.0"


def record(**fields: Any) -> Record:
    r = Record()
    for name, value in fields.items():
        setattr(r, name, value)
    return r


def host_error(e: HostError) -> Record:
    return record(code=e.code, message=e.message)


def parse(what: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise HostError("protocol", f"{what} is not JSON: {e}") from None


class ComponentHost:
    """The component over a `World`: `serve` runs one request on the world it is given."""

    def __init__(self, component_path: str):
        self.engine = Engine()
        self.component = Component.from_file(self.engine, component_path)
        self.world = World()
        self.linker = Linker(self.engine)
        with self.linker.root() as root:
            self._link(root)

    def _link(self, root: Any) -> None:
        def bind(instance: Any, name: str, run: Callable[..., Any], tagged: bool = False) -> None:
            """An import that answers `ok` with run's value, or `err` with the host error."""
            def call(_store: Any, *args: Any) -> Any:
                try:
                    value = run(*args)
                    return Variant("ok", value) if tagged else value
                except HostError as e:
                    return Variant("err", host_error(e)) if tagged else host_error(e)
            instance.add_func(name, call)

        w = lambda: self.world  # noqa: E731: the world of the scenario being run
        with root.add_instance(f"{PACKAGE}/types@{VERSION}"):
            pass
        with root.add_instance(f"{PACKAGE}/kv@{VERSION}") as kv:
            bind(kv, "get", self._kv_get)
            bind(kv, "put", self._kv_put)
            bind(kv, "delete", lambda key: self._billed("kv.keysDeleted", 1, "kv.delete", lambda: w().kv.delete(key)))
            bind(kv, "list", self._kv_list, tagged=True)
        with root.add_instance(f"{PACKAGE}/ai@{VERSION}") as ai:
            bind(ai, "run", self._ai_run)
        with root.add_instance(f"{PACKAGE}/vectorize@{VERSION}") as vectorize:
            bind(vectorize, "upsert", self._upsert)
            bind(vectorize, "query", self._query)
            bind(vectorize, "delete-by-ids", lambda ids: w().call("vectorize.deleteByIds", lambda: w().vectorize.delete_by_ids(list(ids))))

    def _billed(self, billed: str, keys: int, name: str, run: Callable[[], Any]) -> Any:
        self.world.bill(billed, keys)
        return self.world.call(name, run)

    def _kv_get(self, keys: list[str]) -> list:
        w = self.world
        return self._billed("kv.keysRead", len(keys), "kv.get", lambda: w.kv.get(list(keys), w.now))

    def _kv_put(self, key: str, value: str, ttl: Any, metadata: Any) -> None:
        w = self.world
        meta = None if metadata is None else parse("kv.put metadata", metadata)
        return self._billed("kv.keysWritten", 1, "kv.put", lambda: w.kv.put(key, value, ttl, meta, w.now))

    def _kv_list(self, prefix: str, cursor: Any, limit: int) -> Record:
        w = self.world
        keys, next_cursor = w.call("kv.list", lambda: w.kv.list(prefix, cursor, limit, w.now))
        listed = [record(name=name, metadata=None if meta is None else compact(meta)) for name, meta in keys]
        return record(keys=listed, cursor=next_cursor)

    def _ai_run(self, model: str, text: str) -> str:
        value = parse("ai.run input", text)
        if not isinstance(value, dict):
            value = {}  # no messages, prompt nor text: the fake AI refuses it
        return compact(self.world.call("ai.run", lambda: ai_run(model, value), ai_class(value)))

    def _upsert(self, vectors: list) -> None:
        parsed = [(v.id, list(v.values), parse("vector metadata", v.metadata)) for v in vectors]
        self.world.call("vectorize.upsert", lambda: self.world.vectorize.upsert(parsed))

    def _query(self, vector: list, top_k: int, filter_text: str) -> list:
        filter_ = parse("vectorize.query filter", filter_text)
        matches = self.world.call("vectorize.query", lambda: self.world.vectorize.query(list(vector), top_k, filter_))
        return [record(id=vid, score=score, metadata=compact(meta)) for vid, score, meta in matches]

    def serve(self, world: World, config: str, kind: str, user: str, body: bytes) -> tuple[int, str]:
        """One request on `world`: (status, body). A refused config answers with its
        refusal; a trap with 500 `trap`, as the Rust host does."""
        self.world = world
        store = Store(self.engine)
        try:
            instance = self.linker.instantiate(store, self.component)
            operations = instance.get_export_index(store, f"{PACKAGE}/operations@{VERSION}")

            def export(name: str) -> Any:
                return instance.get_func(store, instance.get_export_index(store, name, operations))

            create = export("[static]indexer.create")
            created = create(store, config)
            create.post_return(store)
            if isinstance(created, Record):
                return created.status, created.body
            method = export(f"[method]indexer.{kind}")
            answer = method(store, created, user, body, world.now)
            method.post_return(store)
            created.drop(store)
            return answer.payload.status, answer.payload.body
        except WasmtimeError as e:
            return 500, json.dumps({"error": {"code": "trap", "message": str(e)}})

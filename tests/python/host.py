"""The engine component in Python's Wasmtime (the `wasmtime` package from PyPI, its
component API): the `.wasm` the Rust host runs, its imports `index-sync:engine/kv`, `ai`,
`vectorize`, `text-index` and `coordinator` bound to the Python fakes (fakes.py), as
host-native/src/component/ binds them to the Rust ones: JSON text turned into values at the
boundary, text that does not parse a failed call (code `protocol`), never a trap.

Each request gets a fresh store and instance, as in the Rust host: a trap costs one request
and never leaves a broken instance behind. The component is compiled once per process; the
engine, component and linker are shared by every request, the requests of a `concurrently`
step included (each on a thread of its own, `ComponentRequest`).

How the Python API carries values: a record is a `Record` with attributes, `list<u8>` is
`bytes`, `option` is the value or `None`; a variant whose cases' payloads have the same
Python type (`lease`: `granted(u64)`, `busy(u64)`) is a `Variant(case, payload)`; a `result`
`ok` is the bare value when its two cases have different Python types (`result<_,
host-error>`: `None`; `result<lease, host-error>`: a `Variant`), and a `Variant('ok',
payload)` when they do not (`result<key-page, host-error>`); a host error is returned as
`Failed` (below). The operations' `result<response, response>` comes back as a
`Variant('ok'|'err', response)`, a refused `create` as the bare response `Record`. A
record's fields are read by their WIT names, dashes included (`ai-used`).
"""

from __future__ import annotations

import ctypes
import json
import threading
from typing import Any, Callable, Optional

from wasmtime import Engine, Store, WasmtimeError, _ffi
from wasmtime.component import Component, Linker, Record, ResultType, Variant

from fakes import HostError, World, ai_class, ai_run, compact

PACKAGE = "index-sync:engine"
VERSION = "0.5.0"

# The request whose thread this is, if any: its imports wait for the scheduler's grant.
_running = threading.local()


class Failed:
    """A result's `err` case, whatever its `ok` case is. wasmtime-py (50.0.1, and 51.0.0
    alike) lowers a `result` whose cases have different Python types by trying the `ok` case
    first with `isinstance`, and counts `object` among an `option`'s types (for its `none`), so
    every value passes as the `ok` of `result<option<string>, host-error>` (`read-state`): an
    error returned bare fails to lower ("value not valid for this variant") and traps the
    request, where the engine must see `err` (coordinator-faults.json). So every import's
    error is returned as `Failed`, which `_lower_result` lowers as the `err` case itself,
    exactly as wasmtime-py's `ResultType.convert_to_c` does once it has chosen `err`."""

    def __init__(self, error: Record):
        self.error = error


def _lower_result(lower: Callable[..., None]) -> Callable[..., None]:
    def convert_to_c(self: ResultType, store: Any, val: Any, ptr: Any) -> None:
        if not isinstance(val, Failed):
            return lower(self, store, val, ptr)
        raw = _ffi.wasmtime_component_val_t()
        self.err.convert_to_c(store, val.error, ctypes.pointer(raw))
        ptr.contents.kind = _ffi.WASMTIME_COMPONENT_RESULT
        ptr.contents.of.result.is_ok = False
        ptr.contents.of.result.val = _ffi.wasmtime_component_val_new(ctypes.byref(raw))
    return convert_to_c


ResultType.convert_to_c = _lower_result(ResultType.convert_to_c)  # type: ignore[method-assign]


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
    """The component over a `World`: `serve` runs one request on the world it is given;
    `begin` starts one whose host calls wait for the scheduler's grant (`ComponentRequest`)."""

    def __init__(self, component_path: str):
        self.engine = Engine()
        self.component = Component.from_file(self.engine, component_path)
        self.world = World()
        self.linker = Linker(self.engine)
        with self.linker.root() as root:
            self._link(root)

    def _link(self, root: Any) -> None:
        def bind(instance: Any, name: str, counted: str, run: Callable[..., Any], tagged: bool = False) -> None:
            """An import that answers `ok` with run's value, or `err` with the host error;
            `counted` is the call's name, under which a scheduler grants it."""
            def answer(*args: Any) -> Any:
                try:
                    value = run(*args)
                    return Variant("ok", value) if tagged else value
                except HostError as e:
                    return Failed(host_error(e))
            instance.add_func(name, lambda _store, *args: self._gate(counted, lambda: answer(*args)))

        w = lambda: self.world  # noqa: E731: the world of the scenario being run
        with root.add_instance(f"{PACKAGE}/types@{VERSION}"):
            pass
        with root.add_instance(f"{PACKAGE}/kv@{VERSION}") as kv:
            bind(kv, "get", "kv.get", self._kv_get)
            bind(kv, "put", "kv.put", self._kv_put)
            bind(kv, "delete", "kv.delete", lambda key: self._billed("kv.keysDeleted", 1, "kv.delete", lambda: w().kv.delete(key)))
            bind(kv, "list", "kv.list", self._kv_list, tagged=True)
        with root.add_instance(f"{PACKAGE}/ai@{VERSION}") as ai:
            bind(ai, "run", "ai.run", self._ai_run)
        with root.add_instance(f"{PACKAGE}/vectorize@{VERSION}") as vectorize:
            bind(vectorize, "upsert", "vectorize.upsert", self._upsert)
            bind(vectorize, "query", "vectorize.query", self._query)
            bind(vectorize, "delete-by-ids", "vectorize.deleteByIds",
                 lambda ids: w().call("vectorize.deleteByIds", lambda: w().vectorize.delete_by_ids(list(ids))))
        with root.add_instance(f"{PACKAGE}/text-index@{VERSION}") as text_index:
            bind(text_index, "put", "textIndex.put", self._text_put)
            bind(text_index, "query", "textIndex.query", self._text_query)
            bind(text_index, "delete", "textIndex.delete",
                 lambda ids: w().call("textIndex.delete", lambda: w().text_index.delete(list(ids))))
        with root.add_instance(f"{PACKAGE}/coordinator@{VERSION}") as coordinator:
            bind(coordinator, "acquire", "coordinator.acquire", self._acquire)
            bind(coordinator, "release", "coordinator.release", lambda user, project, token: w().call(
                "coordinator.release", lambda: w().coordinator.release(user, project, token)))
            bind(coordinator, "read-state", "coordinator.readState", lambda user, project: w().call(
                "coordinator.readState", lambda: w().coordinator.read_state(user, project)))
            bind(coordinator, "write-state", "coordinator.writeState", lambda user, project, token, state: w().call(
                "coordinator.writeState", lambda: w().coordinator.write_state(user, project, token, state)))
            bind(coordinator, "charge", "coordinator.charge", self._charge, tagged=True)
            bind(coordinator, "credit", "coordinator.credit", lambda user, project, day, ai, vectors: w().call(
                "coordinator.credit", lambda: w().coordinator.credit(user, project, day, ai, vectors)))
            bind(coordinator, "usage", "coordinator.usage", lambda user, day: [
                record(**{"project": project, "ai-today": ai, "vectors": vectors})
                for project, ai, vectors in w().call("coordinator.usage", lambda: w().coordinator.usage(user, day))])

    def _gate(self, name: str, make: Callable[[], Any]) -> Any:
        """Makes a host call: at once for a request served whole, or, on a request's own
        thread, when the scheduler grants it (the call is then made on the scheduler's
        thread, against the one shared world)."""
        request: Optional[ComponentRequest] = getattr(_running, "request", None)
        return make() if request is None else request.ask(name, make)

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

    def _text_put(self, entries: list) -> None:
        parsed = [(e.id, e.user, e.project, e.words, parse("text entry metadata", e.metadata)) for e in entries]
        self.world.call("textIndex.put", lambda: self.world.text_index.put(parsed))

    def _text_query(self, user: str, project: str, terms: list, top_k: int) -> list:
        matches = self.world.call("textIndex.query", lambda: self.world.text_index.query(user, project, list(terms), top_k))
        return [record(id=eid, score=score, metadata=compact(meta)) for eid, score, meta in matches]

    def _acquire(self, user: str, project: str, seconds: int, token: Optional[int]) -> Variant:
        w = self.world
        lease = w.call("coordinator.acquire", lambda: w.coordinator.acquire(user, project, seconds, token, w.now))
        return Variant(lease.case, lease.value)

    def _charge(self, user: str, project: str, day: int, ai: int, ai_limit: Optional[int], vectors: int,
                vectors_limit: Optional[int]) -> Record:
        w = self.world
        c = w.call("coordinator.charge", lambda: w.coordinator.charge(user, project, day, ai, ai_limit, vectors, vectors_limit))
        return record(**{"ai": c.ai, "vectors": c.vectors, "ai-used": c.ai_used, "vectors-held": c.vectors_held})

    def serve(self, world: World, config: str, kind: str, user: str, body: bytes) -> tuple[int, str]:
        """One request on `world`: (status, body). A refused config answers with its
        refusal; a trap with 500 `trap`, as the Rust host does."""
        self.world = world
        return self.respond(config, kind, user, body, world.now)

    def begin(self, world: World, config: str, kind: str, user: str, body: bytes) -> ComponentRequest:
        """Starts one request at `world`'s clock on a thread of its own, its host calls made on
        `world` only as the scheduler grants them; returns once it wants its first call or
        has answered."""
        self.world = world
        return ComponentRequest(lambda: self.respond(config, kind, user, body, world.now))

    def respond(self, config: str, kind: str, user: str, body: bytes, now: int) -> tuple[int, str]:
        """One request in a store and instance of its own, on the calling thread."""
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
            answer = method(store, created, user, body, now)
            method.post_return(store)
            created.drop(store)
            return answer.payload.status, answer.payload.body
        except WasmtimeError as e:
            return 500, json.dumps({"error": {"code": "trap", "message": str(e)}})


class ComponentRequest:
    """One request of a `concurrently` step, driven one host call at a time (as
    host-native/src/concurrent.rs's `Request`). The component's calls are synchronous, so the
    request runs on a thread of its own, in a store and instance of its own; each import call
    hands the call to the scheduler (the thread that calls `make_call`) and blocks until it is
    made. Exactly one of the two threads runs at a time: the request's, until it asks for a
    call or has answered; then the scheduler's, until it grants that call; requests start one
    after another. That is what makes the threads safe: the engine, compiled component and
    linker may serve stores on many threads (Wasmtime's C API; `Linker.instantiate` only reads
    the Python linker's lock flag), and a store is made and used on its request's thread
    alone, but wasmtime-py keeps unguarded module-level state that two threads in wasm at once
    would mix up (`LAST_EXCEPTION`, the Python exception an import raised, in
    component/_enter.py; `case_test_cache`, refilled while lowering a variant, in
    component/_types.py)."""

    def __init__(self, respond: Callable[[], tuple[int, str]]):
        self._turn = threading.Condition()
        self._running = True  # the request's thread has the turn
        self._call: Optional[tuple[str, Callable[[], Any]]] = None  # the call it waits to make
        self._made: tuple[Any, Optional[BaseException]] = (None, None)
        self.response: Optional[tuple[int, str]] = None
        self.error: Optional[BaseException] = None  # a Python exception the request ended with
        threading.Thread(target=self._run, args=(respond,), daemon=True).start()
        self._wait_for_request()

    def _run(self, respond: Callable[[], tuple[int, str]]) -> None:
        _running.request = self
        try:
            self.response = respond()
        except BaseException as e:  # handed to the scheduler's thread, raised there
            self.error = e
        with self._turn:
            self._running = False
            self._turn.notify_all()

    def _wait_for_request(self) -> None:
        with self._turn:
            self._turn.wait_for(lambda: not self._running)

    def ask(self, name: str, make: Callable[[], Any]) -> Any:
        """On the request's thread: waits until the scheduler has made the call; its answer."""
        with self._turn:
            self._call = (name, make)
            self._running = False
            self._turn.notify_all()
            self._turn.wait_for(lambda: self._running)
            value, error = self._made
        if error is not None:
            raise error
        return value

    def next_call(self) -> Optional[str]:
        """The name of the call it would make next; None once it has answered."""
        return None if self._call is None else self._call[0]

    def make_call(self) -> None:
        """On the scheduler's thread: makes the call it waits for, hands the answer back, and
        waits until it wants its next call or has answered."""
        if self._call is None:
            return
        _, make = self._call
        try:
            self._made = (make(), None)
        except BaseException as e:  # a fault of this host, raised on the request's thread
            self._made = (None, e)
        with self._turn:
            self._call = None
            self._running = True
            self._turn.notify_all()
        self._wait_for_request()

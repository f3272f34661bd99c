"""The fake world of the conformance scenarios in Python, exactly as tests/README.md says
(and as host-native/src/fakes/ implements it, message for message, so that a failed call
reads the same in a response on every host): KV with expiry by a fake clock, metadata,
deletes and lists with cursors; the deterministic AI, JSON mode included; Vectorize with
upsert, query and delete by ids; the text index of hybrid search, ranked by the count of
matching terms; the coordinator (coordinator.py: leases, record states and each user's
counters against the quotas); per-call counters and injected faults."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, TypeVar

from coordinator import FakeCoordinator

# 2026-01-01T00:00:00Z, where every scenario's clock starts.
SCENARIO_EPOCH = 1_767_225_600

# KV (kv/platform/limits, kv/api/*).
MIN_TTL_SECONDS = 60
MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 25 * 1024 * 1024
MAX_BULK_GET_KEYS = 100
MAX_KV_METADATA_BYTES = 1024
MAX_LIST_KEYS = 1000
# Vectorize (vectorize/platform/limits; 40007 as reported by users).
MAX_ID_BYTES = 64
MAX_UPSERT_VECTORS = 1000
MAX_VECTOR_METADATA_BYTES = 10 * 1024
MAX_DELETE_IDS = 100
# The text index (tests/README.md: as many entries as one upsert's vectors, as many ids as one
# deleteByIds, ids of Vectorize's length).
MAX_TEXT_ENTRIES = MAX_UPSERT_VECTORS
MAX_TEXT_DELETE_IDS = MAX_DELETE_IDS

# Every name the world counts: the calls, and the per-key counts KV bills by.
COUNTED_NAMES = frozenset(
    ["kv.get", "kv.put", "kv.delete", "kv.list", "ai.run", "vectorize.upsert", "vectorize.query",
     "vectorize.deleteByIds", "coordinator.acquire", "coordinator.release", "coordinator.readState",
     "coordinator.writeState", "coordinator.charge", "coordinator.credit", "coordinator.usage",
     "textIndex.put", "textIndex.query", "textIndex.delete",
     "kv.keysRead", "kv.keysWritten", "kv.keysDeleted"])


class HostError(Exception):
    """A failed call: what the WIT `host-error` carries."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def compact(value: Any) -> str:
    """JSON as serde_json writes it: compact, non-ASCII as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass
class Entry:
    value: str
    expires_at: Optional[int]
    metadata: Any = None


class FakeKv:
    """A Workers KV namespace in memory (host-native/src/fakes/kv.rs)."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    @staticmethod
    def _live(entry: Entry, now: int) -> bool:
        return entry.expires_at is None or now < entry.expires_at

    def read(self, key: str, now: int) -> Optional[str]:
        entry = self.entries.get(key)
        return entry.value if entry is not None and self._live(entry, now) else None

    def get(self, keys: list[str], now: int) -> list[Optional[str]]:
        if len(keys) > MAX_BULK_GET_KEYS:
            raise HostError("kv_limit", f"bulk get of {len(keys)} keys; at most {MAX_BULK_GET_KEYS}")
        return [self.read(k, now) for k in keys]

    def put(self, key: str, value: str, ttl: Optional[int], metadata: Any, now: int) -> None:
        if metadata is not None and utf8_len(compact(metadata)) > MAX_KV_METADATA_BYTES:
            raise HostError("kv_limit", f"metadata over {MAX_KV_METADATA_BYTES} bytes")
        if ttl is not None and ttl < MIN_TTL_SECONDS:
            raise HostError("kv_limit", f"expirationTtl {ttl}; at least {MIN_TTL_SECONDS}")
        if utf8_len(key) > MAX_KEY_BYTES:
            raise HostError("kv_limit", f"key of {utf8_len(key)} bytes")
        if utf8_len(value) > MAX_VALUE_BYTES:
            raise HostError("kv_limit", f"value of {utf8_len(value)} bytes")
        self.entries[key] = Entry(value, None if ttl is None else now + ttl, metadata)

    def delete(self, key: str) -> None:
        self.entries.pop(key, None)

    def list(self, prefix: str, cursor: Optional[str], limit: int, now: int):
        """Live keys under `prefix` in UTF-8 byte order after `cursor`, at most `limit`, each
        with its metadata; a cursor (the page's last key) only when a live key follows."""
        if limit == 0 or limit > MAX_LIST_KEYS:
            raise HostError("kv_limit", f"list limit {limit}; from 1 to {MAX_LIST_KEYS}")
        after = None if cursor is None else cursor.encode("utf-8")
        names = sorted((k for k in self.entries if k.startswith(prefix)), key=lambda k: k.encode("utf-8"))
        live = [k for k in names if (after is None or k.encode("utf-8") > after) and self._live(self.entries[k], now)]
        page = [(k, self.entries[k].metadata) for k in live[:limit]]
        return page, (page[-1][0] if len(live) > limit else None)


def dimensions(model: str) -> int:
    return {"@cf/baai/bge-small-en-v1.5": 384, "@cf/baai/bge-large-en-v1.5": 1024, "@cf/baai/bge-m3": 1024}.get(model, 768)


def summary(text: str) -> str:
    """`Summary: ` and the first line of `text` that is not blank, trimmed."""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return f"Summary: {line}"
    return "Summary: "


def fnv1a32(data: bytes) -> int:
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def tokens(text: str) -> list[str]:
    """Maximal runs of ASCII letters, digits and `_` not starting with a digit, lower-cased."""
    return [t.lower() for t in re.split(r"[^A-Za-z0-9_]", text) if t and t[0] not in "0123456789"]


def embed(text: str, dims: int) -> list[float]:
    v = [0.0] * dims
    for token in tokens(text):
        v[fnv1a32(token.encode("ascii")) % dims] += 1.0
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v] if norm > 0 else v


def _bad_input(what: str) -> HostError:
    return HostError("ai_input", f"fake AI: {what}")


def ai_run(model: str, value: dict) -> Any:
    """The fake Workers AI (host-native/src/fakes/ai.rs)."""
    text = generation_text(value)
    if text is not None:
        if "response_format" in value:
            return json_mode(text)
        return {"response": summary(text)}
    texts = value.get("text")
    if isinstance(texts, str):
        texts = [texts]
    elif isinstance(texts, list):
        if not all(isinstance(t, str) for t in texts):
            raise _bad_input("text holds a non-string")
    else:
        raise _bad_input("neither messages, prompt nor text")
    dims = dimensions(model)
    data = [embed(t, dims) for t in texts]
    return {"shape": [len(data), dims], "data": data}


def json_mode(text: str) -> Any:
    try:
        request = json.loads(text)
    except ValueError:
        raise _bad_input("JSON mode with a text that is not JSON") from None
    chunks = request.get("chunks") if isinstance(request, dict) else None
    if not isinstance(chunks, list):
        raise _bad_input("JSON mode without `chunks`")
    out = []
    for chunk in chunks:
        cid = chunk.get("id") if isinstance(chunk, dict) else None
        code = chunk.get("code") if isinstance(chunk, dict) else None
        if not isinstance(cid, str):
            raise _bad_input("a chunk without id")
        if not isinstance(code, str):
            raise _bad_input("a chunk without code")
        out.append({"id": cid, "summary": summary(code)})
    return {"response": {"summaries": out}}


def generation_text(value: dict) -> Optional[str]:
    messages = value.get("messages")
    if isinstance(messages, list):
        last = messages[-1] if messages else None
        content = last.get("content") if isinstance(last, dict) else None
        return content if isinstance(content, str) else None
    prompt = value.get("prompt")
    return prompt if isinstance(prompt, str) else None


def ai_class(value: dict) -> str:
    """The finer name an AI fault may aim at."""
    return "ai.run:embedding" if "text" in value else "ai.run:summary"


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values as serde_json's: a boolean is no number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b)


class FakeVectorize:
    """A Vectorize index in memory (host-native/src/fakes/vectorize.rs)."""

    def __init__(self) -> None:
        self.vectors: dict[str, tuple[list[float], Any]] = {}

    def upsert(self, vectors: list[tuple[str, list[float], Any]]) -> None:
        if len(vectors) > MAX_UPSERT_VECTORS:
            raise HostError("vectorize_limit", f"{len(vectors)} vectors in one upsert")
        for vid, _, metadata in vectors:
            if utf8_len(vid) > MAX_ID_BYTES:
                raise HostError("vectorize_limit", f"VECTOR_UPSERT_ERROR code=40008: id of {utf8_len(vid)} bytes")
            if utf8_len(compact(metadata)) > MAX_VECTOR_METADATA_BYTES:
                raise HostError("vectorize_limit", f"metadata of vector {vid} too large")
        for vid, values, metadata in vectors:
            self.vectors[vid] = (values, metadata)

    def delete_by_ids(self, ids: list[str]) -> None:
        if len(ids) > MAX_DELETE_IDS:
            raise HostError("vectorize_limit", f"VECTOR_DELETE_ERROR code=40007: {len(ids)} ids in one deleteByIds")
        for vid in ids:
            self.vectors.pop(vid, None)

    def query(self, vector: list[float], top_k: int, filter_: Any) -> list[tuple[str, float, Any]]:
        def passes(meta: Any) -> bool:
            if not isinstance(filter_, dict):
                return True
            for key, want in filter_.items():
                if isinstance(want, dict) and "$eq" in want:
                    want = want["$eq"]
                if not isinstance(meta, dict) or key not in meta or not json_equal(meta[key], want):
                    return False
            return True
        matches = [(vid, cosine(vector, values), meta) for vid, (values, meta) in self.vectors.items() if passes(meta)]
        matches.sort(key=lambda m: m[0].encode("utf-8"))
        matches.sort(key=lambda m: m[1], reverse=True)
        return matches[:top_k]


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity in float64 over float32 values; 0 when either norm is 0."""
    dot = na = nb = 0.0
    for x, y in zip(a, b):
        dot += x * y
        na += x * x
        nb += y * y
    return 0.0 if na == 0.0 or nb == 0.0 else dot / (math.sqrt(na) * math.sqrt(nb))


@dataclass
class TextEntry:
    """One entry of the text index: its tenant, its words (the `words` text split at spaces,
    empty pieces dropped) and its metadata (JSON)."""
    user: str
    project: str
    words: frozenset[str]
    metadata: Any


class FakeTextIndex:
    """The tenants' word index in memory, ranked by the number of distinct query terms an
    entry holds (the part of BM25's order every host can reproduce exactly;
    host-native/src/fakes/text_index.rs)."""

    def __init__(self) -> None:
        self.entries: dict[str, TextEntry] = {}

    def put(self, entries: list[tuple[str, str, str, str, Any]]) -> None:
        """Stores (id, user, project, words, metadata) entries, replacing whole entries by id;
        refuses the whole call, writing nothing, beyond the limits."""
        if len(entries) > MAX_TEXT_ENTRIES:
            raise HostError("text_index_limit", f"{len(entries)} entries in one put")
        for eid, *_ in entries:
            if utf8_len(eid) > MAX_ID_BYTES:
                raise HostError("text_index_limit", f"id of {utf8_len(eid)} bytes")
        for eid, user, project, words, metadata in entries:
            self.entries[eid] = TextEntry(user, project, frozenset(w for w in words.split(" ") if w), metadata)

    def delete(self, ids: list[str]) -> None:
        if len(ids) > MAX_TEXT_DELETE_IDS:
            raise HostError("text_index_limit", f"{len(ids)} ids in one delete")
        for eid in ids:
            self.entries.pop(eid, None)

    def query(self, user: str, project: str, terms: list[str], top_k: int) -> list[tuple[str, float, Any]]:
        """The tenant's entries holding any of `terms`, by the number of distinct terms held
        (descending), then id (UTF-8 byte order); the first `top_k` as (id, score, metadata)."""
        wanted = set(terms)
        matches = [(eid, float(len(wanted & e.words)), e.metadata) for eid, e in self.entries.items()
                   if e.user == user and e.project == project]
        matches = [m for m in matches if m[1] > 0]
        matches.sort(key=lambda m: (-m[1], m[0].encode("utf-8")))
        return matches[:top_k]


@dataclass
class Fault:
    target: str
    skip: int
    mode: str  # "error": fails before touching anything; "timeout": runs, then fails


T = TypeVar("T")


@dataclass
class World:
    """KV, AI, Vectorize, text index and coordinator fakes with a clock, counters and a fault
    plan (host-native/src/fakes/mod.rs)."""

    now: int = SCENARIO_EPOCH
    kv: FakeKv = field(default_factory=FakeKv)
    vectorize: FakeVectorize = field(default_factory=FakeVectorize)
    text_index: FakeTextIndex = field(default_factory=FakeTextIndex)
    coordinator: FakeCoordinator = field(default_factory=FakeCoordinator)
    calls: dict[str, int] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)

    def advance(self, seconds: int) -> None:
        self.now += seconds

    def fail_next(self, call: str, times: int, skip: int = 0, mode: str = "error") -> None:
        self.faults.extend(Fault(call, skip, mode) for _ in range(times))

    def bill(self, name: str, keys: int) -> None:
        self.calls[name] = self.calls.get(name, 0) + keys

    def call(self, name: str, run: Callable[[], T], cls: Optional[str] = None) -> T:
        """Counts the call, then runs it under the fault plan: the first due fault aimed at
        its name or class fires; the others aimed at it come one call closer."""
        self.bill(name, 1)
        aimed = [f for f in self.faults if f.target in (name, cls or name)]
        due = next((f for f in aimed if f.skip == 0), None)
        for f in aimed:
            if f.skip > 0:
                f.skip -= 1
        if due is None:
            return run()
        self.faults.remove(due)
        if due.mode == "timeout":
            try:
                run()
            except HostError:
                pass
            raise HostError("timeout", f"injected time-out of {name}")
        raise HostError("error", f"injected failure of {name}")

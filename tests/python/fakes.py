"""The fake world of the conformance scenarios in Python, exactly as tests/README.md says
(and as host-native/src/fakes/ implements it, message for message, so that a failed call
reads the same in a response on every host): KV with expiry by a fake clock, metadata,
deletes and lists with cursors; the deterministic AI, JSON mode included; Vectorize with
upsert, query and delete by ids; the coordinator's leases and record states and each user's
counters against the quotas; per-call counters and injected faults."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Optional, TypeVar

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
# The WIT's u64: a lease's end saturates there, as the Rust fake's `saturating_add` does.
U64_MAX = 2**64 - 1

# Every name the world counts: the calls, and the per-key counts KV bills by.
COUNTED_NAMES = frozenset(
    ["kv.get", "kv.put", "kv.delete", "kv.list", "ai.run", "vectorize.upsert", "vectorize.query",
     "vectorize.deleteByIds", "coordinator.acquire", "coordinator.release", "coordinator.readState",
     "coordinator.writeState", "coordinator.charge", "coordinator.credit", "coordinator.usage",
     "kv.keysRead", "kv.keysWritten", "kv.keysDeleted"])
# The WIT's u32: the quotas' counters saturate there, as the Rust fake's do.
U32_MAX = 2**32 - 1


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


class Lease(NamedTuple):
    """What `acquire` answers, by the WIT variant's case names: `granted` with the caller's
    token, or `busy` with the holder's `until` (Unix seconds)."""

    case: str
    value: int


@dataclass
class Tenant:
    """One (user, project)'s lease and record state."""

    lease: Optional[tuple[int, int]] = None  # the last token granted and its `until`; None once released
    last_token: Optional[int] = None
    state: Optional[str] = None


class Charged(NamedTuple):
    """What `charge` answers: the grant, and the user's totals after it."""

    ai: int
    vectors: int
    ai_used: int
    vectors_held: int


@dataclass
class UserCounters:
    """One user's counters against the quotas (host-native/src/fakes/quota_counters.rs,
    tests/README.md "Coordinator"): the UTC day the AI units are of, and per project
    [AI units on that day, vectors held]."""

    day: int = 0
    projects: dict[str, list[int]] = field(default_factory=dict)

    def totals(self) -> tuple[int, int]:
        ai = sum(p[0] for p in self.projects.values())
        vectors = sum(p[1] for p in self.projects.values())
        return min(ai, U32_MAX), min(vectors, U32_MAX)

    def charge(self, project: str, day: int, ai: int, ai_limit: Optional[int], vectors: int,
               vectors_limit: Optional[int]) -> Charged:
        """A later day drops the AI units first; grants what each limit leaves (all without
        one); counts the grant to the project."""
        if day > self.day:
            self.day = day
            for counters in self.projects.values():
                counters[0] = 0
        used, held = self.totals()

        def grant(asked: int, limit: Optional[int], counted: int) -> int:
            return asked if limit is None else min(asked, max(limit - counted, 0))

        ai, vectors = grant(ai, ai_limit, used), grant(vectors, vectors_limit, held)
        counters = self.projects.setdefault(project, [0, 0])
        counters[0] = min(counters[0] + ai, U32_MAX)
        counters[1] = min(counters[1] + vectors, U32_MAX)
        return Charged(ai, vectors, min(used + ai, U32_MAX), min(held + vectors, U32_MAX))

    def credit(self, project: str, day: int, ai: int, vectors: int) -> None:
        """Gives back, never below 0: vectors always, AI units only of the counters' day."""
        counters = self.projects.get(project)
        if counters is None:
            return
        if day == self.day:
            counters[0] = max(counters[0] - ai, 0)
        counters[1] = max(counters[1] - vectors, 0)

    def usage(self, day: int) -> list[tuple[str, int, int]]:
        """(project, AI units on `day`, vectors) of each project not at 0, in project order
        (byte order of UTF-8, as Rust's BTreeMap keeps them)."""
        return [(project, c[0] if day == self.day else 0, c[1])
                for project, c in sorted(self.projects.items(), key=lambda item: item[0].encode("utf-8"))
                if c[0] > 0 or c[1] > 0]


class FakeCoordinator:
    """Per tenant a lease and a record state, against the world's clock; one token counter for
    the whole world, from 1; per user the counters against the quotas
    (host-native/src/fakes/coordinator.rs, tests/README.md "Coordinator"). Every call answers
    at once, granted or refused, so no request ever waits for another."""

    def __init__(self) -> None:
        self.tenants: dict[tuple[str, str], Tenant] = {}
        self.tokens = 0
        self.counters: dict[str, UserCounters] = {}

    def charge(self, user: str, project: str, day: int, ai: int, ai_limit: Optional[int], vectors: int,
               vectors_limit: Optional[int]) -> Charged:
        return self.counters.setdefault(user, UserCounters()).charge(project, day, ai, ai_limit, vectors, vectors_limit)

    def credit(self, user: str, project: str, day: int, ai: int, vectors: int) -> None:
        if user in self.counters:
            self.counters[user].credit(project, day, ai, vectors)

    def usage(self, user: str, day: int) -> list[tuple[str, int, int]]:
        return self.counters[user].usage(day) if user in self.counters else []

    def _tenant(self, user: str, project: str) -> Tenant:
        return self.tenants.setdefault((user, project), Tenant())

    def acquire(self, user: str, project: str, seconds: int, token: Optional[int], now: int) -> Lease:
        """Without a token: the next token until `now + seconds` when no lease is held or the
        one held ran out (`until <= now`), else busy until the holder's `until`. With a token:
        extends the lease when that token is the last granted and was not released (even if it
        ran out: no other request was let in since), else busy until the holder's `until`, or
        `now` when none holds it."""
        tenant = self._tenant(user, project)
        held_until = tenant.lease[1] if tenant.lease is not None and tenant.lease[1] > now else None
        until = min(now + seconds, U64_MAX)
        if token is not None:
            if tenant.lease is not None and tenant.lease[0] == token and tenant.last_token == token:
                tenant.lease = (token, until)
                return Lease("granted", token)
            return Lease("busy", now if held_until is None else held_until)
        if held_until is not None:
            return Lease("busy", held_until)
        self.tokens += 1
        tenant.lease = (self.tokens, until)
        tenant.last_token = self.tokens
        return Lease("granted", self.tokens)

    def release(self, user: str, project: str, token: int) -> None:
        """Ends the lease held under `token`; any other token changes nothing."""
        tenant = self._tenant(user, project)
        if tenant.lease is not None and tenant.lease[0] == token:
            tenant.lease = None

    def read_state(self, user: str, project: str) -> Optional[str]:
        """The record state last written, or None."""
        return self._tenant(user, project).state

    def write_state(self, user: str, project: str, token: int, state: Optional[str]) -> bool:
        """Replaces the record state (None removes it) when `token` holds the lease (the last
        granted, not released); whether it did."""
        tenant = self._tenant(user, project)
        holds = tenant.lease is not None and tenant.lease[0] == token and tenant.last_token == token
        if holds:
            tenant.state = state
        return holds


@dataclass
class Fault:
    target: str
    skip: int
    mode: str  # "error": fails before touching anything; "timeout": runs, then fails


T = TypeVar("T")


@dataclass
class World:
    """KV, AI, Vectorize and coordinator fakes with a clock, counters and a fault plan
    (host-native/src/fakes/mod.rs)."""

    now: int = SCENARIO_EPOCH
    kv: FakeKv = field(default_factory=FakeKv)
    vectorize: FakeVectorize = field(default_factory=FakeVectorize)
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

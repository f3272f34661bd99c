"""The coordinator of the conformance scenarios in Python, exactly as tests/README.md says
("Coordinator") and as host-native/src/fakes/coordinator.rs and quota_counters.rs implement
it: each (user, project)'s lease and record state, and each user's counters against the
quotas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

# The WIT's u64: a lease's end saturates there, as the Rust fake's `saturating_add` does.
U64_MAX = 2**64 - 1
# The WIT's u32: the quotas' counters saturate there, as the Rust fake's do.
U32_MAX = 2**32 - 1


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

/**
 * The coordinator in memory (tests/README.md, "Coordinator"; host-native/src/fakes/coordinator.rs):
 * per tenant (user, project) a lease and a record state, against the ledger's clock, with
 * one token counter for the whole fake, from 1, and per user the counters against the
 * quotas. The rules are the Durable Object's own (ts/coordinator/rules.ts, counters.ts), so
 * a test against the fake sees what a Worker's `IndexCoordinator` would answer; the tokens
 * differ only in being counted per fake rather than per user, which no tenant can tell.
 */
import type { Charged, CoordinatorBinding, Lease, ProjectUsage } from "../bindings.js";
import { charge, copyCounters, credit, noCounters, type UserCounters, usage } from "../coordinator/counters.js";
import { acquire, type HeldLease, holds, isHeld, NO_LEASE, release } from "../coordinator/rules.js";
import { CallLedger } from "./ledger.js";

interface Tenant {
  lease: HeldLease;
  state: string | null;
}

/** Every tenant's lease and record state, synchronous and uncounted: `FakeCoordinator`
 * puts it behind the ledger as a binding, and the component's host in Node calls it
 * directly through the ledger. */
export class CoordinatorTable {
  private readonly tenants = new Map<string, Tenant>();
  private readonly counters = new Map<string, UserCounters>();
  private lastToken = 0;

  /** Takes the tenant's lease at `now`, or with `token` extends it (rules.ts). */
  acquire(user: string, project: string, seconds: number, token: number | undefined, now: number): Lease {
    const tenant = this.tenant(user, project);
    const decided = acquire(tenant.lease, seconds, token, now, this.lastToken + 1);
    if (decided.grantedNext) this.lastToken += 1;
    tenant.lease = decided.held;
    return decided.lease;
  }

  /** Ends the lease held under `token`, if it is. */
  release(user: string, project: string, token: number): void {
    const tenant = this.tenant(user, project);
    tenant.lease = release(tenant.lease, token);
  }

  /** The tenant's record state, or `null`. */
  readState(user: string, project: string): string | null {
    return this.tenants.get(key(user, project))?.state ?? null;
  }

  /** Replaces the record state when `token` holds the lease; whether it did. */
  writeState(user: string, project: string, token: number, state: string | null): boolean {
    const tenant = this.tenant(user, project);
    if (!holds(tenant.lease, token)) return false;
    tenant.state = state;
    return true;
  }

  /** Charges the user's counters (counters.ts). */
  charge(
    user: string,
    project: string,
    day: number,
    ai: number,
    aiLimit: number | null,
    vectors: number,
    vectorsLimit: number | null,
  ): Charged {
    let counters = this.counters.get(user);
    if (counters === undefined) {
      counters = noCounters();
      this.counters.set(user, counters);
    }
    return charge(counters, project, day, ai, aiLimit, vectors, vectorsLimit);
  }

  /** Gives back to the user's counters. */
  credit(user: string, project: string, day: number, ai: number, vectors: number): void {
    const counters = this.counters.get(user);
    if (counters !== undefined) credit(counters, project, day, ai, vectors);
  }

  /** The user's counters per project on `day`. */
  usage(user: string, day: number): ProjectUsage[] {
    const counters = this.counters.get(user);
    return counters === undefined ? [] : usage(counters, day);
  }

  /** A copy of every tenant's lease and state, every user's counters, and the token
   * counter: the same world twice (the benchmarks run a workload on copies of one prepared
   * world). */
  copy(): CoordinatorTable {
    const copy = new CoordinatorTable();
    for (const [at, { lease, state }] of this.tenants) copy.tenants.set(at, { lease: { ...lease }, state });
    for (const [user, counters] of this.counters) copy.counters.set(user, copyCounters(counters));
    copy.lastToken = this.lastToken;
    return copy;
  }

  /** Whether some request holds the tenant's lease at `now` (for checks; not a call). */
  isHeld(user: string, project: string, now: number): boolean {
    const tenant = this.tenants.get(key(user, project));
    return tenant !== undefined && isHeld(tenant.lease, now);
  }

  private tenant(user: string, project: string): Tenant {
    const at = key(user, project);
    let tenant = this.tenants.get(at);
    if (tenant === undefined) {
      tenant = { lease: NO_LEASE, state: null };
      this.tenants.set(at, tenant);
    }
    return tenant;
  }
}

/** One map key per (user, project), whatever characters they hold. */
function key(user: string, project: string): string {
  return JSON.stringify([user, project]);
}

/** Any coordinator (a Worker's `coordinatorFor(env.INDEX_COORDINATOR)`, in tests) with its
 * calls counted on `ledger` and under its fault plan, as the fakes' calls are. */
export class CountedCoordinator implements CoordinatorBinding {
  constructor(
    private readonly inner: CoordinatorBinding,
    private readonly ledger: CallLedger,
  ) {}

  acquire(user: string, project: string, seconds: number, token?: number): Promise<Lease> {
    const { inner } = this;
    return this.ledger.call("coordinator.acquire", () =>
      token === undefined ? inner.acquire(user, project, seconds) : inner.acquire(user, project, seconds, token),
    );
  }

  release(user: string, project: string, token: number): Promise<unknown> {
    return this.ledger.call("coordinator.release", () => this.inner.release(user, project, token));
  }

  readState(user: string, project: string): Promise<string | null> {
    return this.ledger.call("coordinator.readState", () => this.inner.readState(user, project));
  }

  writeState(user: string, project: string, token: number, state: string | null): Promise<boolean> {
    return this.ledger.call("coordinator.writeState", () => this.inner.writeState(user, project, token, state));
  }

  charge(
    user: string,
    project: string,
    day: number,
    ai: number,
    aiLimit: number | null,
    vectors: number,
    vectorsLimit: number | null,
  ): Promise<Charged> {
    return this.ledger.call("coordinator.charge", () => this.inner.charge(user, project, day, ai, aiLimit, vectors, vectorsLimit));
  }

  credit(user: string, project: string, day: number, ai: number, vectors: number): Promise<unknown> {
    return this.ledger.call("coordinator.credit", () => this.inner.credit(user, project, day, ai, vectors));
  }

  usage(user: string, day: number): Promise<ProjectUsage[]> {
    return this.ledger.call("coordinator.usage", () => this.inner.usage(user, day));
  }
}

/** The table as a coordinator binding, answering at once at `now()`, uncounted. */
function tableBinding(table: CoordinatorTable, now: () => number): CoordinatorBinding {
  return {
    acquire: async (user, project, seconds, token) => table.acquire(user, project, seconds, token, now()),
    release: async (user, project, token) => table.release(user, project, token),
    readState: async (user, project) => table.readState(user, project),
    writeState: async (user, project, token, state) => table.writeState(user, project, token, state),
    charge: async (user, project, day, ai, aiLimit, vectors, vectorsLimit) =>
      table.charge(user, project, day, ai, aiLimit, vectors, vectorsLimit),
    credit: async (user, project, day, ai, vectors) => table.credit(user, project, day, ai, vectors),
    usage: async (user, day) => table.usage(user, day),
  };
}

/** The table as a coordinator binding: every call counted and under the fault plan, at the
 * ledger's clock. */
export class FakeCoordinator extends CountedCoordinator {
  readonly table: CoordinatorTable;

  /** Counted on `ledger` (a ledger of its own when none is given), whose `now` is the clock. */
  constructor(ledger: CallLedger = new CallLedger()) {
    const table = new CoordinatorTable();
    super(tableBinding(table, () => ledger.now), ledger);
    this.table = table;
  }
}

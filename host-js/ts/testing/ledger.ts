/**
 * The clock, call counters and fault plan the fakes share (tests/README.md): each fake call
 * is counted under its name (`kv.get`, `ai.run`, ...), KV's billed per-key counts beside
 * them, and a call can be made to fail (`failNext`) as the conformance scenarios do.
 */

/** 2026-01-01T00:00:00Z in Unix seconds, where every scenario's clock starts. */
export const SCENARIO_EPOCH = 1_767_225_600;

/** The calls scenarios count, by the name they use. */
export type CallName =
  | "kv.get"
  | "kv.put"
  | "kv.delete"
  | "kv.list"
  | "ai.run"
  | "vectorize.upsert"
  | "vectorize.query"
  | "vectorize.deleteByIds"
  | "textIndex.put"
  | "textIndex.query"
  | "textIndex.delete"
  | "coordinator.acquire"
  | "coordinator.release"
  | "coordinator.readState"
  | "coordinator.writeState"
  | "coordinator.charge"
  | "coordinator.credit"
  | "coordinator.usage";

/** The per-key counts KV bills by, beside the calls. */
export type BilledName = "kv.keysRead" | "kv.keysWritten" | "kv.keysDeleted";

/** Every name the ledger counts (for comparing with another runtime's counts). */
export const COUNTED_NAMES: readonly (CallName | BilledName)[] = [
  "kv.get",
  "kv.put",
  "kv.delete",
  "kv.list",
  "ai.run",
  "vectorize.upsert",
  "vectorize.query",
  "vectorize.deleteByIds",
  "textIndex.put",
  "textIndex.query",
  "textIndex.delete",
  "coordinator.acquire",
  "coordinator.release",
  "coordinator.readState",
  "coordinator.writeState",
  "coordinator.charge",
  "coordinator.credit",
  "coordinator.usage",
  "kv.keysRead",
  "kv.keysWritten",
  "kv.keysDeleted",
];

/** How an injected fault shows: `error` fails before touching anything; `timeout` (the
 * native host's addition) performs the call, then reports it as timed out. */
export type FaultMode = "error" | "timeout";

/** One injected fault: the call of `target` after `skip` more such calls fails. */
interface Fault {
  target: string;
  skip: number;
  mode: FaultMode;
}

/** The clock, the counters and the fault plan that every fake consults. The plan is the
 * native world's (host-native/src/fakes/mod.rs), fault for fault. */
export class CallLedger {
  now = SCENARIO_EPOCH;
  private readonly counts = new Map<string, number>();
  private readonly faults: Fault[] = [];

  /** The `times` calls of `call` after the next `skip` (the native host's addition) fail
   * in `mode`. */
  failNext(call: string, times: number, mode: FaultMode = "error", skip = 0): void {
    for (let i = 0; i < times; i++) this.failAfter(call, skip, mode);
  }

  /** The call of `target` after `skip` more such calls fails in `mode`; the calls before
   * and after it succeed. */
  failAfter(target: string, skip: number, mode: FaultMode = "error"): void {
    this.faults.push({ target, skip, mode });
  }

  /** Adds to a billed count: KV bills per key (`kv.keysRead`: a bulk read of 100 keys is
   * 100 reads), whether the call then succeeds or not, as calls are counted. */
  bill(name: BilledName, keys: number): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + keys);
  }

  /** Calls made so far, by name. */
  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Counts one call of `name` (failed or not), then runs it under the fault plan. */
  async call<T>(name: CallName, run: () => Promise<T>): Promise<T> {
    const fault = this.begin(name);
    if (fault === "error") throw injected("failure", name);
    if (fault === "timeout") {
      await run().catch(() => undefined);
      throw injected("time-out", name);
    }
    return run();
  }

  /** `call` for synchronous fakes (the component's host in Node calls its imports
   * without awaiting): the same count and fault plan, thrown instead of rejected. */
  callSync<T>(name: CallName, run: () => T): T {
    const fault = this.begin(name);
    if (fault === "error") throw injected("failure", name);
    if (fault === "timeout") {
      try {
        run();
      } catch {
        // A time-out hides whatever the call did.
      }
      throw injected("time-out", name);
    }
    return run();
  }

  /** Counts a call and fires the first due fault aimed at it, if any; every fault aimed at
   * it that is not yet due comes one call closer. */
  private begin(name: CallName): FaultMode | undefined {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    const due = this.faults.findIndex((f) => f.target === name && f.skip === 0);
    for (const fault of this.faults) {
      if (fault.target === name && fault.skip > 0) fault.skip -= 1;
    }
    return due === -1 ? undefined : this.faults.splice(due, 1)[0]?.mode;
  }
}

/** The error an injected fault throws; its words are the native fakes' own. */
function injected(what: "failure" | "time-out", name: CallName): Error {
  return new Error(`injected ${what} of ${name}`);
}

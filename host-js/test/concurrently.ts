/**
 * Overlapping requests of one tenant, replayed call by call: the `concurrently` step of
 * tests/README.md, as host-native/src/concurrent.rs (`interleave`) replays it. Shared by
 * every JS host: each request gets an indexer of its own over bindings of its own that hold
 * every call (coordinator calls included) until the schedule grants it; a granted call is
 * then made on the one shared world, and awaited whole, before anything else is granted.
 *
 * A request's calls queue in the order it issues them (the wasm-bindgen driver issues a
 * batch's calls at once, in batch order; the component issues them one by one). It has
 * answered when its whole operation is over: the response, and the work after it (marker
 * refreshes, the record state, the lease's release), which the runner's `waitUntil`
 * collects and awaits. Between grants the scheduler waits until the request it granted has
 * either queued its next call or answered: events, not time.
 */
import type { IndexResponse } from "index-sync";
import type { CallLedger } from "index-sync/testing";

/** One entry of a schedule, as the file has it: `"a"`, `"a*"`, `{request, calls}` or
 * `{request, before}`. */
export type GrantEntry = string | { request: string; calls: number } | { request: string; before: string };

/** `bindings` with every method answering through a promise: what a request's own, held,
 * bindings look like (the world's may answer at once, as Node's memory fakes do). */
export type Gated<B> = {
  [K in keyof B]: {
    [M in keyof B[K]]: B[K][M] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : B[K][M];
  };
};

/** What one request of the step answered and called. */
export interface Overlapped {
  response?: IndexResponse;
  /** Thrown by the host (never by a request the engine refused: that is a response). */
  error?: unknown;
  /** Its own calls, by name, billed counts included. */
  calls: Record<string, number>;
}

/** A call a request issued and waits to be granted. */
interface HeldCall {
  name: string;
  /** Makes the call on the world; settles the request's promise with its outcome. */
  make(): Promise<void>;
}

/** One request in flight. */
export class InFlight {
  readonly held: HeldCall[] = [];
  readonly record: Overlapped = { calls: {} };
  /** Work handed to `waitUntil`, awaited before the request counts as answered. */
  readonly work: Promise<unknown>[] = [];
  private answered = false;
  private wake: (() => void) | undefined;

  /** Runs `operation` (the request, started now) to its whole end. */
  run(operation: () => Promise<IndexResponse>): void {
    const whole = async () => {
      const response = await operation();
      while (this.work.length > 0) await this.work.shift();
      return response;
    };
    whole().then(
      (response) => this.finish({ response }),
      (error: unknown) => this.finish({ error }),
    );
  }

  /** A request that answered without a call (its config refused). */
  answer(response: IndexResponse): void {
    this.finish({ response });
  }

  /** The name of the call it would make next, once it has issued one; `undefined` once it
   * has answered. */
  async next(): Promise<string | undefined> {
    while (this.held.length === 0 && !this.answered) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return this.held[0]?.name;
  }

  /** Holds a call until it is granted. */
  hold(call: HeldCall): void {
    this.held.push(call);
    this.notify();
  }

  /** `bindings` whose every method call is held here. */
  gate<B extends object>(bindings: B): Gated<B> {
    const gated: Record<string, unknown> = {};
    for (const [binding, target] of Object.entries(bindings) as [string, object][]) {
      gated[binding] = new Proxy(target, {
        get: (object, method, receiver) => {
          const value: unknown = Reflect.get(object, method, receiver);
          if (typeof value !== "function" || typeof method !== "string") return value;
          return (...args: unknown[]) =>
            new Promise((resolve, reject) => {
              const make = async () => {
                try {
                  resolve(await (value as (...a: unknown[]) => unknown).apply(object, args));
                } catch (error) {
                  reject(error);
                }
              };
              this.hold({ name: `${binding}.${method}`, make });
            });
        },
      });
    }
    return gated as Gated<B>;
  }

  private finish(outcome: { response: IndexResponse } | { error: unknown }): void {
    Object.assign(this.record, outcome);
    this.answered = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Starts one request, on an indexer of its own over `request.gate(...)`'s bindings. */
export type Start = (request: InFlight) => void;

/**
 * Replays the requests (each started by its `Start`, in the order given) as `schedule`
 * grants their calls, then runs those still going to their end one after another, in
 * order. Resolves to each request's record, in the order given, or, before anything ran,
 * to why the schedule cannot run (a name no request has, an entry of neither form).
 */
export async function interleave(
  requests: [string, Start][],
  schedule: readonly GrantEntry[],
  ledger: CallLedger,
): Promise<Overlapped[] | string> {
  const grants: Grant[] = [];
  for (const entry of schedule) {
    const grant = parseGrant(entry);
    if (typeof grant === "string") return grant;
    if (!requests.some(([name]) => name === grant.request)) return `the schedule names no request ${JSON.stringify(grant.request)}`;
    grants.push(grant);
  }
  const inFlight = new Map<string, InFlight>();
  for (const [name, start] of requests) {
    const request = new InFlight();
    inFlight.set(name, request);
    start(request);
  }
  const make = async (request: InFlight) => {
    const call = request.held.shift();
    if (call === undefined) return;
    const before = ledger.snapshot();
    await call.make();
    for (const [name, count] of ledger.snapshot()) {
      const made = count - (before.get(name) ?? 0);
      if (made > 0) request.record.calls[name] = (request.record.calls[name] ?? 0) + made;
    }
  };
  for (const grant of grants) {
    const request = inFlight.get(grant.request);
    let left = grant.calls;
    for (;;) {
      const next = await request?.next();
      if (request === undefined || next === undefined || left <= 0 || next === grant.before) break;
      await make(request);
      left -= 1;
    }
  }
  for (const request of inFlight.values()) {
    while ((await request.next()) !== undefined) await make(request);
  }
  return [...inFlight.values()].map((request) => request.record);
}

/** A grant: to `request`, at most `calls` calls, stopping before a call named `before`. */
interface Grant {
  request: string;
  calls: number;
  before?: string;
}

/** `"a"`: one call; `"a*"`: until it has answered; `{request, calls: N}`; `{request,
 * before: NAME}`: until its next call is of NAME, or it has answered. */
function parseGrant(entry: GrantEntry): Grant | string {
  if (typeof entry === "string") {
    return entry.endsWith("*") ? { request: entry.slice(0, -1), calls: Infinity } : { request: entry, calls: 1 };
  }
  if (typeof entry === "object" && entry !== null && typeof entry.request === "string") {
    if ("calls" in entry && Number.isSafeInteger(entry.calls) && entry.calls >= 0) return { request: entry.request, calls: entry.calls };
    if ("before" in entry && typeof entry.before === "string") return { request: entry.request, calls: Infinity, before: entry.before };
  }
  return `a schedule entry needs a name, or \`request\` with \`calls\` or \`before\`: ${JSON.stringify(entry)}`;
}

/** Work that may outlive a response, collected for the runner to await. */
export function collectInto(request: InFlight): (work: Promise<unknown>) => void {
  return (work) => request.work.push(work);
}

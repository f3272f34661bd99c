/**
 * The coordinator: the `IndexCoordinator` Durable Object (through `coordinatorFor`, in
 * workerd) and index-sync/testing's fake answer alike, on the native fake's own examples
 * (host-native/src/fakes/coordinator.rs); the object keeps one user's projects in SQLite,
 * counts its tokens durably, and refuses arguments that are not whole seconds or tokens.
 */
import { abortAllDurableObjects, reset, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { BindingError, type CoordinatorBinding, coordinatorFor, type IndexCoordinator } from "index-sync";
import { CallLedger, FakeCoordinator } from "index-sync/testing";
import { beforeEach, describe, expect, it } from "vitest";

beforeEach(async () => {
  await reset();
});

/** A coordinator and the clock it is asked at. */
interface Side {
  coordinator: CoordinatorBinding;
  at(seconds: number): void;
}

const sides: [string, () => Side][] = [
  [
    "the Durable Object",
    () => {
      let now = 0;
      return { coordinator: coordinatorFor(env.INDEX_COORDINATOR, { clock: () => now }), at: (seconds) => void (now = seconds) };
    },
  ],
  [
    "index-sync/testing's fake",
    () => {
      const ledger = new CallLedger();
      return { coordinator: new FakeCoordinator(ledger), at: (seconds) => void (ledger.now = seconds) };
    },
  ],
];

describe.each(sides)("%s", (_, make) => {
  it("grants one holder at a time, until released or run out", async () => {
    const { coordinator: c, at } = make();
    at(0);
    expect(await c.acquire("u", "p", 120)).toEqual({ granted: 1 });
    at(10);
    expect(await c.acquire("u", "p", 120)).toEqual({ busy: 120 });
    expect(await c.acquire("u", "q", 120)).toEqual({ granted: 2 }); // another project is another tenant
    at(100);
    expect(await c.acquire("u", "p", 120, 1)).toEqual({ granted: 1 });
    at(150);
    expect(await c.acquire("u", "p", 120)).toEqual({ busy: 220 });
    await c.release("u", "p", 7);
    expect(await c.acquire("u", "p", 120)).toEqual({ busy: 220 });
    await c.release("u", "p", 1);
    expect(await c.acquire("u", "p", 120)).toEqual({ granted: 3 });
    at(270);
    expect(await c.acquire("u", "p", 120)).toEqual({ granted: 4 }); // ran out
    at(271);
    // A lease that ran out and was taken cannot be renewed; one that ran out untaken can.
    expect(await c.acquire("u", "p", 120, 3)).toEqual({ busy: 390 });
    at(500);
    expect(await c.acquire("u", "p", 120, 4)).toEqual({ granted: 4 });
    expect(await c.acquire("u", "p", 120, 9)).toEqual({ busy: 620 });
    await c.release("u", "p", 4);
    expect(await c.acquire("u", "p", 120, 4)).toEqual({ busy: 500 }); // none holds it: now
  });

  it("writes the record state only under the lease", async () => {
    const { coordinator: c, at } = make();
    at(0);
    expect(await c.writeState("u", "p", 1, "s")).toBe(false);
    expect(await c.readState("u", "p")).toBeNull();
    const lease = await c.acquire("u", "p", 60);
    if (!("granted" in lease)) throw new Error("granted");
    expect(await c.writeState("u", "p", lease.granted, "s")).toBe(true);
    expect(await c.readState("u", "p")).toBe("s");
    expect(await c.readState("u", "q")).toBeNull();
    at(100);
    expect(await c.writeState("u", "p", lease.granted, "t")).toBe(true); // ran out, but no one else was let in
    await c.release("u", "p", lease.granted);
    expect(await c.writeState("u", "p", lease.granted, null)).toBe(false);
    expect(await c.readState("u", "p")).toBe("t");
    const next = await c.acquire("u", "p", 60);
    if (!("granted" in next)) throw new Error("granted");
    expect(await c.writeState("u", "p", next.granted, null)).toBe(true);
    expect(await c.readState("u", "p")).toBeNull();
  });
});

describe("the Durable Object", () => {
  const objectOf = (user: string) => env.INDEX_COORDINATOR.getByName(user);

  it("is one per user, holding that user's projects in one table", async () => {
    const c = coordinatorFor(env.INDEX_COORDINATOR, { clock: () => 1_000 });
    expect(await c.acquire("alice", "p", 60)).toEqual({ granted: 1 });
    expect(await c.acquire("alice", "q", 60)).toEqual({ granted: 2 });
    expect(await c.acquire("bob", "p", 60)).toEqual({ granted: 1 }); // bob's object counts its own
    await c.writeState("alice", "q", 2, "state of q");
    const rows = await runInDurableObject(objectOf("alice"), (_, state) =>
      state.storage.sql.exec("SELECT project, lease_token, lease_until, state FROM projects ORDER BY project").toArray(),
    );
    expect(rows).toEqual([
      { project: "p", lease_token: 1, lease_until: 1_060, state: null },
      { project: "q", lease_token: 2, lease_until: 1_060, state: "state of q" },
    ]);
  });

  it("never grants a token twice, even after it was evicted", async () => {
    const c = coordinatorFor(env.INDEX_COORDINATOR, { clock: () => 0 });
    expect(await c.acquire("alice", "p", 60)).toEqual({ granted: 1 });
    await c.release("alice", "p", 1);
    await abortAllDurableObjects();
    expect(await c.acquire("alice", "p", 60)).toEqual({ granted: 2 });
    expect(await c.writeState("alice", "p", 1, "stale")).toBe(false);
  });

  it("refuses seconds, times and tokens that are not whole, and changes nothing", async () => {
    const object = objectOf("alice");
    // Called inside the object, where the refusal is thrown: the same checks an RPC call
    // meets, without an RPC rejection for workerd to log.
    const refusals = await runInDurableObject(object, (instance) => {
      const coordinator = instance as unknown as IndexCoordinator;
      const refusal = (call: () => unknown): string => {
        try {
          call();
        } catch (error) {
          return error instanceof TypeError ? error.message : String(error);
        }
        return "not refused";
      };
      return [
        refusal(() => coordinator.acquire("p", 1.5, null, 0)),
        refusal(() => coordinator.acquire("p", 60, null, -1)),
        refusal(() => coordinator.acquire("p", 60, 2 ** 60, 0)),
        refusal(() => coordinator.writeState("p", Number.NaN, "s")),
        refusal(() => coordinator.release(7 as unknown as string, 1)),
      ];
    });
    expect(refusals).toEqual([
      expect.stringMatching(/seconds must be a whole number/),
      expect.stringMatching(/nowSeconds must be a whole number/),
      expect.stringMatching(/token must be a whole number/),
      expect.stringMatching(/token must be a whole number/),
      expect.stringMatching(/project must be text/),
    ]);
    expect(await object.acquire("p", 60, null, 0)).toEqual({ granted: 1 });
  });

  it("is asked through coordinatorFor, which refuses anything but a namespace, naming the binding", () => {
    const missing = catchError(() => coordinatorFor(undefined as unknown as typeof env.INDEX_COORDINATOR));
    expect(missing).toBeInstanceOf(BindingError);
    expect(missing).toMatchObject({ code: "missing_binding", binding: "coordinator" });
    expect((missing as Error).message).toContain("INDEX_COORDINATOR");
    expect((missing as Error).message).toContain('"new_sqlite_classes": ["IndexCoordinator"]');
    const kv = catchError(() => coordinatorFor(env.INDEX_KV as unknown as typeof env.INDEX_COORDINATOR));
    expect(kv).toMatchObject({ code: "invalid_binding", binding: "coordinator" });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

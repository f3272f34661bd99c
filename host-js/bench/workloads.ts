/**
 * W1–W5 for the Node side, as host-native/benches/workloads/workloads.rs defines them: a
 * world prepared once by the server under test (uncounted), then a measured run over a copy.
 */
import type { Client } from "./client.js";
import { type Chunk, mixedDayVersion, synthetic } from "./data.js";

/** An engine budget, as the engine's config says it. */
export interface Budget {
  name: string;
  config: string;
}

export const FREE: Budget = { name: "free 50/50", config: '{"operationBudget": 50, "kvOperationBudget": 50}' };
/** The engine's defaults: 10,000 subrequests (paid default since 2026-02), KV's 1,000. */
export const PAID: Budget = { name: "paid 10000/1000", config: "{}" };
export const PAID_BATCHED: Budget = { name: "paid, summaryBatchSize 8", config: '{"summaryBatchSize": 8}' };
export const PAID_NO_SUMMARIES: Budget = { name: "paid, summaries off", config: '{"summaries": false}' };
export const RAISED: Budget = {
  name: "raised 10000/10000",
  config: '{"operationBudget": 10000, "kvOperationBudget": 10000}',
};

export interface Workload {
  name: string;
  budgets: Budget[];
  /** Prepares the world (not counted); absent: an empty world. */
  prepare?: (client: Client) => Promise<void>;
  run: (client: Client) => Promise<void>;
}

function expect(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got}, expected ${want}`);
}

/** The five workloads; W4 only when its trees are given. */
export function workloads(trees?: { a: Chunk[]; b: Chunk[] }): Workload[] {
  const w1 = synthetic(10_000, "w1");
  const w2 = synthetic(1_000, "w2");
  const w5 = synthetic(1_000, "w5");
  const list: Workload[] = [
    {
      name: "W1",
      budgets: [FREE, PAID],
      prepare: async (c) => {
        await c.index("alice", "p", w1);
        await c.completeSync("alice", "p", w1);
      },
      // The seed's client lists every hash in phase 1; the engine's, every chunk with its file.
      run: async (c) => {
        if (c.server.completeSync === false) {
          expect("W1 needed", await c.sync("alice", "p", w1), 0);
          return;
        }
        const { unchanged, needed } = await c.completeSync("alice", "p", w1);
        expect("W1 needed", needed, 0);
        expect("W1 unchanged", Number(unchanged), 1);
      },
    },
    { name: "W2", budgets: [FREE, PAID, RAISED, PAID_BATCHED, PAID_NO_SUMMARIES], run: (c) => c.index("alice", "p", w2) },
    {
      name: "W3",
      budgets: [FREE, PAID],
      prepare: (c) => c.index("alice", "p", w2),
      run: (c) => c.index("bob", "q", w2),
    },
  ];
  if (trees !== undefined) {
    list.push({
      name: "W4",
      budgets: [FREE, PAID],
      run: async (c) => {
        await c.index("alice", "tree", trees.a);
        await c.index("bob", "tree", trees.b);
      },
    });
  }
  list.push({
    name: "W5",
    budgets: [FREE, PAID],
    prepare: async (c) => {
      await c.index("alice", "p", w5);
      if (c.server.completeSync !== false) await c.completeSync("alice", "p", w5);
    },
    run: async (c) => {
      for (let sync = 1; sync <= 50; sync++) {
        c.world.advance(600);
        const version = mixedDayVersion(w5, sync);
        const needed =
          c.server.completeSync === false ? await c.sync("alice", "p", version) : (await c.completeSync("alice", "p", version)).needed;
        expect("W5 needed", needed, w5.length / 50);
      }
    },
  });
  return list;
}

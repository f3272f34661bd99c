/**
 * The fake world a conformance scenario runs in (tests/README.md): a clock starting at
 * 2026-01-01T00:00:00Z, per-call counters, injected faults, and the five bindings. KV is
 * workerd's real KV namespace behind a thin wrapper; the coordinator is the package's real
 * `IndexCoordinator` Durable Object (declared in example/wrangler.jsonc, run by workerd)
 * behind `coordinatorFor` with the world's clock, its calls counted and under the fault
 * plan; AI, Vectorize and the text index are plain objects.
 */
import { reset } from "cloudflare:test";
import {
  type AiBinding,
  type CoordinatorBinding,
  coordinatorFor,
  type IndexCoordinator,
  type KvBinding,
  type TextIndexBinding,
  type VectorizeBinding,
} from "index-sync";
import { CallLedger, CountedCoordinator, FakeAi, FakeTextIndex, FakeVectorize } from "index-sync/testing";
import { ExpiringKv } from "./kv.js";

/** The test Worker's bindings a world is made of. */
export interface WorldEnv {
  INDEX_KV: KVNamespace;
  INDEX_COORDINATOR: DurableObjectNamespace<IndexCoordinator>;
}

/** KV, AI, Vectorize, the text index and the coordinator over one ledger. */
export class World {
  readonly ledger = new CallLedger();
  readonly kv: ExpiringKv;
  readonly ai: FakeAi;
  readonly vectorize: FakeVectorize;
  readonly textIndex: FakeTextIndex;
  readonly coordinator: CountedCoordinator;

  private constructor(env: WorldEnv) {
    this.kv = new ExpiringKv(env.INDEX_KV, this.ledger);
    this.ai = new FakeAi(this.ledger);
    this.vectorize = new FakeVectorize(this.ledger);
    this.textIndex = new FakeTextIndex(this.ledger);
    const objects = coordinatorFor(env.INDEX_COORDINATOR, { clock: () => this.ledger.now });
    this.coordinator = new CountedCoordinator(objects, this.ledger);
  }

  /** A fresh world: every Durable Object's storage is deleted (the coordinator's leases,
   * record states and token counters) and the KV namespace emptied first. (Each test file
   * runs on its own storage; tests within a file share it.) */
  static async fresh(env: WorldEnv): Promise<World> {
    await reset();
    await empty(env.INDEX_KV);
    return new World(env);
  }

  /** Moves the fake clock; KV entries whose TTL ran out read as absent from then on. */
  advance(seconds: number): void {
    this.ledger.now += seconds;
  }

  /** The bindings as `createIndexer` takes them (the text index used with `hybrid` only). */
  bindings(): { kv: KvBinding; ai: AiBinding; vectorize: VectorizeBinding; coordinator: CoordinatorBinding; textIndex: TextIndexBinding } {
    const { kv, ai, vectorize, coordinator, textIndex } = this;
    return { kv, ai, vectorize, coordinator, textIndex };
  }
}

/** Deletes every key of `namespace`. */
async function empty(namespace: KVNamespace): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await namespace.list(cursor === undefined ? {} : { cursor });
    await Promise.all(page.keys.map(({ name }) => namespace.delete(name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
}

/**
 * The fake world a conformance scenario runs in (tests/README.md): a clock starting at
 * 2026-01-01T00:00:00Z, per-call counters, injected faults, and the three bindings. KV is
 * workerd's real KV namespace behind a thin wrapper; AI and Vectorize are plain objects.
 */
import type { AiBinding, KvBinding, VectorizeBinding } from "index-sync";
import { CallLedger, FakeAi, FakeVectorize } from "index-sync/testing";
import { ExpiringKv } from "./kv.js";

/** KV, AI and Vectorize fakes over one ledger. */
export class World {
  readonly ledger = new CallLedger();
  readonly kv: ExpiringKv;
  readonly ai: FakeAi;
  readonly vectorize: FakeVectorize;

  private constructor(namespace: KVNamespace) {
    this.kv = new ExpiringKv(namespace, this.ledger);
    this.ai = new FakeAi(this.ledger);
    this.vectorize = new FakeVectorize(this.ledger);
  }

  /** A fresh world: the KV namespace is emptied first. (Each test file runs on its own
   * storage; tests within a file share it.) */
  static async fresh(namespace: KVNamespace): Promise<World> {
    await empty(namespace);
    return new World(namespace);
  }

  /** Moves the fake clock; KV entries whose TTL ran out read as absent from then on. */
  advance(seconds: number): void {
    this.ledger.now += seconds;
  }

  /** The bindings as `createIndexer` takes them. */
  bindings(): { kv: KvBinding; ai: AiBinding; vectorize: VectorizeBinding } {
    return { kv: this.kv, ai: this.ai, vectorize: this.vectorize };
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

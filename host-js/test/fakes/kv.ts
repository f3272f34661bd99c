/**
 * Workers KV for scenarios: workerd's real KV namespace (miniflare), so its own refusals
 * hold (TTL under 60 s, keys over 512 bytes, bulk reads over 100 keys), wrapped to count
 * calls, inject faults and expire entries by the FAKE clock.
 *
 * Expiry: workerd's clock cannot be moved, so each write also stores, in the entry's KV
 * metadata, `expiresAt` = fake now + TTL; reads fetch values with their metadata in the
 * same single bulk call (`getWithMetadata(keys[])`) and treat an entry as absent once the
 * fake clock reaches `expiresAt`. The real `expirationTtl` is passed through too, so KV
 * itself still checks it. The engine's own metadata is kept beside it (`engine`), and a
 * list hands back that part alone.
 *
 * A list is the native fake's (host-native/src/fakes/kv.rs): only keys live at the fake
 * clock, in key order, a page of `limit` of them when that many remain, and a cursor only
 * when a live key follows. So that a page never ends inside one of workerd's, workerd is
 * asked for no more keys than still fit; its cursors pass through as they are.
 */
import type { KvBinding, KvListOptions } from "index-sync";
import type { CallLedger } from "index-sync/testing";

/** Most keys in one list page (kv/api/list-keys). */
const MAX_LIST_KEYS = 1_000;
/** Largest metadata of a key, as JSON, in bytes (kv/platform/limits). workerd counts the
 * wrapper's few bytes too, so an engine's metadata within a few bytes of it is refused. */
const MAX_METADATA_BYTES = 1_024;

/** What the wrapper stores as an entry's KV metadata. */
interface Stored {
  /** Fake Unix seconds from which the entry reads as absent. */
  expiresAt?: number;
  /** The metadata the engine wrote. */
  engine?: unknown;
}

type Page = KVNamespaceListResult<unknown>;

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

export class ExpiringKv implements KvBinding {
  constructor(
    private readonly namespace: KVNamespace,
    private readonly ledger: CallLedger,
  ) {}

  get(keys: string[], type: "text"): Promise<Map<string, string | null>> {
    this.ledger.bill("kv.keysRead", keys.length);
    return this.ledger.call("kv.get", async () => {
      const found = await this.namespace.getWithMetadata<Stored>(keys, type);
      const live = new Map<string, string | null>();
      for (const key of keys) live.set(key, this.live(found.get(key)));
      return live;
    });
  }

  put(key: string, value: string | ArrayBufferView, options?: KVNamespacePutOptions): Promise<void> {
    this.ledger.bill("kv.keysWritten", 1);
    return this.ledger.call("kv.put", () => this.write(key, value, options));
  }

  delete(key: string): Promise<void> {
    this.ledger.bill("kv.keysDeleted", 1);
    return this.ledger.call("kv.delete", () => this.namespace.delete(key));
  }

  list(options: KvListOptions): Promise<Page> {
    return this.ledger.call("kv.list", () => this.livePage(options));
  }

  /** A write from outside the engine (a scenario's `kvPut` step): not counted, no fault. */
  async write(key: string, value: string | ArrayBufferView, options?: KVNamespacePutOptions): Promise<void> {
    const ttl = options?.expirationTtl;
    const engine: unknown = options?.metadata ?? undefined;
    if (engine !== undefined && utf8Length(JSON.stringify(engine)) > MAX_METADATA_BYTES) {
      throw new Error(`metadata over ${MAX_METADATA_BYTES} bytes`);
    }
    const metadata: Stored = {};
    if (ttl !== undefined) metadata.expiresAt = this.ledger.now + ttl;
    if (engine !== undefined) metadata.engine = engine;
    await this.namespace.put(key, value, { ...options, metadata });
  }

  /** Whether `key` holds a live entry at the fake clock (for `final.kv`; not counted). */
  async has(key: string): Promise<boolean> {
    const found = await this.namespace.getWithMetadata<Stored>([key], "text");
    return this.live(found.get(key)) !== null;
  }

  /** Up to `limit` live keys from `cursor` on, with the engine's metadata. */
  private async livePage({ prefix, cursor, limit }: KvListOptions): Promise<Page> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_KEYS) {
      throw new Error(`list limit ${limit}; from 1 to ${MAX_LIST_KEYS}`);
    }
    const keys: KVNamespaceListKey<unknown>[] = [];
    let at = cursor;
    for (;;) {
      const raw = await this.namespace.list<Stored>({ prefix, cursor: at ?? null, limit: limit - keys.length });
      for (const { name, metadata } of raw.keys) {
        if (this.expired(metadata)) continue;
        keys.push(metadata?.engine === undefined ? { name } : { name, metadata: metadata.engine });
      }
      if (raw.list_complete) return { keys, list_complete: true, cacheStatus: null };
      at = raw.cursor;
      if (keys.length === limit) break;
    }
    // A full page: another follows only if a live key does (expired ones are gone).
    return (await this.liveKeyFrom(prefix, at))
      ? { keys, list_complete: false, cursor: at, cacheStatus: null }
      : { keys, list_complete: true, cacheStatus: null };
  }

  /** Whether a key under `prefix` after `cursor` is live at the fake clock. */
  private async liveKeyFrom(prefix: string, cursor: string): Promise<boolean> {
    let at: string | undefined = cursor;
    while (at !== undefined) {
      const raw: KVNamespaceListResult<Stored> = await this.namespace.list<Stored>({ prefix, cursor: at });
      if (raw.keys.some(({ metadata }) => !this.expired(metadata))) return true;
      at = raw.list_complete ? undefined : raw.cursor;
    }
    return false;
  }

  /** An absent key reads as `null` (not as an entry holding `null`) in a bulk read. */
  private live(entry: KVNamespaceGetWithMetadataResult<string, Stored> | null | undefined): string | null {
    if (entry === undefined || entry === null || entry.value === null) return null;
    return this.expired(entry.metadata) ? null : entry.value;
  }

  private expired(metadata: Stored | null | undefined): boolean {
    const expiresAt = metadata?.expiresAt;
    return expiresAt !== undefined && this.ledger.now >= expiresAt;
  }
}

/**
 * Workers KV for scenarios: workerd's real KV namespace (miniflare), so its own refusals
 * hold (TTL under 60 s, keys over 512 bytes, bulk reads over 100 keys), wrapped to count
 * calls, inject faults and expire entries by the FAKE clock.
 *
 * Expiry: workerd's clock cannot be moved, so each write also stores, in the entry's KV
 * metadata, `expiresAt` = fake now + TTL; reads fetch values with their metadata in the
 * same single bulk call (`getWithMetadata(keys[])`) and treat an entry as absent once the
 * fake clock reaches `expiresAt`. The real `expirationTtl` is passed through too, so KV
 * itself still checks it.
 */
import type { KvBinding } from "index-sync";
import type { CallLedger } from "./world.js";

interface ExpiryMetadata {
  expiresAt?: number;
}

export class ExpiringKv implements KvBinding {
  constructor(
    private readonly namespace: KVNamespace,
    private readonly ledger: CallLedger,
  ) {}

  get(keys: string[], type: "text"): Promise<Map<string, string | null>> {
    return this.ledger.call("kv.get", async () => {
      const found = await this.namespace.getWithMetadata<ExpiryMetadata>(keys, type);
      const live = new Map<string, string | null>();
      for (const key of keys) live.set(key, this.live(found.get(key)));
      return live;
    });
  }

  put(key: string, value: string, options?: KVNamespacePutOptions): Promise<void> {
    return this.ledger.call("kv.put", () => this.write(key, value, options));
  }

  /** A write from outside the engine (a scenario's `kvPut` step): not counted, no fault. */
  async write(key: string, value: string, options?: KVNamespacePutOptions): Promise<void> {
    const ttl = options?.expirationTtl;
    const metadata: ExpiryMetadata = ttl === undefined ? {} : { expiresAt: this.ledger.now + ttl };
    await this.namespace.put(key, value, { ...options, metadata });
  }

  /** Whether `key` holds a live entry at the fake clock (for `final.kv`; not counted). */
  async has(key: string): Promise<boolean> {
    const found = await this.namespace.getWithMetadata<ExpiryMetadata>([key], "text");
    return this.live(found.get(key)) !== null;
  }

  /** An absent key reads as `null` (not as an entry holding `null`) in a bulk read. */
  private live(entry: KVNamespaceGetWithMetadataResult<string, ExpiryMetadata> | null | undefined): string | null {
    if (entry === undefined || entry === null || entry.value === null) return null;
    const expiresAt = entry.metadata?.expiresAt;
    return expiresAt !== undefined && this.ledger.now >= expiresAt ? null : entry.value;
  }
}

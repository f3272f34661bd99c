/** The bindings the test Worker gets from example/wrangler.jsonc. */
declare namespace Cloudflare {
  interface Env {
    INDEX_KV: KVNamespace;
    /** The package's coordinator Durable Object, run by workerd. */
    INDEX_COORDINATOR: DurableObjectNamespace<import("index-sync").IndexCoordinator>;
    /** vitest.config.ts adds it, for the example's development environment. */
    DEV_VECTORS: KVNamespace;
    /** The text index of hybrid search, a local D1 database (miniflare). */
    TEXT_INDEX: D1Database;
  }
}

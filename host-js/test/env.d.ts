/** The bindings the test Worker gets from example/wrangler.jsonc. */
declare namespace Cloudflare {
  interface Env {
    INDEX_KV: KVNamespace;
    /** vitest.config.ts adds it, for the example's development environment. */
    DEV_VECTORS: KVNamespace;
  }
}

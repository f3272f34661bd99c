/** The bindings the test Worker gets from example/wrangler.jsonc. */
declare namespace Cloudflare {
  interface Env {
    INDEX_KV: KVNamespace;
  }
}

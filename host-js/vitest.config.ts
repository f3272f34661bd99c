/**
 * Every test runs inside workerd through Cloudflare's vitest plugin, under the example
 * Worker's wrangler config: its real (local) KV namespace `INDEX_KV`. AI and Vectorize are
 * fakes passed in by the tests (declaring them would need a Cloudflare account).
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const here = (path: string): string => decodeURIComponent(new URL(path, import.meta.url).pathname);

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: here("./example/wrangler.jsonc") },
      remoteBindings: false,
      // The development Vectorize fake's own namespace, for the example's tests of its dev
      // environment (wrangler.jsonc declares it under `env.dev` only).
      miniflare: { kvNamespaces: ["DEV_VECTORS"] },
    }),
  ],
  // The built package (dist/, as `npm pack` ships it; test.sh builds it first), never the
  // sources. Exact matches: "index-sync" must not also catch "index-sync/component".
  resolve: {
    alias: [
      { find: /^index-sync$/, replacement: here("./dist/index.js") },
      { find: /^index-sync\/component$/, replacement: here("./dist/component/index.js") },
      { find: /^index-sync\/testing$/, replacement: here("./dist/testing/index.js") },
      { find: /^index-sync\/mcp$/, replacement: here("./dist/mcp/index.js") },
    ],
  },
  // The conformance scenarios live at the repository root, outside this package.
  server: { fs: { allow: [here("..")] } },
  test: {
    include: ["test/**/*.test.ts", "example/test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});

/**
 * The package as a user installs it: `npm pack` of host-js, installed into a fresh Worker
 * project written here (its own package.json, strict tsconfig with `moduleResolution:
 * "bundler"` and `include: ["src"]`, wrangler config; nothing else of this repository),
 * whose own `tsc` and `wrangler deploy --dry-run` must pass, and whose Worker, run under
 * `wrangler dev` with index-sync/testing's fakes and the package's `IndexCoordinator`
 * Durable Object (bound and migrated in its wrangler config, re-exported by its main
 * module, as the README says), must answer the seed's curl examples, and serve MCP at
 * `/mcp` through index-sync/mcp with its peer dependency `@modelcontextprotocol/sdk`
 * installed beside it (the official SDK's client lists the tools and searches).
 *
 *   node packaging.mjs --package DIR --work DIR
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { arg, check, run, summary } from "./checks.js";
import { startDev } from "./dev-server.js";
import { seedExamples } from "./seed.js";

const packageDir = arg("--package");
const work = arg("--work");
const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
  version: string;
  devDependencies: Record<string, string>;
};
const fresh = join(work, "fresh-worker");

/** The fresh project's Worker: the README's lines, and its development switch. */
const WORKER = `import { coordinatorFor, createIndexer, type AiBinding, type IndexCoordinator, type VectorizeBinding } from "index-sync";
import { createIndexer as createComponentIndexer } from "index-sync/component";
import { serveMcp } from "index-sync/mcp";
import { FakeAi, StoredVectorize } from "index-sync/testing";

export { IndexCoordinator } from "index-sync";

interface Env {
  INDEX_KV: KVNamespace;
  INDEX_COORDINATOR: DurableObjectNamespace<IndexCoordinator>;
  AI?: Ai;
  VECTORIZE?: Vectorize;
  /** Development only (wrangler.jsonc env.dev): the Vectorize fake's own namespace. */
  DEV_VECTORS?: KVNamespace;
  /** This test project's users: token -> user id (a real Worker checks hashes, as the
   * package's example does). */
  USERS: string;
  /** "component": the engine component under JSPI (index-sync/component). */
  ENGINE?: string;
}

type Route = "init" | "sync" | "search" | "remove";

function bindings(env: Env): { ai: AiBinding; vectorize: VectorizeBinding } {
  if (env.DEV_VECTORS !== undefined) return { ai: new FakeAi(), vectorize: new StoredVectorize(env.DEV_VECTORS) };
  if (env.AI === undefined || env.VECTORIZE === undefined) throw new Error("no AI or VECTORIZE binding");
  return { ai: env.AI, vectorize: env.VECTORIZE };
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const token = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    const userId = (JSON.parse(env.USERS) as Record<string, string>)[token];
    if (userId === undefined) return Response.json({ error: { code: "unauthenticated" } }, { status: 401 });
    const route = new URL(request.url).pathname.split("/").pop() as Route | "mcp";
    const create = env.ENGINE === "component" ? createComponentIndexer : createIndexer;
    const coordinator = coordinatorFor(env.INDEX_COORDINATOR);
    const indexer = create({ kv: env.INDEX_KV, ...bindings(env), coordinator, waitUntil: (p) => ctx.waitUntil(p) });
    if (route === "mcp") return serveMcp(request, { indexer, userId });
    const { status, json, headers } = await indexer[route](await request.arrayBuffer(), userId);
    return new Response(json, { status, headers });
  },
} satisfies ExportedHandler<Env>;
`;

async function main(): Promise<void> {
  mkdirSync(join(fresh, "src"), { recursive: true });
  const packed = run("npm", ["pack", "--json", "--pack-destination", work], { cwd: packageDir, mustSucceed: true });
  const [tarball] = JSON.parse(packed.stdout) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  if (tarball === undefined) throw new Error("npm pack made nothing");
  const files = tarball.files.map((f) => f.path);
  console.log(`tarball ${tarball.filename}: ${tarball.size} bytes, ${tarball.unpackedSize} unpacked, ${files.length} files`);
  for (const needed of [
    "dist/index.js",
    "dist/index.d.ts",
    "dist/coordinator/durable-object.js",
    "dist/coordinator/durable-object.d.ts",
    "dist/testing/index.d.ts",
    "dist/component/index.js",
    "dist/mcp/index.js",
    "dist/mcp/index.d.ts",
    "pkg/index_sync_js_bg.wasm",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
  ]) {
    check(`the tarball holds ${needed}`, files.includes(needed));
  }
  check("the tarball holds no TypeScript sources", !files.some((f) => f.startsWith("ts/")), files.filter((f) => f.startsWith("ts/")));

  const devDeps = manifest.devDependencies;
  writeFileSync(
    join(fresh, "package.json"),
    JSON.stringify(
      {
        name: "fresh-worker",
        private: true,
        type: "module",
        // index-sync/mcp's peer dependency, which a Worker serving MCP adds beside it.
        dependencies: { "index-sync": `file:../${tarball.filename}`, "@modelcontextprotocol/sdk": devDeps["@modelcontextprotocol/sdk"] },
        devDependencies: {
          "@cloudflare/workers-types": devDeps["@cloudflare/workers-types"],
          typescript: devDeps.typescript,
          wrangler: devDeps.wrangler,
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(fresh, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        lib: ["es2023"],
        module: "es2022",
        moduleResolution: "bundler",
        types: ["@cloudflare/workers-types"],
        strict: true,
        noEmit: true,
        isolatedModules: true,
      },
      include: ["src"],
    }),
  );
  // The coordinator as the README declares it: its binding (in every environment: bindings
  // are not inherited) and the migration that makes its SQLite-backed class.
  const coordinator = {
    durable_objects: { bindings: [{ name: "INDEX_COORDINATOR", class_name: "IndexCoordinator" }] },
    migrations: [{ tag: "index-coordinator-v1", new_sqlite_classes: ["IndexCoordinator"] }],
  };
  writeFileSync(
    join(fresh, "wrangler.jsonc"),
    JSON.stringify({
      name: "fresh-worker",
      main: "src/index.ts",
      compatibility_date: "2026-08-01",
      kv_namespaces: [{ binding: "INDEX_KV", id: "fresh-kv" }],
      ...coordinator,
      env: {
        dev: {
          kv_namespaces: [
            { binding: "INDEX_KV", id: "fresh-kv" },
            { binding: "DEV_VECTORS", id: "fresh-vectors" },
          ],
          ...coordinator,
        },
      },
    }),
  );
  writeFileSync(join(fresh, "src", "index.ts"), WORKER);

  const install = run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: fresh });
  check("npm install of the tarball into the fresh project", install.status === 0, install.stderr.slice(-2000));
  const tsc = run("npx", ["tsc", "-p", "tsconfig.json"], { cwd: fresh });
  check("the fresh project's own tsc passes", tsc.status === 0, tsc.stdout + tsc.stderr);
  const bundle = run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(work, "bundle")], {
    cwd: fresh,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const upload = /Total Upload: .*/.exec(bundle.stdout + bundle.stderr)?.[0];
  check("wrangler deploy --dry-run bundles it", bundle.status === 0 && upload !== undefined, bundle.stdout + bundle.stderr);
  check(
    "wrangler binds the coordinator Durable Object",
    /env\.INDEX_COORDINATOR \(IndexCoordinator\)/.test(bundle.stdout + bundle.stderr),
    bundle.stdout + bundle.stderr,
  );
  if (upload !== undefined) console.log(`fresh project bundle: ${upload}`);

  const users = { "alice-token": "alice@example.com", "bob-token": "bob@company.com" };
  for (const engine of ["module", "component"]) {
    const vars = { USERS: JSON.stringify(users), ENGINE: engine };
    const dev = await startDev({ cwd: fresh, config: "wrangler.jsonc", environment: "dev", vars, persistTo: join(work, `state-${engine}`) });
    try {
      await seedExamples(dev.url, { "alice@example.com": "alice-token", "bob@company.com": "bob-token" }, engine);
      await mcpSearch(dev.url, "bob-token", engine);
    } finally {
      await dev.stop();
    }
  }
  summary();
}

/** After the seed's examples: the official SDK's client lists the tools of the fresh
 * Worker's `/mcp` (index-sync/mcp) and finds bob's file by search_code. */
async function mcpSearch(url: string, token: string, label: string): Promise<void> {
  const client = new Client({ name: "packaging", version: "0.1.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp?project=bob-project`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    check(`${label}: index-sync/mcp lists its tools`, tools.map((t) => t.name).join() === "search_code,index_status", tools.map((t) => t.name));
    const found = await client.callTool({ name: "search_code", arguments: { query: "parse config", topK: 5 } });
    const results = (found.structuredContent as { results?: { locations: { filePath: string }[] }[] } | undefined)?.results ?? [];
    check(`${label}: search_code finds bob's file only`, results.flatMap((r) => r.locations.map((l) => l.filePath)).join() === "lib/b.ts", found);
  } catch (e) {
    check(`${label}: an MCP session with the fresh Worker`, false, String(e));
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  check("the packaging run", false, error instanceof Error ? error.stack : String(error));
  summary();
});

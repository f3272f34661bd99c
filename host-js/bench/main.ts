/**
 * The Node side of the benchmarks (BENCHMARKS.md): W1–W5 on the engine (the wasm-bindgen
 * module behind the package's driver) and on the seed's algorithm, over the same in-memory
 * fakes; the module's size and the time to compile and instantiate it; host calls against
 * project size for the chart. Writes `<out>/node.json`, then the report from it and the Rust
 * side's `<out>/rust.json`. Bundled by esbuild and run by host-native/benches/run.sh:
 *
 *   node bench.mjs --pkg DIR --out DIR --benchmarks FILE --svg FILE [--reps N] [--only W1,W2]
 *     [--budget paid] [--engine-only]   (a partial run, for profiling: these skip the chart)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { baselineServer } from "./baseline.js";
import { Client } from "./client.js";
import { type Chunk, synthetic } from "./data.js";
import { type AiUsage, World } from "./fakes.js";
import { writeReport } from "./report.js";
import { type EnginePkg, engineServer, type Server } from "./server.js";
import { type Budget, RAISED, workloads, type Workload } from "./workloads.js";

interface Args {
  pkg: string;
  out: string;
  benchmarks: string;
  svg: string;
  reps: number;
  only?: string[];
  budget?: string;
  engineOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const need = (flag: string) => get(flag) ?? failWith(`missing ${flag}`);
  const only = get("--only");
  const budget = get("--budget");
  return {
    pkg: need("--pkg"),
    out: need("--out"),
    benchmarks: need("--benchmarks"),
    svg: need("--svg"),
    reps: Number(get("--reps") ?? "3"),
    ...(only === undefined ? {} : { only: only.split(",") }),
    ...(budget === undefined ? {} : { budget }),
    engineOnly: argv.includes("--engine-only"),
  };
}

function failWith(message: string): never {
  throw new Error(message);
}

/** One measured run, as node.json keeps it. */
export interface NodeRecord {
  workload: string;
  host: "wasm-bindgen" | "baseline";
  budget: string;
  calls: Record<string, number>;
  ai: AiUsage;
  invocations: number;
  leastInvocations?: { free: number; paid: number };
  chunks: number;
  engineMicros: number;
  longIds?: number;
}

type MakeServer = (world: World, config: string) => Server;

async function loadPkg(dir: string) {
  const bytes = readFileSync(`${dir}/index_sync_js_bg.wasm`);
  let start = performance.now();
  // Node compiles from bytes (workers-types declares the constructor abstract: Workers refuse it).
  const module = new (WebAssembly.Module as unknown as new (b: Uint8Array) => WebAssembly.Module)(bytes);
  const compileMillis = performance.now() - start;
  const pkg = (await import(pathToFileURL(`${dir}/index_sync_js.js`).href)) as EnginePkg;
  start = performance.now();
  pkg.initSync({ module });
  const instantiateMillis = performance.now() - start;
  start = performance.now();
  new pkg.Indexer("{}");
  const indexerMillis = performance.now() - start;
  const figures = {
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    compileMillis,
    instantiateMillis,
    indexerMillis,
  };
  return { pkg, figures };
}

async function once(workload: Workload, prepared: World, make: MakeServer, budget: Budget) {
  const world = prepared.clone();
  const client = new Client(make(world, budget.config), world);
  await workload.run(client);
  return { client, world };
}

async function measure(workload: Workload, make: MakeServer, host: NodeRecord["host"], budgets: Budget[], reps: number) {
  const prepared = new World();
  if (workload.prepare) await workload.prepare(new Client(make(prepared, RAISED.config), prepared));
  const records: NodeRecord[] = [];
  for (const budget of budgets) {
    let best: NodeRecord | undefined;
    for (let r = 0; r < (budget.config === "{}" ? reps : 1); r++) {
      const { client, world } = await once(workload, prepared, make, budget);
      const record: NodeRecord = {
        workload: workload.name,
        host,
        budget: budget.name,
        calls: Object.fromEntries(world.calls()),
        ai: { ...world.aiUsage },
        invocations: client.invocations,
        chunks: client.chunks,
        engineMicros: client.serverMs * 1000,
        ...(host === "baseline" ? { leastInvocations: { ...client.leastInvocations }, longIds: world.longIds } : {}),
      };
      if (best === undefined || record.engineMicros < best.engineMicros) best = record;
    }
    if (best) records.push(best);
  }
  return records;
}

/** Host calls against project size: init of N new chunks, phase 1 of N cached hashes. */
async function sweep(engine: MakeServer, baseline: MakeServer) {
  const sizes = [100, 300, 1_000, 3_000, 10_000];
  const all = synthetic(10_000, "sweep");
  const total = (world: World) => [...world.calls().values()].reduce((a, b) => a + b, 0);
  const points = [];
  for (const [name, make] of [
    ["engine", engine],
    ["baseline", baseline],
  ] as const) {
    const indexed = new World();
    await new Client(make(indexed, RAISED.config), indexed).index("alice", "p", all);
    for (const size of sizes) {
      const chunks = all.slice(0, size);
      const fresh = new World();
      await new Client(make(fresh, "{}"), fresh).index("alice", "p", chunks);
      const synced = indexed.clone();
      await new Client(make(synced, "{}"), synced).sync("alice", "p", chunks);
      points.push({ server: name, size, init: total(fresh), phase1: total(synced) });
    }
  }
  return points;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { pkg, figures } = await loadPkg(args.pkg);
  console.error(`wasm-bindgen module: ${JSON.stringify(figures)}`);
  const engine: MakeServer = (world, config) => engineServer(pkg, config, world.bindings(), () => world.now);
  const baseline: MakeServer = (world) => {
    const b = world.bindings();
    return baselineServer({ INDEX_KV: b.kv, AI: b.ai, VECTORIZE: b.vectorize });
  };
  const w4Path = `${args.out}/w4.json`;
  let trees: { a: Chunk[]; b: Chunk[] } | undefined;
  if (existsSync(w4Path)) {
    const w4 = JSON.parse(readFileSync(w4Path, "utf8")) as { a: { chunks: Chunk[] }; b: { chunks: Chunk[] } };
    trees = { a: w4.a.chunks, b: w4.b.chunks };
  }
  const records: NodeRecord[] = [];
  for (const workload of workloads(trees)) {
    if (args.only && !args.only.includes(workload.name)) continue;
    console.error(`${workload.name}`);
    const budgets = workload.budgets.filter((b) => args.budget === undefined || b.name.startsWith(args.budget));
    const found = [
      ...(await measure(workload, engine, "wasm-bindgen", budgets, args.reps)),
      ...(args.engineOnly ? [] : await measure(workload, baseline, "baseline", [{ name: "none", config: "{}" }], args.reps)),
    ];
    for (const r of found) {
      const perChunk = r.engineMicros / Math.max(1, r.chunks);
      console.error(`  ${r.host.padEnd(12)} ${r.budget.padEnd(18)} ${String(r.invocations).padStart(4)} inv ${JSON.stringify(r.calls)} ${perChunk.toFixed(2)} µs/chunk`);
    }
    records.push(...found);
  }
  const points = args.only || args.budget || args.engineOnly ? [] : await sweep(engine, baseline);
  const node = { module: figures, records, sweep: points, reps: args.reps };
  writeFileSync(`${args.out}/node.json`, JSON.stringify(node, null, 2));
  const rustPath = `${args.out}/rust.json`;
  const rust: unknown = existsSync(rustPath) ? JSON.parse(readFileSync(rustPath, "utf8")) : undefined;
  writeReport(node, rust, args.benchmarks, args.svg);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * The engine inside workerd, timed from Node: the bench's Worker (worker.ts) under
 * Miniflare (host-js's own, a dependency of wrangler), the workloads run inside it on the
 * in-Worker fakes, on the wasm-bindgen module and on the component under jco with JSPI.
 *
 * Time. Inside the Worker the clock has a resolution of one millisecond (Date.now() and
 * performance.now() are the same clock there), too coarse for the fakes' calls of a few
 * microseconds, so nothing is timed in there. Node times each `/run` request (harness.ts:
 * a whole workload, every request of its client) by the CPU time of workerd's main thread,
 * the one that runs the isolate (/proc/PID/task/PID/schedstat, in nanoseconds; it leaves out
 * V8's background threads: garbage collection, tier-up compilation; on this shared virtual
 * machine it still grows, up to twice, while the other core is busy). The engine's own time
 * is real - (doubled - real) - replayed (harness.ts), each the best of its rounds (the reps,
 * or more for a short workload: `MIN_MILLIS`), after a round that warms both hosts up.
 *
 * Instantiation. After each restart of workerd (fresh isolates, the modules compiled as the
 * Worker loaded), the first `/instantiate` of each host: the module's `initSync` and its
 * first `new Indexer`, and the component entry's first `createIndexer` (an instance and its
 * engine); then the component's again, warm (what `index-sync/component` pays per request:
 * an instance per request). Best of the restarts, less the best `/noop`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Chunk } from "./data.js";
import { countsKey, MODES, type Mode, type RunCounts } from "./harness.js";

/** The two hosts inside workerd, as worker.ts names them. */
export const WORKERD_HOSTS = ["wasm-bindgen", "jco"] as const;
export type WorkerdHost = (typeof WORKERD_HOSTS)[number];

/** One workload on one host in workerd: its counts, and its best time in each mode. */
export interface WorkerdRun extends RunCounts {
  workload: string;
  host: WorkerdHost;
  /** Best CPU milliseconds of a `/run` in each mode. */
  cpuMillis: Record<Mode, number>;
  /** The engine's own: real - (doubled - real) - replayed. */
  engineMicros: number;
}

/** Instantiating each host in a fresh isolate, best of the restarts (milliseconds). */
export interface WorkerdStart {
  /** The module's `initSync` and first `new Indexer("{}")`. */
  moduleFirst: number;
  /** The component entry's first `createIndexer` (instance + engine). */
  componentFirst: number;
  /** The component entry's `createIndexer` again, warm: its cost per request. */
  componentAgain: number;
}

/** The parts of Miniflare used here. */
interface MiniflareLike {
  ready: Promise<URL>;
  dispatchFetch(url: string, init: { method: string; body?: string }): Promise<{ status: number; text(): Promise<string> }>;
  setOptions(options: unknown): Promise<void>;
  dispose(): Promise<void>;
}
interface MiniflareModule {
  Miniflare: new (options: unknown) => MiniflareLike;
  convertV4MiniflareOptions(options: unknown): unknown;
}

/** The example Worker's date (example/wrangler.jsonc): not newer than the workerd here. */
const COMPATIBILITY_DATE = "2026-08-01";
const RESTARTS = 3;
const AGAIN = 10;
/** Timed rounds of a workload in workerd: at least the reps asked for, and more while they
 * fit in `MIN_MILLIS` (the short workloads, whose best is the noisiest), up to `MAX_ROUNDS`. */
export const MIN_MILLIS = 2000;
export const MAX_ROUNDS = 20;

export interface WorkerdOptions {
  /** host-js, whose node_modules holds Miniflare. */
  hostJs: string;
  /** The bundled Worker: worker.js and the .wasm files beside it. */
  workerDir: string;
  trees?: { a: Chunk[]; b: Chunk[] };
  names: readonly string[];
  reps: number;
  log: (line: string) => void;
}

export async function benchWorkerd(options: WorkerdOptions): Promise<{ runs: WorkerdRun[]; start: WorkerdStart }> {
  const { Miniflare, convertV4MiniflareOptions } = createRequire(`${options.hostJs}/package.json`)("miniflare") as MiniflareModule;
  const config = convertV4MiniflareOptions({
    modulesRoot: options.workerDir,
    modules: [
      { type: "ESModule", path: `${options.workerDir}/worker.js` },
      ...readdirSync(options.workerDir)
        .filter((file) => file.endsWith(".wasm"))
        .map((file) => ({ type: "CompiledWasm", path: `${options.workerDir}/${file}` })),
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ["nodejs_compat"],
  });
  const mf = new Miniflare(config);
  try {
    await mf.ready;
    const worker = new BenchWorker(mf);
    const start = await starts(mf, config, worker);
    await worker.post("/setup", JSON.stringify(options.trees ?? null));
    const runs: WorkerdRun[] = [];
    for (const name of options.names) {
      for (const host of WORKERD_HOSTS) await worker.post(`/prepare?host=${host}&workload=${name}`);
      const best = new Map<WorkerdHost, Record<Mode, number>>();
      const counted = new Map<WorkerdHost, RunCounts>();
      const began = performance.now();
      let rounds = 0;
      for (let rep = -1; rep < options.reps || (rep < MAX_ROUNDS && performance.now() - began < MIN_MILLIS); rep++) {
        rounds = rep + 1;
        for (const host of WORKERD_HOSTS) {
          for (const mode of MODES) {
            await worker.post(`/ready?host=${host}&workload=${name}&mode=${mode}`);
            const { cpuMillis, body } = await worker.timed("/run");
            if (mode !== "replayed") sameCounts(`${host} ${name} (${mode})`, JSON.parse(body) as RunCounts, counted, host);
            if (rep < 0) continue; // a round to warm up: tier-up of the wasm and the JavaScript
            const cpu = best.get(host) ?? { real: Infinity, doubled: Infinity, replayed: Infinity };
            cpu[mode] = Math.min(cpu[mode], cpuMillis);
            best.set(host, cpu);
          }
        }
      }
      for (const [host, cpu] of best) {
        const counts = counted.get(host);
        if (counts === undefined) continue;
        // The fakes' time, doubled - real, is small beside the noise on W1 (one KV read):
        // never taken below zero.
        const engineMillis = cpu.real - Math.max(0, cpu.doubled - cpu.real) - cpu.replayed;
        runs.push({ workload: name, host, ...counts, cpuMillis: cpu, engineMicros: engineMillis * 1000 });
        const perChunk = (engineMillis * 1000) / Math.max(1, counts.chunks);
        options.log(`  workerd ${host.padEnd(12)} best of ${rounds}: real ${cpu.real.toFixed(1)} doubled ${cpu.doubled.toFixed(1)} replayed ${cpu.replayed.toFixed(1)} ms: ${perChunk.toFixed(2)} µs/chunk`);
      }
    }
    return { runs, start };
  } finally {
    await mf.dispose();
  }
}

/** Keeps a host's first counts; fails if a later run of the same workload counted others
 * (the doubled run's own world counts what the real one does). */
function sameCounts(what: string, counts: RunCounts, counted: Map<WorkerdHost, RunCounts>, host: WorkerdHost): void {
  const first = counted.get(host);
  if (first === undefined) {
    counted.set(host, counts);
    return;
  }
  if (countsKey(first) !== countsKey(counts)) throw new Error(`workerd ${what}: counted ${countsKey(counts)}, before ${countsKey(first)}`);
}

/** Instantiating each host in fresh isolates: the best of `RESTARTS` restarts of workerd,
 * less the best `/noop`. */
async function starts(mf: MiniflareLike, config: unknown, worker: BenchWorker): Promise<WorkerdStart> {
  const best = { noop: Infinity, moduleFirst: Infinity, componentFirst: Infinity, componentAgain: Infinity };
  const time = async (key: keyof typeof best, path: string) => {
    const { cpuMillis, body } = await worker.timed(path);
    best[key] = Math.min(best[key], cpuMillis);
    return body;
  };
  for (let r = 0; r < RESTARTS; r++) {
    if (r > 0) {
      await mf.setOptions(config);
      await mf.ready;
    }
    await worker.post("/noop");
    const { first } = JSON.parse(await time("moduleFirst", "/instantiate?host=wasm-bindgen")) as { first: boolean };
    if (!first) throw new Error("workerd: the module was instantiated before /instantiate");
    await time("componentFirst", "/instantiate?host=jco");
    for (let i = 0; i < AGAIN; i++) {
      await time("componentAgain", "/instantiate?host=jco");
      await time("noop", "/noop");
    }
  }
  return {
    moduleFirst: best.moduleFirst - best.noop,
    componentFirst: best.componentFirst - best.noop,
    componentAgain: best.componentAgain - best.noop,
  };
}

/** Requests to the bench Worker, and the CPU time workerd spent on them. */
class BenchWorker {
  constructor(private readonly mf: MiniflareLike) {}

  async post(path: string, body?: string): Promise<string> {
    const response = await this.mf.dispatchFetch(`http://bench${path}`, body === undefined ? { method: "POST" } : { method: "POST", body });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`workerd ${path}: ${response.status} ${text}`);
    return text;
  }

  /** `post`, and the CPU milliseconds of workerd's main thread meanwhile. */
  async timed(path: string): Promise<{ cpuMillis: number; body: string }> {
    const before = workerdCpuNanos();
    const body = await this.post(path);
    return { cpuMillis: (workerdCpuNanos() - before) / 1e6, body };
  }
}

/** Nanoseconds on a CPU so far, of the main thread of each workerd this process started:
 * the thread that runs the isolate (its thread id is the process id), as a Worker's CPU
 * time counts it; not V8's background threads (garbage collection, tier-up compilation). */
function workerdCpuNanos(): number {
  let total = 0;
  for (const pid of workerdPids()) total += Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[0]);
  return total;
}

let pids: string[] = [];
function workerdPids(): string[] {
  if (pids.length > 0 && pids.every((pid) => alive(pid))) return pids;
  pids = readdirSync("/proc").filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [comm, rest] = [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), stat.slice(stat.lastIndexOf(")") + 2)];
      return comm === "workerd" && rest.split(" ")[1] === String(process.pid);
    } catch {
      return false; // gone meanwhile
    }
  });
  if (pids.length === 0) throw new Error("no workerd process under this one");
  return pids;
}

function alive(pid: string): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`, "utf8");
    return true;
  } catch {
    return false;
  }
}

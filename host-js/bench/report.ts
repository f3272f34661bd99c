/**
 * BENCHMARKS.md's generated part: the tables from node.json and rust.json, the targets met or
 * missed, the machine, and the chart. Replaces what lies between the two markers in the file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { chart, type SweepPoint } from "./chart.js";
import type { AiUsage } from "./fakes.js";
import type { NodeRecord } from "./main.js";
import { type SideBySide, sideBySide } from "./side-by-side.js";

const BEGIN = "<!-- bench:begin (written by host-native/benches/run.sh) -->";
const END = "<!-- bench:end -->";

interface RustRecord {
  workload: string;
  budget: string;
  host: "native" | "component";
  calls: Record<string, number>;
  ai?: AiUsage;
  invocations: number;
  chunks: number;
  engineMicros: number;
}

/** W6's figures on one host (host-native/benches/workloads/w6.rs). */
interface MonthRecord {
  host: string;
  syncs: number;
  chunks: number;
  occurrences: number;
  calls: Record<string, number>;
  invocations: number;
  engineMicros: number;
  staleVectors: number;
  staleResults: number;
  searches: number;
  aiCallsForMovesAndCopies: number;
  recordKeys: number;
  recordBytes: number;
  vectors: number;
}

interface Rust {
  component: Record<string, number | null>;
  workloads: Record<string, string>;
  records: RustRecord[];
  trees?: [string, string] | null;
  w6?: MonthRecord[];
}

interface Node extends SideBySide {
  sweep: SweepPoint[];
}

type Calls = Record<string, number>;
const n = (calls: Calls, name: string) => calls[name] ?? 0;
const vectorizeCalls = (c: Calls) => n(c, "vectorize.upsert") + n(c, "vectorize.query") + n(c, "vectorize.deleteByIds");

/** Published prices and limits (../shared/PLATFORM.md: kv pricing, workers-ai/platform/
 * pricing and limits), in dollars. Tokens are estimated as 4 bytes each; a summary is taken
 * to be 80 tokens out, as the platform notes' rough sum does. */
const PRICE = {
  kvRead: 0.5e-6,
  kvWrite: 5e-6,
  kvDelete: 5e-6,
  kvList: 5e-6,
  neuron: 0.011 / 1000,
  generationNeuronsPerInputToken: 4119e-6,
  generationNeuronsPerOutputToken: 34868e-6,
  embeddingNeuronsPerToken: 6058e-6,
  bytesPerToken: 4,
  summaryTokens: 80,
  generationPerMinute: 300,
  embeddingPerMinute: 3000,
  // Durable Objects, paid plan 2026 (../shared/PLATFORM.md: durable-objects pricing).
  objectRequest: 0.15e-6,
  objectRowRead: 0.001e-6,
  objectRowWritten: 1e-6,
  objectGbSecond: 12.5e-6,
  objectMemoryGb: 0.128,
} as const;

/** Rows each coordinator call reads and writes in `IndexCoordinator`'s SQLite
 * (host-js/ts/coordinator/durable-object.ts): an acquire reads the token counter and the
 * project's row and, granted, writes both (counted so, the upper bound: a busy answer or a
 * renewal writes less); a release and a record-state write read and write the project's
 * row; a record-state read reads it. */
const OBJECT_ROWS: Record<string, { read: number; written: number }> = {
  "coordinator.acquire": { read: 2, written: 2 },
  "coordinator.release": { read: 1, written: 1 },
  "coordinator.readState": { read: 1, written: 0 },
  "coordinator.writeState": { read: 1, written: 1 },
};

/** The wall-clock time a Durable Object is billed for per call: its calls are synchronous
 * SQLite statements answered in well under a millisecond of CPU, and the object is active
 * for the call's handling only; 5 ms is taken as a generous bound (no platform figure). */
const OBJECT_ACTIVE_SECONDS_PER_CALL = 0.005;

/** The coordinator's calls in `calls`, and what they are billed: requests, rows read and
 * written, duration. */
function coordinatorBill(calls: Calls) {
  let requests = 0;
  let read = 0;
  let written = 0;
  for (const [name, rows] of Object.entries(OBJECT_ROWS)) {
    requests += n(calls, name);
    read += n(calls, name) * rows.read;
    written += n(calls, name) * rows.written;
  }
  const gbSeconds = requests * OBJECT_ACTIVE_SECONDS_PER_CALL * PRICE.objectMemoryGb;
  const cost =
    requests * PRICE.objectRequest + read * PRICE.objectRowRead + written * PRICE.objectRowWritten + gbSeconds * PRICE.objectGbSecond;
  return { requests, read, written, gbSeconds, cost };
}

/** What a run would be billed, in dollars, and its minutes at the AI's rate limits. */
function billed(calls: Calls, ai: AiUsage | undefined) {
  const kv =
    n(calls, "kv.keysRead") * PRICE.kvRead +
    n(calls, "kv.keysWritten") * PRICE.kvWrite +
    n(calls, "kv.keysDeleted") * PRICE.kvDelete +
    n(calls, "kv.list") * PRICE.kvList;
  const usage = ai ?? { generationBytes: 0, summaries: 0, embeddingBytes: 0, generationCalls: 0, embeddingCalls: 0 };
  const neurons =
    (usage.generationBytes / PRICE.bytesPerToken) * PRICE.generationNeuronsPerInputToken +
    usage.summaries * PRICE.summaryTokens * PRICE.generationNeuronsPerOutputToken +
    (usage.embeddingBytes / PRICE.bytesPerToken) * PRICE.embeddingNeuronsPerToken;
  const minutes = Math.max(usage.generationCalls / PRICE.generationPerMinute, usage.embeddingCalls / PRICE.embeddingPerMinute);
  return { kv, ai: neurons * PRICE.neuron, coordinator: coordinatorBill(calls).cost, minutes, usage };
}

const dollars = (v: number) => (v === 0 ? "0" : v < 0.0001 ? `${(v * 1e6).toFixed(2)} µ$` : `$${v.toFixed(4)}`);
const fmt = (v: number) => v.toLocaleString("en-US");
const us = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const nonzero = (c: Calls) => JSON.stringify(Object.entries(c).filter(([, v]) => v > 0).sort());
const same = (a: Calls, b: Calls) => nonzero(a) === nonzero(b);

function machine(): string {
  const cpu = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.*)/.exec(cpu)?.[1] ?? "unknown";
  const cores = (cpu.match(/^processor\s*:/gm) ?? []).length;
  const memKb = Number(/MemTotal:\s*(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  return `${cores} cores (nproc), ${model}, ${(memKb / 1024 / 1024).toFixed(1)} GiB; load average at the end of the run ${load} (the machine is shared)`;
}

function callsTable(node: Node, rust: Rust | undefined): string[] {
  const rows = [
    "| workload | server | budget (subrequests/KV ops) | KV gets | KV puts | KV deletes | KV lists | AI calls | Vectorize calls | coordinator calls | invocations |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  const names = [...new Set(node.records.map((r) => r.workload))];
  for (const w of names) {
    const base = node.records.find((r) => r.workload === w && r.host === "baseline");
    if (base) {
      const least = base.leastInvocations ?? { free: 0, paid: 0 };
      const c = base.calls;
      rows.push(
        `| ${w} | seed (baseline) | none | ${fmt(n(c, "kv.get"))} | ${fmt(n(c, "kv.put"))} | 0 | 0 | ${fmt(n(c, "ai.run"))} | ${fmt(vectorizeCalls(c))} | 0 | ${base.invocations} sent; ≥ ${fmt(least.free)} free, ≥ ${fmt(least.paid)} paid |`,
      );
    }
    for (const r of node.records.filter((x) => x.workload === w && x.host === "wasm-bindgen")) {
      const twins = (rust?.records ?? []).filter((x) => x.workload === w && x.budget === r.budget);
      const agree = twins.length === 2 && twins.every((t) => same(t.calls, r.calls) && t.invocations === r.invocations);
      const mark = twins.length === 0 ? " (Node only)" : agree ? "" : " **(hosts disagree)**";
      const c = r.calls;
      rows.push(
        `| ${w} | engine${mark} | ${r.budget} | ${fmt(n(c, "kv.get"))} | ${fmt(n(c, "kv.put"))} | ${fmt(n(c, "kv.delete"))} | ${fmt(n(c, "kv.list"))} | ${fmt(n(c, "ai.run"))} | ${fmt(vectorizeCalls(c))} | ${fmt(coordinatorBill(c).requests)} | ${r.invocations} |`,
      );
    }
  }
  return rows;
}

/** What each workload would be billed at the published prices, seed against engine. */
function billedTable(node: Node): string[] {
  const rows = [
    "| workload | server | budget | billed KV reads | KV writes | KV deletes | KV lists | AI requests (text / embedding) | minutes at the AI's limits | KV | AI | coordinator | total |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const w of [...new Set(node.records.map((r) => r.workload))]) {
    const billedHere = (x: NodeRecord) => x.host === "baseline" || (x.host === "wasm-bindgen" && !x.budget.startsWith("free"));
    for (const r of node.records.filter((x) => x.workload === w && billedHere(x))) {
      const b = billed(r.calls, r.ai);
      const server = r.host === "baseline" ? "seed (baseline)" : "engine";
      rows.push(
        `| ${w} | ${server} | ${r.budget} | ${fmt(n(r.calls, "kv.keysRead"))} | ${fmt(n(r.calls, "kv.keysWritten"))} | ${fmt(n(r.calls, "kv.keysDeleted"))} | ${fmt(n(r.calls, "kv.list"))} | ${fmt(b.usage.generationCalls)} / ${fmt(b.usage.embeddingCalls)} | ${b.minutes.toFixed(1)} | ${dollars(b.kv)} | ${dollars(b.ai)} | ${dollars(b.coordinator)} | ${dollars(b.kv + b.ai + b.coordinator)} |`,
      );
    }
  }
  return rows;
}

/** The coordinator's share per workload (the engine, paid budget): Durable Object requests,
 * rows read and written, GB-seconds, and dollars. */
function coordinatorTable(node: Node): string[] {
  const rows = [
    "| workload | coordinator calls (acquire / release / state read / state write) | Durable Object requests | rows read | rows written | GB-s | cost | share of the workload's bill |",
    "|---|---|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of node.records.filter((x) => x.host === "wasm-bindgen" && x.budget === PAID)) {
    const c = r.calls;
    const o = coordinatorBill(c);
    const b = billed(c, r.ai);
    const total = b.kv + b.ai + b.coordinator;
    const split = ["coordinator.acquire", "coordinator.release", "coordinator.readState", "coordinator.writeState"].map((k) => fmt(n(c, k))).join(" / ");
    const share = total === 0 ? "n/a" : `${((100 * o.cost) / total).toFixed(1)} %`;
    rows.push(`| ${r.workload} | ${split} | ${fmt(o.requests)} | ${fmt(o.read)} | ${fmt(o.written)} | ${o.gbSeconds.toFixed(4)} | ${dollars(o.cost)} | ${share} |`);
  }
  return rows;
}

function cpuTable(node: Node, rust: Rust | undefined): string[] {
  const rows = [
    "| workload | chunks | engine, native Rust | engine, component in Wasmtime | engine, wasm-bindgen in Node | seed (baseline) in Node | engine/seed in V8 |",
    "|---|--:|--:|--:|--:|--:|--:|",
  ];
  const names = [...new Set(node.records.map((r) => r.workload))];
  for (const w of names) {
    const paid = (host: string) =>
      [...node.records, ...(rust?.records ?? [])].find(
        (r) => r.workload === w && r.host === host && (r.budget === PAID || r.budget === "none"),
      );
    const [nat, comp, wb, base] = [paid("native"), paid("component"), paid("wasm-bindgen"), paid("baseline")];
    const per = (r?: { engineMicros: number; chunks: number }) => (r ? us(r.engineMicros / Math.max(1, r.chunks)) : "n/a");
    const ratio = wb && base ? (wb.engineMicros / wb.chunks / (base.engineMicros / base.chunks)).toFixed(2) : "n/a";
    rows.push(`| ${w} | ${fmt(wb?.chunks ?? 0)} | ${per(nat)} | ${per(comp)} | ${per(wb)} | ${per(base)} | ${ratio} |`);
  }
  return rows;
}

/** The budget the timed figures are taken under: the engine's defaults. */
const PAID = "paid 10000/1000";

function find(list: (NodeRecord | RustRecord)[], w: string, host: string, budget: string) {
  return list.find((r) => r.workload === w && r.host === host && r.budget === budget);
}

function targets(node: Node, rust: Rust | undefined): string[] {
  const all = [...node.records, ...(rust?.records ?? [])];
  const out = ["| target | figure | |", "|---|---|---|"];
  const row = (what: string, figure: string, ok: boolean | undefined) =>
    out.push(`| ${what} | ${figure} | ${ok === undefined ? "not run" : ok ? "met" : "**missed**"} |`);
  const w1 = find(all, "W1", "wasm-bindgen", PAID);
  const w1b = find(all, "W1", "baseline", "none");
  row(
    "W1: ≤ 2 billed KV reads, 0 writes (seed: 10,000 reads + 10,000 writes)",
    w1 && w1b
      ? `${fmt(n(w1.calls, "kv.keysRead"))} reads, ${fmt(n(w1.calls, "kv.keysWritten"))} writes (seed ${fmt(n(w1b.calls, "kv.keysRead"))} + ${fmt(n(w1b.calls, "kv.keysWritten"))})`
      : "",
    w1 && n(w1.calls, "kv.keysRead") <= 2 && n(w1.calls, "kv.keysWritten") === 0,
  );
  row(
    "W1: a no-change sync makes at most 1 billed KV read and at most 1 coordinator call",
    w1 ? `${fmt(n(w1.calls, "kv.keysRead"))} KV reads, ${fmt(coordinatorBill(w1.calls).requests)} coordinator calls` : "",
    w1 && n(w1.calls, "kv.keysRead") <= 1 && coordinatorBill(w1.calls).requests <= 1,
  );
  for (const [budget, most] of [
    ["paid, summaryBatchSize 8", 135],
    ["paid, summaries off", 10],
  ] as const) {
    const w2 = find(all, "W2", "wasm-bindgen", budget);
    const b = w2 ? billed(w2.calls, (w2 as NodeRecord).ai) : undefined;
    row(
      `W2 (${budget}): ≤ ${most} AI requests`,
      w2 && b ? `${fmt(n(w2.calls, "ai.run"))} AI requests, ${b.minutes.toFixed(1)} min at the limits` : "",
      w2 && n(w2.calls, "ai.run") <= most,
    );
  }
  const w3 = find(all, "W3", "wasm-bindgen", PAID);
  row("W3: 0 AI calls", w3 ? `${n(w3.calls, "ai.run")}` : "", w3 && n(w3.calls, "ai.run") === 0);
  const w5 = find(all, "W5", "wasm-bindgen", PAID);
  const w5b = find(all, "W5", "baseline", "none");
  row(
    "W5: billed KV reads per sync below the seed's",
    w5 && w5b ? `${fmt(n(w5.calls, "kv.keysRead") / 50)} vs ${fmt(n(w5b.calls, "kv.keysRead") / 50)}` : "",
    w5 && w5b && n(w5.calls, "kv.keysRead") < n(w5b.calls, "kv.keysRead"),
  );
  for (const w of ["W2", "W3", "W4"]) {
    const e = find(all, w, "wasm-bindgen", PAID);
    const b = find(all, w, "baseline", "none");
    if (!e || !b) continue;
    const [pe, pb] = [e.engineMicros / e.chunks, b.engineMicros / b.chunks];
    row(`${w}: engine µs/chunk in V8 within 1.5× the seed's`, `${us(pe)} vs ${us(pb)} (${(pe / pb).toFixed(2)}×)`, pe <= 1.5 * pb);
  }
  const w1free = find(all, "W1", "wasm-bindgen", "free 50/50");
  row(
    "W1 phase 1 of 10,000 under 10 ms in V8 (free plan)",
    w1free ? `${(w1free.engineMicros / 1000).toFixed(2)} ms` : "",
    w1free && w1free.engineMicros < 10_000,
  );
  const gz = node.module.gzipBytes ?? 0;
  row("wasm-bindgen module gzipped < 200 KB", `${fmt(gz)} bytes`, gz < 200_000);
  const comp = Number(rust?.component.bytes ?? 0);
  row("component < 300 KB", rust ? `${fmt(comp)} bytes` : "", rust ? comp < 300_000 : undefined);
  return out;
}

function sizes(node: Node, rust: Rust | undefined): string[] {
  const m = node.module;
  const c = rust?.component ?? {};
  const ms = (v: unknown) => (typeof v === "number" ? `${v.toFixed(2)} ms` : "n/a");
  const b = (v: unknown) => (typeof v === "number" ? `${fmt(v)} bytes` : "n/a");
  return [
    "| artefact | size | gzipped | compile | instantiate | per request |",
    "|---|--:|--:|--:|--:|--:|",
    `| component (Wasmtime 48) | ${b(c.bytes)} | ${b(c.gzipBytes)} | ${ms(c.compileMillis)} (Cranelift); load from the on-disk cache ${ms(c.loadMillis)} | link + pre-instantiate ${ms(c.linkMillis)} | ${ms(c.instanceMillis)} (fresh store + instance + config + a refused request) |`,
    `| wasm-bindgen module (V8, Node 22) | ${b(m.bytes)} | ${b(m.gzipBytes)} | ${ms(m.compileMillis)} (\`new WebAssembly.Module\`) | ${ms(m.instantiateMillis)} (\`initSync\`) | \`new Indexer("{}")\` ${ms(m.indexerMillis)} |`,
  ];
}

/** W6, a month of edits: what 100 complete syncs cost, and whether search stayed true. */
function month(rust: Rust | undefined): string[] {
  const records = rust?.w6 ?? [];
  if (records.length === 0) return ["W6 not run."];
  const kinds = ["kv.list", "kv.get", "kv.put", "kv.delete", "ai.run", "vectorize.upsert", "vectorize.deleteByIds", "vectorize.query"];
  const rows = [
    `| host | requests | ${kinds.join(" | ")} | coordinator calls (cost) | AI calls of moved and copied code | stale vectors | stale search results (of ${fmt(records[0]?.searches ?? 0)} searches) | engine ms per sync |`,
    `|---|--:|${kinds.map(() => "--:").join("|")}|--:|--:|--:|--:|--:|`,
  ];
  for (const r of records) {
    const o = coordinatorBill(r.calls);
    rows.push(
      `| ${r.host} | ${fmt(r.invocations)} | ${kinds.map((k) => fmt(n(r.calls, k))).join(" | ")} | ${fmt(o.requests)} (${dollars(o.cost)}) | ${r.aiCallsForMovesAndCopies} | ${r.staleVectors} | ${r.staleResults} | ${(r.engineMicros / 1000 / r.syncs).toFixed(2)} |`,
    );
  }
  const last = records[0];
  if (last) {
    rows.push(
      "",
      `At the end: ${fmt(last.chunks)} distinct chunks in ${fmt(last.occurrences)} file occurrences (copies share a chunk), ${fmt(last.vectors)} vectors; the tenant's record is ${fmt(last.recordKeys)} KV keys of ${fmt(last.recordBytes)} bytes (keys, values and metadata), about ${fmt(Math.round(last.recordBytes / Math.max(1, last.recordKeys)))} bytes a chunk.`,
    );
  }
  return rows;
}

/** Writes the report into `benchmarks` (between the markers) and the chart to `svgPath`. */
export function writeReport(node: Node, rustRaw: unknown, benchmarks: string, svgPath: string): void {
  const rust = rustRaw as Rust | undefined;
  const about = Object.entries(rust?.workloads ?? {}).map(([w, text]) => `- **${w}**: ${text}`);
  const lines = [
    BEGIN,
    "",
    `Machine: ${machine()}. Best of ${node.reps} runs for the timed figures (the engine's default budget, ${PAID}).`,
    ...(rust?.trees ? ["", `W4's trees: \`${rust.trees[0]}\` then \`${rust.trees[1]}\`.`] : []),
    "",
    ...about,
    "",
    "### Host calls and invocations",
    "",
    ...callsTable(node, rust),
    "",
    "### What the platform bills (paid plan's prices; AI tokens estimated at 4 bytes each, 80 out per summary)",
    "",
    ...billedTable(node),
    "",
    "### The coordinator's cost (a Durable Object per user; paid plan: $0.15 per million requests, $1.00 per million rows written, $0.001 per million rows read, $12.50 per million GB-s at 128 MB, 5 ms billed per call assumed)",
    "",
    ...coordinatorTable(node),
    "",
    "### Engine time per chunk (µs; paid budget, resends included, fakes excluded)",
    "",
    ...cpuTable(node, rust),
    "",
    ...sideBySide(node),
    "",
    "### W6: a month of edits (100 complete syncs; paid budget; the month's calls, the first index excluded)",
    "",
    ...month(rust),
    "",
    "### Sizes and start-up",
    "",
    ...sizes(node, rust),
    "",
    "### Targets",
    "",
    ...targets(node, rust),
    "",
    END,
  ];
  const text = readFileSync(benchmarks, "utf8");
  const [head, rest] = [text.indexOf(BEGIN), text.indexOf(END)];
  if (head < 0 || rest < 0) throw new Error(`${benchmarks} lacks the markers`);
  writeFileSync(benchmarks, text.slice(0, head) + lines.join("\n") + text.slice(rest + END.length));
  if (node.sweep.length > 0) writeFileSync(svgPath, chart(node.sweep));
  console.error(`wrote ${benchmarks} and ${svgPath}`);
}

/**
 * BENCHMARKS.md's generated part: the tables from node.json and rust.json, the targets met or
 * missed, the machine, and the chart. Replaces what lies between the two markers in the file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { chart, type SweepPoint } from "./chart.js";
import type { NodeRecord } from "./main.js";

const BEGIN = "<!-- bench:begin (written by host-native/benches/run.sh) -->";
const END = "<!-- bench:end -->";

interface RustRecord {
  workload: string;
  budget: string;
  host: "native" | "component";
  calls: Record<string, number>;
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

interface Node {
  module: Record<string, number>;
  records: NodeRecord[];
  sweep: SweepPoint[];
  reps: number;
}

type Calls = Record<string, number>;
const n = (calls: Calls, name: string) => calls[name] ?? 0;
const kvOps = (c: Calls) => n(c, "kv.get") + n(c, "kv.put") + n(c, "kv.delete") + n(c, "kv.list");
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
    "| workload | server | budget (subrequests/KV ops) | KV reads | KV writes | AI calls | Vectorize calls | invocations |",
    "|---|---|---|--:|--:|--:|--:|--:|",
  ];
  const names = [...new Set(node.records.map((r) => r.workload))];
  for (const w of names) {
    const base = node.records.find((r) => r.workload === w && r.host === "baseline");
    if (base) {
      const least = base.leastInvocations ?? { free: 0, paid: 0 };
      rows.push(
        `| ${w} | seed (baseline) | none | ${fmt(n(base.calls, "kv.get"))} | ${fmt(n(base.calls, "kv.put"))} | ${fmt(n(base.calls, "ai.run"))} | ${fmt(n(base.calls, "vectorize.upsert"))} | ${base.invocations} sent; ≥ ${fmt(least.free)} free, ≥ ${fmt(least.paid)} paid |`,
      );
    }
    for (const r of node.records.filter((x) => x.workload === w && x.host === "wasm-bindgen")) {
      const twins = (rust?.records ?? []).filter((x) => x.workload === w && x.budget === r.budget);
      const agree = twins.length === 2 && twins.every((t) => same(t.calls, r.calls) && t.invocations === r.invocations);
      const mark = twins.length === 0 ? " (Node only)" : agree ? "" : " **(hosts disagree)**";
      rows.push(
        `| ${w} | engine${mark} | ${r.budget} | ${fmt(n(r.calls, "kv.get"))} | ${fmt(n(r.calls, "kv.put"))} | ${fmt(n(r.calls, "ai.run"))} | ${fmt(n(r.calls, "vectorize.upsert"))} | ${r.invocations} |`,
      );
    }
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
        (r) => r.workload === w && r.host === host && (r.budget === "paid 1000/1000" || r.budget === "none"),
      );
    const [nat, comp, wb, base] = [paid("native"), paid("component"), paid("wasm-bindgen"), paid("baseline")];
    const per = (r?: { engineMicros: number; chunks: number }) => (r ? us(r.engineMicros / Math.max(1, r.chunks)) : "n/a");
    const ratio = wb && base ? (wb.engineMicros / wb.chunks / (base.engineMicros / base.chunks)).toFixed(2) : "n/a";
    rows.push(`| ${w} | ${fmt(wb?.chunks ?? 0)} | ${per(nat)} | ${per(comp)} | ${per(wb)} | ${per(base)} | ${ratio} |`);
  }
  return rows;
}

function find(list: (NodeRecord | RustRecord)[], w: string, host: string, budget: string) {
  return list.find((r) => r.workload === w && r.host === host && r.budget === budget);
}

function targets(node: Node, rust: Rust | undefined): string[] {
  const all = [...node.records, ...(rust?.records ?? [])];
  const out = ["| target | figure | |", "|---|---|---|"];
  const row = (what: string, figure: string, ok: boolean | undefined) =>
    out.push(`| ${what} | ${figure} | ${ok === undefined ? "not run" : ok ? "met" : "**missed**"} |`);
  const w1 = find(all, "W1", "wasm-bindgen", "paid 1000/1000");
  const w1b = find(all, "W1", "baseline", "none");
  row("W1: ≤ 100 KV operations (seed: 20,000)", w1 && w1b ? `${kvOps(w1.calls)} (seed ${fmt(kvOps(w1b.calls))})` : "", w1 && kvOps(w1.calls) <= 100);
  for (const budget of ["raised 10000/10000", "paid 1000/1000"]) {
    const w2 = find(all, "W2", "wasm-bindgen", budget);
    row(
      `W2 (${budget}): ≤ 1,010 AI calls, 1 Vectorize call`,
      w2 ? `${fmt(n(w2.calls, "ai.run"))} AI, ${n(w2.calls, "vectorize.upsert")} upsert(s), ${w2.invocations} invocation(s)` : "",
      w2 && n(w2.calls, "ai.run") <= 1010 && n(w2.calls, "vectorize.upsert") <= 1,
    );
  }
  const w3 = find(all, "W3", "wasm-bindgen", "paid 1000/1000");
  row("W3: 0 AI calls", w3 ? `${n(w3.calls, "ai.run")}` : "", w3 && n(w3.calls, "ai.run") === 0);
  for (const w of [...new Set(node.records.map((r) => r.workload))]) {
    const e = find(all, w, "wasm-bindgen", "paid 1000/1000");
    const b = find(all, w, "baseline", "none");
    if (!e || !b) continue;
    const [pe, pb] = [e.engineMicros / e.chunks, b.engineMicros / b.chunks];
    row(`${w}: engine µs/chunk in V8 ≤ seed's`, `${us(pe)} vs ${us(pb)}`, pe <= pb);
  }
  for (const host of ["native", "component", "wasm-bindgen"]) {
    const r = find(all, "W1", host, "paid 1000/1000");
    row(`W1 phase 1 of 10,000 under 10 ms (${host})`, r ? `${(r.engineMicros / 1000).toFixed(2)} ms` : "", r && r.engineMicros < 10_000);
  }
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
    `| host | requests | ${kinds.join(" | ")} | AI calls of moved and copied code | stale vectors | stale search results (of ${fmt(records[0]?.searches ?? 0)} searches) | engine ms per sync |`,
    `|---|--:|${kinds.map(() => "--:").join("|")}|--:|--:|--:|--:|`,
  ];
  for (const r of records) {
    rows.push(
      `| ${r.host} | ${fmt(r.invocations)} | ${kinds.map((k) => fmt(n(r.calls, k))).join(" | ")} | ${r.aiCallsForMovesAndCopies} | ${r.staleVectors} | ${r.staleResults} | ${(r.engineMicros / 1000 / r.syncs).toFixed(2)} |`,
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
    `Machine: ${machine()}. Best of ${node.reps} runs for the timed figures (paid budget).`,
    ...(rust?.trees ? ["", `W4's trees: \`${rust.trees[0]}\` then \`${rust.trees[1]}\`.`] : []),
    "",
    ...about,
    "",
    "### Host calls and invocations",
    "",
    ...callsTable(node, rust),
    "",
    "### Engine time per chunk (µs; paid budget, resends included, fakes excluded)",
    "",
    ...cpuTable(node, rust),
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

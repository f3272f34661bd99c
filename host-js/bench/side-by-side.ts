/**
 * BENCHMARKS.md's side-by-side section (report.ts calls it): the wasm-bindgen module and the
 * engine component in V8, in Node and inside workerd, on the same workloads and fakes: CPU
 * per chunk, what each artefact weighs and costs to start, and what that means for choosing.
 */
import type { ComponentFigures } from "./component-server.js";
import type { Host, NodeRecord } from "./main.js";
import { MAX_ROUNDS, MIN_MILLIS, type WorkerdStart } from "./workerd.js";

/** The component's figures under jco in Node (node/load.ts), and what a Worker on
 * `index-sync/component` uploads of jco's JSPI transpilation, gzipped file by file. */
export type ComponentSizes = ComponentFigures & { uploadWasmGzipBytes: number; uploadGlueGzipBytes: number };

/** What the section reads of node.json. */
export interface SideBySide {
  module: Record<string, number>;
  component?: ComponentSizes;
  workerd?: WorkerdStart;
  records: NodeRecord[];
  reps: number;
}

/** The budget the timed figures are taken under. */
const PAID = "paid 10000/1000";
const fmt = (v: number) => v.toLocaleString("en-US");
const us = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "n/a" : `${v.toFixed(2)} ms`);
const kb = (v: number) => `${(v / 1000).toFixed(1)} kB`;

/** The section's lines, from its heading on. */
export function sideBySide(node: SideBySide): string[] {
  const perChunk = (w: string, host: Host) => {
    const r = node.records.find((x) => x.workload === w && x.host === host && x.budget === PAID);
    return r === undefined ? undefined : r.engineMicros / Math.max(1, r.chunks);
  };
  const ratio = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : a / b);
  const cell = (v?: number) => (v === undefined ? "–" : us(v));
  const times = (v?: number) => (v === undefined ? "–" : `${v.toFixed(2)}×`);
  const names = [...new Set(node.records.map((r) => r.workload))];
  const ratios = { node: [] as number[], workerd: [] as number[] };
  const cpu = [
    "| workload | chunks | wasm-bindgen module, Node | component, jco in Node | component ÷ module | wasm-bindgen module, workerd | component, jco + JSPI in workerd | component ÷ module |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const w of names) {
    const [mn, cn, mw, cw] = [perChunk(w, "wasm-bindgen"), perChunk(w, "jco"), perChunk(w, "workerd wasm-bindgen"), perChunk(w, "workerd jco")];
    const [rn, rw] = [ratio(cn, mn), ratio(cw, mw)];
    if (rn !== undefined) ratios.node.push(rn);
    if (rw !== undefined) ratios.workerd.push(rw);
    const chunks = node.records.find((x) => x.workload === w && x.host === "wasm-bindgen" && x.budget === PAID)?.chunks ?? 0;
    cpu.push(`| ${w} | ${fmt(chunks)} | ${cell(mn)} | ${cell(cn)} | ${times(rn)} | ${cell(mw)} | ${cell(cw)} | ${times(rw)} |`);
  }
  const m = node.module;
  const c = node.component;
  const s = node.workerd;
  const moduleGz = (m.gzipBytes ?? 0) + (m.glueGzipBytes ?? 0);
  const componentGz = c === undefined ? undefined : c.uploadWasmGzipBytes + c.uploadGlueGzipBytes;
  const moduleStart = (m.compileMillis ?? 0) + (m.instantiateMillis ?? 0) + (m.indexerMillis ?? 0);
  const start = [
    "| artefact, runtime | wasm, gzipped | JavaScript, gzipped | compile | instantiate + first indexer | compile + instantiate + first indexer | each later instance |",
    "|---|--:|--:|--:|--:|--:|--:|",
    `| wasm-bindgen module, Node 22 | ${fmt(m.gzipBytes ?? 0)} | ${fmt(m.glueGzipBytes ?? 0)} | ${ms(m.compileMillis)} | ${ms((m.instantiateMillis ?? 0) + (m.indexerMillis ?? 0))} | ${ms(moduleStart)} | none: one instance, one \`Indexer\` per config |`,
  ];
  if (c !== undefined) {
    start.push(
      `| component, jco in Node 22 | ${fmt(c.uploadWasmGzipBytes)} | ${fmt(c.glueGzipBytes)} | with the first instantiation | ${ms(c.firstInstantiateMillis + c.indexerMillis)} | ${ms(c.firstInstantiateMillis + c.indexerMillis)} | ${ms(c.instantiateMillis)} (none needed: one instance serves every request) |`,
    );
  }
  if (s !== undefined) {
    start.push(
      `| wasm-bindgen module, workerd | ${fmt(m.gzipBytes ?? 0)} | ${fmt(m.glueGzipBytes ?? 0)} | at upload | ${ms(s.moduleFirst)} | – | none |`,
      `| component, jco + JSPI in workerd | ${fmt(c?.uploadWasmGzipBytes ?? 0)} | ${fmt(c?.uploadGlueGzipBytes ?? 0)} | at upload | ${ms(s.componentFirst)} | – | ${ms(s.componentAgain)} on every request (\`index-sync/component\` makes an instance per request) |`,
    );
  }
  const range = (list: number[]) => {
    if (list.length === 0) return undefined;
    const [lo, hi] = [Math.min(...list).toFixed(1), Math.max(...list).toFixed(1)];
    return lo === hi ? `${lo}×` : `${lo}–${hi}×`;
  };
  const [inNode, inWorkerd] = [range(ratios.node), range(ratios.workerd)];
  const all = [...ratios.node, ...ratios.workerd];
  const slower = all.length > 0 && all.every((r) => r > 1);
  const speed =
    inNode === undefined
      ? ""
      : `In V8 the component takes ${inNode} the module's time per chunk in Node${inWorkerd === undefined ? "" : ` and ${inWorkerd} inside workerd`}` +
        (s === undefined ? ". " : ` (which counts the fresh instance \`index-sync/component\` makes for each request after the first: ${ms(s.componentAgain)} each). `);
  const size =
    componentGz === undefined
      ? ""
      : `A Worker uploads ${kb(componentGz)} gzipped for the component (${fmt(c?.uploadWasmGzipBytes ?? 0)} bytes of wasm, ${fmt(c?.uploadGlueGzipBytes ?? 0)} of jco's JavaScript) against ${kb(moduleGz)} for the module (${fmt(m.gzipBytes ?? 0)} and ${fmt(m.glueGzipBytes ?? 0)}): ` +
        `the module is built at opt-level 3 for speed, the component at opt-level \`s\` for size, and jco's JavaScript is ${((c?.uploadGlueGzipBytes ?? 0) / Math.max(1, m.glueGzipBytes ?? 0)).toFixed(0)}× wasm-bindgen's. `;
  const choice = slower
    ? "A Worker is billed and limited by CPU time (10 ms an invocation on the free plan), so for a Worker the wasm-bindgen module, the package's default entry, is the choice. "
    : "Neither artefact is faster throughout: read the table row by row. ";
  const lines = [
    "### Side by side: the wasm-bindgen module and the component in V8",
    "",
    `Engine µs per chunk (paid budget, resends included, fakes and client excluded; best of ${node.reps} in Node, of at least ${node.reps} in workerd, as below; W5 not run in workerd, to save time):`,
    "",
    ...cpu,
    "",
    "What each artefact weighs (bytes; what a Worker uploads: the module and its JavaScript, or the core modules jco emitted and its JavaScript) and costs to start:",
    "",
    ...start,
    "",
    ...(c === undefined ? [] : [`The component itself, the one file every component host runs: ${fmt(c.bytes)} bytes, ${fmt(c.gzipBytes)} gzipped.`, ""]),
    "**What is compared, and how.** One engine, two artefacts, both in V8: the wasm-bindgen module behind the package's driver (`index-sync`), and the component (the very `.wasm` the Wasmtime host runs) transpiled by jco, in Node in jco's synchronous mode and in workerd with JSPI through `index-sync/component`. " +
      "All four run the same workloads on the same in-memory fakes (`host-js/bench/fakes.ts`, one implementation with a face that answers with promises, for the driver and JSPI, and one that answers at once, for jco's synchronous host), and counted the same calls, invocations and chunks on every workload and budget, as did the engine natively and the component in Wasmtime (the bench fails otherwise). " +
      "In Node, a host's time is each request's wall time less the time spent inside the fakes (so it grows when the shared machine is busy). " +
      "Inside workerd (Miniflare's, on this machine) the Worker's clock ticks in whole milliseconds, too coarse for a fake's call, so the workload runs inside the Worker and Node reads the CPU time of workerd's main thread (`/proc/PID/task/PID/schedstat`) around the whole run: " +
      `the engine's own time is real − (doubled − real) − replayed, where *doubled* makes every fake call twice (on a copy of the world) and *replayed* answers the same client from a recording with no engine behind it (the client's own work and the request's overhead), each the best of at least ${node.reps} runs (as many as fit in ${MIN_MILLIS / 1000} s a workload, up to ${MAX_ROUNDS}) after a warm-up round. ` +
      "On this shared virtual machine that CPU time still grows, up to twice, while the other core is busy: compare within a run. " +
      "It includes JSPI's suspensions, the driver's and jco's JavaScript, and for the component entry a fresh instance per request after the first; not V8's background threads (garbage collection, tier-up). " +
      "Compilation in workerd happens when the Worker is loaded (at upload on Cloudflare) and is not timed.",
    "",
    `**What it means.** ${speed}${size}${choice}` +
      "The component's case is portability: one artefact, the same bytes under Wasmtime, Python's wasmtime and jco (Node and Workers), held to the same scenario records everywhere; a Worker takes it, by changing its import to `index-sync/component`, when it must run exactly the bytes the other hosts run.",
  ];
  return lines;
}

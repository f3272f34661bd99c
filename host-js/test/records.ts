/**
 * What each request step of a scenario answered and called, and the comparison of two
 * runtimes' records step by step, as host-native/tests/modes.rs compares the component in
 * Wasmtime with the engine: the same number of request steps, and per step the same status,
 * the same body (all of it, not a subset) and the same call counts. The engine's records
 * come from `index-sync conform --engine --records FILE` (host-native/src/cli/conform.rs).
 */
import type { JsonValue } from "index-sync";

/** One request step: the response and the calls made during it, by name (names with no
 * call left out, as the engine writes them). */
export interface StepRecord {
  status: number;
  body: JsonValue;
  calls: Record<string, number>;
}

/** What a world holds at a scenario's end, by id: Vectorize's vectors and the text index's
 * entries. */
export interface WorldIds {
  vectors?: string[];
  textIndex?: string[];
}

/** One scenario's records: its steps', and the world it ended with when the records carry
 * it (beside the steps, or under `world`). */
export interface ScenarioRecords extends WorldIds {
  name: string;
  steps: StepRecord[];
  world?: WorldIds;
}

/** A records file: per scenario file name, the scenario's name and its steps' records. */
export interface RecordsFile {
  scenarios: Record<string, ScenarioRecords>;
}

/** Reads a records file's text; throws on a file of another shape. */
export function parseRecords(text: string): RecordsFile {
  const parsed = JSON.parse(text) as Partial<RecordsFile>;
  if (typeof parsed.scenarios !== "object" || parsed.scenarios === null) {
    throw new Error("not a records file: no `scenarios` object");
  }
  return parsed as RecordsFile;
}

/**
 * Where `mine` differs from the engine's records of the same scenario file. Calls are
 * compared over the names this runtime counts (`counted`): a name the engine counts and the
 * runtime does not (a billing count, say) is no disagreement, but a name either side counts
 * and the other made a different number of is.
 */
export function disagreements(engine: readonly StepRecord[], mine: readonly StepRecord[], counted: ReadonlySet<string>): string[] {
  const out: string[] = [];
  if (engine.length !== mine.length) out.push(`${engine.length} vs ${mine.length} request steps`);
  for (let n = 0; n < Math.min(engine.length, mine.length); n++) {
    const e = engine[n];
    const m = mine[n];
    if (e === undefined || m === undefined) continue;
    const differs =
      e.status !== m.status || !jsonEqual(e.body, m.body) || !callsEqual(e.calls, m.calls, counted);
    if (differs) out.push(`request ${n}: engine ${show(e, counted)} vs ${show(m, counted)}`);
  }
  return out;
}

/** Where the world `mine` ended with differs from the one the engine's records say it
 * ended with: each kind of id the records carry, as sets. */
export function worldDisagreements(engine: ScenarioRecords, mine: Required<WorldIds>): string[] {
  const recorded = engine.world ?? engine;
  const out: string[] = [];
  for (const kind of ["vectors", "textIndex"] as const) {
    const theirs = recorded[kind];
    if (!Array.isArray(theirs)) continue;
    const ours = new Set(mine[kind]);
    const missing = theirs.filter((id) => !ours.has(id));
    const extra = [...ours].filter((id) => !theirs.includes(id));
    if (missing.length > 0) out.push(`final ${kind}: the engine's hold ${JSON.stringify(missing)}, this runtime's do not`);
    if (extra.length > 0) out.push(`final ${kind}: this runtime's hold ${JSON.stringify(extra)}, the engine's do not`);
  }
  return out;
}

function callsEqual(a: Record<string, number>, b: Record<string, number>, counted: ReadonlySet<string>): boolean {
  return [...counted].every((name) => (a[name] ?? 0) === (b[name] ?? 0));
}

function show(record: StepRecord, counted: ReadonlySet<string>): string {
  const calls = Object.fromEntries(Object.entries(record.calls).filter(([name]) => counted.has(name)));
  return JSON.stringify({ status: record.status, body: record.body, calls });
}

/** Structural equality of JSON values; object keys in any order. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b && jsonEqual(a[key], b[key]));
}

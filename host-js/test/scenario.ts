/**
 * Conformance scenarios as tests/README.md defines them, run over a fake world; the
 * verdicts are the native runner's (host-native/src/runner.rs), failure for failure. One
 * runner for every JS host: the world (workerd's KV, or memory) and the `createIndexer`
 * (the wasm-bindgen entry, the component entry, the component in Node) are parameters.
 */
import type { IndexResponse, Indexer, JsonValue } from "index-sync";
// Not from "index-sync": that entry loads the wasm-bindgen module, which Node's runner of
// the component has no use for. The same class either way.
import { ConfigError } from "../dist/errors.js";
import { compareUtf8 } from "./fakes/memory.js";
import type { CallLedger, FaultMode } from "index-sync/testing";
import type { StepRecord } from "./records.js";
import { subset } from "./subset.js";

interface Expect {
  status?: number;
  body?: JsonValue;
  calls?: Record<string, number>;
  filePaths?: string[];
}

interface RequestStep {
  request: "init" | "sync" | "search" | "remove";
  user: string;
  body?: JsonValue;
  /** The native host's addition: a body sent verbatim (for malformed JSON). */
  rawBody?: string;
  expect?: Expect;
}

type ScenarioStep =
  | RequestStep
  | { advanceSeconds: number }
  /** The native host's addition: a KV entry written directly, not counted as a call. */
  | { kvPut: { key: string; value: string; ttlSeconds?: number } }
  /** `skip` (the native host's addition): calls of that name to let through first. */
  | { failNext: { call: string; times: number; skip?: number; mode?: FaultMode } };

interface HasLacks {
  has?: string[];
  lacks?: string[];
}

/** One scenario file. */
export interface Scenario {
  name: string;
  about?: string;
  config?: JsonValue;
  steps: ScenarioStep[];
  final?: { kv?: HasLacks; vectors?: HasLacks };
}

/** What the runner needs of a fake world. */
export interface ScenarioWorld<B> {
  /** The clock, the counters and the fault plan. */
  readonly ledger: CallLedger;
  advance(seconds: number): void;
  /** The bindings, as the host's `createIndexer` takes them. */
  bindings(): B;
  /** A scenario's `kvPut`: a write from outside the engine, not counted. */
  writeKv(key: string, value: string, ttlSeconds?: number): Promise<void> | void;
  hasKey(key: string): Promise<boolean> | boolean;
  hasVector(id: string): boolean;
}

/** A world of fakes as the runner sees it: its ledger, clock and bindings, its KV fake's
 * uncounted `write` and `has`, and whether its Vectorize fake holds an id. */
export function scenarioWorld<B>(
  world: {
    readonly ledger: CallLedger;
    advance(seconds: number): void;
    bindings(): B;
    readonly kv: {
      write(key: string, value: string, options: { expirationTtl?: number }): Promise<void> | void;
      has(key: string): Promise<boolean> | boolean;
    };
  },
  hasVector: (id: string) => boolean,
): ScenarioWorld<B> {
  return {
    ledger: world.ledger,
    advance: (seconds) => world.advance(seconds),
    bindings: () => world.bindings(),
    writeKv: (key, value, ttlSeconds) => world.kv.write(key, value, ttlSeconds === undefined ? {} : { expirationTtl: ttlSeconds }),
    hasKey: (key) => world.kv.has(key),
    hasVector,
  };
}

/** A host's `createIndexer`, over the bindings of its world. */
export type IndexerFactory<B> = (options: B & { config: string; clock: () => number }) => Indexer;

/** A scenario's result on one host: every unmet expectation, and each request step's
 * record, in order. */
export interface ScenarioRun {
  failures: string[];
  records: StepRecord[];
}

/** Runs `scenario` in `world` (fresh) on the indexer `create` makes. */
export async function runOn<B>(scenario: Scenario, world: ScenarioWorld<B>, create: IndexerFactory<B>): Promise<ScenarioRun> {
  const serve = serverFor(scenario, world, create);
  const failures: string[] = [];
  const records: StepRecord[] = [];
  for (const [n, step] of scenario.steps.entries()) {
    if ("advanceSeconds" in step) {
      world.advance(step.advanceSeconds);
    } else if ("failNext" in step) {
      const { call, times, mode, skip } = step.failNext;
      world.ledger.failNext(call, times, mode, skip);
    } else if ("kvPut" in step) {
      const { key, value, ttlSeconds } = step.kvPut;
      try {
        await world.writeKv(key, value, ttlSeconds);
      } catch (e) {
        failures.push(`step ${n}: kvPut refused: ${String(e)}`);
      }
    } else if (!("request" in step)) {
      failures.push(`step ${n}: a step needs request, advanceSeconds, failNext or kvPut`);
    } else {
      const before = world.ledger.snapshot();
      const body = step.rawBody ?? canonicalJson(step.body ?? null);
      const response = await serve(step.request, body, step.user);
      const after = world.ledger.snapshot();
      const made = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      const calls = Object.fromEntries([...after.keys()].filter((name) => made(name) > 0).map((name) => [name, made(name)]));
      records.push({ status: response.status, body: response.body, calls });
      failures.push(...checkStep(`step ${n} (${step.request} as ${step.user})`, step.expect ?? {}, response, made));
    }
  }
  for (const key of scenario.final?.kv?.has ?? []) if (!(await world.hasKey(key))) failures.push(`final: kv lacks ${key}`);
  for (const key of scenario.final?.kv?.lacks ?? []) if (await world.hasKey(key)) failures.push(`final: kv has ${key}`);
  for (const id of scenario.final?.vectors?.has ?? []) if (!world.hasVector(id)) failures.push(`final: vectors lack ${id}`);
  for (const id of scenario.final?.vectors?.lacks ?? []) if (world.hasVector(id)) failures.push(`final: vectors have ${id}`);
  return { failures, records };
}

type Serve = (kind: RequestStep["request"], body: string, user: string) => Promise<IndexResponse>;

/** The indexer for the scenario's config; a refused config answers every request with
 * 500 `invalid_config`, as every host does. */
function serverFor<B>(scenario: Scenario, world: ScenarioWorld<B>, create: IndexerFactory<B>): Serve {
  let indexer: Indexer;
  try {
    indexer = create({
      ...world.bindings(),
      config: scenario.config == null ? "{}" : JSON.stringify(scenario.config),
      clock: () => world.ledger.now,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const body = { error: { code: error.code, message: error.message } };
    const refusal: IndexResponse = { status: 500, body, json: JSON.stringify(body) };
    return async () => refusal;
  }
  return (kind, body, user) => indexer[kind](body, user);
}

function checkStep(at: string, expect: Expect, response: IndexResponse, calls: (name: string) => number): string[] {
  const failures: string[] = [];
  if (expect.status !== undefined && expect.status !== response.status) {
    failures.push(`${at}: status ${response.status} (body ${JSON.stringify(response.body)}), expected ${expect.status}`);
  }
  if (expect.body !== undefined) {
    failures.push(...subset("body", expect.body, response.body).map((d) => `${at}: ${d}`));
  }
  for (const [name, want] of Object.entries(expect.calls ?? {})) {
    if (calls(name) !== want) failures.push(`${at}: ${calls(name)} ${name} calls, expected ${want}`);
  }
  if (expect.filePaths !== undefined) {
    const got = filePaths(response.body);
    if (JSON.stringify(got) !== JSON.stringify(expect.filePaths)) {
      failures.push(`${at}: file paths ${JSON.stringify(got)}, expected ${JSON.stringify(expect.filePaths)}`);
    }
  }
  return failures;
}

/** The `filePath` of each search result, best first. */
export function filePaths(body: JsonValue): string[] {
  const results = typeof body === "object" && body !== null && !Array.isArray(body) ? body.results : undefined;
  if (!Array.isArray(results)) return [];
  return results.flatMap((r) =>
    typeof r === "object" && r !== null && !Array.isArray(r) && typeof r.filePath === "string" ? [r.filePath] : [],
  );
}

/** A body as host-native's runner sends it (serde_json: compact, object keys in UTF-8
 * order), so that a refusal naming a column names the same one on every host. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort(compareUtf8);
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Conformance scenarios as tests/README.md defines them, run over a fake world; the
 * verdicts are the native runner's (host-native/src/runner.rs), failure for failure. One
 * runner for every JS host: the world (workerd's KV and the coordinator Durable Object, or
 * memory) and the host's `createIndexer` (the wasm-bindgen entry, the component entry, the
 * component in Node) are parameters. A `concurrently` step is replayed by concurrently.ts.
 */
import type { IndexResponse, Indexer, JsonValue, WaitUntil } from "index-sync";
// Not from "index-sync": that entry loads the wasm-bindgen module, which Node's runner of
// the component has no use for. The same class and function either way.
import { ConfigError } from "../dist/errors.js";
import { indexResponse } from "../dist/wire.js";
import { compareUtf8 } from "./fakes/memory.js";
import type { CallLedger, FaultMode } from "index-sync/testing";
import { collectInto, type Gated, type GrantEntry, interleave, type Start } from "./concurrently.js";
import type { StepRecord } from "./records.js";
import { subset } from "./subset.js";

interface Expect {
  /** One status, or a list any of which passes (the body is then checked only when the
   * status is the list's first). */
  status?: number | number[];
  body?: JsonValue;
  calls?: Record<string, number>;
  filePaths?: string[];
}

interface RequestStep {
  request: "init" | "sync" | "search" | "remove" | "usage" | "status";
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
  | { failNext: { call: string; times: number; skip?: number; mode?: FaultMode } }
  /** Overlapping requests of one tenant, in the order the object lists them. */
  | { concurrently: { requests: Record<string, RequestStep>; schedule: GrantEntry[] } };

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
  final?: { kv?: HasLacks; vectors?: HasLacks; textIndex?: HasLacks };
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
  hasTextEntry(id: string): boolean;
}

/** A world of fakes as the runner sees it: its ledger, clock and bindings, its KV fake's
 * uncounted `write` and `has`, and whether its Vectorize fake and its text index hold an id. */
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
  hasTextEntry: (id: string) => boolean,
): ScenarioWorld<B> {
  return {
    ledger: world.ledger,
    advance: (seconds) => world.advance(seconds),
    bindings: () => world.bindings(),
    writeKv: (key, value, ttlSeconds) => world.kv.write(key, value, ttlSeconds === undefined ? {} : { expirationTtl: ttlSeconds }),
    hasKey: (key) => world.kv.has(key),
    hasVector,
    hasTextEntry,
  };
}

/** A host's `createIndexer`, over the bindings of its world. */
export type IndexerFactory<B> = (options: B & { config: string; clock: () => number; waitUntil?: WaitUntil }) => Indexer;

/** How a host serves a scenario: an indexer over the world's bindings for the requests one
 * after another, and one per request of a `concurrently` step over that request's held
 * bindings (answering through promises, whatever the world's answer with). */
export interface ScenarioHost<B> {
  create: IndexerFactory<B>;
  overlapping: IndexerFactory<Gated<B>>;
}

/** A scenario's result on one host: every unmet expectation, and each request step's
 * record, in order. */
export interface ScenarioRun {
  failures: string[];
  records: StepRecord[];
}

/** Runs `scenario` in `world` (fresh) on the indexers `host` makes. */
export async function runOn<B extends object>(scenario: Scenario, world: ScenarioWorld<B>, host: ScenarioHost<B>): Promise<ScenarioRun> {
  const serve = serverFor(scenario, world, host.create);
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
    } else if ("concurrently" in step) {
      const overlap = await runConcurrently(step.concurrently, scenario, world, host.overlapping);
      if (typeof overlap === "string") {
        failures.push(`step ${n}: ${overlap}`);
        continue;
      }
      for (const [name, request, response, calls] of overlap) {
        records.push({ status: response.status, body: response.body, calls });
        const made = (call: string) => calls[call] ?? 0;
        failures.push(...checkStep(`step ${n}.${name} (${request.request} as ${request.user})`, request.expect ?? {}, response, made));
      }
    } else if (!("request" in step)) {
      failures.push(`step ${n}: a step needs request, advanceSeconds, failNext, kvPut or concurrently`);
    } else {
      const before = world.ledger.snapshot();
      const response = await serve(step.request, bodyOf(step), step.user);
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
  for (const id of scenario.final?.textIndex?.has ?? []) if (!world.hasTextEntry(id)) failures.push(`final: textIndex lacks ${id}`);
  for (const id of scenario.final?.textIndex?.lacks ?? []) if (world.hasTextEntry(id)) failures.push(`final: textIndex has ${id}`);
  return { failures, records };
}

/** The body as the native runner sends it: `rawBody` verbatim, else `body` as serde writes it. */
function bodyOf(step: RequestStep): string {
  return step.rawBody ?? canonicalJson(step.body ?? null);
}

type Serve = (kind: RequestStep["request"], body: string, user: string) => Promise<IndexResponse>;

/** The scenario's config as the engine reads it. */
function configOf(scenario: Scenario): string {
  return scenario.config == null ? "{}" : JSON.stringify(scenario.config);
}

/** What every request answers when the engine refuses the config: 500 `invalid_config`,
 * as every host answers it. */
function configRefusal(error: ConfigError): IndexResponse {
  return indexResponse(500, JSON.stringify({ error: { code: error.code, message: error.message } }));
}

/** The indexer for the scenario's config; a refused config answers every request with its
 * refusal. */
function serverFor<B>(scenario: Scenario, world: ScenarioWorld<B>, create: IndexerFactory<B>): Serve {
  let indexer: Indexer;
  try {
    indexer = create({ ...world.bindings(), config: configOf(scenario), clock: () => world.ledger.now });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const refusal = configRefusal(error);
    return async () => refusal;
  }
  return (kind, body, user) => indexer[kind](body, user);
}

/** A `concurrently` step: each request on an indexer of its own over held bindings
 * (concurrently.ts), the schedule replayed; each request's step, response and own calls,
 * in the order listed, or why the step cannot run. */
async function runConcurrently<B extends object>(
  step: { requests: Record<string, RequestStep>; schedule: GrantEntry[] },
  scenario: Scenario,
  world: ScenarioWorld<B>,
  create: IndexerFactory<Gated<B>>,
): Promise<[string, RequestStep, IndexResponse, Record<string, number>][] | string> {
  if (typeof step.requests !== "object" || step.requests === null || !Array.isArray(step.schedule)) {
    return "concurrently needs `requests`, an object of named request steps, and `schedule`, a list";
  }
  const requests = Object.entries(step.requests);
  // JavaScript lists an object's whole-number keys first, whatever the text's order.
  if (requests.some(([name]) => /^(0|[1-9][0-9]*)$/.test(name))) {
    return "concurrently: name the requests otherwise than by whole numbers (a JavaScript object reorders those)";
  }
  const start = ([, request]: [string, RequestStep]): Start => (inFlight) => {
    let indexer: Indexer;
    try {
      const options = { config: configOf(scenario), clock: () => world.ledger.now, waitUntil: collectInto(inFlight) };
      indexer = create({ ...inFlight.gate(world.bindings()), ...options });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      inFlight.answer(configRefusal(error));
      return;
    }
    inFlight.run(() => indexer[request.request](bodyOf(request), request.user));
  };
  const done = await interleave(
    requests.map((entry) => [entry[0], start(entry)]),
    step.schedule,
    world.ledger,
  );
  if (typeof done === "string") return done;
  const answered: [string, RequestStep, IndexResponse, Record<string, number>][] = [];
  for (const [i, [name, request]] of requests.entries()) {
    const record = done[i];
    if (record?.response === undefined) {
      const why = record?.error instanceof Error ? (record.error.stack ?? record.error.message) : String(record?.error);
      return `request ${JSON.stringify(name)} ended without a response: ${why}`;
    }
    answered.push([name, request, record.response, record.calls]);
  }
  return answered;
}

function checkStep(at: string, expect: Expect, response: IndexResponse, calls: (name: string) => number): string[] {
  const failures: string[] = [];
  const statuses = expect.status === undefined ? undefined : [expect.status].flat();
  if (statuses !== undefined && !statuses.includes(response.status)) {
    failures.push(`${at}: status ${response.status} (body ${JSON.stringify(response.body)}), expected ${JSON.stringify(expect.status)}`);
  }
  // With a list of statuses, the body is the first status's.
  const bodyChecked = !Array.isArray(expect.status) || expect.status[0] === response.status;
  if (expect.body !== undefined && bodyChecked) {
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
